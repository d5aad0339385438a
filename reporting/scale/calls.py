"""Programmes, their themes and calls: rubric, documents, eligible regions, funding
terms, and each call's timeline from publication to decision."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext

from accounts.enums import LegalForm
from grants.enums import CallState
from grants.models import Call, Criterion, Programme, RequiredDocument, Theme
from projects.enums import TrancheCondition
from projects.models import FundingTerms, TrancheRule
from reporting.scale.base import Clock, Plan, Timeline, bishkek, bulk, email

PROGRAMMES = [
    (
        "Prevention in Action",
        "pia",
        "PIA",
        "US Bureau of International Narcotics and Law Enforcement Affairs (INL)",
    ),  # noqa: E501
    ("Safe Communities Fund", "safe-communities", "SCF", "European Union"),
    ("Youth Resilience", "youth-resilience", "YRF", "UNICEF"),
]
THEMES = [
    ("Joint crime-prevention plans", "Совместные планы профилактики", "Биргелешкен пландар"),
    (
        "Religious radicalisation of young people",
        "Радикализация молодёжи",
        "Жаштардын радикалдашуусу",
    ),  # noqa: E501
    ("Early marriage", "Ранние браки", "Эрте никелер"),
    ("Juvenile delinquency", "Подростковая преступность", "Өспүрүмдөр кылмыштуулугу"),
    ("Road safety", "Безопасность дорожного движения", "Жол коопсуздугу"),
    ("Security in cross-border villages", "Безопасность в приграничных сёлах", "Чек ара айылдары"),
]
RUBRICS = [
    (
        10,
        [
            ("Relevance to the call's themes and to local crime problems", 25),
            ("Partnership with the ayil okmotu, police and community", 20),
            ("Feasibility of the work plan", 20),
            ("Budget and value for money", 15),
            ("Co-financing and sustainability", 20),
        ],
    ),
    (
        5,
        [
            ("Relevance", 30),
            ("Feasibility", 30),
            ("Partnership", 20),
            ("Value for money", 20),
        ],
    ),
]
DOCUMENTS = [
    ("Certificate of state registration", "A scan of the certificate.", True),
    ("Letter of support from the ayil okmotu", "Signed by the head or the mayor.", True),
    ("Detailed budget", "As a spreadsheet, if it has more lines than the form.", False),
]
GRANT_RANGES = [
    (Decimal("100000"), Decimal("300000"), Decimal("10")),
    (Decimal("150000"), Decimal("400000"), Decimal("5")),
    (Decimal("200000"), Decimal("500000"), Decimal("0")),
]
# (report every N months, tranche rules, project durations giving exactly four reports)
FUNDING_TERMS = [
    (
        6,
        [("50", TrancheCondition.ON_SIGNING, None), ("40", TrancheCondition.INTERIM_REPORT, 1),
         ("10", TrancheCondition.FINAL_REPORT, None)],
        range(19, 25),
    ),
    (
        4,
        [("40", TrancheCondition.ON_SIGNING, None), ("30", TrancheCondition.INTERIM_REPORT, 1),
         ("20", TrancheCondition.INTERIM_REPORT, 2), ("10", TrancheCondition.FINAL_REPORT, None)],
        range(13, 17),
    ),
    (
        3,
        [("30", TrancheCondition.ON_SIGNING, None), ("30", TrancheCondition.INTERIM_REPORT, 2),
         ("40", TrancheCondition.FINAL_REPORT, None)],
        range(10, 13),
    ),
]  # fmt: skip
LEGAL_FORMS = [
    LegalForm.PUBLIC_ASSOCIATION,
    LegalForm.FOUNDATION,
    LegalForm.INITIATIVE_GROUP,
    LegalForm.LOCAL_SELF_GOVERNMENT,
]
# The state of each programme's newest call, in programme order.
CURRENT_STATES = [CallState.IN_REVIEW, CallState.PUBLISHED, CallState.CLOSED]


@dataclass
class CallPlan:
    call: Call
    themes: list
    prefix: str
    criteria: list = field(default_factory=list)
    documents: list = field(default_factory=list)
    durations: range = range(12, 13)
    terms: FundingTerms | None = None
    applications: int = 0
    projects: int = 0
    in_review_at: datetime.datetime | None = None
    decided_at: datetime.datetime | None = None

    @property
    def state(self) -> str:
        return self.call.state

    @property
    def reviewed(self) -> bool:
        return self.state in (CallState.IN_REVIEW, CallState.DECIDED)

    @property
    def year(self) -> int:
        return timezone.localtime(self.call.opens_at).year


def _current_dates(state: str, now: datetime.datetime):
    if state == CallState.IN_REVIEW:
        return now - datetime.timedelta(days=230), now - datetime.timedelta(days=170)
    if state == CallState.CLOSED:
        return now - datetime.timedelta(days=110), now - datetime.timedelta(days=20)
    return now - datetime.timedelta(days=20), now + datetime.timedelta(days=25)


def seed_programmes_and_calls(*, plan: Plan, rng, clock: Clock, roots, staff) -> list[CallPlan]:
    """Programmes with six themes each and their calls, one a year, oldest first; the
    newest call of the first programme is in review (the largest call), of the second
    open, of the third closed and waiting for screening."""
    programmes, themes = [], []
    for index in range(plan.programmes):
        name, slug, prefix, donor = PROGRAMMES[index % len(PROGRAMMES)]
        if index >= len(PROGRAMMES):
            name, slug, prefix = f"{name} {index}", f"{slug}-{index}", f"{prefix[:2]}{index}"
        programmes.append(
            Programme(
                name=name,
                slug=slug,
                donor=donor,
                currency="KGS",
                starts_on=datetime.date(clock.today.year - plan.calls_per_programme, 1, 1),
                ends_on=datetime.date(clock.today.year + 2, 12, 31),
                reference_prefix=prefix,
            )
        )
    bulk(Programme, programmes)
    for programme in programmes:
        for order, (en, ru, ky) in enumerate(THEMES):
            themes.append(
                Theme(programme_id=programme.pk, name_en=en, name_ru=ru, name_ky=ky, order=order)
            )
    bulk(Theme, themes)

    plans = []
    for index, programme in enumerate(programmes):
        programme_themes = [theme for theme in themes if theme.programme_id == programme.pk]
        current_state = CURRENT_STATES[index % len(CURRENT_STATES)]
        current_opens, current_closes = _current_dates(current_state, clock.now)
        current_year = timezone.localtime(current_opens).year
        for age in range(plan.calls_per_programme - 1, -1, -1):
            if age == 0:
                state, opens_at, closes_at = current_state, current_opens, current_closes
            else:
                state = CallState.DECIDED
                opens_at = bishkek(current_year - age, 2, 1 + rng.randint(0, 40) % 28, 9, 0)
                opens_at += datetime.timedelta(days=7 * index)
                closes_at = (opens_at + datetime.timedelta(days=56)).replace(hour=18)
            year = timezone.localtime(opens_at).year
            minimum, maximum, cofinancing = GRANT_RANGES[(index + age) % len(GRANT_RANGES)]
            call = Call(
                programme_id=programme.pk,
                title=f"{programme.name}: small grants {year}",
                slug=f"{programme.slug}-{year}",
                description=(
                    f"{programme.name} invites public associations, initiative groups and "
                    "local self-government bodies to propose local crime-prevention projects."
                ),
                eligible_legal_forms=list(LEGAL_FORMS),
                total_budget=maximum * 40,  # set from the decisions once they are made
                min_grant=minimum,
                max_grant=maximum,
                cofinancing_min_percent=cofinancing,
                cofinancing_note=(
                    f"At least {cofinancing}% of the project from the local budget."
                    if cofinancing
                    else ""
                ),
                opens_at=opens_at,
                closes_at=closes_at,
                questions_until=closes_at - datetime.timedelta(days=10),
                contact_name="Gulnara Asanova",
                contact_email=email("staff"),
                state=state,
                created_at=opens_at - datetime.timedelta(days=21),
            )
            call_plan = CallPlan(
                call=call, themes=programme_themes, prefix=programme.reference_prefix
            )
            if call_plan.reviewed:
                call_plan.in_review_at = closes_at + datetime.timedelta(days=14)
            if state == CallState.DECIDED:
                call_plan.decided_at = call_plan.in_review_at + datetime.timedelta(
                    days=30 + rng.randint(0, 10)
                )
            plans.append(call_plan)
    bulk(Call, [p.call for p in plans])
    _seed_call_rows(plans=plans, rng=rng, roots=roots)
    return plans


def _seed_call_rows(*, plans: list[CallPlan], rng, roots) -> None:
    theme_links, region_links, criteria, documents, terms, rules = [], [], [], [], [], []
    ThemeLink = Call.themes.through
    RegionLink = Call.eligible_regions.through
    for index, call_plan in enumerate(plans):
        call = call_plan.call
        theme_links += [ThemeLink(call_id=call.pk, theme_id=t.pk) for t in call_plan.themes]
        region_links += [RegionLink(call_id=call.pk, region_id=r.pk) for r in roots]
        max_points, rubric = RUBRICS[index % len(RUBRICS)]
        call_plan.criteria = [
            Criterion(
                call_id=call.pk,
                name=name,
                description="",
                weight=weight,
                max_points=max_points,
                order=order,
            )
            for order, (name, weight) in enumerate(rubric)
        ]
        criteria += call_plan.criteria
        call_plan.documents = [
            RequiredDocument(
                call_id=call.pk,
                name=name,
                description=description,
                is_mandatory=mandatory,
                order=order,
            )
            for order, (name, description, mandatory) in enumerate(DOCUMENTS)
        ]
        documents += call_plan.documents
        every, template, durations = FUNDING_TERMS[rng.randrange(len(FUNDING_TERMS))]
        call_plan.durations = durations
        call_plan.terms = FundingTerms(call_id=call.pk, report_every_months=every, grace_days=15)
        terms.append(call_plan.terms)
    bulk(ThemeLink, theme_links)
    bulk(RegionLink, region_links)
    bulk(Criterion, criteria)
    bulk(RequiredDocument, documents)
    bulk(FundingTerms, terms)
    for call_plan in plans:
        _every, template, _durations = next(
            t for t in FUNDING_TERMS if t[0] == call_plan.terms.report_every_months
        )
        call_plan.terms.rules_list = [
            TrancheRule(
                terms_id=call_plan.terms.pk,
                order=order,
                percent=Decimal(percent),
                condition=condition,
                report_number=number,
            )
            for order, (percent, condition, number) in enumerate(template, 1)
        ]
        rules += call_plan.terms.rules_list
    bulk(TrancheRule, rules)


def call_timeline(*, plans: list[CallPlan], timeline: Timeline, staff) -> None:
    """What call_set_state would have recorded: published by staff, closed at the
    deadline by nobody, in review and decided by staff."""
    closed_reason = gettext("Closed at the deadline.")
    decided_reason = gettext("Every eligible application has a decision.")
    for call_plan in plans:
        call = call_plan.call
        timeline.add(
            call,
            CallState.DRAFT,
            CallState.PUBLISHED,
            at=call.opens_at - datetime.timedelta(days=7),
            by_id=staff.pk,
        )
        if call.state == CallState.PUBLISHED:
            continue
        timeline.add(
            call, CallState.PUBLISHED, CallState.CLOSED, at=call.closes_at, reason=closed_reason
        )
        if call_plan.in_review_at:
            timeline.add(
                call,
                CallState.CLOSED,
                CallState.IN_REVIEW,
                at=call_plan.in_review_at,
                by_id=staff.pk,
            )
        if call_plan.decided_at:
            timeline.add(
                call,
                CallState.IN_REVIEW,
                CallState.DECIDED,
                at=call_plan.decided_at,
                by_id=staff.pk,
                reason=decided_reason,
            )
