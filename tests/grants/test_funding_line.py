"""The proposed funding line: pass mark, budget, the cap per oblast, and staff moving
an application across the line with a reason."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grants.enums import ApplicationState, DecisionOutcome
from grants.models import CallReviewSettings, Decision, FundingLineOverride
from grants.ranking import Candidate, LineStatus, funding_line, ranking_for_call
from grants.services.decisions import funding_override_remove, funding_override_set
from regions.enums import RegionLevel
from tests.factories import (
    CommitteeMemberFactory,
    OrganisationFactory,
    RegionFactory,
    submitted_review,
)
from tests.grants.test_ranking_stats import call_in_review, eligible

pytestmark = pytest.mark.django_db

POINTS_FOR_TOTAL = {
    90: [10, 10, 8, 7],
    80: [10, 10, 5, 5],
    70: [10, 10, 5, 0],
    60: [10, 10, 0, 0],
    50: [5, 5, 5, 5],
    40: [4, 4, 4, 4],
}


def scored(call, member, *, number, total, requested="200000.00", organisation=None):
    application = eligible(call, number=number, requested=requested, organisation=organisation)
    submitted_review(member=member, application=application, points=POINTS_FOR_TOTAL[total])
    return application


def set_review_settings(call, **fields):
    row = CallReviewSettings.for_call(call)
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    return row


def statuses(call):
    return [(row.application.reference, row.status) for row in ranking_for_call(call).rows]


@pytest.fixture
def call():
    return call_in_review(total_budget=Decimal("500000.00"), max_grant=Decimal("300000.00"))


@pytest.fixture
def member(call):
    return CommitteeMemberFactory(call=call)


# --- the pure function ---------------------------------------------------------------------


def test_an_application_that_does_not_fit_is_skipped_and_smaller_ones_below_still_fit():
    candidates = [
        Candidate(key=1, score=Decimal("90"), amount=Decimal("300")),
        Candidate(key=2, score=Decimal("80"), amount=Decimal("300")),
        Candidate(key=3, score=Decimal("70"), amount=Decimal("150")),
    ]
    line = funding_line(candidates, budget=Decimal("500"), pass_mark=Decimal("60"))
    assert line.status == {
        1: LineStatus.PROPOSED,
        2: LineStatus.OVER_BUDGET,
        3: LineStatus.PROPOSED,
    }
    assert (line.committed, line.remaining) == (Decimal("450"), Decimal("50"))


def test_an_approval_holds_its_awarded_amount_and_a_rejection_is_out():
    candidates = [
        Candidate(
            key=1, score=Decimal("90"), amount=Decimal("400"), outcome=DecisionOutcome.REJECT
        ),
        Candidate(
            key=2, score=Decimal("60"), amount=Decimal("250"), outcome=DecisionOutcome.APPROVE
        ),
        Candidate(key=3, score=Decimal("80"), amount=Decimal("300")),
    ]
    line = funding_line(candidates, budget=Decimal("500"), pass_mark=Decimal("50"))
    assert line.status == {
        1: LineStatus.REJECTED,
        2: LineStatus.APPROVED,
        3: LineStatus.OVER_BUDGET,
    }


# --- the ranking of a call -------------------------------------------------------------------


def test_in_rank_order_applications_above_the_pass_mark_are_proposed_within_the_budget(
    call, member
):
    scored(call, member, number=1, total=90)
    scored(call, member, number=2, total=80)
    scored(call, member, number=3, total=70)  # 600,000 would exceed 500,000
    scored(call, member, number=4, total=50, requested="50000.00")  # below the pass mark of 60
    ranking = ranking_for_call(call)
    assert statuses(call) == [
        ("PIA-2017-001", LineStatus.PROPOSED),
        ("PIA-2017-002", LineStatus.PROPOSED),
        ("PIA-2017-003", LineStatus.OVER_BUDGET),
        ("PIA-2017-004", LineStatus.BELOW_PASS_MARK),
    ]
    assert (ranking.line.committed, ranking.line.remaining) == (
        Decimal("400000.00"),
        Decimal("100000.00"),
    )


def test_the_pass_mark_is_inclusive(call, member):
    scored(call, member, number=1, total=60)
    assert statuses(call) == [("PIA-2017-001", LineStatus.PROPOSED)]


def test_the_oblast_cap_keeps_a_third_grant_out_of_one_oblast(call, member):
    set_review_settings(call, oblast_cap=2)
    issyk_kul = RegionFactory(name_en="Issyk-Kul Oblast")
    jety_oguz = RegionFactory(
        name_en="Jety-Oguz District", level=RegionLevel.DISTRICT, parent=issyk_kul
    )
    talas = RegionFactory(name_en="Talas Oblast")
    for number, region in ((1, issyk_kul), (2, jety_oguz), (3, issyk_kul), (4, talas)):
        scored(
            call,
            member,
            number=number,
            total=100 - number * 10,
            requested="100000.00",
            organisation=OrganisationFactory(region=region),
        )
    ranking = ranking_for_call(call)
    assert statuses(call) == [
        ("PIA-2017-001", LineStatus.PROPOSED),
        ("PIA-2017-002", LineStatus.PROPOSED),  # the district counts for its oblast
        ("PIA-2017-003", LineStatus.OBLAST_CAP),
        ("PIA-2017-004", LineStatus.PROPOSED),
    ]
    assert [(oblast.name, count) for oblast, count in ranking.oblast_counts] == [
        ("Issyk-Kul Oblast", 2),
        ("Talas Oblast", 1),
    ]


def test_an_included_application_takes_its_place_first_and_an_excluded_one_is_skipped(
    call, member, staff
):
    first = scored(call, member, number=1, total=90)
    scored(call, member, number=2, total=80)
    scored(call, member, number=3, total=70, requested="100000.00")
    low = scored(call, member, number=4, total=40, requested="250000.00")
    funding_override_set(
        application=low, include=True, reason="Only project in a border village", by=staff
    )
    funding_override_set(
        application=first, include=False, reason="Duplicates a funded project", by=staff
    )
    assert statuses(call) == [
        ("PIA-2017-001", LineStatus.EXCLUDED),
        ("PIA-2017-002", LineStatus.PROPOSED),
        ("PIA-2017-003", LineStatus.OVER_BUDGET),  # 250,000 + 200,000 leave 50,000
        ("PIA-2017-004", LineStatus.INCLUDED),
    ]


def test_an_inclusion_beyond_the_budget_shows_a_negative_remainder(call, member, staff):
    big = scored(call, member, number=1, total=40, requested="300000.00")
    other = scored(call, member, number=2, total=40, requested="300000.00")
    for application in (big, other):
        funding_override_set(
            application=application, include=True, reason="Committee's choice", by=staff
        )
    assert ranking_for_call(call).line.remaining == Decimal("-100000.00")


# --- overrides need a reason ----------------------------------------------------------------


def test_an_override_without_a_reason_is_refused_and_nothing_is_saved(call, member, staff):
    application = scored(call, member, number=1, total=40)
    with pytest.raises(ValidationError) as error:
        funding_override_set(application=application, include=True, reason="   ", by=staff)
    assert error.value.message_dict == {
        "reason": ["Say why the application is moved across the funding line."]
    }
    assert FundingLineOverride.objects.count() == 0


def test_setting_an_override_again_replaces_its_direction_and_reason(call, member, staff):
    application = scored(call, member, number=1, total=40)
    funding_override_set(application=application, include=True, reason="First thought", by=staff)
    funding_override_set(application=application, include=False, reason="Second thought", by=staff)
    assert list(FundingLineOverride.objects.values_list("include", "reason")) == [
        (False, "Second thought")
    ]


def test_removing_an_override_returns_the_application_to_the_automatic_line(call, member, staff):
    application = scored(call, member, number=1, total=40)
    funding_override_set(application=application, include=True, reason="Border village", by=staff)
    funding_override_remove(application=application, by=staff)
    assert statuses(call) == [("PIA-2017-001", LineStatus.BELOW_PASS_MARK)]


def test_a_decided_application_cannot_be_moved_across_the_line(call, member, staff):
    application = scored(call, member, number=1, total=90, requested="100000.00")
    Decision.objects.create(
        application=application, outcome=DecisionOutcome.APPROVE, amount=Decimal("100000"), by=staff
    )
    application.state = ApplicationState.APPROVED
    application.save(update_fields=["state"])
    with pytest.raises(ValidationError):
        funding_override_set(application=application, include=False, reason="Too late", by=staff)
    assert FundingLineOverride.objects.count() == 0


def test_only_staff_may_move_an_application_across_the_line(call, member, committee_member):
    application = scored(call, member, number=1, total=40)
    with pytest.raises(PermissionDenied):
        funding_override_set(
            application=application, include=True, reason="I like it", by=committee_member
        )
