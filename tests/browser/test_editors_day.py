"""An editor's day in the admin, in real Chromium, as members of the Editors and Reviewers groups
(neither a superuser): an editor takes in the founding document's .docx answer, accepts intake's
suggestions, fixes a typo and saves the draft, and cannot publish it; a reviewer previews the
fix and publishes; later an editor deletes a sentence by mistake, finds it in the history's
comparison of two versions and restores the earlier version. Readers' page follows each step.
axe-core checks every admin page on the way."""

import re

import pytest
from playwright.sync_api import expect

from statements.models import Statement
from tests.browser.seed import load_demo
from tests.founding_document import founding_document, source_blocks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DEMO_KEY = "lo-answer-bspc-thb"
TITLE = "Answer from the Norwegian LO (Trade Union Congress)"
TYPO, FIXED = "in the greyzone between", "in the grey zone between"
SENTENCE = "In addition to this, THB may be raised as a theme in conferences with our partners."


@pytest.fixture
def archive_without_the_answer(transactional_db):
    """The demo archive without its statement: the organisations and 2009 resolutions that the
    answer names and quotes are there, the answer itself arrives as a document."""
    load_demo()
    Statement.objects.filter(key=DEMO_KEY).delete()


def public_page(browser, live_url, key):
    """The statement's page as a reader sees it (no session)."""
    context = browser.new_context()
    reader = context.new_page()
    response = reader.goto(live_url(f"/statements/{key}/"))
    text = reader.locator("main").inner_text() if response.ok else ""
    context.close()
    return response.status, text


def change_page(page, live_url, key):
    statement = Statement.objects.get(key=key)
    page.goto(live_url(f"/admin/statements/statement/{statement.pk}/change/"))
    expect(page.get_by_role("heading", level=2, name=TITLE)).to_be_visible()


def save_and_continue(page):
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")


def test_an_editors_day(
    page, browser, live_url, archive_without_the_answer, log_in_as, axe, admin_axe
):
    # The source's paragraphs, read from demo/sources/ (the .docx is written from them).
    _title, paragraphs = source_blocks()
    assert any(TYPO in p for p in paragraphs) and any(SENTENCE in p for p in paragraphs)

    # An editor takes the .docx answer in.
    log_in_as(page, "Editors", "editor")
    admin_axe(page)
    page.get_by_role("link", name="Statements").first.click()
    admin_axe(page)
    page.get_by_role("link", name="Statement from a document").click()
    admin_axe(page)
    page.get_by_label("Document").set_input_files(
        files=[{"name": "lo-answer.docx", "mimeType": DOCX, "buffer": founding_document("docx")}]
    )
    page.get_by_role("button", name="Read the document").click()

    # The review: every guess filled in; the editor accepts them all.
    expect(page.get_by_label("Title")).to_have_value(TITLE)
    key = page.get_by_label("Key").input_value()
    assert key
    assert public_page(browser, live_url, key)[0] == 404
    expect(page.locator(".field-organisation")).to_contain_text("Guessed: Norwegian Confederation")
    expect(page.locator(".field-addressed_to")).to_contain_text("BSPC Working Group")
    expect(page.get_by_label("Quotation of a resolution")).to_have_count(2)
    for box in page.get_by_label("Quotation of a resolution").all():
        expect(box).to_be_checked()
    expect(
        page.get_by_role("checkbox", name=re.compile(r"^Trafficking in human beings \(found"))
    ).to_be_checked()
    admin_axe(page)
    page.get_by_role("button", name="Create draft").click()
    expect(page.locator(".messagelist")).to_contain_text("was created from the document")
    draft = Statement.objects.get(key=key)
    assert draft.status == "draft"
    assert draft.quotations.count() == 2

    # It fixes a typo in a paragraph and saves the draft.
    text = page.locator("#id_text")
    assert TYPO in text.input_value()
    text.fill(text.input_value().replace(TYPO, FIXED))
    admin_axe(page)
    save_and_continue(page)
    expect(page.locator("#id_text")).to_have_value(re.compile(re.escape(FIXED)))

    # An editor cannot publish: the status is shown, not a choice, and no action publishes.
    expect(page.locator("#id_status")).to_have_count(0)
    expect(page.locator(".field-status .readonly")).to_have_text("Draft")
    page.goto(live_url("/admin/statements/statement/"))
    expect(page.locator("#result_list")).to_contain_text(TITLE)
    expect(page.locator("select[name=action] option", has_text="Publish")).to_have_count(0)
    assert public_page(browser, live_url, key)[0] == 404

    # A reviewer previews the draft, sees the fix, and publishes it.
    log_in_as(page, "Reviewers", "reviewer")
    change_page(page, live_url, key)
    admin_axe(page)
    preview = page.get_by_role("link", name="View on site").get_attribute("href")
    assert preview == f"/statements/{key}/preview/"
    page.goto(live_url(preview))
    expect(page.locator(".preview-banner")).to_contain_text("Preview — not published.")
    axe(page)
    expect(page.locator("main")).to_contain_text(FIXED)
    expect(page.locator("main")).not_to_contain_text(TYPO)
    page.get_by_role("link", name="Back to the statement in the admin").click()
    page.get_by_label("Status").select_option("Published")
    save_and_continue(page)
    status, shown = public_page(browser, live_url, key)
    assert status == 200
    assert FIXED in shown and SENTENCE in shown

    # Later, an editor deletes a sentence by mistake and saves.
    log_in_as(page, "Editors", "editor")
    change_page(page, live_url, key)
    text = page.locator("#id_text")
    assert f" {SENTENCE}" in text.input_value()
    text.fill(text.input_value().replace(f" {SENTENCE}", ""))
    save_and_continue(page)
    status, shown = public_page(browser, live_url, key)
    assert status == 200, "an editor's change leaves the statement published"
    assert SENTENCE not in shown and FIXED in shown

    # The history: the newest two versions are chosen; their difference is the sentence.
    page.get_by_role("link", name="History").click()
    admin_axe(page)
    rows = page.locator("#change-history tbody tr")
    expect(rows.first.locator("td").nth(2)).to_have_text("editor")
    expect(rows.nth(1).locator("td").nth(2)).to_have_text("reviewer")
    page.get_by_role("button", name="Compare the chosen versions").click()
    changes = page.locator(".history-compare table")
    expect(changes.locator("del")).to_contain_text(SENTENCE)
    expect(changes.locator("ins")).to_have_count(0)
    admin_axe(page)

    # It restores the older version: the sentence is back, on readers' page too.
    page.get_by_role("button", name=re.compile("^Restore the older version")).click()
    expect(page.locator(".messagelist .success")).to_contain_text("Restored the version of")
    admin_axe(page)
    restored = Statement.objects.get(key=key)
    assert SENTENCE in restored.text and FIXED in restored.text
    assert restored.status == "published"
    status, shown = public_page(browser, live_url, key)
    assert status == 200
    assert SENTENCE in shown and FIXED in shown
