"""A real Celery worker, started against Redis, picks up a task and completes it."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from config.celery import app, ping

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.celery_worker


@pytest.fixture
def worker_queue(tmp_path):
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is unset: a real worker needs Redis as its broker (CI sets it).")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(  # noqa: S603
        [
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
            "-Q",
            queue,
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env={**os.environ, "REDIS_URL": settings.REDIS_URL},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_a_real_worker_completes_a_task_sent_through_redis(worker_queue):
    result = ping.apply_async(queue=worker_queue)
    assert result.get(timeout=60) == "pong"
    assert result.successful()


def test_tasks_are_serialised_as_json_and_acknowledged_late():
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_acks_late is True
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
