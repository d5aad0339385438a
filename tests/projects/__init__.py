"""Helpers shared by the project tests: an approved application with everything a
project copies, made at a fixed moment so dates are exact."""

import datetime
from contextlib import contextmanager
from decimal import Decimal
from unittest.mock import patch
from zoneinfo import ZoneInfo

from grants.enums import ApplicationState, BudgetCategory, PartnerKind
from grants.models import ApplicationLocation, Partner
from regions.enums import RegionLevel
from tests.factories import ApplicationFactory, BudgetLineFactory, CallFactory, RegionFactory

BISHKEK = ZoneInfo("Asia/Bishkek")


@contextmanager
def today_is(day: datetime.date, hour: int = 10):
    """Freeze ``timezone.now`` at ``hour`` o'clock, Bishkek time, on ``day``."""
    moment = datetime.datetime(day.year, day.month, day.day, hour, tzinfo=BISHKEK)
    with patch("django.utils.timezone.now", return_value=moment):
        yield moment


def places(oblast):
    """Jety-Oguz District of the cast's oblast, with Ak-Dobo ayil aimak in it."""
    district = RegionFactory(
        code="41702215000000",
        level=RegionLevel.DISTRICT,
        parent=oblast,
        name_en="Jety-Oguz District",
        name_ru="Жети-Огузский район",
    )
    ayil_aimak = RegionFactory(
        code="41702215820000",
        level=RegionLevel.AYIL_AIMAK,
        parent=district,
        name_en="Ak-Dobo ayil aimak",
        name_ru="Ак-Добоский айыльный аймак",
    )
    return {"oblast": oblast, "district": district, "ayil_aimak": ayil_aimak}


def approved_application(
    *,
    organisation,
    regions=(),
    sequence=7,
    duration_months=12,
    requested=Decimal("300000.00"),
    local=Decimal("30000.00"),
    other=Decimal("0.00"),
    call=None,
):
    """An approved application PIA-2017-<sequence> with two budget lines adding up to
    ``requested`` + co-financing, two partners and the given locations."""
    call = call or CallFactory()
    application = ApplicationFactory(
        call=call,
        organisation=organisation,
        state=ApplicationState.APPROVED,
        reference=f"PIA-2017-{sequence:03d}",
        sequence=sequence,
        title="Safer streets in Ak-Dobo",
        duration_months=duration_months,
        beneficiaries_women=120,
        beneficiaries_men=80,
        beneficiaries_girls=60,
        beneficiaries_boys=40,
        cofinancing_local_budget=local,
        cofinancing_other=other,
        cofinancing_sources="Soros Foundation" if other else "",
        requested_amount=requested,
        budget_total=requested + local + other,
    )
    total = requested + local + other
    BudgetLineFactory(
        application=application,
        category=BudgetCategory.STAFF,
        description="Project coordinator",
        unit="month",
        quantity=Decimal("12"),
        unit_cost=Decimal("10000.00"),
        order=1,
    )
    BudgetLineFactory(
        application=application,
        category=BudgetCategory.EVENTS,
        description="Community meetings",
        unit="meeting",
        quantity=Decimal("1"),
        unit_cost=total - Decimal("120000.00"),
        order=2,
    )
    Partner.objects.create(
        application=application,
        kind=PartnerKind.AYIL_OKMOTU,
        name="Ak-Dobo ayil okmotu",
        role="Co-finances the plan",
    )
    Partner.objects.create(
        application=application, kind=PartnerKind.POLICE, name="District police", role="Patrols"
    )
    for region in regions:
        ApplicationLocation.objects.create(application=application, region=region)
    return application
