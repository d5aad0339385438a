"""Who may do what with organisations. Small predicates, combined in views."""

from accounts.enums import MembershipRole


def membership_role(user, organisation) -> str | None:
    """The user's role in the organisation, or None if they are not a member."""
    if not user.is_authenticated:
        return None
    for membership in organisation.memberships.all():
        if membership.user_id == user.pk:
            return membership.role
    return None


def can_edit_organisation(user, organisation) -> bool:
    return membership_role(user, organisation) in MembershipRole.can_edit()


def can_manage_members(user, organisation) -> bool:
    return membership_role(user, organisation) == MembershipRole.OWNER
