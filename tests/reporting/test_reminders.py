import datetime
import threading
from unittest.mock import patch

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from projects.enums import ProjectState
from reporting.enums import ReminderKind, ReportState
from reporting.models import ReminderSent
from reporting.services.reminders import (
    DueReminder,
    reminder_claim,
    reminder_due,
    reminders_send_due,
)
from reporting.services.reports import report_set_state
from reporting.tasks import send_report_reminders
from tests.factories import ProgressReportFactory
from tests.reporting.conftest import at_noon

D = datetime.date
DUE = D(2018, 1, 15)  # report 1's due date
WEEK_BEFORE, DUE_DAY, OVERDUE = ReminderKind.WEEK_BEFORE, ReminderKind.DUE_DAY, ReminderKind.OVERDUE


def sent(report):
    return list(report.reminders.order_by("sent_at", "pk").values_list("kind", "sequence"))


def run(day, capture):
    with capture(execute=True):
        return reminders_send_due(today=day)


def test_which_reminder_applies_on_each_day():
    report = ProgressReportFactory.build(due_on=DUE, state=ReportState.PENDING)
    days = {
        D(2018, 1, 7): None,
        D(2018, 1, 8): DueReminder(WEEK_BEFORE, 0),
        D(2018, 1, 14): DueReminder(WEEK_BEFORE, 0),
        D(2018, 1, 15): DueReminder(DUE_DAY, 0),
        D(2018, 1, 18): DueReminder(DUE_DAY, 0),  # the due-day run was missed
        D(2018, 1, 21): DueReminder(DUE_DAY, 0),
        D(2018, 1, 22): DueReminder(OVERDUE, 1),
        D(2018, 1, 29): DueReminder(OVERDUE, 2),
        D(2018, 2, 12): DueReminder(OVERDUE, 4),
    }
    assert {day: reminder_due(report, day) for day in days} == days


def test_no_reminder_about_a_submitted_or_accepted_report():
    for state in [ReportState.SUBMITTED, ReportState.ACCEPTED]:
        report = ProgressReportFactory.build(due_on=DUE, state=state)
        assert reminder_due(report, DUE) is None


def test_a_returned_report_is_still_reminded_about():
    report = ProgressReportFactory.build(due_on=DUE, state=ReportState.RETURNED)
    assert reminder_due(report, D(2018, 1, 22)) == DueReminder(OVERDUE, 1)


@pytest.mark.django_db
def test_a_claim_is_taken_once(report_a):
    first = reminder_claim(report=report_a, kind=DUE_DAY, sequence=0)
    second = reminder_claim(report=report_a, kind=DUE_DAY, sequence=0)

    assert first is not None
    assert second is None
    assert ReminderSent.objects.count() == 1


@pytest.mark.django_db
def test_daily_runs_send_each_reminder_once_to_owners_and_editors(
    report_a, applicant_a, editor_a, viewer_a, django_capture_on_commit_callbacks
):
    day = D(2018, 1, 1)
    while day <= D(2018, 2, 6):
        run(day, django_capture_on_commit_callbacks)
        run(day, django_capture_on_commit_callbacks)  # the task fired twice that day
        day += datetime.timedelta(days=1)

    assert sent(report_a) == [
        (WEEK_BEFORE, 0),
        (DUE_DAY, 0),
        (OVERDUE, 1),
        (OVERDUE, 2),
        (OVERDUE, 3),
    ]
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [applicant_a.email, editor_a.email] * 5
    )
    assert report_a.reminders.first().recipients == f"{applicant_a.email}, {editor_a.email}"


@pytest.mark.django_db
def test_a_missed_run_sends_only_the_latest_reminder_once(
    report_a, applicant_a, django_capture_on_commit_callbacks
):
    run(D(2018, 1, 30), django_capture_on_commit_callbacks)  # nothing ran before
    run(D(2018, 1, 31), django_capture_on_commit_callbacks)

    assert sent(report_a) == [(OVERDUE, 2)]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == f"Overdue report: {report_a.project.agreement_number}"
    assert "2 weeks ago" in mail.outbox[0].body


@pytest.mark.django_db
def test_the_week_before_reminder_is_not_sent_after_the_due_date(
    report_a, applicant_a, django_capture_on_commit_callbacks
):
    run(DUE, django_capture_on_commit_callbacks)

    assert sent(report_a) == [(DUE_DAY, 0)]
    assert mail.outbox[0].subject == f"Report due today: {report_a.project.agreement_number}"


@pytest.mark.django_db
def test_no_reminder_once_the_report_is_submitted_or_the_project_suspended(
    report_a, project_a, applicant_a, django_capture_on_commit_callbacks
):
    final = project_a.reports.get(number=2)
    report_set_state(report=report_a, to_state=ReportState.SUBMITTED, by=applicant_a)
    type(project_a).objects.filter(pk=project_a.pk).update(state=ProjectState.SUSPENDED)

    claimed = run(final.due_on, django_capture_on_commit_callbacks)

    assert claimed == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_reminder_whose_mail_failed_is_sent_on_the_next_run(
    report_a, applicant_a, django_capture_on_commit_callbacks
):
    with patch("reporting.services.reminders.send_to_user", side_effect=OSError("SMTP down")):
        run(DUE, django_capture_on_commit_callbacks)
    assert ReminderSent.objects.count() == 0

    run(DUE + datetime.timedelta(days=1), django_capture_on_commit_callbacks)

    assert sent(report_a) == [(DUE_DAY, 0)]
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_reminder_goes_in_the_members_language(
    report_a, applicant_a, django_capture_on_commit_callbacks
):
    applicant_a.language = "ru"
    applicant_a.save(update_fields=["language"])
    languages = []

    def record(*, to, template, context, language, dedup_key=""):
        languages.append((to, template, language))

    with patch("accounts.mail.send_templated", side_effect=record):
        run(DUE, django_capture_on_commit_callbacks)

    assert languages == [(applicant_a.email, "reporting/email/reminder_due_day", "ru")]


@pytest.mark.django_db
def test_reminders_are_shown_on_the_reports_timeline(
    client, report_a, applicant_a, django_capture_on_commit_callbacks
):
    with patch("django.utils.timezone.now", return_value=at_noon(D(2018, 1, 8))):
        run(D(2018, 1, 8), django_capture_on_commit_callbacks)
    client.force_login(applicant_a)

    response = client.get(reverse("report_detail", args=[report_a.pk]))

    labels = [entry["label"] for entry in response.context["timeline"]]
    assert labels == ["Reminder sent: A week before the due date"]
    assert "Reminder sent: A week before the due date" in response.content.decode()


@pytest.mark.django_db
def test_the_daily_task_sends_what_is_due_today(
    report_a, applicant_a, django_capture_on_commit_callbacks
):
    with (
        patch("django.utils.timezone.now", return_value=at_noon(DUE)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        claimed = send_report_reminders.delay().get()

    assert claimed == 1
    assert sent(report_a) == [(DUE_DAY, 0)]


@pytest.mark.django_db
def test_beat_runs_the_reminders_daily_at_eight_in_bishkek():
    task = PeriodicTask.objects.get(task="reporting.send_report_reminders")

    assert (task.enabled, task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == (
        True,
        "8",
        "0",
        "Asia/Bishkek",
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises every write, so concurrent runs cannot race there; "
    "run with DATABASE_URL=postgres://... to test the claims under concurrency.",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_send_each_reminder_once(organisation_a, applicant_a):
    from django.db import connections

    from tests.reporting.conftest import make_project

    projects = [make_project(organisation_a) for _number in range(3)]
    runners = 6
    barrier = threading.Barrier(runners)
    errors = []

    def run_once():
        try:
            barrier.wait()
            reminders_send_due(today=DUE)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    jobs = [threading.Thread(target=run_once) for _number in range(runners)]
    for job in jobs:
        job.start()
    for job in jobs:
        job.join()

    assert errors == []
    assert ReminderSent.objects.count() == 3
    assert sorted(ReminderSent.objects.values_list("report__project_id", flat=True)) == sorted(
        project.pk for project in projects
    )
    assert len(mail.outbox) == 3
