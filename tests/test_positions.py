"""The positions view: filters, facets, sorting, paging, canonical URLs, permalinks, caps,
bad input and query counts. Expected results come from tests/browser/builders.py's plain
records, never from the code under test."""

import datetime
import re
from itertools import pairwise, product
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from statements.models import Organisation, Resolution, Statement, Topic
from statements.positions import facets
from statements.positions.params import PARAMETERS
from statements.positions.timeline import layout_timeline
from statements.templatetags.archive import capped
from tests.browser.builders import (
    ORGANISATIONS,
    TOPICS,
    ArchiveBuilder,
    build_archive,
    expected_keys,
    matches,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive():
    return build_archive()


def all_keys(client, url):
    """Every result key of a list, across all its pages."""
    first = client.get(url, follow=True)
    if first.redirect_chain:  # not canonical yet: take the canonical URL it redirects to
        url = first.redirect_chain[-1][0]
    keys, page = [], 1
    while True:
        sep = "&" if "?" in url else "?"
        response = client.get(url if page == 1 else f"{url}{sep}page={page}")
        assert response.status_code == 200, response.content[:500]
        keys += [p.object.key for p in response.context["page"].object_list]
        if not response.context["page"].has_next():
            return keys
        page += 1


def query(**selection):
    return "&".join(f"{k}={v}" for k, values in selection.items() for v in values)


SELECTIONS = [
    {},
    {"topic": ["trafficking"]},
    {"topic": ["labour-rights"]},  # a parent includes its sub-topics
    {"topic": ["child-labour", "poverty"]},  # values of one parameter are ORed
    {"organisation": ["lo"]},
    {"organisation": ["lo", "tuc"], "topic": ["trafficking"]},
    {"country": ["NO"]},
    {"country": ["GB"], "type": ["resolution"]},
    {"organisation_kind": ["ngo", "trade_union"]},
    {"kind": ["answer"]},  # statements only: resolutions have no statement kind
    {"type": ["resolution"]},
    {"type": ["statement"], "language": ["no"]},
    {"language": ["no"]},
    {"year_from": ["2012"]},
    {"year_to": ["2010"]},
    {"year_from": ["2009"], "year_to": ["2012"], "organisation": ["lo"]},
    {"topic": ["trafficking"], "also_topic": ["labour-rights"]},  # also tagged: AND
    {"also_topic": ["trafficking", "forced-labour"]},  # each must hold
    {"topic": ["child-labour", "poverty"], "also_topic": ["labour-rights"]},
]


@pytest.mark.parametrize("selection", SELECTIONS, ids=lambda s: query(**s) or "all")
def test_filters_select_what_the_rules_say(client, archive, selection):
    url = "/positions/" + (f"?{query(**selection)}" if selection else "")
    response = client.get(url)
    if response.status_code == 301:  # not yet canonical: follow once
        url = response["Location"]
    keys = all_keys(client, url)
    assert sorted(keys) == sorted(expected_keys(archive.items, **selection))
    assert len(keys) == len(set(keys))
    assert "lo-draft" not in keys


def test_parent_topic_includes_grandchildren(client, archive):
    b = archive
    b.topics["child-soldiers"] = b.topics["child-labour"].children.create(
        key="child-soldiers", name="Child soldiers"
    )
    b.statement("grandchild", "ituc", datetime.date(2001, 1, 1), "year", ["child-soldiers"])
    assert "grandchild" in all_keys(client, "/positions/?topic=labour-rights")
    # Counted once under each ancestor, however many of its sub-topics an item carries.
    below = {"labour-rights", "child-labour", "forced-labour", "child-soldiers"}
    expected = sum(1 for i in b.items if i.status == "published" and i.topics & below)
    response = client.get("/positions/")
    topic_facet = next(f for f in response.context["facets"] if f.name == "topic")
    counts = {v.value: v.count for v in topic_facet.values}
    assert counts["labour-rights"] == expected == 7
    assert counts["child-soldiers"] == 1
    assert counts["child-labour"] == 4


def test_undated_sort_last_and_match_no_year(client, archive):
    newest = all_keys(client, "/positions/")
    oldest = all_keys(client, "/positions/?sort=oldest")
    undated = {i.key for i in archive.items if i.year is None and i.status == "published"}
    assert set(newest[-len(undated) :]) == undated
    assert set(oldest[-len(undated) :]) == undated
    dated = [i for i in archive.items if i.year is not None and i.status == "published"]
    years_newest = [next(i.year for i in dated if i.key == k) for k in newest[: len(dated)]]
    assert years_newest == sorted(years_newest, reverse=True)
    years_oldest = [next(i.year for i in dated if i.key == k) for k in oldest[: len(dated)]]
    assert years_oldest == sorted(years_oldest)
    assert not undated & set(all_keys(client, "/positions/?year_from=1800"))


def test_sort_by_title(client, archive):
    keys = all_keys(client, "/positions/?sort=title")
    titles = {i.key: i.title for i in archive.items}
    assert [titles[k] for k in keys] == sorted(titles[k] for k in keys)


FACET_SELECTIONS = [
    {},
    {"topic": ["trafficking"]},
    {"organisation": ["lo"], "type": ["statement"]},
    {"country": ["GB", "NO"], "year_from": ["2010"]},
    {"kind": ["answer", "speech"]},
    {"topic": ["labour-rights"]},
    {"topic": ["trafficking"], "also_topic": ["forced-labour"]},
    {"topic": ["child-labour", "poverty"]},
]


@pytest.mark.parametrize("selection", FACET_SELECTIONS, ids=lambda s: query(**s) or "all")
def test_facet_counts_are_what_picking_the_value_gives(client, archive, selection):
    response = client.get("/positions/" + (f"?{query(**selection)}" if selection else ""))
    if response.status_code == 301:
        response = client.get(response["Location"])
    assert response.status_code == 200
    universe = {
        "type": ["statement", "resolution"],
        "topic": list(TOPICS),
        "organisation": list(ORGANISATIONS),
        "country": ["NO", "GB"],
        "organisation_kind": sorted({o[3] for o in ORGANISATIONS.values()}),
        "kind": ["answer", "press_release", "speech", "position_paper", "report"],
        "language": ["en", "no"],
    }
    facets = {f.name: f for f in response.context["facets"]}
    for name, values in universe.items():
        shown = {v.value: v for v in facets[name].values}
        for value in values:
            others = {k: v for k, v in selection.items() if k != name}
            expected = len(expected_keys(archive.items, **others, **{name: [value]}))
            if expected or value in selection.get(name, []):
                assert shown[value].count == expected, (name, value)
                assert shown[value].selected == (value in selection.get(name, []))
            else:
                assert value not in shown, (name, value)
    # "Also tagged": shown once a topic is chosen, each value counted over the results shown,
    # and narrowing when clicked; the topics every result already carries are left out.
    assert ("also_topic" in facets) == bool(selection.get("topic") or selection.get("also_topic"))
    if "also_topic" in facets:
        chosen = selection.get("also_topic", [])
        carried = set.intersection(
            *[{t, *ancestors(t)} for t in selection.get("topic", [])] or [set()]
        )
        shown = {v.value: v for v in facets["also_topic"].values}
        for value in TOPICS:
            narrowed = {**selection, "also_topic": [*chosen, value]}
            expected = len(expected_keys(archive.items, **narrowed))
            if value in carried:
                assert value not in shown, value
            elif expected or value in chosen:
                assert shown[value].count == expected, value
                assert shown[value].selected == (value in chosen)
                followed = client.get(shown[value].url)
                assert followed.status_code == 200
                assert followed.context["count"] == (
                    expected
                    if value not in chosen
                    else len(
                        expected_keys(
                            archive.items,
                            **{**selection, "also_topic": [t for t in chosen if t != value]},
                        )
                    )
                )
            else:
                assert value not in shown, value


def ancestors(topic):
    found, parent = set(), TOPICS[topic][1]
    while parent:
        found.add(parent)
        parent = TOPICS[parent][1]
    return found


def test_also_tagged_narrows_and_topic_widens(client, archive):
    # A topic widens (any of), "also tagged" narrows (all of): the page says which.
    either = all_keys(client, "/positions/?topic=trafficking&topic=poverty")
    both = all_keys(client, "/positions/?topic=trafficking&also_topic=poverty")
    assert set(either) == expected_keys(archive.items, topic=["trafficking", "poverty"])
    # By hand: the LO 2009 poverty resolution and the TUC paper carry both.
    assert set(both) == {"lo-2009-poverty", "tuc-paper"} < set(either)
    assert set(both) == set(
        all_keys(client, "/positions/?also_topic=poverty&also_topic=trafficking")
    )
    html = client.get("/positions/?topic=trafficking").content.decode()
    on_trafficking = len(expected_keys(archive.items, topic=["trafficking"]))
    assert "Also tagged" in html
    assert f"Of these {on_trafficking}, how many are also on each topic" in html
    assert "/positions/?topic=trafficking&amp;also_topic=poverty" in html
    # The topic page offers the same narrowing, through the positions view.
    html = client.get("/topics/trafficking/").content.decode()
    assert "/positions/?topic=trafficking&amp;also_topic=poverty" in html


def test_a_facet_cut_short_links_to_its_full_list(client, archive, monkeypatch):
    monkeypatch.setattr(facets, "FACET_LIMIT", 1)
    monkeypatch.setattr(facets, "FACET_FOLDED", 2)
    response = client.get("/positions/?type=statement")
    organisation = next(f for f in response.context["facets"] if f.name == "organisation")
    expected = {
        key: len(expected_keys(archive.items, type=["statement"], organisation=[key]))
        for key in ORGANISATIONS
    }
    expected = {k: n for k, n in expected.items() if n}
    assert len(organisation.values) == 1 and len(organisation.hidden) == 1
    assert organisation.more == len(expected) - 2 > 0
    assert organisation.more_url == "/positions/facets/organisation/?type=statement"
    assert 'href="/positions/facets/organisation/?type=statement"' in response.content.decode()
    full = client.get(organisation.more_url)
    assert full.status_code == 200
    listed = full.context["facet"]
    assert {v.value: v.count for v in listed.values} == expected
    assert not listed.hidden and not listed.more
    lo = next(v for v in listed.values if v.value == "lo")
    assert lo.url == "/positions/?type=statement&organisation=lo"
    assert client.get(lo.url).context["count"] == expected["lo"]
    assert client.get("/positions/facets/nothing/").status_code == 404
    assert client.get("/positions/facets/topic/?topic=nope").status_code == 400


def test_facet_links_toggle_their_value(client, archive):
    response = client.get("/positions/?topic=trafficking")
    facets = {f.name: f for f in response.context["facets"]}
    lo = next(v for v in facets["organisation"].values if v.value == "lo")
    assert lo.url == "/positions/?topic=trafficking&organisation=lo"
    trafficking = next(v for v in facets["topic"].values if v.value == "trafficking")
    assert trafficking.selected and trafficking.url == "/positions/"
    html = response.content.decode()
    assert 'href="/positions/?topic=trafficking&amp;organisation=lo"' in html
    assert 'aria-current="true"' in html
    # Following the toggle gives exactly the count the facet promised.
    followed = client.get(lo.url)
    assert followed.context["count"] == lo.count


def test_a_renamed_or_moved_organisation_shows_at_once_in_the_facets(client, archive):
    def organisation_facets():
        facets = {f.name: f for f in client.get("/positions/").context["facets"]}
        names = {v.value: v.label for v in facets["organisation"].values}
        countries = {v.value: v.count for v in facets["country"].values}
        return names, countries

    names, countries = organisation_facets()
    lo = Organisation.objects.get(key="lo")
    before = countries.get(lo.country, 0)
    lo.name, lo.short_name, lo.country = "Landsorganisasjonen", "LO Norge", "IS"
    lo.save()
    names, countries = organisation_facets()
    assert names["lo"] == "LO Norge"
    positions = (
        Statement.objects.published().filter(organisation=lo).count()
        + Resolution.objects.filter(congress__organisation=lo).count()
    )
    assert countries["IS"] == positions and countries.get("NO", 0) == before - positions


def test_total_count_and_timeline_follow_the_selection(client, archive):
    response = client.get("/positions/?organisation=lo")
    expected = [i for i in archive.items if matches(i, organisation=["lo"])]
    assert response.context["count"] == len(expected)
    timeline = response.context["timeline"]
    per_year = {}
    for item in expected:
        if item.year:
            per_year[item.year] = per_year.get(item.year, 0) + 1
    assert {y: n for y, n in timeline.years if n} == per_year
    assert timeline.undated == sum(1 for i in expected if i.year is None)
    html = response.content.decode()
    for year, n in per_year.items():
        assert f'<tr><th scope="row">{year}</th><td>{n}</td></tr>' in html
    assert "<svg" in html and "<title>2009: 3 positions</title>" in html


def test_passages_on_the_selected_topic_are_highlighted_and_escaped(client, archive):
    b = archive
    b.statement(
        "escaped",
        "ituc",
        datetime.date(2003, 1, 1),
        "year",
        ["trafficking"],
        text="Nothing here.\n\n<script>alert(1)</script> & human trafficking <b>now</b>.",
    )
    response = client.get("/positions/?topic=trafficking")
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; <mark>human trafficking</mark> "
        "&lt;b&gt;now&lt;/b&gt;." in html
    )
    assert "<mark>Trafficking in Human Beings</mark> (<mark>THB</mark>)" in html
    lo_answer = next(p for p in response.context["page"].object_list if p.object.key == "lo-answer")
    assert [p.number for p in lo_answer.passages] == [1, 3]  # paragraph 2 does not speak of it
    assert 'href="/statements/lo-answer/#p3"' in html


def test_year_filters_and_resolutions_belong_to_their_congress(client, archive):
    keys = set(all_keys(client, "/positions/?year_from=2015&year_to=2015"))
    assert keys == {"tuc-2015-slavery", "tuc-2015-general", "ituc-answer"}
    keys = set(all_keys(client, "/positions/?organisation=tuc&type=resolution"))
    assert keys == {"tuc-2015-slavery", "tuc-2015-general"}


@pytest.mark.parametrize(
    "url, names",
    [
        ("/positions/?topic=no-such-topic", "no-such-topic"),
        ("/positions/?organisation=nobody", "nobody"),
        ("/positions/?organisation=lo&organisation=nobody", "nobody"),
        ("/positions/?country=XX", "XX"),
        ("/positions/?country=no", "no"),
        ("/positions/?organisation_kind=union", "union"),
        ("/positions/?kind=tweet", "tweet"),
        ("/positions/?type=video", "video"),
        ("/positions/?language=zz", "zz"),
        ("/positions/?year_from=abc", "year_from=abc"),
        ("/positions/?year_to=20.5", "year_to=20.5"),
        ("/positions/?year_from=1700", "year_from=1700"),
        ("/positions/?year_from=2015&year_to=2009", "2009 is before year_from (2015)"),
        ("/positions/?sort=bogus", "bogus"),
        ("/positions/?page=0", "page=0"),
        ("/positions/?page=abc", "page=abc"),
        ("/positions/?page=999", "page=999"),
        ("/positions/?page=-1", "page=-1"),
        ("/topics/trafficking/?year_from=x", "year_from=x"),
        ("/organisations/lo/topics/trafficking/?page=7", "page=7"),
        ("/organisations/?country=ZZ", "ZZ"),
        ("/organisations/?kind=pirates", "pirates"),
        ("/organisations/?page=50", "page=50"),
    ],
)
def test_bad_values_give_a_400_that_names_them(client, archive, url, names):
    response = client.get(url)
    assert response.status_code == 400
    html = response.content.decode()
    assert names in html
    assert "<h1>" in html and "Traceback" not in html


def test_unknown_parameters_are_ignored(client, archive):
    response = client.get("/positions/?utm_source=x&topic=trafficking&colour=red")
    assert response.status_code == 301
    assert response["Location"] == "/positions/?topic=trafficking"
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    "url, clean",
    [
        (
            "/positions/?topic=&organisation=lo&year_from=&year_to=&sort=newest",
            "/positions/?organisation=lo",
        ),
        (
            "/positions/?organisation=lo&topic=trafficking",
            "/positions/?topic=trafficking&organisation=lo",
        ),
        (
            "/positions/?topic=poverty&topic=child-labour&topic=poverty",
            "/positions/?topic=child-labour&topic=poverty",
        ),
        ("/positions/?page=1&sort=oldest", "/positions/?sort=oldest"),
        ("/topics/trafficking/?topic=poverty&kind=answer", "/topics/trafficking/?kind=answer"),
    ],
)
def test_non_canonical_queries_redirect_to_the_canonical_url(client, archive, url, clean):
    response = client.get(url)
    assert response.status_code == 301
    assert response["Location"] == clean


def test_canonical_link(client, archive):
    html = client.get("/positions/?type=statement&country=NO").content.decode()
    assert (
        '<link rel="canonical" href="http://testserver/positions/?type=statement&amp;country=NO">'
        in html
    )
    # The filtered view of one organisation on one topic names its readable permalink.
    html = client.get("/positions/?topic=trafficking&organisation=lo").content.decode()
    assert (
        '<link rel="canonical" href="http://testserver/organisations/lo/topics/trafficking/">'
        in html
    )


@pytest.mark.parametrize(
    "organisation, topic", list(product(["lo", "tuc", "ituc"], ["trafficking", "labour-rights"]))
)
def test_permalink_shows_the_same_as_the_filtered_view(client, archive, organisation, topic):
    permalink = client.get(f"/organisations/{organisation}/topics/{topic}/")
    filtered = client.get(f"/positions/?topic={topic}&organisation={organisation}")
    assert permalink.status_code == filtered.status_code == 200

    def keys(r):
        return [p.object.key for p in r.context["page"].object_list]

    assert keys(permalink) == keys(filtered)
    assert sorted(keys(permalink)) == sorted(
        expected_keys(archive.items, organisation=[organisation], topic=[topic])
    )
    assert permalink.context["count"] == filtered.context["count"]
    facets_a = [
        (f.name, [(v.value, v.count, v.selected) for v in f.values])
        for f in permalink.context["facets"]
    ]
    facets_b = [
        (f.name, [(v.value, v.count, v.selected) for v in f.values])
        for f in filtered.context["facets"]
    ]
    assert facets_a == facets_b


def test_permalink_unknown_slugs_are_404(client, archive):
    assert client.get("/organisations/nobody/topics/trafficking/").status_code == 404
    assert client.get("/organisations/lo/topics/nothing/").status_code == 404


def add_positions(b, start, stop):
    """Positions start..stop-1: statements and resolutions alternating, spread over 2000-2019
    so that every page holds both types."""
    for i in range(start, stop):
        year = 2000 + (i // 2) % 20
        if i % 2:
            key = f"lo-congress-{year}"
            if key not in b.congresses:
                b.congress(key, "lo", year)
            b.resolution(f"resolution-{i}", key, ["trafficking", "poverty"])
        else:
            b.statement(
                f"statement-{i}",
                "lo",
                datetime.date(year, 1, 1),
                "year",
                ["trafficking", "child-labour"],
                "answer",
                text=f"On THB, number {i}.",
                addressed_to=b.organisations["ituc"],
            )
            b.objects[f"statement-{i}"].mentions.add(b.organisations["tuc"])
    return b


def many_positions(n):
    return add_positions(ArchiveBuilder().build_vocabulary(), 0, n)


LIST_PAGES = [
    "/",
    "/topics/",
    "/positions/",
    "/positions/?topic=trafficking&sort=oldest",
    "/topics/trafficking/",
    "/topics/labour-rights/?type=statement",
    "/organisations/",
    "/organisations/lo/",
    "/organisations/ituc/",
    "/organisations/tuc/",
    "/organisations/lo/topics/trafficking/",
    "/congresses/lo-congress-2000/",
]


@pytest.mark.parametrize("url", LIST_PAGES)
def test_queries_do_not_grow_with_the_number_of_items(client, url, django_assert_num_queries):
    b = many_positions(5)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add_positions(b, 5, 100)
    assert Statement.objects.count() == 50
    with django_assert_num_queries(len(few)):
        assert client.get(url).status_code == 200


def test_pagination_keeps_every_filter(client):
    many_positions(50)
    response = client.get("/positions/?topic=trafficking&organisation=lo&sort=oldest")
    html = response.content.decode()
    assert response.context["page"].paginator.num_pages == 3
    assert 'href="?topic=trafficking&amp;organisation=lo&amp;sort=oldest&amp;page=2"' in html
    second = client.get("/positions/?topic=trafficking&organisation=lo&sort=oldest&page=2")
    assert second.status_code == 200
    assert (
        'href="?topic=trafficking&amp;organisation=lo&amp;sort=oldest" rel="prev"'
        in second.content.decode()
    )
    first_keys = [p.object.key for p in response.context["page"].object_list]
    second_keys = [p.object.key for p in second.context["page"].object_list]
    assert not set(first_keys) & set(second_keys)


def test_counts_are_capped(client):
    many_positions(12)
    with override_settings(POSITIONS_COUNT_CAP=5):
        response = client.get("/positions/?topic=trafficking")
        html = response.content.decode()
        assert re.search(r"5\+\s+positions", html)
        facets = {f.name: f for f in response.context["facets"]}
        lo = next(v for v in facets["organisation"].values if v.value == "lo")
        assert lo.count == 12  # exact underneath; the page shows it capped
        assert ">5+</span>" in html
    with override_settings(POSITIONS_COUNT_CAP=50):
        html = client.get("/positions/?topic=trafficking").content.decode()
        assert re.search(r"12\s+positions", html)


def test_cap_formatting():
    assert capped(10_000) == "10,000"
    assert capped(10_001) == "10,000+"
    assert capped(1234) == "1,234"
    assert capped(0) == "0"


@pytest.mark.parametrize(
    "url",
    [
        "/positions/?topic=trafficking",
        "/topics/trafficking/",
        "/organisations/lo/topics/trafficking/",
    ],
)
def test_results_fragment(client, archive, url):
    # Every list of positions gives its results alone when asked (the topic page was a 500).
    response = client.get(url, headers={"X-Fragment": "results"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="results"')
    assert "<html" not in html and "lo-answer" in html


def test_page_title_says_what_is_selected(client, archive):
    html = client.get("/positions/?organisation=lo&year_from=2009").content.decode()
    assert "<title>Positions: LO, 2009\N{EN DASH}… · Policy archive</title>" in html
    html = client.get("/organisations/lo/topics/trafficking/?type=statement").content.decode()
    assert "<title>LO on Trafficking in human beings: Statements · Policy archive</title>" in html


@hypothesis_settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    params=st.lists(
        st.tuples(
            st.sampled_from([*PARAMETERS, "q", "unknown"]),
            st.one_of(
                st.text(max_size=30),
                st.sampled_from(["lo", "trafficking", "NO", "answer", "2009", "0", "-1", ""]),
            ),
        ),
        max_size=6,
    ),
    path=st.sampled_from(
        ["/positions/", "/topics/trafficking/", "/organisations/lo/topics/trafficking/"]
    ),
)
def test_any_query_string_gives_a_page_never_a_500(client, archive, params, path):
    response = client.get(path + "?" + urlencode(params))
    assert response.status_code in (200, 301, 400)
    if response.status_code == 301:
        assert client.get(response["Location"]).status_code in (200, 400)


def test_long_facets_fold_the_smaller_values_away(client):
    b = ArchiveBuilder().build_vocabulary()
    for i in range(20):
        organisation = Organisation.objects.create(key=f"union-{i:02d}", name=f"Union {i:02d}")
        b.organisations[organisation.key] = organisation
        for j in range(i + 1):  # union-19 has the most statements
            b.statement(f"s-{i}-{j}", organisation.key, datetime.date(2001, 1, 1), "year")
    response = client.get("/positions/")
    facet = next(f for f in response.context["facets"] if f.name == "organisation")
    assert [v.value for v in facet.values] == [f"union-{i:02d}" for i in range(19, 4, -1)]
    assert sorted(v.value for v in facet.hidden) == [f"union-{i:02d}" for i in range(5)]
    assert facet.more == 0
    html = response.content.decode()
    assert '<details class="facet-more">' in html and "5 more" in html
    # A selected value is always shown, however small.
    response = client.get("/positions/?organisation=union-00")
    facet = next(f for f in response.context["facets"] if f.name == "organisation")
    assert "union-00" in [v.value for v in facet.values if v.selected]


def test_a_topic_cycle_written_behind_the_rules_back_does_not_hang(client, archive):
    # The importer and the admin refuse cycles; the pages must still answer if one slips in.

    Topic.objects.filter(key="labour-rights").update(parent=archive.topics["child-labour"])
    for url in ["/topics/", "/topics/child-labour/", "/positions/?topic=labour-rights", "/"]:
        assert client.get(url).status_code == 200, url
    keys = all_keys(client, "/positions/?topic=child-labour")
    below = {"labour-rights", "child-labour", "forced-labour"}  # each is below the other now
    assert sorted(keys) == sorted(
        i.key for i in archive.items if i.status == "published" and i.topics & below
    )


def test_timeline_layout():
    chart = layout_timeline({2008: 2, 2011: 8, 2014: 4}, undated=3)
    assert [y for y, _ in chart.years] == list(range(2008, 2015))
    assert chart.total == 17 and chart.undated == 3 and chart.peak == 8
    heights = {bar.year: bar.height for bar in chart.bars}
    assert heights[2011] == chart.height and heights[2014] == chart.height / 2
    assert heights[2009] == 0
    assert [year for year, _ in chart.ticks] == [2008, 2010, 2012, 2014]
    long = layout_timeline({year: 1 for year in range(1946, 2025)}, undated=0)
    ticks = long.ticks
    assert ticks[0][0] == 1946 and ticks[-1][0] == 2024
    assert all(b[1] - a[1] >= 12 for a, b in pairwise(ticks))
    assert all(0 <= left <= 100 for _, left in ticks)
    assert layout_timeline({}, undated=2).bars == []


def test_pages_are_slices_of_one_order_of_both_types(client):
    # Each type is cut to the page's end before the two are merged: every page must still be
    # its slice of the one order of both types, computed here from the rows themselves.

    many_positions(60)  # 30 statements and 30 resolutions on trafficking, 2000-2019
    rows = [
        (s.date, s.title, "statement", s.pk, s.key)
        for s in Statement.objects.filter(topics__key="trafficking")
    ] + [
        (
            r.congress.start_date or datetime.date(r.congress.year, 1, 1),
            r.title,
            "resolution",
            r.pk,
            r.key,
        )
        for r in Resolution.objects.filter(topics__key="trafficking").select_related("congress")
    ]
    # By date either way, ties broken by type and id (every row here is dated).
    expected = {
        "newest": [r[4] for r in sorted(rows, key=lambda r: (-r[0].toordinal(), r[2], r[3]))],
        "oldest": [r[4] for r in sorted(rows, key=lambda r: (r[0], r[2], r[3]))],
        "title": [
            r[4]
            for r in sorted(
                sorted(rows, key=lambda r: (r[2], r[3])), key=lambda r: (r[1], -r[0].toordinal())
            )
        ],
    }
    for sort, order in expected.items():
        suffix = "" if sort == "newest" else f"&sort={sort}"
        for number in (1, 2, 3):
            url = f"/positions/?topic=trafficking{suffix}" + (
                f"&page={number}" if number > 1 else ""
            )
            response = client.get(url)
            keys = [p.object.key for p in response.context["page"].object_list]
            assert keys == order[(number - 1) * 20 : number * 20], (sort, number)
        with override_settings(POSITIONS_COUNT_CAP=25):
            response = client.get(f"/positions/?topic=trafficking{suffix}&page=2")
            keys = [p.object.key for p in response.context["page"].object_list]
            assert keys == order[20:25], sort
            assert client.get(f"/positions/?topic=trafficking{suffix}&page=3").status_code == 400


def test_organisation_page_counts_what_is_addressed_and_mentioned_up_to_the_cap(client):
    many_positions(40)  # 20 statements addressed to ITUC, each mentioning TUC
    with override_settings(POSITIONS_COUNT_CAP=5):
        html = client.get("/organisations/ituc/").content.decode()
        assert "and 5+ more" in html  # 10 listed, and more than the cap besides
        html = client.get("/organisations/tuc/").content.decode()
        assert "and 5+ more" in html
    with override_settings(POSITIONS_COUNT_CAP=50):
        html = client.get("/organisations/ituc/").content.decode()
        assert "and 10 more" in html
        response = client.get("/organisations/lo/")
        assert response.context["statement_count"] == 20
        assert response.context["resolution_count"] == 20
