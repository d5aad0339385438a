"""The ranking of a call: statistics of the committee's reviews, the normalised score,
the order, and the proposed funding line.

Which reviews count
    The SUBMITTED reviews of the call's ranked applications (eligible, and after
    decisions approved, waitlisted or rejected) by members who have not declared a
    conflict of interest on that application (``counted_reviews``).

Per application (aggregated in the database, ``review_statistics``)
    mean of the reviewers' totals, minimum, maximum, population standard deviation,
    number of reviews, and per-criterion mean points; a disagreement is flagged when
    maximum - minimum exceeds the call's disagreement threshold (20 points by default).

Normalised score (``normalised_scores``, computed in Python from one query)
    Some reviewers mark leniently, others harshly. For each reviewer r, every total
    t they gave in this call becomes a z-score ``z = (t - mean_r) / sd_r`` over the
    applications r scored (population standard deviation; a reviewer with a single
    review or with all totals equal gives z = 0). An application's z-scores are
    averaged and mapped back to the 0-100 scale:
    ``normalised = overall_mean + z_avg * overall_sd`` where overall_mean and
    overall_sd are the mean and population standard deviation of every counted total
    of the call; the result is clipped to [0, 100] and rounded to 2 decimals.

Order (``ranking_sort_key``)
    By the score the call's ``ranking_method`` chooses (raw mean or normalised),
    highest first; ties go to the lower standard deviation (reviewers agree more),
    then the earlier submission, then the lower id, so the order is always the same.

Funding line (``funding_line``)
    Approved applications hold their awarded amount and rejected ones are out. Staff
    overrides come next: an included application takes its place first, an excluded
    one is skipped. Then, in rank order, every application scoring at least the pass
    mark is proposed while its requested amount fits what is left of the call's budget
    (one that does not fit is skipped and smaller ones below it may still fit), and,
    when the call sets a cap per oblast, while its oblast has fewer grants than the
    cap. The oblast is that of the organisation's registered region
    (``organisation.region.oblast``): it is one per application and known for every
    organisation, whereas an application's project locations may span several
    oblasts. Overrides and approvals count towards the cap but are not stopped by it.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.db import models
from django.db.models import Avg, Count, Exists, Max, Min, OuterRef, QuerySet, StdDev
from django.utils.translation import gettext_lazy as _

from grants.enums import ApplicationState, DecisionOutcome, RankingMethod, ReviewState
from grants.models import (
    Application,
    Call,
    CallReviewSettings,
    ConflictDeclaration,
    Review,
    Score,
)

HUNDREDTH = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")

# Applications that are ranked: reviewed ones, before and after the decision.
RANKED_STATES = [
    ApplicationState.ELIGIBLE,
    ApplicationState.APPROVED,
    ApplicationState.WAITLISTED,
    ApplicationState.REJECTED,
]
# Those a decision can still be recorded for (a waitlisted one may be approved later).
DECIDABLE_STATES = [ApplicationState.ELIGIBLE, ApplicationState.WAITLISTED]


class LineStatus(models.TextChoices):
    """Where an application stands against the proposed funding line, and why."""

    APPROVED = "approved", _("Approved")
    INCLUDED = "included", _("Included by staff")
    PROPOSED = "proposed", _("Proposed for funding")
    EXCLUDED = "excluded", _("Excluded by staff")
    REJECTED = "rejected", _("Rejected")
    NOT_SCORED = "not_scored", _("No submitted review yet")
    BELOW_PASS_MARK = "below_pass_mark", _("Below the pass mark")
    OVER_BUDGET = "over_budget", _("Does not fit the remaining budget")
    OBLAST_CAP = "oblast_cap", _("The oblast's cap is reached")

    @classmethod
    def funded(cls):
        """Above the line: the money is (to be) spent on these."""
        return [cls.APPROVED, cls.INCLUDED, cls.PROPOSED]


# --- pure arithmetic ------------------------------------------------------------------


def two_places(value) -> Decimal | None:
    """A figure as shown and ranked: Decimal rounded half up to 2 places (None stays None)."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def mean_and_sd(values: Sequence[Decimal]) -> tuple[Decimal, Decimal]:
    """Mean and population standard deviation (Decimal arithmetic, unrounded)."""
    count = len(values)
    if not count:
        return ZERO, ZERO
    with localcontext() as context:
        context.prec = 28
        mean = sum(values, ZERO) / count
        variance = sum(((value - mean) ** 2 for value in values), ZERO) / count
        return mean, variance.sqrt()


def normalised_z(rows: Iterable[tuple]) -> dict:
    """Average z-score per application from ``(reviewer, application, total)`` rows.

    Each reviewer's totals are standardised over the applications they scored; a
    reviewer with one review or with no spread contributes z = 0.
    """
    by_reviewer = defaultdict(list)
    for reviewer, application, total in rows:
        by_reviewer[reviewer].append((application, Decimal(total)))
    z_scores = defaultdict(list)
    with localcontext() as context:
        context.prec = 28
        for scored in by_reviewer.values():
            mean, sd = mean_and_sd([total for _application, total in scored])
            for application, total in scored:
                z_scores[application].append(ZERO if sd == 0 else (total - mean) / sd)
        return {application: sum(zs, ZERO) / len(zs) for application, zs in z_scores.items()}


def normalised_scores(rows: Iterable[tuple]) -> dict:
    """The normalised score per application (see the module's docstring for the formula)."""
    rows = list(rows)
    overall_mean, overall_sd = mean_and_sd([Decimal(total) for *_keys, total in rows])
    scores = {}
    for application, z in normalised_z(rows).items():
        mapped = overall_mean + z * overall_sd
        scores[application] = two_places(min(max(mapped, ZERO), HUNDRED))
    return scores


def ranking_sort_key(*, score, sd, submitted_at, key):
    """Highest score first, then lower spread, earlier submission, lower id; unscored last."""
    return (
        score is None,
        -(score or ZERO),
        sd if sd is not None else HUNDRED,
        submitted_at is None,
        submitted_at.timestamp() if submitted_at is not None else 0,
        key,
    )


@dataclass(frozen=True)
class Candidate:
    """One application as the funding line sees it (given in rank order)."""

    key: int
    score: Decimal | None
    amount: Decimal  # the request, or the amount awarded once approved
    oblast: int | None = None
    override: bool | None = None  # True: staff include it; False: staff exclude it
    outcome: str = ""  # the decision's outcome, if any


@dataclass
class FundingLine:
    budget: Decimal
    status: dict = field(default_factory=dict)  # key -> LineStatus
    committed: Decimal = ZERO
    oblast_counts: Counter = field(default_factory=Counter)

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.committed

    @property
    def funded(self) -> list:
        return [key for key, status in self.status.items() if status in LineStatus.funded()]


def funding_line(
    candidates: Sequence[Candidate], *, budget: Decimal, pass_mark: Decimal, oblast_cap=None
) -> FundingLine:
    """The proposed funding line over ``candidates`` in rank order (see the module's
    docstring): approvals, then staff overrides, then the budget filled in rank order."""
    line = FundingLine(budget=budget)

    def take(candidate, status):
        line.status[candidate.key] = status
        line.committed += candidate.amount
        line.oblast_counts[candidate.oblast] += 1

    for candidate in candidates:
        if candidate.outcome == DecisionOutcome.APPROVE:
            take(candidate, LineStatus.APPROVED)
        elif candidate.outcome == DecisionOutcome.REJECT:
            line.status[candidate.key] = LineStatus.REJECTED
    for candidate in candidates:
        if candidate.key in line.status or candidate.override is None:
            continue
        if candidate.override:
            take(candidate, LineStatus.INCLUDED)
        else:
            line.status[candidate.key] = LineStatus.EXCLUDED
    for candidate in candidates:
        if candidate.key in line.status:
            continue
        if candidate.score is None:
            line.status[candidate.key] = LineStatus.NOT_SCORED
        elif candidate.score < pass_mark:
            line.status[candidate.key] = LineStatus.BELOW_PASS_MARK
        elif (
            oblast_cap is not None
            and candidate.oblast is not None
            and line.oblast_counts[candidate.oblast] >= oblast_cap
        ):
            line.status[candidate.key] = LineStatus.OBLAST_CAP
        elif candidate.amount > line.remaining:
            line.status[candidate.key] = LineStatus.OVER_BUDGET
        else:
            take(candidate, LineStatus.PROPOSED)
    return line


# --- reads ------------------------------------------------------------------------------


def counted_reviews(call: Call) -> QuerySet[Review]:
    """The reviews that count: submitted, on ranked applications of the call, by members
    who have not declared a conflict on that application."""
    conflicted = ConflictDeclaration.objects.filter(
        member=OuterRef("member"), application=OuterRef("application"), has_conflict=True
    )
    return Review.objects.filter(
        application__call=call,
        application__state__in=RANKED_STATES,
        state=ReviewState.SUBMITTED,
    ).filter(~Exists(conflicted))


def review_statistic_annotations() -> dict:
    """Mean, minimum, maximum, population SD and count of review totals: annotations
    over a queryset of reviews grouped by application (``counted_reviews`` first)."""
    return {
        "review_mean": Avg("total"),
        "review_min": Min("total"),
        "review_max": Max("total"),
        "review_sd": StdDev("total", sample=False),
        "review_count": Count("pk"),
    }


def review_statistics(call: Call) -> dict[int, dict]:
    """{application id: {mean, minimum, maximum, sd, count}} in one grouped query."""
    rows = (
        counted_reviews(call)
        .order_by()
        .values("application")
        .annotate(**review_statistic_annotations())
    )
    return {
        row["application"]: {
            "mean": two_places(row["review_mean"]),
            "minimum": two_places(row["review_min"]),
            "maximum": two_places(row["review_max"]),
            "sd": two_places(row["review_sd"]),
            "count": row["review_count"],
        }
        for row in rows
    }


def criterion_means(call: Call) -> dict[tuple[int, int], Decimal]:
    """{(application id, criterion id): mean points} in one grouped query."""
    rows = (
        Score.objects.filter(review__in=counted_reviews(call))
        .order_by()
        .values("review__application", "criterion")
        .annotate(mean=Avg("points"))
    )
    return {(row["review__application"], row["criterion"]): two_places(row["mean"]) for row in rows}


def call_normalised_scores(call: Call) -> dict[int, Decimal]:
    rows = counted_reviews(call).order_by().values_list("member_id", "application_id", "total")
    return normalised_scores(rows)


@dataclass
class RankingRow:
    application: Application
    oblast: object  # Region or None
    mean: Decimal | None
    normalised: Decimal | None
    minimum: Decimal | None
    maximum: Decimal | None
    sd: Decimal | None
    count: int
    disagreement: bool
    criterion_means: list
    score: Decimal | None  # the one the ranking uses
    override: object = None  # FundingLineOverride or None
    decision: object = None  # Decision or None
    rank: int | None = None
    status: str = ""

    @property
    def status_label(self) -> str:
        return LineStatus(self.status).label

    @property
    def funded(self) -> bool:
        return self.status in LineStatus.funded()

    @property
    def decidable(self) -> bool:
        return self.application.state in DECIDABLE_STATES

    @property
    def amount(self) -> Decimal:
        """What the application takes from the budget if funded."""
        if self.decision is not None and self.decision.outcome == DecisionOutcome.APPROVE:
            return self.decision.amount
        return self.application.requested_amount


@dataclass
class Ranking:
    call: Call
    settings: CallReviewSettings
    criteria: list
    rows: list[RankingRow]
    line: FundingLine
    oblast_counts: list  # [(Region or None, count)], most grants first

    @property
    def uses_normalised(self) -> bool:
        return self.settings.ranking_method == RankingMethod.NORMALISED

    @property
    def method_label(self) -> str:
        return RankingMethod(self.settings.ranking_method).label

    @property
    def funded_rows(self) -> list[RankingRow]:
        return [row for row in self.rows if row.funded]


def _oblast_of(application):
    region = application.organisation.region
    return region.oblast if region.oblast_id else None


def ranking_for_call(call: Call, *, review_settings: CallReviewSettings | None = None) -> Ranking:
    """Everything the ranking page and its exports show, in a fixed number of queries:
    the statistics (3 grouped queries), the applications with their organisation,
    oblast, override and decision (1), and the criteria (1)."""
    review_settings = review_settings or CallReviewSettings.for_call(call)
    statistics = review_statistics(call)
    means = criterion_means(call)
    normalised = call_normalised_scores(call)
    criteria = list(call.criteria.order_by("order", "pk"))
    applications = Application.objects.filter(call=call, state__in=RANKED_STATES).select_related(
        "organisation__region__oblast", "funding_override__by", "decision__by"
    )
    uses_normalised = review_settings.ranking_method == RankingMethod.NORMALISED
    rows = []
    for application in applications:
        stats = statistics.get(application.pk, {})
        mean, normalised_score = stats.get("mean"), normalised.get(application.pk)
        minimum, maximum = stats.get("minimum"), stats.get("maximum")
        rows.append(
            RankingRow(
                application=application,
                oblast=_oblast_of(application),
                mean=mean,
                normalised=normalised_score,
                minimum=minimum,
                maximum=maximum,
                sd=stats.get("sd"),
                count=stats.get("count", 0),
                disagreement=maximum is not None
                and maximum - minimum > review_settings.disagreement_threshold,
                criterion_means=[means.get((application.pk, c.pk)) for c in criteria],
                score=normalised_score if uses_normalised else mean,
                override=getattr(application, "funding_override", None),
                decision=getattr(application, "decision", None),
            )
        )
    rows.sort(
        key=lambda row: ranking_sort_key(
            score=row.score,
            sd=row.sd,
            submitted_at=row.application.submitted_at,
            key=row.application.pk,
        )
    )
    for position, row in enumerate(rows, start=1):
        row.rank = position if row.score is not None else None
    line = funding_line(
        [
            Candidate(
                key=row.application.pk,
                score=row.score,
                amount=row.amount,
                oblast=row.oblast.pk if row.oblast else None,
                override=row.override.include if row.override else None,
                outcome=row.decision.outcome if row.decision else "",
            )
            for row in rows
        ],
        budget=call.total_budget,
        pass_mark=review_settings.pass_mark,
        oblast_cap=review_settings.oblast_cap,
    )
    for row in rows:
        row.status = line.status[row.application.pk]
    oblasts = {row.oblast.pk: row.oblast for row in rows if row.oblast}
    oblast_counts = sorted(
        ((oblasts.get(key), count) for key, count in line.oblast_counts.items()),
        key=lambda pair: (-pair[1], str(pair[0]) if pair[0] else ""),
    )
    return Ranking(
        call=call,
        settings=review_settings,
        criteria=criteria,
        rows=rows,
        line=line,
        oblast_counts=oblast_counts,
    )
