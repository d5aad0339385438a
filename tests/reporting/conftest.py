"""A funded project of organisation A with its reporting schedule: two indicators
(people reached, split by sex and age; events held), two budget lines and one
co-financing source. The project runs from 1 July 2017 to 30 June 2018 with the
default rhythm, so report 1 covers July-December 2017 (due 15 January 2018) and the
final report 2 January-June 2018 (due 15 July 2018)."""

import datetime
from decimal import Decimal

import pytest

from accounts.enums import MembershipRole
from grants.enums import BudgetCategory
from projects.enums import CofinancingSource, StandardIndicator
from projects.models import Cofinancing
from reporting.services.reports import report_save_section, section_version
from reporting.services.schedule import report_schedule_generate
from tests.factories import (
    IndicatorFactory,
    MembershipFactory,
    ProjectBudgetLineFactory,
    ProjectFactory,
    UserFactory,
)

# Inside report 1's review time: the period has ended, the report is not yet overdue.
REVIEW_DAY = datetime.date(2018, 1, 10)


def at_noon(day: datetime.date) -> datetime.datetime:
    """A moment on ``day`` in Bishkek, for patching ``django.utils.timezone.now``."""
    from zoneinfo import ZoneInfo

    return datetime.datetime.combine(day, datetime.time(12), tzinfo=ZoneInfo("Asia/Bishkek"))


def make_project(organisation, **kwargs):
    project = ProjectFactory(application__organisation=organisation, **kwargs)
    IndicatorFactory(project=project, order=0)
    IndicatorFactory(
        project=project,
        standard=StandardIndicator.EVENTS_HELD,
        name="Events held",
        unit="events",
        target=Decimal("12"),
        disaggregated=False,
        target_women=None,
        target_men=None,
        target_girls=None,
        target_boys=None,
        order=1,
    )
    ProjectBudgetLineFactory(project=project, order=0)
    ProjectBudgetLineFactory(
        project=project,
        category=BudgetCategory.MATERIALS,
        description="Printed materials",
        unit="set",
        quantity=Decimal("100"),
        unit_cost=Decimal("500"),
        amount=Decimal("50000.00"),
        order=1,
    )
    Cofinancing.objects.create(
        project=project,
        source=CofinancingSource.LOCAL_BUDGET,
        source_name="Jety-Oguz ayil aimak budget",
        committed=Decimal("100000.00"),
    )
    report_schedule_generate(project=project)
    return project


@pytest.fixture
def project_a(organisation_a):
    return make_project(organisation_a)


@pytest.fixture
def report_a(project_a):
    return project_a.reports.get(number=1)


@pytest.fixture
def viewer_a(organisation_a):
    user = UserFactory(email="vera@example.org", full_name="Vera Viewer")
    MembershipFactory(organisation=organisation_a, user=user, role=MembershipRole.VIEWER)
    return user


@pytest.fixture
def editor_a(organisation_a):
    user = UserFactory(email="eldar@example.org", full_name="Eldar Editor", language="ru")
    MembershipFactory(organisation=organisation_a, user=user, role=MembershipRole.EDITOR)
    return user


def fill_report(report, by):
    """Every section filled through the services, so that the report can be submitted."""
    project = report.project
    people, events = list(project.indicators.order_by("order"))
    first, second = list(project.budget_lines.order_by("order"))
    source = project.cofinancing.get()
    report = report_save_section(
        report=report,
        section="narrative",
        by=by,
        base_version=section_version(report, "narrative"),
        fields={
            "achievements": "Six round tables in three ayil aimaks.",
            "challenges": "Snow closed the pass in December.",
            "lessons": "Schools are the best partners.",
            "next_steps": "A joint prevention plan with the ayil okmotu.",
        },
    )
    report = report_save_section(
        report=report,
        section="indicators",
        by=by,
        base_version=section_version(report, "indicators"),
        rows={
            people.pk: {
                "value": Decimal("120"),
                "women": 40,
                "men": 30,
                "girls": 30,
                "boys": 20,
                "comment": "",
            },
            events.pk: {"value": Decimal("6"), "comment": "Round tables"},
        },
    )
    report = report_save_section(
        report=report,
        section="spending",
        by=by,
        base_version=section_version(report, "spending"),
        rows={first.pk: Decimal("90000.00"), second.pk: Decimal("0")},
    )
    return report_save_section(
        report=report,
        section="cofinancing",
        by=by,
        base_version=section_version(report, "cofinancing"),
        rows={source.pk: Decimal("25000.00")},
    )
