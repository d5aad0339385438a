"""Every figure of ``programme_figures`` against the hand-built programme of
``figures_data`` (each number there is worked out by hand)."""

import datetime
import json
from decimal import Decimal

import pytest

from projects.enums import ProjectState
from reporting.figures import money_to_decimal, programme_figures, public_figures
from tests.factories import CallFactory, ProgrammeFactory, ProjectFactory
from tests.reporting.figures_data import TODAY, build_programme


@pytest.fixture
def data(organisation_a, organisation_b, oblast):
    return build_programme(
        organisation_a=organisation_a, organisation_b=organisation_b, oblast=oblast
    )


@pytest.fixture
def figures(data):
    return programme_figures(today=TODAY)


def test_headline_figures_of_the_whole_programme(figures):
    assert figures["headline"] == {
        "calls_open": 1,
        "applications_received": 6,
        "applications_eligible": 4,
        "applications_funded": 3,
        "projects": 3,
        "requested": "1120000.00",
        "awarded": "740000.00",
        "disbursed": "565000.00",
        "cofinancing_committed": "265000.00",
        "cofinancing_received": "95000.00",
        "people_reached": 720,
        "people_target": 2300,
        "people_reached_percent": 31.3,
        "reports_on_time": 2,
        "reports_late": 2,
        "reports_overdue": 1,
    }
    assert figures["currency"] == "KGS"
    assert figures["as_of"] == "2018-08-01"


def test_calls_open_now_lists_the_open_call_only(data, figures):
    assert figures["calls_open"]["count"] == 1
    assert [call["id"] for call in figures["calls_open"]["calls"]] == [data.call_open.pk]


def test_funnel_counts_received_eligible_and_funded_per_call_newest_first(data, figures):
    assert [
        (row["call_id"], row["received"], row["eligible"], row["funded"], row["requested"])
        for row in figures["funnel"]
    ] == [
        (data.call_open.pk, 1, 0, 0, "100000.00"),
        (data.call_2017.pk, 5, 4, 3, "1020000.00"),
    ]
    assert figures["applications"] == {
        "received": 6,
        "eligible": 4,
        "funded": 3,
        "requested": "1120000.00",
    }


def test_an_application_withdrawn_after_submission_counts_as_received(data):
    data.applications["A6"].state = "withdrawn"
    data.applications["A6"].save()

    assert programme_figures(today=TODAY)["applications"]["received"] == 6


def test_money_requested_approved_awarded_and_disbursed(figures):
    assert figures["money"] == {
        "requested": "1120000.00",
        "approved": "740000.00",
        "awarded": "740000.00",
        "disbursed": "565000.00",
        "undisbursed": "175000.00",
        "disbursed_percent": 76.4,
    }


def test_projects_are_counted_by_state(figures):
    assert figures["projects"]["total"] == 3
    assert [(row["state"], row["count"]) for row in figures["projects"]["by_state"]] == [
        ("active", 1),
        ("suspended", 1),
        ("completed", 1),
        ("terminated", 0),
    ]


def test_cofinancing_shows_local_budgets_apart_and_counts_only_accepted_receipts(figures):
    cofinancing = figures["cofinancing"]
    assert cofinancing["local_budget"] == {"committed": "200000.00", "received": "55000.00"}
    assert cofinancing["other"] == {"committed": "65000.00", "received": "40000.00"}
    assert cofinancing["total"] == {"committed": "265000.00", "received": "95000.00"}
    assert [
        (row["source"], row["committed"], row["received"]) for row in cofinancing["by_source"]
    ] == [
        ("local_budget", "200000.00", "55000.00"),
        ("other_donor", "50000.00", "40000.00"),
        ("in_kind", "15000.00", "0.00"),
    ]


def test_people_reached_against_targets_by_sex_and_age_from_accepted_reports(figures):
    people = figures["people"]
    assert (people["achieved"], people["target"], people["percent"]) == (720, 2300, 31.3)
    assert [
        (row["group"], row["achieved"], row["target"], row["percent"]) for row in people["by_group"]
    ] == [
        ("women", 200, 650, 30.8),
        ("men", 170, 650, 26.2),
        ("girls", 180, 500, 36.0),
        ("boys", 170, 500, 34.0),
    ]


def test_reports_on_time_late_and_overdue_by_the_bishkek_due_day(figures):
    # P2 #2 was handed in at 00:30 on the 16th in Bishkek, still the 15th in UTC: late.
    assert figures["reports"] == {
        "total": 6,
        "on_time": 2,
        "late": 2,
        "overdue": 1,
        "not_yet_due": 1,
        "on_time_percent": 40.0,
    }


def test_pending_reports_of_a_terminated_project_are_not_overdue(data):
    project = data.projects["P1"]
    project.state = ProjectState.TERMINATED
    project.save()

    assert programme_figures(today=TODAY)["reports"]["overdue"] == 0


def test_standard_indicator_achievement_against_targets(figures):
    assert [
        (row["standard"], row["projects"], row["achieved"], row["target"], row["percent"])
        for row in figures["indicators"]
    ] == [
        ("people_reached", 3, "720.00", "2300.00", 31.3),
        ("events_held", 3, "14.00", "28.00", 50.0),
        ("volunteers", 0, "0.00", "0.00", None),
        ("plan_adopted", 0, "0.00", "0.00", None),
        ("local_cofinancing", 0, "0.00", "0.00", None),
    ]


def test_breakdown_by_theme(data, figures):
    assert [
        (row["theme_id"], row["projects"], row["awarded"], row["disbursed"], row["people_reached"])
        for row in figures["by_theme"]
    ] == [
        (data.road.pk, 2, "500000.00", "349000.00", 520),
        (data.marriage.pk, 1, "240000.00", "216000.00", 200),
    ]
    assert figures["by_theme"][0]["names"]["en"] == "Road safety"


def test_breakdown_by_oblast_splits_a_project_evenly_between_its_oblasts(figures):
    # P1 works in Issyk-Kul and Osh: half of its money and people in each; P2's two
    # places are both in Osh: all of it there, once.
    assert [
        (row["code"], row["projects"], row["awarded"], row["disbursed"], row["people_reached"])
        for row in figures["by_oblast"]
    ] == [
        ("41702000000000", 2, "350000.00", "274000.00", 460),
        ("41706000000000", 2, "390000.00", "291000.00", 260),
    ]
    assert figures["by_oblast"][1]["names"] == {
        "en": "Osh Oblast",
        "ru": "Ошская область",
        "ky": "Ош облусу",
    }


def test_filter_by_call_narrows_every_figure(data):
    figures = programme_figures(call=data.call_open, today=TODAY)

    assert [row["call_id"] for row in figures["funnel"]] == [data.call_open.pk]
    assert figures["headline"]["applications_received"] == 1
    assert figures["headline"]["projects"] == 0
    assert figures["money"]["awarded"] == "0.00"
    assert figures["people"]["achieved"] == 0
    assert figures["reports"]["total"] == 0
    assert figures["by_oblast"] == []


def test_filter_by_year_of_the_call_opening(data):
    figures = programme_figures(year=2017, today=TODAY)

    assert [row["call_id"] for row in figures["funnel"]] == [data.call_2017.pk]
    assert figures["headline"]["calls_open"] == 0
    assert figures["headline"]["applications_received"] == 5
    assert figures["headline"]["awarded"] == "740000.00"


def test_filter_by_oblast_counts_applications_and_projects_located_there(data):
    figures = programme_figures(oblast=data.osh, today=TODAY)

    # A1 (Kara-Suu), A2 (Osh Oblast) and A4 (Nookat); P1 and P2.
    assert figures["applications"] == {
        "received": 3,
        "eligible": 3,
        "funded": 2,
        "requested": "700000.00",
    }
    assert figures["money"]["awarded"] == "540000.00"
    assert figures["money"]["disbursed"] == "366000.00"
    assert figures["people"]["achieved"] == 320
    assert figures["reports"]["total"] == 4


def test_filter_by_another_programme_leaves_nothing(data):
    other = ProgrammeFactory(slug="other", name="Other programme", currency="USD")

    figures = programme_figures(programme=other, today=TODAY)

    assert figures["currency"] == "USD"
    assert figures["funnel"] == []
    assert figures["headline"]["projects"] == 0


def test_draft_calls_never_count(data):
    CallFactory(programme=data.programme, state="draft", title="Draft call")

    figures = programme_figures(today=TODAY)

    assert len(figures["funnel"]) == 2
    assert figures["calls_open"]["count"] == 1


def test_a_period_counts_what_happened_by_its_end_and_within_it(data):
    figures = programme_figures(
        programme=data.programme,
        period_start=datetime.date(2018, 1, 1),
        period_end=datetime.date(2018, 1, 31),
    )

    assert figures["as_of"] == "2018-01-31"
    assert figures["headline"]["calls_open"] == 0
    assert figures["headline"]["applications_received"] == 5  # A6 came later
    assert figures["money"]["disbursed"] == "466000.00"
    # P3 #1 was accepted on 5 February: its figures are not in yet.
    assert figures["people"]["achieved"] == 320
    assert figures["cofinancing"]["total"]["received"] == "65000.00"
    # The reports due in the period: the three first reports.
    assert figures["reports"] == {
        "total": 3,
        "on_time": 2,
        "late": 1,
        "overdue": 0,
        "not_yet_due": 0,
        "on_time_percent": 66.7,
    }
    assert figures["period"] == {
        "start": "2018-01-01",
        "end": "2018-01-31",
        "applications_received": 0,
        "disbursed": "96000.00",
        "cofinancing_received": "65000.00",
        "people_reached": 320,
        "reports_accepted": 2,
    }


def test_figures_are_json_serialisable_and_money_reads_back_as_decimal(figures):
    stored = json.loads(json.dumps(figures))

    assert stored == figures
    assert money_to_decimal(stored)["money"]["awarded"] == Decimal("740000.00")
    assert money_to_decimal(stored)["by_oblast"][0]["awarded"] == Decimal("350000.00")


def test_public_figures_leave_out_terminated_projects(data):
    ProjectFactory(
        application__call=data.call_2017,
        state=ProjectState.TERMINATED,
        amount_awarded=Decimal("100000.00"),
    )

    totals = public_figures()

    assert (totals["projects"], totals["awarded"], totals["people_reached"]) == (
        3,
        "740000.00",
        720,
    )
    assert [(row["code"], row["projects"]) for row in totals["by_oblast"]] == [
        ("41702000000000", 2),
        ("41706000000000", 2),
    ]


def test_the_figures_take_a_fixed_number_of_queries(data, django_assert_num_queries):
    # calls open 1; funnel 2 (the calls with their currency); projects by state (with
    # the amount awarded), disbursed, approved 3; co-financing 2; indicators 2; reports
    # 1; by theme (with the themes' names) 3; by oblast (with the oblasts' names) 1.
    with django_assert_num_queries(15):
        programme_figures(today=TODAY)


def test_the_figures_of_an_empty_portal_are_zeros(db):
    figures = programme_figures()

    assert figures["headline"]["projects"] == 0
    assert figures["money"]["awarded"] == "0.00"
    assert figures["money"]["disbursed_percent"] is None
    assert figures["people"]["percent"] is None
    assert figures["currency"] == "KGS"
