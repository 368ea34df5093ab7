"""Document intake ("Statement from a document" in the admin): the founding document, written
as .txt, .md, .docx and .pdf by the tests themselves, comes through each format as the
statement demo/archive.jsonl holds (paragraphs, author, addressee, the two quotations of the
2009 resolutions, topics and mentions as suggestions); every bad file gets a clear form error
and creates nothing; only editors who may add statements can use it, with CSRF."""

import io

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from fpdf import FPDF

from statements.intake import take_in
from statements.models import Organisation, Quotation, Resolution, Statement
from tests.founding_document import (
    DEMO,
    SOURCE,
    as_docx,
    as_pdf,
    demo_quotations,
    demo_statement,
    founding_document,
    source_blocks,
)
from tests.test_admin import form_data

pytestmark = pytest.mark.django_db

INTAKE = "admin:statements_statement_intake"


# Fixtures and steps ---------------------------------------------------------------------------


@pytest.fixture
def demo(db):
    call_command("import_archive", str(DEMO), stdout=io.StringIO(), stderr=io.StringIO())


def staff(client, username, codenames):
    user = User.objects.create(username=username, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="statements", codename__in=codenames)
        if codenames is not None
        else Permission.objects.filter(content_type__app_label="statements")
    )
    client.force_login(user)
    return client


@pytest.fixture
def editor(client):
    return staff(client, "editor", None)


def upload(client, name, data):
    return client.post(reverse(INTAKE), {"document": SimpleUploadedFile(name, data)})


def create_draft(client, review, **changes):
    assert review.status_code == 200
    return client.post(reverse(INTAKE), form_data(review, create="1", **changes))


def errors_on(response):
    """The form errors shown on the page, as text."""
    assert response.status_code == 200, response.status_code
    errors = []
    for name in ["form", "passages"]:
        form = response.context.get(name)
        if form is None:
            continue
        if hasattr(form, "forms"):
            errors += [str(e) for f in form.forms for es in f.errors.values() for e in es]
        else:
            errors += [str(e) for es in form.errors.values() for e in es]
    return errors


def counts():
    return Statement.objects.count(), Quotation.objects.count()


# The founding document through each format ----------------------------------------------------


@pytest.mark.parametrize("extension", ["txt", "md", "docx", "pdf"])
def test_the_founding_document_through_each_format(editor, demo, extension):
    expected = demo_statement()
    before = counts()
    review = upload(editor, f"lo-answer.{extension}", founding_document(extension))
    assert errors_on(review) == []
    assert counts() == before, "the review creates nothing"

    response = create_draft(editor, review)
    assert response.status_code == 302
    draft = Statement.objects.exclude(key=expected["key"]).get()
    assert response.url == reverse("admin:statements_statement_change", args=[draft.pk])
    assert draft.status == "draft"
    assert draft.title == expected["title"]
    assert draft.kind == expected["kind"] == "answer"
    assert draft.paragraphs == expected["text"].split("\n\n")
    assert draft.organisation.key == expected["organisation"]
    assert draft.addressed_to.key == expected["addressed_to"]
    quoted = {(q.resolution.key, q.excerpt) for q in draft.quotations.select_related("resolution")}
    assert quoted == demo_quotations()
    assert {k for k, _ in quoted} == {
        "lo-2009-action-plan-poverty",
        "lo-2009-statement-international-solidarity",
    }
    # Suggestions, ticked by default: here every topic and mention the editors chose.
    assert sorted(draft.topics.values_list("key", flat=True)) == expected["topics"]
    assert sorted(draft.mentions.values_list("key", flat=True)) == expected["mentions"]


def test_the_review_shows_each_guess_and_why(editor, demo):
    review = upload(editor, "lo-answer.txt", SOURCE.read_bytes())
    page = review.content.decode()
    data = form_data(review)
    lo, wg = (
        Organisation.objects.get(key="lo"),
        Organisation.objects.get(key="bspc-wg-civil-security"),
    )
    assert data["organisation"] == str(lo.pk)
    assert data["addressed_to"] == str(wg.pk)
    assert "named in the title" in page
    assert "the line “BSPC Working Group on Civil Security” at the head of the document" in page
    poverty = Resolution.objects.get(key="lo-2009-action-plan-poverty")
    assert data["passages-0-resolution"] == str(poverty.pk)
    assert data["passages-0-quote"] == "on"
    assert "its text holds the passage word for word" in page
    assert "found 12 times as Trafficking in Human Beings, THB" in page
    # Without JavaScript, the author's list offers every organisation the document names.
    assert page.count(f'<option value="{wg.pk}"') == 2  # in the author's and addressee's lists


def test_the_editor_changes_the_guesses(editor, demo):
    """An unticked quotation, topic and mention are left out; another author is taken."""
    review = upload(editor, "lo-answer.md", SOURCE.read_bytes())
    data = form_data(review)
    ituc = Organisation.objects.get(key="ituc")
    kept_topics = data["topics"][:2]
    response = create_draft(
        editor,
        review,
        organisation=str(ituc.pk),
        **{"passages-1-quote": []},
        topics=kept_topics,
        mentions=[],
        key="ituc-draft",
    )
    assert response.status_code == 302
    draft = Statement.objects.get(key="ituc-draft")
    assert draft.organisation == ituc
    assert [q.resolution.key for q in draft.quotations.all()] == ["lo-2009-action-plan-poverty"]
    assert sorted(map(str, draft.topics.values_list("pk", flat=True))) == sorted(kept_topics)
    assert not draft.mentions.exists()


# Review errors ------------------------------------------------------------------------------


def test_an_edited_text_that_loses_a_quoted_passage_is_refused(editor, demo):
    review = upload(editor, "lo-answer.txt", SOURCE.read_bytes())
    text = form_data(review)["text"].replace("sky-high wages", "high wages")
    before = counts()
    response = create_draft(editor, review, text=text)
    assert any("does not occur word for word" in e for e in errors_on(response))
    assert counts() == before


def test_a_ticked_passage_needs_a_resolution_and_a_key_must_be_free(editor, demo):
    review = upload(editor, "lo-answer.txt", SOURCE.read_bytes())
    before = counts()
    response = create_draft(
        editor, review, **{"passages-0-resolution": ""}, key="lo-answer-bspc-thb"
    )
    errors = errors_on(response)
    assert "Choose the resolution it quotes, or untick it." in errors
    assert any("already exists" in e for e in errors)
    assert counts() == before


def test_a_ticked_passage_is_checked_against_its_resolutions_text(editor, demo):
    """Each of the two passages is given the other's resolution: neither text holds it."""
    review = upload(editor, "lo-answer.txt", SOURCE.read_bytes())
    data = form_data(review)
    first, second = data["passages-0-resolution"], data["passages-1-resolution"]
    assert first and second and first != second
    before = counts()
    response = create_draft(
        editor, review, **{"passages-0-resolution": second, "passages-1-resolution": first}
    )
    errors = errors_on(response)
    for pk in (first, second):
        name = str(Resolution.objects.get(pk=pk))
        assert any(f"not in the text of the resolution “{name}”" in e for e in errors)
    assert counts() == before


# Bad files ----------------------------------------------------------------------------------

TITLE, PARAGRAPHS = "A title", ["One paragraph of text."]


def scanned_pdf():
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")  # a page of image, no text layer
    return bytes(pdf.output())


BAD_FILES = {
    "empty": ("answer.txt", b"", "The file is empty (0 bytes)"),
    "a .doc": ("answer.doc", b"Some text", "is not a document intake reads"),
    "an image": ("scan.png", b"\x89PNG\r\n", "upload a .txt, .md, .docx or .pdf file"),
    "a PDF named .txt": ("answer.txt", as_pdf(TITLE, PARAGRAPHS), "content is a PDF"),
    "a PDF named .docx": ("answer.docx", as_pdf(TITLE, PARAGRAPHS), "content is a PDF"),
    "a .docx named .pdf": ("answer.pdf", as_docx(TITLE, PARAGRAPHS), "not a PDF"),
    "text named .docx": ("answer.docx", b"Plain words", "not a Word document"),
    "text named .pdf": ("answer.pdf", b"Plain words", "not a PDF"),
    "a zip named .docx": ("answer.docx", b"PK\x03\x04broken", "not a readable Word document"),
    "Latin-1 text": ("answer.txt", "Norsk særpreg".encode("latin-1"), "not plain text in UTF-8"),
    "binary .md": ("answer.md", b"abc\x00def", "binary data"),
    "blank text": ("answer.md", b"  \n\n \n", "holds no text"),
    "a damaged PDF": ("answer.pdf", b"%PDF-1.4\nnot really", "cannot be read"),
    "an encrypted PDF": (
        "answer.pdf",
        as_pdf(TITLE, PARAGRAPHS, password="secret"),
        "protected by a password",
    ),
    "a scanned PDF": ("scan.pdf", scanned_pdf(), "no text layer"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_gets_a_clear_error_and_creates_nothing(editor, demo, case):
    name, data, message = BAD_FILES[case]
    before = counts()
    response = upload(editor, name, data)
    errors = errors_on(response)
    assert len(errors) == 1 and message in errors[0], errors
    assert 'id="statement_intake_form"' not in response.content.decode()
    assert counts() == before


def test_a_file_over_the_size_limit_is_refused_by_its_size(editor, demo, settings):
    settings.INTAKE_MAX_UPLOAD_MB = 1
    data = b"A paragraph of text.\n\n" * 50_000  # 1.1 MB
    before = counts()
    errors = errors_on(upload(editor, "long.txt", data))
    assert errors == ["The file is 1.0 MB: a document may be at most 1 MB."]
    assert counts() == before


def test_the_limit_is_fifty_megabytes_by_default(settings):
    assert settings.INTAKE_MAX_UPLOAD_MB == 50


def test_no_file_is_a_form_error(editor, demo):
    response = editor.post(reverse(INTAKE), {})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="statement_intake_upload_form"' in page


# Permissions and CSRF -----------------------------------------------------------------------


def test_the_changelist_links_to_intake_for_those_who_may_add(client, demo):
    link = reverse(INTAKE)
    editor = staff(client, "editor", None)
    assert link in editor.get(reverse("admin:statements_statement_changelist")).content.decode()
    reader = staff(Client(), "reader", ["view_statement"])
    page = reader.get(reverse("admin:statements_statement_changelist"))
    assert page.status_code == 200 and link not in page.content.decode()


def test_without_the_add_permission_intake_is_forbidden(client, demo):
    reviewer = staff(client, "reviewer", ["view_statement", "change_statement"])
    before = counts()
    assert reviewer.get(reverse(INTAKE)).status_code == 403
    assert upload(reviewer, "lo-answer.txt", SOURCE.read_bytes()).status_code == 403
    data = {"create": "1", "title": "T", "key": "t", "text": "x", "language": "en"}
    assert reviewer.post(reverse(INTAKE), data).status_code == 403
    assert counts() == before


def test_anonymous_visitors_are_sent_to_the_login(client, demo):
    response = client.get(reverse(INTAKE))
    assert response.status_code == 302 and reverse("admin:login") in response.url


def test_a_post_without_the_csrf_token_is_refused(demo):
    client = staff(Client(enforce_csrf_checks=True), "editor", None)
    before = counts()
    assert upload(client, "lo-answer.txt", SOURCE.read_bytes()).status_code == 403
    assert counts() == before


def test_what_the_document_says_is_escaped(editor, demo):
    data = b"# <script>alert(1)</script>\n\nLO says <b>this</b> about THB.\n"
    page = upload(editor, "answer.md", data).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# What intake reads in each format ------------------------------------------------------------


def test_block_quotes_and_curly_quotes_are_passages(demo):
    passage = (
        "The labour movement plays an important role in efforts to reduce poverty in the world."
    )
    markdown = f"# Position\n\nLO writes:\n\n> {passage}\n\nLO adds “{passage}”\n".encode()
    found = [p.excerpt for p in take_in("p.md", markdown).passages]
    assert found == [passage, passage]
    word = as_docx("Position", ["LO writes:", passage, f"And «{passage}»"], quote_style={1})
    drafted = take_in("p.docx", word)
    assert [p.excerpt for p in drafted.passages] == [passage, passage]
    assert all(
        [g.value.key for g in p.resolutions] == ["lo-2009-action-plan-poverty"]
        for p in drafted.passages
    )


def test_a_short_quoted_word_is_no_quotation(demo):
    drafted = take_in("a.txt", b'Title\n\nThe chapter "Poverty" says little.\n')
    assert drafted.passages == []


def test_a_passage_that_agrees_with_no_resolution_is_offered_unticked(editor, demo):
    text = "Title\n\n“We have never written anything of the kind in any of our resolutions.”\n"
    review = upload(editor, "a.txt", text.encode())
    data = form_data(review)
    assert data["passages-0-excerpt"].startswith("We have never written")
    assert "passages-0-quote" not in data
    assert "No resolution in the archive agrees with this passage." in review.content.decode()


def test_a_paragraph_cut_by_a_page_break_is_one_paragraph(demo):
    title, paragraphs = source_blocks()
    # At this size the page breaks inside paragraphs.
    drafted = take_in("big.pdf", as_pdf(title, paragraphs, size=15))
    assert drafted.paragraphs == demo_statement()["text"].split("\n\n")


def test_acronyms_are_found_as_written_and_as_whole_words(demo):
    drafted = take_in("a.txt", b"A note\n\nThe ILO and the UN spoke; lo and behold, LOW pay.\n")
    assert [o.key for o in drafted.named] == ["ilo", "united-nations"]
    assert drafted.author.value.key == "ilo"
    assert "named most often in the text" in drafted.author.reason
