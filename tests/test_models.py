"""The data model in PostgreSQL: what the database itself refuses (so no write path, the
importer's COPY included, can store it), what it protects from deletion, and that it is no
stricter than the interchange format.

Rows are written with `objects.create()`, which skips Django's validation: the errors here come
from the database's own constraints."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.db.models import ProtectedError

from statements.models import (
    Affiliation,
    Alias,
    Congress,
    Organisation,
    Quotation,
    Resolution,
    Statement,
    Topic,
)
from statements.positions.topics import TopicTree

pytestmark = pytest.mark.django_db


def refused(error=IntegrityError):
    """Expect the database to refuse the write; the test's transaction stays usable."""

    class Refused:
        def __enter__(self):
            self.raises = pytest.raises(error)
            self.raises.__enter__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()

        def __exit__(self, *exc):
            self.atomic.__exit__(*exc)
            return self.raises.__exit__(*exc)

    return Refused()


@pytest.fixture
def lo():
    return Organisation.objects.create(
        key="lo", name="Norwegian Confederation of Trade Unions", short_name="LO"
    )


@pytest.fixture
def ituc():
    return Organisation.objects.create(key="ituc", name="International Trade Union Confederation")


@pytest.fixture
def congress(lo):
    return Congress.objects.create(
        key="lo-congress-2009", organisation=lo, name="2009 LO Congress", year=2009
    )


@pytest.fixture
def resolution(congress):
    return Resolution.objects.create(
        key="lo-2009-action-plan-poverty",
        congress=congress,
        title="Action plan: Poverty",
        text="The labour movement plays an important role.\n\nLO will play an active role.",
    )


@pytest.fixture
def statement(lo):
    return Statement.objects.create(
        key="lo-answer-bspc-thb",
        organisation=lo,
        title="Answer from the Norwegian LO",
        text="LO is very concerned.\n\n"
        "'The labour movement plays an important role.\n\nLO will play an active role.'",
    )


@pytest.fixture
def topic():
    return Topic.objects.create(
        key="trafficking-in-human-beings", name="Trafficking in human beings"
    )


def make(type_, key, lo, congress):
    """One object of each keyed type, with `key`."""
    if type_ == "organisation":
        return Organisation.objects.create(key=key, name="An organisation")
    if type_ == "topic":
        return Topic.objects.create(key=key, name="A topic")
    if type_ == "congress":
        return Congress.objects.create(key=key, organisation=lo, name="A congress", year=2000)
    if type_ == "resolution":
        return Resolution.objects.create(
            key=key, congress=congress, title="A resolution", text="T."
        )
    return Statement.objects.create(key=key, organisation=lo, title="A statement", text="T.")


KEYED = ["organisation", "topic", "congress", "resolution", "statement"]


# Keys -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("type_", KEYED)
def test_keys_are_unique_per_type(lo, congress, type_):
    make(type_, "shared-key", lo, congress)
    with refused():
        make(type_, "shared-key", lo, congress)


def test_the_same_key_may_name_objects_of_different_types(lo, congress):
    for type_ in KEYED:
        make(type_, "poverty", lo, congress)
    assert Topic.objects.get(key="poverty") and Statement.objects.get(key="poverty")


@pytest.mark.parametrize("type_", KEYED)
@pytest.mark.parametrize(
    "key", ["LO", "lo--congress", "-lo", "lo-", "lo congress", "lo_congress", "lø", ""]
)
def test_malformed_keys_are_refused(lo, congress, type_, key):
    with refused():
        make(type_, key, lo, congress)


@pytest.mark.parametrize("type_", KEYED)
def test_a_100_character_key_is_accepted_and_101_refused(lo, congress, type_):
    key = "-".join(["abcdefghi"] * 10)  # 10 words of 9 letters and 9 hyphens: 99 characters
    key += "x"
    assert len(key) == 100
    assert make(type_, key, lo, congress).key == key
    with refused(DataError):
        make(type_, key + "y", lo, congress)


# Enumerations, codes, years and dates -----------------------------------------------------


@pytest.mark.parametrize(
    "create",
    [
        lambda lo, c: Organisation.objects.create(key="x", name="X", kind="union"),
        lambda lo, c: Organisation.objects.create(key="x", name="X", country="no"),
        lambda lo, c: Organisation.objects.create(key="x", name="X", country="N0"),
        lambda lo, c: Affiliation.objects.create(
            organisation=lo, relation="friend_of", target=c.organisation_other
        ),
        lambda lo, c: Resolution.objects.create(
            key="x", congress=c, title="X", text="T.", kind="motion"
        ),
        lambda lo, c: Resolution.objects.create(
            key="x", congress=c, title="X", text="T.", language="EN"
        ),
        lambda lo, c: Statement.objects.create(
            key="x", organisation=lo, title="X", text="T.", kind="tweet"
        ),
        lambda lo, c: Statement.objects.create(
            key="x", organisation=lo, title="X", text="T.", status="hidden"
        ),
        lambda lo, c: Statement.objects.create(
            key="x", organisation=lo, title="X", text="T.", language="eng"
        ),
    ],
    ids=[
        "organisation kind",
        "country lower case",
        "country digit",
        "affiliation relation",
        "resolution kind",
        "resolution language",
        "statement kind",
        "statement status",
        "statement language",
    ],
)
def test_values_outside_the_enumerations_are_refused(lo, ituc, congress, create):
    congress.organisation_other = ituc
    with refused((IntegrityError, DataError)):
        create(lo, congress)


@pytest.mark.parametrize(
    ("year", "accepted"), [(1799, False), (1800, True), (2100, True), (2101, False)]
)
def test_congress_years_are_1800_to_2100(lo, year, accepted):
    def create():
        return Congress.objects.create(key="c", organisation=lo, name="C", year=year)

    if accepted:
        assert create().year == year
    else:
        with refused():
            create()


@pytest.mark.parametrize("field", ["since", "until"])
@pytest.mark.parametrize(
    ("year", "accepted"), [(1799, False), (1800, True), (2100, True), (2101, False)]
)
def test_affiliation_years_are_1800_to_2100(lo, ituc, field, year, accepted):
    def create():
        return Affiliation.objects.create(
            organisation=lo, relation="member_of", target=ituc, **{field: year}
        )

    if accepted:
        assert getattr(create(), field) == year
    else:
        with refused():
            create()


def test_until_before_since_is_refused(lo, ituc):
    with refused():
        Affiliation.objects.create(
            organisation=lo, relation="member_of", target=ituc, since=2010, until=2009
        )
    same_year = Affiliation.objects.create(
        organisation=lo, relation="member_of", target=ituc, since=2009, until=2009
    )
    assert same_year.until == 2009


def test_congress_ending_before_it_starts_is_refused(lo):
    with refused():
        Congress.objects.create(
            key="c",
            organisation=lo,
            name="C",
            year=2009,
            start_date=datetime.date(2009, 5, 12),
            end_date=datetime.date(2009, 5, 10),
        )
    one_day = Congress.objects.create(
        key="c",
        organisation=lo,
        name="C",
        year=2009,
        start_date=datetime.date(2009, 5, 12),
        end_date=datetime.date(2009, 5, 12),
    )
    assert one_day.end_date == one_day.start_date


@pytest.mark.parametrize(
    ("date", "precision", "accepted"),
    [
        (None, "", True),
        (datetime.date(2009, 1, 1), "year", True),
        (datetime.date(2009, 5, 1), "month", True),
        (datetime.date(2009, 5, 12), "day", True),
        (datetime.date(2009, 1, 1), "day", True),
        (None, "year", False),  # a precision without a date
        (datetime.date(2009, 5, 12), "", False),  # a date without its precision
        (datetime.date(2009, 5, 1), "year", False),  # a year is stored as its first day
        (datetime.date(2009, 5, 12), "month", False),  # a month too
        (datetime.date(2009, 5, 12), "week", False),
    ],
)
def test_statement_date_and_precision_agree(lo, date, precision, accepted):
    def create():
        return Statement.objects.create(
            key="s", organisation=lo, title="S", text="T.", date=date, date_precision=precision
        )

    if accepted:
        assert create().date == date
    else:
        with refused((IntegrityError, DataError)):
            create()


@pytest.mark.parametrize(
    ("date", "precision", "shown"),
    [
        (None, "", ""),
        (datetime.date(2009, 1, 1), "year", "2009"),
        (datetime.date(2009, 5, 1), "month", "2009-05"),
        (datetime.date(2009, 5, 12), "day", "2009-05-12"),
    ],
)
def test_statement_date_text_keeps_the_precision(lo, date, precision, shown):
    statement = Statement.objects.create(
        key="s", organisation=lo, title="S", text="T.", date=date, date_precision=precision
    )
    assert statement.date_text == shown


# Ties between rows --------------------------------------------------------------------------


def test_an_organisation_cannot_be_affiliated_with_itself(lo):
    with refused():
        Affiliation.objects.create(organisation=lo, relation="partner_of", target=lo)


def test_duplicate_affiliations_are_refused(lo, ituc):
    Affiliation.objects.create(organisation=lo, relation="member_of", target=ituc)
    with refused():
        Affiliation.objects.create(organisation=lo, relation="member_of", target=ituc)
    # Another relation between the same two is a different tie.
    Affiliation.objects.create(organisation=lo, relation="partner_of", target=ituc)
    Affiliation.objects.create(organisation=ituc, relation="member_of", target=lo)
    assert Affiliation.objects.count() == 3


@pytest.mark.parametrize("model", [Organisation, Topic])
def test_nothing_is_its_own_parent(model):
    obj = model.objects.create(key="x", name="X")
    obj.parent = obj
    with refused():
        obj.save()


@pytest.mark.parametrize("model", [Organisation, Topic])
def test_clean_refuses_a_parent_cycle(model):
    """Cycles span rows, so clean() checks them (the admin and the importer call it)."""
    top = model.objects.create(key="top", name="Top")
    middle = model.objects.create(key="middle", name="Middle", parent=top)
    bottom = model.objects.create(key="bottom", name="Bottom", parent=middle)
    top.parent = bottom
    with pytest.raises(ValidationError) as error:
        top.clean()
    assert "cycle" in str(error.value)
    top.parent = None
    bottom.parent = top  # moving a leaf elsewhere in the tree is fine
    bottom.clean()


def test_duplicate_quotations_are_refused(statement, resolution):
    excerpt = "The labour movement plays an important role."
    Quotation.objects.create(statement=statement, resolution=resolution, excerpt=excerpt)
    with refused():
        Quotation.objects.create(statement=statement, resolution=resolution, excerpt=excerpt)
    # Another passage of the same resolution is another quotation.
    Quotation.objects.create(
        statement=statement, resolution=resolution, excerpt="LO will play an active role."
    )
    assert statement.quotations.count() == 2


def test_quotation_clean_finds_the_excerpt_in_the_normalised_text(statement, resolution):
    quotation = Quotation(
        statement=statement,
        resolution=resolution,
        excerpt="  The labour movement plays an important role.\r\n\r\n\r\n"
        "LO will play an active role.\n",
    )
    quotation.clean()
    assert (
        quotation.excerpt
        == "The labour movement plays an important role.\n\nLO will play an active role."
    )
    assert quotation.paragraph_numbers == [2, 3]
    with pytest.raises(ValidationError):
        Quotation(
            statement=statement, resolution=resolution, excerpt="LO is not concerned."
        ).clean()


# Deletion -------------------------------------------------------------------------------------


def test_an_organisation_with_statements_cannot_be_deleted(lo, statement):
    with pytest.raises(ProtectedError):
        lo.delete()


def test_an_organisation_referred_to_in_any_way_cannot_be_deleted(lo, ituc, statement):
    """As addressee, as a mentioned organisation, as an affiliation's target, as a parent."""
    bspc = Organisation.objects.create(key="bspc", name="Baltic Sea Parliamentary Conference")
    statement.addressed_to = bspc
    statement.save()
    with pytest.raises(ProtectedError):
        bspc.delete()
    un = Organisation.objects.create(key="united-nations", name="United Nations")
    statement.mentions.add(un)
    with pytest.raises(ProtectedError):
        un.delete()
    Affiliation.objects.create(organisation=lo, relation="member_of", target=ituc)
    with pytest.raises(ProtectedError):
        ituc.delete()
    Organisation.objects.create(key="bspc-wg", name="BSPC Working Group", parent=bspc)
    statement.addressed_to = None
    statement.save()
    with pytest.raises(ProtectedError):
        bspc.delete()
    assert statement.mentions.get() == un


def test_a_topic_tagging_a_statement_or_resolution_cannot_be_deleted(topic, statement, resolution):
    statement.topics.add(topic)
    with pytest.raises(ProtectedError):
        topic.delete()
    statement.topics.clear()
    resolution.topics.add(topic)
    with pytest.raises(ProtectedError):
        topic.delete()
    resolution.topics.clear()
    topic.delete()
    assert not Topic.objects.exists()


def test_a_topic_with_sub_topics_cannot_be_deleted(topic):
    Topic.objects.create(key="forced-labour", name="Forced labour", parent=topic)
    with pytest.raises(ProtectedError):
        topic.delete()


def test_a_congress_with_resolutions_cannot_be_deleted(congress, resolution):
    with pytest.raises(ProtectedError):
        congress.delete()


def test_a_quoted_resolution_cannot_be_deleted(statement, resolution):
    Quotation.objects.create(
        statement=statement, resolution=resolution, excerpt="LO will play an active role."
    )
    with pytest.raises(ProtectedError):
        resolution.delete()


def test_deleting_a_statement_deletes_its_quotations_and_nothing_else(statement, resolution, topic):
    statement.topics.add(topic)
    Quotation.objects.create(
        statement=statement, resolution=resolution, excerpt="LO will play an active role."
    )
    statement.delete()
    assert not Quotation.objects.exists()
    assert Resolution.objects.get() == resolution
    assert Topic.objects.get() == topic


def test_deleting_a_topic_deletes_its_aliases(topic):
    Alias.objects.create(topic=topic, name="THB")
    topic.delete()
    assert not Alias.objects.exists()


# Texts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["statement", "resolution"])
def test_texts_are_normalised_on_save(lo, congress, model):
    typed = "\r\n  First paragraph.\r\nSame paragraph.\r\n\r\n \t \r\n\r\nSecond paragraph.\r\n\r\n"
    if model == "statement":
        obj = Statement.objects.create(key="s", organisation=lo, title="S", text=typed)
    else:
        obj = Resolution.objects.create(key="r", congress=congress, title="R", text=typed)
    obj.refresh_from_db()
    assert obj.text == "First paragraph.\nSame paragraph.\n\nSecond paragraph."
    assert obj.paragraphs == ["First paragraph.\nSame paragraph.", "Second paragraph."]


def test_excerpts_are_normalised_on_save(statement, resolution):
    quotation = Quotation.objects.create(
        statement=statement,
        resolution=resolution,
        excerpt="\nThe labour movement plays an important role.\r\n\r\n\r\n"
        "LO will play an active role.  ",
    )
    quotation.refresh_from_db()
    assert (
        quotation.excerpt
        == "The labour movement plays an important role.\n\nLO will play an active role."
    )


# No stricter than the format ------------------------------------------------------------------


def test_long_names_and_texts_are_accepted(lo, congress):
    name = "N" * 300
    org = Organisation.objects.create(
        key="long",
        name=name,
        short_name=name,
        native_name=name,
        website="https://example.org/" + "p" * 300,
    )
    topic = Topic.objects.create(key="long", name=name)
    Alias.objects.create(topic=topic, name=name)
    long_congress = Congress.objects.create(
        key="long", organisation=org, name=name, year=2009, place=name
    )
    paragraph = "word " * 2000  # 10,000 characters
    text = f"Before.\n\n{paragraph.strip()}\n\nAfter."
    statement = Statement.objects.create(
        key="long",
        organisation=org,
        title=name,
        text=text,
        occasion=name,
        source_url="https://x.org/" + "q" * 500,
    )
    resolution = Resolution.objects.create(
        key="long", congress=long_congress, title=name, section=name, text=text
    )
    excerpt = paragraph.strip() + "\n\nAfter."
    assert len(excerpt) >= 10_000
    quotation = Quotation.objects.create(
        statement=statement, resolution=resolution, excerpt=excerpt
    )
    quotation.clean()
    quotation.refresh_from_db()
    assert quotation.excerpt == excerpt
    assert Organisation.objects.get(key="long").name == name


def test_quotations_of_long_excerpts_stay_unique(statement, resolution):
    """The uniqueness of (statement, resolution, excerpt) holds for excerpts too long for a
    plain B-tree index entry (about 2,700 bytes)."""
    long_paragraph = " ".join(f"word{n}" for n in range(3000))
    statement.text += "\n\n" + long_paragraph
    statement.save()
    Quotation.objects.create(statement=statement, resolution=resolution, excerpt=long_paragraph)
    with refused():
        Quotation.objects.create(statement=statement, resolution=resolution, excerpt=long_paragraph)


def test_optional_fields_may_be_left_empty(lo, congress):
    org = Organisation.objects.create(key="minimal", name="Minimal")
    assert (org.country, org.kind, org.parent) == ("", "other", None)
    statement = Statement.objects.create(key="minimal", organisation=org, title="T", text="T.")
    assert (statement.kind, statement.status, statement.language, statement.date) == (
        "other",
        "draft",
        "en",
        None,
    )
    resolution = Resolution.objects.create(key="minimal", congress=congress, title="T", text="T.")
    assert (resolution.kind, resolution.section, resolution.language) == ("other", "", "en")


def test_below_include_every_level(topic):
    forced = Topic.objects.create(key="forced-labour", name="Forced labour", parent=topic)
    debt = Topic.objects.create(key="debt-bondage", name="Debt bondage", parent=forced)
    Topic.objects.create(key="poverty", name="Poverty")
    tree = TopicTree()
    assert tree.below([topic.pk]) == {topic.pk, forced.pk, debt.pk}
    assert tree.below([debt.pk]) == {debt.pk}
