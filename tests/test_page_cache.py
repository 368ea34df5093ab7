"""The public-page cache, run for real (local memory): a reader's second request is answered
from it with one query (the archive's version); after an admin save, a publish and an import
the next reader sees the change; editors are never stored nor served; errors are not kept;
query strings, X-Fragment and the lists' settings have entries of their own."""

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from psycopg.errors import QueryCanceled

from policy.cache import PooledRedisCache
from statements.models import ArchiveVersion, Statement
from statements.search import service
from statements.views.pagecache import page_key
from tests.browser.builders import build_archive
from tests.test_admin import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings, verified_page_cache):
    """The real cache, instead of the suite's verifying one."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "page-cache-tests",
        }
    }
    caches["default"].clear()


@pytest.fixture
def archive():
    return build_archive()


@pytest.fixture
def reader():
    return Client()


@pytest.fixture
def editor():
    user = User.objects.create(username="editor", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def queries_of(client, url, **extra):
    """(response, the SQL it ran)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    return response, [q["sql"] for q in queries]


def kept(url, **extra):
    """Whether the cache holds a page for this URL at the archive's version now."""
    request = RequestFactory().get(url, **extra)
    return caches["default"].get(page_key(request, ArchiveVersion.current()[0])) is not None


def from_cache(client, url, **extra):
    """Whether the page came from the cache: only the version was read."""
    response, sql = queries_of(client, url, **extra)
    assert response.status_code == 200, url
    return len(sql) == 1 and "statements_archiveversion" in sql[0]


PAGES = [
    "/",
    "/topics/",
    "/topics/trafficking/",
    "/organisations/",
    "/organisations/lo/",
    "/organisations/lo/topics/trafficking/",
    "/statements/lo-answer/",
    "/congresses/lo-congress-2009/",
    "/resolutions/lo-2009-poverty/",
    "/positions/?topic=trafficking",
    "/positions/facets/organisation/",
    "/search/?q=trafficking",
    "/search/facets/organisation/?q=trafficking",
]


@pytest.mark.parametrize("url", PAGES)
def test_a_second_request_is_answered_from_the_cache(
    reader, archive, url, django_assert_num_queries
):
    first = reader.get(url)
    assert first.status_code == 200
    assert kept(url)
    with django_assert_num_queries(1) as captured:
        second = reader.get(url)
    assert "statements_archiveversion" in captured.captured_queries[0]["sql"]
    assert second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    # What the middleware adds is on the cached answer too.
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    # Nothing in a public page is anyone's own: no cookie, no CSRF token.
    assert not first.cookies and not second.cookies
    assert b"csrfmiddlewaretoken" not in first.content


def test_head_is_answered_from_the_page_a_get_stored(reader, archive):
    assert reader.get("/topics/").status_code == 200
    assert from_cache(reader, "/topics/")
    with CaptureQueriesContext(connection) as queries:
        assert reader.head("/topics/").status_code == 200
    assert len(queries) == 1


def test_an_admin_save_shows_at_once(reader, editor, archive):
    statement = Statement.objects.get(key="lo-answer")
    urls = ["/statements/lo-answer/", "/topics/trafficking/", "/organisations/lo/", "/"]
    for url in urls:
        assert statement.title in reader.get(url).content.decode()
        assert from_cache(reader, url)

    change = reverse("admin:statements_statement_change", args=[statement.pk])
    saved = editor.post(change, form_data(editor.get(change), title="A title just saved"))
    assert saved.status_code == 302, saved.content[:2000]

    for url in urls:
        response = reader.get(url)
        html = response.content.decode()
        assert "A title just saved" in html and statement.title not in html, url


def test_a_bulk_publish_shows_at_once_and_an_unpublish_hides(reader, editor, archive):
    draft = Statement.objects.get(key="lo-draft")
    link = 'href="/statements/lo-draft/"'
    urls = ["/positions/?topic=trafficking", "/search/?q=hidden", "/organisations/lo/"]
    for url in urls:
        assert link not in reader.get(url).content.decode()
        assert from_cache(reader, url)
    assert reader.get("/statements/lo-draft/").status_code == 404

    changelist = reverse("admin:statements_statement_changelist")
    editor.post(changelist, {"action": "publish", "_selected_action": [draft.pk]})
    for url in urls:
        assert link in reader.get(url).content.decode(), url
    assert reader.get("/statements/lo-draft/").status_code == 200
    assert from_cache(reader, "/statements/lo-draft/")

    # A status change by any other path (here an UPDATE) hides it again as quickly.
    Statement.objects.filter(pk=draft.pk).update(status="draft")
    assert reader.get("/statements/lo-draft/").status_code == 404
    for url in urls:
        assert link not in reader.get(url).content.decode(), url


def test_an_import_shows_at_once(reader, archive, tmp_path):
    for url in ["/organisations/", "/search/?q=gazette", "/"]:
        reader.get(url)
        assert from_cache(reader, url)
    new = tmp_path / "new.jsonl"
    new.write_text(
        '{"type": "organisation", "key": "ilo", "name": "International Labour Gazette",'
        ' "kind": "other"}\n'
        '{"type": "statement", "key": "ilo-gazette", "organisation": "ilo",'
        ' "title": "A gazette on decent work", "text": "The gazette on decent work."}\n'
    )
    call_command("import_archive", str(new), verbosity=0)
    assert "International Labour Gazette" in reader.get("/organisations/").content.decode()
    for url in ["/search/?q=gazette", "/"]:
        assert 'href="/statements/ilo-gazette/"' in reader.get(url).content.decode(), url


def test_editors_are_never_stored_nor_served(reader, editor, archive):
    # An editor's page is not kept: the reader after them has it rendered.
    assert editor.get("/topics/").status_code == 200
    assert not kept("/topics/")
    assert not from_cache(reader, "/topics/")
    assert kept("/topics/")
    # And a page kept for readers is not what an editor gets.
    assert from_cache(reader, "/topics/")
    assert not from_cache(editor, "/topics/")
    assert not from_cache(editor, "/topics/")


@pytest.mark.parametrize(
    "url, status",
    [
        ("/positions/?topic=no-such-topic", 400),
        ("/search/?q=trafficking&sort=sideways", 400),
        ("/statements/no-such-statement/", 404),
        ("/statements/lo-draft/", 404),
    ],
)
def test_errors_are_not_kept(reader, archive, url, status):
    for _ in range(2):
        assert reader.get(url).status_code == status
    assert not kept(url)


def test_health_is_never_from_a_cache(reader, archive):
    for _ in range(2):
        response, sql = queries_of(reader, "/health/")
        assert response.status_code == 200
        assert sql == ["SELECT 1"]
    assert not kept("/health/")


def test_a_search_out_of_time_is_not_kept(reader, archive, monkeypatch):
    def out_of_time(*args):
        # As Django raises PostgreSQL's cancellation: the search's time limit, not the
        # database gone (which is the 503 page's).
        raise OperationalError("canceling statement due to statement timeout") from (
            QueryCanceled("canceling statement due to statement timeout")
        )

    monkeypatch.setattr(service, "_run", out_of_time)
    for _ in range(2):
        response, sql = queries_of(reader, "/search/?q=trafficking")
        assert "takes too long" in response.content.decode()
        assert "no-store" in response["Cache-Control"]
        assert len(sql) > 1
    monkeypatch.undo()
    # Answered in time, it is kept.
    reader.get("/search/?q=trafficking")
    assert from_cache(reader, "/search/?q=trafficking")


def test_each_query_string_and_fragment_has_its_own_entry(reader, archive):
    urls = {
        "/positions/?topic=trafficking": "lo-answer",
        "/positions/?topic=forced-labour": "ituc-answer",
        "/search/?q=trafficking": "lo-answer",
        "/search/?q=slavery": "tuc-2015-slavery",
    }
    pages = {url: reader.get(url).content for url in urls}
    fragments = {url: reader.get(url, HTTP_X_FRAGMENT="results").content for url in urls}
    for url, key in urls.items():
        assert key.encode() in pages[url]
        assert b"<html" in pages[url] and b"<html" not in fragments[url]
        assert from_cache(reader, url)
        assert from_cache(reader, url, HTTP_X_FRAGMENT="results")
        assert reader.get(url).content == pages[url]
        assert reader.get(url, HTTP_X_FRAGMENT="results").content == fragments[url]
    assert len(set(pages.values())) == len(urls)
    # An empty header is not an absent one.
    assert not from_cache(reader, "/positions/?topic=trafficking", HTTP_X_FRAGMENT="")


def test_the_lists_settings_have_entries_of_their_own(reader, archive):
    url = "/positions/?topic=trafficking"
    reader.get(url)
    with override_settings(POSITIONS_PER_PAGE=1):
        assert not from_cache(reader, url)
        assert b'href="?topic=trafficking&amp;page=2"' in reader.get(url).content
    assert from_cache(reader, url)


def test_pages_are_answered_when_the_cache_is_gone(reader, archive, settings, caplog):
    # A Redis where nothing listens: every page is rendered, none fails.
    settings.CACHES = {
        "default": {
            "BACKEND": "policy.cache.PooledRedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    for _ in range(2):
        assert reader.get("/topics/trafficking/").status_code == 200
    assert "page cache unreachable" in caplog.text


def test_the_redis_cache_keeps_one_client_per_pool():
    # Making a Redis client costs half a millisecond: every operation used to make one.
    cache = PooledRedisCache("redis://127.0.0.1:9/0;redis://127.0.0.1:9/1", {})
    writer = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is writer
    reader = cache._cache.get_client(write=False)
    assert reader is not writer  # reads go to the other server
    assert reader.connection_pool.connection_kwargs["db"] == 1
    assert cache._cache.get_client(write=False) is reader
