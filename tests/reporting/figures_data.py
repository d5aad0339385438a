"""A hand-built programme whose every dashboard figure is worked out below by hand.

Two calls: the 2017 call (decided) and a call open now. Seven applications: in the
2017 call A1, A2, A3 approved, A4 rejected after screening, A5 ineligible; in the open
call A6 submitted and A7 a draft (never counted).

Three projects, 2017-07-01 to 2018-06-30, in two oblasts (Issyk-Kul and Osh):

=====  ======  =========  ==========  =================================  ===========
proj   app     theme      awarded     locations (oblast)                 state
=====  ======  =========  ==========  =================================  ===========
P1     A1      Road       300000.00   Jety-Oguz (Issyk-Kul), Kara-Suu    active
                                      (Osh)
P2     A2      Marriage   240000.00   Osh Oblast, Nookat (both Osh)      suspended
P3     A3      Road       200000.00   Jety-Oguz (Issyk-Kul)              completed
=====  ======  =========  ==========  =================================  ===========

Tranches paid: P1 150000 (2017-07-10); P2 120000 (2017-07-15) and 96000
(2018-01-30); P3 100000 (2017-07-05) and 99000 of 100000 (2018-07-20). Unpaid: P1
120000 and 30000, P2 24000. Disbursed 565000.00.

Reports (``TODAY`` = 2018-08-01):
- P1 #1 due 2018-01-15, submitted 2018-01-14, accepted 2018-01-20: on time.
  People 120 (40/30/30/20), events 6, local budget received 25000.
- P1 #2 due 2018-07-15, submitted 2018-07-20, returned: overdue. People 500 (not
  counted).
- P2 #1 due 2018-01-15, submitted 2018-01-20, accepted 2018-01-25: late. People 200
  (60/40/50/50), events 3, other donor received 40000.
- P2 #2 due 2018-07-15, submitted 2018-07-16 00:30 Bishkek (18:30 UTC on the 15th),
  waiting: late. People 300 and local budget 10000 (not counted).
- P3 #1 due 2018-01-15, submitted 2018-01-15 23:59 Bishkek, accepted 2018-02-05: on
  time. People 400 (100 each), events 5, local budget received 30000.
- P3 #2 due 2018-09-15, pending: not yet due.

Co-financing committed: P1 local 100000; P2 other donor 50000, local 20000; P3
local 80000, in kind 15000.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.enums import ProgrammeRole
from grants.enums import ApplicationState, CallState, DecisionOutcome
from grants.models import ApplicationLocation, Decision
from projects.enums import CofinancingSource, ProjectState, StandardIndicator, TrancheState
from projects.models import Cofinancing, ProjectLocation, Tranche
from regions.enums import RegionLevel
from reporting.enums import ReportKind, ReportState
from reporting.models import CofinancingReceipt, IndicatorProgress
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    IndicatorFactory,
    OrganisationFactory,
    ProgrammeFactory,
    ProgressReportFactory,
    ProjectFactory,
    RegionFactory,
    ThemeFactory,
    UserFactory,
)

BISHKEK = ZoneInfo("Asia/Bishkek")
TODAY = datetime.date(2018, 8, 1)
TITLES = {
    1: "Safe roads to school",
    2: "No to early marriage",
    3: "Safer crossings in Karakol",
    4: "Youth clubs in Nookat",
    5: "Neighbourhood watch",
    6: "Football against crime",
    7: "Mediation for families",
}


def bishkek(year, month, day, hour=12, minute=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=BISHKEK)


@dataclass
class Programme:
    programme: object
    call_2017: object
    call_open: object
    issyk_kul: object
    osh: object
    road: object
    marriage: object
    organisations: list
    applications: dict
    projects: dict
    reports: dict
    decider: object


def build_programme(*, organisation_a, organisation_b, oblast) -> Programme:
    """The data set above; ``oblast`` (the cast's) is Issyk-Kul. The organisations get
    contact details, so that pages can be checked for leaking them."""
    for organisation, number in ((organisation_a, 100), (organisation_b, 200)):
        organisation.phone = f"+996 555 {number} {number}"
        organisation.email = f"office{number}@ngo.example.org"
        organisation.address = f"{number} Chui Avenue, Bishkek"
        organisation.save()
    programme = ProgrammeFactory()
    road = ThemeFactory(programme=programme, name_en="Road safety", order=1)
    marriage = ThemeFactory(programme=programme, name_en="Early marriage", order=2)
    issyk_kul = oblast
    osh = RegionFactory(
        code="41706000000000", name_en="Osh Oblast", name_ru="Ошская область", name_ky="Ош облусу"
    )
    jety_oguz = RegionFactory(
        code="41702215000000",
        level=RegionLevel.DISTRICT,
        parent=issyk_kul,
        name_en="Jety-Oguz District",
    )
    kara_suu = RegionFactory(
        code="41706226000000", level=RegionLevel.DISTRICT, parent=osh, name_en="Kara-Suu District"
    )
    nookat = RegionFactory(
        code="41706242000000", level=RegionLevel.DISTRICT, parent=osh, name_en="Nookat District"
    )
    organisation_c = OrganisationFactory(
        name="Karakol Women's Council",
        region=issyk_kul,
        phone="+996 555 300 300",
        email="council@karakol.example.org",
        address="12 Toktogul Street, Karakol",
    )

    call_2017 = CallFactory(
        programme=programme,
        title="Prevention in Action 2017",
        opens_at=bishkek(2017, 3, 1),
        closes_at=bishkek(2017, 4, 15),
        state=CallState.DECIDED,
    )
    call_open = CallFactory(programme=programme, title="Prevention in Action: open call")
    decider = UserFactory(email="decider@example.org", role=ProgrammeRole.STAFF)

    def application(call, organisation, state, requested, theme, places, number):
        app = ApplicationFactory(
            call=call,
            organisation=organisation,
            state=state,
            title=TITLES[number],
            requested_amount=Decimal(requested),
            theme=theme,
            reference=f"PIA-TEST-{number:03d}" if state != ApplicationState.DRAFT else "",
            sequence=number if state != ApplicationState.DRAFT else None,
            submitted_at=bishkek(2017, 4, 10)
            if call == call_2017
            else (timezone.now() if state != ApplicationState.DRAFT else None),
        )
        for place in places:
            ApplicationLocation.objects.create(application=app, region=place)
        return app

    applications = {
        "A1": application(
            call_2017,
            organisation_a,
            ApplicationState.APPROVED,
            "300000",
            road,
            [jety_oguz, kara_suu],
            1,
        ),
        "A2": application(
            call_2017, organisation_b, ApplicationState.APPROVED, "250000", marriage, [osh], 2
        ),
        "A3": application(
            call_2017, organisation_c, ApplicationState.APPROVED, "200000", road, [jety_oguz], 3
        ),
        "A4": application(
            call_2017, organisation_a, ApplicationState.REJECTED, "150000", road, [nookat], 4
        ),
        "A5": application(
            call_2017, organisation_b, ApplicationState.INELIGIBLE, "120000", road, [issyk_kul], 5
        ),
        "A6": application(
            call_open, organisation_a, ApplicationState.SUBMITTED, "100000", road, [jety_oguz], 6
        ),
        "A7": application(
            call_open, organisation_b, ApplicationState.DRAFT, "50000", marriage, [osh], 7
        ),
    }
    for key, amount in (("A1", "300000"), ("A2", "240000"), ("A3", "200000")):
        Decision.objects.create(
            application=applications[key],
            outcome=DecisionOutcome.APPROVE,
            amount=Decimal(amount),
            by=decider,
            at=bishkek(2017, 6, 1),
        )
    Decision.objects.create(
        application=applications["A4"],
        outcome=DecisionOutcome.REJECT,
        by=decider,
        at=bishkek(2017, 6, 1),
    )

    def project(app, number, awarded, state, places):
        made = ProjectFactory(
            application=app,
            organisation=app.organisation,
            title=app.title,
            agreement_number=f"PIA/2017/{number:03d}",
            amount_awarded=Decimal(awarded),
            state=state,
        )
        for place in places:
            ProjectLocation.objects.create(project=made, region=place)
        return made

    p1 = project(applications["A1"], 1, "300000.00", ProjectState.ACTIVE, [jety_oguz, kara_suu])
    p2 = project(applications["A2"], 2, "240000.00", ProjectState.SUSPENDED, [osh, nookat])
    p3 = project(applications["A3"], 3, "200000.00", ProjectState.COMPLETED, [jety_oguz])

    def tranche(proj, order, amount, paid_on=None, paid=None):
        Tranche.objects.create(
            project=proj,
            order=order,
            amount=Decimal(amount),
            planned_on=datetime.date(2017, 7, 1),
            condition="on_signing",
            state=TrancheState.PAID if paid_on else TrancheState.PLANNED,
            paid_on=paid_on,
            paid_amount=Decimal(paid or amount) if paid_on else None,
        )

    tranche(p1, 1, "150000", datetime.date(2017, 7, 10))
    tranche(p1, 2, "120000")
    tranche(p1, 3, "30000")
    tranche(p2, 1, "120000", datetime.date(2017, 7, 15))
    tranche(p2, 2, "96000", datetime.date(2018, 1, 30))
    tranche(p2, 3, "24000")
    tranche(p3, 1, "100000", datetime.date(2017, 7, 5))
    tranche(p3, 2, "100000", datetime.date(2018, 7, 20), paid="99000")

    def indicators(proj, people, split, events):
        women, men, girls, boys = split
        return (
            IndicatorFactory(
                project=proj,
                target=Decimal(people),
                target_women=women,
                target_men=men,
                target_girls=girls,
                target_boys=boys,
                order=0,
            ),
            IndicatorFactory(
                project=proj,
                standard=StandardIndicator.EVENTS_HELD,
                name="Events held",
                unit="events",
                target=Decimal(events),
                disaggregated=False,
                target_women=None,
                target_men=None,
                target_girls=None,
                target_boys=None,
                order=1,
            ),
        )

    p1_people, p1_events = indicators(p1, 1000, (300, 300, 200, 200), 12)
    p2_people, p2_events = indicators(p2, 500, (150, 150, 100, 100), 6)
    p3_people, p3_events = indicators(p3, 800, (200, 200, 200, 200), 10)

    def cofinancing(proj, source, amount):
        return Cofinancing.objects.create(
            project=proj,
            source=source,
            source_name=f"{source} of {proj.agreement_number}",
            committed=Decimal(amount),
        )

    p1_local = cofinancing(p1, CofinancingSource.LOCAL_BUDGET, "100000")
    p2_other = cofinancing(p2, CofinancingSource.OTHER_DONOR, "50000")
    p2_local = cofinancing(p2, CofinancingSource.LOCAL_BUDGET, "20000")
    p3_local = cofinancing(p3, CofinancingSource.LOCAL_BUDGET, "80000")
    cofinancing(p3, CofinancingSource.IN_KIND, "15000")

    def report(proj, number, due_on, state, submitted_at=None, accepted_at=None):
        first = number == 1
        return ProgressReportFactory(
            project=proj,
            number=number,
            kind=ReportKind.INTERIM if first else ReportKind.FINAL,
            period_start=datetime.date(2017, 7, 1) if first else datetime.date(2018, 1, 1),
            period_end=datetime.date(2017, 12, 31) if first else datetime.date(2018, 6, 30),
            due_on=due_on,
            state=state,
            submitted_at=submitted_at,
            accepted_at=accepted_at,
        )

    def progress(rep, people_indicator, people, split, events_indicator=None, events=None):
        women, men, girls, boys = split
        IndicatorProgress.objects.create(
            report=rep,
            indicator=people_indicator,
            value=Decimal(people),
            women=women,
            men=men,
            girls=girls,
            boys=boys,
        )
        if events_indicator is not None:
            IndicatorProgress.objects.create(
                report=rep, indicator=events_indicator, value=Decimal(events)
            )

    due_1 = datetime.date(2018, 1, 15)
    due_2 = datetime.date(2018, 7, 15)
    p1_r1 = report(p1, 1, due_1, ReportState.ACCEPTED, bishkek(2018, 1, 14), bishkek(2018, 1, 20))
    progress(p1_r1, p1_people, 120, (40, 30, 30, 20), p1_events, 6)
    CofinancingReceipt.objects.create(report=p1_r1, cofinancing=p1_local, amount=Decimal("25000"))
    p1_r2 = report(p1, 2, due_2, ReportState.RETURNED, bishkek(2018, 7, 20))
    progress(p1_r2, p1_people, 500, (125, 125, 125, 125), p1_events, 8)

    p2_r1 = report(p2, 1, due_1, ReportState.ACCEPTED, bishkek(2018, 1, 20), bishkek(2018, 1, 25))
    progress(p2_r1, p2_people, 200, (60, 40, 50, 50), p2_events, 3)
    CofinancingReceipt.objects.create(report=p2_r1, cofinancing=p2_other, amount=Decimal("40000"))
    p2_r2 = report(p2, 2, due_2, ReportState.SUBMITTED, bishkek(2018, 7, 16, 0, 30))
    progress(p2_r2, p2_people, 300, (75, 75, 75, 75))
    CofinancingReceipt.objects.create(report=p2_r2, cofinancing=p2_local, amount=Decimal("10000"))

    p3_r1 = report(
        p3, 1, due_1, ReportState.ACCEPTED, bishkek(2018, 1, 15, 23, 59), bishkek(2018, 2, 5)
    )
    progress(p3_r1, p3_people, 400, (100, 100, 100, 100), p3_events, 5)
    CofinancingReceipt.objects.create(report=p3_r1, cofinancing=p3_local, amount=Decimal("30000"))
    p3_r2 = report(p3, 2, datetime.date(2018, 9, 15), ReportState.PENDING)

    return Programme(
        programme=programme,
        call_2017=call_2017,
        call_open=call_open,
        issyk_kul=issyk_kul,
        osh=osh,
        road=road,
        marriage=marriage,
        organisations=[organisation_a, organisation_b, organisation_c],
        applications=applications,
        projects={"P1": p1, "P2": p2, "P3": p3},
        reports={
            "P1#1": p1_r1,
            "P1#2": p1_r2,
            "P2#1": p2_r1,
            "P2#2": p2_r2,
            "P3#1": p3_r1,
            "P3#2": p3_r2,
        },
        decider=decider,
    )
