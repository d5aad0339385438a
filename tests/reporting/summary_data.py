"""A small programme to summarise, built by hand so that every figure is known.

January 2018 of "Prevention in Action": one call (open April-May 2017), two funded
projects of organisation A (Jety-Oguz District, Issyk-Kul Oblast; theme "Road safety";
300 000 awarded, 150 000 paid in July 2017) and organisation B (Kara-Suu, Osh Oblast;
theme "Early marriage"; 200 000 awarded, nothing paid). A's first report was submitted
on 12 January (due 15 January) and accepted on 20 January with people reached
(40 women, 30 men, 30 girls, 20 boys) and 25 000 of local co-financing received; B's
first report, due 15 January too, was never submitted: it is overdue.

The applicants' people and the organisations' contact details are set to values that
must appear in no summary (``PERSONAL_DATA``).
"""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from grants.enums import ApplicationState
from grants.models import Application, Call
from projects.enums import TrancheCondition, TrancheState
from projects.models import ProjectLocation, Tranche
from regions.enums import RegionLevel
from reporting.enums import ReportState
from reporting.models import CofinancingReceipt, IndicatorProgress, ProgressReport
from tests.factories import RegionFactory, ThemeFactory
from tests.reporting.conftest import make_project

BISHKEK = ZoneInfo("Asia/Bishkek")
JANUARY = (datetime.date(2018, 1, 1), datetime.date(2018, 1, 31))
ACHIEVEMENTS = (
    "Six round tables in three ayil aimaks; the ayil okmotu adopted a joint prevention "
    "plan. Write to aliya@example.org or call +996 555 123 456 for the photos."
)
ORGANISATION_A_CONTACTS = {
    "phone": "+996 312 765 432",
    "email": "office@safety-jety-oguz.kg",
    "address": "12 Lenin Street, Kyzyl-Suu",
}
PERSONAL_DATA = [
    "aliya@example.org",
    "Aliya Applicant",
    "bob@example.org",
    "Bakyt Outsider",
    "+996 555 123 456",
    "+996 312 765 432",
    "office@safety-jety-oguz.kg",
    "12 Lenin Street",
]


def moment(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=BISHKEK)


def build_programme(*, organisation_a, organisation_b, oblast, applicant_a, applicant_b):
    """The data set above; returns {"programme", "project_a", "project_b", ...}."""
    organisation_a.phone = ORGANISATION_A_CONTACTS["phone"]
    organisation_a.email = ORGANISATION_A_CONTACTS["email"]
    organisation_a.address = ORGANISATION_A_CONTACTS["address"]
    organisation_a.save()
    osh = RegionFactory(
        code="41706000000000",
        name_en="Osh Oblast",
        name_ru="Ошская область",
        name_ky="Ош облусу",
    )
    jety_oguz = RegionFactory(
        code="41702215000000",
        level=RegionLevel.DISTRICT,
        parent=oblast,
        name_en="Jety-Oguz District",
        name_ru="Джети-Огузский район",
        name_ky="Жети-Өгүз району",
    )
    kara_suu = RegionFactory(
        code="41706226000000",
        level=RegionLevel.TOWN,
        parent=osh,
        name_en="Kara-Suu",
        name_ru="Кара-Суу",
        name_ky="Кара-Суу",
    )
    road_safety = ThemeFactory(name_en="Road safety", name_ru="Безопасность дорожного движения")
    early_marriage = ThemeFactory(name_en="Early marriage", name_ru="Ранние браки")
    project_a = make_project(
        organisation_a,
        application__theme=road_safety,
        application__created_by=applicant_a,
        title="Safer roads in Jety-Oguz",
    )
    call = project_a.application.call
    project_b = make_project(
        organisation_b,
        application__call=call,
        application__theme=early_marriage,
        application__created_by=applicant_b,
        title="Girls at school, not married",
        amount_awarded=Decimal("200000.00"),
    )
    programme = call.programme
    Call.objects.filter(pk=call.pk).update(
        opens_at=moment(datetime.date(2017, 4, 1)), closes_at=moment(datetime.date(2017, 5, 15))
    )
    Application.objects.filter(pk=project_a.application_id).update(
        submitted_at=moment(datetime.date(2017, 5, 1)), requested_amount=Decimal("300000.00")
    )
    Application.objects.filter(pk=project_b.application_id).update(
        submitted_at=moment(datetime.date(2017, 5, 2)), requested_amount=Decimal("250000.00")
    )
    assert project_a.application.state == ApplicationState.APPROVED
    ProjectLocation.objects.create(project=project_a, region=jety_oguz)
    ProjectLocation.objects.create(project=project_b, region=kara_suu)
    Tranche.objects.create(
        project=project_a,
        order=1,
        amount=Decimal("150000.00"),
        planned_on=datetime.date(2017, 7, 1),
        condition=TrancheCondition.ON_SIGNING,
        state=TrancheState.PAID,
        paid_on=datetime.date(2017, 7, 10),
        paid_amount=Decimal("150000.00"),
    )
    report = project_a.reports.get(number=1)
    people, _events = project_a.indicators.order_by("order")
    IndicatorProgress.objects.create(
        report=report, indicator=people, value=Decimal("120"), women=40, men=30, girls=30, boys=20
    )
    CofinancingReceipt.objects.create(
        report=report, cofinancing=project_a.cofinancing.get(), amount=Decimal("25000.00")
    )
    ProgressReport.objects.filter(pk=report.pk).update(
        state=ReportState.ACCEPTED,
        achievements=ACHIEVEMENTS,
        submitted_at=moment(datetime.date(2018, 1, 12)),
        submitted_by=applicant_a,
        accepted_at=moment(datetime.date(2018, 1, 20)),
    )
    return {
        "programme": programme,
        "call": call,
        "project_a": project_a,
        "project_b": project_b,
        "osh": osh,
        "now": timezone.now(),
    }
