"""Funded projects made from the approvals, as project_create_from_application makes
them (the services' own helpers compute the period, agreement number, indicators,
co-financing and tranches), then their reports, payments and states over time."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from projects.enums import ProjectState, TrancheCondition, TrancheState
from projects.models import (
    Cofinancing,
    Indicator,
    Project,
    ProjectBudgetLine,
    ProjectLocation,
    ProjectPartner,
    Tranche,
)
from projects.services import (
    _cofinancing,
    _money,
    _standard_indicators,
    _tranche_plan,
    project_build,
    project_period,
)
from reporting.scale.base import Clock, Timeline, bulk
from reporting.scale.calls import CallPlan
from reporting.scale.reviews import Approval

CENT = Decimal("0.01")


@dataclass
class ProjectInfo:
    project: Project
    owner_id: int
    terms: object
    forced_draft: bool = False
    # (state, date) when the project was suspended or terminated.
    fate: tuple | None = None
    tranches: list = field(default_factory=list)
    indicators: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    cofinancing: list = field(default_factory=list)
    # Tranche state changes to record once the tranches have their keys.
    events: list = field(default_factory=list)


def seed_call_projects(
    *,
    call_plan: CallPlan,
    approvals: list[Approval],
    region_by_id: dict,
    clock: Clock,
    staff,
    timeline: Timeline,
    forced_organisation_id: int | None,
) -> list[ProjectInfo]:
    infos: list[ProjectInfo] = []
    for approval in approvals:
        application = approval.info.application
        decision = approval.decision
        duration = application.duration_months
        starts_on, ends_on = project_period(timezone.localdate(decision.at), duration)
        project = project_build(
            application,
            amount=decision.amount,
            starts_on=starts_on,
            ends_on=ends_on,
            created_at=decision.at,
        )
        project.decision = decision
        project.source = approval.info
        infos.append(
            ProjectInfo(
                project=project,
                owner_id=approval.info.owner_id,
                terms=call_plan.terms,
                forced_draft=application.organisation_id == forced_organisation_id,
            )
        )
    bulk(Project, [info.project for info in infos])

    locations, partners, lines, indicators, commitments, tranches = [], [], [], [], [], []
    for info in infos:
        project, source = info.project, info.project.source
        application = source.application
        regions = [region_by_id[pk] for pk in source.places]
        locations += [ProjectLocation(project_id=project.pk, region_id=r.pk) for r in regions]
        partners += [
            ProjectPartner(project_id=project.pk, kind=kind, name=name, role=role)
            for kind, name, role in source.partners
        ]
        info.lines = [
            ProjectBudgetLine(
                project_id=project.pk,
                category=category,
                description=description,
                unit=unit,
                quantity=quantity,
                unit_cost=unit_cost,
                amount=(quantity * unit_cost).quantize(CENT),
                order=order,
            )
            for order, (category, description, unit, quantity, unit_cost) in enumerate(
                source.lines, 1
            )
        ]
        lines += info.lines
        info.indicators = _standard_indicators(application, "KGS")
        info.cofinancing = _cofinancing(application, regions)
        for row in info.indicators + info.cofinancing:
            row.project_id = project.pk
        indicators += info.indicators
        commitments += info.cofinancing
        info.tranches = _tranche_plan(
            terms=info.terms,
            award=project.amount_awarded,
            starts_on=project.starts_on,
            ends_on=project.ends_on,
            duration_months=application.duration_months,
        )
        for tranche in info.tranches:
            tranche.project_id = project.pk
            if tranche.condition == TrancheCondition.ON_SIGNING:
                tranche.state, tranche.ready_at = TrancheState.READY, project.created_at
        tranches += info.tranches
        timeline.add(
            project,
            "",
            ProjectState.ACTIVE,
            at=project.created_at,
            by_id=staff.pk,
            reason=_creation_reason(project, application, project.decision),
        )
    bulk(ProjectLocation, locations)
    bulk(ProjectPartner, partners)
    bulk(ProjectBudgetLine, lines)
    bulk(Indicator, indicators)
    bulk(Cofinancing, commitments)
    return infos


def _creation_reason(project, application, decision) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        reason = gettext("Grant agreement %(number)s for %(amount)s, from %(reference)s.") % {
            "number": project.agreement_number,
            "amount": _money(project.amount_awarded, "KGS"),
            "reference": application.reference,
        }
        if decision.conditions:
            reason += " " + gettext("Conditions: %(conditions)s") % {
                "conditions": decision.conditions
            }
    return reason


def tranche_release(info: ProjectInfo, *, kind: str, number: int, at) -> None:
    """tranches_release_for_report: the planned tranches an accepted report releases."""
    if kind == "interim":
        matching = [
            t
            for t in info.tranches
            if t.condition == TrancheCondition.INTERIM_REPORT and t.report_number == number
        ]
    else:
        matching = [t for t in info.tranches if t.condition == TrancheCondition.FINAL_REPORT]
    with translation.override(settings.LANGUAGE_CODE):
        reason = (
            gettext("Interim report %(number)s accepted.") % {"number": number}
            if kind == "interim"
            else gettext("Final report accepted.")
        )
    for tranche in matching:
        if tranche.state == TrancheState.PLANNED:
            tranche.state, tranche.ready_at = TrancheState.READY, at
            info.events.append((tranche, TrancheState.PLANNED, TrancheState.READY, at, reason))


def tranches_pay(info: ProjectInfo, *, clock: Clock) -> None:
    """tranche_record_payment for every ready tranche, a week after it became ready
    (never in the future): the whole amount, with the bank's reference."""
    agreement = info.project.agreement_number
    for tranche in info.tranches:
        if tranche.state != TrancheState.READY:
            continue
        paid_on = max(timezone.localdate(tranche.ready_at), info.project.starts_on)
        paid_on += datetime.timedelta(days=7)
        if paid_on > clock.today:
            continue
        tranche.state = TrancheState.PAID
        tranche.paid_on = paid_on
        tranche.paid_amount = tranche.amount
        tranche.payment_reference = f"PAY-{agreement}-{tranche.order}"
        with translation.override(settings.LANGUAGE_CODE):
            reason = gettext("Paid %(amount)s on %(date)s, reference %(reference)s.") % {
                "amount": _money(tranche.amount, "KGS"),
                "date": paid_on.isoformat(),
                "reference": tranche.payment_reference,
            }
        info.events.append(
            (tranche, TrancheState.READY, TrancheState.PAID, clock.at(paid_on, 15), reason)
        )


def tranches_insert(infos: list[ProjectInfo], *, staff, timeline: Timeline) -> None:
    rows = []
    for info in infos:
        for tranche in info.tranches:
            tranche.project_id = info.project.pk
            if tranche.state == TrancheState.PAID:
                tranche.paid_by_id = staff.pk
        rows += info.tranches
    bulk(Tranche, rows)
    for info in infos:
        for tranche, from_state, to_state, at, reason in info.events:
            timeline.add(tranche, from_state, to_state, at=at, by_id=staff.pk, reason=reason)
