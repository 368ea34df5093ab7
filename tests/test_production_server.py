"""The production server: gunicorn with policy/gunicorn.py, a real process on 127.0.0.1,
serving the test database."""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from tests.clusters import free_port, gunicorn, manage

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db(transaction=True)


def test_gunicorn_serves_the_archive_and_logs_each_request(tmp_path, archive_database_url):
    env = {
        **os.environ,
        "DATABASE_URL": archive_database_url,
        "DJANGO_DEV": "1",
        "DJANGO_DEBUG": "0",
        "PORT": str(free_port()),
        "WEB_CONCURRENCY": "2",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
    }
    manage(env, "collectstatic", "--noinput", "-v0")
    log = tmp_path / "server.log"
    with gunicorn(env, log) as base:  # once /health/ answers 200
        with urllib.request.urlopen(base + "/positions/", timeout=10) as response:
            assert response.status == 200
            assert b"positions" in response.read()
        with urllib.request.urlopen(base + "/static/archive.css", timeout=5) as response:
            assert response.status == 200  # static files through WhiteNoise
    lines = log.read_text().splitlines()
    assert any('"GET /positions/ HTTP/1.1" 200' in line and line.endswith("ms") for line in lines)
    assert "Booting worker" in log.read_text()


def test_the_development_server_closes_its_connections(tmp_path, archive_database_url):
    # runserver answers each request on its own thread: kept connections would pile up.
    port = free_port()
    url = archive_database_url + "?application_name=runserver-under-test"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEV": "1", "DJANGO_DEBUG": "1"}
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}/health/"
        for _ in range(100):
            try:
                urllib.request.urlopen(base, timeout=5).close()
                break
            except OSError:
                time.sleep(0.1)
        for _ in range(20):
            urllib.request.urlopen(base, timeout=5).close()
        # Its 21 answers each asked the database (health): it keeps none of the connections
        # (each closes as its request ends, a moment after the answer is sent).
        for _ in range(40):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                    ["runserver-under-test"],
                )
                left_open = cursor.fetchone()[0]
            if not left_open:
                break
            time.sleep(0.05)
        assert left_open == 0
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture
def archive_database_url():
    """The test database's URL, for a server in another process."""
    settings = connection.settings_dict
    user, password = quote(settings["USER"] or ""), quote(settings["PASSWORD"] or "")
    return (
        f"postgresql://{user}:{password}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    )
