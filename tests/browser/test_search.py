"""Searching from the home page in real Chromium: "THB" reaches the LO answer, through the
alias that expands it to "trafficking in human beings"; a misspelling is corrected at once."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANSWER = "Answer from the Norwegian LO (Trade Union Congress)"


def test_search_thb_from_the_home_page(page, live_url, demo_archive, axe, screenshot):
    page.goto(live_url("/"))
    box = page.get_by_role("searchbox").first
    box.fill("THB")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=THB$"))
    expect(page.locator("#results-heading")).to_contain_text("3 results")
    answer = page.locator(".result", has=page.get_by_role("link", name=ANSWER))
    expect(answer).to_be_visible()
    # Why it matched: the acronym highlighted in its passage.
    expect(answer.locator("mark", has_text="THB").first).to_be_visible()
    # The topic it stands for is offered too.
    expect(page.locator(".search-entities")).to_contain_text("Trafficking in human beings")
    axe(page)
    screenshot(page, "search-results")

    answer.get_by_role("link", name=ANSWER).click()
    expect(page).to_have_url(re.compile(r"/statements/lo-answer-bspc-thb/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(ANSWER)


def test_misspelling_is_corrected(page, live_url, demo_archive, axe):
    page.goto(live_url("/search/?q=trafficing"))
    expect(page.locator(".correction")).to_contain_text("Showing results for trafficking")
    expect(page.get_by_role("link", name=ANSWER)).to_be_visible()
    page.get_by_role("link", name="trafficing").click()
    expect(page).to_have_url(re.compile(r"exact=1"))
    expect(page.locator(".suggestion")).to_contain_text("Did you mean trafficking?")
    axe(page)
