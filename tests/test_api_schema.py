"""Schemathesis against the served OpenAPI schema: requests generated from the schema (valid
and invalid) to every operation of a live server holding the test archive (drafts, quotations
and affiliations included). No answer may be a server error, and every answer must be one the schema
documents: its status code, media type, headers and body."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.builders import build_archive

pytestmark = pytest.mark.django_db(transaction=True)
CHECKS = ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
])  # fmt: skip
ST = Path(sys.executable).with_name("st")


def test_no_request_breaks_the_api_or_its_schema(live_server, tmp_path):
    build_archive()
    run = subprocess.run(
        [
            str(ST),
            "run",
            f"{live_server.url}/api/schema/",
            "--checks",
            CHECKS,
            "--max-examples",
            "12",
            "--seed",
            "20261203",
            "--no-color",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    summary = run.stdout[-6000:]
    assert run.returncode == 0, summary
    assert "13/13" in run.stdout, summary  # every operation of the schema was tried
