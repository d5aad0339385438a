from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    INTERIM = "interim", _("Interim report")
    FINAL = "final", _("Final report")


class ReportState(models.TextChoices):
    """Stored states. "Not yet due", "due" and "overdue" are read from the dates of a
    report still being prepared (see ProgressReport.status)."""

    PENDING = "pending", _("Being prepared")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for changes")
    ACCEPTED = "accepted", _("Accepted")

    @classmethod
    def editable(cls):
        return [cls.PENDING, cls.RETURNED]


REPORT_TRANSITIONS = {
    ReportState.PENDING: [ReportState.SUBMITTED],
    ReportState.SUBMITTED: [ReportState.RETURNED, ReportState.ACCEPTED],
    ReportState.RETURNED: [ReportState.SUBMITTED],
    ReportState.ACCEPTED: [],
}


class ReportStatus(models.TextChoices):
    """What people see: the stored state with the calendar applied."""

    NOT_YET_DUE = "not_yet_due", _("Not yet due")
    DUE = "due", _("Due")
    OVERDUE = "overdue", _("Overdue")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for changes")
    ACCEPTED = "accepted", _("Accepted")


class ReminderKind(models.TextChoices):
    WEEK_BEFORE = "week_before", _("A week before the due date")
    DUE_DAY = "due_day", _("On the due date")
    OVERDUE = "overdue", _("Overdue")


class ReportSection(models.TextChoices):
    NARRATIVE = "narrative", _("Narrative")
    INDICATORS = "indicators", _("Indicators")
    SPENDING = "spending", _("Spending")
    COFINANCING = "cofinancing", _("Co-financing received")
    FILES = "files", _("Photos and documents")
