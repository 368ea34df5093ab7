"""The compare page in real Chromium: LO and ITUC on trafficking (the demo archive with
tests/compare_files/ituc.jsonl beside it) and four governments on an issue of a UPR-like slice
(tests/browser/seed.py), at 1280 px, on a 390x844 phone and at 200% zoom (screenshots in
screenshots/), axe-core clean; a keyboard reaches the comparison through its skip link; each
organisation's passages on the topic are highlighted, the shared wording and the quoted
resolutions are listed with links that work; and the ways in (a topic page, an organisation
page, the positions view, a permalink) lead to a comparison that keeps their whole selection.

Every expectation is computed here from the rows of the files loaded, read as JSON."""

import re
from itertools import pairwise
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.seed import DEMO, ITUC, load_compared, load_upr_slice, read_rows
from tests.browser.test_phone import VIEWPORTS, fits

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THB = "trafficking-in-human-beings"
URL = f"/compare/?topic={THB}&organisation=lo&organisation=ituc"
LO = "Norwegian Confederation of Trade Unions (LO)"
ITUC_NAME = "International Trade Union Confederation (ITUC)"
N = 8  # the shortest shared wording, in words
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def compared(transactional_db):
    load_compared()
    return read_rows(DEMO, ITUC)


@pytest.fixture
def upr(transactional_db, tmp_path):
    return load_upr_slice(tmp_path / "upr-slice.jsonl")


def open_page(browser, viewport):
    options = DESKTOP if viewport == "desktop" else VIEWPORTS[viewport]
    return browser.new_context(locale="en-GB", **options).new_page()


# What the rows say, worked out on their own terms ---------------------------------------


def positions_on(rows, organisation, topic, **selection):
    """The public statements and resolutions of an organisation tagged with the topic (no
    topic compared here has sub-topics) under the other filters, as dicts."""
    congresses = {r["key"]: r for r in rows if r["type"] == "congress"}
    organisations = {r["key"]: r for r in rows if r["type"] == "organisation"}
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
        if "kind" in selection and (r["type"] != "statement" or r["kind"] not in selection["kind"]):
            continue
        if "type" in selection and r["type"] not in selection["type"]:
            continue
        kind = organisations[organisation]["kind"]
        if "organisation_kind" in selection and kind not in selection["organisation_kind"]:
            continue
        low, high = selection.get("year_from"), selection.get("year_to")
        if (low or high) and year is None:
            continue
        if (low and year < low) or (high and year > high):
            continue
        found.append({"type": r["type"], "key": r["key"], "year": year, **r})
    return found


def words(text):
    return re.findall(r"\w+", text.lower())


def grams(text):
    w = words(text)
    return {" ".join(w[i : i + N]) for i in range(len(w) - N + 1)}


def shared_grams(*texts_per_organisation):
    """Every run of N words found in the texts of at least two of the organisations."""
    sets = [set().union(set(), *(grams(t) for t in texts)) for texts in texts_per_organisation]
    return {gram for i, a in enumerate(sets) for b in sets[i + 1 :] for gram in a & b}


def query_pairs(url):
    return parse_qsl(urlsplit(url).query)


# The page, read as a reader sees it -----------------------------------------------------


def columns(page):
    return page.locator("section.compare-side")


def column(page, heading):
    return columns(page).filter(has=page.get_by_role("heading", name=heading, exact=True))


def listed(side):
    return sorted(side.locator("h4.result-title a").all_inner_texts())


def year_table(page):
    table = page.locator("table.compare-years")
    head = [t.strip() for t in table.locator("thead th").all_inner_texts()]
    body = [
        [c.strip() for c in row.locator("th, td").all_inner_texts()]
        for row in table.locator("tbody tr").all()
    ]
    return head, body


def expected_years(per_side):
    """The table behind the chart: a row per year any side has, undated, in all."""
    years = sorted({p["year"] for side in per_side for p in side if p["year"] is not None})
    rows = []
    for year in range(years[0], years[-1] + 1) if years else []:
        counts = [sum(1 for p in side if p["year"] == year) for side in per_side]
        if any(counts):
            rows.append([str(year), *map(str, counts)])
    undated = [sum(1 for p in side if p["year"] is None) for side in per_side]
    if any(undated):
        rows.append(["Undated", *map(str, undated)])
    rows.append(["In all", *(str(len(side)) for side in per_side)])
    return rows


def boxes(locator):
    return [element.bounding_box() for element in locator.all()]


def side_by_side(found):
    """Columns in one row, left to right, none overlapping."""
    for left, right in pairwise(found):
        assert abs(left["y"] - right["y"]) < 1
        assert left["x"] + left["width"] <= right["x"]


def stacked(found, width):
    """Columns one under another, each as wide as the others and within the viewport."""
    for upper, lower in pairwise(found):
        assert upper["y"] + upper["height"] <= lower["y"]
        assert abs(upper["x"] - lower["x"]) < 1 and abs(upper["width"] - lower["width"]) < 1
    for box in found:
        assert box["x"] >= 0 and box["x"] + box["width"] <= width


# The words of the elements that are laid out over more than one line (broken inside).
BROKEN_WORDS = """(elements) => elements.flatMap((element) => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const broken = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.textContent.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      if (range.getClientRects().length > 1) broken.push(match[0]);
    }
  }
  return broken;
})"""


def timeline_is_readable(page, sides):
    """One strip per organisation, as wide as the others and inside the viewport, its name
    shown beside or above it; year labels inside the viewport, apart, and at least 12 px."""
    width = page.evaluate("innerWidth")
    strips = boxes(page.locator("svg.compare-chart"))
    assert len(strips) == sides
    for strip in strips:
        assert strip["x"] >= 0 and strip["x"] + strip["width"] <= width
        assert strip["width"] >= min(300, 0.6 * width)
        assert abs(strip["width"] - strips[0]["width"]) < 1 and abs(strip["x"] - strips[0]["x"]) < 1
    for label in page.locator(".compare-strip-label").all():
        expect(label).to_be_visible()
    ticks = page.locator(".compare-timeline .timeline-axis span")
    assert ticks.count() >= 1
    placed = sorted(boxes(ticks), key=lambda b: b["x"])
    for tick in placed:
        assert tick["x"] >= 0 and tick["x"] + tick["width"] <= width
    for left, right in pairwise(placed):
        assert left["x"] + left["width"] <= right["x"], "year labels overlap"
    size = ticks.first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 12


# At 1280, on a phone, at 200% ------------------------------------------------------------


def test_lo_and_ituc_side_by_side_at_1280(page, live_url, compared, axe, screenshot):
    page.goto(live_url(URL))
    expect(page.locator("h1")).to_have_text("LO and ITUC on Trafficking in human beings")
    expect(columns(page)).to_have_count(2)
    headings = columns(page).locator("h3").all_inner_texts()
    assert headings == [LO, ITUC_NAME]  # in the order chosen
    found = boxes(columns(page))
    side_by_side(found)
    assert all(box["width"] >= 400 for box in found)
    timeline_is_readable(page, 2)
    _head, body = year_table(page)
    per_side = [positions_on(compared, key, THB) for key in ("lo", "ituc")]
    assert body == expected_years(per_side)
    fits(page)
    axe(page)
    screenshot(page, "compare")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_lo_and_ituc_stack_on_a_phone_and_at_200_percent(
    browser, live_url, compared, axe, screenshot, viewport
):
    page = open_page(browser, viewport)
    page.goto(live_url(URL))
    fits(page)
    width = page.evaluate("innerWidth")
    stacked(boxes(columns(page)), width)
    timeline_is_readable(page, 2)
    # The year table fits too, every organisation's column in it, not scrolling on its own.
    table = page.locator("table.compare-years").bounding_box()
    assert table["x"] >= 0 and table["x"] + table["width"] <= width
    assert page.locator(".compare-years-scroll").evaluate("e => e.scrollWidth <= e.clientWidth")
    head, _body = year_table(page)
    assert head == ["Year", "LO", "ITUC"]
    axe(page)
    screenshot(page, f"{viewport}-compare")
    page.context.close()


@pytest.mark.parametrize("viewport", ["desktop", *VIEWPORTS])
def test_four_governments_on_a_upr_issue(browser, live_url, upr, axe, screenshot, viewport):
    governments = sorted(
        {r["organisation"] for r in upr if r["type"] == "statement"},
        key=lambda g: -len(positions_on(upr, g, "trafficking")),
    )
    assert len(governments) == 4
    names = {r["key"]: r["name"] for r in upr if r["type"] == "organisation"}
    page = open_page(browser, viewport)
    page.goto(
        live_url("/compare/?topic=trafficking" + "".join(f"&organisation={g}" for g in governments))
    )
    expect(columns(page)).to_have_count(4)
    assert columns(page).locator("h3").all_inner_texts() == [names[g] for g in governments]
    head, body = year_table(page)
    assert head == ["Year", *(names[g] for g in governments)]
    assert body == expected_years([positions_on(upr, g, "trafficking") for g in governments])
    # Each lists its recommendations on the issue, not the one on women's rights alone.
    for g in governments:
        on_it = positions_on(upr, g, "trafficking")
        side = column(page, names[g])
        shown = side.locator("h4.result-title a").count()
        assert shown == min(5, len(on_it))
        expect(side.locator(".compare-counts")).to_contain_text(f"{len(on_it)} statements")
    found = boxes(columns(page))
    width = page.evaluate("innerWidth")
    if viewport == "desktop":
        side_by_side(found)
    else:
        stacked(found, width)
    timeline_is_readable(page, 4)
    # The year table stays inside the page (scrolling on its own if the names need room), and
    # no name is broken inside a word.
    region = page.locator(".compare-years-scroll").bounding_box()
    assert region["x"] >= 0 and region["x"] + region["width"] <= width
    assert page.locator("table.compare-years thead th").evaluate_all(BROKEN_WORDS) == []
    # Their shared wording, every run of N words that two or more of them wrote.
    texts = [[p["text"] for p in positions_on(upr, g, "trafficking")] for g in governments]
    expected = shared_grams(*texts)
    assert expected
    shown = page.locator("ol.compare-shared blockquote").all_inner_texts()
    assert set().union(*(grams(t) for t in shown)) == expected
    fits(page)
    axe(page)
    screenshot(page, f"{viewport}-compare-upr")
    page.context.close()


# The keyboard ----------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_keyboard_reaches_the_comparison_in_five_tabs(browser, live_url, compared, viewport):
    page = open_page(browser, viewport)
    page.goto(live_url(URL))
    page.keyboard.press("Tab")
    presses = 1
    skip = page.locator(":focus")
    expect(skip).to_have_text("Skip to the comparison")
    expect(skip).to_be_visible()  # shown when focused
    page.keyboard.press("Enter")
    expect(page.locator("#compare-timeline-heading")).to_be_in_viewport()
    comparison = page.locator("#comparison").element_handle()
    inside = "el => el !== document.activeElement && el.contains(document.activeElement)"
    while presses < 5:
        page.keyboard.press("Tab")
        presses += 1
        if page.evaluate(inside, comparison):
            break
    assert page.evaluate(inside, comparison), "five Tab presses did not reach the comparison"
    # Past the form: the first thing reached is LO's own positions, from the year table.
    focused = page.locator(":focus")
    expect(focused).to_have_text("LO")
    expect(focused).to_have_attribute("href", f"/organisations/lo/topics/{THB}/")
    page.context.close()


# What each said, what they quoted, what they share ---------------------------------------


def test_each_organisations_passages_on_the_topic_are_highlighted(page, live_url, compared):
    topic = next(r for r in compared if r["type"] == "topic" and r["key"] == THB)
    terms = {topic["name"].casefold(), *(a.casefold() for a in topic["aliases"])}
    page.goto(live_url(URL))
    for heading, key in [(LO, "lo"), (ITUC_NAME, "ituc")]:
        side = column(page, heading)
        marks = side.locator("ul.passages mark")
        assert marks.count() >= 1, f"no passage highlighted for {heading}"
        for text in marks.all_inner_texts():
            assert " ".join(text.split()).casefold() in terms
        # Every text listed that names the topic shows a passage.
        pattern = re.compile("|".join(rf"\b{re.escape(t)}\b" for t in terms), re.IGNORECASE)
        naming = {p["title"] for p in positions_on(compared, key, THB) if pattern.search(p["text"])}
        with_passages = {
            card.locator("h4.result-title").inner_text()
            for card in side.locator("article.compare-position").all()
            if card.locator("ul.passages li").count()
        }
        assert with_passages == naming
    # A passage's number leads to that paragraph of the text, which holds it.
    side = column(page, ITUC_NAME)
    first = side.locator("ul.passages li").first
    marked = first.locator("mark").first.inner_text()
    first.locator("a.passage-number").click()
    expect(page).to_have_url(re.compile(r"/statements/ituc-2011-thb-guidelines/#p\d+$"))
    paragraph = urlsplit(page.url).fragment
    expect(page.locator(f"#{paragraph}")).to_contain_text(marked, ignore_case=True)


def test_the_shared_wording_and_its_links(page, live_url, compared):
    lo = [p["text"] for p in positions_on(compared, "lo", THB)]
    ituc = [p["text"] for p in positions_on(compared, "ituc", THB)]
    expected = shared_grams(lo, ituc)
    assert expected
    page.goto(live_url(URL))
    section = page.locator("section.compare-section").filter(
        has=page.get_by_role("heading", name="Shared wording")
    )
    passages = section.locator("ol.compare-shared > li")
    shown = passages.locator("blockquote").all_inner_texts()
    assert set().union(*(grams(t) for t in shown)) == expected
    # Each passage names where each of them wrote it, and the link leads there.
    links = [
        (passage.locator("blockquote").inner_text(), a.get_attribute("href"), a.inner_text())
        for passage in passages.all()
        for a in passage.locator("a").all()
    ]
    assert {text.split(":")[0] for _q, _h, text in links} == {"LO", "ITUC"}
    for quoted, href, _text in links:
        response = page.goto(live_url(href))
        assert response.status == 200
        paragraph = page.locator(f"#{urlsplit(href).fragment}")
        held = " ".join(words(paragraph.inner_text()))
        assert " ".join(words(quoted)) in held


def test_the_resolutions_each_quoted_with_links_that_work(page, live_url, compared):
    resolutions = {r["key"]: r for r in compared if r["type"] == "resolution"}
    statements = {r["key"]: r for r in compared if r["type"] == "statement"}
    quoted = {}
    for q in (r for r in compared if r["type"] == "quotation"):
        statement = statements[q["statement"]]
        if THB in statement["topics"] and statement.get("status", "published") == "published":
            quoted.setdefault(statement["organisation"], set()).add(q["resolution"])
    assert quoted["lo"] and quoted["ituc"]
    page.goto(live_url(URL))
    found = {}
    for heading, key in [(LO, "lo"), (ITUC_NAME, "ituc")]:
        items = column(page, heading).locator("ul.compare-quoted > li")
        links = [(li.locator("a").first.inner_text(), li) for li in items.all()]
        assert sorted(t for t, _li in links) == sorted(resolutions[k]["title"] for k in quoted[key])
        for title, li in links:
            others = [
                o
                for o in quoted
                if o != key and any(resolutions[r]["title"] == title for r in quoted[o])
            ]
            assert ("Also quoted by another" in li.text_content()) == bool(others)
            found[title] = li.locator("a").first.get_attribute("href")
    # Every link opens its resolution's page.
    for title, href in found.items():
        response = page.goto(live_url(href))
        assert response.status == 200
        expect(page.locator("h1")).to_have_text(title)
    # And a click from the page gets there too.
    page.goto(live_url(URL))
    title = sorted(found)[0]
    column(page, ITUC_NAME).get_by_role("link", name=title).click()
    expect(page.locator("h1")).to_have_text(title)


# The ways in, and the whole selection carried ---------------------------------------------


def choose(page, topic=None, organisations=()):
    if topic:
        page.get_by_label("Topic", exact=True).select_option(topic)
    for n, key in enumerate(organisations, start=1):
        page.get_by_label(f"Organisation {n}", exact=True).select_option(key)
    page.locator("form.compare-form").get_by_role("button", name="Compare").click()


def test_from_a_topic_page_with_its_filters(page, live_url, compared, axe):
    page.goto(live_url(f"/topics/{THB}/?kind=answer&kind=position_paper&sort=title"))
    page.get_by_role("link", name="Compare organisations on Trafficking in human beings").click()
    assert sorted(query_pairs(page.url)) == sorted(
        [("topic", THB), ("kind", "answer"), ("kind", "position_paper"), ("sort", "title")]
    )
    expect(page.locator("h1")).to_have_text("Compare organisations on a topic")
    expect(page.get_by_label("Topic", exact=True)).to_have_value(THB)
    axe(page)
    choose(page, organisations=["lo", "ituc"])
    pairs = query_pairs(page.url)
    assert [v for k, v in pairs if k == "organisation"] == ["lo", "ituc"]
    assert sorted(p for p in pairs if p[0] != "organisation") == sorted(
        [("topic", THB), ("kind", "answer"), ("kind", "position_paper"), ("sort", "title")]
    )
    # The kinds still hold: statements of those kinds only, no resolutions.
    kinds = {"kind": ["answer", "position_paper"]}
    for heading, key in [(LO, "lo"), (ITUC_NAME, "ituc")]:
        expected = sorted(p["title"] for p in positions_on(compared, key, THB, **kinds))
        assert expected and listed(column(page, heading)) == expected
    axe(page)


def test_from_an_organisation_page(page, live_url, compared):
    page.goto(live_url("/organisations/ituc/"))
    page.get_by_role("link", name="Compare ITUC with other organisations on a topic").click()
    expect(page).to_have_url(live_url("/compare/?organisation=ituc"))
    expect(page.get_by_label("Organisation 1", exact=True)).to_have_value("ituc")
    choose(page, topic=THB, organisations=["ituc", "lo"])
    expect(page).to_have_url(live_url(f"/compare/?topic={THB}&organisation=ituc&organisation=lo"))
    expect(page.locator("h1")).to_have_text("ITUC and LO on Trafficking in human beings")
    assert columns(page).locator("h3").all_inner_texts() == [ITUC_NAME, LO]


def test_from_the_positions_view_every_filter_is_carried(page, live_url, compared, axe):
    selection = [
        ("topic", THB),
        ("organisation", "ituc"),
        ("organisation", "lo"),
        ("organisation_kind", "trade_union_confederation"),
        ("year_from", "2009"),
        ("year_to", "2011"),
        ("sort", "oldest"),
    ]
    page.goto(live_url("/positions/?" + "&".join(f"{k}={v}" for k, v in selection)))
    page.get_by_role("link", name="Compare organisations on this selection").click()
    expect(page.locator("h1")).to_have_text("ITUC and LO on Trafficking in human beings")
    assert sorted(query_pairs(page.url)) == sorted(selection)
    filters = {
        "organisation_kind": ["trade_union_confederation"],
        "year_from": 2009,
        "year_to": 2011,
    }
    per_side = [positions_on(compared, key, THB, **filters) for key in ("ituc", "lo")]
    _head, body = year_table(page)
    assert body == expected_years(per_side)
    for heading, side in zip((ITUC_NAME, LO), per_side, strict=True):
        assert listed(column(page, heading)) == sorted(p["title"] for p in side)
    axe(page)


def test_a_country_filter_is_carried_to_the_form(page, live_url, compared):
    page.goto(live_url(f"/positions/?country=NO&topic={THB}"))
    page.get_by_role("link", name="Compare organisations on this selection").click()
    assert sorted(query_pairs(page.url)) == [("country", "NO"), ("topic", THB)]
    # Only Norwegian organisations are offered, and the country stays chosen when comparing.
    offered = page.get_by_label("Organisation 1", exact=True).locator("option").all_inner_texts()
    assert any(o.startswith("LO") for o in offered)
    assert not any(o.startswith("ITUC") for o in offered)
    choose(page, organisations=["lo"])
    assert sorted(query_pairs(page.url)) == [
        ("country", "NO"),
        ("organisation", "lo"),
        ("topic", THB),
    ]
    # No other Norwegian organisation has said anything on it, and the page says so.
    norwegian = [
        r["key"]
        for r in compared
        if r["type"] == "organisation" and r.get("country") == "NO" and r["key"] != "lo"
    ]
    assert norwegian and not any(positions_on(compared, key, THB) for key in norwegian)
    expect(page.locator("section.compare-notice")).to_contain_text(
        "No other organisation has positions under this selection."
    )


def test_one_organisation_offers_the_others_to_add(page, live_url, compared, axe):
    # From the permalink of LO on trafficking, years chosen.
    page.goto(live_url(f"/organisations/lo/topics/{THB}/?year_from=2009"))
    page.get_by_role("link", name="Compare organisations on Trafficking in human beings").click()
    assert sorted(query_pairs(page.url)) == sorted(
        [("topic", THB), ("organisation", "lo"), ("year_from", "2009")]
    )
    expect(page.locator("h1")).to_have_text("Compare organisations on a topic")
    notice = page.locator("section.compare-notice")
    expect(notice.get_by_role("heading")).to_have_text("Add another organisation to compare")
    expect(notice).to_contain_text("A comparison needs 2 to 4 organisations; only LO is chosen.")
    # The others with positions on it in those years, each a link.
    others = {
        r["short_name"]
        for r in compared
        if r["type"] == "organisation"
        and r["key"] != "lo"
        and positions_on(compared, r["key"], THB, year_from=2009)
    }
    assert others == {"ITUC"}
    links = notice.locator("ul.compare-additions a")
    assert links.all_inner_texts() == [f"Compare LO with {o}" for o in sorted(others)]
    axe(page)
    links.first.click()
    expect(page.locator("h1")).to_have_text("LO and ITUC on Trafficking in human beings")
    assert query_pairs(page.url) == [
        ("topic", THB),
        ("organisation", "lo"),
        ("organisation", "ituc"),
        ("year_from", "2009"),
    ]


def test_five_organisations_are_refused_with_the_reason(page, live_url, compared):
    five = ["lo", "ituc", "ilo", "kom", "bspc"]
    response = page.goto(
        live_url(f"/compare/?topic={THB}" + "".join(f"&organisation={k}" for k in five))
    )
    assert response.status == 400
    expect(page.get_by_role("alert")).to_have_text(
        "Choose from 2 to 4 organisations to compare: 5 were chosen."
    )
    # Taking one out in the form makes it a comparison.
    page.get_by_label("Organisation 5", exact=True).select_option("")
    page.get_by_label("Organisation 4", exact=True).select_option("")
    page.get_by_label("Organisation 3", exact=True).select_option("")
    page.locator("form.compare-form").get_by_role("button", name="Compare").click()
    expect(page.locator("h1")).to_have_text("LO and ITUC on Trafficking in human beings")
