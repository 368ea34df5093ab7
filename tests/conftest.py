"""Shared test set-up. Tests run against the real PostgreSQL that DATABASE_URL names
(./dev test starts a private cluster when it is unset); pytest-django creates test_<name>."""

import pytest


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Pages link static files through {% static %}; tests run without collectstatic, so they
    use the plain storage instead of the production manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
