"""Approving an application in the ranking creates its project, tranches and
reporting schedule in the same transaction, or nothing at all."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from grants.enums import ApplicationState, CallState, DecisionOutcome
from grants.models import Decision
from grants.services.decisions import decision_record
from projects.models import Project, Tranche
from projects.services import project_created_handlers
from reporting.models import ProgressReport
from tests.factories import ApplicationFactory, CallFactory, CommitteeMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def eligible(organisation_a):
    call = CallFactory(state=CallState.IN_REVIEW)
    CommitteeMemberFactory(call=call)
    return ApplicationFactory(
        call=call,
        organisation=organisation_a,
        state=ApplicationState.ELIGIBLE,
        reference="PIA-2026-004",
        sequence=4,
        duration_months=12,
        requested_amount=Decimal("250000.00"),
        budget_total=Decimal("280000.00"),
    )


def test_approving_creates_the_project_with_tranches_and_reports(staff, eligible):
    decision_record(
        application=eligible,
        outcome=DecisionOutcome.APPROVE,
        amount=Decimal("240000.00"),
        by=staff,
        expected_state=ApplicationState.ELIGIBLE,
    )
    project = Project.objects.get(application=eligible)
    assert project.amount_awarded == Decimal("240000.00")
    assert project.agreement_number.endswith("/004")
    assert sum(t.amount for t in project.tranches.all()) == Decimal("240000.00")
    kinds = list(ProgressReport.objects.filter(project=project).values_list("kind", flat=True))
    assert kinds == ["interim", "final"]


def test_a_failure_while_making_the_project_leaves_no_decision_and_no_project(
    staff, eligible, monkeypatch
):
    def broken(**kwargs):
        raise ValidationError("the reporting schedule could not be made")

    monkeypatch.setattr(
        "projects.services.project_created_handlers", [*project_created_handlers, broken]
    )
    with pytest.raises(ValidationError):
        decision_record(
            application=eligible,
            outcome=DecisionOutcome.APPROVE,
            amount=Decimal("240000.00"),
            by=staff,
            expected_state=ApplicationState.ELIGIBLE,
        )
    eligible.refresh_from_db()
    assert eligible.state == ApplicationState.ELIGIBLE
    assert Decision.objects.count() == 0
    assert Project.objects.count() == 0
    assert Tranche.objects.count() == 0
    assert ProgressReport.objects.count() == 0
    assert datetime.date.today()  # the clock is untouched
