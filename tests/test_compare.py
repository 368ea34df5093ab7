"""Compare organisations on a topic (/compare/): what each said, on one shared timeline, the
resolutions each quoted and the wording they share; the permalink, the positions view's filters,
and bad input.

The demo archive (LO) is loaded with a small file of ITUC positions beside it
(tests/compare_files/ituc.jsonl: one resolution and one statement on trafficking that reuse
LO's wording, one quotation of an LO resolution, a draft and a statement on poverty only).
Every expectation is computed here from those two files, read as JSON, not from the app."""

import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from statements.models import Statement
from tests.test_api_docs import Tree
from tests.test_interchange_support import corpus_slice

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "demo" / "archive.jsonl"
ITUC = Path(__file__).resolve().parent / "compare_files" / "ituc.jsonl"
THB = "trafficking-in-human-beings"
URL = f"/compare/?topic={THB}&organisation=lo&organisation=ituc"
N = 8  # the shortest shared wording, in words


# The files, read on their own terms -----------------------------------------------------


def objects(*paths):
    rows = []
    for path in paths:
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return rows


def positions_on(rows, organisation, topic, year_from=None, year_to=None):
    """The public statements and resolutions of an organisation tagged with the topic (none of
    these topics has sub-topics), as (type, key, year, title, text)."""
    congresses = {r["key"]: r for r in rows if r["type"] == "congress"}
    found = []
    for r in rows:
        if topic not in r.get("topics", []):
            continue
        if r["type"] == "statement" and r["organisation"] == organisation:
            if r.get("status", "published") != "published":
                continue
            year = int(r["date"][:4]) if r.get("date") else None
        elif (
            r["type"] == "resolution" and congresses[r["congress"]]["organisation"] == organisation
        ):
            year = congresses[r["congress"]]["year"]
        else:
            continue
        if (year_from or year_to) and year is None:
            continue
        if (year_from and year < year_from) or (year_to and year > year_to):
            continue
        found.append((r["type"], r["key"], year, r["title"], r["text"]))
    return found


def words(text):
    return re.findall(r"\w+", text.lower())


def grams(text):
    w = words(text)
    return {" ".join(w[i : i + N]) for i in range(len(w) - N + 1)}


def shared_grams(*texts_per_organisation):
    """Every run of N words found in the texts of at least two of the organisations."""
    sets = [set().union(*(grams(t) for t in texts)) for texts in texts_per_organisation]
    return {gram for i, a in enumerate(sets) for b in sets[i + 1 :] for gram in a & b}


# The page, read as a reader would -------------------------------------------------------


@pytest.fixture
def archive():
    for path in (DEMO, ITUC):
        call_command("import_archive", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    return objects(DEMO, ITUC)


def read(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.get("Location"))
    return Tree(response.content.decode()).root


def sides(page):
    """{organisation heading: its column}."""
    return {next(s.all("h3")).text: s for s in page.all("section", "compare-side")}


def listed(side):
    return [next(a.all("a")).text for a in side.all("h4", "result-title")]


def year_table(page):
    table = next(page.all("table", "compare-years"))
    head = [th.text for th in next(table.all("thead")).all("th")]
    body = [[c.text for c in row.all() if c.tag in ("th", "td")] for row in table.all("tr")][1:]
    return head, body


# The demo data: LO and ITUC on trafficking ---------------------------------------------


def test_what_each_said_on_trafficking(client, archive):
    page = read(client, URL)
    assert next(page.all("h1")).text == "LO and ITUC on Trafficking in human beings"
    columns = sides(page)
    assert list(columns) == [
        "Norwegian Confederation of Trade Unions (LO)",
        "International Trade Union Confederation (ITUC)",
    ]
    for (name, column), key in zip(columns.items(), ["lo", "ituc"], strict=True):
        expected = positions_on(archive, key, THB)
        statements = sum(1 for p in expected if p[0] == "statement")
        resolutions = len(expected) - statements
        counts = next(column.all("p", "compare-counts")).text
        assert counts.startswith(
            f"{statements} statement{'s' * (statements != 1)} and "
            f"{resolutions} resolution{'s' * (resolutions != 1)}"
        ), name
        # Each listed once, newest first and undated last.
        assert sorted(listed(column)) == sorted(p[3] for p in expected)
        year = {p[3]: p[2] for p in expected}
        order = [(year[t] is None, -(year[t] or 0)) for t in listed(column)]
        assert order == sorted(order), name
    html = client.get(URL).content.decode()
    assert "Draft: trafficking and the crisis" not in html  # a draft is the editors' alone
    assert "Poverty and the crisis" not in html  # not on the topic


def test_passages_on_the_topic_are_highlighted(client, archive):
    page = read(client, URL)
    lo = sides(page)["Norwegian Confederation of Trade Unions (LO)"]
    answer = next(
        a for a in lo.all("article") if "Answer from the Norwegian LO" in next(a.all("h4")).text
    )
    marks = {m.text for m in answer.all("mark")}
    # The topic's name and its aliases, as the answer writes them.
    assert {"Trafficking in Human Beings", "THB"} <= marks
    ituc = sides(page)["International Trade Union Confederation (ITUC)"]
    assert "trafficking in human beings" in {m.text for m in ituc.all("mark")}
    first = next(answer.all("ul", "passages"))
    assert next(first.all("a")).attrs["href"] == "/statements/lo-answer-bspc-thb/#p1"


def test_one_shared_timeline(client, archive):
    page = read(client, URL)
    lo, ituc = positions_on(archive, "lo", THB), positions_on(archive, "ituc", THB)
    years = sorted({p[2] for p in lo + ituc if p[2] is not None})
    head, body = year_table(page)
    assert head == ["Year", "LO", "ITUC"]
    expected = []
    for year in range(years[0], years[-1] + 1):
        counts = [sum(1 for p in side if p[2] == year) for side in (lo, ituc)]
        if any(counts):
            expected.append([str(year), *map(str, counts)])
    undated = [sum(1 for p in side if p[2] is None) for side in (lo, ituc)]
    expected.append(["Undated", *map(str, undated)])
    expected.append(["In all", str(len(lo)), str(len(ituc))])
    assert body == expected
    caption = next(page.all("figcaption")).text
    assert caption.startswith(f"{years[0]}\N{EN DASH}{years[-1]}")
    # The same axis for each: one strip per organisation, bars at the same places for a year.
    strips = list(page.all("svg", "compare-chart"))
    assert len(strips) == 2
    bars = [{r.attrs["x"]: r for r in s.all("rect")} for s in strips]
    lo_years = {p[2] for p in lo if p[2]}
    ituc_years = {p[2] for p in ituc if p[2]}
    assert len(bars[0]) == len(lo_years) and len(bars[1]) == len(ituc_years)
    assert not set(bars[0]) & set(bars[1])  # no year in common in these two


def test_the_resolutions_each_quoted(client, archive):
    page = read(client, URL)
    resolutions = {r["key"]: r for r in archive if r["type"] == "resolution"}
    statements = {r["key"]: r for r in archive if r["type"] == "statement"}
    quoted = {}
    for q in (r for r in archive if r["type"] == "quotation"):
        statement = statements[q["statement"]]
        if THB in statement["topics"] and statement.get("status", "published") == "published":
            quoted.setdefault(statement["organisation"], set()).add(q["resolution"])
    for name, key in [
        ("Norwegian Confederation of Trade Unions (LO)", "lo"),
        ("International Trade Union Confederation (ITUC)", "ituc"),
    ]:
        column = sides(page)[name]
        items = list(next(column.all("ul", "compare-quoted")).all("li"))
        links = {next(li.all("a")).attrs["href"] for li in items}
        assert links == {f"/resolutions/{k}/" for k in quoted[key]}
        for li in items:
            resolution_key = next(li.all("a")).attrs["href"].split("/")[2]
            assert next(li.all("a")).text == resolutions[resolution_key]["title"]
            others = [o for o in quoted if o != key and resolution_key in quoted[o]]
            assert ("Also quoted by another" in li.text) == bool(others)


def test_shared_wording(client, archive):
    page = read(client, URL)
    lo = [p[4] for p in positions_on(archive, "lo", THB)]
    ituc = [p[4] for p in positions_on(archive, "ituc", THB)]
    expected = shared_grams(lo, ituc)
    assert expected  # the fixture reuses LO's wording
    passages = next(page.all("ol", "compare-shared")).children
    passages = [p for p in passages if not isinstance(p, str)]
    shown = [next(p.all("blockquote")).text for p in passages]
    found = set().union(*(grams(text) for text in shown))
    # Every shared run of N words is shown, and nothing else.
    assert found == expected
    # Each passage is one run: as long as its words, the longest first.
    lengths = [len(words(text)) for text in shown]
    assert lengths == sorted(lengths, reverse=True)
    for passage, text in zip(passages, shown, strict=True):
        assert f"{len(words(text))} words" in passage.text
        # Its links lead to a paragraph of each organisation's text that holds it.
        links = [a.attrs["href"] for a in passage.all("a")]
        assert len(links) == 2
        for href in links:
            kind, key, paragraph = re.fullmatch(r"/(\w+)s/([\w-]+)/#p(\d+)", href).groups()
            source = next(r for r in archive if r["type"] == kind and r.get("key") == key)
            held = source["text"].split("\n\n")[int(paragraph) - 1]
            assert " ".join(words(text)) in " ".join(words(held))
    # LO's words that only an ITUC draft repeats are not shared wording: drafts are hidden.
    assert not any("footing the bill" in text for text in shown)


def shown_passages(page):
    return [b.text for b in page.all("blockquote")]


def test_shared_wording_on_another_topic(client, archive):
    # On poverty, ITUC's statement repeats LO's words on the crisis.
    lo = [p[4] for p in positions_on(archive, "lo", "poverty")]
    ituc = [p[4] for p in positions_on(archive, "ituc", "poverty")]
    page = read(client, "/compare/?topic=poverty&organisation=lo&organisation=ituc")
    expected = shared_grams(lo, ituc)
    assert expected
    assert set().union(*(grams(t) for t in shown_passages(page))) == expected
    # On child labour ITUC has said nothing: no shared wording, and the page says so.
    page = read(client, "/compare/?topic=child-labour&organisation=lo&organisation=ituc")
    assert shown_passages(page) == []
    section = next(s for s in page.all("section", "compare-section") if "Shared wording" in s.text)
    assert "No shared wording" in section.text


# The permalink, the filters, the entry points ------------------------------------------


def test_permalink_round_trip(client, archive):
    # Another order of the parameters, blanks and a repeat: redirected to one address.
    messy = (
        f"/compare/?organisation=lo&organisation=&topic={THB}&organisation=ituc"
        "&organisation=lo&page=2"
    )
    response = client.get(messy)
    assert response.status_code == 301
    assert response["Location"] == URL
    html = client.get(URL).content.decode()
    assert f'<link rel="canonical" href="http://testserver{URL.replace("&", "&amp;")}">' in html
    # The form holds the selection: submitting it as it stands gives the same page.
    page = Tree(html).root
    form = next(page.all("form", "compare-form"))
    fields = []
    for element in form.all():
        if element.tag == "select":
            chosen = [o.attrs["value"] for o in element.all("option") if "selected" in o.attrs]
            fields.append((element.attrs["name"], chosen[0] if chosen else ""))
        elif element.tag == "input":
            fields.append((element.attrs["name"], element.attrs.get("value", "")))
    submitted = client.get("/compare/", dict_pairs(fields))
    assert submitted.status_code == 301 and submitted["Location"] == URL
    # The columns follow the order chosen.
    other = read(client, f"/compare/?topic={THB}&organisation=ituc&organisation=lo")
    assert next(other.all("h1")).text == "ITUC and LO on Trafficking in human beings"


def dict_pairs(fields):
    data = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


def test_filters_of_the_positions_view(client, archive):
    page = read(client, URL + "&year_from=2010&year_to=2011")
    lo = positions_on(archive, "lo", THB, 2010, 2011)
    ituc = positions_on(archive, "ituc", THB, 2010, 2011)
    columns = sides(page)
    assert sorted(listed(columns["International Trade Union Confederation (ITUC)"])) == sorted(
        p[3] for p in ituc
    )
    assert listed(columns["Norwegian Confederation of Trade Unions (LO)"]) == [p[3] for p in lo]
    _head, body = year_table(page)
    assert body[-1] == ["In all", str(len(lo)), str(len(ituc))]
    # Years kept in the form; each column links to its own positions view, filters and all.
    form = next(page.all("form", "compare-form"))
    values = {i.attrs["name"]: i.attrs.get("value") for i in form.all("input")}
    assert (values["year_from"], values["year_to"]) == ("2010", "2011")
    links = {
        a.attrs["href"] for a in columns["International Trade Union Confederation (ITUC)"].all("a")
    }
    assert f"/organisations/ituc/topics/{THB}/?year_from=2010&year_to=2011" in links
    # Statements only.
    page = read(client, f"/compare/?type=statement&topic={THB}&organisation=lo&organisation=ituc")
    ituc_statements = [p for p in positions_on(archive, "ituc", THB) if p[0] == "statement"]
    column = sides(page)["International Trade Union Confederation (ITUC)"]
    assert listed(column) == [p[3] for p in ituc_statements]
    hidden = {
        (i.attrs["name"], i.attrs["value"])
        for i in page.all("input")
        if i.attrs.get("type") == "hidden"
    }
    assert ("type", "statement") in hidden


def test_entry_points_link_to_the_form(client, archive):
    topic_page = client.get(f"/topics/{THB}/").content.decode()
    assert f'href="/compare/?topic={THB}"' in topic_page
    organisation_page = client.get("/organisations/ituc/").content.decode()
    assert 'href="/compare/?organisation=ituc"' in organisation_page
    positions = client.get(f"/positions/?topic={THB}&organisation=ituc&organisation=lo")
    assert f'href="/compare/?topic={THB}&amp;organisation=ituc&amp;organisation=lo"' in (
        positions.content.decode()
    )
    # Every filter of the page goes along: the path's own, the query's and the sort; not the
    # page number.
    topic_page = client.get(f"/topics/{THB}/?country=NO&kind=answer&year_from=2009&sort=oldest")
    assert (
        f'href="/compare/?topic={THB}&amp;country=NO&amp;kind=answer&amp;year_from=2009'
        '&amp;sort=oldest"'
    ) in topic_page.content.decode()
    permalink = client.get(f"/organisations/lo/topics/{THB}/?year_to=2011&page=1")
    permalink = client.get(permalink["Location"]) if permalink.status_code == 301 else permalink
    assert (
        f'href="/compare/?topic={THB}&amp;organisation=lo&amp;year_to=2011"'
        in permalink.content.decode()
    )
    # Each opens the form, with its own choice made and nothing yet compared.
    for url, topic, chosen in [
        ("/compare/", "", []),
        (f"/compare/?topic={THB}", THB, []),
        ("/compare/?organisation=ituc", "", ["ituc"]),
    ]:
        page = read(client, url)
        assert next(page.all("h1")).text == "Compare organisations on a topic"
        assert not list(page.all("section", "compare-side"))
        selects = list(next(page.all("form", "compare-form")).all("select"))
        picked = [
            next((o.attrs["value"] for o in s.all("option") if "selected" in o.attrs), "")
            for s in selects
        ]
        assert picked[0] == topic
        assert [p for p in picked[1:] if p] == chosen
        assert len(selects) == 5  # the topic and four organisations
        offered = {o.attrs["value"] for o in selects[1].all("option")}
        assert {"lo", "ituc"} <= offered


# Bad input ------------------------------------------------------------------------------


def test_one_organisation_explains_and_offers_the_others(client, archive):
    url = f"/compare/?topic={THB}&organisation=lo&year_from=2009"
    page = read(client, url)  # a page, not an error
    assert next(page.all("h1")).text == "Compare organisations on a topic"
    assert not list(page.all("section", "compare-side"))
    assert not list(page.all("p", "form-error"))
    notice = next(page.all("section", "compare-notice"))
    assert next(notice.all("h2")).text == "Add another organisation to compare"
    assert "A comparison needs 2 to 4 organisations; only LO is chosen." in notice.text
    # The others with positions on the topic under the selection, the most first, each a link
    # to the comparison with it added, the rest of the selection kept.
    counts = {}
    for row in archive:
        if row["type"] != "organisation" or row["key"] == "lo":
            continue
        n = len(positions_on(archive, row["key"], THB, year_from=2009))
        if n:
            counts[row["short_name"]] = (n, row["key"])
    assert counts == {"ITUC": (2, "ituc")}
    links = [
        (a.text, a.attrs["href"]) for a in next(notice.all("ul", "compare-additions")).all("a")
    ]
    assert links == [
        (
            f"Compare LO with {name}",
            f"/compare/?topic={THB}&organisation=lo&organisation={key}&year_from=2009",
        )
        for name, (_n, key) in sorted(counts.items(), key=lambda item: -item[1][0])
    ]
    added = read(client, links[0][1])
    assert next(added.all("h1")).text == "LO and ITUC on Trafficking in human beings"
    # Nothing chosen is lost in the form.
    selects = list(next(page.all("form", "compare-form")).all("select"))
    assert [o.attrs["value"] for o in selects[1].all("option") if "selected" in o.attrs] == ["lo"]
    assert [o.attrs["value"] for o in selects[0].all("option") if "selected" in o.attrs] == [THB]
    # With none to add, it says so.
    page = read(client, f"/compare/?topic={THB}&organisation=lo&country=NO")
    notice = next(page.all("section", "compare-notice"))
    assert "No other organisation has positions under this selection." in notice.text
    assert not list(notice.all("a"))


def test_five_organisations_is_a_form_error(client, archive):
    five = ["lo", "ituc", "ilo", "kom", "bspc"]
    url = f"/compare/?topic={THB}" + "".join(f"&organisation={k}" for k in five)
    page = read(client, url, status=400)
    assert (
        next(page.all("p", "form-error")).text
        == "Choose from 2 to 4 organisations to compare: 5 were chosen."
    )
    selects = list(next(page.all("form", "compare-form")).all("select"))[1:]
    kept = [o.attrs["value"] for s in selects for o in s.all("option") if "selected" in o.attrs]
    assert kept == five
    # Without a topic too.
    read(client, "/compare/?" + "&".join(f"organisation={k}" for k in five), status=400)


@pytest.mark.parametrize(
    "query, named",
    [
        ("topic=no-such-topic&organisation=lo&organisation=ituc", "topic=no-such-topic"),
        (f"topic={THB}&organisation=lo&organisation=nobody", "organisation=lo, nobody"),
        (f"topic={THB}&organisation=lo&organisation=ituc&year_from=abc", "year_from=abc"),
        (
            f"topic={THB}&organisation=lo&organisation=ituc&year_from=2012&year_to=2010",
            "year_to=2010",
        ),
        (f"topic={THB}&organisation=lo&organisation=ituc&sort=sideways", "sort=sideways"),
    ],
)
def test_unknown_values_are_the_positions_views_400(client, archive, query, named):
    response = client.get(f"/compare/?{query}")
    assert response.status_code == 400
    page = Tree(response.content.decode()).root
    assert next(page.all("h1")).text == "Some of the filters are not valid"
    assert named in [c.text for c in page.all("code")]


def test_markup_in_the_texts_is_escaped(client, archive):
    Statement.objects.filter(key="ituc-2011-thb-guidelines").update(
        title="<script>alert(1)</script> Guidelines"
    )
    html = client.get(URL).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Guidelines" in html


def test_only_get_and_head(client, archive):
    assert client.post(URL).status_code == 405
    assert client.head(URL).status_code == 200


# A corpus slice: two governments on an issue of the UPR -------------------------------


@pytest.mark.corpus
def test_two_governments_on_an_upr_issue(client, tmp_path):
    text = corpus_slice("upr-recommendations.jsonl.gz", 3000)
    path = tmp_path / "slice.jsonl"
    path.write_text(text, encoding="utf-8")
    call_command("import_archive", str(path), verbosity=0)
    rows = [json.loads(line) for line in text.splitlines()]
    topics = {r["key"]: r for r in rows if r["type"] == "topic"}
    statements = [r for r in rows if r["type"] == "statement"]
    # The issue and the two governments with the most recommendations on it in the slice.
    per_topic = {}
    for s in statements:
        for t in s.get("topics", []):
            per_topic.setdefault(t, []).append(s)
    topic = max(sorted(per_topic), key=lambda t: len(per_topic[t]))
    assert not any(t.get("parent") == topic for t in topics.values())  # no sub-topics
    by_government = {}
    for s in per_topic[topic]:
        by_government.setdefault(s["organisation"], []).append(s)
    first, second = sorted(by_government, key=lambda g: (-len(by_government[g]), g))[:2]
    page = read(client, f"/compare/?topic={topic}&organisation={first}&organisation={second}")
    _head, body = year_table(page)
    expected = {}
    for column, government in enumerate((first, second)):
        for s in by_government[government]:
            row = expected.setdefault(s["date"][:4], [0, 0])
            row[column] += 1
    assert body[:-1] == [[year, str(a), str(b)] for year, (a, b) in sorted(expected.items())]
    assert body[-1] == ["In all", *(str(len(by_government[g])) for g in (first, second))]
    # Shared wording, from the texts (within the page's bounds: under 100 texts each).
    assert all(len(by_government[g]) <= 100 for g in (first, second))
    texts = [[s["text"] for s in by_government[g]] for g in (first, second)]
    expected_grams = shared_grams(*texts)
    assert expected_grams  # recommendations often share their wording
    shown = shown_passages(page)
    assert len(shown) < 20  # all of them shown: every shared run, and nothing else
    assert set().union(*(grams(t) for t in shown)) == expected_grams
