"""The arithmetic of a review: one function computes a reviewer's weighted total."""

from decimal import ROUND_HALF_UP, Decimal

HUNDREDTH = Decimal("0.01")


def weighted_total(points_by_criterion) -> Decimal:
    """Sum over criteria of weight x points / maximum, on 0-100 (weights sum to 100).

    ``points_by_criterion`` yields ``(criterion, points)`` pairs; a criterion not yet
    scored (points None) counts as 0, so a draft's total grows as it is filled in.
    """
    total = Decimal("0")
    for criterion, points in points_by_criterion:
        if points is None:
            continue
        total += Decimal(criterion.weight) * Decimal(points) / Decimal(criterion.max_points)
    return total.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
