from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grants.enums import ApplicationState, BudgetCategory, PartnerKind
from grants.models.calls import MONEY, Call, RequiredDocument, Theme


class Application(models.Model):
    """An organisation's proposal to a call: a draft until submitted, then frozen."""

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="applications"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    state = models.CharField(
        _("state"), max_length=20, choices=ApplicationState.choices, default=ApplicationState.DRAFT
    )
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    sequence = models.PositiveIntegerField(_("number in the call"), null=True, blank=True)

    # Summary
    title = models.CharField(_("project title"), max_length=255)
    theme = models.ForeignKey(
        Theme,
        verbose_name=_("theme"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    summary = models.TextField(_("summary"), blank=True)
    duration_months = models.PositiveSmallIntegerField(
        _("duration (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
    )
    # Problem and target groups
    problem = models.TextField(_("problem"), blank=True)
    target_groups = models.TextField(_("target groups"), blank=True)
    # Objectives
    objectives = models.TextField(_("objectives"), blank=True)
    # Expected beneficiaries
    beneficiaries_women = models.PositiveIntegerField(_("women"), default=0)
    beneficiaries_men = models.PositiveIntegerField(_("men"), default=0)
    beneficiaries_girls = models.PositiveIntegerField(_("girls"), default=0)
    beneficiaries_boys = models.PositiveIntegerField(_("boys"), default=0)
    # Co-financing
    cofinancing_local_budget = models.DecimalField(
        _("co-financing from the local budget"),
        **MONEY,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    cofinancing_other = models.DecimalField(
        _("co-financing from other sources"),
        **MONEY,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    cofinancing_sources = models.CharField(_("other sources"), max_length=300, blank=True)
    # Stored beside the budget lines and recomputed by one service function
    # (grants.services.applications.application_recompute_budget) after every budget
    # save, so lists, filters and rankings sort and sum them in the database.
    budget_total = models.DecimalField(_("project budget"), **MONEY, default=Decimal("0"))
    requested_amount = models.DecimalField(_("requested amount"), **MONEY, default=Decimal("0"))
    # Declaration
    declaration_accepted = models.BooleanField(_("declaration accepted"), default=False)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    # Optimistic concurrency: every save of a section bumps its counter.
    section_versions = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["call", "sequence", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "sequence"], name="application_unique_sequence_per_call"
            ),
            # One draft per organisation and call: starting again opens the draft.
            models.UniqueConstraint(
                fields=["call", "organisation"],
                condition=Q(state="draft"),
                name="application_one_draft_per_organisation_and_call",
                violation_error_message=_(
                    "Your organisation already has a draft application to this call."
                ),
            ),
            models.UniqueConstraint(
                fields=["reference"],
                condition=~Q(reference=""),
                name="application_unique_reference",
            ),
        ]
        indexes = [
            models.Index(fields=["call", "state"], name="application_call_state_idx"),
            models.Index(fields=["organisation", "state"], name="application_org_state_idx"),
            # Staff's list of applications in its default order, newest submitted first
            # (grants.filters.ApplicationFilter: ORDER BY submitted_at DESC, id DESC with
            # LIMIT/OFFSET): a page, even page 200, is read in index order, not sorted.
            models.Index(fields=["-submitted_at", "-id"], name="application_submitted_idx"),
        ]

    def __str__(self):
        return f"{self.reference or _('draft')}: {self.title}"

    @property
    def beneficiaries_total(self) -> int:
        return (
            self.beneficiaries_women
            + self.beneficiaries_men
            + self.beneficiaries_girls
            + self.beneficiaries_boys
        )


class WorkPlanActivity(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="activities"
    )
    activity = models.CharField(_("activity"), max_length=300)
    start_month = models.PositiveSmallIntegerField(
        _("from month"), validators=[MinValueValidator(1), MaxValueValidator(36)]
    )
    end_month = models.PositiveSmallIntegerField(
        _("to month"), validators=[MinValueValidator(1), MaxValueValidator(36)]
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("work plan activity")
        verbose_name_plural = _("work plan")
        ordering = ["application", "order", "pk"]

    def __str__(self):
        return self.activity


class ApplicationLocation(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="locations")
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("place"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "region"], name="location_unique_per_application"
            )
        ]

    def __str__(self):
        return str(self.region)


class Partner(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="partners")
    kind = models.CharField(_("kind"), max_length=20, choices=PartnerKind.choices)
    name = models.CharField(_("name"), max_length=255)
    role = models.CharField(_("role in the project"), max_length=500)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["application", "pk"]

    def __str__(self):
        return self.name


class BudgetLine(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="budget_lines"
    )
    category = models.CharField(_("category"), max_length=20, choices=BudgetCategory.choices)
    description = models.CharField(_("description"), max_length=300)
    unit = models.CharField(_("unit"), max_length=50)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    unit_cost = models.DecimalField(
        _("unit cost"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["application", "order", "pk"]

    def __str__(self):
        return self.description

    @property
    def total(self) -> Decimal:
        return (self.quantity * self.unit_cost).quantize(Decimal("0.01"))


def attachment_path(instance, filename):
    # Never the user's name on disk: a random name under the application's folder.
    import uuid

    return f"applications/{instance.application_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments"
    )
    document = models.ForeignKey(
        RequiredDocument,
        verbose_name=_("document"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["application", "document__order", "pk"]

    def __str__(self):
        return self.original_name


class Question(models.Model):
    """An applicant's question about a call; staff answer, and may publish the answer."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="questions")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(_("question"))
    asked_at = models.DateTimeField(_("asked"), auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["call", "asked_at"]

    def __str__(self):
        return self.text[:80]
