"""Spelling help: "did you mean" when a near spelling is far more common than the word typed
(with both counts, exact), a misspelt word among correct ones corrected, and British and
American spellings finding exactly the same texts.

Every expected count and set is read off the hand-made texts below (which text has which
word, counted in Python over the fixture's own strings), never from the search code."""

import datetime
import random
import re

import pytest
from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS
from django.http import QueryDict

from statements.models import Organisation, Statement
from statements.search import compile, service, spelling

pytestmark = pytest.mark.django_db

TRAFFICKING_TEXTS = 45
TYPO_TEXTS = 2

# Pairs of the field and a seeded sample of breame's list: each spelt once in a text of its own.
FIELD_PAIRS = [
    ("labour", "labor"),
    ("organisation", "organization"),
    ("criminalisation", "criminalization"),
    ("centre", "center"),
    ("defence", "defense"),
    ("programme", "program"),
    ("behaviour", "behavior"),
    ("paediatric", "pediatric"),
    ("analyse", "analyze"),
    ("travelled", "traveled"),
]
SAMPLED_PAIRS = random.Random(12).sample(sorted(BRITISH_ENGLISH_SPELLINGS.items()), 20)


@pytest.fixture(autouse=True)
def _fresh_search_configs():
    compile.forget_configs()
    yield
    compile.forget_configs()


def texts():
    """{key: (title, text)}: the archive's texts."""
    found = {}
    for i in range(TRAFFICKING_TEXTS):
        found[f"thb-{i}"] = (f"Report {i}", f"Trafficking of workers in region {i} is rising.")
    for i in range(TYPO_TEXTS):  # the typo, as some texts have it
        found[f"typo-{i}"] = (f"Note {i}", f"Trafficing of workers in the port, note {i}.")
    found["seasonal"] = (
        "Seasonal agricultural workers",
        "Seasonal agricultural workers are owed their wage by the farms.",
    )
    found["agricultural"] = ("Agricultural statistics", "Agricultural output grew.")
    found["wages"] = ("Wages", "Seasonal workers and their wage.")
    # A typo that is itself a word ("teas" for "teams"), which no spelling help can see.
    found["teams"] = ("Rescue", "Rescue teams reached the flooded harbour villages.")
    found["teas"] = ("Exports", "Exports of teas and spices grew.")
    found["harvest"] = ("Harvest", "The harvest grew after the flooded fields dried.")
    for i, (british, american) in enumerate(FIELD_PAIRS + SAMPLED_PAIRS):
        found[f"gb-{i}"] = (f"Minutes {i}", f"The meeting discussed {british} at length.")
        found[f"us-{i}"] = (f"Notes {i}", f"The meeting discussed {american} at length.")
    return found


@pytest.fixture
def archive():
    organisation = Organisation.objects.create(key="ngo", name="Some NGO", kind="ngo")
    Statement.objects.bulk_create(
        Statement(
            key=key,
            title=title,
            text=text,
            organisation=organisation,
            language="en",
            date=datetime.date(2020, 1, 1),
            date_precision="day",
            status="published",
        )
        for key, (title, text) in texts().items()
    )
    return texts()


def keys(results):
    return {p.object.key for p in results.positions}


def using(archive, word):
    """The texts of the fixture that have the word, counted over its strings."""
    pattern = re.compile(rf"\b{word}\b", re.IGNORECASE)
    return {key for key, parts in archive.items() if any(pattern.search(p) for p in parts)}


def test_did_you_mean_with_matches_shows_both_exact_counts(client, archive):
    typed, near = using(archive, "trafficing"), using(archive, "trafficking")
    assert (len(typed), len(near)) == (TYPO_TEXTS, TRAFFICKING_TEXTS)
    results = service.search_archive("trafficing")
    assert keys(results) == typed  # what was typed is searched, not replaced
    assert results.suggestion == "trafficking" and not results.corrected_from
    assert results.suggestion_count == len(near)
    page = client.get("/search/", {"q": "trafficing"}).content.decode()
    assert f"{len(typed)} results for trafficing · {len(near)} for trafficking" in page
    assert 'href="?q=trafficking"' in page
    # The suggestion's count is the one its own page shows.
    suggested = client.get("/search/", {"q": "trafficking"}).content.decode()
    assert f"{len(near)} results" in suggested


def test_the_suggestions_count_is_under_the_same_filters(archive):
    results = service.search_archive("trafficing", data_for(year_from="2021"))
    assert results.count == 0 and not results.suggestion  # nothing either way in 2021


def data_for(**params):
    data = QueryDict(mutable=True)
    data.update(params)
    return data


def test_a_common_word_gets_no_suggestion(archive):
    results = service.search_archive("trafficking")
    assert not results.suggestion and not results.corrected_from


def test_a_misspelt_word_among_correct_ones_is_corrected(archive):
    # Four distinctive words, one letter dropped from one: only "seasonal" has all four.
    results = service.search_archive("seasonal agricultral workers wage")
    assert results.corrected_from == "seasonal agricultral workers wage"
    assert results.text == "seasonal agricultural workers wage"
    assert results.positions[0].object.key == "seasonal"
    expected = using(archive, "agricultural") & using(archive, "wage") & using(archive, "seasonal")
    assert keys(results) == expected == {"seasonal"}


@pytest.mark.parametrize(("british", "american"), FIELD_PAIRS + SAMPLED_PAIRS)
def test_british_and_american_spellings_find_the_same_texts(archive, british, american):
    by_british = keys(service.search_archive(british))
    by_american = keys(service.search_archive(american))
    assert by_british == by_american
    assert using(archive, british) | using(archive, american) <= by_british


def test_phrases_and_names_in_either_spelling(archive):
    Statement.objects.create(
        key="child-gb", title="Child labour", text="On child labour.", language="en",
        organisation=Organisation.objects.get(key="ngo"), status="published",
    )  # fmt: skip
    Statement.objects.create(
        key="child-us", title="Child labor", text="On child labor.", language="en",
        organisation=Organisation.objects.get(key="ngo"), status="published",
    )  # fmt: skip
    ilo = Organisation.objects.create(
        key="ilo", name="International Labour Organization", short_name="ILO", kind="other"
    )
    Statement.objects.create(
        key="by-ilo", title="Convention report", text="Convention 182 is in force.",
        language="en", organisation=ilo, status="published",
    )  # fmt: skip
    assert keys(service.search_archive('"child labour"')) == {"child-gb", "child-us"}
    assert keys(service.search_archive('"child labor"')) == {"child-gb", "child-us"}
    for name in ("International Labour Organization", "international labor organisation"):
        assert "by-ilo" in keys(service.search_archive(f"{name} convention"))


def test_every_spelling_class_is_the_same_from_each_of_its_words():
    for word, spelt in spelling.SPELLINGS.items():
        assert word in spelt
        for other in spelt:
            assert spelling.spellings(other) == spelt
    for british, american in BRITISH_ENGLISH_SPELLINGS.items():
        assert american in spelling.spellings(british)


def test_a_query_no_text_holds_entire_is_searched_without_the_word_that_stops_it(client, archive):
    # "teas" is a word (one text has it), so it is no misspelling; no text has all four words.
    words = ["rescue", "teas", "flooded", "harbour"]
    every = set.intersection(*(using(archive, w) for w in words))
    assert not every
    without_teas = set.intersection(*(using(archive, w) for w in words if w != "teas"))
    assert without_teas == {"teams"}
    results = service.search_archive("rescue teas flooded harbour")
    assert results.missing == "teas" and results.corrected_from == "rescue teas flooded harbour"
    assert keys(results) == without_teas
    page = client.get("/search/", {"q": "rescue teas flooded harbour"}).content.decode()
    assert "showing results without <del>teas</del>" in page
    assert 'href="?q=rescue+teas+flooded+harbour&amp;exact=1"' in page
    # The reader's own words, all of them, on request: nothing.
    exact = service.search_archive("rescue teas flooded harbour", exact=True)
    assert exact.count == 0 and not exact.missing
    api = client.get("/api/search/", {"q": "rescue teas flooded harbour"}).json()
    assert api["missing"] == "teas" and api["count"] == len(without_teas)


def test_of_two_words_either_of_which_can_be_left_out_the_rarer_one_is(archive):
    words = ["grew", "spices", "flooded"]
    assert not set.intersection(*(using(archive, w) for w in words))
    left_out = {w: set.intersection(*(using(archive, o) for o in words if o != w)) for w in words}
    candidates = [w for w in words if left_out[w]]
    assert sorted(candidates) == ["flooded", "spices"]
    rarest = min(candidates, key=lambda w: len(using(archive, w)))
    results = service.search_archive("grew spices flooded")
    assert results.missing == rarest == "spices"
    assert keys(results) == left_out[rarest]


def test_two_words_that_no_text_holds_together_are_not_split(archive):
    assert not using(archive, "spices") & using(archive, "harbour")
    results = service.search_archive("spices harbour")
    assert results.count == 0 and not results.missing
