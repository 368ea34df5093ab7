"""Reads spread over a real streaming replica (statements/routing.py): a private primary
cluster, a hot standby made from it with pg_basebackup -R, and the production server
(gunicorn, one worker) configured with both.

A replica holds nothing its primary lacks, so where a page was read is told by the clusters'
own logs: each logs every statement (log_statement = all), prefixed with the application_name
of the connection that sent it, and the server's connections to the two carry names of their
own. A page read on the replica leaves its queries in the replica's log and none in the
primary's; the routing's own checks (WAL positions) name no table of the archive."""

import html
import http.cookiejar
import os
import re
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from tests.clusters import (
    Cluster,
    assert_no_errors_logged,
    free_port,
    get,
    gunicorn,
    manage,
    needs_server_programs,
    objects_of,
)

pytestmark = needs_server_programs

ARCHIVE = Path(__file__).resolve().parent / "interchange_files" / "canonical.jsonl"
ON_PRIMARY, ON_REPLICA = "archive-on-primary", "archive-on-replica"
# Every statement logged; every commit written before it is answered (the written position is
# what the router compares); nothing written but what the tests write (no autovacuum).
CLUSTER_SETTINGS = (
    "log_statement = 'all'\nlog_line_prefix = '%a|'\nsynchronous_commit = on\nautovacuum = off\n"
)
# Each entry of a cluster's log begins with its connection's application_name and a level.
ENTRY = re.compile(r"\n(?=[\w.-]*\|[A-Z]+: )")
MAX_LAG = 2  # seconds: short, so that the lag test waits little
EDITOR, PASSWORD = "editor", "a-long-editor-password-for-the-replica-test"


class QueryLog:
    """What the archive's server sent to one cluster since the last mark."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.mark()

    def mark(self):
        self.offset = self.cluster.log.stat().st_size

    def entries(self):
        with self.cluster.log.open("rb") as log:
            log.seek(self.offset)
            text = log.read().decode(errors="replace")
        return [e for e in ENTRY.split(text) if e.startswith((f"{ON_PRIMARY}|", f"{ON_REPLICA}|"))]

    def archive_queries(self):
        """The statements that read or write the archive's tables (all are statements_…)."""
        return [e for e in self.entries() if '"statements_' in e or "search_matches" in e]

    def errors(self):
        return [e for e in self.entries() if "|ERROR: " in e or "|FATAL: " in e]


def statement(key):
    return next(o for o in objects_of(ARCHIVE) if o["type"] == "statement" and o["key"] == key)


def caught_up(primary, replica, timeout=10):
    """Wait until the replica has replayed everything the primary has written so far."""
    target = primary.query("SELECT pg_current_wal_lsn()")
    deadline = time.monotonic() + timeout
    while replica.query(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") != "t":
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.05)


def server_env(primary, replica, folder, **settings):
    return {
        **os.environ,
        "DATABASE_URL": f"{primary.url}?application_name={quote(ON_PRIMARY)}",
        "DATABASE_REPLICA_URL": f"{replica.url}?application_name={quote(ON_REPLICA)}",
        "DATABASE_REPLICA_MAX_LAG": str(MAX_LAG),
        "DATABASE_REPLICA_CHECK_INTERVAL": "0.2",
        "DJANGO_DEV": "1",
        "DJANGO_DEBUG": "0",
        "DJANGO_CONN_MAX_AGE": "60",
        "DJANGO_STATIC_ROOT": str(folder / "static"),
        "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
        "PORT": str(free_port()),
        "WEB_CONCURRENCY": "1",  # one process: one page cache, one view of the replica
        **settings,
    }


@pytest.fixture(scope="module")
def clusters(tmp_path_factory):
    """(primary, replica, server environment): the replica made from the primary before the
    archive exists, so the migrations and the import reach it by streaming replication; both
    given to the migrations and the import, which must write the primary only."""
    folder = tmp_path_factory.mktemp("replica")
    primary, replica = Cluster(CLUSTER_SETTINGS), Cluster(CLUSTER_SETTINGS)
    try:
        primary.create(replication=True)
        replica.create_replica_of(primary)
        env = server_env(primary, replica, folder)
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "import_archive", str(ARCHIVE), "-v0")
        manage(env, "collectstatic", "--noinput", "-v0")
        manage(env, "createsuperuser", "--noinput", "--username", EDITOR,
               "--email", "editor@example.org")  # fmt: skip
        caught_up(primary, replica)
        assert replica.query("SELECT count(*) FROM statements_statement") == str(
            sum(1 for o in objects_of(ARCHIVE) if o["type"] == "statement")
        )
        yield primary, replica, env
    finally:
        replica.destroy()
        primary.destroy()


@pytest.fixture(scope="module")
def served(clusters, tmp_path_factory):
    primary, replica, env = clusters
    log = tmp_path_factory.mktemp("replica-server") / "server.log"
    with gunicorn(env, log) as base:
        yield Site(base, primary, replica)
    assert_no_errors_logged(log)


class Site:
    """The served archive, and where each answer was read."""

    def __init__(self, base, primary, replica):
        self.base, self.primary, self.replica = base, primary, replica
        self.primary_log, self.replica_log = QueryLog(primary), QueryLog(replica)

    def read(self, path, opener=None, data=None):
        """(answer, the archive's queries on the primary, on the replica) of one request."""
        self.primary_log.mark()
        self.replica_log.mark()
        if data is None:
            answer = get(self.base + path, opener=opener)
        else:
            answer = get(urllib.request.Request(self.base + path, data=data), opener=opener)
        return answer, self.primary_log.archive_queries(), self.replica_log.archive_queries()

    def assert_read_on_replica(self, path, *words):
        answer, on_primary, on_replica = self.read(path)
        assert answer.status == 200, (path, answer)
        for word in words:
            assert word in answer.body, (path, word)
        assert on_replica, f"{path} read nothing on the replica"
        assert not on_primary, (path, on_primary)
        return answer


@pytest.fixture
def site(served):
    """The site with its replica running, replaying and caught up, whatever a test left."""
    if not served.replica.running():
        served.replica.start()
    served.replica.query("SELECT pg_wal_replay_resume()")
    caught_up(served.primary, served.replica)
    time.sleep(0.3)  # past the check interval: the server looks again
    return served


def test_readers_pages_are_read_on_the_replica(site):
    answer = statement("lo-answer")
    title = html.escape(answer["title"])
    pages = {
        "/": [title],
        "/topics/trafficking/": [title],
        "/organisations/lo/": [title],
        "/statements/lo-answer/": [title],
        "/positions/?topic=trafficking&organisation=lo": [title],
        "/congresses/lo-congress-2009/": ["2009 LO Congress"],
        "/api/positions/?topic=trafficking": ['"lo-answer"'],
        "/api/statements/lo-answer/": ['"lo-answer"'],
        # Streamed, read as they stream: on the replica too.
        "/downloads/positions.csv?organisation=lo": ["lo-answer"],
        "/downloads/positions.jsonl?topic=trafficking": ['"key": "lo-answer"'],
        "/feeds/positions/?topic=trafficking": ["/statements/lo-answer/"],
    }
    for path, words in pages.items():
        site.assert_read_on_replica(path, *words)
    # From the page cache, at the replica's version of the archive.
    site.assert_read_on_replica("/", title)
    assert not site.replica_log.errors()


def test_searches_are_read_on_the_primary(site):
    # A search keeps its matches in a temporary table, which a hot standby refuses.
    searches = {
        "/search/?q=concerned": "/statements/lo-answer/",
        "/search/facets/topic/?q=concerned": "topic=trafficking",
        "/api/search/?q=concerned": '"lo-answer"',
        "/downloads/search.csv?q=concerned": "lo-answer",
        "/downloads/search.jsonl?q=concerned": '"key": "lo-answer"',
        "/feeds/search/?q=concerned": "/statements/lo-answer/",
    }
    for path, word in searches.items():
        answer, on_primary, on_replica = site.read(path)
        assert answer.status == 200, (path, answer)
        assert word in answer.body, path
        assert any("search_matches" in query for query in on_primary), path
        assert not on_replica, (path, on_replica)
    assert not site.replica_log.errors()


def test_an_idle_primary_leaves_its_replica_read(site):
    # With nothing written the replica misses nothing, however long the primary is idle. A
    # WAL switch (archive_timeout makes one) leaves the primary's insert position past the
    # next page's header, where no replay ends: the idle replica must still count as caught
    # up, then and MAX_LAG later.
    site.primary.query("CREATE TEMPORARY TABLE written (x int)")  # a switch needs new WAL
    # The switch ends its segment, and the insert position is now past the next one's header.
    assert site.primary.query("SELECT pg_switch_wal() < pg_current_wal_insert_lsn()") == "t"
    caught_up(site.primary, site.replica)
    site.assert_read_on_replica("/topics/trafficking/")
    time.sleep(MAX_LAG + 1)
    site.assert_read_on_replica("/organisations/lo/")
    site.assert_read_on_replica("/statements/lo-answer/")


def logged_in(site):
    """An opener holding an editor's session, logged in through the admin's form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = get(site.base + "/admin/login/", opener=opener)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)[1]
    fields = {"username": EDITOR, "password": PASSWORD, "csrfmiddlewaretoken": token,
              "next": "/admin/"}  # fmt: skip
    answer, _, on_replica = site.read("/admin/login/", opener, urlencode(fields).encode())
    assert answer.status == 200 and "Log out" in answer.body, answer
    assert not on_replica
    return opener, jar


def test_editors_read_and_write_the_primary(site):
    opener, jar = logged_in(site)
    title = html.escape(statement("lo-answer")["title"])
    for path in ["/admin/statements/statement/", "/statements/lo-answer/", "/"]:
        answer, on_primary, on_replica = site.read(path, opener)
        assert answer.status == 200 and title in answer.body, (path, answer)
        assert on_primary, path  # an editor sees what they have just saved
        assert not on_replica, (path, on_replica)

    draft = statement("lo-draft")
    assert get(site.base + "/statements/lo-draft/").status == 404
    pk = site.primary.query("SELECT id FROM statements_statement WHERE key = 'lo-draft'")
    token = next(c.value for c in jar if c.name == "csrftoken")
    fields = {"action": "publish", "_selected_action": pk, "csrfmiddlewaretoken": token}
    answer, on_primary, on_replica = site.read(
        "/admin/statements/statement/", opener, urlencode(fields).encode()
    )
    assert answer.status == 200 and "1 statement was published." in answer.body, answer
    assert any('UPDATE "statements_statement"' in q for q in on_primary)
    assert not on_replica
    # A reader sees it once the replica has replayed it, read there.
    deadline = time.monotonic() + MAX_LAG + 3
    while (page := get(site.base + "/statements/lo-draft/")).status != 200:
        assert time.monotonic() < deadline, page
        time.sleep(0.1)
    site.assert_read_on_replica("/statements/lo-draft/", html.escape(draft["title"]))
    assert not site.replica_log.errors()


def test_a_lagging_replica_is_left_out_and_its_page_kept_under_its_own_version(site):
    page, api = "/statements/lo-month/", "/api/statements/lo-month/"
    old = statement("lo-month")["title"]
    new = "A statement of a month, retitled"
    site.assert_read_on_replica(page, html.escape(old))
    version_before = site.assert_read_on_replica(api, old).headers["ETag"]

    site.replica.query("SELECT pg_wal_replay_pause()")
    site.primary.query(f"UPDATE statements_statement SET title = '{new}' WHERE key = 'lo-month'")
    written = time.monotonic()
    # Within the allowed lag the replica is still read, and its page shows, and is kept and
    # tagged under, the version it holds: the one before the change.
    site.assert_read_on_replica(page, html.escape(old))
    assert site.assert_read_on_replica(api, old).headers["ETag"] == version_before
    assert time.monotonic() - written < MAX_LAG, "too slow to see the replica within its lag"

    # Past it, the reader is served the primary's page: the change, not the page kept above
    # (which would be served here had it been kept under the primary's newer version).
    while True:
        answer, on_primary, on_replica = site.read(page)
        assert answer.status == 200, answer
        if html.escape(new) in answer.body:
            break
        assert time.monotonic() - written < MAX_LAG + 3, "the lagging replica was still read"
        time.sleep(0.1)
    assert on_primary and not on_replica
    assert (
        site.replica.query("SELECT title FROM statements_statement WHERE key = 'lo-month'") == old
    )
    answer, on_primary, on_replica = site.read(api)
    assert new in answer.body and answer.headers["ETag"] != version_before
    assert on_primary and not on_replica
    version_after = answer.headers["ETag"]

    # Replaying again, it is read again by itself.
    site.replica.query("SELECT pg_wal_replay_resume()")
    caught_up(site.primary, site.replica)
    deadline = time.monotonic() + 5
    while not site.read(page)[2]:
        assert time.monotonic() < deadline, "the replica was not read again"
        time.sleep(0.1)
    site.assert_read_on_replica(page, html.escape(new))
    assert site.assert_read_on_replica(api, new).headers["ETag"] == version_after


def test_a_stopped_replica_is_left_out_and_read_again_when_back(site):
    title = html.escape(statement("lo-answer")["title"])
    site.replica.stop()
    for path in ["/", "/topics/trafficking/", "/organisations/lo/", "/api/positions/"]:
        answer, on_primary, _ = site.read(path)
        assert answer.status == 200 and ("lo-answer" in answer.body or title in answer.body)
        assert on_primary, path
    site.replica.start()
    deadline = time.monotonic() + 10
    while not site.read("/topics/child-labour/")[2]:
        assert time.monotonic() < deadline, "the replica was not read again"
        time.sleep(0.1)
    site.assert_read_on_replica("/organisations/ituc/")


def test_a_replica_gone_since_its_last_check_costs_no_request(clusters, site, tmp_path):
    # A server that checks its replica once in ten minutes: the request after the replica
    # stopped finds it gone before its first read, and reads the primary.
    primary, replica, env = clusters
    patient = server_env(primary, replica, tmp_path, DATABASE_REPLICA_CHECK_INTERVAL="600")
    patient["DJANGO_STATIC_ROOT"] = env["DJANGO_STATIC_ROOT"]
    log = tmp_path / "server.log"
    with gunicorn(patient, log) as base:
        there = Site(base, primary, replica)
        there.assert_read_on_replica("/topics/trafficking/")
        replica.stop()
        answer, on_primary, _ = there.read("/organisations/lo/")
        assert answer.status == 200 and "lo-answer" in answer.body
        assert on_primary
    replica.start()
    assert_no_errors_logged(log)
    assert "replica replica_1 not read: unreachable" in log.read_text()
