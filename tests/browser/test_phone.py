"""Phones and keyboards, in real Chromium over the demo archive: the positions view, a topic
page and the organisations index fit a 390x844 phone and a 200% zoom without scrolling
sideways, show their filters' control above the first result, and are axe-core clean; a
keyboard reaches the first result in a few Tab presses; the timeline's bars link to their
year; the copy-links copy with JavaScript and are plain permalinks without.

200% zoom: a 1280x844 window zoomed to 200% lays pages out in a 640x422 CSS-pixel viewport
with two device pixels to each CSS pixel, which is what a 640x422 viewport with
device_scale_factor 2 gives (Playwright cannot press the zoom keys of a headless browser)."""

import re

import pytest
from playwright.sync_api import expect

from statements.models import Organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3},
    "zoom-200": {"viewport": {"width": 640, "height": 422}, "device_scale_factor": 2},
}
TOPIC = "/topics/trafficking-in-human-beings/"
STATEMENT = "/statements/lo-answer-bspc-thb/"
# Each list page, the control that opens its filters, and its first result.
PAGES = {
    "positions": ("/positions/", ".filters-jump a", "article.result"),
    "topic": (TOPIC, ".filters-jump a", "article.result"),
    "organisations": ("/organisations/", "#org-country", ".organisations-table tbody tr"),
}


@pytest.fixture
def long_names(demo_archive):
    # Names as long as the real corpora's, where the index table was 598 px wide on a phone.
    Organisation.objects.create(
        key="long-one",
        name="Confederation of Independent Trade Unions of Bosnia and Herzegovina Federation",
        short_name="KSBiH",
        country="GB",
        kind="trade_union_confederation",
    )
    Organisation.objects.create(
        key="long-two",
        name="International Federation of Building and Wood Workers and Allied Trades",
        country="",
        kind="intergovernmental_organisation",
    )


def context_for(browser, name, **extra):
    return browser.new_context(locale="en-GB", **VIEWPORTS[name], **extra)


WIDER_THAN_VIEWPORT = """() => [...document.querySelectorAll("body *")]
  .filter((e) => e.getBoundingClientRect().right > innerWidth)
  .slice(0, 5)
  .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)"""


def fits(page):
    """Nothing wider than the viewport: the page never scrolls sideways."""
    width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= viewport, (
        f"{page.url} is {width} px wide in a {viewport} px viewport: "
        f"{page.evaluate(WIDER_THAN_VIEWPORT)}"
    )


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("name", PAGES)
def test_list_pages_fit_and_show_their_filters_first(
    browser, live_url, long_names, axe, screenshot, viewport, name
):
    path, control, first = PAGES[name]
    context = context_for(browser, viewport)
    page = context.new_page()
    page.goto(live_url(path))
    fits(page)
    filters = page.locator(control).first
    expect(filters).to_be_visible()
    result = page.locator(first).first
    expect(result).to_be_visible()
    assert (
        filters.bounding_box()["y"] + filters.bounding_box()["height"]
        <= (result.bounding_box()["y"])
    ), "the filters' control comes after the first result"
    axe(page)
    screenshot(page, f"{viewport}-{name}")
    if name != "organisations":
        # The control leads to the filters (placed after the results on a narrow screen),
        # and they lead back: plain links, no script needed.
        filters.click()
        expect(page).to_have_url(re.compile(r"#filters$"))
        expect(page.locator("#filters")).to_be_in_viewport()
        expect(
            page.locator("#filters").get_by_role("link", name="Back to the results")
        ).to_be_visible()
    context.close()


def test_wide_screens_show_the_filters_beside_the_results(page, live_url, demo_archive):
    page.goto(live_url(TOPIC))
    expect(page.locator(".filters-jump")).to_be_hidden()
    filters, results = (
        page.locator("#filters").bounding_box(),
        page.locator("#results").bounding_box(),
    )
    assert filters["x"] + filters["width"] <= results["x"]  # on the left
    expect(page.locator(".lede").first).not_to_contain_text("on the left")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_keyboard_reaches_the_first_result_in_five_tabs(
    browser, live_url, demo_archive, viewport
):
    if viewport == "desktop":
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    else:
        context = context_for(browser, viewport)
    page = context.new_page()
    page.goto(live_url(TOPIC))
    first = page.locator("article.result").first
    presses = 0
    page.keyboard.press("Tab")
    presses += 1
    skip = page.locator(":focus")
    expect(skip).to_have_text("Skip to results")
    expect(skip).to_be_visible()  # shown when focused
    page.keyboard.press("Enter")
    while presses < 5:
        page.keyboard.press("Tab")
        presses += 1
        if page.evaluate("el => el.contains(document.activeElement)", first.element_handle()):
            break
    else:
        pytest.fail("five Tab presses did not reach the first result")
    assert page.evaluate("el => el.contains(document.activeElement)", first.element_handle())
    assert presses <= 5
    context.close()


def test_a_timeline_bar_links_to_its_year_with_the_other_filters(page, live_url, demo_archive, axe):
    page.goto(live_url("/positions/?type=resolution&organisation=lo"))
    bars = page.locator("svg.timeline-chart a")
    expect(bars).to_have_count(1)  # the demo's texts are all of 2009, or undated
    expect(bars.first).to_have_attribute("aria-label", "2009: 2 positions")
    axe(page)
    bars.first.click()
    expect(page).to_have_url(
        re.compile(r"/positions/\?type=resolution&organisation=lo&year_from=2009&year_to=2009$")
    )
    expect(page.locator("#results-heading")).to_contain_text("2 positions")
    # On a topic page the link stays on it, the topic in its path.
    page.goto(live_url(TOPIC))
    page.locator("svg.timeline-chart a").first.click()
    expect(page).to_have_url(re.compile(TOPIC + r"\?year_from=2009&year_to=2009$"))


def test_a_paragraphs_copy_link_copies_its_permalink(browser, live_url, demo_archive, axe):
    context = browser.new_context(locale="en-GB", permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(live_url(STATEMENT))
    axe(page)
    page.get_by_role("link", name="Copy link to paragraph 2").click()
    expect(page.locator("#p2 .copy-link")).to_contain_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == live_url(STATEMENT) + "#p2"
    page.get_by_role("link", name="Copy the link to this page").click()
    assert page.evaluate("navigator.clipboard.readText()") == live_url(STATEMENT)
    # A paragraph's citation: its page, with every format to copy.
    page.get_by_role("link", name="Cite paragraph 2").click()
    expect(page).to_have_url(re.compile(r"/statements/lo-answer-bspc-thb/cite/\?paragraph=2$"))
    expect(page.locator("#citation")).to_have_value(re.compile(r"Paragraph 2\. Policy archive"))
    page.get_by_role("button", name="Copy BibTeX").click()
    assert page.evaluate("navigator.clipboard.readText()").startswith(
        "@misc{lo-answer-bspc-thb-p2,"
    )
    axe(page)
    context.close()


def test_without_javascript_a_copy_link_is_the_permalink(browser, live_url, demo_archive):
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    page.goto(live_url(STATEMENT))
    page.get_by_role("link", name="Copy link to paragraph 2").click()
    expect(page).to_have_url(live_url(STATEMENT) + "#p2")
    expect(page.locator("#p2")).to_be_in_viewport()
    # The filters work without it too: a plain GET form and links.
    page.goto(live_url("/positions/"))
    page.locator("#year_from").fill("2009")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"year_from=2009"))
    context.close()
