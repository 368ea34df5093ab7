"""Shared test set-up. Tests run against the real PostgreSQL that DATABASE_URL names
(./dev test starts a private cluster when it is unset); pytest-django creates test_<name>."""

import importlib
import os

import pytest
from django.apps import apps as installed_apps
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.db import connection

from tests.verifying_cache import VerifyingCache

ROLES = importlib.import_module("statements.migrations.0019_roles_and_drafts")
CORPORA_VARIABLE = "ARCHIVE_CORPORA"
left_out = []


def pytest_collection_modifyitems(config, items):
    """Tests marked `corpus` read the large real corpora from the folder ARCHIVE_CORPORA names;
    without it they are left out (and the summary says so in one line)."""
    if os.environ.get(CORPORA_VARIABLE):
        return
    kept = []
    for item in items:
        (left_out if item.get_closest_marker("corpus") else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


def pytest_terminal_summary(terminalreporter):
    if left_out:
        terminalreporter.write_line(
            f"{len(left_out)} corpus tests left out: set {CORPORA_VARIABLE} to the folder of the"
            " real corpora to run them."
        )


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Pages link static files through {% static %}; tests run without collectstatic, so they
    use the plain storage instead of the production manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def verified_page_cache(settings):
    """Every test runs with the page cache on, verifying (tests/verifying_cache.py): a page
    stored twice under one key must be the same page both times."""
    settings.CACHES = {
        "default": {
            "BACKEND": "tests.verifying_cache.VerifyingCache",
            "LOCATION": "verified-pages",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
    caches["default"].clear()
    VerifyingCache.differences.clear()
    yield
    differences = list(VerifyingCache.differences)
    VerifyingCache.differences.clear()
    assert not differences, "a page changed under its cache key: " + "; ".join(
        first_difference(kept[0], new[0]) for kept, new in differences[:3]
    )


def first_difference(kept, new):
    at = next((i for i, (a, b) in enumerate(zip(kept, new, strict=False)) if a != b), None)
    at = min(len(kept), len(new)) if at is None else at
    return f"kept {kept[at - 80 : at + 80]!r}, now {new[at - 80 : at + 80]!r}"


@pytest.fixture
def roles(db):
    """The Editors and Reviewers groups as migration 0019 made them. A transactional test
    elsewhere in the suite flushes every table, groups included; the migration's own step
    makes them again."""
    if Group.objects.filter(name__in=["Editors", "Reviewers"]).count() < 2:
        with connection.schema_editor() as schema_editor:
            ROLES.create_roles(installed_apps, schema_editor)
