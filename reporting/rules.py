"""Permission predicates for progress reports: small, composable, no queries beyond
what the report already carries (the selectors prefetch the organisation's members)."""

import datetime

from django.utils import timezone

from accounts.enums import MembershipRole
from grants.rules import is_programme_staff, member_role
from reporting.enums import ReportState


def report_member_role(user, report) -> str | None:
    return member_role(user, report.project.organisation)


def can_edit_report(user, report) -> bool:
    """Owners and editors of the organisation, while the report is pending or returned."""
    return (
        report.state in ReportState.editable()
        and report_member_role(user, report) in MembershipRole.can_edit()
    )


def can_review_report(user, report) -> bool:
    """Programme staff, once the organisation has submitted the report."""
    return is_programme_staff(user) and report.state == ReportState.SUBMITTED


def submission_opens_on(report) -> datetime.date:
    """The first day a report may be submitted: the last month of its period.

    Reporting on a period that has hardly begun makes no sense, but an organisation that
    finishes its activities early may report in the period's last month rather than wait
    for the period to end (``period_end + 1 day - 1 month``, never before the period starts).
    """
    from reporting.services.schedule import add_months

    opens = add_months(report.period_end + datetime.timedelta(days=1), -1)
    return max(opens, report.period_start)


def submission_is_open(report, today: datetime.date | None = None) -> bool:
    return (today or timezone.localdate()) >= submission_opens_on(report)
