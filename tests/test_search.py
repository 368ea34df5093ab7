"""Keyword search: ranking, web search syntax, expansion (aliases, spellings, acronyms),
"did you mean", facets under a search, the index kept in sync, long texts and bad input.

The corpus below is small and hand-made; each expectation is written out by hand from it
(which text says what), never computed by the search code."""

import datetime
import json
import re

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from statements.models import (
    Alias,
    Congress,
    Organisation,
    Resolution,
    SearchPassage,
    SearchWord,
    Statement,
    Topic,
)
from statements.positions import facets
from statements.search import compile, parse, service, spelling, suggest

pytestmark = pytest.mark.django_db

FILLER = (
    "The committee met in the spring and agreed on its budget, its calendar and the order "
    "of its meetings for the coming year."
)


@pytest.fixture(autouse=True)
def _fresh_search_configs():
    compile.forget_configs()
    yield
    compile.forget_configs()


def statement(key, title, text, organisation, *, summary="", language="en", status="published",
              date=None, topics=(), kind="position_paper"):  # fmt: skip
    s = Statement.objects.create(
        key=key,
        title=title,
        text=text,
        summary=summary,
        organisation=organisation,
        language=language,
        status=status,
        kind=kind,
        date=date,
        date_precision="day" if date else "",
    )
    s.topics.set(topics)
    return s


@pytest.fixture
def corpus():
    lo = Organisation.objects.create(
        key="lo",
        name="Norwegian Confederation of Trade Unions",
        short_name="LO",
        native_name="Landsorganisasjonen i Norge",
        country="NO",
        kind="trade_union_confederation",
    )
    ituc = Organisation.objects.create(
        key="ituc",
        name="International Trade Union Confederation",
        short_name="ITUC",
        kind="trade_union_confederation",
    )
    tuc = Organisation.objects.create(
        key="tuc", name="Trades Union Congress", short_name="TUC", country="GB", kind="trade_union"
    )
    thb = Topic.objects.create(
        key="trafficking-in-human-beings", name="Trafficking in human beings"
    )
    Alias.objects.create(topic=thb, name="THB", position=0)
    Alias.objects.create(topic=thb, name="human trafficking", position=1)
    child = Topic.objects.create(key="child-labour", name="Child labour")
    Alias.objects.create(topic=child, name="child work", position=0)
    forced = Topic.objects.create(key="forced-labour", name="Forced labour")
    Alias.objects.create(topic=forced, name="modern slavery", position=0)

    day = datetime.date
    statement(
        "thb-title",
        "Trafficking in human beings must end",
        "Trafficking in human beings is a crime against workers.\n\n"
        "Victims of trafficking need shelter and work permits.",
        lo,
        date=day(2010, 5, 1),
    )
    statement(
        "thb-acronym",
        "Answer to the working group",
        "LO is very concerned about THB.\n\nTHB is contrary to the principles of the union "
        "movement.",
        lo,
        date=day(2011, 3, 1),
        topics=[thb],
    )
    statement(
        "annual-report",
        "Annual report of the federation",
        f"{FILLER}\n\nThe report covers pensions, wages and training.\n\n"
        "One paragraph notes that trafficking was discussed briefly.",
        tuc,
        date=day(2012, 1, 1),
    )
    statement(
        "child-labour",
        "Child labour in supply chains",
        "Child labour persists in supply chains. Labour inspections find it on farms.\n\n"
        "Inspections must be frequent; inspections must be unannounced.",
        ituc,
        date=day(2013, 6, 1),
        topics=[child],
    )
    statement(
        "child-labor-us",
        "Report on child labor",
        "Child labor remains common in mining. The labor department counts cases.",
        ituc,
        date=day(2014, 6, 1),
    )
    statement(
        "forced-labour",
        "Forced labour and modern slavery",
        "Forced labour is modern slavery. Slavery has no place in global trade.",
        tuc,
        date=day(2015, 2, 1),
        topics=[forced],
    )
    statement(
        "scattered",
        "Workers on the move",
        "Labour markets changed and many workers were forced to move.",
        tuc,
        date=day(2016, 2, 1),
    )
    statement(
        "organisation",
        "Freedom of association",
        "Every worker has the right to join an organisation of their choosing. The "
        "organisation of labour is a human right.",
        ituc,
        date=day(2009, 9, 1),
    )
    statement(
        "norwegian",
        "Menneskehandel og barnearbeid",
        "LO er bekymret for menneskehandel og barnearbeid i verden.",
        lo,
        language="no",
        date=day(2017, 1, 1),
    )
    statement(
        "draft",
        "Trafficking draft",
        "Trafficking trafficking trafficking: not yet published.",
        lo,
        status="draft",
    )
    statement(
        "pensions",
        "Pensions and wages",
        "Pensions must keep pace with wages; wages must keep pace with prices.",
        tuc,
        summary="On pensions.",
        date=day(2018, 4, 1),
    )
    congress = Congress.objects.create(
        key="lo-2009", organisation=lo, name="2009 LO Congress", year=2009
    )
    resolution = Resolution.objects.create(
        key="lo-2009-solidarity",
        congress=congress,
        title="International solidarity and decent global labour conditions",
        text="The labour movement must actively battle the sex industry and trafficking.",
        kind="statement",
    )
    resolution.topics.set([thb])
    return {"lo": lo, "ituc": ituc, "tuc": tuc, "thb": thb}


def keys(results):
    return [p.object.key for p in results.positions]


def run(q, **kwargs):
    return service.search_archive(q, **kwargs)


# --- Ranking ----------------------------------------------------------------------------------

# (query, the text that must come first): each first text has the words in its title and its
# body, the others at most in the body, or fewer times.
BEST_FIRST = [
    ("trafficking", "thb-title"),
    ("slavery", "forced-labour"),
    ("supply chains", "child-labour"),
    ("inspections", "child-labour"),
    ("menneskehandel", "norwegian"),
    ("pensions", "pensions"),
    ("annual report", "annual-report"),
    ("working group", "thb-acronym"),
    ("freedom association", "organisation"),
    ("mining", "child-labor-us"),
    ("sex industry", "lo-2009-solidarity"),
    ("forced labour", "forced-labour"),
]


@pytest.mark.parametrize(("q", "best"), BEST_FIRST)
def test_best_match_first(corpus, q, best):
    results = run(q)
    assert keys(results)[0] == best, keys(results)


def test_title_match_outranks_a_passing_mention(corpus):
    ranked = keys(run("trafficking"))
    assert ranked.index("thb-title") < ranked.index("annual-report")


def test_above_the_cap_title_matches_are_listed_first(corpus):
    # With a cap of 2, "labour" matches more statements than the cap: the count is exact (and
    # shown as "2+"), and the two listed are the best of those that have it in their titles.
    titled = {"child-labour", "child-labor-us", "forced-labour"}
    with override_settings(POSITIONS_COUNT_CAP=2):
        results = run("labour")
        assert results.count_is_capped and results.pages == 1
        assert results.count == run("labour OR labor").count > 2
        assert len(keys(results)) == 2 and set(keys(results)) <= titled


def test_sort_by_date(corpus):
    newest = keys(run("labour", sort="newest"))
    dates = {s.key: s.date for s in Statement.objects.all()}
    statement_dates = [dates[k] for k in newest if k in dates]
    assert statement_dates == sorted(statement_dates, reverse=True)
    oldest = keys(run("labour", sort="oldest"))
    assert [k for k in oldest if k in dates] == [k for k in reversed(newest) if k in dates]


# --- Syntax -----------------------------------------------------------------------------------


def test_quoted_phrase_needs_the_words_together(corpus):
    found = set(keys(run('"forced labour"')))
    assert "forced-labour" in found
    assert "scattered" not in found  # has "forced" and "labour", apart


def test_a_phrase_stays_inside_one_field(corpus):
    # The title ends in "labour" and the body starts with "Trafficking": side by side in the
    # stored vector, but not a phrase a reader would recognise.
    statement("boundary", "Report on labour", "Trafficking rose in the region.", corpus["tuc"])
    statement(
        "together", "Regional report", "Labour trafficking rose in the region.", corpus["tuc"]
    )
    assert keys(run('"labour trafficking"')) == ["together"]
    assert {"boundary", "together"} <= set(keys(run("labour trafficking")))
    # Inside the title, a phrase is found as before.
    assert keys(run('"report on labour"')) == ["boundary"]


def test_phrases_are_found_through_their_word_pairs(corpus):
    with CaptureQueriesContext(connection) as queries:
        assert keys(run('"child labour persists"')) == ["child-labour"]
    assert any("search_pairs @@" in q["sql"] for q in queries.captured_queries)
    # Its pairs ("child labour", "labour persists") both stand in this text, but apart.
    statement("apart", "Apart", "Child labour is common. Forced labour persists.", corpus["tuc"])
    assert keys(run('"child labour persists"')) == ["child-labour"]
    # A stop word keeps its place: "in" is not just any word between the two.
    statement("gap", "Gap", "Trafficking children human beings.", corpus["tuc"])
    assert keys(run('"trafficking in human beings"')) == ["thb-title"]


def test_a_phrase_can_be_excluded_or_an_alternative(corpus):
    found = set(keys(run('labour -"child labour"')))
    assert {"forced-labour", "scattered"} <= found
    assert "child-labour" not in found
    # A quoted phrase keeps its words together, in either spelling: "child labor" is it too.
    assert "child-labor-us" not in found
    assert {"forced-labour", "pensions"} <= set(keys(run('"forced labour" OR pensions')))
    assert "scattered" not in keys(run('"forced labour" OR pensions'))


def test_a_stop_word_of_a_minority_language_is_still_searched(corpus):
    # "war" is a German stop word ("was"). With one German text among a dozen English ones it
    # is searched for; "the", an English stop word, is still left out.
    statement("german", "Bericht", "Die Lage war schwierig.", corpus["lo"], language="de")
    statement("war", "The war on poverty", "Poverty is a war we must win.", corpus["tuc"])
    assert keys(run("war")) == ["war"]
    assert keys(run("the war")) == ["war"]
    assert "only has very common words" in run("the").message


def test_a_stop_word_of_most_texts_is_left_out(corpus):
    # In an archive that is mostly German, "war" is a stop word, as "the" is in English.
    for number in range(20):
        statement(f"de-{number}", f"Bericht {number}", "Die Lage war ernst.", corpus["lo"],
                  language="de")  # fmt: skip
    statement("war", "The war on poverty", "Poverty is a war we must win.", corpus["tuc"])
    assert "only has very common words" in run("war").message
    assert keys(run("war poverty")) == ["war"]


def test_language_shares_come_from_the_statistics_on_a_large_archive(corpus, monkeypatch):
    # By hand from the corpus: 10 published or draft statements in English, 1 in Norwegian,
    # and the one resolution in English (statistics count every row, drafts included).
    monkeypatch.setattr(compile, "ESTIMATED_FROM_ROWS", 0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE statements_statement")
        cursor.execute("ANALYZE statements_resolution")
    shares = compile.config_shares()
    assert set(shares) == {"english", "norwegian"}
    assert shares["norwegian"] == pytest.approx(1 / 12, abs=0.01)
    assert shares["english"] == pytest.approx(11 / 12, abs=0.01)


def test_or_finds_either(corpus):
    assert {"norwegian", "pensions"} <= set(keys(run("menneskehandel OR pensions")))
    assert keys(run("menneskehandel pensions")) == []


def test_exclusion(corpus):
    found = set(keys(run("labour -child")))
    assert "forced-labour" in found
    assert not found & {"child-labour", "child-labor-us"}


def test_drafts_are_never_found(corpus):
    assert "draft" not in keys(run("trafficking"))


# --- Expansion --------------------------------------------------------------------------------


def test_acronym_alias_finds_the_spelt_out_topic(corpus):
    found = set(keys(run("THB")))
    assert {"thb-title", "thb-acronym", "lo-2009-solidarity"} <= found
    assert "annual-report" not in found  # says "trafficking" but not "in human beings"


def test_topic_word_finds_texts_that_only_use_the_acronym(corpus):
    assert "thb-acronym" in keys(run("trafficking"))


def test_quoted_alias_is_literal(corpus):
    assert keys(run('"THB"')) == ["thb-acronym"]


def test_excluding_an_alias_excludes_what_it_stands_for(corpus):
    found = set(keys(run("workers -THB")))
    assert "thb-title" not in found  # "trafficking in human beings", not "THB"
    assert "scattered" in found


def test_british_and_american_spellings(corpus):
    assert {"child-labour", "child-labor-us"} <= set(keys(run("child labor")))
    assert {"child-labour", "child-labor-us"} <= set(keys(run("child labour")))
    assert "organisation" in keys(run("organization"))


def test_acronym_finds_its_organisation(corpus):
    results = run("ITUC")
    assert [o.key for o in results.organisations] == ["ituc"]
    # ... and its statements, though their texts never say "ITUC".
    assert {"child-labour", "child-labor-us", "organisation"} <= set(keys(results))


def test_organisation_and_words_combine(corpus):
    assert set(keys(run("LO trafficking"))) == {"thb-title", "thb-acronym", "lo-2009-solidarity"}


def test_native_name_finds_the_organisation(corpus):
    assert [o.key for o in run("Landsorganisasjonen i Norge").organisations] == ["lo"]


def test_topic_results(corpus):
    assert [t.key for t in run("child labour").topics] == ["child-labour"]


# --- Did you mean -----------------------------------------------------------------------------


def test_confident_correction_shows_results_at_once(corpus):
    results = run("trafficing")
    assert results.corrected_from == "trafficing"
    assert results.text == "trafficking"
    assert "thb-title" in keys(results)


def test_transposed_letters_are_corrected(corpus):
    results = run("chlid labour")
    assert results.text == "child labour"
    assert "child-labour" in keys(results)


def test_exact_turns_off_the_correction(corpus):
    results = run("trafficing", exact=True)
    assert results.count == 0
    assert results.suggestion == "trafficking"


def test_nothing_close_gives_no_suggestion(corpus):
    results = run("xqzvwk")
    assert results.count == 0 and not results.suggestion and not results.corrected_from


def test_correction_page_says_so(client, corpus):
    html = client.get("/search/", {"q": "trafficing"}).content.decode()
    assert "Showing results for <strong>trafficking</strong>" in html
    assert "?q=trafficing&amp;exact=1" in html


def test_acronym_typo_is_corrected_from_names(corpus):
    assert run("ITCU").text == "ITUC"  # not in any text: from the organisations' short names


# --- Facets and filters -----------------------------------------------------------------------


def test_filters_narrow_a_search(client, corpus):
    response = client.get("/search/", {"q": "trafficking", "organisation": "lo"})
    assert response.status_code == 200
    found = {p.object.key for p in response.context["results"].positions}
    assert found == {"thb-title", "thb-acronym", "lo-2009-solidarity"}


def test_facet_counts_under_a_search(client, corpus):
    response = client.get("/search/", {"q": "labour"})
    facets = {f.name: {v.value: v.count for v in f.values} for f in response.context["facets"]}
    # By hand: "labour" (or "labor") is in child-labour, child-labor-us (ITUC), forced-labour,
    # scattered (TUC), organisation (ITUC) and the LO resolution.
    assert facets["organisation"] == {"ituc": 3, "tuc": 2, "lo": 1}
    assert facets["type"] == {"statement": 5, "resolution": 1}
    assert facets["country"] == {"GB": 2, "NO": 1}
    assert facets["topic"]["child-labour"] == 1
    assert facets["topic"]["forced-labour"] == 1
    # Each value links to the same search with the filter added.
    link = next(v.url for f in response.context["facets"] if f.name == "organisation"
                for v in f.values if v.value == "tuc")  # fmt: skip
    assert link == "/search/?q=labour&organisation=tuc"
    narrowed = client.get(link).context["results"]
    assert {p.object.key for p in narrowed.positions} == {"forced-labour", "scattered"}


def seafarers(corpus, count):
    """`count` statements that all match "seafarers" alike (same words, same date), spread
    over three organisations in turn: {organisation key: how many}."""
    spread = {}
    for number in range(count):
        organisation = ("lo", "tuc", "ituc")[number % 3]
        statement(f"sea-{number:02d}", "Notes", "Seafarers need shore leave.",
                  corpus[organisation], date=datetime.date(2020, 1, 1))  # fmt: skip
        spread[organisation] = spread.get(organisation, 0) + 1
    return spread


def every_page(client, params):
    """The result keys of every page of a search, in order, and the number of pages."""
    keys, page = [], 1
    while True:
        response = client.get("/search/", {**params, "page": page})
        assert response.status_code == 200
        results = response.context["results"]
        keys += [p.object.key for p in results.positions]
        if page == results.pages:
            return keys, page
        page += 1


@override_settings(POSITIONS_PER_PAGE=4)
@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_walking_every_page_lists_every_result_once(client, corpus, sort):
    # Eleven texts that rank and date alike: ties must be broken the same way on every page.
    seafarers(corpus, 11)
    keys, pages = every_page(client, {"q": "seafarers", "sort": sort})
    assert pages == 3
    assert sorted(keys) == [f"sea-{n:02d}" for n in range(11)]


@override_settings(POSITIONS_PER_PAGE=4, POSITIONS_COUNT_CAP=6)
def test_above_the_cap_the_count_says_so_and_the_pages_stop_there(client, corpus):
    seafarers(corpus, 11)
    keys, pages = every_page(client, {"q": "seafarers"})
    assert pages == 2 and len(keys) == len(set(keys)) == 6
    html = client.get("/search/", {"q": "seafarers"}).content.decode()
    assert "6+ results" in html and "the best 6 are listed" in html
    assert client.get("/search/", {"q": "seafarers", "page": 3}).status_code == 400


@override_settings(POSITIONS_COUNT_CAP=6)
def test_facets_under_a_search_are_exact_over_every_match(client, corpus):
    # Above the cap the total shows as "6+", but every facet counts all eleven matches.
    spread = seafarers(corpus, 11)
    results = client.get("/search/", {"q": "seafarers"}).context["results"]
    assert results.count == 11 and results.count_is_capped
    facets = {f.name: {v.value: v.count for v in f.values} for f in results.facets}
    assert facets["organisation"] == spread == {"lo": 4, "tuc": 4, "ituc": 3}
    assert facets["type"] == {"statement": 11}  # a value without results is not offered
    assert facets["country"] == {"NO": 4, "GB": 4}
    assert {y["year"]: y["count"] for y in results.years} == {2020: 11}


def test_a_search_facet_cut_short_links_to_its_full_list(client, corpus, monkeypatch):
    monkeypatch.setattr(facets, "FACET_LIMIT", 1)
    monkeypatch.setattr(facets, "FACET_FOLDED", 1)
    results = client.get("/search/", {"q": "labour"}).context["results"]
    organisation = next(f for f in results.facets if f.name == "organisation")
    assert [v.value for v in organisation.values] == ["ituc"] and organisation.more == 2
    assert organisation.more_url == "/search/facets/organisation/?q=labour"
    response = client.get(organisation.more_url)
    assert response.status_code == 200
    listed = response.context["facet"]
    # By hand, as in test_facet_counts_under_a_search.
    assert {v.value: v.count for v in listed.values} == {"ituc": 3, "tuc": 2, "lo": 1}
    tuc = next(v for v in listed.values if v.value == "tuc")
    assert tuc.url == "/search/?q=labour&organisation=tuc"
    html = response.content.decode()
    assert 'href="/search/?q=labour&amp;organisation=tuc"' in html
    assert client.get("/search/facets/nothing/", {"q": "labour"}).status_code == 404
    assert client.get("/search/facets/topic/", {"q": "labour", "topic": "x"}).status_code == 400
    assert client.get("/search/facets/topic/").status_code == 404


def test_a_search_narrows_by_topics_also_tagged(client, corpus):
    # By hand: of the labour texts, child-labour carries the child labour topic, forced-labour
    # the forced labour topic; none both.
    either = client.get("/search/", {"q": "labour", "topic": ["child-labour", "forced-labour"]})
    assert set(keys(either.context["results"])) == {"child-labour", "forced-labour"}
    both = client.get(
        "/search/", {"q": "labour", "topic": "child-labour", "also_topic": "forced-labour"}
    )
    assert keys(both.context["results"]) == []
    facet = next(f for f in either.context["results"].facets if f.name == "also_topic")
    assert {v.value: v.count for v in facet.values} == {"child-labour": 1, "forced-labour": 1}


def test_year_facet(client, corpus):
    results = client.get("/search/", {"q": "labour"}).context["results"]
    years = {y["year"]: y["count"] for y in results.years}
    assert years == {2009: 2, 2013: 1, 2014: 1, 2015: 1, 2016: 1}


def test_bad_filter_is_a_400(client, corpus):
    assert client.get("/search/", {"q": "labour", "organisation": "nope"}).status_code == 400
    assert client.get("/search/", {"q": "labour", "year_from": "abc"}).status_code == 400
    assert client.get("/search/", {"q": "labour", "page": "0"}).status_code == 400
    assert client.get("/search/", {"q": "labour", "page": "99"}).status_code == 400
    assert client.get("/search/", {"q": "labour", "sort": "nope"}).status_code == 400


@override_settings(POSITIONS_PER_PAGE=2)
def test_pagination_keeps_the_query_and_filters(client, corpus):
    # By hand: forced-labour, scattered, pensions and annual-report are British (TUC) and
    # match: four results, two pages of two.
    response = client.get("/search/", {"q": "labour OR pensions", "country": "GB"})
    html = response.content.decode()
    assert "?q=labour+OR+pensions&amp;country=GB&amp;page=2" in html
    second = client.get("/search/", {"q": "labour OR pensions", "country": "GB", "page": "2"})
    assert second.status_code == 200
    assert len(second.context["results"].positions) == 2


# --- Snippets and escaping --------------------------------------------------------------------


def test_snippet_highlights_the_match(client, corpus):
    html = client.get("/search/", {"q": "inspections"}).content.decode()
    assert "<mark>inspections</mark>" in html or "<mark>Inspections</mark>" in html


def test_stored_html_is_escaped_in_snippets(client, corpus):
    statement(
        "html",
        "Quarry <b>bold</b> & <script>alert(1)</script>",
        "Wages < profits & <script>alert(2)</script> at the quarry.",
        corpus["tuc"],
    )
    html = client.get("/search/", {"q": "quarry"}).content.decode()
    assert "<script>alert" not in html and "<b>bold" not in html
    assert "&amp;" in html
    assert "<mark>quarry</mark>" in html


def test_query_is_escaped(client, corpus):
    html = client.get(
        "/search/", {"q": '<img src=x onerror=alert(1)> "trafficking'}
    ).content.decode()
    assert "<img src=x" not in html


# --- Messages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "says"),
    [
        ("the of and", "only has very common words"),
        ("x" * (parse.MAX_QUERY_CHARS + 1), "limited to"),
        ("-trafficking", "only excludes words"),
        ('"" OR - --', "no words"),
        (" ".join(f"w{i}" for i in range(parse.MAX_TERMS + 1)), "more than"),
    ],
)
def test_queries_that_cannot_be_searched_get_a_message(client, corpus, q, says):
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    assert says in response.content.decode()


def past_the_time_limit(*args):
    """A query that PostgreSQL cancels, as it cancels a search that runs past its limit."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 1")
        cursor.execute("SELECT pg_sleep(1)")


def test_a_search_that_takes_too_long_says_so(client, corpus, monkeypatch):
    monkeypatch.setattr(service, "rank_page", past_the_time_limit)
    response = client.get("/search/", {"q": '"forced labour"'})
    assert response.status_code == 200
    html = response.content.decode()
    assert "takes too long to answer exactly" in html and "without the quotes" in html
    # A word in more texts than the cap: the reader is told how many, and what narrows it.
    in_texts = SearchWord.objects.get(word="labour").documents
    with override_settings(POSITIONS_COUNT_CAP=2):
        html = client.get("/search/", {"q": "labour"}).content.decode()
    assert f"its words are in about {in_texts:,} texts" in html and in_texts > 2
    assert "choose a filter" in html


def test_a_search_facet_that_takes_too_long_says_so(client, corpus, monkeypatch):
    monkeypatch.setattr(service, "find_matches", past_the_time_limit)
    response = client.get("/search/facets/topic/", {"q": '"forced labour"'})
    assert response.status_code == 400
    assert "takes too long to answer exactly" in response.content.decode()


def test_only_the_time_limit_is_taken_for_a_search_too_long(client, corpus, monkeypatch):
    # Another OperationalError (here a connection that breaks) is not the search's to explain.
    def connection_lost(*args):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(service, "rank_page", connection_lost)
    with pytest.raises(OperationalError):
        client.get("/search/", {"q": '"forced labour"'})


def test_empty_query_shows_the_form(client, corpus):
    response = client.get("/search/")
    assert response.status_code == 200
    assert 'name="q"' in response.content.decode()


# --- Staying in sync --------------------------------------------------------------------------


def test_edits_are_searchable_at_once(corpus):
    s = Statement.objects.get(key="pensions")
    s.text = "Apprenticeships open doors for young workers."
    s.save()
    assert keys(run("apprenticeships")) == ["pensions"]
    assert keys(run('"open doors"')) == ["pensions"]  # its word pairs follow too
    assert "pensions" not in keys(run("prices"))
    assert "pensions" not in keys(run('"keep pace"'))
    # The vocabulary (of lexemes) follows: the new word is known, the old one is gone.
    assert SearchWord.objects.filter(word="apprenticeship", documents=1).exists()
    assert not SearchWord.objects.filter(word="price").exists()


VECTORS = ("search_vector", "search_head", "search_pairs")


def stored_and_expected(model):
    """Each row's stored vectors beside the expressions its fields declare, computed afresh."""
    declared = [model._meta.get_field(name).expression for name in VECTORS]
    return model.objects.values_list(*VECTORS, *declared)


def test_the_trigger_computes_what_the_models_declare(corpus):
    # Migration 0009 computes the vectors in a trigger (one parse for all three); the models
    # declare each vector's expression (TriggerVectorField). Whatever the write path, they
    # must agree, and the ORM must never write them.
    s = Statement.objects.create(
        key="fresh", title="Fresh", text="Decent work for all.", organisation=corpus["lo"]
    )
    s.status = "draft"
    s.save()  # the instance never held its vectors: saving must not erase them
    Statement.objects.filter(key="pensions").update(summary="Pensions and care work.")
    Statement.objects.filter(key="norwegian").update(language="en")
    Resolution.objects.filter(key="lo-2009-solidarity").update(section="Global solidarity")
    assert [f.source for f in (Statement._meta.get_field(n) for n in VECTORS)] == [
        ("title", "summary", "text"),
        ("title", "summary"),
        ("title", "summary", "text"),
    ]
    for model in (Statement, Resolution):
        rows = list(stored_and_expected(model))
        assert rows
        for vector, head, pairs, *expected in rows:
            assert vector and [vector, head, pairs] == expected
    assert keys(run('"care work"')) == ["pensions"]


def test_deleting_keeps_the_vocabulary_counts(corpus):
    before = SearchWord.objects.get(word="slaveri").documents
    Statement.objects.get(key="forced-labour").delete()
    # By hand: "slavery" (lexeme "slaveri") is in forced-labour only, and THB's alias list
    # in no text: deleting the one text removes the lexeme.
    assert before == 1
    assert not SearchWord.objects.filter(word="slaveri").exists()


def test_renaming_an_organisation_is_one_update_and_searchable_at_once(corpus):
    lo = corpus["lo"]
    with CaptureQueriesContext(connection) as queries:
        lo.short_name = "LOX"
        lo.save()
    assert len(queries) == 1  # no statement is rewritten
    results = run("LOX")
    assert [o.key for o in results.organisations] == ["lo"]
    assert {"thb-title", "thb-acronym", "norwegian"} <= set(keys(results))


def test_new_alias_is_used_at_once(corpus):
    Alias.objects.create(topic=corpus["thb"], name="menneskehandel", position=3)
    assert {"norwegian", "thb-title"} <= set(keys(run("menneskehandel")))


# --- Long texts -------------------------------------------------------------------------------


def test_phrase_and_snippet_in_the_tail_of_a_very_long_text(client, corpus):
    # About 24,000 words: far past PostgreSQL's 16,383 word positions.
    paragraphs = [FILLER] * 1000 + ["Finally, the decent work deficit in fisheries must close."]
    statement("long", "A very long speech", "\n\n".join(paragraphs), corpus["tuc"])
    assert SearchPassage.objects.filter(statement__key="long").count() == 1001
    assert keys(run('"decent work deficit"')) == ["long"]
    results = run('"decent work deficit"')
    snippet = results.positions[0].snippets[0]
    assert snippet.paragraph == 1001
    assert "<mark>decent work deficit</mark>" in snippet.html
    html = client.get("/search/", {"q": '"decent work deficit"'}).content.decode()
    assert 'href="/statements/long/#p1001"' in html


def test_a_text_too_big_for_one_vector_imports_and_stays_searchable(tmp_path, client, corpus):
    # 150,000 distinct words (1.35 MB): more than PostgreSQL's 1 MB tsvector takes, which
    # failed the import with a traceback. The tail is found through its paragraph.
    words = [f"w{n:07d}" for n in range(150_000)]
    paragraphs = [" ".join(words[i : i + 1000]) for i in range(0, len(words), 1000)]
    paragraphs.append("At the very end the seafarers ask for shore leave.")
    line = {
        "type": "statement", "key": "huge", "organisation": "tuc", "title": "A huge text",
        "text": "\n\n".join(paragraphs),
    }  # fmt: skip
    path = tmp_path / "huge.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    call_command("import_archive", str(path), verbosity=0)
    assert keys(run('"shore leave"')) == ["huge"]
    assert keys(run("w0000001")) == ["huge"]  # from the start, through the whole-text vector
    assert keys(run("w0149999")) == ["huge"]  # from the end, through its paragraph
    assert client.get("/search/", {"q": "w0149999"}).status_code == 200


def test_snippet_from_the_end_of_a_middling_text(corpus):
    # About 12,000 characters, below the paragraph index: the snippet still shows the match.
    paragraphs = [FILLER] * 100 + ["Seafarers deserve shore leave."]
    statement("middling", "A report", "\n\n".join(paragraphs), corpus["tuc"])
    snippet = run("seafarers").positions[0].snippets[0]
    assert snippet.paragraph == 101
    assert "<mark>Seafarers</mark>" in snippet.html
    assert not SearchPassage.objects.filter(statement__key="middling").exists()


def test_short_texts_have_no_passages(corpus):
    assert not SearchPassage.objects.exists()


def test_snippet_names_its_paragraph(corpus):
    snippet = run("shelter").positions[0].snippets[0]
    assert snippet.paragraph == 2


# --- Query count ------------------------------------------------------------------------------


def test_query_count_does_not_grow_with_results(client, corpus, django_assert_max_num_queries):
    for i in range(15):
        statement(f"extra-{i}", f"Labour note {i}", "Labour and more labour.", corpus["tuc"])
    with CaptureQueriesContext(connection) as few:
        client.get("/search/", {"q": "supply chains"})
    with CaptureQueriesContext(connection) as many:
        client.get("/search/", {"q": "labour"})
    assert len(many) <= len(few) + 2, [q["sql"][:80] for q in many]


def test_words_are_parsed_like_web_search():
    groups = parse.parse_query('"child labour" OR slavery -"forced" trafficking')
    shapes = [[(t.text, t.phrase, t.negated) for t in g] for g in groups]
    assert shapes == [
        [("child labour", True, False), ("slavery", False, False)],
        [("forced", True, True)],
        [("trafficking", False, False)],
    ]


def test_spelling_variants():
    assert "labor organizations" in spelling.spelling_variants("labour organisations")
    assert spelling.spelling_variants("Labor") == ["labour"]
    assert spelling.spelling_variants("organism") == []
    assert "program center" in spelling.spelling_variants("programme centre")


def test_edit_distance_counts_transpositions_once():
    assert suggest.edit_distance("chlid", "child") == 1
    assert suggest.edit_distance("trafficing", "trafficking") == 1
    assert suggest.edit_distance("kitten", "sitting") == 3


def test_no_unbalanced_marks(corpus):
    for position in run("labour OR trafficking").positions:
        for snippet in position.snippets:
            assert len(re.findall("<mark>", snippet.html)) == len(
                re.findall("</mark>", snippet.html)
            )
