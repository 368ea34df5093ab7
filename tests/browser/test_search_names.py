"""The name filters of a search in real Chromium: "LO trafficking" offers "By LO" and "To LO",
chips that narrow the search as plain links (no script needed), axe-core clean."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_name_chips_narrow_the_search(page, live_url, demo_archive, axe):
    page.goto(live_url("/search/?q=LO+trafficking"))
    chips = page.get_by_role("navigation", name="Filters your search names")
    expect(chips.get_by_role("link", name="By LO", exact=True)).to_be_visible()
    expect(chips.get_by_role("link", name="To LO", exact=True)).to_be_visible()
    axe(page)
    chips.get_by_role("link", name="By LO", exact=True).click()
    expect(page).to_have_url(re.compile(r"/search/\?q=trafficking&organisation=lo$"))
    expect(page.locator("#search-q")).to_have_value("trafficking")
    expect(page.locator(".chip", has_text="Organisation: LO")).to_be_visible()
    axe(page)


def test_name_chips_work_without_javascript(browser, live_url, demo_archive):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_url("/search/?q=LO+trafficking"))
    page.get_by_role("link", name="To LO", exact=True).click()
    expect(page).to_have_url(re.compile(r"/search/\?q=trafficking&addressed_to=lo$"))
    expect(page.locator(".chip", has_text="Addressed to: LO")).to_be_visible()
    context.close()
