"""Permission predicates for calls and applications: small, composable, no queries
beyond what the object already carries (prefetch memberships where it matters)."""

from accounts.enums import MembershipRole
from grants.enums import ApplicationState


def is_programme_staff(user) -> bool:
    return user.is_authenticated and user.is_programme_staff


def member_role(user, organisation) -> str | None:
    if not user.is_authenticated:
        return None
    for membership in organisation.memberships.all():
        if membership.user_id == user.pk:
            return membership.role
    return None


def can_edit_application(user, application) -> bool:
    """Owners and editors of the organisation, while the application is a draft."""
    return (
        application.state in ApplicationState.editable()
        and member_role(user, application.organisation) in MembershipRole.can_edit()
    )


def can_withdraw_application(user, application) -> bool:
    return (
        application.state in ApplicationState.withdrawable()
        and member_role(user, application.organisation) in MembershipRole.can_edit()
    )


def can_apply(user, organisation) -> bool:
    return member_role(user, organisation) in MembershipRole.can_edit()
