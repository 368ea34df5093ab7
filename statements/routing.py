"""Reads spread over PostgreSQL streaming replicas (DATABASE_REPLICA_URL, docs/scaling.md).

A reader's page (a GET or HEAD without a session, outside the admin) reads a replica that
answers and is no further behind the primary than DATABASE_REPLICA_MAX_LAG seconds, chosen at
random among those; with none such it reads the primary, and the page answers as usual.
Everything else reads and writes the primary ("default"): editors (a session: they must see
what they have just saved), the admin, every write, migrations and commands, reads inside a
transaction on the primary, and the views marked @reads_primary. Searches are marked: a search
keeps its matches in a temporary table for the rest of its transaction
(statements/search/retrieve.py), which a hot standby refuses to create, so it makes them on
the primary, and the rows it shows must be read from the database that matched them (a
lagging replica may lack them). A mark on the view, as csrf_exempt marks one for
CsrfViewMiddleware, rather than a list of paths: it sits on the code that needs it and
follows the view to whatever URL serves it.

The archive's version (models.ArchiveVersion), which the page cache keys on and the ETag and
Last-Modified are made of, is read through the same router, from the same database as the
rest of the page: a lagging replica's page is kept and tagged under the older version it
shows, never a stale page under the primary's newer one.

Each process checks each replica at most every DATABASE_REPLICA_CHECK_INTERVAL seconds, on the
request that finds its last check too old, and keeps the answer in memory. A replica that
stops answering between two checks is noticed before the request's first read (the
connection's health check) and the request reads the primary.
"""

import contextvars
import logging
import math
import random
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

# The replica this request's reads go to; None: the primary.
_reading = contextvars.ContextVar("archive_reading_replica", default=None)


def reads_primary(view):
    """Mark a view whose reads must run on the primary, whoever asks (for a class-based view:
    method_decorator(reads_primary, name="dispatch"))."""
    view.reads_primary = True
    return view


def for_readers(request):
    """Whether the request is a reader's: a GET or HEAD without a session. Editors log in, and
    only they are given a session."""
    return request.method in ("GET", "HEAD") and settings.SESSION_COOKIE_NAME not in (
        request.COOKIES
    )


def may_read_a_replica(request, view):
    match = request.resolver_match
    return (
        for_readers(request)
        and not getattr(view, "reads_primary", False)
        and not (match and "admin" in match.namespaces)
    )


class ReplicaRouter:
    """Reads where the request's middleware sent them, writes and migrations to the primary."""

    def db_for_read(self, model, **hints):
        replica = _reading.get()
        # A read inside a transaction on the primary may need what it has written (or its
        # temporary tables): it stays there.
        if replica is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None
        return replica

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replicas hold the primary's rows

    def allow_migrate(self, db, app_label, **hints):
        return db == DEFAULT_DB_ALIAS


class ReplicaReadsMiddleware:
    """Sends a reader's page to a replica (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _reading.set(None)
        try:
            response = self.get_response(request)
            replica = _reading.get()
            if replica is not None and response.streaming:
                response.streaming_content = reading(replica, response.streaming_content)
            return response
        finally:
            _reading.reset(token)

    def process_view(self, request, view, args, kwargs):
        if may_read_a_replica(request, view):
            replicas = usable_replicas()
            random.shuffle(replicas)
            _reading.set(next((alias for alias in replicas if reachable(alias)), None))


def reading(replica, chunks):
    """A streamed answer's chunks, each made with its reads on the replica: a download reads
    as it streams, after the middleware has handed its answer on."""
    chunks = iter(chunks)
    while True:
        token = _reading.set(replica)
        try:
            chunk = next(chunks)
        except StopIteration:
            return
        finally:
            _reading.reset(token)
        yield chunk


# --- What this process knows of each replica ----------------------------------------------


@dataclass
class Replica:
    checked: float = -math.inf  # time.monotonic() of the last check
    usable: bool = False
    problem: str = ""  # why it is not read
    # (the primary's WAL position, when it was read) last seen replayed on the replica.
    caught_up: tuple | None = None


_replicas = {}
_checking = threading.Lock()


def replica(alias):
    return _replicas.setdefault(alias, Replica())


def usable_replicas():
    """The replicas a reader may read now, those whose last check is too old checked first."""
    aliases = settings.REPLICA_DATABASES
    now = time.monotonic()
    interval = settings.DATABASE_REPLICA_CHECK_INTERVAL
    due = [alias for alias in aliases if now - replica(alias).checked >= interval]
    # One check at a time: another thread's request uses what is known meanwhile.
    if due and _checking.acquire(blocking=False):
        try:
            check(due)
        finally:
            _checking.release()
    return [alias for alias in aliases if replica(alias).usable]


def lsn(text):
    """A WAL position ('16/B374D848') as a number."""
    high, low = text.split("/")
    return int(high, 16) << 32 | int(low, 16)


def check(aliases):
    """How far behind the primary each replica is, judged against the allowed lag.

    `now() - pg_last_xact_replay_timestamp()` alone is no measure: on a primary that nothing
    writes to it grows for ever, though the replica misses nothing. So the primary's current
    WAL position is read first, then the replica's replay position. The written position
    (pg_current_wal_lsn): every commit answered lies before it (one answered under
    synchronous_commit = off, within 3 x wal_writer_delay); not the insert position, which
    after a WAL switch (archive_timeout) or at a page's end points past the next page's
    header, where no replayed record ends: an idle primary's replica would never be caught
    up. A replica that has replayed that far holds everything the primary held a moment
    ago: its lag is 0.
    Otherwise it is behind by at most the smaller of two bounds: the time since this process
    last saw it caught up (if it has replayed that far since), and the time since the last
    transaction it replayed committed (it has every commit before that one). A replica that
    gives neither bound (a restarted one, still behind) is not read until it catches up.
    Between checks the lag can grow by the interval: a reader's page is at most
    MAX_LAG + CHECK_INTERVAL behind (with the servers' clocks in step)."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            primary = lsn(cursor.fetchone()[0])
    except DatabaseError as error:
        for alias in aliases:
            judge(alias, None, f"the primary's WAL position is unknown ({error})")
        return
    sampled = time.monotonic()
    for alias in aliases:
        judge(alias, *lag_of(alias, primary, sampled))


def lag_of(alias, primary, sampled):
    """(seconds behind the primary or None, the problem that keeps it from being read)."""
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,"
                " extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8"
            )
            recovering, replayed, since_last_replayed = cursor.fetchone()
    except DatabaseError as error:
        connections[alias].close()
        return None, f"unreachable ({error})"
    if not recovering or replayed is None:
        return None, "not a standby: it is not replaying the primary's WAL"
    known = replica(alias)
    replayed = lsn(replayed)
    if replayed >= primary:
        known.caught_up = (primary, sampled)
        return 0.0, ""
    bounds = []
    if known.caught_up and replayed >= known.caught_up[0]:
        bounds.append(sampled - known.caught_up[1])
    if since_last_replayed is not None:
        bounds.append(max(since_last_replayed, 0.0))
    if not bounds:
        return None, "behind the primary, by an unknown time"
    return min(bounds), ""


def judge(alias, lag, problem):
    known = replica(alias)
    max_lag = settings.DATABASE_REPLICA_MAX_LAG
    if not problem and lag > max_lag:
        problem = f"{lag:.1f} s behind the primary (allowed: {max_lag:g} s)"
    first = known.checked == -math.inf
    known.checked = time.monotonic()
    usable = not problem
    # One line when a replica goes out of use or comes back, not one per check.
    if not usable and (known.usable or first):
        logger.warning("replica %s not read: %s", alias, problem)
    elif usable and not known.usable and not first:
        logger.warning("replica %s read again", alias)
    known.usable, known.problem = usable, problem


def reachable(alias):
    """Whether the replica answers now: its connection's health check, or a new connection.
    One that has gone since its last check is left out until the next."""
    try:
        connections[alias].cursor().close()
    except DatabaseError as error:
        connections[alias].close()
        judge(alias, None, f"unreachable ({error})")
        return False
    return True
