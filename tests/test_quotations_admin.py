# ruff: noqa: F811 (the fixtures imported from tests/test_admin.py are taken as arguments)
"""Quotations that cannot go wrong (issue 10): the passage is picked from the statement's own
text by paragraph and first and last words, never typed again; it is checked against the text
as it stands in the form and against the quoted resolution's text; and an edit of either text
that would lose a quoted passage is refused once, on that text field, naming the quotation.

Expected passages are cut here with plain string operations on the texts the tests write."""

import re

import pytest

from statements.models import Congress, Quotation, Resolution, Statement
from tests.test_admin import (  # noqa: F401 (fixtures)
    ANSWER_TEXT,
    QUOTED,
    archive,
    editor,
    errors_of,
    form_data,
    picked,
    post_form,
    url,
)

pytestmark = pytest.mark.django_db

FIRST_PARAGRAPH = ANSWER_TEXT.split("\n\n")[0]  # LO is very concerned about … (THB).


def field_errors(response, field):
    return [str(m) for m in response.context["adminform"].form.errors.get(field, [])]


def inline_errors(response):
    (inline,) = response.context["inline_admin_formsets"]
    return [dict(errors) for errors in inline.formset.errors], inline.formset.non_form_errors()


@pytest.fixture
def concern(archive):
    """A resolution whose text holds the answer's first paragraph, ready to be quoted."""
    return Resolution.objects.create(
        key="lo-2009-concern",
        congress=archive["congress"],
        title="Statement of concern",
        text=f"Preamble.\n\n{FIRST_PARAGRAPH} And more.",
    )


def add_quotation(editor, statement, resolution, **span):
    return post_form(
        editor,
        url("quotation", "add"),
        statement=str(statement.pk),
        resolution=str(resolution.pk),
        **span,
    )


# Picking a passage -----------------------------------------------------------------------------


def test_a_passage_is_picked_by_paragraph_and_its_first_and_last_words(editor, archive, concern):
    response = add_quotation(
        editor, archive["statement"], concern, paragraph="1", begins="LO is very", ends="(THB)."
    )
    assert response.status_code == 302, errors_of(response)
    quotation = Quotation.objects.get(resolution=concern)
    assert quotation.excerpt == FIRST_PARAGRAPH


def test_the_words_are_found_across_a_line_break_and_the_passage_can_span_paragraphs(
    editor, archive
):
    text = "First line of the answer\nand its second line.\n\nThe second paragraph ends here."
    statement = Statement.objects.create(
        key="two", organisation=archive["organisation"], title="Two", text=text
    )
    resolution = Resolution.objects.create(
        key="whole", congress=archive["congress"], title="Whole", text=f"Before. {text} After."
    )
    response = add_quotation(
        editor,
        statement,
        resolution,
        paragraph="1",
        to_paragraph="2",
        begins="the answer and its",  # typed on one line: the text breaks it after "answer"
        ends="ends here.",
    )
    assert response.status_code == 302, errors_of(response)
    assert Quotation.objects.get(resolution=resolution).excerpt == text[len("First line of ") :]


@pytest.mark.parametrize(
    ("span", "field", "message"),
    [
        ({"paragraph": "4", "begins": "LO", "ends": "(THB)."}, "paragraph", "paragraphs 1 to 3"),
        ({"paragraph": "2", "begins": "LO is very", "ends": "(THB)."}, "begins", "Paragraph 2"),
        ({"paragraph": "1", "begins": "about", "ends": "LO is"}, "ends", "after its beginning"),
        (
            {"paragraph": "2", "to_paragraph": "1", "begins": "A new", "ends": "LO"},
            "to_paragraph",
            "from 2 to 3",
        ),
    ],
)
def test_a_span_the_text_does_not_have_is_refused_beside_the_field_at_fault(
    editor, archive, concern, span, field, message
):
    response = add_quotation(editor, archive["statement"], concern, **span)
    errors = field_errors(response, field)
    assert len(errors) == 1 and message in errors[0], errors_of(response)
    assert not Quotation.objects.filter(resolution=concern).exists()


def test_a_passage_the_resolution_does_not_hold_is_refused_beside_the_resolution(editor, archive):
    """The issue's own case: words of the answer saved as a quotation of Action plan: Poverty,
    whose text holds nothing of the kind."""
    response = add_quotation(
        editor,
        archive["statement"],
        archive["resolution"],
        paragraph="1",
        begins="LO is very",
        ends="(THB).",
    )
    (error,) = field_errors(response, "resolution")
    assert "not in the text of “Action plan: Poverty”" in error
    assert Quotation.objects.count() == 1


def test_a_resolution_without_text_cannot_be_quoted(editor, archive):
    empty = Resolution.objects.create(key="empty", congress=archive["congress"], title="Empty")
    response = add_quotation(
        editor, archive["statement"], empty, paragraph="1", begins="LO is", ends="(THB)."
    )
    (error,) = field_errors(response, "resolution")
    assert "has no text in the archive" in error
    assert not empty.quotations.exists()


def test_a_passage_quoted_twice_is_a_form_error(editor, archive):
    statement, resolution = archive["statement"], archive["resolution"]
    words = QUOTED.split()
    span = {"paragraph": "3", "begins": " ".join(words[:4]), "ends": words[-1]}
    response = add_quotation(editor, statement, resolution, **span)
    assert "This statement already quotes this passage of this resolution." in errors_of(response)
    # Inline: the same passage in a second row of the statement's page.
    response = post_form(
        editor,
        url("statement", "change", statement.pk),
        **{
            "quotations-TOTAL_FORMS": "2",
            "quotations-1-resolution": str(resolution.pk),
            **{f"quotations-1-{name}": value for name, value in span.items()},
        },
    )
    assert "This statement already quotes this passage of this resolution." in errors_of(response)
    assert Quotation.objects.count() == 1


# A quotation on its statement's page --------------------------------------------------------


def test_a_saved_quotation_shows_its_span_and_its_passage(editor, archive):
    response = editor.get(url("statement", "change", archive["statement"].pk))
    data = form_data(response)
    words = QUOTED.split()
    assert data["quotations-0-paragraph"] == "3"
    assert data["quotations-0-to_paragraph"] == ""
    assert data["quotations-0-begins"] == " ".join(words[:6])
    assert data["quotations-0-ends"] == " ".join(words[-6:])
    # The passage itself, read-only, and nowhere a box to type it in.
    html = response.content.decode()
    assert re.search(r'<div class="readonly">\s*' + re.escape(QUOTED), html)
    assert "quotations-0-excerpt" not in html


def test_editing_topics_keeps_the_quotations_as_they_are(editor, archive):
    statement, before = archive["statement"], archive["quotation"]
    response = post_form(editor, url("statement", "change", statement.pk), topics=[])
    assert response.status_code == 302, errors_of(response)
    (after,) = statement.quotations.all()
    assert (after.pk, after.resolution_id, after.excerpt) == (
        before.pk,
        before.resolution_id,
        QUOTED,
    )


def test_a_quotation_moved_to_another_resolution_is_checked_against_it(editor, archive, concern):
    page = url("statement", "change", archive["statement"].pk)
    response = post_form(editor, page, **{"quotations-0-resolution": str(concern.pk)})
    (forms, _) = inline_errors(response)
    assert "not in the text of “Statement of concern”" in forms[0]["resolution"][0]
    assert Quotation.objects.get().resolution == archive["resolution"]


def test_on_a_new_statement_the_passage_is_cut_from_the_text_typed_in_the_same_form(
    editor, archive
):
    data = {
        "organisation": str(archive["organisation"].pk),
        "title": "New",
        "key": "new",
        "kind": "other",
        "text": "Only this.\r\n\r\n" + QUOTED,
        "quotations-TOTAL_FORMS": "1",
        "quotations-0-resolution": str(archive["resolution"].pk),
        "quotations-0-paragraph": "1",
        "quotations-0-begins": "Not",
        "quotations-0-ends": "this.",
    }
    response = post_form(editor, url("statement", "add"), **data)
    (forms, _) = inline_errors(response)
    assert "Paragraph 1 has no words “Not”" in forms[0]["begins"][0]
    assert not Statement.objects.filter(key="new").exists()

    data |= picked("quotations-0", f"Only this.\n\n{QUOTED}", QUOTED)
    response = post_form(editor, url("statement", "add"), **data)
    assert response.status_code == 302, errors_of(response)
    assert Statement.objects.get(key="new").quotations.get().excerpt == QUOTED


def test_the_text_and_its_quotation_change_together(editor, archive):
    """The quoted passage grows a paragraph, typed with Windows line endings and extra blank
    lines, and the quotation is re-picked to take it in, in the same save."""
    resolution = archive["resolution"]
    resolution.text = f"{QUOTED}\n\nIt must act."
    resolution.save()
    statement = archive["statement"]
    new_text = ANSWER_TEXT.replace(f"{QUOTED}'", f"{QUOTED}\r\n\r\n\r\nIt must act.'")
    response = post_form(
        editor,
        url("statement", "change", statement.pk),
        text=new_text,
        **{"quotations-0-to_paragraph": "4", "quotations-0-ends": "It must act."},
    )
    assert response.status_code == 302, errors_of(response)
    assert Quotation.objects.get().excerpt == f"{QUOTED}\n\nIt must act."


# An edit that would lose a quoted passage ------------------------------------------------------


def test_a_statement_edit_that_loses_a_quoted_passage_is_one_error_on_the_text(editor, archive):
    statement = archive["statement"]
    response = post_form(
        editor, url("statement", "change", statement.pk), text="LO is very concerned about THB."
    )
    (error,) = field_errors(response, "text")
    assert str(archive["quotation"]) in error and "The labour movement plays" in error
    # Said once: not again on the quotation, which has nothing wrong of its own.
    forms, non_form = inline_errors(response)
    assert forms == [{}] and not non_form
    html = response.content.decode()
    assert html.count("This edit removes the passage") == 1
    # At the top: under "Please correct the error below", on the text's row, above the
    # quotations; the text field is the one marked.
    assert "Please correct the error below." in html
    text_row = re.search(r'field-text">\s*<div class="flex-container errors">', html)
    assert text_row and text_row.start() < html.index('id="quotations-group"')
    invalid = re.findall(r'<(?:textarea|input|select)[^>]*aria-invalid="true"[^>]*>', html)
    assert len(invalid) == 1 and 'id="id_text"' in invalid[0]
    assert html.index("This edit removes the passage") < html.index('id="quotations-group"')
    statement.refresh_from_db()
    assert statement.text == ANSWER_TEXT and Quotation.objects.count() == 1


def test_the_same_edit_with_the_quotation_deleted_is_saved(editor, archive):
    statement = archive["statement"]
    response = post_form(
        editor,
        url("statement", "change", statement.pk),
        text="LO is very concerned about THB.",
        **{"quotations-0-DELETE": "on"},
    )
    assert response.status_code == 302, errors_of(response)
    assert not Quotation.objects.exists()


def test_a_resolution_edit_that_loses_a_quoted_passage_is_refused_on_its_text(editor, archive):
    resolution = archive["resolution"]
    page = url("resolution", "change", resolution.pk)
    response = post_form(editor, page, text="The labour movement plays a role.")
    (error,) = field_errors(response, "text")
    assert str(archive["quotation"]) in error and "statement's page" in error
    resolution.refresh_from_db()
    assert resolution.text == QUOTED

    # An edit that keeps the passage is saved.
    response = post_form(editor, page, text=f"{QUOTED}\r\n\r\nA second paragraph.")
    assert response.status_code == 302, errors_of(response)
    resolution.refresh_from_db()
    assert resolution.text == f"{QUOTED}\n\nA second paragraph."


def test_a_resolution_edit_is_not_held_to_a_quotation_its_text_never_held(editor, archive):
    """Imported quotations are checked against their statement only (the interchange
    format's rule): editing such a resolution must not be blocked by them."""
    congress = Congress.objects.get()
    other = Resolution.objects.create(
        key="other", congress=congress, title="Other", text="Unrelated words."
    )
    Quotation.objects.create(statement=archive["statement"], resolution=other, excerpt=QUOTED)
    response = post_form(editor, url("resolution", "change", other.pk), text="New words.")
    assert response.status_code == 302, errors_of(response)
