"""The key journey through the demo archive in real Chromium, with axe-core on every page
type: home → the topic "trafficking in human beings" → narrowed to LO → the LO answer → the
quoted 2009 Congress resolution → back to the statements that quote it."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANSWER = "Answer from the Norwegian LO (Trade Union Congress)"


def test_trafficking_journey(page, live_url, demo_archive, axe, screenshot):
    page.goto(live_url("/"))
    expect(page).to_have_title("Policy archive")
    axe(page)

    page.get_by_role("link", name="Trafficking in human beings", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/topics/trafficking-in-human-beings/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Trafficking in human beings")
    expect(page.locator(".alias", has_text="THB")).to_be_visible()
    # Every position on it: the answer and both resolutions of the 2009 Congress.
    expect(page.locator(".result")).to_have_count(3)
    expect(page.locator("#results-heading")).to_contain_text("3 positions")
    # The answer's passages on the topic are highlighted.
    expect(page.locator(".result mark", has_text="THB").first).to_be_visible()
    axe(page)
    screenshot(page, "topic-page")

    organisation_facet = page.locator(
        "section.facet", has=page.get_by_role("heading", name="Organisation")
    )
    organisation_facet.get_by_role("link", name=re.compile(r"^LO")).click()
    expect(page).to_have_url(
        re.compile(r"/positions/\?topic=trafficking-in-human-beings&organisation=lo$")
    )
    expect(page.locator(".chip", has_text="Organisation: LO")).to_be_visible()
    expect(page.locator(".result")).to_have_count(3)
    expect(page.locator("svg.timeline-chart rect")).to_have_count(1)
    canonical = page.locator('link[rel="canonical"]').get_attribute("href")
    assert canonical.endswith("/organisations/lo/topics/trafficking-in-human-beings/")
    axe(page)
    screenshot(page, "positions-view")

    page.get_by_role("link", name=ANSWER).click()
    expect(page).to_have_url(re.compile(r"/statements/lo-answer-bspc-thb/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(ANSWER)
    expect(page.locator("#p1")).to_contain_text("LO is very concerned about Trafficking")
    expect(page.locator(".byline")).to_contain_text("Undated")
    expect(page.locator("#citation")).to_have_value(re.compile(r"Undated\. Policy archive, http"))
    axe(page)

    page.get_by_role("link", name=re.compile(r"Quoted from “Action plan: Poverty”")).click()
    expect(page).to_have_url(re.compile(r"/resolutions/lo-2009-action-plan-poverty/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Action plan: Poverty")
    expect(page.locator(".byline")).to_contain_text("2009 LO Congress")
    axe(page)

    quoted_in = page.locator("section.quoted-in")
    quoted_in.get_by_role("link", name=ANSWER).click()
    expect(page).to_have_url(re.compile(r"/statements/lo-answer-bspc-thb/$"))


def test_other_page_types_pass_axe(page, live_url, demo_archive, axe):
    # The Content-Security-Policy refuses nothing these pages hold (Chromium says so on the
    # console when it does).
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    for path, heading in [
        ("/topics/", "Topics"),
        ("/organisations/", "Organisations"),
        ("/organisations/lo/", "Norwegian Confederation of Trade Unions (LO)"),
        ("/organisations/ituc/", "International Trade Union Confederation (ITUC)"),
        (
            "/organisations/lo/topics/trafficking-in-human-beings/",
            "LO on Trafficking in human beings",
        ),
        ("/congresses/lo-congress-2009/", "2009 LO Congress"),
        ("/positions/", "Positions"),
        ("/positions/?topic=trafficking-in-human-beings", "Positions"),
        ("/positions/facets/organisation/", "Organisation: every value"),
        ("/search/facets/topic/?q=trafficking", "Topic: every value"),
        ("/topics/no-such-topic/", "Not found"),
        ("/positions/?year_from=abc", "Some of the filters are not valid"),
    ]:
        page.goto(live_url(path))
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        axe(page)
    assert refused == []


def test_ituc_lists_lo_among_its_members(page, live_url, demo_archive):
    page.goto(live_url("/organisations/ituc/"))
    members = page.locator("h3", has_text="Members").locator("xpath=following-sibling::ul[1]")
    expect(members.get_by_role("link", name=re.compile("LO"))).to_be_visible()


def test_works_without_javascript(browser, live_url, demo_archive):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_url("/positions/?topic=trafficking-in-human-beings"))
    page.get_by_label("From").fill("2009")
    page.get_by_label("to", exact=True).fill("2009")
    page.get_by_role("button", name="Apply").click()
    # The form's empty fields are dropped and the rest put in canonical order.
    expect(page).to_have_url(
        re.compile(r"/positions/\?topic=trafficking-in-human-beings&year_from=2009&year_to=2009$")
    )
    expect(page.locator(".result")).to_have_count(2)  # the undated answer matches no year

    page.goto(live_url("/organisations/"))
    page.get_by_label("Country").select_option("NO")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"/organisations/\?country=NO$"))
    expect(page.locator("tbody tr")).to_have_count(2)  # LO and KOM
    context.close()
