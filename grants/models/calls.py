from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.enums import LegalForm
from grants.enums import CallState

MONEY = {"max_digits": 14, "decimal_places": 2}


class TranslatedNameMixin(models.Model):
    """A name in English, Russian and Kyrgyz; shown in the active language."""

    name_en = models.CharField(_("name in English"), max_length=200)
    name_ru = models.CharField(_("name in Russian"), max_length=200, blank=True)
    name_ky = models.CharField(_("name in Kyrgyz"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        language = (translation.get_language() or "en")[:2]
        if language == "ky":
            return self.name_ky or self.name_ru or self.name_en
        if language == "ru":
            return self.name_ru or self.name_en
        return self.name_en


class Transition(models.Model):
    """One change of state of any object: who, when, from what, to what and why.

    Written only by the state services; shown as the object's timeline. Append-only:
    the admin cannot change or delete a row, PostgreSQL rejects UPDATE and DELETE
    (migration ``0003_append_only_timeline``), and both keys PROTECT, so deleting a
    person or a model never takes the record with it.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    from_state = models.CharField(_("from"), max_length=30, blank=True)
    to_state = models.CharField(_("to"), max_length=30)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "at"], name="transition_subject_idx")
        ]

    def __str__(self):
        return f"{self.from_state or '-'} -> {self.to_state}"


class Programme(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), unique=True)
    donor = models.CharField(_("donor"), max_length=200)
    currency = models.CharField(_("currency"), max_length=3, default="KGS")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    reference_prefix = models.CharField(
        _("reference prefix"),
        max_length=10,
        help_text=_("Application references start with it, for example PIA-2017-007."),
    )

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="programme_ends_after_start"
            )
        ]

    def __str__(self):
        return self.name


class Theme(TranslatedNameMixin):
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="themes"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("offered in new calls"), default=True)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["programme", "order", "name_en"]


class Call(models.Model):
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="calls"
    )
    title = models.CharField(_("title"), max_length=255)
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    description = models.TextField(_("description"))
    themes = models.ManyToManyField(Theme, verbose_name=_("themes"), related_name="calls")
    eligible_regions = models.ManyToManyField(
        "regions.Region",
        verbose_name=_("eligible regions"),
        related_name="+",
        help_text=_("Projects may take place in these units and everywhere inside them."),
    )
    eligible_legal_forms = models.JSONField(
        _("eligible organisation forms"), default=list, blank=True
    )
    total_budget = models.DecimalField(
        _("total budget"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    min_grant = models.DecimalField(
        _("minimum grant"), **MONEY, validators=[MinValueValidator(Decimal("0"))]
    )
    max_grant = models.DecimalField(
        _("maximum grant"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    cofinancing_min_percent = models.DecimalField(
        _("expected co-financing (percent of the project)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    cofinancing_note = models.TextField(
        _("co-financing expectation"),
        blank=True,
        help_text=_("For example: a share from the local budget of the ayil aimak."),
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    questions_until = models.DateTimeField(_("questions accepted until"), null=True, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=CallState.choices, default=CallState.DRAFT
    )
    rubric_locked_at = models.DateTimeField(_("rubric locked at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("call for proposals")
        verbose_name_plural = _("calls for proposals")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="call_closes_after_opening"
            ),
            models.CheckConstraint(
                condition=Q(max_grant__gte=F("min_grant")), name="call_max_grant_at_least_min"
            ),
            models.CheckConstraint(
                condition=Q(max_grant__lte=F("total_budget")), name="call_max_grant_within_budget"
            ),
        ]
        indexes = [models.Index(fields=["state", "closes_at"], name="call_state_deadline_idx")]

    def __str__(self):
        return self.title

    @property
    def effective_state(self) -> str:
        """The state as the public sees it: a published call is closed at its deadline,
        whether or not anyone has recorded it yet (no cron needed)."""
        if self.state == CallState.PUBLISHED and timezone.now() >= self.closes_at:
            return CallState.CLOSED
        return self.state

    @property
    def is_open(self) -> bool:
        now = timezone.now()
        return self.state == CallState.PUBLISHED and self.opens_at <= now < self.closes_at

    @property
    def is_upcoming(self) -> bool:
        return self.state == CallState.PUBLISHED and timezone.now() < self.opens_at

    @property
    def accepts_questions(self) -> bool:
        deadline = self.questions_until or self.closes_at
        return self.is_open and timezone.now() < deadline

    def get_legal_forms_display(self) -> list[str]:
        labels = dict(LegalForm.choices)
        return [str(labels.get(value, value)) for value in self.eligible_legal_forms]


class RequiredDocument(models.Model):
    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="documents"
    )
    name = models.CharField(_("document"), max_length=200)
    description = models.CharField(_("description"), max_length=500, blank=True)
    is_mandatory = models.BooleanField(_("mandatory"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["call", "order", "pk"]

    def __str__(self):
        return self.name


class Criterion(models.Model):
    """One line of a call's scoring rubric."""

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="criteria"
    )
    name = models.CharField(_("criterion"), max_length=200)
    description = models.TextField(_("what scores well"), blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight (%)"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    max_points = models.PositiveSmallIntegerField(
        _("maximum points"), default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("scoring criterion")
        verbose_name_plural = _("scoring criteria")
        ordering = ["call", "order", "pk"]

    def __str__(self):
        return self.name
