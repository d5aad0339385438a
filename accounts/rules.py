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


def is_administrator(user) -> bool:
    """A system administrator: a superuser, or the administrator programme role."""
    from accounts.enums import ProgrammeRole

    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role == ProgrammeRole.ADMIN)
    )


def can_download_personal_data_of(user, person) -> bool:
    """Everyone may download their own data; only administrators anyone's (programme
    staff see the programme's records, not a copy of a person's whole file)."""
    return user.is_authenticated and (user.pk == person.pk or is_administrator(user))
