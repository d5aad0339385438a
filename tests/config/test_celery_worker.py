"""A real Celery worker, started against Redis, picks up a task and completes it."""

import pytest

from config.celery import app, ping

pytestmark = pytest.mark.celery_worker


def test_a_real_worker_completes_a_task_sent_through_redis(real_celery_worker):
    real_celery_worker.start()
    result = ping.apply_async(queue=real_celery_worker.queue)
    assert result.get(timeout=60) == "pong", real_celery_worker.log()
    assert result.successful()


def test_tasks_are_serialised_as_json_and_acknowledged_late():
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_acks_late is True
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
