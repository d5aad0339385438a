import datetime
from decimal import Decimal
from unittest.mock import patch

import pytest
from django.core.exceptions import ValidationError

from grants.enums import ApplicationState
from grants.models import Transition
from grants.services.states import timeline_for
from projects import services
from projects.enums import (
    CofinancingSource,
    ProjectState,
    StandardIndicator,
    TrancheCondition,
    TrancheState,
)
from projects.models import (
    Cofinancing,
    FundingTerms,
    Indicator,
    Project,
    ProjectBudgetLine,
    ProjectLocation,
    ProjectPartner,
    Tranche,
    TrancheRule,
)
from projects.services import project_create_from_application
from tests.projects import approved_application, places, today_is

pytestmark = pytest.mark.django_db

DECIDED = datetime.date(2017, 6, 20)


@pytest.fixture
def no_other_handlers():
    """Run each test with only the handlers it registers (reporting's schedule
    generator is registered by its app and tested there)."""
    with patch.object(services, "project_created_handlers", []):
        yield services.project_created_handlers


@pytest.fixture
def geography(oblast):
    return places(oblast)


def create(application, staff, amount=Decimal("300000.00"), on=DECIDED, **kwargs):
    with today_is(on):
        return project_create_from_application(
            application=application, amount=amount, by=staff, **kwargs
        )


def test_project_gets_an_agreement_number_from_the_application_reference(
    organisation_a, staff, no_other_handlers
):
    project = create(approved_application(organisation=organisation_a, sequence=7), staff)
    assert project.agreement_number == "PIA/2017/007"


def test_project_starts_the_month_after_the_decision_and_runs_its_duration(
    organisation_a, staff, no_other_handlers
):
    project = create(approved_application(organisation=organisation_a, duration_months=9), staff)
    assert (project.starts_on, project.ends_on) == (
        datetime.date(2017, 7, 1),
        datetime.date(2018, 3, 31),
    )


def test_project_without_a_duration_runs_twelve_months(organisation_a, staff, no_other_handlers):
    project = create(approved_application(organisation=organisation_a, duration_months=None), staff)
    assert (project.starts_on, project.ends_on) == (
        datetime.date(2017, 7, 1),
        datetime.date(2018, 6, 30),
    )


def test_decision_in_december_starts_the_project_in_january(
    organisation_a, staff, no_other_handlers
):
    project = create(
        approved_application(organisation=organisation_a), staff, on=datetime.date(2017, 12, 31)
    )
    assert project.starts_on == datetime.date(2018, 1, 1)


def test_project_records_the_award_and_the_organisation(organisation_a, staff, no_other_handlers):
    application = approved_application(organisation=organisation_a)
    project = create(application, staff, amount=Decimal("250000"))
    assert (project.amount_awarded, project.organisation, project.title, project.state) == (
        Decimal("250000.00"),
        organisation_a,
        "Safer streets in Ak-Dobo",
        ProjectState.ACTIVE,
    )


def test_budget_lines_are_copied_as_budgeted_when_the_award_is_below_the_request(
    organisation_a, staff, no_other_handlers
):
    project = create(
        approved_application(organisation=organisation_a), staff, amount=Decimal("200000")
    )
    lines = ProjectBudgetLine.objects.filter(project=project).order_by("order")
    assert [(line.description, line.quantity, line.unit_cost, line.amount) for line in lines] == [
        ("Project coordinator", Decimal("12.00"), Decimal("10000.00"), Decimal("120000.00")),
        ("Community meetings", Decimal("1.00"), Decimal("210000.00"), Decimal("210000.00")),
    ]


def test_locations_partners_and_planned_beneficiaries_are_copied(
    organisation_a, staff, geography, no_other_handlers
):
    application = approved_application(
        organisation=organisation_a, regions=[geography["ayil_aimak"], geography["district"]]
    )
    project = create(application, staff)
    assert sorted(
        ProjectLocation.objects.filter(project=project).values_list("region__code", flat=True)
    ) == ["41702215000000", "41702215820000"]
    assert list(
        ProjectPartner.objects.filter(project=project).values_list("name", "kind", "role")
    ) == [
        ("Ak-Dobo ayil okmotu", "ayil_okmotu", "Co-finances the plan"),
        ("District police", "police", "Patrols"),
    ]
    assert (
        project.planned_women,
        project.planned_men,
        project.planned_girls,
        project.planned_boys,
    ) == (120, 80, 60, 40)


def test_the_programme_standard_indicators_are_created_with_their_targets(
    organisation_a, staff, no_other_handlers
):
    project = create(
        approved_application(organisation=organisation_a, local=Decimal("45000")), staff
    )
    rows = Indicator.objects.filter(project=project).order_by("order")
    assert [(i.standard, i.name, i.unit, i.target, i.disaggregated) for i in rows] == [
        (StandardIndicator.PEOPLE_REACHED, "People reached", "people", Decimal("300.00"), True),
        (StandardIndicator.EVENTS_HELD, "Events held", "events", Decimal("0.00"), False),
        (StandardIndicator.VOLUNTEERS, "Volunteers involved", "volunteers", Decimal("0.00"), False),
        (
            StandardIndicator.PLAN_ADOPTED,
            "Joint prevention plan adopted",
            "plan",
            Decimal("1.00"),
            False,
        ),
        (
            StandardIndicator.LOCAL_COFINANCING,
            "Local-budget co-financing",
            "KGS",
            Decimal("45000.00"),
            False,
        ),
    ]
    people = rows[0]
    assert (
        people.target_women,
        people.target_men,
        people.target_girls,
        people.target_boys,
    ) == (120, 80, 60, 40)


def test_local_budget_cofinancing_is_named_after_the_first_ayil_aimak(
    organisation_a, staff, geography, no_other_handlers
):
    application = approved_application(
        organisation=organisation_a,
        regions=[geography["ayil_aimak"], geography["district"]],
        local=Decimal("30000"),
        other=Decimal("15000"),
    )
    project = create(application, staff)
    rows = Cofinancing.objects.filter(project=project).order_by("pk")
    assert [(row.source, row.source_name, row.region, row.committed) for row in rows] == [
        (
            CofinancingSource.LOCAL_BUDGET,
            "Ak-Dobo ayil aimak",
            geography["ayil_aimak"],
            Decimal("30000.00"),
        ),
        (CofinancingSource.OTHER_DONOR, "Soros Foundation", None, Decimal("15000.00")),
    ]


def test_local_budget_of_a_district_has_no_ayil_aimak_and_no_other_source_at_zero(
    organisation_a, staff, geography, no_other_handlers
):
    application = approved_application(
        organisation=organisation_a, regions=[geography["district"]], other=Decimal("0")
    )
    project = create(application, staff)
    assert list(
        Cofinancing.objects.filter(project=project).values_list("source", "source_name", "region")
    ) == [(CofinancingSource.LOCAL_BUDGET, "Jety-Oguz District", None)]


def test_tranches_follow_the_default_terms_with_the_signing_tranche_ready(
    organisation_a, staff, no_other_handlers
):
    project = create(approved_application(organisation=organisation_a), staff)
    tranches = Tranche.objects.filter(project=project).order_by("order")
    assert [
        (t.order, t.amount, t.condition, t.report_number, t.planned_on, t.state) for t in tranches
    ] == [
        (
            1,
            Decimal("150000.00"),
            TrancheCondition.ON_SIGNING,
            None,
            datetime.date(2017, 7, 1),
            TrancheState.READY,
        ),
        (
            2,
            Decimal("120000.00"),
            TrancheCondition.INTERIM_REPORT,
            1,
            # Interim period 1 ends 31 December; 15 days' grace.
            datetime.date(2018, 1, 15),
            TrancheState.PLANNED,
        ),
        (
            3,
            Decimal("30000.00"),
            TrancheCondition.FINAL_REPORT,
            None,
            datetime.date(2018, 7, 15),
            TrancheState.PLANNED,
        ),
    ]
    assert tranches[0].ready_at is not None


def test_tranches_follow_the_call_own_funding_terms(organisation_a, staff, no_other_handlers):
    application = approved_application(organisation=organisation_a)
    terms = FundingTerms.objects.create(call=application.call, report_every_months=3, grace_days=10)
    TrancheRule.objects.create(
        terms=terms, order=1, percent=Decimal("70"), condition=TrancheCondition.ON_SIGNING
    )
    TrancheRule.objects.create(
        terms=terms,
        order=2,
        percent=Decimal("30"),
        condition=TrancheCondition.INTERIM_REPORT,
        report_number=2,
    )
    project = create(application, staff)
    assert list(
        Tranche.objects.filter(project=project)
        .order_by("order")
        .values_list("amount", "condition", "report_number", "planned_on")
    ) == [
        (Decimal("210000.00"), TrancheCondition.ON_SIGNING, None, datetime.date(2017, 7, 1)),
        # Interim period 2 ends 31 December; 10 days' grace.
        (
            Decimal("90000.00"),
            TrancheCondition.INTERIM_REPORT,
            2,
            datetime.date(2018, 1, 10),
        ),
    ]


def test_an_interim_tranche_of_a_report_a_short_project_never_makes_follows_the_final_report(
    organisation_a, staff, no_other_handlers
):
    # Six months reporting every six: no interim report, only the final one.
    project = create(approved_application(organisation=organisation_a, duration_months=6), staff)
    assert list(
        Tranche.objects.filter(project=project)
        .order_by("order")
        .values_list("condition", "report_number", "planned_on")
    ) == [
        (TrancheCondition.ON_SIGNING, None, datetime.date(2017, 7, 1)),
        (TrancheCondition.FINAL_REPORT, None, datetime.date(2018, 1, 15)),
        (TrancheCondition.FINAL_REPORT, None, datetime.date(2018, 1, 15)),
    ]


def test_creation_is_on_the_project_timeline_with_the_conditions(
    organisation_a, staff, no_other_handlers
):
    project = create(
        approved_application(organisation=organisation_a),
        staff,
        conditions="Sign the plan with the ayil okmotu.",
    )
    assert [(t.from_state, t.to_state, t.by, t.reason) for t in timeline_for(project)] == [
        (
            "",
            ProjectState.ACTIVE,
            staff,
            "Grant agreement PIA/2017/007 for 300,000.00 KGS, from PIA-2017-007. "
            "Conditions: Sign the plan with the ayil okmotu.",
        )
    ]


def test_every_project_created_handler_is_called_with_the_project(
    organisation_a, staff, no_other_handlers
):
    seen = []
    services.register_project_created_handler(lambda *, project: seen.append(project.pk))
    project = create(approved_application(organisation=organisation_a), staff)
    assert seen == [project.pk]


def test_registering_a_handler_twice_keeps_it_once(no_other_handlers):
    def handler(*, project):
        return None

    services.register_project_created_handler(handler)
    services.register_project_created_handler(handler)
    assert services.project_created_handlers == [handler]


def test_a_failing_handler_leaves_no_part_of_the_project(
    organisation_a, staff, geography, no_other_handlers
):
    def broken(*, project):
        raise ValidationError("The schedule could not be made.")

    services.register_project_created_handler(broken)
    application = approved_application(
        organisation=organisation_a, regions=[geography["ayil_aimak"]], other=Decimal("5000")
    )
    with pytest.raises(ValidationError, match="The schedule could not be made."):
        create(application, staff)
    assert (
        Project.objects.count(),
        Tranche.objects.count(),
        Indicator.objects.count(),
        ProjectLocation.objects.count(),
        ProjectPartner.objects.count(),
        ProjectBudgetLine.objects.count(),
        Cofinancing.objects.count(),
        Transition.objects.filter(to_state=ProjectState.ACTIVE).count(),
    ) == (0, 0, 0, 0, 0, 0, 0, 0)


def test_an_award_above_the_request_is_refused(organisation_a, staff, no_other_handlers):
    application = approved_application(organisation=organisation_a)
    with pytest.raises(ValidationError) as error:
        create(application, staff, amount=Decimal("300000.01"))
    assert error.value.message_dict == {
        "amount": ["The amount awarded cannot exceed the requested amount (300,000.00 KGS)."]
    }
    assert Project.objects.count() == 0


def test_an_award_of_zero_is_refused(organisation_a, staff, no_other_handlers):
    with pytest.raises(ValidationError) as error:
        create(approved_application(organisation=organisation_a), staff, amount=Decimal("0"))
    assert error.value.message_dict == {"amount": ["The amount awarded must be more than zero."]}


def test_an_application_that_is_not_approved_is_refused(organisation_a, staff, no_other_handlers):
    application = approved_application(organisation=organisation_a)
    application.state = ApplicationState.WAITLISTED
    application.save(update_fields=["state"])
    with pytest.raises(ValidationError, match="Only an approved application becomes a project"):
        create(application, staff)
    assert Project.objects.count() == 0


def test_an_application_gets_one_project_only(organisation_a, staff, no_other_handlers):
    application = approved_application(organisation=organisation_a)
    create(application, staff)
    with pytest.raises(ValidationError, match="PIA-2017-007 has a project already."):
        create(application, staff)
    assert Project.objects.count() == 1


def test_an_application_without_a_reference_is_refused(organisation_a, staff, no_other_handlers):
    application = approved_application(organisation=organisation_a)
    application.reference = ""
    application.save(update_fields=["reference"])
    with pytest.raises(ValidationError, match="no reference of the form PREFIX-YEAR-NUMBER"):
        create(application, staff)
    assert Project.objects.count() == 0
