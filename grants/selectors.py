"""Reads of calls and applications, each with the joins its page needs.

Access is decided here, in the queryset: a user reaches only the applications of
their organisations (applicants) or of the whole programme (staff). Whatever is
not in the queryset is a 404 for the view.
"""

from datetime import timedelta

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Membership
from grants.enums import ApplicationState, CallState
from grants.models import Application, Call
from grants.rules import is_programme_staff
from regions.models import Region

# The public list shows calls closed within this many days.
RECENTLY_CLOSED_DAYS = 180


def calls_public() -> QuerySet[Call]:
    """Calls the public may see: published and later, never drafts or archived ones."""
    return Call.objects.filter(state__in=CallState.public()).select_related("programme")


def calls_open_and_upcoming() -> QuerySet[Call]:
    now = timezone.now()
    return (
        Call.objects.filter(state=CallState.PUBLISHED, closes_at__gt=now)
        .select_related("programme")
        .prefetch_related("themes")
        .order_by("closes_at")
    )


def calls_for_staff(user) -> QuerySet[Call]:
    if not (user.is_authenticated and user.is_programme_staff):
        return Call.objects.none()
    return Call.objects.select_related("programme").annotate(
        submitted_count=Count(
            "applications", filter=Q(applications__state__in=ApplicationState.submitted_states())
        )
    )


def count_of(queryset: QuerySet, field: str):
    """An annotation: how many rows of ``queryset`` have ``field`` pointing at the outer
    row (0 when none), as a correlated subquery.

    Counting several relations of one row with ``Count(..., distinct=True)`` joins them
    all at once and multiplies their rows (a member with 2,000 assignments, 2,000
    declarations and 2,000 reviews makes 8 billion rows to sort): each count here reads
    its own rows through its own index instead."""
    return Coalesce(
        Subquery(
            queryset.filter(**{field: OuterRef("pk")})
            .order_by()
            .values(field)
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def applications_for_user(user) -> QuerySet[Application]:
    """Applications a user may open: staff all, applicants their organisations' ones."""
    queryset = Application.objects.select_related(
        "call", "call__programme", "organisation", "organisation__region", "theme"
    ).prefetch_related(
        Prefetch(
            "organisation__memberships",
            queryset=Membership.objects.only("user_id", "role", "organisation_id"),
        )
    )
    if not user.is_authenticated:
        return queryset.none()
    if user.is_programme_staff:
        return queryset
    return queryset.filter(organisation__memberships__user=user)


def application_budget_totals(application) -> dict:
    """The budget's total, the amount requested and the co-financing, without a query:
    ``budget_total`` and ``requested_amount`` are stored beside the lines and recomputed
    by ``application_recompute_budget`` whenever the budget section is saved (the one way
    lines change), and the submission checks read the same stored figures."""
    return {
        "total": application.budget_total,
        "cofinancing": application.cofinancing_local_budget + application.cofinancing_other,
        "requested": application.requested_amount,
    }


def calls_recently_closed() -> QuerySet[Call]:
    """Public calls whose deadline passed in the last half year, latest first."""
    now = timezone.now()
    return (
        calls_public()
        .filter(closes_at__lte=now, closes_at__gte=now - timedelta(days=RECENTLY_CLOSED_DAYS))
        .prefetch_related("themes")
        .order_by("-closes_at")
    )


def calls_visible_to(user) -> QuerySet[Call]:
    """The call pages a user may open: staff preview every call, others the public ones."""
    if is_programme_staff(user):
        return Call.objects.select_related("programme")
    return calls_public()


def call_with_terms(queryset: QuerySet[Call]) -> QuerySet[Call]:
    """Everything a call page shows about the call's terms, in one query per relation."""
    return queryset.prefetch_related(
        "themes",
        "criteria",
        "documents",
        Prefetch(
            "eligible_regions",
            queryset=Region.objects.select_related("oblast").order_by("code"),
        ),
    )


def applications_of_my_organisations(user) -> QuerySet[Application]:
    """The applications of the organisations a person belongs to (for their own list,
    staff included: the staff list of every application lives elsewhere)."""
    return (
        Application.objects.filter(organisation__memberships__user=user)
        .select_related("call", "organisation")
        .order_by("-updated_at", "-pk")
    )
