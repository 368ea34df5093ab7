"""The public-page cache: a page answered to an anonymous reader is kept in the shared cache
(Redis in production, local memory per process without REDIS_URL) under a key made of
everything the page is made from: the archive's version, the database, the full URL, the
X-Fragment header, the settings the lists read, and the release (the code, templates and
static files that render it). Every change to the archive moves the version (database
triggers, whatever wrote it), so a change makes every older entry unreachable: no reader gets
a page older than the archive, nor one rendered by an older release. Old entries are not
deleted; they expire (PAGE_CACHE_SECONDS) or are evicted by the cache's own policy.

Left out: editors (any request with a session: readers are never given one), answers other
than 200, answers that set a cookie, read the session or carry a CSRF token, and answers that
say they must not be stored (Cache-Control: no-store or private)."""

import functools
import hashlib
import logging
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import split_header_value

from ..models import ArchiveVersion
from ..positions.params import count_cap, per_page
from ..routing import for_readers

CACHE_ALIAS = "default"
# What a page renders differently by, beyond its URL: the positions and search pages answer
# their results alone for `X-Fragment: results`.
VARY_HEADERS = ("HTTP_X_FRAGMENT",)
NOT_STORED = {"no-store", "no-cache", "private"}
logger = logging.getLogger(__name__)


# What renders the pages: a new release must not serve the entries of the one before it
# (Redis outlives a deploy).
RELEASE_SOURCES = ("statements", "templates", "static", "policy", "uv.lock")


@functools.cache
def release():
    """A digest of the files that render the pages, read once per process."""
    digest = hashlib.sha256()
    for source in RELEASE_SOURCES:
        root = Path(settings.BASE_DIR) / source
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(settings.BASE_DIR)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def page_key(request, version):
    """The entry of this request's page at this version of the archive."""
    # A version is one database's: the primary's, whose history its replicas replay (the
    # version is read from the replica that renders the page, so it is the page's).
    database = connections[DEFAULT_DB_ALIAS].settings_dict
    parts = [
        version,
        f"{database['HOST']}:{database['PORT']}/{database['NAME']}",
        request.build_absolute_uri(),  # scheme and host too: the canonical link names them
        f"{release()} per_page={per_page()} cap={count_cap()}",
        # The day: citations name the date they were accessed.
        timezone.localdate().isoformat(),
    ]
    for header in VARY_HEADERS:
        value = request.META.get(header)
        # An absent header must not share an entry with an empty one.
        parts.append("-" if value is None else f"={value}")
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"page:{digest}"


def storable(request, response):
    """Whether the answer is the same for every reader of this URL at this version."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):  # the page asked for a CSRF token
        return False
    session = getattr(request, "session", None)
    if session is not None and (session.accessed or session.modified):
        return False
    directives = {
        d.split("=", 1)[0].strip().lower()
        for d in split_header_value(response.get("Cache-Control", ""))
    }
    return not directives & NOT_STORED


def frozen(response):
    """What is kept of an answer: its body and its own headers (the middleware adds theirs to
    every answer, from the cache or not)."""
    return response.content, dict(response.items())


def thawed(entry):
    content, headers = entry
    return HttpResponse(content, headers=headers)


def cached_page(view):
    """Serve a reader's page from the cache at the archive's current version, or render it
    and keep it. The version is read before the page, and from the same database (a replica,
    for a reader: statements/routing.py): a page kept under a version shows that version or a
    newer one, never an older."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        seconds = getattr(settings, "PAGE_CACHE_SECONDS", 0)
        if not seconds or not for_readers(request):
            return view(request, *args, **kwargs)
        version, _changed = ArchiveVersion.current()
        key = page_key(request, version)
        cache = caches[CACHE_ALIAS]
        try:
            entry = cache.get(key)
        except Exception:  # the cache only saves work: with it gone, pages are rendered
            logger.warning("page cache unreachable", exc_info=True)
            entry = None
        if entry is not None:
            return thawed(entry)
        response = view(request, *args, **kwargs)
        if storable(request, response):
            try:
                cache.set(key, frozen(response), seconds)
            except Exception:
                logger.warning("page cache unreachable", exc_info=True)
        return response

    return wrapper
