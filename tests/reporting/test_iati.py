"""IATI activity XML (2.03) at /open-data/iati.xml: valid against the official schema
in the shared standards folder, following IATI's rules the schema does not check, and
carrying no personal data."""

import datetime
from decimal import Decimal
from pathlib import Path
from unittest.mock import patch

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from grants.enums import DecisionOutcome
from grants.models import Decision
from projects.enums import ProjectState, StandardIndicator, TrancheCondition, TrancheState
from projects.models import ProjectLocation, Tranche
from projects.services import project_set_state
from regions.enums import RegionLevel
from reporting.enums import ReportState
from reporting.models import IndicatorProgress
from reporting.opendata.iati import iati_activities, yearly_budgets
from tests.factories import (
    IndicatorFactory,
    ProgressReportFactory,
    ProjectFactory,
    RegionFactory,
    ThemeFactory,
)
from tests.reporting.conftest import at_noon

pytestmark = pytest.mark.django_db

IATI_URL = "/open-data/iati.xml"
PERSONAL = {
    "phone": "+996 555 123 456",
    "email": "office@jety-oguz.example.org",
    "address": "12 Lenin Street, Kyzyl-Suu",
    "taxpayer_number": "02403199910123",
    "registration_number": "7788-3301-OO",
}


def standards_file(*parts) -> Path:
    path = Path(settings.STANDARDS_DIR).joinpath(*parts)
    if not path.exists():
        pytest.skip(f"The shared standards folder has no {path}: schema checks skipped.")
    return path


@pytest.fixture(scope="module")
def iati_schema():
    path = Path(settings.STANDARDS_DIR) / "iati" / "iati-activities-schema.xsd"
    if not path.exists():
        pytest.skip(f"IATI schema not found at {path} (STANDARDS_DIR): validation skipped.")
    return etree.XMLSchema(etree.parse(str(path)))


def tranche(project, order, amount, planned_on, *, paid_on=None, paid_amount=None):
    return Tranche.objects.create(
        project=project,
        order=order,
        amount=Decimal(amount),
        planned_on=planned_on,
        condition=TrancheCondition.ON_SIGNING if order == 1 else TrancheCondition.FINAL_REPORT,
        state=TrancheState.PAID if paid_on else TrancheState.PLANNED,
        paid_on=paid_on,
        paid_amount=Decimal(paid_amount or amount) if paid_on else None,
        payment_reference=f"PAY-{order}" if paid_on else "",
    )


def build_programme(*, staff, organisation_a, organisation_b, oblast) -> dict:
    """Four funded projects: A running in Jety-Oguz District with one tranche paid and
    an accepted report, B completed and fully paid, a terminated one and one that
    starts next year. Organisation A's contact and registration data are filled in
    (they must never come out)."""
    for field, value in PERSONAL.items():
        setattr(organisation_a, field, value)
    organisation_a.save()
    district = RegionFactory(
        code="41702215000000",
        level=RegionLevel.DISTRICT,
        parent=oblast,
        name_en="Jety-Oguz District",
        name_ru="Джети-Огузский район",
    )
    town = RegionFactory(
        code="41702215500000",
        level=RegionLevel.TOWN,
        parent=district,
        name_en="Kyzyl-Suu",
        name_ru="Кызыл-Суу",
    )
    theme = ThemeFactory(name_en="Juvenile delinquency")

    running = ProjectFactory(
        application__organisation=organisation_a,
        application__theme=theme,
        application__summary="Round tables of schools, police and the ayil okmotu.",
        title="Safer schools in Jety-Oguz",
        agreement_number="PIA/2017/001",
        amount_awarded=Decimal("300000.00"),
        starts_on=datetime.date(2017, 7, 1),
        ends_on=datetime.date(2018, 6, 30),
    )
    Decision.objects.create(
        application=running.application,
        outcome=DecisionOutcome.APPROVE,
        amount=Decimal("300000.00"),
        by=staff,
        at=at_noon(datetime.date(2017, 6, 20)),
    )
    ProjectLocation.objects.create(project=running, region=district)
    ProjectLocation.objects.create(project=running, region=town)
    tranche(running, 1, "150000.00", datetime.date(2017, 7, 1), paid_on=datetime.date(2017, 7, 5))
    tranche(running, 2, "150000.00", datetime.date(2018, 7, 15))
    people = IndicatorFactory(project=running, order=0)
    IndicatorFactory(
        project=running,
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
    IndicatorFactory(
        project=running,
        standard="",
        name="Parents' meetings",
        unit="meetings",
        target=Decimal("4"),
        disaggregated=False,
        order=2,
    )
    accepted = ProgressReportFactory(
        project=running, number=1, state=ReportState.ACCEPTED, accepted_at=timezone.now()
    )
    IndicatorProgress.objects.create(
        report=accepted, indicator=people, value=Decimal("120"), women=40, men=30, girls=30, boys=20
    )
    submitted = ProgressReportFactory(
        project=running,
        number=2,
        period_start=datetime.date(2018, 1, 1),
        period_end=datetime.date(2018, 6, 30),
        due_on=datetime.date(2018, 7, 15),
        state=ReportState.SUBMITTED,
    )
    IndicatorProgress.objects.create(report=submitted, indicator=people, value=Decimal("500"))

    completed = ProjectFactory(
        application__organisation=organisation_b,
        agreement_number="PIA/2017/002",
        amount_awarded=Decimal("200000.00"),
        starts_on=datetime.date(2017, 8, 1),
        ends_on=datetime.date(2018, 7, 31),
    )
    ProjectLocation.objects.create(project=completed, region=oblast)
    tranche(completed, 1, "200000.00", datetime.date(2017, 8, 1), paid_on=datetime.date(2017, 8, 3))
    with patch("django.utils.timezone.now", return_value=at_noon(datetime.date(2018, 8, 20))):
        project_set_state(
            project=completed, to_state=ProjectState.COMPLETED, by=staff, reason="Final report"
        )

    terminated = ProjectFactory(
        application__organisation=organisation_b,
        agreement_number="PIA/2017/003",
        starts_on=datetime.date(2017, 9, 1),
        ends_on=datetime.date(2018, 8, 31),
    )
    tranche(
        terminated, 1, "150000.00", datetime.date(2017, 9, 1), paid_on=datetime.date(2017, 9, 4)
    )
    tranche(terminated, 2, "150000.00", datetime.date(2018, 9, 10))
    with patch("django.utils.timezone.now", return_value=at_noon(datetime.date(2018, 2, 1))):
        project_set_state(
            project=terminated, to_state=ProjectState.TERMINATED, by=staff, reason="Misuse"
        )

    today = timezone.localdate()
    upcoming = ProjectFactory(
        application__organisation=organisation_b,
        agreement_number="PIA/2099/004",
        amount_awarded=Decimal("250000.00"),
        starts_on=datetime.date(today.year + 1, 3, 1),
        ends_on=datetime.date(today.year + 3, 2, 28),
    )
    tranche(upcoming, 1, "125000.00", datetime.date(today.year + 1, 3, 1))
    tranche(upcoming, 2, "125000.00", datetime.date(today.year + 2, 9, 1))
    return {
        "running": running,
        "completed": completed,
        "terminated": terminated,
        "upcoming": upcoming,
    }


@pytest.fixture
def programme(staff, organisation_a, organisation_b, oblast):
    return build_programme(
        staff=staff, organisation_a=organisation_a, organisation_b=organisation_b, oblast=oblast
    )


def parse(xml: bytes):
    return etree.fromstring(xml)


def activity(root, agreement_number: str):
    identifier = "XM-DAC-41146-PIA-" + agreement_number.replace("/", "-")
    [element] = root.xpath(f"iati-activity[iati-identifier='{identifier}']")
    return element


def dates(element, path: str) -> list[datetime.date]:
    return [datetime.date.fromisoformat(value) for value in element.xpath(path)]


# --- the schema and IATI's rules --------------------------------------------------------


def test_the_file_is_valid_against_the_iati_2_03_schema(iati_schema, programme):
    root = parse(iati_activities())
    iati_schema.assertValid(root)
    assert root.get("version") == "2.03"
    assert len(root) == 4


def test_each_activity_has_start_date_country_sector_currency_and_language(programme):
    root = parse(iati_activities())
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    for element in root:
        assert element.get(lang) == "en"
        assert element.get("default-currency") == "KGS"
        assert element.xpath("activity-date[@type='1' or @type='2']")
        assert element.xpath("recipient-country/@code") == ["KG"]


def test_sector_and_country_percentages_sum_to_100_per_vocabulary(programme):
    root = parse(iati_activities())
    for element in root:
        sectors = {}
        for sector in element.xpath("sector"):
            vocabulary = sector.get("vocabulary", "1")
            sectors[vocabulary] = sectors.get(vocabulary, 0) + Decimal(sector.get("percentage"))
        assert sectors == {"1": Decimal("100")}
        countries = [Decimal(value) for value in element.xpath("recipient-country/@percentage")]
        assert sum(countries) == Decimal("100")


def test_the_sector_code_is_a_dac_code_of_the_sector_codelist(programme):
    codelist = etree.parse(str(standards_file("iati", "Sector.xml")))
    codes = set(codelist.xpath("//codelist-item/code/text()"))
    root = parse(iati_activities())
    assert set(root.xpath("iati-activity/sector/@code")) == {"15130"}
    assert "15130" in codes


def test_no_transaction_is_dated_in_the_future(programme):
    root = parse(iati_activities())
    today = timezone.localdate()
    transaction_dates = dates(root, "iati-activity/transaction/transaction-date/@iso-date")
    value_dates = dates(root, "iati-activity/transaction/value/@value-date")
    assert transaction_dates
    assert max(transaction_dates) <= today
    assert max(value_dates) <= today


def test_future_tranches_are_planned_disbursements_not_transactions(programme):
    root = parse(iati_activities())
    upcoming = activity(root, "PIA/2099/004")
    assert upcoming.xpath("transaction/transaction-type/@code") == ["2"]
    assert upcoming.xpath("planned-disbursement/value/text()") == ["125000.00", "125000.00"]
    assert upcoming.xpath("activity-date/@type") == ["1", "3"]
    assert upcoming.xpath("activity-status/@code") == ["2"]


def test_each_budget_covers_at_most_one_year_and_the_budgets_add_up_to_the_award(programme):
    root = parse(iati_activities())
    for element in root:
        total = Decimal("0")
        for budget in element.xpath("budget"):
            [start] = dates(budget, "period-start/@iso-date")
            [end] = dates(budget, "period-end/@iso-date")
            assert start <= end
            assert end < datetime.date(start.year + 1, start.month, start.day)
            total += Decimal(budget.xpath("value/text()")[0])
        [commitment] = element.xpath("transaction[transaction-type/@code='2']/value/text()")
        assert total == Decimal(commitment)


def test_the_award_is_split_by_calendar_year_pro_rata_by_days():
    assert yearly_budgets(
        Decimal("300000.00"), datetime.date(2017, 7, 1), datetime.date(2018, 6, 30)
    ) == [
        (datetime.date(2017, 7, 1), datetime.date(2017, 12, 31), Decimal("151232.88")),
        (datetime.date(2018, 1, 1), datetime.date(2018, 6, 30), Decimal("148767.12")),
    ]
    assert yearly_budgets(
        Decimal("100.00"), datetime.date(2019, 3, 1), datetime.date(2019, 3, 31)
    ) == [(datetime.date(2019, 3, 1), datetime.date(2019, 3, 31), Decimal("100.00"))]


# --- what each activity says -----------------------------------------------------------


def test_a_running_project_reports_its_organisations_places_money_and_results(programme):
    root = parse(iati_activities())
    running = activity(root, "PIA/2017/001")
    assert running.xpath("title/narrative/text()") == ["Safer schools in Jety-Oguz"]
    assert running.xpath("description/narrative/text()") == [
        "Round tables of schools, police and the ayil okmotu."
    ]
    assert [
        (org.get("role"), org.get("ref"), org.get("type"), org.xpath("narrative/text()"))
        for org in running.xpath("participating-org")
    ] == [
        (
            "1",
            "US-GOV-11",
            "10",
            [
                "United States Department of State, Bureau of International Narcotics "
                "and Law Enforcement Affairs (INL)"
            ],
        ),
        ("2", "XM-DAC-41146", "40", ["United Nations Office on Drugs and Crime"]),
        ("3", "XM-DAC-41146", "40", ["United Nations Office on Drugs and Crime"]),
        ("4", None, "24", ["Community Safety Jety-Oguz"]),
    ]
    assert running.xpath("activity-status/@code") == ["2"]
    assert [(d.get("type"), d.get("iso-date")) for d in running.xpath("activity-date")] == [
        ("1", "2017-07-01"),
        ("2", "2017-07-01"),
        ("3", "2018-06-30"),
    ]
    assert running.xpath("location/name/narrative/text()") == [
        "Jety-Oguz District, Issyk-Kul Oblast",
        "Kyzyl-Suu, Issyk-Kul Oblast",
    ]
    assert running.xpath("location/feature-designation/@code") == ["ADM2", "PPL"]
    assert [
        (t.xpath("transaction-type/@code")[0], t.xpath("transaction-date/@iso-date")[0])
        + tuple(t.xpath("value/text()"))
        for t in running.xpath("transaction")
    ] == [("2", "2017-07-01", "300000.00"), ("3", "2017-07-05", "150000.00")]
    assert running.xpath("planned-disbursement/period-start/@iso-date") == ["2018-07-15"]
    assert running.xpath("default-flow-type/@code") == ["10"]
    assert running.xpath("default-finance-type/@code") == ["110"]
    assert running.xpath("default-aid-type/@code") == ["C01"]


def test_results_count_only_accepted_reports_of_standard_indicators(programme):
    root = parse(iati_activities())
    running = activity(root, "PIA/2017/001")
    results = [
        (
            result.xpath("title/narrative/text()")[0],
            result.xpath("indicator/baseline/@year")[0],
            result.xpath("indicator/period/target/@value")[0],
            result.xpath("indicator/period/actual/@value"),
        )
        for result in running.xpath("result")
    ]
    assert results == [
        ("People reached", "2017", "1000", ["120"]),
        ("Events held", "2017", "12", []),
    ]


@pytest.mark.parametrize(
    ("agreement_number", "status", "actual_end"),
    [
        ("PIA/2017/001", "2", []),
        ("PIA/2017/002", "4", ["2018-08-20"]),
        ("PIA/2017/003", "5", ["2018-02-01"]),
    ],
)
def test_activity_status_and_actual_end_follow_the_project(
    programme, agreement_number, status, actual_end
):
    element = activity(parse(iati_activities()), agreement_number)
    assert element.xpath("activity-status/@code") == [status]
    assert element.xpath("activity-date[@type='4']/@iso-date") == actual_end


def test_a_terminated_project_plans_no_more_disbursements(programme):
    terminated = activity(parse(iati_activities()), "PIA/2017/003")
    assert terminated.xpath("planned-disbursement") == []
    assert terminated.xpath("transaction/transaction-type/@code") == ["2", "3"]


def test_a_suspended_project_has_status_6(programme, staff):
    project_set_state(
        project=programme["running"],
        to_state=ProjectState.SUSPENDED,
        by=staff,
        reason="Waiting for the audit",
    )
    element = activity(parse(iati_activities()), "PIA/2017/001")
    assert element.xpath("activity-status/@code") == ["6"]


def test_identifiers_and_sector_come_from_the_settings(programme, settings, iati_schema):
    settings.IATI_REPORTING_ORG_REF = "XM-DAC-99999"
    settings.IATI_REPORTING_ORG_NAME = "Test office"
    settings.IATI_ACTIVITY_PREFIX = "XM-DAC-99999-SG"
    settings.IATI_DONOR_REF = "XM-DAC-302"
    settings.IATI_DONOR_NAME = "Test donor"
    settings.IATI_SECTOR_CODE = "16063"
    root = parse(iati_activities())
    iati_schema.assertValid(root)
    assert root.xpath("iati-activity/iati-identifier/text()")[0] == "XM-DAC-99999-SG-PIA-2017-001"
    assert set(root.xpath("iati-activity/reporting-org/@ref")) == {"XM-DAC-99999"}
    assert set(root.xpath("iati-activity/participating-org[@role='1']/@ref")) == {"XM-DAC-302"}
    assert set(root.xpath("iati-activity/sector/@code")) == {"16063"}


# --- the public address -----------------------------------------------------------------


def test_the_address_is_stable_and_named(programme):
    assert reverse("open_data_iati") == IATI_URL


def test_anyone_may_download_the_file_as_xml_cached_for_ten_minutes(client, iati_schema, programme):
    response = client.get(IATI_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert "max-age=600" in response["Cache-Control"]
    iati_schema.assertValid(parse(response.content))


def test_the_file_is_served_from_the_cache_within_ten_minutes(client, programme):
    first = client.get(IATI_URL).content
    programme["running"].title = "Renamed meanwhile"
    programme["running"].save()
    assert client.get(IATI_URL).content == first


def test_posting_to_the_open_data_address_is_refused(client, programme):
    assert client.post(IATI_URL).status_code == 405


def test_the_file_carries_no_personal_data(
    client, programme, applicant_a, applicant_b, staff, organisation_a
):
    text = client.get(IATI_URL).content.decode()
    for person in (applicant_a, applicant_b, staff):
        assert person.email not in text
        assert person.full_name not in text
    for value in PERSONAL.values():
        assert value not in text
    assert "PAY-1" not in text  # payment references are internal


def test_the_file_takes_the_same_queries_for_one_project_or_several(
    client, django_assert_num_queries, organisation_a
):
    def funded():
        project = ProjectFactory(application__organisation=organisation_a)
        tranche(
            project, 1, "100000.00", datetime.date(2017, 7, 1), paid_on=datetime.date(2017, 7, 2)
        )
        IndicatorFactory(project=project)
        return project

    funded()
    # projects, locations, tranches, indicator targets, accepted indicator figures
    with django_assert_num_queries(5):
        assert client.get(IATI_URL).status_code == 200
    for _ in range(3):
        funded()
    cache.clear()
    with django_assert_num_queries(5):
        assert client.get(IATI_URL).content.count(b"<iati-activity ") == 4
