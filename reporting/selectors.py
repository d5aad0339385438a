"""Reads of progress reports, each with the joins its page needs.

Access is decided in the queryset: programme staff reach every report; a person
reaches the reports of the organisations they belong to; nobody else reaches any
(committee members and donor viewers included). What is not in the queryset is a 404.
"""

import datetime
from decimal import Decimal

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from accounts.models import Membership
from grants.rules import is_programme_staff
from projects.enums import ProjectState
from projects.models import Cofinancing, Indicator, ProjectBudgetLine
from reporting.enums import ReportState, ReportStatus
from reporting.models import (
    CofinancingReceipt,
    IndicatorProgress,
    ProgressReport,
    ReportFile,
    Spending,
)

MEMBERS = Prefetch(
    "project__organisation__memberships",
    queryset=Membership.objects.only("user_id", "role", "organisation_id"),
)


def _reports() -> QuerySet[ProgressReport]:
    return ProgressReport.objects.select_related(
        "project",
        "project__organisation",
        "project__application__call__programme",
    )


def reports_for_user(user) -> QuerySet[ProgressReport]:
    """Reports a user may open: staff all, members their organisations' ones."""
    queryset = _reports().prefetch_related(MEMBERS)
    if not user.is_authenticated:
        return queryset.none()
    if is_programme_staff(user):
        return queryset
    return queryset.filter(project__organisation__memberships__user=user)


def reports_of_my_organisations(user) -> QuerySet[ProgressReport]:
    """The reports of the organisations a person belongs to, the next due first
    (staff included: the staff list of every report is ``staff_reports``)."""
    if not user.is_authenticated:
        return ProgressReport.objects.none()
    return (
        _reports()
        .filter(project__organisation__memberships__user=user)
        .exclude(project__state=ProjectState.TERMINATED)
        .annotate(
            done=Case(
                When(state=ReportState.ACCEPTED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("done", "due_on", "project__agreement_number", "pk")
    )


def staff_reports(user) -> QuerySet[ProgressReport]:
    """Every report for programme staff (submitted ones first), nothing for others."""
    if not is_programme_staff(user):
        return ProgressReport.objects.none()
    return _reports().annotate(
        awaiting=Case(
            When(state=ReportState.SUBMITTED, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    )


def status_filter(status: str, today: datetime.date | None = None) -> Q:
    """The rows whose ``ProgressReport.status(today)`` is ``status``, as a database filter."""
    today = today or timezone.localdate()
    pending = Q(state=ReportState.PENDING)
    if status == ReportStatus.NOT_YET_DUE:
        return pending & Q(period_end__gte=today)
    if status == ReportStatus.DUE:
        return pending & Q(period_end__lt=today, due_on__gte=today)
    if status == ReportStatus.OVERDUE:
        return pending & Q(due_on__lt=today)
    return Q(state=status)


def report_with_everything(queryset: QuerySet[ProgressReport]) -> QuerySet[ProgressReport]:
    """Everything a report's page shows, in a fixed number of queries."""
    return queryset.prefetch_related(
        Prefetch(
            "indicator_values",
            queryset=IndicatorProgress.objects.order_by("indicator__order", "indicator__pk"),
        ),
        Prefetch("spending", queryset=Spending.objects.order_by("budget_line__order", "pk")),
        Prefetch("cofinancing_received", queryset=CofinancingReceipt.objects.order_by("pk")),
        Prefetch("files", queryset=ReportFile.objects.order_by("pk")),
        "reminders",
        Prefetch(
            "project__indicators",
            queryset=Indicator.objects.select_related("location__region").order_by("order", "pk"),
        ),
        Prefetch(
            "project__budget_lines", queryset=ProjectBudgetLine.objects.order_by("order", "pk")
        ),
        Prefetch("project__cofinancing", queryset=Cofinancing.objects.order_by("pk")),
    )


def spending_accepted_before(report: ProgressReport) -> dict[int, Decimal]:
    """Per budget line of the project: what the project's other accepted reports spent."""
    rows = (
        Spending.objects.filter(
            report__project_id=report.project_id, report__state=ReportState.ACCEPTED
        )
        .exclude(report_id=report.pk)
        .values("budget_line_id")
        .annotate(total=Sum("amount"))
    )
    return {row["budget_line_id"]: row["total"] or Decimal("0") for row in rows}


def report_figures(report: ProgressReport) -> dict:
    """The report's tables as its pages show them, from the prefetched rows: each
    indicator with its figures, each budget line with the running total of spending
    (accepted reports + this one) against its budget, each source with its receipt."""
    accepted_before = spending_accepted_before(report)
    progress = {row.indicator_id: row for row in report.indicator_values.all()}
    spent = {row.budget_line_id: row.amount for row in report.spending.all()}
    received = {row.cofinancing_id: row.amount for row in report.cofinancing_received.all()}
    spending = []
    for line in report.project.budget_lines.all():
        before = accepted_before.get(line.pk, Decimal("0"))
        amount = spent.get(line.pk)
        running = before + (amount or Decimal("0"))
        spending.append(
            {
                "line": line,
                "amount": amount,
                "accepted_before": before,
                "running": running,
                "over_budget": running > line.amount,
            }
        )
    return {
        "indicators": [
            {"indicator": indicator, "progress": progress.get(indicator.pk)}
            for indicator in report.project.indicators.all()
        ],
        "spending": spending,
        "spending_total": sum((row["amount"] or 0 for row in spending), Decimal("0")),
        "cofinancing": [
            {"source": source, "amount": received.get(source.pk)}
            for source in report.project.cofinancing.all()
        ],
    }


def report_timeline(report: ProgressReport) -> list[dict]:
    """The report's changes of state and the reminders sent about it, oldest first."""
    from django.utils.translation import gettext as _

    from grants.services.states import timeline_for

    labels = dict(ReportState.choices)
    entries = [
        {
            "at": transition.at,
            "label": labels.get(transition.to_state, transition.to_state),
            "by": transition.by,
            "reason": transition.reason,
            "is_reminder": False,
        }
        for transition in timeline_for(report)
    ]
    for reminder in report.reminders.all():
        label = _("Reminder sent: %(kind)s") % {"kind": reminder.get_kind_display()}
        if reminder.sequence:
            label += f" ({reminder.sequence})"
        entries.append(
            {
                "at": reminder.sent_at,
                "label": label,
                "by": None,
                "reason": reminder.recipients,
                "is_reminder": True,
            }
        )
    return sorted(entries, key=lambda entry: entry["at"])
