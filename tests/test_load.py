"""Fifty people at once on the production set-up (gunicorn, DEBUG off, PostgreSQL,
Redis) for a minute: no server error, and every submission the portal confirmed is in
the database, and no other (issue 7).

It runs scripts/loadtest.py, which makes its own throw-away database (seeded with
``seed_scale --scale 0.02``), serves it with gunicorn, drives it with locust and drops
it at the end. Skipped unless DATABASE_URL is PostgreSQL and REDIS_URL is set (CI sets
both)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.load


@pytest.fixture
def load_environment():
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        pytest.skip("DATABASE_URL is not PostgreSQL: the load test needs the real server.")
    if not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is unset: the load test runs the production cache and broker.")
    return database_url


def test_fifty_users_for_a_minute_get_no_server_error_and_lose_no_submission(
    load_environment, tmp_path
):
    output = tmp_path / "loadtest.json"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "loadtest.py"),
            "--users=50",
            "--duration=60",
            "--scale=0.02",
            f"--server-url={load_environment}",
            f"--output={output}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert output.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(output.read_text())

    assert report["server_errors"] == 0, report["server_error_requests"]
    assert report["unanswered"] == 0, report["statuses"]
    assert report["submissions_confirmed"] > 0, report["refused"][:10]
    assert report["submissions_confirmed"] == report["submissions_in_database"]
    assert report["lost"] == []
    assert result.returncode == 0, result.stdout[-3000:]
