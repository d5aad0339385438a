"""The statistics of a call's reviews, checked against a hand-computed example.

Three reviewers score three applications with the call's rubric (weights 30/30/20/20,
maximum 10 points each: total = 3a + 3b + 2c + 2d):

    reviewer   A (points)      total   B (points)     total   C (points)      total
    R1         10, 10, 8, 7    90      10, 10, 5, 5   80      10, 10, 5, 0    70
    R2         10, 10, 0, 0    60       4,  4, 4, 4   40       5,  5, 5, 5    50
    R3         10, 10, 5, 0    70       6,  6, 8, 9   70      10, 10, 0, 0    60

Raw statistics (population SD):
    A: mean 220/3 = 73.33, min 60, max 90, SD sqrt(1400/9) = 12.47, range 30 > 20: flagged
    B: mean 190/3 = 63.33, min 40, max 80, SD sqrt(2600/9) = 17.00, range 40: flagged
    C: mean 60.00,         min 50, max 70, SD sqrt(200/3)  =  8.16, range 20: not flagged
Per-criterion means of A: (10+10+10)/3 = 10, 10, (8+0+5)/3 = 4.33, (7+0+0)/3 = 2.33.

Normalised: R1 (mean 80, SD 8.165) gives z = +1.2247, 0, -1.2247; R2 (mean 50, SD
8.165) gives +1.2247, -1.2247, 0; R3 (mean 66.67, SD 4.714) gives +0.7071, +0.7071,
-1.4142. Averages: A +1.0522, B -0.1725, C -0.8797. All nine totals: mean 590/9 =
65.556, SD 14.229. Mapped back: A 65.556 + 1.0522 x 14.229 = 80.53, B 63.10, C 53.04.
"""

import datetime as dt
from decimal import Decimal

import pytest

from grants.enums import ApplicationState, CallState, RankingMethod, ReviewState
from grants.models import CallReviewSettings, ConflictDeclaration, Review
from grants.ranking import (
    criterion_means,
    normalised_scores,
    ranking_for_call,
    review_statistics,
)
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    CommitteeMemberFactory,
    OrganisationFactory,
    submitted_review,
)

pytestmark = pytest.mark.django_db

SUBMITTED_AT = dt.datetime(2017, 5, 3, 8, 0, tzinfo=dt.UTC)
HAND_POINTS = {
    "A": [[10, 10, 8, 7], [10, 10, 0, 0], [10, 10, 5, 0]],
    "B": [[10, 10, 5, 5], [4, 4, 4, 4], [6, 6, 8, 9]],
    "C": [[10, 10, 5, 0], [5, 5, 5, 5], [10, 10, 0, 0]],
}


# --- helpers shared by the ranking tests ------------------------------------------------


def call_in_review(**fields):
    fields.setdefault("title", "Prevention in Action 2017")
    return CallFactory(state=CallState.IN_REVIEW, **fields)


def eligible(call, *, number, organisation=None, requested="200000.00", submitted_at=None, **kw):
    """An eligible application of ``call`` with reference PIA-2017-<number>."""
    return ApplicationFactory(
        call=call,
        organisation=organisation or OrganisationFactory(),
        state=kw.pop("state", ApplicationState.ELIGIBLE),
        sequence=number,
        reference=f"PIA-2017-{number:03d}",
        title=kw.pop("title", f"Safer villages {number}"),
        requested_amount=Decimal(requested),
        submitted_at=submitted_at or SUBMITTED_AT + dt.timedelta(minutes=number),
        **kw,
    )


def members(call, count):
    return [CommitteeMemberFactory(call=call) for _ in range(count)]


def hand_example(call=None):
    """The example of the module's docstring: returns (call, {"A": app, ...}, [R1, R2, R3])."""
    call = call or call_in_review()
    applications = {name: eligible(call, number=index + 1) for index, name in enumerate("ABC")}
    reviewers = members(call, 3)
    for name, rows in HAND_POINTS.items():
        for reviewer, points in zip(reviewers, rows, strict=True):
            submitted_review(member=reviewer, application=applications[name], points=points)
    return call, applications, reviewers


# --- tests ----------------------------------------------------------------------------------


def test_statistics_match_the_hand_computed_example():
    call, apps, _reviewers = hand_example()
    statistics = review_statistics(call)
    assert statistics[apps["A"].pk] == {
        "mean": Decimal("73.33"),
        "minimum": Decimal("60.00"),
        "maximum": Decimal("90.00"),
        "sd": Decimal("12.47"),
        "count": 3,
    }
    assert statistics[apps["B"].pk] == {
        "mean": Decimal("63.33"),
        "minimum": Decimal("40.00"),
        "maximum": Decimal("80.00"),
        "sd": Decimal("17.00"),
        "count": 3,
    }
    assert statistics[apps["C"].pk] == {
        "mean": Decimal("60.00"),
        "minimum": Decimal("50.00"),
        "maximum": Decimal("70.00"),
        "sd": Decimal("8.16"),
        "count": 3,
    }


def test_per_criterion_means_match_the_hand_computed_example():
    call, apps, _reviewers = hand_example()
    criteria = list(call.criteria.order_by("order"))
    means = criterion_means(call)
    assert [means[(apps["A"].pk, criterion.pk)] for criterion in criteria] == [
        Decimal("10.00"),
        Decimal("10.00"),
        Decimal("4.33"),
        Decimal("2.33"),
    ]


def test_normalised_scores_match_the_hand_computed_example():
    rows = [
        (reviewer, application, Decimal(total))
        for reviewer, totals in {"R1": (90, 80, 70), "R2": (60, 40, 50), "R3": (70, 70, 60)}.items()
        for application, total in zip("ABC", totals, strict=True)
    ]
    assert normalised_scores(rows) == {
        "A": Decimal("80.53"),
        "B": Decimal("63.10"),
        "C": Decimal("53.04"),
    }


def test_ranking_rows_carry_both_scores_and_flag_disagreements_beyond_the_threshold():
    call, apps, _reviewers = hand_example()
    ranking = ranking_for_call(call)
    assert [row.application for row in ranking.rows] == [apps["A"], apps["B"], apps["C"]]
    assert [(row.rank, row.mean, row.normalised) for row in ranking.rows] == [
        (1, Decimal("73.33"), Decimal("80.53")),
        (2, Decimal("63.33"), Decimal("63.10")),
        (3, Decimal("60.00"), Decimal("53.04")),
    ]
    # A range of exactly 20 points is not beyond the default threshold of 20.
    assert [row.disagreement for row in ranking.rows] == [True, True, False]


def test_a_reviewer_with_a_single_review_contributes_a_z_score_of_zero():
    rows = [("R1", "A", Decimal("90")), ("R1", "B", Decimal("50")), ("R2", "A", Decimal("10"))]
    # R1: z = +1 and -1; R2 has one review: z = 0. A: (1 + 0) / 2 = 0.5, B: -1.
    # All totals: mean 50, SD sqrt((1600 + 0 + 1600) / 3) = 32.66.
    assert normalised_scores(rows) == {"A": Decimal("66.33"), "B": Decimal("17.34")}


def test_a_reviewer_whose_totals_are_all_equal_contributes_zero():
    rows = [("R1", "A", Decimal("70")), ("R1", "B", Decimal("70"))]
    assert normalised_scores(rows) == {"A": Decimal("70.00"), "B": Decimal("70.00")}


def test_reviews_of_members_who_declared_a_conflict_are_left_out():
    call, apps, _reviewers = hand_example()
    conflicted = CommitteeMemberFactory(call=call)
    ConflictDeclaration.objects.create(
        member=conflicted, application=apps["A"], has_conflict=True, reason="My sister's NGO"
    )
    submitted_review(member=conflicted, application=apps["A"], points=[0, 0, 0, 0])
    statistics = review_statistics(call)
    assert statistics[apps["A"].pk]["mean"] == Decimal("73.33")
    assert statistics[apps["A"].pk]["count"] == 3
    ranking = ranking_for_call(call)
    assert ranking.rows[0].normalised == Decimal("80.53")


def test_a_member_without_a_conflict_on_one_application_still_counts_there():
    call, apps, reviewers = hand_example()
    ConflictDeclaration.objects.create(
        member=reviewers[1], application=apps["B"], has_conflict=True, reason="Former employer"
    )
    ConflictDeclaration.objects.create(
        member=reviewers[0], application=apps["A"], has_conflict=False
    )
    statistics = review_statistics(call)
    assert statistics[apps["A"].pk]["count"] == 3
    assert statistics[apps["B"].pk] == {
        "mean": Decimal("75.00"),
        "minimum": Decimal("70.00"),
        "maximum": Decimal("80.00"),
        "sd": Decimal("5.00"),
        "count": 2,
    }


def test_draft_reviews_do_not_count():
    call, apps, _reviewers = hand_example()
    draft_author = CommitteeMemberFactory(call=call)
    Review.objects.create(
        member=draft_author, application=apps["C"], state=ReviewState.DRAFT, total=Decimal("0")
    )
    assert review_statistics(call)[apps["C"].pk]["count"] == 3


def test_withdrawn_and_ineligible_applications_are_not_ranked():
    call, apps, _reviewers = hand_example()
    eligible(call, number=9, state=ApplicationState.INELIGIBLE)
    eligible(call, number=10, state=ApplicationState.WITHDRAWN)
    ranking = ranking_for_call(call)
    assert [row.application for row in ranking.rows] == [apps["A"], apps["B"], apps["C"]]


def test_an_application_without_reviews_is_ranked_last_without_a_rank():
    call, apps, _reviewers = hand_example()
    unreviewed = eligible(call, number=4)
    ranking = ranking_for_call(call)
    last = ranking.rows[-1]
    assert (last.application, last.rank, last.mean, last.normalised, last.count) == (
        unreviewed,
        None,
        None,
        None,
        0,
    )


def test_the_normalised_method_ranks_by_the_normalised_score():
    # R1 is harsh and scored only X; R2 is lenient and scored only Y; both scored Z and W.
    call = call_in_review()
    x, y, z, w = (eligible(call, number=n) for n in range(1, 5))
    harsh, lenient = members(call, 2)
    submitted_review(member=harsh, application=x, points=[8, 8, 8, 8])  # 80
    submitted_review(member=harsh, application=z, points=[5, 5, 5, 5])  # 50
    submitted_review(member=harsh, application=w, points=[2, 2, 2, 2])  # 20
    submitted_review(member=lenient, application=y, points=[9, 9, 9, 9])  # 90
    submitted_review(member=lenient, application=z, points=[10, 10, 10, 10])  # 100
    submitted_review(member=lenient, application=w, points=[9, 9, 9, 9])  # 90
    raw = ranking_for_call(call)
    assert [row.application for row in raw.rows] == [y, x, z, w]
    settings_row = CallReviewSettings.for_call(call)
    settings_row.ranking_method = RankingMethod.NORMALISED
    settings_row.save()
    normalised = ranking_for_call(call)
    # X is the best of the harsh reviewer's three; Y only the middle of the lenient one's.
    assert [row.application for row in normalised.rows] == [x, z, y, w]
    assert normalised.rows[0].score == normalised.rows[0].normalised


def test_ties_go_to_the_lower_spread_then_the_earlier_submission():
    call = call_in_review()
    later_steady = eligible(call, number=1, submitted_at=SUBMITTED_AT + dt.timedelta(days=2))
    spread = eligible(call, number=2, submitted_at=SUBMITTED_AT)
    early_steady = eligible(call, number=3, submitted_at=SUBMITTED_AT + dt.timedelta(days=1))
    first, second = members(call, 2)
    for application, points in (
        (later_steady, ([5, 5, 5, 5], [5, 5, 5, 5])),
        (spread, ([10, 10, 10, 10], [0, 0, 0, 0])),
        (early_steady, ([5, 5, 5, 5], [5, 5, 5, 5])),
    ):
        submitted_review(member=first, application=application, points=points[0])
        submitted_review(member=second, application=application, points=points[1])
    ranking = ranking_for_call(call)
    assert [row.mean for row in ranking.rows] == [Decimal("50.00")] * 3
    assert [row.application for row in ranking.rows] == [early_steady, later_steady, spread]
