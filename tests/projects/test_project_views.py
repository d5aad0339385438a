import datetime
from decimal import Decimal

import pytest

from grants.services.states import transition_record
from projects.enums import (
    CofinancingSource,
    ProjectState,
    StandardIndicator,
    TrancheCondition,
    TrancheState,
)
from projects.models import Cofinancing, Indicator, Project, ProjectLocation, Tranche
from projects.selectors import project_with_everything
from regions.enums import RegionLevel
from reporting.enums import ReportKind, ReportState
from reporting.models import CofinancingReceipt, IndicatorProgress, Spending
from tests.factories import (
    CallFactory,
    IndicatorFactory,
    OrganisationFactory,
    ProgressReportFactory,
    ProjectBudgetLineFactory,
    ProjectFactory,
    RegionFactory,
)
from tests.projects import places, today_is

pytestmark = pytest.mark.django_db

MINE = "/my/projects/"
STAFF_LIST = "/staff/projects/"


def page(project):
    return f"/project/{project.pk}/"


@pytest.fixture
def geography(oblast):
    return places(oblast)


@pytest.fixture
def project_a(organisation_a, geography):
    project = ProjectFactory(application__organisation=organisation_a)
    ProjectLocation.objects.create(project=project, region=geography["ayil_aimak"])
    return project


def full_project(organisation, rows: int, *, oblast=None) -> Project:
    """A project with ``rows`` of everything its page lists."""
    project = ProjectFactory(application__organisation=organisation)
    for number in range(1, rows + 1):
        region = RegionFactory(
            level=RegionLevel.AYIL_AIMAK, parent=oblast, name_en=f"Place {number}"
        )
        location = ProjectLocation.objects.create(project=project, region=region)
        IndicatorFactory(
            project=project,
            standard="",
            name=f"Indicator {number}",
            disaggregated=number == 1,
            location=location if number > 1 else None,
        )
        ProjectBudgetLineFactory(project=project, description=f"Line {number}", order=number)
        Tranche.objects.create(
            project=project,
            order=number,
            amount=Decimal("1000.00"),
            planned_on=datetime.date(2017, 7, 1),
            condition=TrancheCondition.ON_SIGNING,
            state=TrancheState.READY,
        )
        Cofinancing.objects.create(
            project=project,
            source=CofinancingSource.LOCAL_BUDGET if number % 2 else CofinancingSource.IN_KIND,
            source_name=f"Source {number}",
            region=region,
            committed=Decimal("500.00"),
        )
        ProgressReportFactory(
            project=project,
            number=number,
            period_start=datetime.date(2017, 7, 1),
            period_end=datetime.date(2017, 12, 31),
            due_on=datetime.date(2018, 1, 15),
        )
        transition_record(
            subject=project, from_state="", to_state=ProjectState.ACTIVE, reason=f"Step {number}"
        )
    return project


# --- who sees a project ----------------------------------------------------------------------


def test_the_organisation_member_sees_the_project_page(client, applicant_a, project_a):
    client.force_login(applicant_a)
    response = client.get(page(project_a))
    assert response.status_code == 200
    assert response.context["project"] == project_a
    assert response.context["is_staff"] is False
    assert response.context["state_form"] is None


def test_staff_see_the_project_page_with_their_actions(client, staff, project_a):
    client.force_login(staff)
    response = client.get(page(project_a))
    assert response.status_code == 200
    assert response.context["is_staff"] is True
    assert f"/staff/projects/{project_a.pk}/indicators/new/" in response.content.decode()


@pytest.mark.parametrize("who", ["applicant_b", "committee_member", "conflicted_member"])
def test_outsiders_do_not_find_the_project(client, request, project_a, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(page(project_a)).status_code == 404


def test_donor_viewers_do_not_find_the_project_page(client, donor_viewer, project_a):
    client.force_login(donor_viewer)
    assert client.get(page(project_a)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, project_a):
    response = client.get(page(project_a))
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/project/{project_a.pk}/"


def test_organisation_b_sees_none_of_organisation_a_projects_in_its_list(
    client, applicant_b, organisation_b, project_a
):
    own = ProjectFactory(application__organisation=organisation_b)
    client.force_login(applicant_b)
    response = client.get(MINE)
    assert [project for project, _oblasts in response.context["rows"]] == [own]
    assert project_a.agreement_number not in response.content.decode()


def test_my_projects_lists_my_organisation_projects_with_their_oblast(
    client, applicant_a, project_a
):
    client.force_login(applicant_a)
    response = client.get(MINE)
    assert response.context["rows"] == [(project_a, ["Issyk-Kul Oblast"])]


def test_my_projects_is_empty_for_a_committee_member(client, committee_member, project_a):
    client.force_login(committee_member)
    response = client.get(MINE)
    assert response.status_code == 200
    assert response.context["rows"] == []


@pytest.mark.parametrize("who", ["applicant_a", "committee_member", "donor_viewer"])
def test_the_staff_list_is_not_found_for_anyone_but_staff(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(STAFF_LIST).status_code == 404


def test_the_staff_list_sends_anonymous_visitors_to_sign_in(client):
    assert client.get(STAFF_LIST)["Location"] == "/accounts/login/?next=/staff/projects/"


# --- staff's list ------------------------------------------------------------------------------


def listed(response):
    return [project for project, _oblasts in response.context["rows"]]


def test_staff_filter_projects_by_call(client, staff, organisation_a):
    call = CallFactory()
    wanted = ProjectFactory(application__call=call, application__organisation=organisation_a)
    ProjectFactory()
    client.force_login(staff)
    assert listed(client.get(STAFF_LIST, {"call": call.pk})) == [wanted]


def test_staff_filter_projects_by_state(client, staff):
    ProjectFactory()
    suspended = ProjectFactory(state=ProjectState.SUSPENDED)
    client.force_login(staff)
    assert listed(client.get(STAFF_LIST, {"state": "suspended"})) == [suspended]


def test_staff_filter_projects_by_the_oblast_they_take_place_in(client, staff, project_a):
    elsewhere = RegionFactory(code="41703000000000", name_en="Jalal-Abad Oblast")
    other = ProjectFactory()
    ProjectLocation.objects.create(project=other, region=elsewhere)
    client.force_login(staff)
    assert listed(
        client.get(STAFF_LIST, {"oblast": project_a.locations.get().region.oblast_id})
    ) == [project_a]
    assert listed(client.get(STAFF_LIST, {"oblast": elsewhere.pk})) == [other]


def test_the_staff_list_shows_what_was_paid(client, staff, project_a):
    Tranche.objects.create(
        project=project_a,
        order=1,
        amount=Decimal("150000.00"),
        planned_on=datetime.date(2017, 7, 1),
        condition=TrancheCondition.ON_SIGNING,
        state=TrancheState.PAID,
        paid_amount=Decimal("149000.00"),
    )
    client.force_login(staff)
    response = client.get(STAFF_LIST)
    assert listed(response)[0].paid_total == Decimal("149000.00")
    assert "149,000.00 KGS" in response.content.decode()


def test_the_staff_list_paginates_by_25(client, staff):
    for _number in range(26):
        ProjectFactory()
    client.force_login(staff)
    assert len(client.get(STAFF_LIST).context["rows"]) == 25
    assert len(client.get(STAFF_LIST, {"page": 2}).context["rows"]) == 1


@pytest.mark.parametrize("rows", [1, 5])
def test_staff_list_query_count_does_not_grow_with_rows(
    client, staff, oblast, rows, django_assert_num_queries
):
    for _number in range(rows):
        project = ProjectFactory()
        ProjectLocation.objects.create(
            project=project, region=RegionFactory(level=RegionLevel.AYIL_AIMAK, parent=oblast)
        )
    client.force_login(staff)
    # session, user, count, the page (call, programme, organisation joined, paid summed),
    # its locations with their oblast, then the filter form's choices: calls, oblasts.
    with django_assert_num_queries(7):
        response = client.get(STAFF_LIST)
    assert len(response.context["rows"]) == rows


@pytest.mark.parametrize("rows", [1, 5])
def test_my_projects_query_count_does_not_grow_with_rows(
    client, applicant_a, organisation_a, oblast, rows, django_assert_num_queries
):
    for _number in range(rows):
        project = ProjectFactory(application__organisation=organisation_a)
        ProjectLocation.objects.create(
            project=project, region=RegionFactory(level=RegionLevel.AYIL_AIMAK, parent=oblast)
        )
    client.force_login(applicant_a)
    # session, user, count, the page, its locations with their oblast.
    with django_assert_num_queries(5):
        response = client.get(MINE)
    assert len(response.context["rows"]) == rows


# --- the project page ----------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 4])
def test_project_page_query_count_does_not_grow_with_rows(
    client, staff, organisation_a, oblast, rows, django_assert_num_queries
):
    project = full_project(organisation_a, rows, oblast=oblast)
    client.force_login(staff)
    client.get(page(project))  # the content types are cached after the first request
    # session, user, the project (application, call, programme, organisation joined),
    # then one query each: locations, indicators, budget lines, tranches, co-financing,
    # partners, reports, the timeline, and the map's oblast names.
    with django_assert_num_queries(12):
        response = client.get(page(project))
    assert len(response.context["indicator_rows"]) == rows
    assert len(response.context["report_rows"]) == rows


def test_accepted_figures_roll_up_to_the_indicator_totals_and_returned_ones_do_not(
    client, staff, project_a
):
    people = IndicatorFactory(project=project_a)
    events = IndicatorFactory(
        project=project_a,
        standard=StandardIndicator.EVENTS_HELD,
        name="Events held",
        unit="events",
        target=Decimal("10"),
        disaggregated=False,
        target_women=None,
        target_men=None,
        target_girls=None,
        target_boys=None,
    )
    first = ProgressReportFactory(project=project_a, number=1, state=ReportState.ACCEPTED)
    second = ProgressReportFactory(
        project=project_a,
        number=2,
        state=ReportState.ACCEPTED,
        period_start=datetime.date(2018, 1, 1),
        period_end=datetime.date(2018, 5, 31),
        due_on=datetime.date(2018, 6, 15),
    )
    returned = ProgressReportFactory(
        project=project_a,
        number=3,
        kind=ReportKind.FINAL,
        state=ReportState.RETURNED,
        period_start=datetime.date(2018, 6, 1),
        period_end=datetime.date(2018, 6, 30),
        due_on=datetime.date(2018, 7, 15),
    )
    for report, (value, women, men, girls, boys) in (
        (first, (100, 40, 30, 20, 10)),
        (second, (50, 20, 10, 10, 10)),
        (returned, (999, 999, 0, 0, 0)),
    ):
        IndicatorProgress.objects.create(
            report=report,
            indicator=people,
            value=value,
            women=women,
            men=men,
            girls=girls,
            boys=boys,
        )
    IndicatorProgress.objects.create(report=first, indicator=events, value=3)
    IndicatorProgress.objects.create(report=returned, indicator=events, value=7)

    client.force_login(staff)
    rows = {
        row["indicator"].pk: row for row in client.get(page(project_a)).context["indicator_rows"]
    }
    assert rows[people.pk]["indicator"].achieved == Decimal("150.00")
    assert rows[people.pk]["split"] == [
        ("Women", 60, 300),
        ("Men", 40, 300),
        ("Girls", 30, 200),
        ("Boys", 20, 200),
    ]
    assert (rows[events.pk]["indicator"].achieved, rows[events.pk]["split"]) == (
        Decimal("3.00"),
        None,
    )


def test_indicators_without_accepted_progress_show_zero(project_a):
    IndicatorFactory(project=project_a)
    indicator = (
        project_with_everything(Project.objects.all()).get(pk=project_a.pk).indicators.all()[0]
    )
    assert (indicator.achieved, indicator.achieved_women) == (Decimal("0.00"), 0)


def test_accepted_spending_rolls_up_per_budget_line_and_returned_does_not(client, staff, project_a):
    line = ProjectBudgetLineFactory(project=project_a, amount=Decimal("200000.00"))
    other = ProjectBudgetLineFactory(
        project=project_a, description="Printing", amount=Decimal("10000.00")
    )
    accepted = ProgressReportFactory(project=project_a, number=1, state=ReportState.ACCEPTED)
    returned = ProgressReportFactory(
        project=project_a, number=2, state=ReportState.RETURNED, kind=ReportKind.FINAL
    )
    Spending.objects.create(report=accepted, budget_line=line, amount=Decimal("80000.00"))
    Spending.objects.create(report=accepted, budget_line=other, amount=Decimal("12000.00"))
    Spending.objects.create(report=returned, budget_line=line, amount=Decimal("50000.00"))
    client.force_login(staff)
    response = client.get(page(project_a))
    lines = {line.pk: line for line in response.context["project"].budget_lines.all()}
    assert (lines[line.pk].spent, lines[line.pk].left) == (
        Decimal("80000.00"),
        Decimal("120000.00"),
    )
    assert (lines[other.pk].spent, lines[other.pk].left) == (
        Decimal("12000.00"),
        Decimal("-2000.00"),
    )
    money = response.context["money"]
    assert (money["budget"], money["spent"]) == (Decimal("210000.00"), Decimal("92000.00"))
    assert "Overspent" in response.content.decode()


def test_cofinancing_received_counts_accepted_reports_with_local_budgets_apart(
    client, staff, project_a, geography
):
    local = Cofinancing.objects.create(
        project=project_a,
        source=CofinancingSource.LOCAL_BUDGET,
        source_name="Ak-Dobo ayil aimak",
        region=geography["ayil_aimak"],
        committed=Decimal("30000.00"),
    )
    donor = Cofinancing.objects.create(
        project=project_a,
        source=CofinancingSource.OTHER_DONOR,
        source_name="Soros Foundation",
        committed=Decimal("15000.00"),
    )
    accepted = ProgressReportFactory(project=project_a, number=1, state=ReportState.ACCEPTED)
    submitted = ProgressReportFactory(
        project=project_a, number=2, state=ReportState.SUBMITTED, kind=ReportKind.FINAL
    )
    CofinancingReceipt.objects.create(report=accepted, cofinancing=local, amount=Decimal("12000"))
    CofinancingReceipt.objects.create(report=submitted, cofinancing=local, amount=Decimal("9000"))
    CofinancingReceipt.objects.create(report=accepted, cofinancing=donor, amount=Decimal("5000"))
    client.force_login(staff)
    money = client.get(page(project_a)).context["money"]
    assert (money["local"], money["other"]) == ([local], [donor])
    assert (
        money["local_committed"],
        money["local_received"],
        money["other_committed"],
        money["other_received"],
    ) == (Decimal("30000.00"), Decimal("12000.00"), Decimal("15000.00"), Decimal("5000.00"))


def test_the_tranche_totals_show_planned_ready_paid_and_remaining(client, applicant_a, project_a):
    for order, state, paid in (
        (1, TrancheState.PAID, Decimal("150000.00")),
        (2, TrancheState.READY, None),
        (3, TrancheState.PLANNED, None),
    ):
        Tranche.objects.create(
            project=project_a,
            order=order,
            amount=Decimal("100000.00"),
            planned_on=datetime.date(2017, 7, 1),
            condition=TrancheCondition.ON_SIGNING,
            state=state,
            paid_amount=paid,
            payment_reference="TR-SECRET" if paid else "",
        )
    client.force_login(applicant_a)
    response = client.get(page(project_a))
    money = response.context["money"]
    assert (
        money["tranches_planned"],
        money["tranches_ready"],
        money["paid"],
        money["remaining"],
    ) == (
        Decimal("300000.00"),
        Decimal("100000.00"),
        Decimal("150000.00"),
        Decimal("150000.00"),
    )
    content = response.content.decode()
    # The applicant sees the payment, not the bank reference or staff's payment button.
    assert "TR-SECRET" not in content
    assert "/pay/" not in content


def test_the_map_marks_each_oblast_with_a_location_once(client, staff, project_a, geography):
    ProjectLocation.objects.create(project=project_a, region=geography["district"])
    client.force_login(staff)
    response = client.get(page(project_a))
    assert response.context["map_values"] == {"41702000000000": 1}
    assert "Project locations" in response.content.decode()


def test_the_reports_are_listed_with_their_status(client, applicant_a, project_a):
    ProgressReportFactory(project=project_a, number=1, state=ReportState.ACCEPTED)
    ProgressReportFactory(
        project=project_a,
        number=2,
        kind=ReportKind.FINAL,
        period_start=datetime.date(2018, 1, 1),
        period_end=datetime.date(2018, 6, 30),
        due_on=datetime.date(2018, 7, 15),
    )
    client.force_login(applicant_a)
    with today_is(datetime.date(2018, 7, 20)):
        response = client.get(page(project_a))
    assert [
        (row["report"].number, row["status"], str(row["status_label"]))
        for row in response.context["report_rows"]
    ] == [
        (1, "accepted", "Accepted"),
        (2, "overdue", "Overdue"),
    ]


def test_the_timeline_shows_state_changes(client, staff, project_a):
    transition_record(
        subject=project_a,
        from_state=ProjectState.ACTIVE,
        to_state=ProjectState.SUSPENDED,
        by=staff,
        reason="Audit.",
    )
    client.force_login(staff)
    timeline = client.get(page(project_a)).context["timeline"]
    assert [(step["from"], step["to"], step["reason"]) for step in timeline] == [
        ("Active", "Suspended", "Audit.")
    ]


# --- indicators --------------------------------------------------------------------------------


def add_url(project):
    return f"/staff/projects/{project.pk}/indicators/new/"


def edit_url(indicator):
    return f"/staff/projects/{indicator.project_id}/indicators/{indicator.pk}/edit/"


INDICATOR = {
    "name": "Schools with a safety plan",
    "unit": "schools",
    "baseline": "1",
    "target": "5",
    "disaggregated": "",
    "target_women": "",
    "target_men": "",
    "target_girls": "",
    "target_boys": "",
    "location": "",
}


def test_staff_add_a_project_specific_indicator_in_one_location(client, staff, project_a):
    location = project_a.locations.get()
    client.force_login(staff)
    response = client.post(add_url(project_a), {**INDICATOR, "location": location.pk})
    assert response.status_code == 302
    indicator = Indicator.objects.get(project=project_a)
    assert (
        indicator.standard,
        indicator.name,
        indicator.unit,
        indicator.baseline,
        indicator.target,
        indicator.location,
    ) == ("", "Schools with a safety plan", "schools", Decimal("1.00"), Decimal("5.00"), location)


def test_an_indicator_in_another_project_location_is_refused(client, staff, project_a):
    other = ProjectFactory()
    elsewhere = ProjectLocation.objects.create(
        project=other, region=RegionFactory(level=RegionLevel.AYIL_AIMAK)
    )
    client.force_login(staff)
    response = client.post(add_url(project_a), {**INDICATOR, "location": elsewhere.pk})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["location"]
    assert Indicator.objects.filter(project=project_a).exists() is False


def test_a_split_target_must_add_up_to_the_target(client, staff, project_a):
    client.force_login(staff)
    response = client.post(
        add_url(project_a),
        {
            **INDICATOR,
            "disaggregated": "on",
            "target": "100",
            "target_women": "30",
            "target_men": "30",
            "target_girls": "20",
            "target_boys": "10",
        },
    )
    assert response.context["form"].errors == {
        "target": ["The target (100) must equal the sum of women, men, girls and boys (90)."]
    }
    assert 'value="Schools with a safety plan"' in response.content.decode()
    assert Indicator.objects.filter(project=project_a).exists() is False


def test_staff_change_the_target_of_a_standard_indicator_but_not_its_name(client, staff, project_a):
    events = IndicatorFactory(
        project=project_a,
        standard=StandardIndicator.EVENTS_HELD,
        name="Events held",
        unit="events",
        target=Decimal("0"),
        disaggregated=False,
        target_women=None,
        target_men=None,
        target_girls=None,
        target_boys=None,
    )
    client.force_login(staff)
    form = client.get(edit_url(events)).context["form"]
    assert list(form.fields) == ["baseline", "target"]
    response = client.post(
        edit_url(events), {"baseline": "0", "target": "12", "name": "Something else"}
    )
    assert response.status_code == 302
    events.refresh_from_db()
    assert (events.target, events.name) == (Decimal("12.00"), "Events held")


def test_staff_change_the_split_targets_of_people_reached(client, staff, project_a):
    people = IndicatorFactory(project=project_a)
    client.force_login(staff)
    response = client.post(
        edit_url(people),
        {
            "baseline": "0",
            "target": "1100",
            "target_women": "400",
            "target_men": "300",
            "target_girls": "200",
            "target_boys": "200",
        },
    )
    assert response.status_code == 302
    people.refresh_from_db()
    assert (people.target, people.target_women) == (Decimal("1100.00"), 400)


@pytest.mark.parametrize("who", ["applicant_a", "applicant_b", "committee_member", "donor_viewer"])
def test_only_staff_reach_the_indicator_editor(client, request, project_a, who):
    people = IndicatorFactory(project=project_a)
    client.force_login(request.getfixturevalue(who))
    assert client.get(add_url(project_a)).status_code == 404
    assert client.post(add_url(project_a), INDICATOR).status_code == 404
    assert client.post(edit_url(people), {"baseline": "0", "target": "1"}).status_code == 404
    assert Indicator.objects.filter(project=project_a).count() == 1


def test_an_indicator_of_another_project_is_not_found(client, staff, project_a):
    stranger = IndicatorFactory(
        project=ProjectFactory(application__organisation=OrganisationFactory())
    )
    client.force_login(staff)
    assert (
        client.get(f"/staff/projects/{project_a.pk}/indicators/{stranger.pk}/edit/").status_code
        == 404
    )


def test_an_empty_baseline_means_zero(client, staff, project_a):
    client.force_login(staff)
    response = client.post(add_url(project_a), {**INDICATOR, "baseline": ""})
    assert response.status_code == 302
    assert Indicator.objects.get(project=project_a).baseline == Decimal("0.00")


def test_staff_see_the_payment_button_of_a_ready_tranche_only(client, staff, project_a):
    ready = Tranche.objects.create(
        project=project_a,
        order=1,
        amount=Decimal("150000.00"),
        planned_on=datetime.date(2017, 7, 1),
        condition=TrancheCondition.ON_SIGNING,
        state=TrancheState.READY,
    )
    planned = Tranche.objects.create(
        project=project_a,
        order=2,
        amount=Decimal("150000.00"),
        planned_on=datetime.date(2018, 1, 15),
        condition=TrancheCondition.FINAL_REPORT,
    )
    client.force_login(staff)
    content = client.get(page(project_a)).content.decode()
    assert f"/tranches/{ready.pk}/pay/" in content
    assert f"/tranches/{planned.pk}/pay/" not in content
