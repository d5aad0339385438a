"""What several test modules start for real: a Celery worker in its own process and
moto's S3 server. The fixtures that use these live in tests/conftest.py
(``real_celery_worker`` and ``s3_bucket``)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
S3_REGION = "us-east-1"
S3_ACCESS_KEY = "portal-test"
S3_SECRET_KEY = "portal-test-secret"  # noqa: S105 - moto accepts any


def test_database_url() -> str:
    """The URL of the database this test runs against (pytest-django's ``test_...``),
    for another process (a worker) to use."""
    from django.db import connection

    database = connection.settings_dict
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = database["HOST"] or "127.0.0.1"
    port = f":{database['PORT']}" if database["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(database['NAME'], safe='')}"


test_database_url.__test__ = False  # a helper, not a test, whatever its name


def stop_process(process: subprocess.Popen, timeout: float = 20) -> None:
    """Terminate ``process`` (if it still runs) and wait for it; kill it if it lingers."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_celery_worker(
    *,
    queue: str,
    log,
    env: dict[str, str] | None = None,
    include: tuple[str, ...] = (),
    loglevel: str = "WARNING",
) -> subprocess.Popen:
    """``celery -A config worker`` (solo pool, one task at a time, no gossip, mingle
    or heartbeat) consuming ``queue`` only, its output written to ``log``."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        *(f"--include={module}" for module in include),
        "-Q",
        queue,
        f"--loglevel={loglevel}",
    ]
    return subprocess.Popen(  # noqa: S603
        command,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


@dataclass
class CeleryWorkers:
    """Starts real workers on one queue of their own, all writing to one log; every
    worker still running is stopped at the end of the test."""

    log_path: Path
    queue: str = field(default_factory=lambda: f"test-{uuid.uuid4().hex[:8]}")
    env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen] = field(default_factory=list)
    _log: object = None

    def start(
        self,
        *,
        env: dict[str, str] | None = None,
        include: tuple[str, ...] = (),
        loglevel: str = "WARNING",
    ) -> subprocess.Popen:
        if self._log is None:
            self._log = self.log_path.open("a")
        process = start_celery_worker(
            queue=self.queue,
            log=self._log,
            env={**self.env, **(env or {})},
            include=include,
            loglevel=loglevel,
        )
        self.processes.append(process)
        return process

    def log(self) -> str:
        if self._log is not None:
            self._log.flush()
        return self.log_path.read_text() if self.log_path.exists() else ""

    def stop_all(self) -> None:
        for process in self.processes:
            stop_process(process)
        if self._log is not None:
            self._log.close()


@dataclass
class S3Bucket:
    """A private bucket on moto's S3 server: its endpoint, a boto3 client and its name."""

    endpoint: str
    client: object
    name: str

    def environment(self) -> dict[str, str]:
        """The variables with which config/settings.py stores files in this bucket."""
        return {
            "FILE_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": self.name,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_S3_REGION_NAME": S3_REGION,
            "AWS_ACCESS_KEY_ID": S3_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY,
        }

    def stored(self) -> dict[str, bytes]:
        """Every object in the bucket: its key and content."""
        listing = self.client.list_objects_v2(Bucket=self.name).get("Contents", [])
        return {
            item["Key"]: self.client.get_object(Bucket=self.name, Key=item["Key"])["Body"].read()
            for item in listing
        }


def start_s3_server():
    """moto's S3 server on a free local port; returns it and its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


def s3_client(endpoint: str):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=S3_REGION,
        aws_access_key_id=S3_ACCESS_KEY,
        aws_secret_access_key=S3_SECRET_KEY,
    )


# --- one Redis database pair per pytest-xdist worker ---------------------------------------

REDIS_DATABASES = 16  # Redis's default ``databases``


def _redis_url_with_db(url: str, db: int) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


def _redis_db(url: str) -> int:
    from urllib.parse import urlsplit

    path = urlsplit(url).path.strip("/")
    return int(path) if path.isdigit() else 0


def xdist_redis_urls(
    redis_url: str | None, cache_url: str | None, worker: str | None
) -> tuple[str | None, str | None]:
    """The broker and cache URLs of pytest-xdist worker ``worker`` ("gw0", "gw1", ...).

    Every test clears the cache (tests/conftest.py) and the real-worker tests use the
    broker, so two workers sharing a Redis database would clear each other's counters
    and cached pages mid-test. Worker ``gwN`` moves the configured databases up by
    N times their span: with ``/0`` and ``/1`` (CI), gw0 keeps 0 and 1, gw1 uses 2 and
    3, and so on. Without xdist, or without Redis, the URLs are unchanged.
    """
    urls = [url for url in (redis_url, cache_url) if url]
    if not urls or not worker or not worker.startswith("gw") or not worker[2:].isdigit():
        return redis_url, cache_url
    databases = [_redis_db(url) for url in urls]
    shift = int(worker[2:]) * (max(databases) - min(databases) + 1)
    if max(databases) + shift >= REDIS_DATABASES:
        raise RuntimeError(
            f"pytest-xdist worker {worker} would need Redis database "
            f"{max(databases) + shift}, beyond the {REDIS_DATABASES} Redis has by default: "
            "run fewer workers (-n) or start from lower database numbers."
        )

    def moved(url):
        return _redis_url_with_db(url, _redis_db(url) + shift) if url else url

    return moved(redis_url), moved(cache_url)
