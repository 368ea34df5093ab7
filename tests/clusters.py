"""Private PostgreSQL clusters and the production server over them, for the tests that stop,
lag or replicate a real PostgreSQL (test_faults.py, test_replica.py): a cluster in a temporary
folder on a free port of 127.0.0.1, started and stopped with pg_ctl as ./dev runs one, a
streaming replica of one made with pg_basebackup, and gunicorn (policy/gunicorn.py) serving
the archive from them."""

import contextlib
import glob
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

import pytest

ROOT = Path(__file__).resolve().parent.parent
REPLICATION_ROLE = "replicator"


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
needs_server_programs = pytest.mark.skipif(
    BIN is None, reason="PostgreSQL's server programs (initdb, pg_ctl) are not installed"
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _user_exists(name):
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


class Cluster:
    """A private PostgreSQL cluster in a temporary folder, on a free port of 127.0.0.1 (no
    Unix socket), as ./dev runs one. initdb and pg_ctl refuse to run as root: as root they
    run as the postgres user (or nobody), like ./dev's. `settings` are more lines of its
    postgresql.conf."""

    def __init__(self, settings=""):
        self.user = None
        if os.geteuid() == 0:
            self.user = "postgres" if _user_exists("postgres") else "nobody"
        # Not pytest's tmp_path: it is private to root, and the server's user must reach in.
        self.folder = Path(tempfile.mkdtemp(prefix="archive-cluster-"))
        self.folder.chmod(0o755)
        if self.user:  # it writes its log here, outside the data that a base backup copies
            shutil.chown(self.folder, user=self.user)
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = free_port()
        self.url = f"postgresql://archive@127.0.0.1:{self.port}/archive"
        self.settings = settings

    def command(self, program, *args):
        command = [str(BIN / program), *args]
        return ["runuser", "-u", self.user, "--", *command] if self.user else command

    def run(self, program, *args):
        return subprocess.run(
            self.command(program, *args), check=True, capture_output=True, text=True, timeout=60
        )

    def _make_data_folder(self):
        self.data.mkdir()
        if self.user:
            shutil.chown(self.data, user=self.user)
        self.data.chmod(0o700)

    def _configure(self):
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                "unix_socket_directories = ''\nfsync = off\nsynchronous_commit = off\n"
                "full_page_writes = off\nmax_connections = 20\nshared_buffers = 32MB\n"
                f"{self.settings}\n"
            )

    def create(self, replication=False):
        """A new cluster with an empty database `archive`; with `replication`, ready to be
        streamed from: WAL for replicas, a replication role and its pg_hba line."""
        self._make_data_folder()
        self.run(
            "initdb", f"--pgdata={self.data}", "--username=archive", "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        self._configure()
        if replication:
            with (self.data / "postgresql.conf").open("a") as conf:
                conf.write("wal_level = replica\nmax_wal_senders = 4\n")
            (self.data / "pg_hba.conf").write_text(
                "host all archive 127.0.0.1/32 trust\n"
                f"host replication {REPLICATION_ROLE} 127.0.0.1/32 trust\n"
            )
        self.start()
        self.run("createdb", *self.address, "archive")
        if replication:
            self.query(f"CREATE ROLE {REPLICATION_ROLE} REPLICATION LOGIN")

    def create_replica_of(self, primary):
        """This cluster as a hot standby streaming from `primary`: a base backup with -R (which
        writes standby.signal and the primary's address into postgresql.auto.conf), on a port
        of its own."""
        self._make_data_folder()
        self.run(
            "pg_basebackup", f"--pgdata={self.data}", "-h", "127.0.0.1", "-p", str(primary.port),
            "-U", REPLICATION_ROLE, "--write-recovery-conf", "--wal-method=stream",
            "--checkpoint=fast", "--no-sync",
        )  # fmt: skip
        self._configure()  # after the primary's lines: its own port wins
        self.start()

    @property
    def address(self):
        return ["-h", "127.0.0.1", "-p", str(self.port), "-U", "archive"]

    def start(self):
        self.run("pg_ctl", f"--pgdata={self.data}", f"--log={self.log}", "--wait",
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


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def __repr__(self):
        return f"<{self.status} {self.body[:200]!r}>"


def get(url, timeout=10, opener=None):
    """The server's answer, whatever its status."""
    try:
        with (opener or urllib.request.build_opener()).open(url, timeout=timeout) as response:
            return Answer(response.status, response.headers, response.read().decode())
    except urllib.error.HTTPError as error:
        with error:
            return Answer(error.code, error.headers, error.read().decode())


def manage(env, *command):
    subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, timeout=60
    )


@contextlib.contextmanager
def gunicorn(env, log):
    """The archive served by gunicorn (policy/gunicorn.py) with `env` on PORT: its base URL,
    once /health/ answers 200; stopped afterwards."""
    base = f"http://127.0.0.1:{env['PORT']}"
    with log.open("w") as output:
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-c", "policy/gunicorn.py",
             "policy.wsgi"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
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
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def objects_of(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def assert_no_errors_logged(log):
    text = log.read_text()
    assert "Traceback" not in text, text
    assert '" 500 ' not in text, text
