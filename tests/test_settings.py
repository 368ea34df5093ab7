"""The settings' refusals, each in a fresh interpreter with its own environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def settings_with(**env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import policy.settings as s; print(s.DEBUG, s.SECRET_KEY)"],
        cwd=ROOT, env=environment, capture_output=True, text=True,
    )  # fmt: skip


def test_without_a_key_production_refuses_to_start():
    result = settings_with()
    assert result.returncode != 0 and "Set DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize("flag", [{"DJANGO_DEV": "1"}, {"DJANGO_DEBUG": "1"}])
def test_the_development_key_serves_this_machine(flag):
    assert settings_with(**flag).stdout.split()[1] == "dev-only-insecure-key"
    result = settings_with(**flag, DJANGO_ALLOWED_HOSTS="archive.example.org,127.0.0.1")
    assert result.returncode != 0
    assert "serves this machine only" in result.stderr and "archive.example.org" in result.stderr


def test_a_key_of_its_own_serves_any_host():
    result = settings_with(DJANGO_SECRET_KEY="k" * 50, DJANGO_ALLOWED_HOSTS="archive.example.org")
    assert result.returncode == 0 and result.stdout.split() == ["False", "k" * 50]


def deploy_check(**env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=environment, capture_output=True, text=True,
    )  # fmt: skip


def test_production_settings_pass_the_deploy_check():
    key = "a-production-key-of-fifty-characters-or-more-0123456789-abcdef"
    result = deploy_check(DJANGO_SECRET_KEY=key, DJANGO_ALLOWED_HOSTS="archive.example.org",
                          DJANGO_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO")  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    # The development settings are not production ones, and the check says so.
    assert deploy_check(DJANGO_DEV="1").returncode != 0


def replica_settings(**env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_REPLICA")}
    environment.update(DJANGO_DEV="1", **env)
    show = (
        "import policy.settings as s; "
        "print(sorted(s.DATABASES)); print(getattr(s, 'DATABASE_ROUTERS', [])); "
        "print('statements.routing.ReplicaReadsMiddleware' in s.MIDDLEWARE); "
        "print([(d['HOST'], d['PORT'], d['OPTIONS'].get('connect_timeout'), d['TEST']) "
        "       for a, d in sorted(s.DATABASES.items()) if a != 'default']); "
        "print([d.get('DISABLE_SERVER_SIDE_CURSORS', False) for d in s.DATABASES.values()])"
    )
    return subprocess.run(
        [sys.executable, "-c", show], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def test_without_replicas_everything_is_on_the_primary():
    result = replica_settings(DATABASE_REPLICA_URL="")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["['default']", "[]", "False", "[]", "[False]"]


def test_each_replica_url_is_a_database_read_through_the_router():
    urls = (
        "postgresql://a@replica-1:5433/archive, postgresql://a@replica-2/archive?connect_timeout=5"
    )
    result = replica_settings(DATABASE_REPLICA_URL=urls, DJANGO_DISABLE_SERVER_SIDE_CURSORS="1")
    assert result.returncode == 0, result.stderr
    mirror = "{'MIRROR': 'default'}"
    assert result.stdout.splitlines() == [
        "['default', 'replica_1', 'replica_2']",
        "['statements.routing.ReplicaRouter']",
        "True",
        f"[('replica-1', 5433, 2, {mirror}), ('replica-2', '', 5, {mirror})]",
        "[True, True, True]",
    ]


@pytest.mark.parametrize("value", ["soon", "-1", "inf", "nan"])
def test_a_replica_lag_that_is_no_number_of_seconds_is_refused(value):
    result = replica_settings(DATABASE_REPLICA_MAX_LAG=value)
    assert result.returncode != 0
    assert f"DATABASE_REPLICA_MAX_LAG must be a number of seconds, not {value!r}" in result.stderr
