import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grants.models.calls import MONEY
from reporting.enums import ReminderKind, ReportKind, ReportState, ReportStatus


class ProgressReport(models.Model):
    """One report of a project's schedule: made when the project starts."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="reports"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    number = models.PositiveSmallIntegerField(_("number"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    due_on = models.DateField(_("due on"))
    state = models.CharField(
        _("state"), max_length=12, choices=ReportState.choices, default=ReportState.PENDING
    )
    achievements = models.TextField(_("achievements"), blank=True)
    challenges = models.TextField(_("challenges"), blank=True)
    lessons = models.TextField(_("lessons learnt"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    # Optimistic concurrency per section, as in applications.
    section_versions = models.JSONField(default=dict, blank=True)
    # Staff's comments when returning, by section (ReportSection values as keys).
    return_comments = models.JSONField(default=dict, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="report_number_once"),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="report_period_ordered"
            ),
        ]
        indexes = [models.Index(fields=["state", "due_on"], name="report_state_due_idx")]

    def __str__(self):
        return f"{self.project.agreement_number} · {self.get_kind_display()} {self.number}"

    def status(self, today: datetime.date | None = None) -> str:
        if self.state != ReportState.PENDING:
            return self.state
        today = today or timezone.localdate()
        if today > self.due_on:
            return ReportStatus.OVERDUE
        if today > self.period_end:
            return ReportStatus.DUE
        return ReportStatus.NOT_YET_DUE


class IndicatorProgress(models.Model):
    """Progress on one indicator in one report's period."""

    report = models.ForeignKey(
        ProgressReport, on_delete=models.CASCADE, related_name="indicator_values"
    )
    indicator = models.ForeignKey(
        "projects.Indicator", on_delete=models.CASCADE, related_name="progress"
    )
    value = models.DecimalField(
        _("achieved in the period"), max_digits=14, decimal_places=2, default=0
    )
    women = models.PositiveIntegerField(_("women"), null=True, blank=True)
    men = models.PositiveIntegerField(_("men"), null=True, blank=True)
    girls = models.PositiveIntegerField(_("girls"), null=True, blank=True)
    boys = models.PositiveIntegerField(_("boys"), null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("indicator progress")
        verbose_name_plural = _("indicator progress")
        constraints = [
            models.UniqueConstraint(fields=["report", "indicator"], name="indicator_progress_once")
        ]

    def __str__(self):
        return f"{self.indicator}: {self.value}"


class Spending(models.Model):
    """Money spent on one budget line in one report's period."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="spending")
    budget_line = models.ForeignKey(
        "projects.ProjectBudgetLine", on_delete=models.CASCADE, related_name="spending"
    )
    amount = models.DecimalField(_("spent in the period"), **MONEY, default=0)

    class Meta:
        verbose_name = _("spending")
        verbose_name_plural = _("spending")
        constraints = [
            models.UniqueConstraint(fields=["report", "budget_line"], name="spending_once_per_line")
        ]

    def __str__(self):
        return f"{self.budget_line}: {self.amount}"


class CofinancingReceipt(models.Model):
    """Co-financing received in one report's period from one committed source."""

    report = models.ForeignKey(
        ProgressReport, on_delete=models.CASCADE, related_name="cofinancing_received"
    )
    cofinancing = models.ForeignKey(
        "projects.Cofinancing", on_delete=models.CASCADE, related_name="receipts"
    )
    amount = models.DecimalField(_("received in the period"), **MONEY, default=0)

    class Meta:
        verbose_name = _("co-financing received")
        verbose_name_plural = _("co-financing received")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "cofinancing"], name="receipt_once_per_source"
            )
        ]

    def __str__(self):
        return f"{self.cofinancing}: {self.amount}"


def report_file_path(instance, filename):
    import uuid

    return f"reports/{instance.report_id}/{uuid.uuid4().hex}"


class ReportFile(models.Model):
    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to=report_file_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("report file")
        verbose_name_plural = _("report files")
        ordering = ["report", "pk"]

    def __str__(self):
        return self.original_name


class ReminderSent(models.Model):
    """A reminder mailed about a report. The unique key makes the daily task send each
    reminder once, however often or concurrently it runs (healthchecks' pattern)."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("reminder"), max_length=20, choices=ReminderKind.choices)
    # For overdue reminders: the week since the due date (1, 2, ...); 0 otherwise.
    sequence = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    recipients = models.TextField(_("recipients"), blank=True)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        ordering = ["report", "sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["report", "kind", "sequence"], name="reminder_once")
        ]

    def __str__(self):
        return f"{self.report}: {self.get_kind_display()} {self.sequence or ''}".strip()


class DonorRecipient(models.Model):
    """Someone at the donor who receives the programme's summaries by email."""

    programme = models.ForeignKey(
        "grants.Programme", on_delete=models.CASCADE, related_name="donor_recipients"
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"))
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    is_active = models.BooleanField(_("receives summaries"), default=True)

    class Meta:
        verbose_name = _("donor recipient")
        verbose_name_plural = _("donor recipients")
        ordering = ["programme", "name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "email"], name="donor_recipient_once")
        ]

    def __str__(self):
        return f"{self.name} <{self.email}>"


class SummaryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be made")
    RUNNING = "running", _("Being made")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


def summary_file_path(instance, filename):
    return f"summaries/{instance.programme_id}/{instance.period_start:%Y-%m}-{filename}"


class DonorSummary(models.Model):
    """A summary of a programme over a period, made once (unique per programme and
    period) and kept with the figures it was made from."""

    programme = models.ForeignKey(
        "grants.Programme", on_delete=models.PROTECT, related_name="donor_summaries"
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    status = models.CharField(
        _("status"), max_length=10, choices=SummaryStatus.choices, default=SummaryStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    second_currency = models.CharField(_("second currency"), max_length=3, blank=True)
    exchange_rate = models.DecimalField(
        _("rate (programme currency per unit of the second currency)"),
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
    )
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    pdf = models.FileField(_("PDF"), upload_to=summary_file_path, blank=True)
    xlsx = models.FileField(_("spreadsheet"), upload_to=summary_file_path, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    # When a worker claimed it: a build still "running" long after this was
    # abandoned by a killed worker and may be claimed again.
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    mailed_at = models.DateTimeField(_("mailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("donor summary")
        verbose_name_plural = _("donor summaries")
        ordering = ["programme", "-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "period_start", "period_end"], name="summary_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="summary_period_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.programme} {self.period_start:%Y-%m-%d}..{self.period_end:%Y-%m-%d}"
