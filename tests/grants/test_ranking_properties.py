"""Properties of the ranking arithmetic, checked with hypothesis on the pure functions
(no database), and once against the database's aggregates."""

import random
import statistics
from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from grants.ranking import (
    Candidate,
    LineStatus,
    call_normalised_scores,
    counted_reviews,
    funding_line,
    mean_and_sd,
    normalised_scores,
    normalised_z,
    ranking_sort_key,
    review_statistics,
)

# No example database: the runs leave nothing behind in the working tree.
PROPERTY = settings(max_examples=50, deadline=None, database=None)

totals = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def review_rows(draw, max_reviewers=4, max_applications=5):
    """(reviewer, application, total) rows: each reviewer scores a subset of applications."""
    applications = list(range(draw(st.integers(1, max_applications))))
    rows = []
    for reviewer in range(draw(st.integers(1, max_reviewers))):
        scored = draw(st.lists(st.sampled_from(applications), min_size=1, unique=True))
        rows.extend((reviewer, application, draw(totals)) for application in scored)
    return rows


money = st.decimals(min_value=1, max_value=500_000, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def candidate_lists(draw, with_overrides=True):
    count = draw(st.integers(0, 8))
    overrides = st.sampled_from([None, True, False]) if with_overrides else st.just(None)
    candidates = [
        Candidate(
            key=key,
            score=draw(st.one_of(st.none(), totals)),
            amount=draw(money),
            oblast=draw(st.sampled_from([1, 2, 3, None])),
            override=draw(overrides),
        )
        for key in range(count)
    ]
    candidates.sort(
        key=lambda c: ranking_sort_key(score=c.score, sd=None, submitted_at=None, key=c.key)
    )
    return candidates


# --- scores ---------------------------------------------------------------------------------


@PROPERTY
@given(review_rows())
def test_normalised_scores_stay_between_0_and_100(rows):
    scores = normalised_scores(rows)
    assert set(scores) == {application for _reviewer, application, _total in rows}
    assert all(Decimal("0") <= score <= Decimal("100") for score in scores.values())


@PROPERTY
@given(st.lists(totals, min_size=1, max_size=12))
def test_the_mean_lies_between_the_minimum_and_the_maximum(values):
    mean, sd = mean_and_sd(values)
    assert min(values) <= mean <= max(values)
    assert sd >= 0
    assert float(sd) == pytest.approx(statistics.pstdev(float(v) for v in values), abs=1e-9)


@PROPERTY
@given(review_rows(), st.data())
def test_a_lenient_reviewer_shifted_by_a_constant_leaves_the_normalised_ranking_unchanged(
    rows, data
):
    reviewer = data.draw(st.sampled_from(sorted({row[0] for row in rows})))
    own = [total for who, _application, total in rows if who == reviewer]
    shift = data.draw(
        st.decimals(min_value=-min(own), max_value=100 - max(own), places=2, allow_nan=False)
    )
    shifted = [
        (who, application, total + shift if who == reviewer else total)
        for who, application, total in rows
    ]
    before, after = normalised_z(rows), normalised_z(shifted)
    assert before.keys() == after.keys()
    for application in before:
        assert float(after[application]) == pytest.approx(float(before[application]), abs=1e-12)

    scores_before, scores_after = normalised_scores(rows), normalised_scores(shifted)
    assume(
        all(
            Decimal("0") < s < Decimal("100")
            for s in [*scores_before.values(), *scores_after.values()]
        )
    )
    # The map back to 0-100 is increasing: a strictly better z stays at least as high.
    for a in before:
        for b in before:
            if before[a] > before[b] + Decimal("1e-9"):
                assert scores_after[a] >= scores_after[b]
                assert scores_before[a] >= scores_before[b]


# --- the funding line -----------------------------------------------------------------------


@PROPERTY
@given(candidate_lists(), money, totals)
def test_the_funding_line_never_exceeds_the_budget_beyond_staff_inclusions(
    candidates, budget, pass_mark
):
    line = funding_line(candidates, budget=budget, pass_mark=pass_mark)
    forced = sum((c.amount for c in candidates if c.override is True), Decimal("0"))
    funded = sum((c.amount for c in candidates if c.key in line.funded), Decimal("0"))
    assert funded == line.committed
    assert funded <= max(budget, forced)
    if forced == 0:
        assert line.remaining >= 0


@PROPERTY
@given(candidate_lists(), money, totals, st.integers(1, 3))
def test_the_oblast_cap_is_never_exceeded_unless_staff_include(candidates, budget, pass_mark, cap):
    line = funding_line(candidates, budget=budget, pass_mark=pass_mark, oblast_cap=cap)
    funded = Counter(c.oblast for c in candidates if c.key in line.funded and c.oblast is not None)
    forced = Counter(c.oblast for c in candidates if c.override is True and c.oblast is not None)
    for oblast, count in funded.items():
        assert count <= max(cap, forced[oblast])


@PROPERTY
@given(candidate_lists(), money, totals)
def test_only_applications_at_or_above_the_pass_mark_are_proposed(candidates, budget, pass_mark):
    line = funding_line(candidates, budget=budget, pass_mark=pass_mark)
    for candidate in candidates:
        status = line.status[candidate.key]
        if status == LineStatus.PROPOSED:
            assert candidate.score is not None and candidate.score >= pass_mark
        if status == LineStatus.OVER_BUDGET:
            assert candidate.amount > line.remaining  # it still would not fit
        if candidate.override is True:
            assert status == LineStatus.INCLUDED
        if candidate.override is False:
            assert status == LineStatus.EXCLUDED


@PROPERTY
@given(candidate_lists(with_overrides=False), money, totals, st.randoms(use_true_random=False))
def test_the_order_and_the_line_do_not_depend_on_the_order_rows_arrive_in(
    candidates, budget, pass_mark, rng: random.Random
):
    def key(c):
        return ranking_sort_key(score=c.score, sd=None, submitted_at=None, key=c.key)

    shuffled = list(candidates)
    rng.shuffle(shuffled)
    assert sorted(shuffled, key=key) == candidates
    first = funding_line(candidates, budget=budget, pass_mark=pass_mark)
    again = funding_line(sorted(shuffled, key=key), budget=budget, pass_mark=pass_mark)
    assert first.status == again.status


# --- against the database ---------------------------------------------------------------------


points = st.lists(st.integers(0, 10), min_size=4, max_size=4)


@pytest.mark.django_db
@settings(
    database=None,
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(points, min_size=1, max_size=4))
def test_the_database_aggregates_agree_with_the_arithmetic(scores):
    from tests.factories import CommitteeMemberFactory, submitted_review
    from tests.grants.test_ranking_stats import call_in_review, eligible

    with transaction.atomic():
        call = call_in_review()
        application = eligible(call, number=1)
        reviews = [
            submitted_review(
                member=CommitteeMemberFactory(call=call), application=application, points=p
            )
            for p in scores
        ]
        values = [review.total for review in reviews]
        mean, sd = mean_and_sd(values)
        stats = review_statistics(call)[application.pk]
        assert stats["minimum"] <= stats["mean"] <= stats["maximum"]
        assert (stats["minimum"], stats["maximum"], stats["count"]) == (
            min(values),
            max(values),
            len(values),
        )
        assert abs(stats["mean"] - mean) <= Decimal("0.01")
        assert abs(stats["sd"] - sd) <= Decimal("0.01")
        transaction.set_rollback(True)


@pytest.mark.django_db
@settings(
    database=None,
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.lists(points, min_size=1, max_size=3), min_size=1, max_size=3))
def test_the_database_normalised_scores_agree_with_the_arithmetic(scores_by_application):
    """The page standardises the totals in the database (one grouped query per side):
    it gives the pure function's scores, to the cent (SQLite computes in floats)."""
    from tests.factories import CommitteeMemberFactory, submitted_review
    from tests.grants.test_ranking_stats import call_in_review, eligible

    with transaction.atomic():
        call = call_in_review()
        reviewers = [CommitteeMemberFactory(call=call) for _ in range(3)]
        for number, scores in enumerate(scores_by_application, start=1):
            application = eligible(call, number=number)
            for reviewer, points_given in zip(reviewers, scores, strict=False):
                submitted_review(member=reviewer, application=application, points=points_given)
        rows = counted_reviews(call).values_list("member_id", "application_id", "total")
        expected = normalised_scores(rows)
        actual = call_normalised_scores(call)
        assert actual.keys() == expected.keys()
        for application, score in expected.items():
            assert abs(actual[application] - score) <= Decimal("0.01")
        transaction.set_rollback(True)
