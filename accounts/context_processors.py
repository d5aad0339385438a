from accounts.enums import ProgrammeRole


def navigation(request):
    """Which menu entries the current user gets (the views enforce access themselves)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_role": None}
    return {
        "nav_role": user.role,
        "nav_is_staff": user.is_programme_staff,
        "nav_is_donor": user.role == ProgrammeRole.DONOR_VIEWER,
        "nav_is_committee": user.role == ProgrammeRole.COMMITTEE_MEMBER,
        "nav_is_admin": user.is_staff,
    }
