"""A draft's preview: its public page as it will be, for staff who may view statements only,
never indexed, cached or public; and a statement an editor adds stays off every public
page, the API, the feeds and the downloads until it is published."""

import re

import pytest
from django.contrib.auth.models import Permission, User
from django.core.cache import caches
from django.test import Client, RequestFactory
from django.urls import reverse

from statements.models import Statement
from statements.views import texts
from statements.views.pagecache import storable
from tests.browser.builders import build_archive
from tests.test_admin import errors_of, post_form

pytestmark = pytest.mark.django_db

PREVIEW = "/statements/lo-draft/preview/"
DRAFT_TITLE = "Draft answer that must stay hidden"


@pytest.fixture
def archive():
    return build_archive()


def staff(username="previewer", permissions=("view_statement",), is_staff=True):
    user = User.objects.create(username=username, is_staff=is_staff)
    user.user_permissions.set(Permission.objects.filter(codename__in=permissions))
    return user


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def main_of(html):
    (main,) = re.findall(r'<main id="main"[^>]*>(.*)</main>', html, re.DOTALL)
    return main


def test_the_preview_is_the_page_the_statement_will_have(archive):
    response = logged_in(staff()).get(PREVIEW)
    assert response.status_code == 200
    html = response.content.decode()
    head = html.split("</head>")[0]
    assert '<meta name="robots" content="noindex">' in head
    assert "Preview — not published." in main_of(html)
    assert f'<h1 id="statement-title">{DRAFT_TITLE}</h1>' in html
    assert "Quoted from “Resolution lo-2009-poverty”" in html  # its quotation, linked
    assert response["Cache-Control"] == "private, no-store"
    assert not response.has_header("ETag")

    Statement.objects.filter(key="lo-draft").update(status="published")
    public = Client().get("/statements/lo-draft/")
    assert public.status_code == 200
    public_html = public.content.decode()
    assert "noindex" not in public_html and "Preview" not in public_html
    banner = re.compile(r'<div class="preview-banner">.*?</div>\s*', re.DOTALL)
    preview_main = banner.sub("", main_of(html), count=1)
    assert preview_main.strip() == main_of(public_html).strip()


def test_a_published_statement_s_preview_is_its_public_page(archive):
    response = logged_in(staff()).get("/statements/lo-answer/preview/")
    assert response.status_code == 302
    assert response["Location"] == "/statements/lo-answer/"


@pytest.mark.parametrize(
    "who",
    ["anonymous", "not staff", "staff without permission", "inactive staff"],
)
def test_anyone_else_gets_the_404_a_missing_page_gets(archive, who):
    if who == "anonymous":
        client = Client()
    elif who == "not staff":
        client = logged_in(staff("reader", is_staff=False))
    elif who == "staff without permission":
        client = logged_in(staff("visitor", permissions=()))
    else:
        user = staff("gone")
        client = Client()
        client.force_login(user)
        User.objects.filter(pk=user.pk).update(is_active=False)
    response = client.get(PREVIEW)
    assert response.status_code == 404  # not a login page that says the draft exists
    assert DRAFT_TITLE not in response.content.decode()
    assert client.get("/statements/lo-draft/").status_code == 404


def test_an_unknown_key_is_a_404_for_staff_too(archive):
    assert logged_in(staff()).get("/statements/no-such-statement/preview/").status_code == 404


def test_the_preview_is_never_kept_in_the_page_cache(archive):
    page_cache = caches["default"]
    page_cache.clear()

    def kept():
        return b"".join(page_cache._cache.values())  # local memory: pickled pages

    Client().get("/statements/lo-answer/")
    assert b"Statement lo-answer" in kept()  # a reader's public page is kept
    logged_in(staff()).get(PREVIEW)
    Client().get(PREVIEW)
    assert DRAFT_TITLE.encode() not in kept()

    # Even asked without a session (the page cache's own test of a reader), the preview's
    # answer says it must not be stored, where the public page's does not.
    request = RequestFactory().get(PREVIEW)
    request.user = staff("sessionless")
    assert not storable(request, texts.statement_preview(request, key="lo-draft"))
    request = RequestFactory().get("/statements/lo-answer/")
    assert storable(request, texts.statement_detail(request, key="lo-answer"))


def test_view_on_site_of_a_draft_is_its_preview(archive):
    editor = User.objects.create(username="editor", is_staff=True)
    editor.user_permissions.set(Permission.objects.filter(content_type__app_label="statements"))
    client = logged_in(editor)
    draft = Statement.objects.get(key="lo-draft")
    content = client.get(reverse("admin:statements_statement_change", args=[draft.pk])).content
    assert f'href="{PREVIEW}"'.encode() in content
    published = Statement.objects.get(key="lo-answer")
    content = client.get(reverse("admin:statements_statement_change", args=[published.pk])).content
    assert b'href="/statements/lo-answer/preview/"' not in content
    assert b"View on site" in content


def test_a_statement_an_editor_adds_appears_nowhere_public(archive):
    editor = User.objects.create(username="editor", is_staff=True)
    editor.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="statements", codename__in=["add_statement", "view_statement"]
        )
    )
    client = logged_in(editor)
    response = post_form(
        client,
        reverse("admin:statements_statement_add"),
        organisation=str(archive.organisations["lo"].pk),
        title="Unreviewed position on trafficking",
        key="unreviewed",
        kind="answer",
        date="2011",
        text="Trafficking in human beings must end.",
        topics=[str(archive.topics["trafficking"].pk)],
    )
    assert response.status_code == 302, errors_of(response)
    assert Statement.objects.get(key="unreviewed").status == "draft"

    reader = Client()
    assert reader.get("/statements/unreviewed/").status_code == 404
    assert reader.get("/api/statements/unreviewed/").status_code == 404
    for url in [
        "/",
        "/topics/trafficking/",
        "/organisations/lo/",
        "/positions/?year_from=2011&year_to=2011",
        "/search/?q=unreviewed",
        "/api/statements/?organisation=lo",
        "/api/positions/?organisation=lo&page_size=100",
        "/api/search/?q=unreviewed",
        "/downloads/positions.csv?organisation=lo",
        "/downloads/positions.jsonl?organisation=lo",
        "/downloads/search.jsonl?q=trafficking",
        "/feeds/positions/?organisation=lo",
        "/feeds/search/?q=trafficking",
    ]:
        response = reader.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"Unreviewed position" not in body, url
        assert b"/statements/unreviewed/" not in body, url
    assert "Unreviewed position" in client.get("/statements/unreviewed/preview/").content.decode()
