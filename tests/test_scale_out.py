"""Scaling out: two web processes, one database, one Redis and one S3-compatible store.

Two real gunicorn servers are started against a throw-away PostgreSQL database made
for this test, the run's Redis (sessions and cache) and an S3 server (moto's) holding
the uploaded files. An applicant signs in and uploads a document on server A; server B,
given the same cookies, knows them and hands back the same bytes. Neither server keeps
anything on its own disk.

Skipped unless the run is on PostgreSQL with Redis (as CI is): two processes cannot
share the in-memory SQLite database nor a local-memory cache.
"""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "scale-out-Passw0rd"
# The applicant, their organisation and a draft application, made with the test
# factories inside the throw-away database; the last line reports the ids.
SETUP_SCRIPT = f"""
from tests.factories import ApplicationFactory, MembershipFactory, UserFactory
user = UserFactory(email="ainura@scale.example", password={PASSWORD!r})
membership = MembershipFactory(user=user)
application = ApplicationFactory(organisation=membership.organisation, created_by=user)
print("application", application.pk)
"""
STARTUP_SECONDS = 30


def _requirements():
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip(
            "Two web processes need a database both can reach: set DATABASE_URL to "
            "PostgreSQL (as CI does)."
        )
    if not settings.REDIS_CACHE_URL:
        pytest.skip(
            "Two web processes share sessions and cache through Redis: set REDIS_URL (as CI does)."
        )
    return database


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _maintenance_connection(database):
    import psycopg2

    connection = psycopg2.connect(
        dbname="postgres",
        user=database["USER"] or None,
        password=database["PASSWORD"] or None,
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or None,
    )
    connection.autocommit = True
    return connection


@pytest.fixture
def throwaway_database_url():
    """A fresh, migrated PostgreSQL database beside the run's own, dropped afterwards."""
    from urllib.parse import quote

    database = _requirements()
    name = f"grants_scaleout_{uuid.uuid4().hex[:10]}"
    maintenance = _maintenance_connection(database)
    with maintenance.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = database["HOST"] or "127.0.0.1"
    port = f":{database['PORT']}" if database["PORT"] else ""
    try:
        yield f"postgres://{credentials}@{host}{port}/{name}"
    finally:
        with maintenance.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        maintenance.close()


def _run(command, env, tmp_path, name):
    log = tmp_path / f"{name}.log"
    with log.open("w") as output:
        finished = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=120,
            check=False,
        )
    assert finished.returncode == 0, log.read_text()
    return log.read_text()


def _wait_until_serving(base_url, process, log_path):
    import requests

    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{base_url} stopped at start-up:\n{log_path.read_text()}")
        try:
            if requests.get(f"{base_url}/accounts/login/", timeout=10).status_code == 200:
                return
        except requests.RequestException:
            pass  # not listening yet, or still loading the application
        time.sleep(0.2)
    pytest.fail(f"{base_url} did not answer within {STARTUP_SECONDS} s:\n{log_path.read_text()}")


@pytest.fixture
def two_web_servers(throwaway_database_url, s3_bucket, tmp_path):
    """Servers A and B: separate gunicorn processes, each with its own (empty) media
    folder, sharing the database, Redis, the S3 bucket (moto's, tests/conftest.py) and
    the secret key."""
    shared = {
        **os.environ,
        "DJANGO_DEBUG": "True",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": throwaway_database_url,
        "DATABASE_CONN_MAX_AGE": "0",
        "REDIS_URL": settings.REDIS_URL,
        "REDIS_CACHE_URL": settings.REDIS_CACHE_URL,
        "CELERY_TASK_ALWAYS_EAGER": "True",
        "EMAIL_HOST": "",
        **s3_bucket.environment(),
    }
    _run(["migrate", "--noinput", "-v", "0"], shared, tmp_path, "migrate")

    servers, processes, logs = {}, [], []
    try:
        for name in ("A", "B"):
            port = _free_port()
            media_root = tmp_path / f"media-{name}"
            media_root.mkdir()
            log_path = tmp_path / f"server-{name}.log"
            log = log_path.open("w")
            logs.append(log)
            process = subprocess.Popen(  # noqa: S603
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "1",
                    "--access-logfile",
                    "-",
                ],
                cwd=ROOT,
                env={**shared, "MEDIA_ROOT": str(media_root)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            processes.append(process)
            servers[name] = {
                "url": f"http://127.0.0.1:{port}",
                "media_root": media_root,
                "process": process,
                "log": log_path,
            }
        # The applicant is made while the two servers boot.
        setup = _run(["shell", "-c", SETUP_SCRIPT], shared, tmp_path, "setup")
        application_pk = int(re.findall(r"^application (\d+)$", setup, re.MULTILINE)[-1])
        for server in servers.values():
            _wait_until_serving(server["url"], server["process"], server["log"])
        yield servers, application_pk
    finally:
        for process in processes:
            process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in logs:
            log.close()


def _csrf(session, url) -> str:
    page = session.get(url, timeout=10)
    assert page.status_code == 200, page.text[:500]
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def test_two_web_processes_share_one_users_session_and_uploaded_files(two_web_servers, s3_bucket):
    import requests
    from django.core.cache import cache

    servers, application_pk = two_web_servers
    a, b = servers["A"]["url"], servers["B"]["url"]
    s3, bucket = s3_bucket.client, s3_bucket.name
    documents = f"/applications/{application_pk}/edit/documents/"
    # Past Django's 2.5 MB in-memory limit: the upload is spooled to a temporary file
    # on A, and B's download from S3 to one, and must still arrive byte for byte.
    content = b"%PDF-1.4\n" + secrets.token_bytes(3 * 1024 * 1024) + b"\n%%EOF\n"

    on_a = requests.Session()
    signed_in = on_a.post(
        f"{a}/accounts/login/",
        data={
            "login": "ainura@scale.example",
            "password": PASSWORD,
            "csrfmiddlewaretoken": _csrf(on_a, f"{a}/accounts/login/"),
        },
        allow_redirects=False,
        timeout=10,
    )
    assert signed_in.status_code == 302, signed_in.text[:2000]
    session_key = on_a.cookies["sessionid"]
    uploaded = on_a.post(
        f"{a}{documents}",
        data={"csrfmiddlewaretoken": _csrf(on_a, f"{a}{documents}")},
        files={"document_extra": ("work-plan.pdf", content, "application/pdf")},
        allow_redirects=False,
        timeout=30,
    )
    assert (uploaded.status_code, uploaded.headers.get("Location")) == (302, documents)

    # B is handed A's cookies: the same person, signed in, sees the file A stored.
    on_b = requests.Session()
    on_b.cookies.update(on_a.cookies)
    page = on_b.get(f"{b}{documents}", allow_redirects=False, timeout=10)
    assert page.status_code == 200
    assert 'action="/accounts/logout/"' in page.text  # the signed-in header
    links = re.findall(rf'href="(/applications/{application_pk}/attachments/\d+/)"', page.text)
    assert len(links) == 1
    assert "work-plan.pdf" in page.text
    downloaded = on_b.get(f"{b}{links[0]}", timeout=30)
    assert downloaded.status_code == 200
    assert downloaded.headers["Content-Disposition"] == 'attachment; filename="work-plan.pdf"'
    assert downloaded.content == content

    # The session lives in the shared Redis; the file in the bucket, private, and on
    # neither server's disk.
    assert cache.get(f"django.contrib.sessions.cached_db{session_key}")["_auth_user_id"]
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert len(keys) == 1
    assert keys[0].startswith(f"applications/{application_pk}/")
    assert s3.get_object(Bucket=bucket, Key=keys[0])["Body"].read() == content
    grants = s3.get_object_acl(Bucket=bucket, Key=keys[0])["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert [p for s in servers.values() for p in s["media_root"].rglob("*")] == []

    # Signing out on B signs the person out on A too.
    signed_out = on_b.post(
        f"{b}/accounts/logout/",
        data={"csrfmiddlewaretoken": _csrf(on_b, f"{b}/accounts/logout/")},
        allow_redirects=False,
        timeout=10,
    )
    assert signed_out.status_code == 302
    again = on_a.get(f"{a}{documents}", allow_redirects=False, timeout=10)
    assert (again.status_code, again.headers["Location"].split("?")[0]) == (
        302,
        "/accounts/login/",
    )
