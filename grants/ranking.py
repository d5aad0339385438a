"""The ranking of a call: statistics of the committee's reviews, the normalised score,
the order, and the proposed funding line.

Which reviews count
    The SUBMITTED reviews of the call's ranked applications (eligible, and after
    decisions approved, waitlisted or rejected) by members who have not declared a
    conflict of interest on that application (``counted_reviews``).

Per application (aggregated in the database, ``review_statistics`` / ``call_statistics``)
    mean of the reviewers' totals, minimum, maximum, population standard deviation,
    number of reviews, and per-criterion mean points; a disagreement is flagged when
    maximum - minimum exceeds the call's disagreement threshold (20 points by default).

Normalised score (``normalised_scores``; in the database, ``call_statistics``)
    Some reviewers mark leniently, others harshly. For each reviewer r, every total
    t they gave in this call becomes a z-score ``z = (t - mean_r) / sd_r`` over the
    applications r scored (population standard deviation; a reviewer with a single
    review or with all totals equal gives z = 0). An application's z-scores are
    averaged and mapped back to the 0-100 scale:
    ``normalised = overall_mean + z_avg * overall_sd`` where overall_mean and
    overall_sd are the mean and population standard deviation of every counted total
    of the call; the result is clipped to [0, 100] and rounded to 2 decimals.
    ``normalised_scores`` is the reference arithmetic over (reviewer, application,
    total) rows; the page computes the same in two grouped queries (each reviewer's
    mean and SD, then each application's average z) so that no review leaves the
    database, and a test holds the two to the cent.

At scale (issue 8)
    ``ranking_for_call(hydrate=False)`` ranks and draws the line over plain values
    (one ``values()`` tuple per application); ``ranking_hydrate`` then loads only the
    rows a page shows. The exports hydrate every row, still in a fixed number of queries.

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

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.apps import apps
from django.core.cache import cache
from django.db import models
from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    QuerySet,
    StdDev,
    Value,
    When,
)
from django.utils.translation import gettext_lazy as _

from config import page_cache
from grants.enums import ApplicationState, DecisionOutcome, RankingMethod, ReviewState
from grants.models import (
    Application,
    Call,
    CallReviewSettings,
    ConflictDeclaration,
    Review,
    Score,
)
from regions.models import Region

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


FUNDED_STATUSES = frozenset(LineStatus.funded())


# --- pure arithmetic ------------------------------------------------------------------


def two_places(value) -> Decimal | None:
    """A figure as shown and ranked: Decimal rounded half up to 2 places (None stays None)."""
    if value is None:
        return None
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)


def mean_and_sd(values: Sequence[Decimal]) -> tuple[Decimal, Decimal]:
    """Mean and population standard deviation (Decimal arithmetic, unrounded)."""
    count = len(values)
    if not count:
        return ZERO, ZERO
    with localcontext() as context:
        context.prec = 28
        mean = sum(values, ZERO) / count
        deviations = [value - mean for value in values]
        variance = sum((deviation * deviation for deviation in deviations), ZERO) / count
        return mean, variance.sqrt()


def normalised_z(rows: Iterable[tuple]) -> dict:
    """Average z-score per application from ``(reviewer, application, total)`` rows.

    Each reviewer's totals are standardised over the applications they scored; a
    reviewer with one review or with no spread contributes z = 0.
    """
    by_reviewer = defaultdict(list)
    for reviewer, application, total in rows:
        by_reviewer[reviewer].append((application, _decimal(total)))
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
    overall_mean, overall_sd = mean_and_sd([_decimal(total) for *_keys, total in rows])
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


def criterion_means(call: Call, *, application_ids=None) -> dict[tuple[int, int], Decimal]:
    """{(application id, criterion id): mean points} in one grouped query, for every
    ranked application or only for ``application_ids``."""
    reviews = counted_reviews(call)
    if application_ids is not None:
        reviews = reviews.filter(application__in=application_ids)
    rows = (
        Score.objects.filter(review__in=reviews)
        .order_by()
        .values("review__application", "criterion")
        .annotate(mean=Avg("points"))
    )
    return {(row["review__application"], row["criterion"]): two_places(row["mean"]) for row in rows}


def reviewer_statistics(call: Call) -> dict[int, tuple[Decimal, Decimal, int]]:
    """{member id: (mean, population SD, count)} of the totals each reviewer gave in
    the call, in one grouped query."""
    rows = (
        counted_reviews(call)
        .order_by()
        .values("member")
        .annotate(mean=Avg("total"), sd=StdDev("total", sample=False), count=Count("pk"))
    )
    return {
        row["member"]: (_decimal(row["mean"]), _decimal(row["sd"] or ZERO), row["count"])
        for row in rows
    }


def pooled_mean_and_sd(groups: Iterable[tuple[Decimal, Decimal, int]]) -> tuple[Decimal, Decimal]:
    """Mean and population SD of every total, from each reviewer's (mean, SD, count):
    the variance of the union is the mean of each group's variance plus its mean's
    squared distance to the overall mean."""
    groups = [group for group in groups if group[2]]
    total_count = sum(count for _mean, _sd, count in groups)
    if not total_count:
        return ZERO, ZERO
    with localcontext() as context:
        context.prec = 28
        mean = sum((group_mean * count for group_mean, _sd, count in groups), ZERO) / total_count
        variance = (
            sum(
                (count * (sd * sd + (group_mean - mean) * (group_mean - mean)))
                for group_mean, sd, count in groups
            )
            / total_count
        )
        return mean, variance.sqrt()


def z_score(reviewers: dict) -> Case | Value:
    """A review's total as a z-score among its reviewer's totals in the call, as a
    database expression (0 for a reviewer with one review or no spread)."""
    whens = [
        When(member_id=member, then=(F("total") - Value(mean)) / Value(sd))
        for member, (mean, sd, _count) in reviewers.items()
        if sd
    ]
    if not whens:
        return Value(ZERO, output_field=DecimalField())
    return Case(*whens, default=Value(ZERO), output_field=DecimalField())


def call_statistics(call: Call) -> tuple[dict[int, dict], dict[int, Decimal]]:
    """The review statistics (as ``review_statistics``) and the normalised score of
    every ranked application, in 2 grouped queries: each reviewer's mean and SD, then per
    application the statistics with the average z-score of its reviews. Only about 2,000
    figures come back, never the reviews themselves."""
    reviewers = reviewer_statistics(call)
    overall_mean, overall_sd = pooled_mean_and_sd(reviewers.values())
    rows = (
        counted_reviews(call)
        .order_by()
        .values("application")
        .annotate(**review_statistic_annotations(), review_z=Avg(z_score(reviewers)))
    )
    statistics, normalised = {}, {}
    with localcontext() as context:
        context.prec = 28
        for row in rows:
            application = row["application"]
            statistics[application] = {
                "mean": two_places(row["review_mean"]),
                "minimum": two_places(row["review_min"]),
                "maximum": two_places(row["review_max"]),
                "sd": two_places(row["review_sd"]),
                "count": row["review_count"],
            }
            mapped = overall_mean + _decimal(row["review_z"]) * overall_sd
            normalised[application] = two_places(min(max(mapped, ZERO), HUNDRED))
    return statistics, normalised


def call_normalised_scores(call: Call) -> dict[int, Decimal]:
    """The normalised score of every ranked application (see ``call_statistics``)."""
    return call_statistics(call)[1]


@dataclass(slots=True)
class RankingRow:
    """One ranked application. The ranking itself needs only plain values (one row of a
    ``values()`` query); ``application``, ``oblast``, ``override``, ``decision`` and
    ``criterion_means`` are filled in by ``ranking_hydrate`` for the rows that are shown."""

    application_id: int
    state: str
    requested_amount: Decimal
    submitted_at: object  # datetime or None
    oblast_id: int | None
    override_include: bool | None  # None: no staff override
    decision_outcome: str  # "" when undecided
    decision_amount: Decimal | None
    mean: Decimal | None
    normalised: Decimal | None
    minimum: Decimal | None
    maximum: Decimal | None
    sd: Decimal | None
    count: int
    disagreement: bool
    score: Decimal | None  # the one the ranking uses
    rank: int | None = None
    position: int = 0  # 1-based place in the ranked list, unscored ones included
    status: str = ""
    application: Application | None = None
    oblast: object = None  # Region or None
    override: object = None  # FundingLineOverride or None
    decision: object = None  # Decision or None
    criterion_means: list = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return LineStatus(self.status).label

    @property
    def funded(self) -> bool:
        return self.status in FUNDED_STATUSES

    @property
    def decidable(self) -> bool:
        return self.state in DECIDABLE_STATES

    @property
    def amount(self) -> Decimal:
        """What the application takes from the budget if funded."""
        if self.decision_outcome == DecisionOutcome.APPROVE:
            return self.decision_amount
        return self.requested_amount


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

    @property
    def proposed_rows(self) -> list[RankingRow]:
        """Above the line and still to decide: what "approve all proposed" approves."""
        return [row for row in self.rows if row.funded and row.decidable]

    @property
    def below_rows(self) -> list[RankingRow]:
        """Eligible and below the line: what "reject all below the line" rejects."""
        return [
            row for row in self.rows if not row.funded and row.state == ApplicationState.ELIGIBLE
        ]

    @property
    def line_position(self) -> int:
        """Where the funding line falls: the position of the last row above it in the
        ranked list (0 when none is). Rows below it may still be funded by staff."""
        return max((row.position for row in self.rows if row.funded), default=0)


def _oblast_of(application):
    region = application.organisation.region
    return region.oblast if region.oblast_id else None


# The plain values a ranking row is built from: one query, no model instance.
ROW_VALUES = {
    "application_id": "pk",
    "state": "state",
    "requested_amount": "requested_amount",
    "submitted_at": "submitted_at",
    "oblast_id": "organisation__region__oblast_id",
    "override_include": "funding_override__include",
    "decision_outcome": "decision__outcome",
    "decision_amount": "decision__amount",
}


def ranking_for_call(
    call: Call, *, review_settings: CallReviewSettings | None = None, hydrate: bool = True
) -> Ranking:
    """The ranking, its funding line and the oblast counts in a fixed number of queries:
    the settings (unless given), the statistics with the normalised score (2 grouped
    queries, ``call_statistics``), the criteria (1), the applications as plain values
    (1) and the oblasts they lie in (1). ``hydrate`` then loads every row's application, override,
    decision and criterion means (2 more, see ``ranking_hydrate``): the exports need
    them all; the page hydrates only the rows it shows."""
    review_settings = review_settings or CallReviewSettings.for_call(call)
    statistics, normalised = call_statistics(call)
    criteria = list(call.criteria.order_by("order", "pk"))
    ranked = Application.objects.filter(call=call, state__in=RANKED_STATES)
    values = ranked.order_by().values_list(*ROW_VALUES.values())
    uses_normalised = review_settings.ranking_method == RankingMethod.NORMALISED
    threshold = review_settings.disagreement_threshold
    rows = []
    for value in values:
        application_id, *plain, decision_outcome, decision_amount = value
        stats = statistics.get(application_id, {})
        mean, normalised_score = stats.get("mean"), normalised.get(application_id)
        minimum, maximum = stats.get("minimum"), stats.get("maximum")
        rows.append(
            RankingRow(
                application_id,
                *plain,
                decision_outcome=decision_outcome or "",
                decision_amount=decision_amount,
                mean=mean,
                normalised=normalised_score,
                minimum=minimum,
                maximum=maximum,
                sd=stats.get("sd"),
                count=stats.get("count", 0),
                disagreement=maximum is not None and maximum - minimum > threshold,
                score=normalised_score if uses_normalised else mean,
            )
        )
    rows.sort(
        key=lambda row: ranking_sort_key(
            score=row.score, sd=row.sd, submitted_at=row.submitted_at, key=row.application_id
        )
    )
    for position, row in enumerate(rows, start=1):
        row.position = position
        row.rank = position if row.score is not None else None
    line = funding_line(
        [
            Candidate(
                key=row.application_id,
                score=row.score,
                amount=row.amount,
                oblast=row.oblast_id,
                override=row.override_include,
                outcome=row.decision_outcome,
            )
            for row in rows
        ],
        budget=call.total_budget,
        pass_mark=review_settings.pass_mark,
        oblast_cap=review_settings.oblast_cap,
    )
    for row in rows:
        row.status = line.status[row.application_id]
    # The oblasts of the call's ranked applications: a subquery, so always one query.
    oblasts = {
        region.pk: region
        for region in Region.objects.filter(pk__in=ranked.values("organisation__region__oblast"))
    }
    oblast_counts = sorted(
        ((oblasts.get(key), count) for key, count in line.oblast_counts.items()),
        key=lambda pair: (-pair[1], str(pair[0]) if pair[0] else ""),
    )
    ranking = Ranking(
        call=call,
        settings=review_settings,
        criteria=criteria,
        rows=rows,
        line=line,
        oblast_counts=oblast_counts,
    )
    if hydrate:
        ranking_hydrate(ranking, rows)
    return ranking


def ranking_hydrate(ranking: Ranking, rows: Sequence[RankingRow]) -> None:
    """Load what ``rows`` show beyond their figures, in 2 queries whatever their number:
    the applications with organisation, oblast, override and decision (and who made
    them), and the per-criterion means of their counted reviews."""
    if not rows:
        return
    if len(rows) == len(ranking.rows):  # all of them (the exports): no list of ids
        ids = None
        applications = Application.objects.filter(call=ranking.call, state__in=RANKED_STATES)
    else:
        ids = [row.application_id for row in rows]
        applications = Application.objects.filter(pk__in=ids)
    applications = applications.select_related(
        "organisation__region__oblast", "funding_override__by", "decision__by"
    )
    by_id = {application.pk: application for application in applications}
    means = criterion_means(ranking.call, application_ids=ids)
    for row in rows:
        application = by_id[row.application_id]
        row.application = application
        row.oblast = _oblast_of(application)
        row.override = getattr(application, "funding_override", None)
        row.decision = getattr(application, "decision", None)
        row.criterion_means = [
            means.get((row.application_id, criterion.pk)) for criterion in ranking.criteria
        ]


def selection_fingerprint(rows: Iterable[RankingRow]) -> str:
    """A short digest of which applications, in which state, a bulk action covers: the
    page sends the one it showed, so that a line changed meanwhile is not acted on."""
    pairs = sorted(f"{row.application_id}:{row.state}" for row in rows)
    return hashlib.sha256(",".join(pairs).encode()).hexdigest()[:20]


# --- the ranking page's cache ------------------------------------------------------
# Ranking a call of 2,000 applications and 10,000 reviews costs about 100 ms of
# database and Python time; the page keeps the unhydrated ranking in the cache, so
# paging through it or coming back after a decision costs only the rows shown. It can
# never show a stale score or stale money: its key holds the version of every table the
# ranking reads (RANKING_SOURCES), which every committed write to one of them changes,
# whether by the ORM, an UPDATE of many rows or a bulk insert (config/page_cache.py).
# Bulk decisions never use the cache.
RANKING_CACHE_SECONDS = 60 * 10
RANKING_SOURCES = (
    "grants.Call",
    "grants.Criterion",
    "grants.CallReviewSettings",
    "grants.Application",
    "grants.CommitteeMember",
    "grants.Assignment",
    "grants.ConflictDeclaration",
    "grants.Review",
    "grants.Score",
    "grants.FundingLineOverride",
    "grants.Decision",
    "accounts.Organisation",
)


def ranking_version() -> str:
    return page_cache.tables_version(*(apps.get_model(label) for label in RANKING_SOURCES))


def ranking_for_call_cached(call: Call, *, review_settings: CallReviewSettings) -> Ranking:
    """``ranking_for_call(hydrate=False)`` for the ranking page, from the cache while
    nothing it reads has changed."""
    key = f"ranking:{ranking_version()}:{call.pk}"
    ranking = cache.get(key)
    if ranking is None:
        ranking = ranking_for_call(call, review_settings=review_settings, hydrate=False)
        cache.set(key, ranking, RANKING_CACHE_SECONDS)
    ranking.call, ranking.settings = call, review_settings
    return ranking
