import datetime
from unittest.mock import patch

import pytest

from projects.models import FundingTerms
from projects.services import project_created_handlers
from reporting.enums import ReportKind, ReportState, ReportStatus
from reporting.models import ProgressReport
from reporting.services.reports import report_set_state
from reporting.services.schedule import add_months, report_schedule_generate, schedule_plan
from tests.factories import ProjectFactory
from tests.reporting.conftest import at_noon

D = datetime.date
INTERIM, FINAL = ReportKind.INTERIM, ReportKind.FINAL


def periods(project):
    return [
        (report.kind, report.number, report.period_start, report.period_end, report.due_on)
        for report in project.reports.order_by("number")
    ]


@pytest.mark.django_db
def test_a_twelve_month_project_reporting_every_six_months_has_one_interim_and_a_final_report():
    project = ProjectFactory(starts_on=D(2017, 7, 1), ends_on=D(2018, 6, 30))

    report_schedule_generate(project=project)

    assert periods(project) == [
        (INTERIM, 1, D(2017, 7, 1), D(2017, 12, 31), D(2018, 1, 15)),
        (FINAL, 2, D(2018, 1, 1), D(2018, 6, 30), D(2018, 7, 15)),
    ]


@pytest.mark.django_db
def test_an_eighteen_month_project_has_two_interim_reports_and_a_final_one():
    project = ProjectFactory(starts_on=D(2017, 7, 1), ends_on=D(2018, 12, 31))

    report_schedule_generate(project=project)

    assert periods(project) == [
        (INTERIM, 1, D(2017, 7, 1), D(2017, 12, 31), D(2018, 1, 15)),
        (INTERIM, 2, D(2018, 1, 1), D(2018, 6, 30), D(2018, 7, 15)),
        (FINAL, 3, D(2018, 7, 1), D(2018, 12, 31), D(2019, 1, 15)),
    ]


@pytest.mark.django_db
def test_a_project_ending_mid_period_has_a_shorter_final_report():
    project = ProjectFactory(starts_on=D(2017, 7, 1), ends_on=D(2018, 4, 30))

    report_schedule_generate(project=project)

    assert periods(project) == [
        (INTERIM, 1, D(2017, 7, 1), D(2017, 12, 31), D(2018, 1, 15)),
        (FINAL, 2, D(2018, 1, 1), D(2018, 4, 30), D(2018, 5, 15)),
    ]


@pytest.mark.django_db
def test_a_project_shorter_than_one_period_has_only_a_final_report():
    project = ProjectFactory(starts_on=D(2017, 7, 1), ends_on=D(2017, 9, 30))

    report_schedule_generate(project=project)

    assert periods(project) == [(FINAL, 1, D(2017, 7, 1), D(2017, 9, 30), D(2017, 10, 15))]


@pytest.mark.django_db
def test_the_calls_funding_terms_set_the_rhythm_and_the_grace_period():
    project = ProjectFactory(starts_on=D(2017, 7, 1), ends_on=D(2017, 12, 31))
    FundingTerms.objects.create(call=project.application.call, report_every_months=4, grace_days=30)

    report_schedule_generate(project=project)

    assert periods(project) == [
        (INTERIM, 1, D(2017, 7, 1), D(2017, 10, 31), D(2017, 11, 30)),
        (FINAL, 2, D(2017, 11, 1), D(2017, 12, 31), D(2018, 1, 30)),
    ]


@pytest.mark.django_db
def test_generating_the_schedule_again_creates_nothing_new():
    project = ProjectFactory(starts_on=D(2017, 7, 1), ends_on=D(2018, 12, 31))
    first = report_schedule_generate(project=project)

    second = report_schedule_generate(project=project)

    assert [report.pk for report in second] == [report.pk for report in first]
    assert ProgressReport.objects.count() == 3


def test_periods_follow_each_other_without_gaps_or_overlaps_whatever_the_length():
    for start in [D(2017, 1, 31), D(2017, 7, 1), D(2016, 2, 29), D(2017, 3, 15)]:
        for months in range(1, 40):
            end = add_months(start, months) - datetime.timedelta(days=1)
            for every in [1, 2, 3, 4, 6, 12]:
                plan = schedule_plan(starts_on=start, ends_on=end, every_months=every)
                assert plan[0].period_start == start
                assert plan[-1].period_end == end
                assert plan[-1].kind == FINAL
                assert [report.number for report in plan] == list(range(1, len(plan) + 1))
                for before, after in zip(plan, plan[1:], strict=False):
                    assert after.period_start == before.period_end + datetime.timedelta(days=1)
                    assert before.kind == INTERIM
                assert all(report.period_end >= report.period_start for report in plan)


def test_month_arithmetic_keeps_to_the_end_of_short_months():
    assert add_months(D(2017, 1, 31), 1) == D(2017, 2, 28)
    assert add_months(D(2016, 1, 31), 1) == D(2016, 2, 29)
    assert add_months(D(2017, 12, 15), 1) == D(2018, 1, 15)
    assert add_months(D(2018, 1, 1), -1) == D(2017, 12, 1)


def test_reporting_generates_the_schedule_when_projects_makes_a_project():
    assert report_schedule_generate in project_created_handlers


@pytest.mark.django_db
def test_the_status_follows_the_calendar_and_then_the_state(report_a, applicant_a, staff):
    # Report 1 covers July-December 2017 and is due on 15 January 2018.
    seen = {}
    for day in [D(2017, 12, 31), D(2018, 1, 1), D(2018, 1, 15), D(2018, 1, 16)]:
        with patch("django.utils.timezone.now", return_value=at_noon(day)):
            seen[day] = report_a.status()
    assert seen == {
        D(2017, 12, 31): ReportStatus.NOT_YET_DUE,
        D(2018, 1, 1): ReportStatus.DUE,
        D(2018, 1, 15): ReportStatus.DUE,
        D(2018, 1, 16): ReportStatus.OVERDUE,
    }

    submitted = report_set_state(report=report_a, to_state=ReportState.SUBMITTED, by=applicant_a)
    with patch("django.utils.timezone.now", return_value=at_noon(D(2018, 3, 1))):
        assert submitted.status() == ReportStatus.SUBMITTED
