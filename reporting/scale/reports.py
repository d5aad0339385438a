"""Progress reports of the projects over time, as the organisations and staff would
have left them: accepted ones with their figures, some returned or waiting for staff,
some being prepared or overdue; the tranches they released and paid, the reminders the
daily task sent, and each project's state."""

import datetime
import types
from decimal import Decimal

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from grants.services.applications import SAVED_KEY
from projects.enums import ProjectState, StandardIndicator, TrancheState
from projects.models import Project
from reporting.enums import ReportKind, ReportSection, ReportState
from reporting.models import (
    CofinancingReceipt,
    IndicatorProgress,
    ProgressReport,
    ReminderSent,
    ReportFile,
    Spending,
)
from reporting.scale.base import Clock, Timeline, bulk
from reporting.scale.files import PHOTO_FILE, PHOTO_SIZE
from reporting.scale.projects import ProjectInfo, tranche_release, tranches_insert, tranches_pay
from reporting.services.reminders import reminder_due
from reporting.services.schedule import schedule_plan

CENT = Decimal("0.01")
NARRATIVE = {
    "achievements": "Community events held with the ayil okmotu and the police; "
    "young people and parents took part.",
    "challenges": "Winter roads made some villages hard to reach; meetings moved to the school.",
    "lessons": "Meetings in schools reach parents better than announcements.",
    "next_steps": "Hand the prevention plan to the local council for adoption and funding.",
}
RETURN_COMMENTS = {ReportSection.SPENDING: "Please split the travel costs by trip."}
FATE_REASONS = {
    ProjectState.SUSPENDED: "Activities stopped while the project leader is replaced.",
    ProjectState.TERMINATED: "The organisation stopped its activities.",
}
COMPLETION_REASON = "Final report accepted and every tranche paid."


def _choose(rng, report, today, blocked: bool) -> str:
    """What became of one report: accepted, returned (waiting for the organisation),
    submitted (waiting for staff), draft (being prepared) or empty (nothing yet)."""
    if blocked:
        return "empty"
    if report.period_end >= today:
        closing = (report.period_end - today).days < 30
        return "draft" if closing and rng.random() < 0.4 else "empty"
    age = (today - report.due_on).days
    roll = rng.random()
    if age < 0:
        return "submitted" if roll < 0.5 else ("draft" if roll < 0.65 else "empty")
    if age > 60:
        return "accepted" if roll < 0.985 else "empty"
    if roll < 0.35:
        return "accepted"
    if roll < 0.65:
        return "submitted"
    if roll < 0.75:
        return "returned"
    return "draft" if roll < 0.85 else "empty"


def seed_call_reports(
    *, infos: list[ProjectInfo], rng, clock: Clock, staff, timeline: Timeline, recipients: dict
) -> None:
    today = clock.today
    reports, pending_rows = [], []
    for info in infos:
        project = info.project
        if project.starts_on < today - datetime.timedelta(days=120) and rng.random() < 0.03:
            state = ProjectState.SUSPENDED if rng.random() < 0.6 else ProjectState.TERMINATED
            span = (min(today, project.ends_on) - project.starts_on).days
            info.fate = (state, project.starts_on + datetime.timedelta(days=rng.randint(60, span)))
        plan = schedule_plan(
            starts_on=project.starts_on,
            ends_on=project.ends_on,
            every_months=info.terms.report_every_months,
            grace_days=info.terms.grace_days,
        )
        blocked = False
        outcomes = []
        for planned in plan:
            report = ProgressReport(
                project_id=project.pk,
                kind=planned.kind,
                number=planned.number,
                period_start=planned.period_start,
                period_end=planned.period_end,
                due_on=planned.due_on,
                updated_at=project.created_at,
            )
            stopped = (
                info.fate is not None
                and planned.due_on - datetime.timedelta(days=10) > info.fate[1]
            )
            outcome = _choose(rng, report, today, blocked or stopped)
            if outcome == "empty" and report.due_on < today:
                blocked = True
            outcomes.append([report, outcome])
        if info.forced_draft:
            _force_draft(outcomes, today)
        elif info.fate is None:
            _terminate_when_silent(info, outcomes, today)
        for report, outcome in outcomes:
            _apply(report, outcome, info, rng, clock, staff, len(plan))
            reports.append(report)
            pending_rows.append((report, outcome, info))
    bulk(ProgressReport, reports)
    _report_rows(pending_rows, rng, clock, staff, timeline, recipients)
    for info in infos:
        tranches_pay(info, clock=clock)
    tranches_insert(infos, staff=staff, timeline=timeline)
    _project_states(infos, clock, staff, timeline)


def _terminate_when_silent(info, outcomes, today) -> None:
    """Staff end a project whose organisation stopped reporting: three months after
    the first report it never sent was due."""
    for report, outcome in outcomes:
        if outcome == "empty" and report.due_on < today - datetime.timedelta(days=120):
            info.fate = (ProjectState.TERMINATED, report.due_on + datetime.timedelta(days=90))
            return


def _force_draft(outcomes, today) -> None:
    """The showcase project keeps a report being prepared that is due or overdue."""
    for entry in outcomes:
        if entry[0].period_end < today and entry[1] not in ("accepted",):
            entry[1] = "draft"
            return
    for entry in reversed(outcomes):
        if entry[0].period_end < today:
            entry[1] = "draft"
            return
    outcomes[0][1] = "draft"


def _apply(report, outcome, info, rng, clock: Clock, staff, count: int) -> None:
    """Set the stored fields the report services would have left."""
    today = clock.today
    report.outcome = outcome
    report.share = Decimal(1) / count
    sections = []
    if outcome == "empty":
        return
    opens = max(report.period_start, report.period_end - datetime.timedelta(days=25))
    if outcome == "draft":
        saved_on = min(today, max(opens, today - datetime.timedelta(days=rng.randint(0, 10))))
        report.updated_at = clock.at(saved_on, 16)
        sections = [ReportSection.NARRATIVE, ReportSection.INDICATORS]
        _fill_narrative(report)
        report.section_versions = _versions(sections, info.owner_id, report.updated_at)
        return
    submitted_on = report.due_on - datetime.timedelta(days=rng.randint(0, 10))
    submitted_on = min(max(submitted_on, opens), today)
    cycle = submitted_on + datetime.timedelta(days=30) < today and rng.random() < 0.05
    if outcome == "returned" or (outcome == "accepted" and cycle):
        first_on = submitted_on
        returned_on = min(first_on + datetime.timedelta(days=4), today)
        report.first_submitted_at = clock.at(first_on, 11)
        report.returned_at = clock.at(returned_on, 12)
        report.return_comments = {str(k): v for k, v in RETURN_COMMENTS.items()}
        submitted_on = min(returned_on + datetime.timedelta(days=5), today)
    report.submitted_at = clock.at(submitted_on, 11, 30)
    report.submitted_by_id = info.owner_id
    if outcome == "accepted":
        accepted_on = submitted_on + datetime.timedelta(days=rng.randint(2, 14))
        if accepted_on >= today:
            outcome = report.outcome = "submitted"
        else:
            report.accepted_at = clock.at(accepted_on, 12)
    _fill_narrative(report)
    if outcome == "returned":
        report.submitted_at = report.first_submitted_at
        report.updated_at = report.returned_at
    else:
        report.updated_at = report.accepted_at or report.submitted_at
    report.state = {
        "returned": ReportState.RETURNED,
        "submitted": ReportState.SUBMITTED,
        "accepted": ReportState.ACCEPTED,
    }[outcome]
    sections = [
        ReportSection.NARRATIVE,
        ReportSection.INDICATORS,
        ReportSection.SPENDING,
        ReportSection.COFINANCING,
    ]
    if rng.random() < 0.5:
        sections.append(ReportSection.FILES)
    saved = report.submitted_at - datetime.timedelta(hours=1)
    report.section_versions = _versions(sections, info.owner_id, saved)
    if getattr(report, "returned_at", None) and outcome != "returned":
        report.section_versions[ReportSection.SPENDING] = 2
    if outcome == "accepted":
        tranche_release(
            info,
            kind="interim" if report.kind == ReportKind.INTERIM else "final",
            number=report.number,
            at=report.accepted_at,
        )


def _fill_narrative(report) -> None:
    for name, text in NARRATIVE.items():
        setattr(report, name, text)


def _versions(sections, by_id, at) -> dict:
    stamp = {"by": by_id, "at": at.isoformat()}
    return {
        **{str(section): 1 for section in sections},
        SAVED_KEY: {str(section): stamp for section in sections},
    }


def _report_rows(pending_rows, rng, clock, staff, timeline, recipients) -> None:
    values, spending, receipts, files, reminders = [], [], [], [], []
    for report, _outcome, info in pending_rows:
        outcome = report.outcome
        if outcome != "empty":
            values += _indicator_values(report, info, rng)
        if outcome not in ("empty", "draft"):
            spending += [
                Spending(
                    report_id=report.pk,
                    budget_line_id=line.pk,
                    amount=(line.amount * report.share).quantize(CENT),
                )
                for line in info.lines
            ]
            receipts += [
                CofinancingReceipt(
                    report_id=report.pk,
                    cofinancing_id=commitment.pk,
                    amount=(commitment.committed * report.share).quantize(CENT),
                )
                for commitment in info.cofinancing
            ]
            if ReportSection.FILES in report.section_versions:
                files.append(
                    ReportFile(
                        report_id=report.pk,
                        file=PHOTO_FILE,
                        original_name=f"photo-{report.number}.png",
                        content_type="image/png",
                        size=PHOTO_SIZE,
                        caption="A community meeting at the school.",
                        uploaded_by_id=info.owner_id,
                        uploaded_at=report.submitted_at - datetime.timedelta(hours=2),
                    )
                )
            _report_timeline(report, info, staff, timeline)
        reminders += _reminders(report, info, clock, recipients)
    bulk(IndicatorProgress, values, batch_size=5000)
    bulk(Spending, spending, batch_size=5000)
    bulk(CofinancingReceipt, receipts, batch_size=5000)
    bulk(ReportFile, files)
    bulk(ReminderSent, reminders, batch_size=5000)


def _indicator_values(report, info, rng) -> list[IndicatorProgress]:
    rows = []
    for indicator in info.indicators:
        row = IndicatorProgress(report_id=report.pk, indicator_id=indicator.pk)
        if indicator.standard == StandardIndicator.PEOPLE_REACHED:
            parts = [
                int((getattr(indicator, f"target_{name}") or 0) * report.share)
                for name in ("women", "men", "girls", "boys")
            ]
            row.women, row.men, row.girls, row.boys = parts
            row.value = Decimal(sum(parts))
        elif indicator.standard == StandardIndicator.EVENTS_HELD:
            row.value = Decimal(rng.randint(1, 6))
        elif indicator.standard == StandardIndicator.VOLUNTEERS:
            row.value = Decimal(rng.randint(0, 15))
        elif indicator.standard == StandardIndicator.PLAN_ADOPTED:
            row.value = Decimal(1 if report.kind == ReportKind.FINAL else 0)
        else:
            row.value = (indicator.target * report.share).quantize(CENT)
        rows.append(row)
    return rows


def _report_timeline(report, info, staff, timeline) -> None:
    """report_set_state's records: submitted (and returned and submitted again), accepted."""
    returned_at = getattr(report, "returned_at", None)
    if returned_at:
        timeline.add(
            report,
            ReportState.PENDING,
            ReportState.SUBMITTED,
            at=report.first_submitted_at,
            by_id=info.owner_id,
        )
        reason = "\n".join(
            f"{dict(ReportSection.choices)[section]}: {text}"
            for section, text in report.return_comments.items()
        )
        timeline.add(
            report,
            ReportState.SUBMITTED,
            ReportState.RETURNED,
            at=returned_at,
            by_id=staff.pk,
            reason=reason,
        )
        if report.state == ReportState.RETURNED:
            return
        timeline.add(
            report,
            ReportState.RETURNED,
            ReportState.SUBMITTED,
            at=report.submitted_at,
            by_id=info.owner_id,
        )
    else:
        timeline.add(
            report,
            ReportState.PENDING,
            ReportState.SUBMITTED,
            at=report.submitted_at,
            by_id=info.owner_id,
        )
    if report.state == ReportState.ACCEPTED:
        timeline.add(
            report,
            ReportState.SUBMITTED,
            ReportState.ACCEPTED,
            at=report.accepted_at,
            by_id=staff.pk,
        )


def _reminders(report, info, clock: Clock, recipients: dict) -> list[ReminderSent]:
    """The reminders the daily task sent while the report could still be changed and the
    project was active: replayed day by day with the task's own rule."""
    windows = []
    first = getattr(report, "first_submitted_at", None) or report.submitted_at
    end_active = info.fate[1] if info.fate else clock.today
    windows.append((None, clock.today if first is None else first.date()))
    if getattr(report, "returned_at", None):
        back = report.submitted_at if report.state != ReportState.RETURNED else None
        windows.append((report.returned_at.date(), clock.today if back is None else back.date()))
    sent, rows = set(), []
    shadow = types.SimpleNamespace(state=ReportState.PENDING, due_on=report.due_on)
    day = report.due_on - datetime.timedelta(days=7)
    last = min(clock.today, end_active)
    while day <= last:
        editable = any(
            (start is None or start <= day) and day < end or (end == clock.today and day == end)
            for start, end in windows
        )
        if editable:
            due = reminder_due(shadow, day)
            if due is not None and (due.kind, due.sequence) not in sent:
                sent.add((due.kind, due.sequence))
                rows.append(
                    ReminderSent(
                        report_id=report.pk,
                        kind=due.kind,
                        sequence=due.sequence,
                        sent_at=clock.at(day, 8),
                        recipients=recipients[info.project.organisation_id],
                    )
                )
        day += datetime.timedelta(days=1)
    return rows


def _project_states(infos: list[ProjectInfo], clock: Clock, staff, timeline: Timeline) -> None:
    """Completed once the final report is accepted and every tranche paid; a few
    suspended or terminated (project_set_state, with the reason on the timeline)."""
    changed: dict[str, list[int]] = {}
    for info in infos:
        project = info.project
        if info.fate:
            state, day = info.fate
            with translation.override(settings.LANGUAGE_CODE):
                reason = gettext(FATE_REASONS[state])
            timeline.add(
                project,
                ProjectState.ACTIVE,
                state,
                at=clock.at(day, 10),
                by_id=staff.pk,
                reason=reason,
            )
            changed.setdefault(state, []).append(project.pk)
            continue
        if info.forced_draft or any(t.state != TrancheState.PAID for t in info.tranches):
            continue
        last_paid = max(t.paid_on for t in info.tranches)
        completed_on = last_paid + datetime.timedelta(days=7)
        if completed_on > clock.today:
            continue
        timeline.add(
            project,
            ProjectState.ACTIVE,
            ProjectState.COMPLETED,
            at=clock.at(completed_on, 10),
            by_id=staff.pk,
            reason=COMPLETION_REASON,
        )
        changed.setdefault(ProjectState.COMPLETED, []).append(project.pk)
    for state, pks in changed.items():
        for start in range(0, len(pks), 900):
            Project.objects.filter(pk__in=pks[start : start + 900]).update(state=state)
        for info in infos:
            if info.project.pk in pks:
                info.project.state = state
