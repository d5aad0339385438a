"""Donor summaries under real concurrency: threads racing on PostgreSQL, and a real
Celery worker, started against Redis, making a summary from the committed test data."""

import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection, connections

from reporting.models import DonorRecipient, DonorSummary, SummaryStatus
from reporting.summaries import summary_build, summary_request
from tests.reporting.summary_data import JANUARY, build_programme

START, END = JANUARY


@pytest.fixture
def programme(organisation_a, organisation_b, oblast, applicant_a, applicant_b):
    programme = build_programme(
        organisation_a=organisation_a,
        organisation_b=organisation_b,
        oblast=oblast,
        applicant_a=applicant_a,
        applicant_b=applicant_b,
    )["programme"]
    DonorRecipient.objects.create(
        programme=programme, name="Ann Officer", email="ann@inl.example", language="en"
    )
    return programme


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "summaries"
    return sorted(path for path in root.rglob("*") if path.is_file())


def _needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip(
            "Row locks and concurrent inserts need PostgreSQL: SQLite serialises every "
            "write, so threads cannot race (set DATABASE_URL to a PostgreSQL database)."
        )


@pytest.mark.django_db(transaction=True)
def test_eight_requests_and_builds_at_once_make_one_summary_its_files_and_mail_once(
    programme, staff
):
    _needs_postgresql()
    barrier = threading.Barrier(8)
    errors = []

    def ask_and_build():
        try:
            barrier.wait(timeout=30)
            summary = summary_request(
                programme=programme, period_start=START, period_end=END, by=staff
            )
            summary_build(summary_id=summary.pk)
        except Exception as error:  # reported below, the thread must not die silently
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask_and_build) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    summary = DonorSummary.objects.get()
    assert (summary.programme_id, summary.status, summary.progress) == (
        programme.pk,
        SummaryStatus.READY,
        100,
    )
    assert [path.suffix for path in stored_files()] == [".pdf", ".xlsx"]
    assert [message.to for message in mail.outbox] == [["ann@inl.example"]]


# --- a real worker ---------------------------------------------------------------


@pytest.fixture
def worker_queue(real_celery_worker_on_the_database):
    """A real worker on this test's database and media folder; its queue and log."""
    workers = real_celery_worker_on_the_database
    workers.start(
        env={"MEDIA_ROOT": str(settings.MEDIA_ROOT), "EMAIL_HOST": ""},
        # Autodiscovery finds reporting/tasks.py; name this module in case it is
        # not imported there yet.
        include=("reporting.tasks_summaries",),
    )
    return workers.queue, workers.log_path


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_makes_a_summary_sent_through_redis(worker_queue, programme, staff):
    from reporting.tasks_summaries import build_donor_summary

    queue, log_path = worker_queue
    summary = DonorSummary.objects.create(
        programme=programme, period_start=START, period_end=END, requested_by=staff
    )

    result = build_donor_summary.apply_async(kwargs={"summary_id": summary.pk}, queue=queue)

    assert result.get(timeout=120) == SummaryStatus.READY, log_path.read_text()
    summary.refresh_from_db()
    assert summary.status == SummaryStatus.READY
    assert summary.figures["headline"]["awarded"] == "500000.00"
    assert summary.mailed_at is not None
    assert [path.suffix for path in stored_files()] == [".pdf", ".xlsx"]
    assert (Path(settings.MEDIA_ROOT) / summary.pdf.name).read_bytes().startswith(b"%PDF-")

    # Delivered again (as acks_late allows after a lost worker): nothing happens twice.
    again = build_donor_summary.apply_async(kwargs={"summary_id": summary.pk}, queue=queue)
    assert again.get(timeout=60) == "skipped"
    assert DonorSummary.objects.count() == 1
