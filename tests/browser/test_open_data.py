"""The open data in real Chromium: the API's documentation page renders its operations under
the site's Content-Security-Policy, and a list page's "Download CSV" link downloads the list."""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_documentation_renders_under_the_policy(page, live_url, demo_archive):
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.goto(live_url("/api/docs/"))
    expect(page.get_by_text("/api/positions/", exact=True)).to_be_visible()
    expect(page.get_by_text("/api/search/", exact=True)).to_be_visible()
    assert refused == []


def test_a_list_downloads_as_csv_from_its_page(page, live_url, demo_archive, axe):
    page.goto(live_url("/topics/trafficking-in-human-beings/"))
    axe(page)
    titles = page.locator("h3.result-title").all_inner_texts()
    with page.expect_download() as download:
        page.get_by_role("navigation", name="Take this list away").get_by_role(
            "link", name="Download CSV"
        ).click()
    body = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert download.value.suggested_filename == "positions.csv"
    assert [r["title"] for r in rows] == [t.strip() for t in titles]
