"""Background work of the reporting app. Thin: take ids, refetch, return quietly if gone.

The report mails are called by the report services inside the transaction of the
change: the messages go into the mail outbox (``accounts.outbox``) with it, so a broker
outage loses none."""

from celery import shared_task
from django.urls import reverse

from accounts.enums import MembershipRole, ProgrammeRole
from accounts.mail import absolute_url, send_to_user
from accounts.models import User
from reporting.enums import ReportState
from reporting.models import ProgressReport


@shared_task(name="reporting.send_report_reminders")
def send_report_reminders() -> int:
    """Daily (Celery beat, 08:00 Bishkek time): the reminders due today, each once."""
    from reporting.services.reminders import reminders_send_due

    return reminders_send_due()


def _report(report_id: int) -> ProgressReport | None:
    return (
        ProgressReport.objects.select_related(
            "project", "project__organisation", "project__application__call__programme"
        )
        .filter(pk=report_id)
        .first()
    )


def _members(report: ProgressReport):
    return User.objects.filter(
        memberships__organisation_id=report.project.organisation_id,
        memberships__role__in=MembershipRole.can_edit(),
        is_active=True,
    ).order_by("email")


@shared_task(name="reporting.report_submitted_notify")
def report_submitted_notify(*, report_id: int) -> None:
    """Tell programme staff that a report arrived for review."""
    report = _report(report_id)
    if report is None or report.state != ReportState.SUBMITTED:
        return
    context = {
        "report": report,
        "project": report.project,
        "link": absolute_url(reverse("staff_report_detail", args=[report.pk])),
    }
    # A returned report is submitted again: the time names the submission.
    submitted_at = report.submitted_at.isoformat() if report.submitted_at else ""
    event = f"report-submitted:{report.pk}:{submitted_at}"
    for user in User.objects.filter(role=ProgrammeRole.STAFF, is_active=True).order_by("email"):
        send_to_user(
            user=user,
            template="reporting/email/report_submitted",
            context=context,
            dedup_key=f"{event}:{user.pk}",
        )


def _tell_organisation(report_id: int, *, state: str, template: str) -> None:
    report = _report(report_id)
    if report is None or report.state != state:
        return
    from reporting.services.reports import SECTION_TITLES

    context = {
        "report": report,
        "project": report.project,
        # (section title, comment) in the order of the form; titles in the reader's language.
        "comments": [
            (SECTION_TITLES[section], report.return_comments[section])
            for section in SECTION_TITLES
            if report.return_comments.get(section)
        ],
        "link": absolute_url(reverse("report_detail", args=[report.pk])),
    }
    for user in _members(report):
        send_to_user(user=user, template=template, context=context)


@shared_task(name="reporting.report_returned_notify")
def report_returned_notify(*, report_id: int) -> None:
    _tell_organisation(
        report_id, state=ReportState.RETURNED, template="reporting/email/report_returned"
    )


@shared_task(name="reporting.report_accepted_notify")
def report_accepted_notify(*, report_id: int) -> None:
    _tell_organisation(
        report_id, state=ReportState.ACCEPTED, template="reporting/email/report_accepted"
    )


# Celery discovers tasks in this module only: the donor summary tasks live beside
# their services and are registered through this import.
from reporting.tasks_summaries import build_donor_summary, monthly_donor_summaries  # noqa: E402, F401
