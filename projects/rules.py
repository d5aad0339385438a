"""Permission predicates for projects: small, composable, no queries beyond what the
object already carries. Who may *see* a project is decided in
``projects.selectors.projects_for_user``; these say who may *act* on one."""

from grants.rules import is_programme_staff
from projects.enums import PROJECT_TRANSITIONS, TrancheState


def can_manage_projects(user) -> bool:
    """Funding terms, indicators, states and payments are programme staff's work."""
    return is_programme_staff(user)


def can_change_project_state(user, project) -> bool:
    return is_programme_staff(user) and bool(PROJECT_TRANSITIONS.get(project.state))


def can_pay_tranche(user, tranche) -> bool:
    return is_programme_staff(user) and tranche.state == TrancheState.READY
