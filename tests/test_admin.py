"""The editors' admin: every page renders for an editor and is refused to others; search,
filters and actions do what an editor expects; the forms refuse what the importer refuses;
changelists cost a fixed number of queries; and the whole founding document can be entered
through the admin alone."""

import datetime
import json
import random
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from statements.codes import NAME_MAX_LENGTH
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

pytestmark = pytest.mark.django_db

DEMO = Path(__file__).resolve().parent.parent / "demo" / "archive.jsonl"
MODELS = [
    "organisation",
    "affiliation",
    "topic",
    "congress",
    "resolution",
    "statement",
    "quotation",
]

ANSWER_TEXT = (
    "LO is very concerned about Trafficking in Human Beings (THB).\n\n"
    "A new action plan for LO was adopted at the 2009 LO Congress. From the chapter entitled "
    "'Poverty':\n\n"
    "'The labour movement plays an important role in efforts to reduce poverty in the world.'"
)
QUOTED = "The labour movement plays an important role in efforts to reduce poverty in the world."


# Builders -------------------------------------------------------------------------------------


@pytest.fixture
def archive():
    """A small archive in the shape of the founding document."""
    lo = Organisation.objects.create(
        key="lo",
        name="Norwegian Confederation of Trade Unions",
        short_name="LO",
        country="NO",
        kind="trade_union_confederation",
    )
    ituc = Organisation.objects.create(
        key="ituc",
        name="International Trade Union Confederation",
        short_name="ITUC",
        kind="trade_union_confederation",
    )
    bspc = Organisation.objects.create(
        key="bspc", name="Baltic Sea Parliamentary Conference", kind="parliamentary_body"
    )
    affiliation = Affiliation.objects.create(organisation=lo, relation="member_of", target=ituc)
    rights = Topic.objects.create(
        key="trade-union-and-human-rights", name="Trade union and human rights"
    )
    thb = Topic.objects.create(
        key="trafficking-in-human-beings", name="Trafficking in human beings", parent=rights
    )
    Alias.objects.create(topic=thb, name="THB", position=0)
    Alias.objects.create(topic=thb, name="human trafficking", position=1)
    congress = Congress.objects.create(
        key="lo-congress-2009", organisation=lo, name="2009 LO Congress", year=2009
    )
    resolution = Resolution.objects.create(
        key="lo-2009-action-plan-poverty",
        congress=congress,
        title="Action plan: Poverty",
        kind="action_plan_chapter",
        section="Poverty",
        text=QUOTED,
    )
    resolution.topics.add(thb)
    answer = Statement.objects.create(
        key="lo-answer-bspc-thb",
        organisation=lo,
        title="Answer from the Norwegian LO (Trade Union Congress)",
        kind="answer",
        addressed_to=bspc,
        text=ANSWER_TEXT,
        status="published",
    )
    answer.topics.add(thb)
    answer.mentions.add(ituc)
    quotation = Quotation.objects.create(statement=answer, resolution=resolution, excerpt=QUOTED)
    return {
        "organisation": lo,
        "affiliation": affiliation,
        "topic": thb,
        "congress": congress,
        "resolution": resolution,
        "statement": answer,
        "quotation": quotation,
        "ituc": ituc,
        "bspc": bspc,
        "rights": rights,
    }


@pytest.fixture
def editor(client):
    """A staff member with every permission on the archive's models, and nothing else.
    (Users here have no password: force_login needs none, and hashing one costs a second.)"""
    user = User.objects.create(username="editor", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="statements"))
    client.force_login(user)
    return client


def url(model, view="changelist", *args):
    return reverse(f"admin:statements_{model}_{view}", args=args)


class FormScraper(HTMLParser):
    """Reads the values a browser would submit from the admin's change form."""

    def __init__(self):
        super().__init__()
        self.data, self._select, self._textarea = {}, None, None
        self._in_form = False

    def add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id", "").endswith("_form"):
            self._in_form = True
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in {"submit", "button", "file"}:
            if attrs.get("type") in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.add(name, attrs.get("value", "on"))
            else:
                self.add(name, attrs.get("value", ""))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.add(self._select, attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.add(name, "")

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea:
                # Browsers drop the newline that follows <textarea>.
                value = self.data[self._textarea][-1]
                self.data[self._textarea][-1] = value.removeprefix("\n")
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def picked(prefix, text, passage, words=6):
    """The quotation picker's fields for a passage, as an editor reads them off the text: the
    paragraphs it begins and ends in, and its first and last words."""
    paragraphs = text.split("\n\n")
    first = next(i for i, p in enumerate(paragraphs) if passage.split("\n\n")[0] in p) + 1
    last = first + passage.count("\n\n")
    return {
        f"{prefix}-paragraph": str(first),
        f"{prefix}-to_paragraph": str(last) if last != first else "",
        f"{prefix}-begins": " ".join(passage.split()[:words]),
        f"{prefix}-ends": " ".join(passage.split()[-words:]),
    }


def form_data(response, **changes):
    """The form on an admin add/change page as it would be submitted, with `changes` applied.
    A list value sets a multiple select."""
    scraper = FormScraper()
    scraper.feed(response.content.decode())
    data = {
        name: values if len(values) != 1 else values[0] for name, values in scraper.data.items()
    }
    for name, value in changes.items():
        data[name] = value
    return {name: value for name, value in data.items() if value != []}


def errors_of(response):
    """Every error message on the re-rendered form, main form and inlines."""
    assert response.status_code == 200, response.status_code
    context = response.context
    messages = []
    form = context["adminform"].form
    messages += [str(m) for errors in form.errors.values() for m in errors]
    for formset in context.get("inline_admin_formsets", []):
        messages += [str(m) for m in formset.formset.non_form_errors()]
        for errors in formset.formset.errors:
            messages += [str(m) for field_errors in errors.values() for m in field_errors]
    return messages


def post_form(client, page_url, **changes):
    return client.post(page_url, form_data(client.get(page_url), **changes))


# Access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_every_page_renders_for_an_editor(editor, archive, model):
    obj = archive[model]
    for page in (
        url(model),
        url(model, "add"),
        url(model, "change", obj.pk),
        url(model, "delete", obj.pk),
    ):
        response = editor.get(page)
        assert response.status_code == 200, page


@pytest.mark.parametrize("model", MODELS)
def test_anonymous_visitors_are_sent_to_log_in(client, archive, model):
    for page in (url(model), url(model, "add"), url(model, "change", archive[model].pk)):
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("model", MODELS)
def test_staff_without_permissions_is_refused(client, archive, model):
    user = User.objects.create(username="visitor", is_staff=True)
    client.force_login(user)
    for page in (url(model), url(model, "add"), url(model, "change", archive[model].pk)):
        assert client.get(page).status_code == 403, page


def test_view_only_editor_sees_but_cannot_change(client, archive):
    user = User.objects.create(username="reader", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_statement"))
    client.force_login(user)
    assert client.get(url("statement")).status_code == 200
    assert client.get(url("statement", "change", archive["statement"].pk)).status_code == 200
    assert client.get(url("statement", "add")).status_code == 403


# Changelists: columns, search, filters --------------------------------------------------------


def changelist_rows(response):
    return list(response.context["cl"].result_list)


def test_statement_changelist_shows_the_date_at_its_precision(editor, archive):
    Statement.objects.create(
        key="dated",
        organisation=archive["organisation"],
        title="A dated position",
        text="Text.",
        date=datetime.date(2009, 1, 1),
        date_precision="year",
    )
    content = editor.get(url("statement")).content.decode()
    assert ">2009<" in content
    assert "1 January 2009" not in content
    assert ">undated<" in content


@pytest.mark.parametrize(
    ("model", "term", "expected"),
    [
        ("organisation", "ITUC", {"ituc"}),
        ("organisation", "confederation", {"lo", "ituc"}),
        ("organisation", "lo", {"lo"}),
        ("topic", "THB", {"trafficking-in-human-beings"}),  # through an alias
        ("topic", "rights", {"trade-union-and-human-rights"}),
        ("congress", "2009", {"lo-congress-2009"}),
        ("resolution", "Poverty", {"lo-2009-action-plan-poverty"}),
        ("statement", "Answer Norwegian", {"lo-answer-bspc-thb"}),
        ("statement", "LO", {"lo-answer-bspc-thb"}),  # the organisation's short name
        # The text, through the stored search vector: "reduces" stems like "reduce".
        ("statement", "reduces poverty", {"lo-answer-bspc-thb"}),
        ("statement", "greyzone", set()),
        # The addressee's name finds what was addressed to it; a key finds its statement.
        ("statement", "Baltic Sea", {"lo-answer-bspc-thb"}),
        ("statement", "lo-answer-bspc-thb", {"lo-answer-bspc-thb"}),
        ("resolution", "labour movement", {"lo-2009-action-plan-poverty"}),
    ],
)
def test_search(editor, archive, model, term, expected):
    response = editor.get(url(model), {"q": term})
    assert response.status_code == 200
    assert {obj.key for obj in changelist_rows(response)} == expected


def test_search_with_operators_and_quotes_does_not_fail(editor, archive):
    for term in ['"unbalanced', "-", "OR OR", "a & b | !c", "'", "\\", "poverty)"]:
        assert editor.get(url("statement"), {"q": term}).status_code == 200


@pytest.mark.parametrize(
    ("model", "params", "expected"),
    [
        ("statement", {"status__exact": "draft"}, {"draft-position"}),
        ("statement", {"status__exact": "published"}, {"lo-answer-bspc-thb"}),
        ("statement", {"kind__exact": "answer"}, {"lo-answer-bspc-thb"}),
        ("statement", {"dated": "no"}, {"lo-answer-bspc-thb"}),
        ("statement", {"dated": "yes"}, {"draft-position"}),
        ("statement", {"date__year": "2011"}, {"draft-position"}),
        ("statement", {"date__year": "2011", "date__month": "5"}, {"draft-position"}),
        ("statement", {"date__year": "2009"}, set()),
        ("statement", {"language": "nb"}, {"draft-position"}),
        ("statement", {"organisation__country": "NO"}, {"lo-answer-bspc-thb"}),
        ("statement", {"organisation__id__exact": "ituc"}, {"draft-position"}),
        ("statement", {"topics__id__exact": "trafficking-in-human-beings"}, {"lo-answer-bspc-thb"}),
        ("organisation", {"country": "NO"}, {"lo"}),
        ("organisation", {"kind__exact": "parliamentary_body"}, {"bspc"}),
        ("topic", {"level": "top"}, {"trade-union-and-human-rights"}),
        ("resolution", {"kind__exact": "action_plan_chapter"}, {"lo-2009-action-plan-poverty"}),
        ("resolution", {"congress__year": "2009"}, {"lo-2009-action-plan-poverty"}),
        ("congress", {"year": "2009"}, {"lo-congress-2009"}),
    ],
)
def test_filters(editor, archive, model, params, expected):
    Statement.objects.create(
        key="draft-position",
        organisation=archive["ituc"],
        title="Posisjon",
        text="Tekst.",
        language="nb",
        status="draft",
        date=datetime.date(2011, 5, 1),
        date_precision="month",
    )
    params = dict(params)
    for name, value in params.items():
        # Related filters take primary keys: look them up from the keys above.
        if name.startswith("organisation__id"):
            params[name] = Organisation.objects.get(key=value).pk
        elif name.startswith("topics__id"):
            params[name] = Topic.objects.get(key=value).pk
    response = editor.get(url(model), params)
    assert response.status_code == 200  # an unknown filter would redirect to ?e=1
    assert {obj.key for obj in changelist_rows(response)} == expected


def test_filter_sidebar_offers_only_values_in_use(editor, archive):
    content = editor.get(url("organisation")).content.decode()
    assert "?country=NO" in content
    assert "?country=SE" not in content  # Sweden: no organisation here


# Actions --------------------------------------------------------------------------------------


def test_publish_and_unpublish_actions(editor, archive):
    lo = archive["organisation"]
    drafts = [
        Statement.objects.create(
            key=f"draft-{n}", organisation=lo, title=f"Draft {n}", text="T.", status="draft"
        )
        for n in range(2)
    ]
    published = archive["statement"]
    selected = [s.pk for s in [*drafts, published]]

    response = editor.post(
        url("statement"), {"action": "publish", "_selected_action": selected}, follow=True
    )
    assert "2 statements were published. 1 was already published." in response.content.decode()
    assert set(Statement.objects.values_list("status", flat=True)) == {"published"}

    response = editor.post(
        url("statement"), {"action": "unpublish", "_selected_action": [published.pk]}, follow=True
    )
    assert "1 statement was unpublished." in response.content.decode()
    published.refresh_from_db()
    assert published.status == "draft"
    assert Statement.objects.filter(status="published").count() == 2


def test_actions_need_the_change_permission(client, archive):
    user = User.objects.create(username="reader", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_statement"))
    client.force_login(user)
    client.post(
        url("statement"), {"action": "unpublish", "_selected_action": [archive["statement"].pk]}
    )
    archive["statement"].refresh_from_db()
    assert archive["statement"].status == "published"


# The statement's date ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "date", "precision"),
    [
        ("2009", datetime.date(2009, 1, 1), "year"),
        ("2009-05", datetime.date(2009, 5, 1), "month"),
        ("2009-05-12", datetime.date(2009, 5, 12), "day"),
        (" 2009 ", datetime.date(2009, 1, 1), "year"),
        ("", None, ""),
    ],
)
def test_date_keeps_its_precision(editor, archive, typed, date, precision):
    statement = archive["statement"]
    response = post_form(editor, url("statement", "change", statement.pk), date=typed)
    assert response.status_code == 302, errors_of(response)
    statement.refresh_from_db()
    assert (statement.date, statement.date_precision) == (date, precision)
    # The change form shows it back as typed.
    shown = form_data(editor.get(url("statement", "change", statement.pk)))["date"]
    assert shown == typed.strip()


@pytest.mark.parametrize(
    "typed", ["2009-02-30", "2009-13", "09", "2009/05/12", "12 May 2009", "1700"]
)
def test_impossible_or_malformed_dates_are_form_errors(editor, archive, typed):
    statement = archive["statement"]
    response = post_form(editor, url("statement", "change", statement.pk), date=typed)
    messages = errors_of(response)
    assert any("YYYY" in m or "between 1800 and 2100" in m for m in messages), messages
    statement.refresh_from_db()
    assert statement.date is None


def test_adding_a_statement_dated_to_the_year(editor, archive):
    response = post_form(
        editor,
        url("statement", "add"),
        organisation=str(archive["organisation"].pk),
        title="A position of 2009",
        key="a-position-of-2009",
        kind="position_paper",
        text="First paragraph.\r\n\r\n\r\nSecond paragraph.  ",
        date="2009",
    )
    assert response.status_code == 302, errors_of(response)
    statement = Statement.objects.get(key="a-position-of-2009")
    assert (statement.date, statement.date_precision) == (datetime.date(2009, 1, 1), "year")
    assert statement.text == "First paragraph.\n\nSecond paragraph."
    assert statement.language == "en" and statement.status == "draft"  # until reviewed


# The importer's rules, in the admin ----------------------------------------------------------


@pytest.mark.parametrize("model", ["topic", "organisation"])
def test_parent_cycles_are_form_errors(editor, archive, model):
    if model == "topic":
        top, child = archive["rights"], archive["topic"]
    else:
        top, child = (
            archive["bspc"],
            Organisation.objects.create(
                key="bspc-wg", name="BSPC Working Group", parent=archive["bspc"]
            ),
        )
    response = post_form(editor, url(model, "change", top.pk), parent=str(child.pk))
    assert any("cycle" in m for m in errors_of(response))
    # Its own parent, too.
    response = post_form(editor, url(model, "change", top.pk), parent=str(top.pk))
    assert any("cycle" in m for m in errors_of(response))
    top.refresh_from_db()
    assert top.parent is None


def test_self_affiliation_is_a_form_error(editor, archive):
    lo = archive["organisation"]
    response = post_form(
        editor,
        url("affiliation", "add"),
        organisation=str(lo.pk),
        relation="partner_of",
        target=str(lo.pk),
    )
    assert "An organisation cannot be affiliated with itself." in errors_of(response)


def test_until_before_since_is_a_form_error(editor, archive):
    affiliation = archive["affiliation"]
    response = post_form(
        editor, url("affiliation", "change", affiliation.pk), since="2010", until="2009"
    )
    assert "The end year is before the start year." in errors_of(response)


def test_year_out_of_range_is_a_form_error(editor, archive):
    response = post_form(editor, url("congress", "change", archive["congress"].pk), year="1700")
    assert any("between 1800 and 2100" in m for m in errors_of(response))


def test_congress_ending_before_it_starts_is_a_form_error(editor, archive):
    response = post_form(
        editor,
        url("congress", "change", archive["congress"].pk),
        start_date="2009-05-12",
        end_date="2009-05-10",
    )
    assert "The congress ends before it starts." in errors_of(response)


@pytest.mark.parametrize("key", ["LO", "lo--congress", "-lo", "lo congress", "lø"])
def test_malformed_keys_are_form_errors(editor, archive, key):
    response = post_form(editor, url("congress", "change", archive["congress"].pk), key=key)
    assert errors_of(response)
    archive["congress"].refresh_from_db()
    assert archive["congress"].key == "lo-congress-2009"


def test_duplicate_key_is_a_form_error(editor, archive):
    response = post_form(editor, url("organisation", "change", archive["ituc"].pk), key="lo")
    assert any("already exists" in m for m in errors_of(response))


def test_topic_cannot_be_related_to_itself(editor, archive):
    topic = archive["topic"]
    response = post_form(editor, url("topic", "change", topic.pk), related=[str(topic.pk)])
    assert "A topic cannot be related to itself." in errors_of(response)


def test_unknown_country_code_is_a_form_error(editor, archive):
    response = post_form(
        editor, url("organisation", "change", archive["organisation"].pk), country="XX"
    )
    assert errors_of(response)


def incompressible_name(length, seed=0):
    """`length` distinct characters of four bytes each (CJK Extension B), shuffled so that
    PostgreSQL cannot compress them: the most bytes a name of that length can take."""
    characters = [chr(0x20000 + n) for n in range(length)]
    random.Random(seed).shuffle(characters)
    return "".join(characters)


NAMES = [
    ("organisation", "organisation", "name"),
    ("organisation", "organisation", "short_name"),
    ("organisation", "organisation", "native_name"),
    ("topic", "topic", "name"),
    ("topic", "topic", "aliases-2-name"),
]


@pytest.mark.parametrize(("model", "obj", "field"), NAMES)
def test_a_name_over_the_limit_is_a_form_error_not_a_500(editor, archive, model, obj, field):
    # Names are indexed (B-tree, about 2,700 bytes a row): a longer one must be refused by
    # the form, as the importer refuses it, rather than by the database with a 500.
    page = url(model, "change", archive[obj].pk)
    response = post_form(editor, page, **{field: incompressible_name(NAME_MAX_LENGTH + 1)})
    assert response.status_code == 200
    assert any(f"at most {NAME_MAX_LENGTH} characters" in m for m in errors_of(response))


@pytest.mark.parametrize(("model", "obj", "field"), NAMES)
def test_a_name_at_the_limit_fits_the_index(editor, archive, model, obj, field):
    name = incompressible_name(NAME_MAX_LENGTH, seed=len(field))
    assert len(name.encode()) == 4 * NAME_MAX_LENGTH
    response = post_form(editor, url(model, "change", archive[obj].pk), **{field: name})
    assert response.status_code == 302, errors_of(response)
    found = Alias if field.startswith("aliases") else archive[obj]._meta.model
    assert found.objects.filter(**{field.rpartition("-")[2]: name}).exists()
    # What the index holds is as long: normalising kept every character.
    with connection.cursor() as cursor:
        cursor.execute("SELECT octet_length(archive_name(%s))", [name])
        assert cursor.fetchone()[0] == 4 * NAME_MAX_LENGTH


# Aliases --------------------------------------------------------------------------------------


def test_aliases_keep_their_order_and_new_ones_go_last(editor, archive):
    topic = archive["topic"]
    page = url("topic", "change", topic.pk)
    response = post_form(
        editor, page, **{"aliases-2-name": "trafficking in persons", "aliases-2-position": ""}
    )
    assert response.status_code == 302, errors_of(response)
    assert list(topic.aliases.values_list("name", "position")) == [
        ("THB", 0),
        ("human trafficking", 1),
        ("trafficking in persons", 2),
    ]
    # Moving one to the front renumbers the list.
    response = post_form(
        editor,
        page,
        **{"aliases-2-position": "0", "aliases-0-position": "1", "aliases-1-position": "2"},
    )
    assert response.status_code == 302, errors_of(response)
    assert list(topic.aliases.values_list("name", flat=True)) == [
        "trafficking in persons",
        "THB",
        "human trafficking",
    ]


def test_duplicate_alias_is_a_form_error(editor, archive):
    topic = archive["topic"]
    response = post_form(editor, url("topic", "change", topic.pk), **{"aliases-2-name": "thb"})
    assert "This alias is already in the list." in errors_of(response)


# Deleting what others refer to -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "blocker"),
    [
        ("organisation", "Answer from the Norwegian LO (Trade Union Congress)"),
        ("topic", "Answer from the Norwegian LO (Trade Union Congress)"),
        ("congress", "Action plan: Poverty"),
    ],
)
def test_deleting_a_referenced_object_is_refused(editor, archive, model, blocker):
    obj = archive[model]
    page = url(model, "delete", obj.pk)
    content = editor.get(page).content.decode()
    assert "would require deleting the following protected related objects" in content
    assert blocker in content
    editor.post(page, {"post": "yes"})
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_delete_page_names_the_statement_a_topic_tags(editor, archive):
    content = editor.get(url("topic", "delete", archive["topic"].pk)).content.decode()
    statement = archive["statement"]
    assert (
        f'Statement (tagged with it): <a href="{url("statement", "change", statement.pk)}">'
        in content
    )


def test_deleting_a_statement_deletes_its_quotations(editor, archive):
    statement = archive["statement"]
    response = editor.post(url("statement", "delete", statement.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Quotation.objects.exists()
    assert Resolution.objects.count() == 1


# View on site and autocomplete ---------------------------------------------------------------


@pytest.mark.parametrize("model", ["organisation", "topic", "congress", "resolution", "statement"])
def test_view_on_site_leads_to_the_public_page(editor, archive, model):
    obj = archive[model]
    content = editor.get(url(model, "change", obj.pk)).content.decode()
    assert "View on site" in content

    shortcut = reverse(
        "admin:view_on_site", args=[ContentType.objects.get_for_model(obj).pk, obj.pk]
    )
    assert shortcut in content
    response = editor.get(shortcut)
    assert response.status_code == 302
    assert response["Location"].endswith(obj.get_absolute_url())
    assert obj.key in obj.get_absolute_url()


@pytest.mark.parametrize(
    ("model", "field", "term", "expected"),
    [
        ("statement", "topics", "THB", ["Trafficking in human beings"]),
        ("statement", "organisation", "ITUC", ["International Trade Union Confederation (ITUC)"]),
        (
            "statement",
            "mentions",
            "trade union",
            [
                "International Trade Union Confederation (ITUC)",
                "Norwegian Confederation of Trade Unions (LO)",
            ],
        ),
        ("quotation", "resolution", "poverty", ["Action plan: Poverty"]),
        ("resolution", "congress", "2009", ["2009 LO Congress"]),
        ("topic", "parent", "rights", ["Trade union and human rights"]),
    ],
)
def test_autocomplete_answers(editor, archive, model, field, term, expected):
    response = editor.get(
        reverse("admin:autocomplete"),
        {"app_label": "statements", "model_name": model, "field_name": field, "term": term},
    )
    assert response.status_code == 200
    assert sorted(result["text"] for result in response.json()["results"]) == expected


def test_autocomplete_is_refused_to_anonymous_visitors(client, archive):
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "statements",
            "model_name": "statement",
            "field_name": "topics",
            "term": "THB",
        },
    )
    assert response.status_code in {302, 403}


# Queries per changelist -------------------------------------------------------------------------


def add_rows(n, start=0):
    """n of every kind of row, each fully linked, so that every column has something to show."""
    for i in range(start, start + n):
        org = Organisation.objects.create(
            key=f"org-{i}", name=f"Organisation {i}", short_name=f"O{i}", country="SE"
        )
        child = Organisation.objects.create(
            key=f"org-{i}-wg", name=f"Working group {i}", parent=org
        )
        Affiliation.objects.create(organisation=child, relation="member_of", target=org)
        topic = Topic.objects.create(key=f"topic-{i}", name=f"Topic {i}")
        sub = Topic.objects.create(key=f"topic-{i}-sub", name=f"Sub-topic {i}", parent=topic)
        Alias.objects.create(topic=sub, name=f"alias {i}")
        congress = Congress.objects.create(
            key=f"congress-{i}", organisation=org, name=f"Congress {i}", year=2000 + i % 50
        )
        resolution = Resolution.objects.create(
            key=f"resolution-{i}", congress=congress, title=f"Resolution {i}", text=f"Text {i}."
        )
        resolution.topics.add(topic, sub)
        statement = Statement.objects.create(
            key=f"statement-{i}",
            organisation=org,
            addressed_to=child,
            title=f"Statement {i}",
            text=f"Text {i}.",
            date=datetime.date(2000 + i % 20, 1, 1),
            date_precision="year",
        )
        statement.topics.add(topic, sub)
        statement.mentions.add(child)
        Quotation.objects.create(statement=statement, resolution=resolution, excerpt=f"Text {i}.")


@pytest.mark.parametrize("model", MODELS)
def test_changelist_queries_do_not_grow_with_rows(editor, django_assert_max_num_queries, model):
    add_rows(3)
    with CaptureQueriesContext(connection) as few:
        assert editor.get(url(model)).status_code == 200
    add_rows(27, start=3)
    response = None
    with django_assert_max_num_queries(len(few)):
        response = editor.get(url(model))
    assert response.status_code == 200
    assert len(changelist_rows(response)) >= 30


# The founding document, entered by hand ---------------------------------------------------------


def demo_objects():
    objects = {}
    for line in DEMO.read_text(encoding="utf-8").splitlines():
        obj = json.loads(line)
        objects.setdefault(obj.pop("type"), []).append(obj)
    return objects


def management(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_an_editor_can_enter_the_whole_founding_document(editor):
    """Every object of demo/archive.jsonl, typed into the admin's forms one by one, gives the
    same archive: organisations, affiliations, topics with aliases and related topics, the
    congress with its resolutions, the statement with its quotations."""
    demo = demo_objects()

    def ok(response):
        assert response.status_code == 302, errors_of(response)

    def org_pk(key):
        return str(Organisation.objects.get(key=key).pk)

    # Organisations whose parent comes later are saved first, then given their parent.
    for org in sorted(demo["organisation"], key=lambda o: "parent" in o):
        ok(
            post_form(
                editor,
                url("organisation", "add"),
                **{
                    "key": org["key"],
                    "name": org["name"],
                    "short_name": org.get("short_name", ""),
                    "native_name": org.get("native_name", ""),
                    "country": org.get("country", ""),
                    "kind": org.get("kind", "other"),
                    "parent": org_pk(org["parent"]) if "parent" in org else "",
                    "description": org.get("description", ""),
                    "website": org.get("website", ""),
                },
            )
        )
    for aff in demo["affiliation"]:
        ok(
            post_form(
                editor,
                url("affiliation", "add"),
                organisation=org_pk(aff["organisation"]),
                relation=aff["relation"],
                target=org_pk(aff["target"]),
            )
        )
    # Topics: parents first, then related topics once they all exist.
    topics = sorted(demo["topic"], key=lambda t: "parent" in t)
    for topic in topics:
        data = {
            "key": topic["key"],
            "name": topic["name"],
            "description": topic.get("description", ""),
            "parent": str(Topic.objects.get(key=topic["parent"]).pk) if "parent" in topic else "",
            **management("aliases", total=len(topic.get("aliases", []))),
        }
        for i, alias in enumerate(topic.get("aliases", [])):
            data |= {f"aliases-{i}-name": alias, f"aliases-{i}-position": ""}
        ok(post_form(editor, url("topic", "add"), **data))
    for topic in topics:
        if topic.get("related"):
            t = Topic.objects.get(key=topic["key"])
            current = [str(p) for p in t.related.values_list("pk", flat=True)]
            wanted = [str(Topic.objects.get(key=k).pk) for k in topic["related"]]
            ok(post_form(editor, url("topic", "change", t.pk), related=current + wanted))

    # The congress, with its two resolutions inline.
    (congress,) = demo["congress"]
    resolutions = demo["resolution"]
    data = {
        "key": congress["key"],
        "organisation": org_pk(congress["organisation"]),
        "name": congress["name"],
        "year": str(congress["year"]),
        **management("resolutions", total=len(resolutions)),
    }
    for i, res in enumerate(resolutions):
        data |= {
            f"resolutions-{i}-key": res["key"],
            f"resolutions-{i}-title": res["title"],
            f"resolutions-{i}-kind": res.get("kind", "other"),
            f"resolutions-{i}-section": res.get("section", ""),
            f"resolutions-{i}-language": res.get("language", "en"),
            f"resolutions-{i}-text": res["text"],
            f"resolutions-{i}-topics": [
                str(Topic.objects.get(key=k).pk) for k in res.get("topics", [])
            ],
        }
    ok(post_form(editor, url("congress", "add"), **data))

    # The statement, with its two quotations inline.
    (st,) = demo["statement"]
    quotations = demo["quotation"]
    data = {
        "key": st["key"],
        "organisation": org_pk(st["organisation"]),
        "title": st["title"],
        "kind": st["kind"],
        "addressed_to": org_pk(st["addressed_to"]),
        "date": st.get("date", ""),
        "language": "en",
        "text": st["text"].replace("\n", "\r\n"),
        "summary": st.get("summary", ""),
        "topics": [str(Topic.objects.get(key=k).pk) for k in st["topics"]],
        "mentions": [org_pk(k) for k in st["mentions"]],
        **management("quotations", total=len(quotations)),
    }
    for i, q in enumerate(quotations):
        data |= {
            f"quotations-{i}-resolution": str(Resolution.objects.get(key=q["resolution"]).pk),
            **picked(f"quotations-{i}", st["text"], q["excerpt"]),
        }
    ok(post_form(editor, url("statement", "add"), **data))

    # What the editor typed is what the file holds.
    assert sorted(Organisation.objects.values_list("key", flat=True)) == sorted(
        o["key"] for o in demo["organisation"]
    )
    for org in demo["organisation"]:
        stored = Organisation.objects.get(key=org["key"])
        assert (stored.parent.key if stored.parent else None) == org.get("parent")
        assert stored.country == org.get("country", "")
    assert sorted(
        (a.organisation.key, a.relation, a.target.key) for a in Affiliation.objects.all()
    ) == [(a["organisation"], a["relation"], a["target"]) for a in demo["affiliation"]]
    for topic in demo["topic"]:
        stored = Topic.objects.get(key=topic["key"])
        assert list(stored.aliases.values_list("name", flat=True)) == topic.get("aliases", [])
        assert (stored.parent.key if stored.parent else None) == topic.get("parent")
    pairs = {frozenset((t["key"], r)) for t in demo["topic"] for r in t.get("related", [])}
    stored_pairs = {frozenset((t.key, r.key)) for t in Topic.objects.all() for r in t.related.all()}
    assert stored_pairs == pairs
    for res in resolutions:
        stored = Resolution.objects.get(key=res["key"])
        assert stored.text == res["text"]
        assert stored.congress.key == congress["key"]
        assert sorted(stored.topics.values_list("key", flat=True)) == res["topics"]
    statement = Statement.objects.get(key=st["key"])
    assert statement.text == st["text"]
    assert statement.date is None and statement.date_precision == ""
    assert statement.addressed_to.key == "bspc-wg-civil-security"
    assert sorted(statement.mentions.values_list("key", flat=True)) == st["mentions"]
    assert sorted((q.resolution.key, q.excerpt) for q in statement.quotations.all()) == sorted(
        (q["resolution"], q["excerpt"]) for q in quotations
    )

    # And the statement's admin page shows both quotations, linked to their resolutions.
    content = editor.get(url("statement", "change", statement.pk)).content.decode()
    for res in resolutions:
        assert res["title"] in content


# Duplicates, inline and standalone ------------------------------------------------------------


def test_inline_affiliation_rules(editor, archive):
    lo = archive["organisation"]
    page = url("organisation", "change", lo.pk)
    # Itself as target.
    response = post_form(
        editor,
        page,
        **{
            "affiliations-TOTAL_FORMS": "2",
            "affiliations-1-relation": "partner_of",
            "affiliations-1-target": str(lo.pk),
        },
    )
    assert "An organisation cannot be affiliated with itself." in errors_of(response)
    # The same tie twice.
    response = post_form(
        editor,
        page,
        **{
            "affiliations-TOTAL_FORMS": "2",
            "affiliations-1-relation": "member_of",
            "affiliations-1-target": str(archive["ituc"].pk),
        },
    )
    assert any("duplicate" in m.lower() or "already exists" in m for m in errors_of(response))
    assert Affiliation.objects.count() == 1


def test_incoming_affiliations_are_shown_read_only(editor, archive):
    ituc = archive["ituc"]
    response = editor.get(url("organisation", "change", ituc.pk))
    content = response.content.decode()
    assert "affiliations to this organisation" in content.lower()
    assert "Norwegian Confederation of Trade Unions (LO)" in content
    # Saving ITUC's page leaves LO's tie alone.
    response = post_form(editor, url("organisation", "change", ituc.pk), name="ITUC renamed")
    assert response.status_code == 302, errors_of(response)
    assert Affiliation.objects.get().target == ituc


def test_login_is_throttled_after_five_wrong_passwords(client, db):
    User.objects.create_user("editor-x", password="the-right-password", is_staff=True)
    for attempt in range(1, 6):
        response = client.post(
            "/admin/login/", {"username": "editor-x", "password": "wrong", "next": "/admin/"}
        )
        # The form again with its error, until the fifth wrong password locks the login.
        assert response.status_code == (429 if attempt == 5 else 200)
    # Locked out now: even the right password is refused, with 429.
    response = client.post(
        "/admin/login/",
        {"username": "editor-x", "password": "the-right-password", "next": "/admin/"},
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another editor is not locked out with them.
    User.objects.create_user("editor-y", password="another-password", is_staff=True)
    response = client.post(
        "/admin/login/", {"username": "editor-y", "password": "another-password", "next": "/admin/"}
    )
    assert response.status_code == 302 and client.session["_auth_user_id"]


def test_the_editors_fields_are_sized_by_class_not_inline_style(editor):
    # The Content-Security-Policy refuses inline style: widths come from static/editor.css.
    html = editor.get(reverse("admin:statements_statement_add")).content.decode()
    assert "/static/editor.css" in html
    assert 'class="vLargeTextField editor-wide"' in html
    assert 'style="width' not in html
