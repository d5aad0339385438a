from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from grants.enums import BudgetCategory, PartnerKind
from grants.models.calls import MONEY
from projects.enums import (
    CofinancingSource,
    ProjectState,
    StandardIndicator,
    TrancheCondition,
    TrancheState,
)


class FundingTerms(models.Model):
    """What a call's grants look like once awarded: the reporting rhythm and the
    tranche template every project of the call starts from."""

    call = models.OneToOneField(
        "grants.Call", on_delete=models.CASCADE, related_name="funding_terms"
    )
    report_every_months = models.PositiveSmallIntegerField(
        _("interim report every (months)"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
    )
    grace_days = models.PositiveSmallIntegerField(
        _("days to report after a period ends"),
        default=15,
        validators=[MaxValueValidator(90)],
    )

    class Meta:
        verbose_name = _("funding terms")
        verbose_name_plural = _("funding terms")

    def __str__(self):
        return str(self.call)


class TrancheRule(models.Model):
    """One line of a call's tranche template, e.g. 50% on signing."""

    terms = models.ForeignKey(FundingTerms, on_delete=models.CASCADE, related_name="tranche_rules")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    percent = models.DecimalField(
        _("share of the award (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    condition = models.CharField(_("released"), max_length=20, choices=TrancheCondition.choices)
    report_number = models.PositiveSmallIntegerField(
        _("report number"),
        null=True,
        blank=True,
        help_text=_("For interim reports: which one releases the tranche (1 = the first)."),
    )

    class Meta:
        verbose_name = _("tranche rule")
        verbose_name_plural = _("tranche rules")
        ordering = ["terms", "order"]

    def __str__(self):
        return f"{self.percent}% {self.get_condition_display()}"


class Project(models.Model):
    """A funded project, made from an approved application in one transaction."""

    application = models.OneToOneField(
        "grants.Application", on_delete=models.PROTECT, related_name="project"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="projects"
    )
    title = models.CharField(_("title"), max_length=255)
    agreement_number = models.CharField(_("grant agreement number"), max_length=40, unique=True)
    amount_awarded = models.DecimalField(
        _("amount awarded"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    state = models.CharField(
        _("state"), max_length=20, choices=ProjectState.choices, default=ProjectState.ACTIVE
    )
    planned_women = models.PositiveIntegerField(_("women"), default=0)
    planned_men = models.PositiveIntegerField(_("men"), default=0)
    planned_girls = models.PositiveIntegerField(_("girls"), default=0)
    planned_boys = models.PositiveIntegerField(_("boys"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["agreement_number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")), name="project_ends_after_start"
            )
        ]
        indexes = [
            models.Index(fields=["state"], name="project_state_idx"),
            # The public projects page, newest first (reporting.views_dashboards.
            # public_project_list: ORDER BY starts_on DESC, agreement_number, id, paged).
            models.Index(
                fields=["-starts_on", "agreement_number", "id"], name="project_newest_idx"
            ),
        ]

    def __str__(self):
        return f"{self.agreement_number}: {self.title}"

    @property
    def planned_total(self) -> int:
        return self.planned_women + self.planned_men + self.planned_girls + self.planned_boys


class ProjectLocation(models.Model):
    """A unit the project was funded in: kept even if a later classifier retires it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="locations")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("project location")
        verbose_name_plural = _("project locations")
        constraints = [
            models.UniqueConstraint(fields=["project", "region"], name="project_location_once")
        ]

    def __str__(self):
        return str(self.region)


class ProjectPartner(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="partners")
    kind = models.CharField(_("kind"), max_length=20, choices=PartnerKind.choices)
    name = models.CharField(_("name"), max_length=255)
    role = models.CharField(_("role in the project"), max_length=500)

    class Meta:
        verbose_name = _("project partner")
        verbose_name_plural = _("project partners")
        ordering = ["project", "pk"]

    def __str__(self):
        return self.name


class ProjectBudgetLine(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="budget_lines")
    category = models.CharField(_("category"), max_length=20, choices=BudgetCategory.choices)
    description = models.CharField(_("description"), max_length=300)
    unit = models.CharField(_("unit"), max_length=50)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2)
    unit_cost = models.DecimalField(_("unit cost"), **MONEY)
    amount = models.DecimalField(_("budgeted amount"), **MONEY)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("project budget line")
        verbose_name_plural = _("project budget lines")
        ordering = ["project", "order", "pk"]

    def __str__(self):
        return self.description


class Tranche(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tranches")
    order = models.PositiveSmallIntegerField(_("number"))
    amount = models.DecimalField(
        _("amount"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    planned_on = models.DateField(_("planned for"))
    condition = models.CharField(_("released"), max_length=20, choices=TrancheCondition.choices)
    report_number = models.PositiveSmallIntegerField(_("report number"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=TrancheState.choices, default=TrancheState.PLANNED
    )
    ready_at = models.DateTimeField(_("ready for payment since"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    paid_amount = models.DecimalField(_("amount paid"), **MONEY, null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        ordering = ["project", "order"]
        constraints = [
            models.UniqueConstraint(fields=["project", "order"], name="tranche_order_once"),
            models.CheckConstraint(
                condition=Q(paid_amount__isnull=True) | Q(paid_amount__gt=0),
                name="tranche_payment_positive",
            ),
        ]

    def __str__(self):
        return f"{self.project.agreement_number} #{self.order}"


class Indicator(models.Model):
    """A standard or project-specific indicator with its baseline and target; people
    reached is split into women, men, girls and boys."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="indicators")
    standard = models.CharField(
        _("standard indicator"), max_length=30, choices=StandardIndicator.choices, blank=True
    )
    name = models.CharField(_("indicator"), max_length=255)
    unit = models.CharField(_("unit"), max_length=50)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2, default=0)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    disaggregated = models.BooleanField(_("split into women, men, girls and boys"), default=False)
    target_women = models.PositiveIntegerField(_("target: women"), null=True, blank=True)
    target_men = models.PositiveIntegerField(_("target: men"), null=True, blank=True)
    target_girls = models.PositiveIntegerField(_("target: girls"), null=True, blank=True)
    target_boys = models.PositiveIntegerField(_("target: boys"), null=True, blank=True)
    location = models.ForeignKey(
        ProjectLocation,
        verbose_name=_("location"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="indicators",
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["project", "order", "pk"]
        constraints = [
            # A standard indicator once per project, and once per location where it
            # is set per location (two constraints: SQLite has no NULLS NOT DISTINCT).
            models.UniqueConstraint(
                fields=["project", "standard"],
                condition=~Q(standard="") & Q(location__isnull=True),
                name="indicator_standard_once_per_project",
            ),
            models.UniqueConstraint(
                fields=["project", "standard", "location"],
                condition=~Q(standard="") & Q(location__isnull=False),
                name="indicator_standard_once_per_location",
            ),
        ]

    def __str__(self):
        return self.name


class Cofinancing(models.Model):
    """Co-financing committed to a project by one source; receipts come with reports."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="cofinancing")
    source = models.CharField(_("source"), max_length=20, choices=CofinancingSource.choices)
    source_name = models.CharField(_("from"), max_length=255)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("ayil aimak or town"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("For the local budget: whose budget it is."),
    )
    committed = models.DecimalField(_("committed"), **MONEY)

    class Meta:
        verbose_name = _("co-financing")
        verbose_name_plural = _("co-financing")
        ordering = ["project", "pk"]

    def __str__(self):
        return f"{self.source_name}: {self.committed}"
