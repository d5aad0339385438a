"""Applications of a call with everything an applicant fills in (work plan, places,
partners, budget, uploaded documents), their references in order of submission, and
their timeline up to screening."""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from grants.enums import (
    ApplicationState,
    BudgetCategory,
    CallState,
    IneligibilityReason,
    PartnerKind,
)
from grants.models import (
    Application,
    ApplicationLocation,
    Attachment,
    BudgetLine,
    Partner,
    WorkPlanActivity,
)
from grants.services.applications import SAVED_KEY, SECTIONS
from grants.services.screening import screening_reason_text
from reporting.scale.base import Clock, Timeline, bulk
from reporting.scale.calls import CallPlan
from reporting.scale.files import DOCUMENT_FILE, DOCUMENT_SIZE

CENT = Decimal("0.01")
TITLE_WORDS = [
    "Safer streets", "Youth against violence", "Parents and police together", "Roads without fear",
    "A village prevention plan", "Sport instead of the street", "Girls' right to school",
    "Neighbourhood watch", "Open talks with young people", "Safe way to school",
]  # fmt: skip
BUDGET_LINES = [
    (BudgetCategory.EVENTS, "Community events and trainings", "event"),
    (BudgetCategory.STAFF, "Project coordinator", "month"),
    (BudgetCategory.MATERIALS, "Printed materials", "set"),
    (BudgetCategory.TRAVEL, "Transport to villages", "trip"),
    (BudgetCategory.EQUIPMENT, "Video cameras for the community centre", "piece"),
    (BudgetCategory.COMMUNICATION, "Radio and social media spots", "spot"),
]
ACTIVITIES = [
    "Baseline survey with the ayil okmotu and the police",
    "Trainings for young people and parents",
    "Community meetings and joint patrols",
    "Adoption of the local prevention plan",
]
WITHDRAWAL_REASONS = [
    "The local budget could not confirm its co-financing this year.",
    "Our project leader moved to another region.",
]
INELIGIBLE_NOTES = {
    IneligibilityReason.DOCUMENTS: "The letter of support is not signed.",
    IneligibilityReason.REGION: "",
    IneligibilityReason.AMOUNT: "",
    IneligibilityReason.LATE: "",
}


@dataclass
class AppInfo:
    """What later steps need of an application, beside its row."""

    application: Application
    owner_id: int
    quality: float
    places: list = field(default_factory=list)
    partners: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    screened_at: datetime.datetime | None = None
    # applicant00001's application that the committee funds (see reporting.scale).
    showcase: bool = False


def _money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _budget(rng, call, duration: int):
    """Lines whose total leaves, after co-financing, a request within the call's limits
    and a co-financing share of at least the call's minimum."""
    share = (call.cofinancing_min_percent + Decimal(rng.randint(1, 15))) / 100
    requested = Decimal(
        rng.uniform(float(call.min_grant) * 1.05, float(call.max_grant) * 0.97)
    ).quantize(Decimal("1000"))
    target = requested / (1 - share)
    chosen = [BUDGET_LINES[0], BUDGET_LINES[1]] + rng.sample(BUDGET_LINES[2:], 2)
    weights = [rng.uniform(0.5, 1.5) for _line in chosen]
    lines = []
    for (category, description, unit), weight in zip(chosen, weights, strict=True):
        quantity = Decimal(duration if unit == "month" else rng.randint(2, 40))
        unit_cost = _money(target * Decimal(weight / sum(weights)) / quantity)
        lines.append((category, description, unit, quantity, max(unit_cost, CENT)))
    total = sum((q * c for _c, _d, _u, q, c in lines), Decimal("0")).quantize(CENT)
    cofinancing = _money(total * share)
    other = _money(cofinancing * Decimal("0.2")) if rng.random() < 0.3 else Decimal("0")
    return lines, total, cofinancing - other, other


def _versions(sections, by_id, at) -> dict:
    stamp = {"by": by_id, "at": at.isoformat()}
    return {
        **dict.fromkeys(sections, 1),
        SAVED_KEY: dict.fromkeys(sections, stamp),
    }


def _choose_state(rng, call_state: str) -> str:
    """The state an application of a call in ``call_state`` has reached (before any
    funding decision, which the review step makes)."""
    roll = rng.random()
    if call_state == CallState.PUBLISHED:
        return ApplicationState.DRAFT if roll < 0.55 else ApplicationState.SUBMITTED
    if call_state == CallState.IN_REVIEW:
        table = [(0.005, "draft"), (0.01, "withdrawn"), (0.02, "ineligible")]
    elif call_state == CallState.CLOSED:
        table = [(0.02, "draft"), (0.04, "withdrawn"), (0.48, "submitted"), (0.55, "ineligible")]
    else:
        table = [(0.02, "draft"), (0.05, "withdrawn"), (0.14, "ineligible")]
    for limit, state in table:
        if roll < limit:
            return state
    return ApplicationState.ELIGIBLE


def seed_call_applications(
    *,
    call_plan: CallPlan,
    organisations: list,
    forced: dict,
    owner_of: dict,
    editor_of: dict,
    places: list,
    rng,
    clock: Clock,
    staff,
    timeline: Timeline,
) -> list[AppInfo]:
    """The call's applications by distinct organisations (one live application per
    organisation and call, as application_start allows). ``forced`` maps an
    organisation's index to the state its application must reach."""
    call = call_plan.call
    count = call_plan.applications
    chosen = set(forced)
    pool = [index for index in range(len(organisations)) if index not in chosen]
    indexes = sorted(forced) + rng.sample(pool, max(0, count - len(forced)))
    infos: list[AppInfo] = []
    window = (call.closes_at - call.opens_at).total_seconds()
    for index in indexes:
        organisation = organisations[index]
        state = forced.get(index) or _choose_state(rng, call.state)
        if state == ApplicationState.APPROVED:
            state = ApplicationState.ELIGIBLE  # the review step approves it
        owner_id = owner_of[organisation.pk]
        author = editor_of.get(organisation.pk, owner_id) if rng.random() < 0.3 else owner_id
        duration = rng.choice(call_plan.durations)
        home = places[rng.randrange(len(places))] if rng.random() < 0.2 else None
        region_ids = [organisation.region_id] + ([home.pk] if home else [])
        application = Application(
            call_id=call.pk,
            organisation_id=organisation.pk,
            created_by_id=author,
            updated_by_id=author,
            state=state,
            title=f"{rng.choice(TITLE_WORDS)}: {organisation.name}"[:255],
            theme_id=rng.choice(call_plan.themes).pk,
            duration_months=duration,
        )
        info = AppInfo(
            application=application,
            owner_id=owner_id,
            quality=min(98.0, max(15.0, rng.gauss(60, 13)))
            + (30 if forced.get(index) == ApplicationState.APPROVED else 0),
            places=list(dict.fromkeys(region_ids)),
            showcase=forced.get(index) == ApplicationState.APPROVED,
        )
        if state == ApplicationState.DRAFT:
            _fill_draft(info, rng, call, clock)
        else:
            submitted_at = call.opens_at + datetime.timedelta(
                seconds=rng.uniform(86400, window - 3600)
            )
            submitted_at = min(submitted_at, clock.now - datetime.timedelta(hours=1))
            _fill_submitted(info, rng, call, duration, submitted_at, author)
        infos.append(info)

    submitted = sorted(
        (i for i in infos if i.application.submitted_at),
        key=lambda i: (i.application.submitted_at, i.application.organisation_id),
    )
    year = call_plan.year
    prefix = call_plan.prefix
    for sequence, info in enumerate(submitted, 1):
        info.application.sequence = sequence
        info.application.reference = f"{prefix}-{year}-{sequence:03d}"
    bulk(Application, [info.application for info in infos])
    _seed_children(infos, call_plan, rng)
    _application_timeline(infos, call_plan, rng, clock, staff, timeline)
    return infos


def _fill_draft(info: AppInfo, rng, call, clock: Clock) -> None:
    application = info.application
    started = max(call.opens_at, clock.now - datetime.timedelta(days=19))
    if call.closes_at < clock.now:
        started = call.opens_at + datetime.timedelta(days=rng.randint(1, 40))
    saved = started + datetime.timedelta(hours=rng.randint(1, 48))
    saved = min(saved, clock.now)
    application.summary = "A first outline of the project, still being written."
    application.created_at, application.updated_at = started, saved
    application.section_versions = _versions(["summary"], application.updated_by_id, saved)
    info.places = info.places[:1]


def _fill_submitted(info, rng, call, duration, submitted_at, author) -> None:
    application = info.application
    lines, total, local, other = _budget(rng, call, duration)
    info.lines = lines
    women, men = rng.randint(50, 600), rng.randint(50, 600)
    girls, boys = rng.randint(20, 400), rng.randint(20, 400)
    application.summary = (
        "Local crime prevention with the ayil okmotu, the police, schools and parents."
    )
    application.problem = "Offences by young people and unsafe roads worry the community."
    application.target_groups = "Young people, parents, local leaders, police inspectors."
    application.objectives = "Fewer offences and a prevention plan adopted and funded locally."
    application.beneficiaries_women, application.beneficiaries_men = women, men
    application.beneficiaries_girls, application.beneficiaries_boys = girls, boys
    application.cofinancing_local_budget = local
    application.cofinancing_other = other
    application.cofinancing_sources = "A private sponsor" if other else ""
    application.budget_total = total
    application.requested_amount = (total - local - other).quantize(CENT)
    application.declaration_accepted = True
    application.declared_by_id = author
    application.submitted_at = submitted_at
    application.created_at = submitted_at - datetime.timedelta(days=rng.randint(3, 30))
    application.created_at = max(application.created_at, call.opens_at)
    application.updated_at = submitted_at - datetime.timedelta(minutes=rng.randint(1, 120))
    sections = [slug for slug, _title in SECTIONS]
    application.section_versions = _versions(sections, author, application.updated_at)
    info.partners = [
        (PartnerKind.AYIL_OKMOTU, "Ayil okmotu", "Co-finances the plan and hosts meetings."),
        (PartnerKind.POLICE, "District police department", "Inspectors for minors take part."),
    ]


def _seed_children(infos: list[AppInfo], call_plan: CallPlan, rng) -> None:
    activities, locations, partners, lines, attachments = [], [], [], [], []
    for info in infos:
        application = info.application
        locations += [
            ApplicationLocation(application_id=application.pk, region_id=region_id)
            for region_id in info.places
        ]
        if application.submitted_at is None:
            continue
        duration = application.duration_months
        step = max(1, duration // len(ACTIVITIES))
        for order, activity in enumerate(ACTIVITIES):
            start = min(duration, 1 + order * step)
            activities.append(
                WorkPlanActivity(
                    application_id=application.pk,
                    activity=activity,
                    start_month=start,
                    end_month=min(duration, start + step),
                    order=order,
                )
            )
        partners += [
            Partner(application_id=application.pk, kind=kind, name=name, role=role)
            for kind, name, role in info.partners
        ]
        lines += [
            BudgetLine(
                application_id=application.pk,
                category=category,
                description=description,
                unit=unit,
                quantity=quantity,
                unit_cost=unit_cost,
                order=order,
            )
            for order, (category, description, unit, quantity, unit_cost) in enumerate(info.lines)
        ]
        for document in call_plan.documents:
            if not document.is_mandatory and rng.random() < 0.7:
                continue
            attachments.append(
                Attachment(
                    application_id=application.pk,
                    document_id=document.pk,
                    file=DOCUMENT_FILE,
                    original_name=f"{document.name.lower().replace(' ', '-')}.pdf",
                    content_type="application/pdf",
                    size=DOCUMENT_SIZE,
                    uploaded_by_id=application.created_by_id,
                    uploaded_at=application.updated_at - datetime.timedelta(hours=1),
                )
            )
    bulk(WorkPlanActivity, activities)
    bulk(ApplicationLocation, locations)
    bulk(Partner, partners)
    bulk(BudgetLine, lines)
    bulk(Attachment, attachments)


def _application_timeline(infos, call_plan: CallPlan, rng, clock, staff, timeline) -> None:
    call = call_plan.call
    screening_ends = call_plan.in_review_at or clock.now
    for info in infos:
        application = info.application
        if application.submitted_at is None:
            continue
        timeline.add(
            application,
            ApplicationState.DRAFT,
            ApplicationState.SUBMITTED,
            at=application.submitted_at,
            by_id=application.created_by_id,
        )
        state = application.state
        if state == ApplicationState.WITHDRAWN:
            timeline.add(
                application,
                ApplicationState.SUBMITTED,
                ApplicationState.WITHDRAWN,
                at=min(application.submitted_at + datetime.timedelta(days=3), clock.now),
                by_id=info.owner_id,
                reason=rng.choice(WITHDRAWAL_REASONS),
            )
        elif state in (ApplicationState.ELIGIBLE, ApplicationState.INELIGIBLE):
            span = max(1.0, (screening_ends - call.closes_at).total_seconds() - 3600)
            info.screened_at = call.closes_at + datetime.timedelta(seconds=rng.uniform(60, span))
            reason = ""
            if state == ApplicationState.INELIGIBLE:
                code = rng.choice(list(INELIGIBLE_NOTES))
                reason = screening_reason_text(reason_code=code, note=INELIGIBLE_NOTES[code])
            timeline.add(
                application,
                ApplicationState.SUBMITTED,
                state,
                at=info.screened_at,
                by_id=staff.pk,
                reason=reason,
            )
