"""Every list of the editors' admin fits a 1,280 by 800 screen: with long titles, long
organisation names and many aliases, the page never scrolls sideways, the results table stays
inside its box and its last column is on the screen; and axe-core finds nothing serious."""

import datetime

import pytest
from playwright.sync_api import expect

from statements.models import Affiliation, Alias, Congress, Organisation, Quotation
from tests.browser.builders import build_archive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 1280, 800
LONG_TITLE = (
    "Response of the Norwegian Confederation of Trade Unions to the consultation of the "
    "Baltic Sea Parliamentary Conference on preventing and combating trafficking in human "
    "beings, protecting its victims and the role of labour inspectorates in the region"
)
LONG_RESOLUTION = (
    "Statement on international solidarity and decent global labour conditions in a "
    "transnational economy with too little control and governance of capital markets"
)
LONG_ORGANISATION = "Baltic Sea Parliamentary Conference Working Group on Civil Security"
# Each list, by its admin URL name, and its columns' headers after the checkbox's.
LISTS = {
    "statement": ["Title", "Organisation → addressee", "Kind", "Date", "Language", "Status"],
    "resolution": ["Title", "Congress", "Kind", "Section", "Language"],
    "congress": ["Name", "Organisation", "Year", "Place", "Dates", "Resolutions"],
    "organisation": ["Name", "Short name", "Country", "Kind", "Parent"],
    "affiliation": ["Affiliation", "Since", "Until"],
    "topic": ["Name", "Parent", "Aliases", "Statements", "Resolutions"],
    "quotation": ["Statement", "Resolution", "Excerpt"],
}


@pytest.fixture
def long_archive(transactional_db):
    """The builders' archive (tests/browser/builders.py), and beside it what makes lists wide:
    90 statements whose titles run to 240 characters, addressed to an organisation with a
    67-character name; resolutions as long, of a congress with a long name and place; a topic
    with many aliases; their quotations and affiliations."""
    b = build_archive()
    wg = Organisation.objects.create(
        key="bspc-wg", name=LONG_ORGANISATION, country="", kind="parliamentary_body"
    )
    Congress.objects.filter(key="lo-congress-2009").update(
        name="The 2009 Congress of the Norwegian Confederation of Trade Unions",
        place="Oslo Congress Centre, Youngstorget",
        start_date=datetime.date(2009, 5, 4),
        end_date=datetime.date(2009, 5, 8),
    )
    for number in range(3):
        b.resolution(
            f"lo-2009-solidarity-{number}",
            "lo-congress-2009",
            ["trafficking"],
            title=f"{LONG_RESOLUTION} ({number})",
            text="The labour movement fights poverty.",
        )
    for number in range(90):
        statement = b.statement(
            f"long-answer-{number}",
            "lo",
            datetime.date(2009, 1, 1 + number % 28),
            "day",
            ["trafficking", "forced-labour"],
            "answer",
            title=f"{LONG_TITLE} ({number})",
            text="LO is concerned.\n\nThe labour movement fights poverty.",
            addressed_to=wg,
            occasion="Questionnaire of the BSPC Working Group on Civil Security",
        )
        if number < 5:
            Quotation.objects.create(
                statement=statement,
                resolution=b.objects[f"lo-2009-solidarity-{number % 3}"],
                excerpt="The labour movement fights poverty.",
            )
    for position, alias in enumerate(
        [
            "trafficking in persons",
            "trafficking in women and children",
            "modern slavery and forced labour across borders",
        ],
        start=2,
    ):
        Alias.objects.create(topic=b.topics["trafficking"], name=alias, position=position)
    Affiliation.objects.create(
        organisation=b.organisations["fagforbundet"], relation="member_of", target=wg
    )
    return b


@pytest.fixture
def reviewer_page(page, log_in_as, long_archive):
    """A reviewer (the role with every column and action) logged in, on a 1,280 by 800 screen."""
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    log_in_as(page, "Reviewers", "reviewer")
    return page


def widths(page):
    return page.evaluate(
        """() => {
            const table = document.querySelector('#result_list');
            const box = table.closest('.results') || table.parentElement;
            const headers = [...table.querySelectorAll('thead th')];
            const last = headers[headers.length - 1];
            return {
                page: document.documentElement.scrollWidth,
                window: window.innerWidth,
                table: table.getBoundingClientRect().width,
                box: box.getBoundingClientRect().width,
                boxRight: box.getBoundingClientRect().right,
                lastRight: last.getBoundingClientRect().right,
                headers: headers.slice(1).map((th) => th.querySelector('.text').textContent.trim()),
            };
        }"""
    )


@pytest.mark.parametrize("model", LISTS)
def test_each_list_fits_a_1280_pixel_screen(reviewer_page, live_url, admin_axe, model):
    page = reviewer_page
    page.goto(live_url(f"/admin/statements/{model}/"))
    expect(page.locator("#result_list tbody tr").first).to_be_visible()
    seen = widths(page)
    assert seen["window"] == WIDTH
    assert seen["headers"] == LISTS[model]
    assert seen["page"] <= WIDTH, f"the page scrolls sideways: {seen}"
    assert seen["table"] <= seen["box"] + 0.5, f"the table is wider than its box: {seen}"
    assert seen["lastRight"] <= min(WIDTH, seen["boxRight"]) + 0.5, f"last column hidden: {seen}"
    admin_axe(page)


def test_a_long_title_is_cut_in_the_list_and_whole_in_its_tooltip(reviewer_page, live_url):
    page = reviewer_page
    page.goto(live_url("/admin/statements/statement/?q=consultation"))
    link = page.locator("#result_list tbody tr").first.get_by_role("link")
    full = f"{LONG_TITLE} (89)"  # the newest first
    shown = link.inner_text()
    assert shown.endswith("…") and len(shown) <= 90
    assert full.startswith(shown[:-1].rstrip())
    expect(link.locator("span")).to_have_attribute("title", full)
    link.click()
    expect(page.locator("#id_title")).to_have_value(full)


def test_the_lists_filters_and_search_still_narrow_them(reviewer_page, live_url):
    page = reviewer_page
    page.goto(live_url("/admin/statements/statement/"))
    page.get_by_role("textbox", name="Search").fill("consultation")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(90)
    page.goto(live_url("/admin/statements/statement/"))
    page.locator("#changelist-filter").get_by_role("link", name="Draft").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Draft answer that must stay hidden")
    expect(rows.first).to_contain_text("LO")
    page.goto(live_url("/admin/statements/resolution/"))
    page.locator("#changelist-filter").get_by_role("link", name="2009").click()
    # The three long ones, and the builders' two of the 2009 Congress.
    expect(page.locator("#result_list tbody tr")).to_have_count(5)
