"""A project's reporting schedule: interim reports every N months and a final report.

The periods follow each other from the project's start without gaps or overlaps:
interim report ``k`` covers ``[start + (k-1)·N months, start + k·N months - 1 day]``.
An interim period that would end on or after the project's last day is not made; the
final report covers whatever is left (so a 10-month project reporting every 6 months
has one interim report of 6 months and a final one of 4; a 3-month project only a final
one). Each report is due ``grace_days`` after its period ends.

The rhythm comes from the call's ``FundingTerms`` (every 6 months, 15 days' grace when a
call has none).
"""

import calendar
import datetime
from dataclasses import dataclass

from django.db import transaction

from projects.models import FundingTerms, Project
from reporting.enums import ReportKind
from reporting.models import ProgressReport

DEFAULT_EVERY_MONTHS = 6
DEFAULT_GRACE_DAYS = 15


@dataclass(frozen=True)
class PlannedReport:
    kind: str
    number: int
    period_start: datetime.date
    period_end: datetime.date
    due_on: datetime.date


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (or earlier), kept within the month: 31 Jan + 1 -> 28 Feb."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def schedule_plan(
    *,
    starts_on: datetime.date,
    ends_on: datetime.date,
    every_months: int = DEFAULT_EVERY_MONTHS,
    grace_days: int = DEFAULT_GRACE_DAYS,
) -> list[PlannedReport]:
    """The reports of a project running from ``starts_on`` to ``ends_on`` (both included)."""
    if ends_on < starts_on:
        raise ValueError("A project cannot end before it starts.")
    every_months = max(1, int(every_months))
    grace = datetime.timedelta(days=grace_days)
    plan = []
    period_start = starts_on
    number = 1
    while True:
        # Each end is counted from the project's start, so short months do not drift.
        period_end = add_months(starts_on, number * every_months) - datetime.timedelta(days=1)
        if period_end >= ends_on:
            break
        plan.append(
            PlannedReport(ReportKind.INTERIM, number, period_start, period_end, period_end + grace)
        )
        period_start = period_end + datetime.timedelta(days=1)
        number += 1
    plan.append(PlannedReport(ReportKind.FINAL, number, period_start, ends_on, ends_on + grace))
    return plan


def reporting_terms(project: Project) -> tuple[int, int]:
    """(report every N months, grace days) from the call's funding terms, or the defaults."""
    terms = (
        FundingTerms.objects.filter(call_id=project.application.call_id)
        .values_list("report_every_months", "grace_days")
        .first()
    )
    return terms or (DEFAULT_EVERY_MONTHS, DEFAULT_GRACE_DAYS)


@transaction.atomic
def report_schedule_generate(*, project: Project) -> list[ProgressReport]:
    """Make the project's reports; idempotent.

    The project's row is locked so that two calls at once make one schedule. A report
    whose number exists already is left as it is (it may hold the organisation's work),
    so running this again creates nothing new. Registered as a "project created"
    handler (``reporting.apps``), it runs inside the transaction that makes the project.
    """
    locked = Project.objects.select_for_update().select_related("application").get(pk=project.pk)
    every_months, grace_days = reporting_terms(locked)
    existing = set(locked.reports.values_list("number", flat=True))
    missing = []
    for planned in schedule_plan(
        starts_on=locked.starts_on,
        ends_on=locked.ends_on,
        every_months=every_months,
        grace_days=grace_days,
    ):
        if planned.number in existing:
            continue
        report = ProgressReport(
            project=locked,
            kind=planned.kind,
            number=planned.number,
            period_start=planned.period_start,
            period_end=planned.period_end,
            due_on=planned.due_on,
        )
        report.full_clean(exclude=["project"], validate_unique=False)
        missing.append(report)
    ProgressReport.objects.bulk_create(missing)
    return list(locked.reports.order_by("number"))
