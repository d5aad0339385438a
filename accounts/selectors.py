from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.models import Membership, Organisation


def organisations_for_user(user) -> QuerySet[Organisation]:
    """The organisations a user may see: programme staff see all, others their own."""
    queryset = Organisation.objects.select_related("region", "region__oblast")
    if not user.is_authenticated:
        return queryset.none()
    if user.is_programme_staff:
        return queryset
    return queryset.filter(memberships__user=user)


def organisation_list(user) -> QuerySet[Organisation]:
    """By name (the ``organisation_name_idx`` order), each with its number of members.

    The count is a subquery per row shown rather than a GROUP BY over every
    organisation: a page of 25 reads 25 organisations in index order, and the count
    is of all members, not only of the memberships an applicant's filter joined."""
    members = (
        Membership.objects.filter(organisation=OuterRef("pk"))
        .order_by()
        .values("organisation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        organisations_for_user(user)
        .annotate(member_count=Coalesce(Subquery(members), 0))
        .order_by("name", "pk")
    )


def organisation_detail(user, pk) -> QuerySet[Organisation]:
    """One organisation with its members, for the organisation page (a 404 for outsiders)."""
    return (
        organisations_for_user(user)
        .filter(pk=pk)
        .prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("user"))
        )
    )
