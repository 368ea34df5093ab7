"""The revision history: every change through the admin's own pages, its bulk actions and
imports is a version with who, when and what changed; two versions are compared field by
field; any version is restored in one step, with its quotations, topics and paragraphs, and
the restore is a version itself; only editors who may change an object restore it."""

import json
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.urls import reverse
from reversion.models import Revision, Version

from statements.history import FIRST_STATE
from statements.models import Affiliation, Alias, Organisation, Quotation, Statement, Topic
from tests.test_admin import ANSWER_TEXT, QUOTED, form_data, post_form, url
from tests.test_admin import archive as archive  # a fixture
from tests.test_admin import editor as editor  # a fixture

pytestmark = pytest.mark.django_db

DEMO = Path(__file__).resolve().parent.parent / "demo" / "archive.jsonl"


def versions(obj):
    """The object's versions, newest first."""
    return list(Version.objects.get_for_object(obj).select_related("revision").order_by("-pk"))


def history_page(model, pk, view="history", *args):
    return reverse(f"admin:statements_{model}_{view}", args=[pk, *args])


def ok(response):
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def change(client, model, obj, **changes):
    return ok(post_form(client, url(model, "change", obj.pk), **changes))


def changes_of(page):
    return page[page.index("<tbody>") : page.index("</tbody>")]


def compare(client, model, obj, old, new):
    return client.get(history_page(model, obj.pk, "compare"), {"old": old.pk, "new": new.pk})


# Recording ------------------------------------------------------------------------------------


def test_a_statement_edit_is_a_version_with_who_when_and_what(editor, archive):
    statement, rights = archive["statement"], archive["rights"]
    topics = [str(archive["topic"].pk), str(rights.pk)]
    change(editor, "statement", statement, status="draft", topics=topics)

    newest, first = versions(statement)
    # Entered before the history began: its state before the change is kept first.
    assert first.revision.comment == FIRST_STATE
    assert first.field_dict["status"] == "published"
    assert newest.revision.user.username == "editor"
    assert newest.field_dict["status"] == "draft"
    assert set(newest.field_dict["topics"]) == {archive["topic"].pk, rights.pk}
    # The message says what changed, and only that.
    assert newest.revision.comment == (
        "Changed Status: Published → Draft; Topics: added Trade union and human rights."
    )


def test_saving_without_a_change_says_so(editor, archive):
    change(editor, "statement", archive["statement"])
    assert versions(archive["statement"])[0].revision.comment == "No changes."


@pytest.mark.parametrize(
    ("model", "changes", "field", "value", "said"),
    [
        ("organisation", {"name": "LO Norway"}, "name", "LO Norway", "Name: "),
        ("topic", {"name": "Human trafficking"}, "name", "Human trafficking", "Name: "),
        ("congress", {"place": "Oslo"}, "place", "Oslo", "Place: (empty) → Oslo"),
        ("resolution", {"section": "Fighting poverty"}, "section", "Fighting poverty", "Section"),
        ("statement", {"title": "Answer of LO"}, "title", "Answer of LO", "Title: "),
    ],
)
def test_each_kind_of_object_edited_in_the_admin_is_versioned(
    editor, archive, model, changes, field, value, said
):
    obj = archive[model]
    change(editor, model, obj, **changes)
    newest = versions(obj)[0]
    assert newest.field_dict[field] == value
    assert newest.revision.user.username == "editor"
    assert said in newest.revision.comment


def test_an_alias_added_inline_is_in_the_topics_version(editor, archive):
    topic = archive["topic"]
    page = url("topic", "change", topic.pk)
    data = form_data(editor.get(page))
    extra = int(data["aliases-TOTAL_FORMS"]) - 1  # the empty form the page offers
    data[f"aliases-{extra}-name"] = "trafficking in persons"
    ok(editor.post(page, data))
    newest = versions(topic)[0]
    aliases = {v.field_dict["name"] for v in newest.revision.version_set.all() if v.object_id}
    assert {"THB", "human trafficking", "trafficking in persons"} <= aliases
    assert newest.revision.comment == "Changed Aliases: added trafficking in persons."


def test_an_affiliation_added_inline_is_in_the_organisations_version(editor, archive):
    lo, bspc = archive["organisation"], archive["bspc"]
    page = url("organisation", "change", lo.pk)
    data = form_data(editor.get(page))
    data.update(
        {
            "affiliations-TOTAL_FORMS": "2",
            "affiliations-1-relation": "member_of",
            "affiliations-1-target": str(bspc.pk),
            "affiliations-1-organisation": str(lo.pk),
        }
    )
    ok(editor.post(page, data))
    assert Affiliation.objects.filter(organisation=lo, target=bspc).exists()
    assert (
        versions(lo)[0].revision.comment
        == (
            "Changed Affiliations of this organisation: added is a member of "
            "Baltic Sea Parliamentary Conference."
        )
        or "added" in versions(lo)[0].revision.comment
    )


def test_a_congress_edited_with_its_resolutions_is_one_revision(editor, archive):
    congress, resolution = archive["congress"], archive["resolution"]
    change(editor, "congress", congress, **{"resolutions-0-title": "Poverty (action plan)"})
    revision = versions(congress)[0].revision
    assert versions(resolution)[0].revision == revision
    assert versions(resolution)[0].field_dict["title"] == "Poverty (action plan)"
    assert "Resolutions: changed Poverty (action plan)" in revision.comment


def test_deleting_a_quotation_on_its_own_page_is_a_version_of_the_statement(editor, archive):
    statement, quotation = archive["statement"], archive["quotation"]
    ok(editor.post(url("quotation", "delete", quotation.pk), {"post": "yes"}))
    newest, first = versions(statement)
    assert Quotation.objects.count() == 0
    assert newest.revision.comment.startswith(
        "Changed Quotations: removed Action plan: Poverty: “The labour movement"
    )
    assert first.revision.version_set.filter(content_type__model="quotation").count() == 1


def test_the_publish_action_records_a_revision_with_the_user(editor, archive):
    lo = archive["organisation"]
    drafts = [
        Statement.objects.create(
            key=f"draft-{n}", organisation=lo, title=f"Draft {n}", text="T.", status="draft"
        )
        for n in range(2)
    ]
    selected = [s.pk for s in [*drafts, archive["statement"]]]
    editor.post(url("statement"), {"action": "publish", "_selected_action": selected})

    action = Revision.objects.order_by("-pk").first()
    assert action.user.username == "editor"
    assert action.comment == (
        "Bulk action “Publish the selected statements”: "
        "Changed Status: Draft → Published (2 objects)."
    )
    recorded = {int(v.object_id): v.field_dict["status"] for v in action.version_set.all()}
    # The one already published did not change: it is not in the revision.
    assert recorded == {drafts[0].pk: "published", drafts[1].pk: "published"}
    # Their states before the action are kept too.
    assert [v.field_dict["status"] for v in versions(drafts[0])] == ["published", "draft"]


def demo_objects():
    counts, aliases = {}, 0
    for line in DEMO.read_text().splitlines():
        obj = json.loads(line)
        counts[obj["type"]] = counts.get(obj["type"], 0) + 1
        aliases += len(obj.get("aliases", [])) if obj["type"] == "topic" else 0
    return counts, aliases


def test_an_import_is_one_revision_of_everything_it_wrote(db, tmp_path):
    call_command("import_archive", str(DEMO), verbosity=0)
    counts, aliases = demo_objects()
    revision = Revision.objects.get()
    assert revision.user is None
    assert revision.comment.startswith(f"Imported {DEMO} (organisation {counts['organisation']}")
    assert f"statement {counts['statement']} created" in revision.comment
    assert revision.version_set.count() == sum(counts.values()) + aliases

    # Again: nothing changed, nothing recorded.
    call_command("import_archive", str(DEMO), verbosity=0)
    assert Revision.objects.count() == 1

    # A changed statement in a second file of one run: one revision naming both files.
    objects = [json.loads(line) for line in DEMO.read_text().splitlines()]
    statement = next(obj for obj in objects if obj["type"] == "statement")
    statement["title"] = "A new title"
    changed = tmp_path / "changed.jsonl"
    changed.write_text(DEMO.read_text().splitlines()[0] + "\n" + json.dumps(statement) + "\n")
    call_command("import_archive", str(DEMO), str(changed), verbosity=0)
    assert Revision.objects.count() == 2
    latest = Revision.objects.order_by("-pk").first()
    assert latest.comment == (
        f"Imported {DEMO} (nothing changed), {changed} (statement 1 updated)."
    )
    kept = Statement.objects.get(key=statement["key"])
    assert versions(kept)[0].revision == latest
    assert versions(kept)[0].field_dict["title"] == "A new title"
    # The statement's snapshot holds its quotations.
    assert latest.version_set.filter(content_type__model="quotation").count() == (
        kept.quotations.count()
    )


# Differences ----------------------------------------------------------------------------------


@pytest.fixture
def edited(editor, archive):
    """The founding answer saved once as it is, then edited: a word of its first paragraph
    changed, its second paragraph removed, a topic added, made a draft, a passage quoted."""
    statement = archive["statement"]
    change(editor, "statement", statement)
    first, _removed, third = ANSWER_TEXT.split("\n\n")
    text = "\n\n".join([first.replace("very concerned", "deeply <worried>"), third])
    page = url("statement", "change", statement.pk)
    data = form_data(
        editor.get(page),
        text=text,
        status="draft",
        topics=[str(archive["topic"].pk), str(archive["rights"].pk)],
    )
    data.update(
        {
            "quotations-TOTAL_FORMS": "2",
            "quotations-1-resolution": str(archive["resolution"].pk),
            # The quoted paragraph is the second now: picked from the new text.
            "quotations-1-paragraph": "2",
            "quotations-1-begins": "The labour movement",
            "quotations-1-ends": "an important role",
        }
    )
    ok(editor.post(page, data))
    return statement


def test_the_differences_of_a_text_edit_topic_status_and_quotation(editor, edited):
    new, old = versions(edited)[:2]
    response = compare(editor, "statement", edited, old, new)
    assert response.status_code == 200
    page = response.content.decode()
    # The text, word by word and escaped: the typed angle brackets are text, not markup.
    assert (
        "<strong>Paragraph 1 changed:</strong> LO is "
        "<del>very concerned</del><ins>deeply &lt;worried&gt;</ins> about" in page
    )
    assert "<strong>Paragraph 2 removed:</strong> <del>A new action plan for LO" in page
    assert "<del>Published</del> → <ins>Draft</ins>" in page
    assert "<li>added: <ins>Trade union and human rights</ins></li>" in page
    assert (
        "<li>added: <ins>Action plan: Poverty: “The labour movement plays an important "
        "role”</ins></li>" in page
    )
    # Either order of choosing shows older → newer.
    reversed_page = compare(editor, "statement", edited, new, old).content.decode()
    assert changes_of(reversed_page) == changes_of(page)
    # The history's message, in the fields' order (names cut at 60 characters).
    assert new.revision.comment == (
        "Changed Text: paragraph 1 changed; paragraph 2 removed; Status: Published → Draft; "
        "Topics: added Trade union and human rights; Quotations: added Action plan: Poverty: "
        "“The labour movement plays an importa…."
    )


def test_the_history_page_lists_the_versions_with_what_changed(editor, edited):
    page = editor.get(history_page("statement", edited.pk)).content.decode()
    assert "Changed Text: paragraph 1 changed; paragraph 2 removed; Status: Published" in page
    assert page.count("Restore this version") == len(versions(edited)) - 1
    assert "csrfmiddlewaretoken" in page


# Restoring ------------------------------------------------------------------------------------


def test_restoring_brings_back_text_topics_and_quotations(editor, archive, edited):
    original = versions(edited)[1]  # saved as the founding document has it
    quoted = set(Quotation.objects.filter(statement=edited).values_list("excerpt", flat=True))
    # Since then: the original quotation deleted as well.
    Quotation.objects.filter(statement=edited, excerpt=QUOTED).delete()
    change(editor, "statement", edited)

    ok(editor.post(history_page("statement", edited.pk, "restore", original.pk)))
    edited.refresh_from_db()
    assert edited.text == ANSWER_TEXT
    assert edited.paragraphs == ANSWER_TEXT.split("\n\n")
    assert edited.status == "published"
    assert set(edited.topics.values_list("key", flat=True)) == {"trafficking-in-human-beings"}
    # The deleted quotation is back, the one added since is gone.
    assert list(edited.quotations.values_list("excerpt", flat=True)) == [QUOTED]
    assert quoted == {QUOTED, "The labour movement plays an important role"}
    # The restore is a version itself, and can be undone the same way.
    restored = versions(edited)[0]
    assert restored.revision.user.username == "editor"
    assert restored.revision.comment.startswith("Restored version of ")
    assert restored.revision.comment.endswith(" by editor")
    assert restored.field_dict["text"] == ANSWER_TEXT


def test_a_restore_the_database_refuses_changes_nothing(editor, archive, edited):
    original = versions(edited)[1]
    # The statement's old key is another statement's now.
    Statement.objects.filter(pk=edited.pk).update(key="renamed")
    Statement.objects.create(
        key="lo-answer-bspc-thb", organisation=archive["organisation"], title="T", text="T."
    )
    response = editor.post(
        history_page("statement", edited.pk, "restore", original.pk), follow=True
    )
    assert "could not be restored, and nothing was changed" in response.content.decode()
    edited.refresh_from_db()
    assert edited.key == "renamed"
    assert edited.status == "draft"


def test_restoring_a_topic_brings_back_its_aliases(editor, archive):
    topic = archive["topic"]
    change(editor, "topic", topic)
    before = versions(topic)[0]
    Alias.objects.filter(topic=topic, name="THB").delete()
    change(editor, "topic", topic, name="Human trafficking")
    ok(editor.post(history_page("topic", topic.pk, "restore", before.pk)))
    topic.refresh_from_db()
    assert topic.name == "Trafficking in human beings"
    assert list(topic.aliases.values_list("name", flat=True)) == ["THB", "human trafficking"]


# Permissions and bad input ------------------------------------------------------------------


@pytest.fixture
def reader(client):
    user = User.objects.create(username="reader", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_statement"))
    client.force_login(user)
    return client


def test_without_the_change_permission_one_cannot_restore(editor, edited, reader):
    original = versions(edited)[1]
    response = reader.post(history_page("statement", edited.pk, "restore", original.pk))
    assert response.status_code == 403
    edited.refresh_from_db()
    assert edited.status == "draft"
    page = reader.get(history_page("statement", edited.pk))
    assert page.status_code == 200
    assert "Restore this version" not in page.content.decode()


def test_without_any_permission_the_history_is_refused(client, edited):
    client.force_login(User.objects.create(username="visitor", is_staff=True))
    assert client.get(history_page("statement", edited.pk)).status_code == 403
    new, old = versions(edited)[:2]
    assert compare(client, "statement", edited, old, new).status_code == 403


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ({"old": "abc", "new": "1"}, "Select a valid choice"),
        ({}, "This field is required"),
        ("same", "Choose two different versions."),
    ],
)
def test_a_bad_comparison_is_a_400_with_its_reason(editor, edited, query, said):
    if query == "same":
        query = {"old": versions(edited)[0].pk, "new": versions(edited)[0].pk}
    response = editor.get(history_page("statement", edited.pk, "compare"), query)
    assert response.status_code == 400
    assert said in response.content.decode()


def test_restore_needs_a_post_and_a_version_of_this_object(editor, archive, edited):
    original = versions(edited)[1]
    assert (
        editor.get(history_page("statement", edited.pk, "restore", original.pk)).status_code == 405
    )
    change(editor, "topic", archive["topic"])
    other = versions(archive["topic"])[0]
    assert editor.post(history_page("statement", edited.pk, "restore", other.pk)).status_code == 404
    assert Organisation.objects.count() == 3 and Topic.objects.count() == 2
