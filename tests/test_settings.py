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
