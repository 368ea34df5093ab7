"""Faults: the production server (gunicorn, policy/gunicorn.py, persistent connections) in
front of a real PostgreSQL of the test's own, which is stopped and started again under it.
While the database is gone every page answers 503 with Retry-After and the page that says so;
when it is back the same server answers again by itself, the first request included."""

import glob
import html
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = Path(__file__).resolve().parent / "interchange_files" / "canonical.jsonl"
APPLICATION_NAME = "archive-under-faults"


def server_programs():
    """The folder holding initdb and pg_ctl, found where ./dev looks for them, or None."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/[0-9]*/bin"),
        key=lambda folder: int(Path(folder).parent.name),
        reverse=True,
    )
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(found.stdout.strip())
    if shutil.which("initdb"):
        candidates.append(str(Path(shutil.which("initdb")).parent))
    for folder in candidates:
        if folder and all(os.access(Path(folder) / p, os.X_OK) for p in ("initdb", "pg_ctl")):
            return Path(folder)
    return None


BIN = server_programs()
pytestmark = pytest.mark.skipif(
    BIN is None, reason="PostgreSQL's server programs (initdb, pg_ctl) are not installed"
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A private PostgreSQL cluster in a temporary folder, on a free port of 127.0.0.1 (no
    Unix socket), as ./dev runs one. initdb and pg_ctl refuse to run as root: as root they
    run as the postgres user (or nobody), like ./dev's."""

    def __init__(self):
        self.user = None
        if os.geteuid() == 0:
            self.user = "postgres" if _user_exists("postgres") else "nobody"
        # Not pytest's tmp_path: it is private to root, and the server's user must reach in.
        self.folder = Path(tempfile.mkdtemp(prefix="archive-faults-"))
        self.folder.chmod(0o755)
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgresql://archive@127.0.0.1:{self.port}/archive"

    def command(self, program, *args):
        command = [str(BIN / program), *args]
        return ["runuser", "-u", self.user, "--", *command] if self.user else command

    def run(self, program, *args):
        return subprocess.run(
            self.command(program, *args), check=True, capture_output=True, text=True, timeout=60
        )

    def create(self):
        self.data.mkdir()
        if self.user:
            shutil.chown(self.data, user=self.user)
        self.data.chmod(0o700)
        self.run(
            "initdb", f"--pgdata={self.data}", "--username=archive", "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                "unix_socket_directories = ''\nfsync = off\nsynchronous_commit = off\n"
                "full_page_writes = off\nmax_connections = 20\nshared_buffers = 32MB\n"
            )
        self.start()
        self.run("createdb", *self.address, "archive")

    @property
    def address(self):
        return ["-h", "127.0.0.1", "-p", str(self.port), "-U", "archive"]

    def start(self):
        self.run("pg_ctl", f"--pgdata={self.data}", f"--log={self.data}/server.log", "--wait",
                 "--timeout=30", "start")  # fmt: skip

    def stop(self, mode="fast"):
        self.run("pg_ctl", f"--pgdata={self.data}", "--wait", "--timeout=30", "-m", mode, "stop")

    def running(self):
        status = subprocess.run(
            self.command("pg_ctl", f"--pgdata={self.data}", "status"), capture_output=True
        )
        return status.returncode == 0

    def query(self, sql):
        """One value, through psql (this process holds no connection of its own to close)."""
        return self.run("psql", *self.address, "-d", "archive", "-qtAc", sql).stdout.strip()

    def destroy(self):
        if self.data.exists() and self.running():
            self.stop(mode="immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def _user_exists(name):
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def __repr__(self):
        return f"<{self.status} {self.body[:200]!r}>"


def get(url, timeout=10):
    """The server's answer, whatever its status."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return Answer(response.status, response.headers, response.read().decode())
    except urllib.error.HTTPError as error:
        with error:
            return Answer(error.code, error.headers, error.read().decode())


def objects_of(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


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
    server = None
    logs = tmp_path_factory.mktemp("faults")
    log = logs / "server.log"
    try:
        cluster.create()
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": f"{cluster.url}?application_name={quote(APPLICATION_NAME)}",
            "DJANGO_DEV": "1",
            "DJANGO_DEBUG": "0",
            "DJANGO_CONN_MAX_AGE": "60",
            "DJANGO_STATIC_ROOT": str(logs / "static"),
            "PORT": str(port),
            "WEB_CONCURRENCY": "2",
        }
        for command in (
            ["migrate", "--noinput", "-v0"],
            ["import_archive", str(ARCHIVE), "-v0"],
            ["collectstatic", "--noinput", "-v0"],
        ):
            subprocess.run(
                [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, timeout=60
            )
        with log.open("w") as output:
            server = subprocess.Popen(
                [str(Path(sys.executable).with_name("gunicorn")), "-c", "policy/gunicorn.py",
                 "policy.wsgi"],
                cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
            )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                if get(base + "/health/", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail("gunicorn did not answer:\n" + log.read_text())
            time.sleep(0.1)
        yield cluster, base, log
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
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


def assert_no_errors_logged(log):
    text = log.read_text()
    assert "Traceback" not in text, text
    assert '" 500 ' not in text, text


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
