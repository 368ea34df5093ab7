"""Faults: the production server (gunicorn, policy/gunicorn.py, persistent connections) in
front of a real PostgreSQL of the test's own, which is stopped and started again under it.
While the database is gone every page answers 503 with Retry-After and the page that says so;
when it is back the same server answers again by itself, the first request included."""

import html
import json
import os
import time
from pathlib import Path
from urllib.parse import quote

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

ARCHIVE = Path(__file__).resolve().parent / "interchange_files" / "canonical.jsonl"
APPLICATION_NAME = "archive-under-faults"
pytestmark = needs_server_programs


@pytest.fixture(scope="module")
def archive():
    """The canonical test archive: what the pages must show, read from the file itself."""
    objects = objects_of(ARCHIVE)
    statement = next(o for o in objects if o["type"] == "statement")
    topic = next(o for o in objects if o["type"] == "topic" and o["key"] == statement["topics"][0])
    word = "concerned"
    assert word in statement["text"].split()
    return {"statement": statement["title"], "topic": topic, "word": word}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(cluster, base URL, server log): a migrated private cluster holding the canonical
    archive, and gunicorn serving it with persistent connections (DJANGO_CONN_MAX_AGE=60,
    where recovery is hard: every worker holds a connection across the restart)."""
    cluster = Cluster()
    logs = tmp_path_factory.mktemp("faults")
    try:
        cluster.create()
        env = {
            **os.environ,
            "DATABASE_URL": f"{cluster.url}?application_name={quote(APPLICATION_NAME)}",
            "DJANGO_DEV": "1",
            "DJANGO_DEBUG": "0",
            "DJANGO_CONN_MAX_AGE": "60",
            "DJANGO_STATIC_ROOT": str(logs / "static"),
            "PORT": str(free_port()),
            "WEB_CONCURRENCY": "2",
        }
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "import_archive", str(ARCHIVE), "-v0")
        manage(env, "collectstatic", "--noinput", "-v0")
        log = logs / "server.log"
        with gunicorn(env, log) as base:
            yield cluster, base, log
    finally:
        cluster.destroy()


@pytest.fixture
def server(served):
    """The served archive with its database running, whatever an earlier test left."""
    cluster = served[0]
    if not cluster.running():
        cluster.start()
    return served


def pages(archive):
    """Each page checked, with the words its answer must hold while the database answers."""
    topic = archive["topic"]
    return {
        "/": [html.escape(topic["name"]), html.escape(archive["statement"])],
        f"/topics/{topic['key']}/": [html.escape(topic["name"]), html.escape(archive["statement"])],
        f"/search/?q={archive['word']}": [html.escape(archive["statement"])],
        # Its topics, counted: a page whose time limit once took the database's absence
        # for a search too long to answer (400).
        f"/search/facets/topic/?q={archive['word']}": [html.escape(topic["name"])],
        "/health/": ['"status": "ok"'],
    }


def assert_served(base, archive):
    for path, words in pages(archive).items():
        answer = get(base + path)
        assert answer.status == 200, (path, answer)
        for word in words:
            assert word in answer.body, (path, word)


def assert_unavailable(base, archive):
    for path in pages(archive):
        answer = get(base + path)
        assert answer.status == 503, (path, answer)
        assert answer.headers["Retry-After"] == "30", path
        if path == "/health/":
            assert json.loads(answer.body)["status"] == "unavailable"
        else:
            assert "The archive is briefly unavailable" in answer.body, path
            assert "Traceback" not in answer.body


def server_connections(cluster):
    """The backends serving the server's workers, by their process ids."""
    found = cluster.query(
        f"SELECT string_agg(pid::text, ',') FROM pg_stat_activity "
        f"WHERE application_name = '{APPLICATION_NAME}'"
    )
    return set(found.split(",")) if found else set()


def test_pages_are_503_while_the_database_is_stopped_and_200_when_it_is_back(server, archive):
    cluster, base, log = server
    assert_served(base, archive)

    cluster.stop()
    assert_unavailable(base, archive)
    assert_unavailable(base, archive)  # each worker, whichever answered first

    cluster.start()
    # Back within a few seconds, without touching the server; never a 500 on the way.
    deadline = time.monotonic() + 5
    while True:
        answers = {path: get(base + path) for path in pages(archive)}
        assert all(a.status in (200, 503) for a in answers.values()), answers
        if all(a.status == 200 for a in answers.values()) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert_served(base, archive)
    assert_no_errors_logged(log)


def test_a_restart_under_held_connections_costs_no_request(server, archive):
    # Every worker keeps its connection between requests; the restart breaks them all, and
    # the first request each worker answers afterwards is the one that finds its connection
    # dead. None of them may fail.
    cluster, base, log = server
    for _ in range(10):
        assert get(base + "/health/").status == 200
    held = server_connections(cluster)
    assert held, "the workers hold no connection"

    cluster.stop()
    cluster.start()
    for _ in range(5):
        assert_served(base, archive)
    now = server_connections(cluster)
    assert now and not now & held  # new connections, the dead ones let go
    assert len(now) <= 2  # one per worker, none piling up
    assert_no_errors_logged(log)
