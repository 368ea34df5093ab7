"""The editors' roles, held to what each may and may not do through the admin's own views:
Editors add and change, and their statements stay drafts; Reviewers also publish, unpublish
and delete; neither manages users or groups."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from statements.models import Affiliation, Quotation, Statement
from tests.browser.builders import build_archive
from tests.test_admin import errors_of, form_data, post_form, url

pytestmark = pytest.mark.django_db

EDITED = [
    "organisation",
    "affiliation",
    "topic",
    "congress",
    "resolution",
    "statement",
    "quotation",
]
# What an editor may delete: rows entered inside another object's form.
EDITOR_DELETES = {"affiliation", "quotation"}


@pytest.fixture
def archive():
    b = build_archive()
    return {
        "organisation": b.organisations["lo"],
        "affiliation": Affiliation.objects.order_by("pk").first(),
        "topic": b.topics["trafficking"],
        "congress": b.congresses["lo-congress-2009"],
        "resolution": b.objects["lo-2009-poverty"],
        "statement": b.objects["lo-draft"],
        "published": b.objects["lo-answer"],
        "quotation": Quotation.objects.order_by("pk").first(),
    }


def member(group, username):
    user = User.objects.create(username=username, is_staff=True)
    user.groups.set([Group.objects.get(name=group)])
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def editor(roles):
    return member("Editors", "editor")


@pytest.fixture
def reviewer(roles):
    return member("Reviewers", "reviewer")


def status_of(statement):
    statement.refresh_from_db()
    return statement.status


# The groups ----------------------------------------------------------------------------------


def test_the_migration_makes_both_groups_and_grants_nothing_of_users_or_groups():
    # Undo 0019 and apply it again: the groups it leaves are what the migration makes.
    executor = MigrationExecutor(connection)
    executor.migrate([("statements", "0018_position_facts_date_in_year")])
    assert not Group.objects.filter(name__in=["Editors", "Reviewers"]).exists()
    executor.loader.build_graph()
    executor.migrate([("statements", "0019_roles_and_drafts")])

    def granted(name):
        return {
            f"{p.content_type.app_label}.{p.codename}"
            for p in Group.objects.get(name=name).permissions.all()
        }

    editors, reviewers = granted("Editors"), granted("Reviewers")
    models = ["organisation", "affiliation", "topic", "alias", "congress", "resolution"]
    models += ["statement", "quotation"]
    assert editors == {
        f"statements.{action}_{model}" for model in models for action in ("view", "add", "change")
    } | {"statements.delete_affiliation", "statements.delete_alias", "statements.delete_quotation"}
    assert reviewers == {
        f"statements.{action}_{model}"
        for model in models
        for action in ("view", "add", "change", "delete")
    } | {"statements.publish_statement"}
    assert not any(p.startswith(("auth.", "axes.")) for p in editors | reviewers)


# What each group may open ----------------------------------------------------------------------


@pytest.mark.parametrize("model", EDITED)
def test_both_groups_open_the_lists_and_the_add_and_change_pages(editor, reviewer, archive, model):
    obj = archive[model]
    for client in (editor, reviewer):
        for page in (url(model), url(model, "add"), url(model, "change", obj.pk)):
            assert client.get(page).status_code == 200, page


@pytest.mark.parametrize("model", EDITED)
def test_only_reviewers_delete_whole_objects(editor, reviewer, archive, model):
    page = url(model, "delete", archive[model].pk)
    assert reviewer.get(page).status_code == 200
    assert editor.get(page).status_code == (200 if model in EDITOR_DELETES else 403)


def test_an_editor_cannot_delete_a_statement_by_posting(editor, archive):
    statement = archive["published"]
    response = editor.post(url("statement", "delete", statement.pk), {"post": "yes"})
    assert response.status_code == 403
    assert Statement.objects.filter(pk=statement.pk).exists()


# Publishing --------------------------------------------------------------------------------


def test_the_status_is_read_only_for_an_editor_and_a_choice_for_a_reviewer(
    editor, reviewer, archive
):
    page = url("statement", "change", archive["statement"].pk)
    assert "status" not in form_data(editor.get(page))
    assert 'name="status"' not in editor.get(page).content.decode()
    assert "Draft" in editor.get(page).content.decode()
    assert form_data(reviewer.get(page))["status"] == "draft"


def test_an_editor_posting_published_does_not_publish(editor, archive):
    draft = archive["statement"]
    page = url("statement", "change", draft.pk)
    response = post_form(editor, page, status="published", title="Draft answer, corrected")
    assert response.status_code == 302, errors_of(response)
    draft.refresh_from_db()
    assert (draft.title, draft.status) == ("Draft answer, corrected", "draft")


def test_an_editor_changing_a_published_statement_leaves_it_published(editor, archive):
    published = archive["published"]
    page = url("statement", "change", published.pk)
    response = post_form(editor, page, status="draft", summary="Corrected summary.")
    assert response.status_code == 302, errors_of(response)
    published.refresh_from_db()
    assert (published.summary, published.status) == ("Corrected summary.", "published")


def test_a_statement_an_editor_adds_is_a_draft_whatever_is_posted(editor, archive):
    response = post_form(
        editor,
        url("statement", "add"),
        organisation=str(archive["organisation"].pk),
        title="A new position",
        key="a-new-position",
        text="First paragraph.",
        status="published",
    )
    assert response.status_code == 302, errors_of(response)
    assert Statement.objects.get(key="a-new-position").status == "draft"


def test_a_reviewer_publishes_from_the_change_page(reviewer, archive):
    draft = archive["statement"]
    response = post_form(reviewer, url("statement", "change", draft.pk), status="published")
    assert response.status_code == 302, errors_of(response)
    assert status_of(draft) == "published"


def action_values(client):
    response = client.get(url("statement"))
    assert response.status_code == 200
    form = response.context["action_form"]
    offered = {value for value, _label in form.fields["action"].choices} if form else set()
    content = response.content.decode()
    # What the page shows agrees with what the form would accept.
    assert ('<option value="publish">' in content) == ("publish" in offered)
    return offered - {""}


def test_the_publish_actions_are_offered_to_reviewers_only(editor, reviewer, archive):
    assert action_values(reviewer) == {"publish", "unpublish", "delete_selected"}
    assert not action_values(editor) & {"publish", "unpublish"}


def test_an_editor_posting_the_actions_changes_nothing(editor, archive):
    draft, published = archive["statement"], archive["published"]
    editor.post(url("statement"), {"action": "publish", "_selected_action": [draft.pk]})
    editor.post(url("statement"), {"action": "unpublish", "_selected_action": [published.pk]})
    assert (status_of(draft), status_of(published)) == ("draft", "published")


def test_a_reviewer_publishes_and_unpublishes_in_bulk(reviewer, archive):
    draft, published = archive["statement"], archive["published"]
    response = reviewer.post(
        url("statement"), {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )
    assert "1 statement was published." in response.content.decode()
    reviewer.post(url("statement"), {"action": "unpublish", "_selected_action": [published.pk]})
    assert (status_of(draft), status_of(published)) == ("published", "draft")


def test_publishing_needs_the_change_permission_too(client, archive):
    # The publish permission alone (without change) is not enough to publish.
    user = User.objects.create(username="odd", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_statement", "publish_statement"])
    )
    client.force_login(user)
    client.post(
        url("statement"), {"action": "publish", "_selected_action": [archive["statement"].pk]}
    )
    assert status_of(archive["statement"]) == "draft"


# Users and groups: superusers only -------------------------------------------------------------


def test_neither_group_manages_users_or_groups(editor, reviewer):
    own_group = Group.objects.get(name="Reviewers")
    pages = [
        "/admin/auth/user/",
        "/admin/auth/user/add/",
        f"/admin/auth/user/{User.objects.get(username='reviewer').pk}/change/",
        "/admin/auth/group/",
        "/admin/auth/group/add/",
        f"/admin/auth/group/{own_group.pk}/change/",
    ]
    everything = list(Permission.objects.values_list("pk", flat=True))
    for client in (editor, reviewer):
        for page in pages:
            assert client.get(page).status_code == 403, page
        response = client.post(
            "/admin/auth/user/add/",
            {"username": "intruder", "password1": "x" * 20, "password2": "x" * 20},
        )
        assert response.status_code == 403
        response = client.post(
            f"/admin/auth/group/{own_group.pk}/change/",
            {"name": "Reviewers", "permissions": everything},
        )
        assert response.status_code == 403
        index = client.get("/admin/").content.decode()
        assert "/admin/auth/user/" not in index and "/admin/auth/group/" not in index
    assert not User.objects.filter(username="intruder").exists()
    assert not own_group.permissions.filter(content_type__app_label="auth").exists()
