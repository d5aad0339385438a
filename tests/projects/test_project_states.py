import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grants.services.states import StaleStateError, timeline_for
from projects.enums import ProjectState
from projects.models import Project
from projects.services import project_set_state
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def state_of(project):
    return Project.objects.get(pk=project.pk).state


@pytest.mark.parametrize(
    "to_state", [ProjectState.SUSPENDED, ProjectState.COMPLETED, ProjectState.TERMINATED]
)
def test_staff_move_an_active_project_with_a_reason_on_the_timeline(staff, to_state):
    project = ProjectFactory()
    project_set_state(project=project, to_state=to_state, by=staff, reason="  Agreed in May.  ")
    assert state_of(project) == to_state
    assert [(t.from_state, t.to_state, t.by, t.reason) for t in timeline_for(project)] == [
        (ProjectState.ACTIVE, to_state, staff, "Agreed in May.")
    ]


@pytest.mark.parametrize(
    ("to_state", "label"),
    [
        (ProjectState.SUSPENDED, "Suspended"),
        (ProjectState.COMPLETED, "Completed"),
        (ProjectState.TERMINATED, "Terminated"),
    ],
)
def test_suspending_completing_and_terminating_need_a_reason(staff, to_state, label):
    project = ProjectFactory()
    with pytest.raises(ValidationError) as error:
        project_set_state(project=project, to_state=to_state, by=staff, reason=" ")
    assert error.value.message_dict == {
        "reason": [f"Say why the project is “{label}”: it is kept on the timeline."]
    }
    assert state_of(project) == ProjectState.ACTIVE
    assert list(timeline_for(project)) == []


def test_a_suspended_project_resumes_without_a_reason(staff):
    project = ProjectFactory(state=ProjectState.SUSPENDED)
    project_set_state(project=project, to_state=ProjectState.ACTIVE, by=staff)
    assert state_of(project) == ProjectState.ACTIVE


def test_a_suspended_project_cannot_be_completed(staff):
    project = ProjectFactory(state=ProjectState.SUSPENDED)
    with pytest.raises(ValidationError) as error:
        project_set_state(
            project=project, to_state=ProjectState.COMPLETED, by=staff, reason="Done."
        )
    assert error.value.messages == ["This cannot be done now (from “Suspended” to “Completed”)."]
    assert state_of(project) == ProjectState.SUSPENDED


def test_a_terminated_project_stays_terminated(staff):
    project = ProjectFactory(state=ProjectState.TERMINATED)
    with pytest.raises(ValidationError):
        project_set_state(project=project, to_state=ProjectState.ACTIVE, by=staff)
    assert state_of(project) == ProjectState.TERMINATED


def test_a_change_on_a_stale_page_is_refused(staff):
    project = ProjectFactory()
    project_set_state(project=project, to_state=ProjectState.SUSPENDED, by=staff, reason="Audit.")
    with pytest.raises(StaleStateError, match="it is now “Suspended”"):
        project_set_state(
            project=project,
            to_state=ProjectState.TERMINATED,
            by=staff,
            reason="Fraud.",
            expected_state=ProjectState.ACTIVE,
        )
    assert state_of(project) == ProjectState.SUSPENDED


def test_only_staff_change_a_project_state(applicant_a):
    project = ProjectFactory()
    with pytest.raises(PermissionDenied):
        project_set_state(
            project=project, to_state=ProjectState.SUSPENDED, by=applicant_a, reason="Mine."
        )


# --- the buttons on the project page -----------------------------------------------------------


def state_url(project):
    return f"/staff/projects/{project.pk}/state/"


def test_the_project_page_offers_staff_the_allowed_moves(client, staff):
    project = ProjectFactory(state=ProjectState.SUSPENDED)
    client.force_login(staff)
    response = client.get(f"/project/{project.pk}/")
    assert response.context["state_form"].fields["to_state"].choices == [
        (ProjectState.ACTIVE, "Active"),
        (ProjectState.TERMINATED, "Terminated"),
    ]


def test_the_project_page_offers_no_move_for_a_completed_project(client, staff):
    project = ProjectFactory(state=ProjectState.COMPLETED)
    client.force_login(staff)
    assert client.get(f"/project/{project.pk}/").context["state_form"] is None


def test_staff_suspend_a_project_from_its_page(client, staff):
    project = ProjectFactory()
    client.force_login(staff)
    response = client.post(
        state_url(project),
        {"to_state": "suspended", "reason": "Audit pending.", "expected_state": "active"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/project/{project.pk}/"
    assert state_of(project) == ProjectState.SUSPENDED


def test_the_page_asks_for_the_missing_reason_beside_the_field(client, staff):
    project = ProjectFactory()
    client.force_login(staff)
    response = client.post(
        state_url(project), {"to_state": "terminated", "reason": "", "expected_state": "active"}
    )
    assert response.status_code == 200
    assert response.context["state_form"].errors == {
        "reason": ["Say why the project is “Terminated”: it is kept on the timeline."]
    }
    assert state_of(project) == ProjectState.ACTIVE


def test_a_stale_state_form_tells_staff_to_reload(client, staff):
    project = ProjectFactory(state=ProjectState.SUSPENDED)
    client.force_login(staff)
    response = client.post(
        state_url(project),
        {"to_state": "suspended", "reason": "Again.", "expected_state": "active"},
    )
    assert response.context["state_form"].non_field_errors() == [
        "Someone else changed this a moment ago: it is now “Suspended”. Please reload."
    ]
    assert state_of(project) == ProjectState.SUSPENDED


@pytest.mark.parametrize("who", ["applicant_a", "applicant_b", "committee_member", "donor_viewer"])
def test_only_staff_reach_the_state_change(client, request, who):
    project = ProjectFactory(application__organisation=request.getfixturevalue("organisation_a"))
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        state_url(project),
        {"to_state": "suspended", "reason": "Mine.", "expected_state": "active"},
    )
    assert response.status_code == 404
    assert state_of(project) == ProjectState.ACTIVE


def test_the_state_change_needs_a_post(client, staff):
    project = ProjectFactory()
    client.force_login(staff)
    assert client.get(state_url(project)).status_code == 405
