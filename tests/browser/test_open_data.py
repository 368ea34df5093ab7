"""The open data in real Chromium: the API's documentation page renders its operations under
the site's Content-Security-Policy, passes axe-core and works without JavaScript, and a list
page's "Download CSV" link downloads the list."""

import csv
import io
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_documentation_renders_under_the_policy(browser, page, live_url, demo_archive, axe):
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.goto(live_url("/api/docs/"))
    expect(page.get_by_role("heading", name="GET /api/positions/", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="GET /api/search/", exact=True)).to_be_visible()
    axe(page)
    assert refused == []

    # Without JavaScript: the contents lead to an operation, a long enum's values unfold, and
    # an example link answers with the API's JSON.
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(live_url("/api/docs/"))
    contents = plain.get_by_role("navigation", name="Contents")
    contents.get_by_role("link", name="GET /api/positions/", exact=True).click()
    expect(plain).to_have_url(re.compile(r"/api/docs/#op-positions_retrieve$"))
    languages = plain.locator("#type-LanguageEnum").locator("xpath=..")
    norwegian = languages.get_by_role("row", name="no Norwegian", exact=True)
    expect(norwegian).to_be_hidden()
    languages.get_by_text(re.compile(r"values of LanguageEnum$")).click()
    expect(norwegian).to_be_visible()
    example = (
        plain.locator("#op-positions_retrieve")
        .locator("xpath=..")
        .get_by_role("link", name=re.compile(r"^\/api\/positions\/\?topic="))
    )
    example.click()
    answer = json.loads(plain.locator("body").inner_text())
    assert answer["count"] > 0 and answer["results"]
    context.close()


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
