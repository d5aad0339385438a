from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.enums import Affiliation
from grants.enums import DecisionOutcome, RankingMethod, Recommendation, ReviewState
from grants.models.applications import Application
from grants.models.calls import MONEY, Call, Criterion


class CallReviewSettings(models.Model):
    """How a call is reviewed and ranked; one row per call, made when review is set up."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="review_settings")
    reviewers_per_application = models.PositiveSmallIntegerField(
        _("reviewers per application"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: every member reviews every eligible application."),
    )
    pass_mark = models.DecimalField(
        _("pass mark"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("60"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    disagreement_threshold = models.DecimalField(
        _("disagreement threshold (points)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("20"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    ranking_method = models.CharField(
        _("ranking uses"),
        max_length=20,
        choices=RankingMethod.choices,
        default=RankingMethod.RAW_MEAN,
    )
    oblast_cap = models.PositiveSmallIntegerField(
        _("at most this many grants per oblast"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: no cap. A cap spreads the grants across the regions."),
    )

    class Meta:
        verbose_name = _("review settings")
        verbose_name_plural = _("review settings")

    def __str__(self):
        return str(self.call)

    @classmethod
    def for_call(cls, call) -> "CallReviewSettings":
        """The call's settings, made with the defaults the first time they are asked for."""
        settings_row, _created = cls.objects.get_or_create(call=call)
        return settings_row


class CommitteeMember(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="committee")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="committee_seats",
    )
    affiliation = models.CharField(_("affiliation"), max_length=20, choices=Affiliation.choices)
    is_chair = models.BooleanField(_("chair"), default=False)
    added_at = models.DateTimeField(_("added"), default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        ordering = ["call", "-is_chair", "user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["call", "user"], name="committee_member_once_per_call"),
            models.UniqueConstraint(
                fields=["call"], condition=Q(is_chair=True), name="committee_one_chair_per_call"
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.call})"


class Assignment(models.Model):
    """An application given to a committee member to review."""

    member = models.ForeignKey(
        CommitteeMember, on_delete=models.CASCADE, related_name="assignments"
    )
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="assignments"
    )
    assigned_at = models.DateTimeField(_("assigned"), default=timezone.now)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["member", "application__sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "application"], name="assignment_once_per_member"
            )
        ]

    def __str__(self):
        return f"{self.application} -> {self.member.user}"


class ConflictDeclaration(models.Model):
    """A member's declaration, made before they may open an application. Kept as an
    audit record: a declaration is never edited or deleted."""

    member = models.ForeignKey(
        CommitteeMember, on_delete=models.PROTECT, related_name="declarations"
    )
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="declarations"
    )
    has_conflict = models.BooleanField(_("conflict of interest"))
    reason = models.TextField(_("reason"), blank=True)
    declared_at = models.DateTimeField(_("declared"), default=timezone.now)

    class Meta:
        verbose_name = _("conflict-of-interest declaration")
        verbose_name_plural = _("conflict-of-interest declarations")
        ordering = ["application", "declared_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "application"], name="declaration_once_per_member"
            ),
            models.CheckConstraint(
                condition=Q(has_conflict=False) | ~Q(reason=""),
                name="declaration_conflict_needs_reason",
            ),
        ]

    def __str__(self):
        return f"{self.member.user}: {'conflict' if self.has_conflict else 'no conflict'}"


class Review(models.Model):
    member = models.ForeignKey(CommitteeMember, on_delete=models.PROTECT, related_name="reviews")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="reviews")
    state = models.CharField(
        _("state"), max_length=10, choices=ReviewState.choices, default=ReviewState.DRAFT
    )
    # Weighted total on 0-100, stored beside the scores and recomputed by one
    # function (grants.services.reviews.review_recompute_total) on every save.
    total = models.DecimalField(_("weighted total"), max_digits=6, decimal_places=2, default=0)
    comment = models.TextField(_("overall comment"), blank=True)
    recommendation = models.CharField(
        _("recommendation"), max_length=20, choices=Recommendation.choices, blank=True
    )
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["application", "member"]
        constraints = [
            models.UniqueConstraint(fields=["member", "application"], name="review_once_per_member")
        ]
        indexes = [
            models.Index(fields=["application", "state"], name="review_application_state_idx")
        ]

    def __str__(self):
        return f"{self.application} / {self.member.user}"


class Score(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    points = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["review", "criterion__order"]
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="score_once_per_criterion")
        ]

    def __str__(self):
        return f"{self.criterion}: {self.points}"


class FundingLineOverride(models.Model):
    """Staff moving an application across the proposed funding line, with a reason."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="funding_override"
    )
    include = models.BooleanField(_("fund it"))
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("funding line override")
        verbose_name_plural = _("funding line overrides")
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="override_needs_reason")
        ]

    def __str__(self):
        return f"{self.application}: {'in' if self.include else 'out'}"


class Decision(models.Model):
    """The funding decision on an application; the state change itself goes through
    grants.services.states and is recorded on the timeline."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="decision"
    )
    outcome = models.CharField(_("decision"), max_length=20, choices=DecisionOutcome.choices)
    amount = models.DecimalField(_("amount awarded"), **MONEY, null=True, blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    reason = models.TextField(_("reason shown to the applicant"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="approved") | Q(amount__gt=0),
                name="decision_approval_has_amount",
            )
        ]

    def __str__(self):
        return f"{self.application}: {self.get_outcome_display()}"
