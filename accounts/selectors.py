from django.db.models import Count, Prefetch, QuerySet

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
    return organisations_for_user(user).annotate(member_count=Count("memberships")).order_by("name")


def organisation_detail(user, pk) -> QuerySet[Organisation]:
    """One organisation with its members, for the organisation page (a 404 for outsiders)."""
    return (
        organisations_for_user(user)
        .filter(pk=pk)
        .prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("user"))
        )
    )
