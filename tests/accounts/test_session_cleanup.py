"""Expired sessions are deleted every day by Celery beat (Django's ``clearsessions``)."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from accounts.tasks import clear_expired_sessions
from config.celery import app

TASK = "accounts.clear_expired_sessions"


def session(key: str, *, expires_in: datetime.timedelta) -> Session:
    return Session.objects.create(
        session_key=key, session_data="e30:1", expire_date=timezone.now() + expires_in
    )


@pytest.mark.django_db
def test_the_task_deletes_expired_sessions_and_keeps_the_others():
    session("expired-yesterday", expires_in=-datetime.timedelta(days=1))
    session("expired-a-second-ago", expires_in=-datetime.timedelta(seconds=1))
    session("still-valid", expires_in=datetime.timedelta(hours=1))

    clear_expired_sessions.delay().get()

    assert list(Session.objects.values_list("session_key", flat=True)) == ["still-valid"]


def test_the_beat_schedule_runs_the_task_every_day():
    entry = app.conf.beat_schedule[TASK]

    assert entry["task"] == TASK
    assert entry["schedule"] == 24 * 60 * 60
    assert TASK in app.tasks


@pytest.mark.django_db
def test_beat_writes_the_entry_into_its_database_schedule(monkeypatch):
    # Beat closes "old" connections before reading its schedule: in a test's transaction
    # that would be the test's own connection.
    monkeypatch.setattr("django_celery_beat.schedulers.close_old_connections", lambda: None)
    scheduler = DatabaseScheduler(app=app, lazy=True)
    scheduler.setup_schedule()
    scheduler.sync()

    task = PeriodicTask.objects.select_related("interval").get(name=TASK)
    assert (task.task, task.enabled) == (TASK, True)
    assert (task.interval.every, task.interval.period) == (24 * 60 * 60, "seconds")
