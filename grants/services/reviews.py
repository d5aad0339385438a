"""A committee member's work on an application: the conflict-of-interest declaration
that must come first, then the review (a score and a comment per criterion, an
overall comment and a recommendation), saved as a draft or submitted and locked.

Access rules, in one place: a member reaches an application through an assignment,
while its call is in review (or decided, read-only) and the application was found
eligible; its content only after declaring no conflict. A declared conflict hides the
application from them for good and they can have no review of it, so their scores
can never reach its completeness count or its averages.
"""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.enums import ProgrammeRole
from grants.enums import ApplicationState, CallState, Recommendation, ReviewState
from grants.models import (
    Assignment,
    CommitteeMember,
    ConflictDeclaration,
    Criterion,
    Review,
    Score,
)
from grants.scoring import weighted_total
from grants.services.calls import call_lock_rubric

# Applications a member may still open once assigned: found eligible, or decided since.
REVIEWABLE_STATES = [ApplicationState.ELIGIBLE, *ApplicationState.decided()]
# Calls whose applications members see: in review, and read-only once decided.
MEMBER_CALL_STATES = [CallState.IN_REVIEW, CallState.DECIDED]


class ReviewLocked(ValidationError):
    """The review was submitted and can no longer change."""


# --- reads ----------------------------------------------------------------------------


def may_use_review_queue(user) -> bool:
    """Committee members, and anyone holding a seat on a committee."""
    if not user.is_authenticated:
        return False
    return (
        user.role == ProgrammeRole.COMMITTEE_MEMBER
        or CommitteeMember.objects.filter(user=user).exists()
    )


def assignments_for_user(user) -> QuerySet[Assignment]:
    """The assignments a member may reach, annotated with their declaration (None,
    True for a conflict, False for none) and the state of their review, if any."""
    if not user.is_authenticated:
        return Assignment.objects.none()
    declarations = ConflictDeclaration.objects.filter(
        member=OuterRef("member"), application=OuterRef("application")
    )
    reviews = Review.objects.filter(member=OuterRef("member"), application=OuterRef("application"))
    return (
        Assignment.objects.filter(
            member__user=user,
            member__call__state__in=MEMBER_CALL_STATES,
            application__state__in=REVIEWABLE_STATES,
        )
        .select_related("member", "member__call", "application")
        .annotate(
            has_conflict=Subquery(declarations.values("has_conflict")[:1]),
            review_state=Subquery(reviews.values("state")[:1]),
        )
        .order_by("member__call__closes_at", "member__call_id", "application__sequence", "pk")
    )


def declaration_for(member, application) -> ConflictDeclaration | None:
    return ConflictDeclaration.objects.filter(member=member, application=application).first()


def review_for(member, application) -> Review | None:
    """The member's own review of the application with its scores, or None."""
    return (
        Review.objects.filter(member=member, application=application)
        .prefetch_related("scores")
        .first()
    )


def reviews_of_others(member, application) -> list[Review]:
    """Blind rule: the other members' submitted reviews, only once the member's own is
    submitted; nothing before, never drafts (and a conflicted member has no review)."""
    own_submitted = Review.objects.filter(
        member=member, application=application, state=ReviewState.SUBMITTED
    )
    return list(
        Review.objects.filter(application=application, state=ReviewState.SUBMITTED)
        .exclude(member=member)
        .filter(Exists(own_submitted))
        .select_related("member__user")
        .prefetch_related(
            Prefetch("scores", queryset=Score.objects.select_related("criterion")),
        )
        .order_by("submitted_at", "pk")
    )


def reviews_counted() -> QuerySet[Review]:
    """Reviews that count towards completeness and averages: submitted ones of members
    without a declared conflict (the services make the exclusion hold anyway)."""
    conflicts = ConflictDeclaration.objects.filter(
        member=OuterRef("member"), application=OuterRef("application"), has_conflict=True
    )
    return Review.objects.filter(state=ReviewState.SUBMITTED).exclude(Exists(conflicts))


def scoring_is_open(application) -> bool:
    return (
        application.call.state == CallState.IN_REVIEW
        and application.state == ApplicationState.ELIGIBLE
    )


def scoring_closed_message(application) -> str:
    if application.call.state != CallState.IN_REVIEW:
        return _("Scoring is closed: the call is no longer in review.")
    return _("Scoring is closed for this application: it is “%(state)s”.") % {
        "state": application.get_state_display()
    }


# --- writes ---------------------------------------------------------------------------


def _lock_assignment(member, application) -> Assignment:
    assignment = (
        Assignment.objects.select_for_update()
        .filter(member=member, application=application)
        .first()
    )
    if assignment is None or member.call_id != application.call_id:
        raise ValidationError(_("This application is not assigned to you."), code="not_assigned")
    return assignment


@transaction.atomic
def declaration_make(*, member, application, has_conflict: bool, reason: str = ""):
    """Record the member's declaration on an application: once, never changed.

    A conflict needs a reason; it hides the application from the member and leaves
    them no review of it (a draft, should one exist, is deleted)."""
    _lock_assignment(member, application)
    if application.call.state != CallState.IN_REVIEW:
        raise ValidationError(scoring_closed_message(application), code="closed")
    reason = (reason or "").strip()
    if has_conflict and not reason:
        raise ValidationError(
            {"reason": _("Say what the conflict of interest is.")}, code="reason_required"
        )
    if ConflictDeclaration.objects.filter(member=member, application=application).exists():
        raise ValidationError(
            _("You have already made your declaration for this application; it cannot change."),
            code="already_declared",
        )
    declaration = ConflictDeclaration(
        member=member, application=application, has_conflict=has_conflict, reason=reason
    )
    declaration.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            declaration.save()
    except IntegrityError as error:
        raise ValidationError(
            _("You have already made your declaration for this application; it cannot change."),
            code="already_declared",
        ) from error
    if has_conflict:
        Review.objects.filter(
            member=member, application=application, state=ReviewState.DRAFT
        ).delete()
    return declaration


def score_field(criterion) -> str:
    """The key under which errors about a criterion's score are reported."""
    return f"score_{criterion.pk}"


def review_recompute_total(*, review: Review, criteria=None) -> Review:
    """Store the review's weighted total, from its saved scores (the one formula lives
    in ``grants.scoring.weighted_total``)."""
    points = {score.criterion_id: score.points for score in review.scores.all()}
    if criteria is None:
        criteria = Criterion.objects.filter(call_id=review.application.call_id)
    review.total = weighted_total((criterion, points.get(criterion.pk)) for criterion in criteria)
    return review


def _check_points(criteria, points: Mapping) -> dict[str, str]:
    errors = {}
    for criterion in criteria:
        value = points.get(criterion.pk)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            errors[score_field(criterion)] = _("%(criterion)s: give a whole number.") % {
                "criterion": criterion.name
            }
        elif not 0 <= value <= criterion.max_points:
            errors[score_field(criterion)] = _(
                "%(criterion)s: the score must be between 0 and %(max)s; %(value)s is not."
            ) % {"criterion": criterion.name, "max": criterion.max_points, "value": value}
    return errors


@transaction.atomic
def review_save(
    *,
    member,
    application,
    points: Mapping[int, int | None],
    comments: Mapping[int, str] | None = None,
    comment: str = "",
    recommendation: str = "",
    submit: bool = False,
) -> Review:
    """Save the member's review of the application, as a draft or submitted.

    ``points`` and ``comments`` are keyed by criterion id. A draft may leave scores
    and the recommendation empty; submitting needs every criterion scored and a
    recommendation, then locks the review and the call's rubric. Everything is
    checked before anything is written, so a refusal saves nothing.
    """
    _lock_assignment(member, application)
    declaration = declaration_for(member, application)
    if declaration is None:
        raise ValidationError(
            _("Declare whether you have a conflict of interest first."), code="undeclared"
        )
    if declaration.has_conflict:
        raise ValidationError(
            _("You declared a conflict of interest with this application."), code="conflict"
        )
    if not scoring_is_open(application):
        raise ValidationError(scoring_closed_message(application), code="closed")

    review, _created = Review.objects.select_for_update().get_or_create(
        member=member, application=application
    )
    if review.state == ReviewState.SUBMITTED:
        raise ReviewLocked(
            _("Your review was submitted and can no longer be changed."), code="submitted"
        )

    criteria = list(application.call.criteria.order_by("order", "pk"))
    comments = comments or {}
    errors = _check_points(criteria, points)
    if recommendation and recommendation not in Recommendation.values:
        errors["recommendation"] = _("Choose one of the recommendations.")
    if submit:
        for criterion in criteria:
            if points.get(criterion.pk) is None and score_field(criterion) not in errors:
                errors[score_field(criterion)] = _(
                    "%(criterion)s: give a score before submitting."
                ) % {"criterion": criterion.name}
        if not recommendation:
            errors["recommendation"] = _("Choose a recommendation before submitting.")
    if errors:
        raise ValidationError(errors)

    existing = {score.criterion_id: score for score in review.scores.all()}
    for criterion in criteria:
        score = existing.get(criterion.pk) or Score(review=review, criterion=criterion)
        score.points = points.get(criterion.pk)
        score.comment = (comments.get(criterion.pk) or "").strip()
        score.full_clean(validate_constraints=False)
        score.save()
    review.comment = (comment or "").strip()
    review.recommendation = recommendation or ""
    review = review_recompute_total(review=review, criteria=criteria)
    fields = ["total", "comment", "recommendation", "updated_at"]
    if submit:
        review.state = ReviewState.SUBMITTED
        review.submitted_at = timezone.now()
        fields += ["state", "submitted_at"]
    review.full_clean(validate_constraints=False)
    review.save(update_fields=fields)
    if submit:
        call_lock_rubric(call=application.call)
    return review
