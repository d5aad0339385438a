"""A reviewed call's committee and its work: seats, balanced assignments (as
assignments_make gives them), conflict declarations, reviews with their per-criterion
scores and stored totals, and, for decided calls, the funding decisions."""

import datetime
import statistics
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from grants.enums import (
    ApplicationState,
    CallState,
    DecisionOutcome,
    RankingMethod,
    Recommendation,
    ReviewState,
)
from grants.models import (
    Application,
    Assignment,
    Call,
    CallReviewSettings,
    CommitteeMember,
    ConflictDeclaration,
    Decision,
    Review,
    Score,
)
from grants.scoring import weighted_total
from grants.services.decisions import decision_timeline_text
from reporting.scale.applications import AppInfo
from reporting.scale.base import Clock, Plan, Timeline, bulk
from reporting.scale.calls import CallPlan

PASS_MARK = Decimal("60")
CONFLICT_REASONS = [
    "I sat on the board of this organisation until last year.",
    "The project leader is a close relative of mine.",
    "My department is a partner in this project.",
]
REJECTION_REASONS = [
    "The score stayed below the committee's pass mark of 60.",
    "Other applications ranked higher within the call's budget.",
]
CONDITIONS = "Sign the grant agreement within 30 days."


@dataclass
class Approval:
    info: AppInfo
    decision: Decision


def _committee(call_plan: CallPlan, pool: list, plan: Plan, rng, staff, largest: bool):
    size = min(len(pool), max(plan.reviewers_per_application + 2, 8 + rng.randint(0, 4)))
    users = [pool[0], *rng.sample(pool[1:], size - 1)] if largest else rng.sample(pool, size)
    added = call_plan.in_review_at - datetime.timedelta(days=10)
    members = [
        CommitteeMember(
            call_id=call_plan.call.pk,
            user_id=user.pk,
            affiliation=user.affiliation,
            is_chair=position == 1,
            added_at=added + datetime.timedelta(minutes=position),
            added_by_id=staff.pk,
        )
        for position, user in enumerate(users)
    ]
    return bulk(CommitteeMember, members)


def _assign(members: list, eligible: list[AppInfo], per_application: int) -> dict:
    """Least loaded member first, ties in the order members were added, applications
    in reference order: the rule of grants.services.committee.assignments_make."""
    load = {member.pk: 0 for member in members}
    chosen = {}
    for info in eligible:
        candidates = sorted(members, key=lambda member: load[member.pk])[:per_application]
        for member in candidates:
            load[member.pk] += 1
        chosen[info.application.pk] = candidates
    return chosen, load


def _points(rng, criteria, quality: float, leniency: float, complete: bool) -> list:
    points = []
    for position, criterion in enumerate(criteria):
        if not complete and position >= len(criteria) // 2:
            points.append(None)
            continue
        value = (quality + leniency + rng.gauss(0, 8)) / 100 * criterion.max_points
        points.append(max(0, min(criterion.max_points, round(value))))
    return points


def _recommendation(total: Decimal) -> str:
    if total >= 70:
        return Recommendation.FUND
    if total >= 60:
        return Recommendation.FUND_WITH_CHANGES
    return Recommendation.DO_NOT_FUND


def seed_call_reviews(
    *,
    call_plan: CallPlan,
    infos: list[AppInfo],
    pool: list,
    plan: Plan,
    rng,
    clock: Clock,
    staff,
    timeline: Timeline,
    largest: bool,
) -> list[Approval]:
    call = call_plan.call
    eligible = sorted(
        (i for i in infos if i.application.state == ApplicationState.ELIGIBLE),
        key=lambda i: i.application.sequence,
    )
    members = _committee(call_plan, pool, plan, rng, staff, largest)
    CallReviewSettings.objects.create(
        call=call,
        reviewers_per_application=plan.reviewers_per_application,
        pass_mark=PASS_MARK,
        ranking_method=RankingMethod.RAW_MEAN if rng.random() < 0.7 else RankingMethod.NORMALISED,
    )
    if not eligible:
        return []
    per_application = min(plan.reviewers_per_application, len(members) - 1)
    chosen, load = _assign(members, eligible, per_application)

    # A few members declare a conflict; a second assignment run replaces them.
    conflicts = set()
    conflict_count = max(1 if largest else 0, round(len(eligible) * 0.003))
    for info in rng.sample(eligible, min(conflict_count, len(eligible))):
        reviewers = chosen[info.application.pk]
        member = rng.choice(reviewers)
        conflicts.add((member.pk, info.application.pk))
        others = [m for m in members if m not in reviewers]
        replacement = min(others, key=lambda m: load[m.pk])
        load[replacement.pk] += 1
        reviewers.append(replacement)

    # Scoring ends a day before the decisions (or goes on until now, in review).
    end = call_plan.decided_at - datetime.timedelta(days=1) if call_plan.decided_at else clock.now
    span = (end - call_plan.in_review_at).total_seconds()
    assignments, declarations, reviews, score_rows = [], [], [], []
    leniency = {member.pk: rng.gauss(0, 5) for member in members}
    # member01 (first on the largest call) keeps the last of their work to do, so
    # that their scoring queue is never empty.
    held_back = set()
    if largest:
        own = [i.application.pk for i in eligible if members[0] in chosen[i.application.pk]]
        held_back = {(members[0].pk, pk) for pk in own[-max(2, round(len(own) * 0.04)) :]}
    for info in eligible:
        application = info.application
        for position, member in enumerate(chosen[application.pk]):
            replacement = position >= per_application
            assigned_at = call_plan.in_review_at + datetime.timedelta(
                hours=1, days=2 if replacement else 0
            )
            assignments.append(
                Assignment(
                    member_id=member.pk, application_id=application.pk, assigned_at=assigned_at
                )
            )
            progress = _progress(rng, call.state)
            if (member.pk, application.pk) in held_back:
                progress = "untouched"
            if progress == "untouched":
                continue
            declared_at = assigned_at + datetime.timedelta(
                seconds=rng.uniform(3600, max(7200, span * 0.8 - 86400 * (2 if replacement else 0)))
            )
            declared_at = min(declared_at, end - datetime.timedelta(hours=2))
            conflict = (member.pk, application.pk) in conflicts
            declarations.append(
                ConflictDeclaration(
                    member_id=member.pk,
                    application_id=application.pk,
                    has_conflict=conflict,
                    reason=rng.choice(CONFLICT_REASONS) if conflict else "",
                    declared_at=declared_at,
                )
            )
            if conflict or progress == "declared":
                continue
            complete = progress == "submitted"
            points = _points(rng, call_plan.criteria, info.quality, leniency[member.pk], complete)
            total = weighted_total(zip(call_plan.criteria, points, strict=True))
            saved_at = min(declared_at + datetime.timedelta(minutes=rng.randint(15, 600)), end)
            review = Review(
                member_id=member.pk,
                application_id=application.pk,
                state=ReviewState.SUBMITTED if complete else ReviewState.DRAFT,
                total=total,
                comment="Clear plan with the ayil okmotu."
                if total >= 70
                else ("Needs a stronger partnership with local authorities."),
                recommendation=_recommendation(total) if complete else "",
                updated_at=saved_at,
                submitted_at=saved_at if complete else None,
            )
            reviews.append((review, points))
    bulk(Assignment, assignments, batch_size=5000)
    bulk(ConflictDeclaration, declarations, batch_size=5000)
    bulk(Review, [review for review, _scores in reviews], batch_size=5000)
    for review, points in reviews:
        score_rows += [
            Score(review_id=review.pk, criterion_id=criterion.pk, points=value)
            for criterion, value in zip(call_plan.criteria, points, strict=True)
        ]
    bulk(Score, score_rows, batch_size=5000)
    submitted = [r.submitted_at for r, _scores in reviews if r.state == ReviewState.SUBMITTED]
    if submitted:
        # call_lock_rubric: the moment the first review was submitted.
        call.rubric_locked_at = min(submitted)
        Call.objects.filter(pk=call.pk).update(rubric_locked_at=call.rubric_locked_at)
    if call.state != CallState.DECIDED:
        return []
    totals: dict[int, list[Decimal]] = {}
    for review, _scores in reviews:
        totals.setdefault(review.application_id, []).append(review.total)
    return _decide(call_plan, eligible, totals, rng, staff, timeline)


def _progress(rng, call_state: str) -> str:
    """How far a member got with one assignment: all the way in a decided call."""
    if call_state == CallState.DECIDED:
        return "submitted"
    roll = rng.random()
    if roll < 0.015:
        return "untouched"
    if roll < 0.025:
        return "declared"
    if roll < 0.04:
        return "draft"
    return "submitted"


def _decide(call_plan, eligible, totals, rng, staff, timeline) -> list[Approval]:
    """Approve the best ranked within the call's quota, waitlist a few, reject the rest,
    as decision_record does, and set the call's budget to what was awarded."""
    call = call_plan.call

    def rank_key(info):
        marks = totals.get(info.application.pk) or [Decimal("0")]
        mean = sum(marks) / len(marks)
        spread = statistics.pstdev([float(m) for m in marks]) if len(marks) > 1 else 0.0
        return (not info.showcase, -mean, spread, info.application.submitted_at)

    ranked = sorted(eligible, key=rank_key)
    approvals, decisions = [], []
    quota = min(call_plan.projects, len(ranked))
    waitlist = quota + max(0, round(len(ranked) * 0.04))
    by_state: dict[str, list[int]] = {}
    decided_at = call_plan.decided_at
    awarded = Decimal("0")
    for rank, info in enumerate(ranked):
        application = info.application
        at = decided_at - datetime.timedelta(minutes=len(ranked) - rank)
        decision = Decision(application_id=application.pk, by_id=staff.pk, at=at)
        if rank < quota:
            amount = application.requested_amount
            if rng.random() < 0.15:
                amount = max(
                    Decimal("1000"), _round_to(amount * Decimal("0.92"), 1000, ROUND_FLOOR)
                )
            decision.outcome, decision.amount, decision.conditions = (
                DecisionOutcome.APPROVE,
                amount,
                CONDITIONS,
            )
            awarded += amount
            approvals.append(Approval(info=info, decision=decision))
        elif rank < waitlist:
            decision.outcome = DecisionOutcome.WAITLIST
            decision.reason = "On the reserve list if funds become available."
        else:
            decision.outcome = DecisionOutcome.REJECT
            decision.reason = REJECTION_REASONS[0 if _mean(totals, info) < PASS_MARK else 1]
        decisions.append(decision)
        by_state.setdefault(decision.outcome, []).append(application.pk)
        application.state = decision.outcome
        timeline.add(
            application,
            ApplicationState.ELIGIBLE,
            decision.outcome,
            at=at,
            by_id=staff.pk,
            reason=decision_timeline_text(
                outcome=decision.outcome,
                amount=decision.amount,
                currency="KGS",
                conditions=decision.conditions,
                reason=decision.reason,
            ),
        )
    bulk(Decision, decisions)
    for state, pks in by_state.items():
        for start in range(0, len(pks), 900):
            Application.objects.filter(pk__in=pks[start : start + 900]).update(state=state)
    # The call's budget: what it awarded, with a little left over.
    budget = max(call.max_grant, _round_to(awarded * Decimal("1.03"), 10000, ROUND_CEILING))
    call.total_budget = budget
    Call.objects.filter(pk=call.pk).update(total_budget=budget)
    return approvals


def _round_to(value: Decimal, step: int, rounding) -> Decimal:
    return (value / step).to_integral_value(rounding=rounding) * step


def _mean(totals, info) -> Decimal:
    marks = totals.get(info.application.pk) or [Decimal("0")]
    return sum(marks) / len(marks)


def in_review_budget(call_plan: CallPlan, infos: list[AppInfo]) -> None:
    """The budget of a call still in review: room for about a tenth of its requests."""
    call = call_plan.call
    requested = sorted(
        (i.application.requested_amount for i in infos if i.application.requested_amount),
        reverse=True,
    )
    share = requested[: max(1, len(requested) // 10)]
    budget = max(call.max_grant, _round_to(sum(share, Decimal("0")), 10000, ROUND_CEILING))
    call.total_budget = budget
    Call.objects.filter(pk=call.pk).update(total_budget=budget)
