"""Reminders about reports still to send, mailed by a daily Celery beat task.

For a report still pending or returned, of an active project:

- a week before the due date (from ``due - 7 days`` until the day before it);
- on the due date;
- weekly while overdue: reminder ``n`` once ``n`` full weeks have passed since the due date.

Only the most recent applicable reminder is sent on a run, so a run that was missed is
made up once (the due-day reminder three days late, the second overdue one instead of
the first and the second), and a "week before" is never sent after the due date.

Each reminder is sent once however often, or however concurrently, the task runs: it is
claimed by inserting its ``ReminderSent`` row (unique per report, kind and sequence);
whoever hits the ``IntegrityError`` lost the claim and sends nothing. The claim and the
mail to every recipient are written in one transaction, the mail into the outbox
(``accounts.outbox``), which sends it once that transaction commits and retries it
there if the mail server fails. If writing the mail fails, the claim goes with it and
the next run tries again.
"""

import datetime
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.enums import MembershipRole
from accounts.mail import absolute_url, send_to_user
from accounts.models import User
from projects.enums import ProjectState
from reporting.enums import ReminderKind, ReportState
from reporting.models import ProgressReport, ReminderSent

logger = logging.getLogger(__name__)

WEEK = datetime.timedelta(days=7)


@dataclass(frozen=True)
class DueReminder:
    kind: str
    sequence: int


def reminder_due(report: ProgressReport, today: datetime.date) -> DueReminder | None:
    """The most recent reminder that applies to a report on ``today``, if any."""
    if report.state not in ReportState.editable():
        return None
    due = report.due_on
    if today < due - WEEK:
        return None
    if today < due:
        return DueReminder(ReminderKind.WEEK_BEFORE, 0)
    weeks = (today - due).days // 7
    if weeks == 0:
        return DueReminder(ReminderKind.DUE_DAY, 0)
    return DueReminder(ReminderKind.OVERDUE, weeks)


def reminder_recipients(report: ProgressReport) -> list[User]:
    """The organisation's owners and editors with an active account."""
    return list(
        User.objects.filter(
            memberships__organisation_id=report.project.organisation_id,
            memberships__role__in=MembershipRole.can_edit(),
            is_active=True,
        ).order_by("email")
    )


def reminder_claim(
    *, report: ProgressReport, kind: str, sequence: int, recipients: str = ""
) -> ReminderSent | None:
    """Insert the reminder's row, or return None if it exists (someone else sends it)."""
    try:
        with transaction.atomic():
            return ReminderSent.objects.create(
                report=report,
                kind=kind,
                sequence=sequence,
                sent_at=timezone.now(),
                recipients=recipients,
            )
    except IntegrityError:
        return None


def _template(kind: str) -> str:
    return f"reporting/email/reminder_{kind}"


def reminder_deliver(*, reminder: ReminderSent, recipients: list[User]) -> None:
    """Put a claimed reminder's mail in the outbox, one per recipient (call it in the
    claim's transaction)."""
    report = reminder.report
    context = {
        "report": report,
        "project": report.project,
        "reminder": reminder,
        "link": absolute_url(reverse("report_detail", args=[report.pk])),
    }
    for user in recipients:
        send_to_user(
            user=user,
            template=_template(reminder.kind),
            context=context,
            dedup_key=f"reminder:{reminder.pk}:{user.pk}",
        )


def reports_needing_reminders(today: datetime.date):
    """Reports that may need a reminder today: still being prepared, due within a week
    or overdue, of a project that is running (suspended and ended projects are left)."""
    return (
        ProgressReport.objects.filter(
            state__in=ReportState.editable(),
            due_on__lte=today + WEEK,
            project__state=ProjectState.ACTIVE,
        )
        .select_related("project", "project__organisation", "project__application__call__programme")
        .order_by("due_on", "pk")
    )


def reminders_send_due(*, today: datetime.date | None = None) -> int:
    """Claim and send the reminders due today; returns how many were claimed."""
    today = today or timezone.localdate()
    claimed = 0
    for report in reports_needing_reminders(today):
        due = reminder_due(report, today)
        if due is None:
            continue
        recipients = reminder_recipients(report)
        if not recipients:
            continue
        try:
            with transaction.atomic():
                reminder = reminder_claim(
                    report=report,
                    kind=due.kind,
                    sequence=due.sequence,
                    recipients=", ".join(user.email for user in recipients),
                )
                if reminder is None:
                    continue
                reminder.report = report
                reminder_deliver(reminder=reminder, recipients=recipients)
        except Exception:
            logger.exception("Reminder %s about report %s not sent", due.kind, report.pk)
            continue
        claimed += 1
    return claimed
