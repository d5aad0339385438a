"""Reviews: weighted totals, drafts, submitting and locking, the rubric lock, the
blind rule, and staff's progress page."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from grants.enums import ApplicationState, CallState, Recommendation, ReviewState
from grants.models import Criterion, Review
from grants.services.calls import call_update
from grants.services.reviews import (
    ReviewLocked,
    review_for,
    review_save,
    reviews_counted,
)
from tests.factories import OrganisationFactory, UserFactory, submitted_review
from tests.grants.review_support import (  # noqa: F401
    application_fixture,
    assign,
    call_in_review,
    conflicted_fixture,
    declare,
    eligible,
    member_fixture,
    review_call_fixture,
    seat,
)

pytestmark = pytest.mark.django_db


def criteria_of(call):
    return list(call.criteria.order_by("order", "pk"))


def points_for(call, values):
    return {criterion.pk: value for criterion, value in zip(criteria_of(call), values, strict=True)}


def save(member, application, values, *, submit=False, recommendation="", **kwargs):
    return review_save(
        member=member,
        application=application,
        points=points_for(application.call, values),
        comments=kwargs.pop("comments", {}),
        comment=kwargs.pop("comment", ""),
        recommendation=recommendation,
        submit=submit,
    )


@pytest.fixture
def declared(member, application):
    declare(member, application)
    return member


def score_url(application):
    return reverse("review_score", args=[application.pk])


def form_data(call, values, *, action="save", recommendation="", comment=""):
    data = {"action": action, "recommendation": recommendation, "comment": comment}
    for criterion, value in zip(criteria_of(call), values, strict=True):
        data[f"score_{criterion.pk}"] = "" if value is None else str(value)
        data[f"comment_{criterion.pk}"] = f"About {criterion.name}"
    return data


# --- weighted totals --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([7, 8, 5, 10], Decimal("75.00")),  # 21 + 24 + 10 + 20
        ([10, 10, 10, 10], Decimal("100.00")),
        ([0, 0, 0, 0], Decimal("0.00")),
        ([3, 9, 1, 6], Decimal("50.00")),  # 9 + 27 + 2 + 12
        ([7, None, None, None], Decimal("21.00")),  # a draft: unscored counts as 0
    ],
)
def test_the_stored_total_is_the_weighted_sum_on_0_to_100(declared, application, values, expected):
    review = save(declared, application, values)
    assert review.total == expected
    assert Review.objects.get(pk=review.pk).total == expected


def test_a_total_is_rounded_half_up_to_two_places_with_uneven_maxima(
    committee_member, organisation_a
):
    call = call_in_review(rubric=False)
    Criterion.objects.create(call=call, name="Relevance", weight=50, max_points=3, order=0)
    Criterion.objects.create(call=call, name="Budget", weight=50, max_points=7, order=1)
    application = eligible(call, organisation_a)
    member = seat(call, committee_member)
    assign(member, application)
    declare(member, application)
    # 50 x 1 / 3 = 16.666..., 50 x 4 / 7 = 28.571...: 45.238... -> 45.24
    review = save(member, application, [1, 4])
    assert review.total == Decimal("45.24")


# --- drafts and submitting --------------------------------------------------------------


def test_a_draft_saves_partial_scores_and_comments(declared, application):
    review = save(declared, application, [7, None, 5, None], comment="Promising.", comments={})
    assert review.state == ReviewState.DRAFT
    assert review.submitted_at is None
    assert [score.points for score in review.scores.order_by("criterion__order")] == [
        7,
        None,
        5,
        None,
    ]
    assert review.comment == "Promising."


def test_saving_again_updates_the_same_review(declared, application):
    first = save(declared, application, [7, None, None, None])
    second = save(declared, application, [7, 8, None, None])
    assert first.pk == second.pk
    assert Review.objects.count() == 1
    assert second.total == Decimal("45.00")


def test_submitting_locks_the_review_with_its_time(declared, application):
    review = save(declared, application, [7, 8, 5, 10], submit=True, recommendation="fund")
    assert review.state == ReviewState.SUBMITTED
    assert review.submitted_at is not None
    assert review.recommendation == Recommendation.FUND
    assert review.total == Decimal("75.00")


def test_submitting_needs_every_criterion_scored_and_nothing_is_saved(declared, application):
    save(declared, application, [1, 1, 1, 1])
    with pytest.raises(ValidationError) as caught:
        save(declared, application, [7, None, 5, 10], submit=True, recommendation="fund")
    feasibility = criteria_of(application.call)[1]
    assert caught.value.message_dict == {
        f"score_{feasibility.pk}": ["Feasibility: give a score before submitting."]
    }
    review = review_for(declared, application)
    assert review.state == ReviewState.DRAFT
    assert [score.points for score in review.scores.all()] == [1, 1, 1, 1]


def test_submitting_needs_a_recommendation(declared, application):
    with pytest.raises(ValidationError) as caught:
        save(declared, application, [7, 8, 5, 10], submit=True)
    assert caught.value.message_dict == {
        "recommendation": ["Choose a recommendation before submitting."]
    }
    assert Review.objects.count() == 0


def test_a_score_above_the_maximum_is_refused_and_nothing_is_saved(declared, application):
    save(declared, application, [1, 1, 1, 1])
    with pytest.raises(ValidationError) as caught:
        save(declared, application, [7, 11, 5, 10])
    feasibility = criteria_of(application.call)[1]
    assert caught.value.message_dict == {
        f"score_{feasibility.pk}": ["Feasibility: the score must be between 0 and 10; 11 is not."]
    }
    assert [score.points for score in review_for(declared, application).scores.all()] == [
        1,
        1,
        1,
        1,
    ]


def test_a_negative_score_is_refused(declared, application):
    with pytest.raises(ValidationError):
        save(declared, application, [-1, 1, 1, 1])
    assert Review.objects.count() == 0


def test_a_submitted_review_cannot_change(declared, application):
    save(declared, application, [7, 8, 5, 10], submit=True, recommendation="fund")
    with pytest.raises(ReviewLocked):
        save(declared, application, [1, 1, 1, 1], recommendation="do_not_fund")
    review = review_for(declared, application)
    assert review.total == Decimal("75.00")
    assert review.recommendation == "fund"


def test_scoring_is_refused_once_the_call_is_decided(declared, application, review_call):
    review_call.state = CallState.DECIDED
    review_call.save(update_fields=["state"])
    application.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        save(declared, application, [7, 8, 5, 10])
    assert caught.value.messages == ["Scoring is closed: the call is no longer in review."]


def test_scoring_is_refused_for_a_withdrawn_application(declared, application):
    application.state = ApplicationState.WITHDRAWN
    application.save(update_fields=["state"])
    with pytest.raises(ValidationError) as caught:
        save(declared, application, [7, 8, 5, 10])
    assert caught.value.messages == ["Scoring is closed for this application: it is “Withdrawn”."]


def test_scoring_before_declaring_is_refused(member, application):
    with pytest.raises(ValidationError) as caught:
        save(member, application, [7, 8, 5, 10])
    assert caught.value.messages == ["Declare whether you have a conflict of interest first."]


def test_a_conflicted_member_can_have_no_review(conflicted, application):
    with pytest.raises(ValidationError) as caught:
        save(conflicted, application, [7, 8, 5, 10])
    assert caught.value.messages == ["You declared a conflict of interest with this application."]
    assert Review.objects.count() == 0


def test_only_submitted_reviews_of_unconflicted_members_count(
    declared, application, conflicted, review_call
):
    counted = save(declared, application, [7, 8, 5, 10], submit=True, recommendation="fund")
    other = seat(review_call, UserFactory())
    assign(other, application)
    declare(other, application)
    save(other, application, [1, None, None, None])  # a draft
    assert list(reviews_counted()) == [counted]


# --- the rubric lock --------------------------------------------------------------------


def test_the_rubric_locks_at_the_first_submitted_review(declared, application, review_call):
    save(declared, application, [7, 8, 5, None])
    review_call.refresh_from_db()
    assert review_call.rubric_locked_at is None

    save(declared, application, [7, 8, 5, 10], submit=True, recommendation="fund")
    review_call.refresh_from_db()
    assert review_call.rubric_locked_at is not None


def test_a_later_submission_keeps_the_first_lock_time(declared, application, review_call):
    save(declared, application, [7, 8, 5, 10], submit=True, recommendation="fund")
    review_call.refresh_from_db()
    first_lock = review_call.rubric_locked_at
    other = seat(review_call, UserFactory())
    assign(other, application)
    declare(other, application)
    save(other, application, [1, 1, 1, 1], submit=True, recommendation="do_not_fund")
    review_call.refresh_from_db()
    assert review_call.rubric_locked_at == first_lock


def test_changing_the_criteria_is_refused_once_the_rubric_is_locked(
    declared, application, review_call
):
    save(declared, application, [7, 8, 5, 10], submit=True, recommendation="fund")
    # Even were the call editable again, its locked rubric could not change.
    type(review_call).objects.filter(pk=review_call.pk).update(state=CallState.PUBLISHED)
    changed = [
        {"id": c.pk, "name": c.name, "description": c.description, "weight": w, "max_points": 10}
        for c, w in zip(criteria_of(review_call), [40, 20, 20, 20], strict=True)
    ]
    with pytest.raises(ValidationError) as caught:
        call_update(call=review_call, criteria=changed)
    assert caught.value.code == "rubric_locked"
    assert [c.weight for c in criteria_of(review_call)] == [30, 30, 20, 20]


# --- the scoring page -------------------------------------------------------------------


def test_the_scoring_page_shows_the_application_beside_the_rubric(client, declared, application):
    client.force_login(declared.user)
    response = client.get(score_url(application))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Secret summary of application 1." in content
    for criterion in criteria_of(application.call):
        assert f'name="score_{criterion.pk}"' in content
        assert f'data-weight="{criterion.weight}"' in content
    assert 'data-max="10"' in content
    assert "js/scoring.js" in content
    assert "css/scoring.css" in content


def test_saving_a_draft_on_the_page_recomputes_the_total(client, declared, application):
    client.force_login(declared.user)
    response = client.post(score_url(application), form_data(application.call, [7, 8, None, 10]))
    assert response.status_code == 302
    review = review_for(declared, application)
    assert review.state == ReviewState.DRAFT
    assert review.total == Decimal("65.00")
    page = client.get(score_url(application)).content.decode()
    assert "Draft saved at" in page
    assert 'value="7"' in page


def test_submitting_on_the_page_locks_the_form(client, declared, application):
    client.force_login(declared.user)
    data = form_data(application.call, [7, 8, 5, 10], action="submit", recommendation="fund")
    client.post(score_url(application), data)
    review = review_for(declared, application)
    assert review.state == ReviewState.SUBMITTED
    page = client.get(score_url(application)).content.decode()
    assert "Your review is submitted (total 75.00)" in page
    assert 'name="score_' not in page
    assert "75.00" in page


def test_a_submitted_review_refuses_a_post_with_a_message(client, declared, application):
    save(declared, application, [7, 8, 5, 10], submit=True, recommendation="fund")
    client.force_login(declared.user)
    data = form_data(application.call, [1, 1, 1, 1], action="submit", recommendation="do_not_fund")
    response = client.post(score_url(application), data, follow=True)
    assert "Your review was submitted and can no longer be changed." in response.content.decode()
    review = review_for(declared, application)
    assert review.total == Decimal("75.00")
    assert review.recommendation == "fund"


def test_a_score_above_the_maximum_on_the_page_says_so_and_keeps_the_input(
    client, declared, application
):
    client.force_login(declared.user)
    response = client.post(score_url(application), form_data(application.call, [7, 12, 5, 10]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Feasibility: the score must be between 0 and 10." in content
    assert 'value="12"' in content
    assert Review.objects.count() == 0


def test_submitting_an_incomplete_review_on_the_page_lists_what_is_missing(
    client, declared, application
):
    client.force_login(declared.user)
    data = form_data(application.call, [7, None, 5, 10], action="submit")
    response = client.post(score_url(application), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Feasibility: give a score before submitting." in content
    assert "Choose a recommendation before submitting." in content
    assert Review.objects.count() == 0


def test_the_page_is_read_only_once_the_call_is_decided(client, declared, application):
    save(declared, application, [7, None, None, None])
    type(application.call).objects.filter(pk=application.call_id).update(state=CallState.DECIDED)
    client.force_login(declared.user)
    page = client.get(score_url(application)).content.decode()
    assert "Scoring is closed for this application." in page
    assert 'name="score_' not in page
    response = client.post(score_url(application), form_data(application.call, [9, 9, 9, 9]))
    assert response.status_code == 302
    assert review_for(declared, application).total == Decimal("21.00")


# --- the blind rule ---------------------------------------------------------------------


@pytest.fixture
def colleague(review_call, application):
    """Another member who submitted a review of ``application``."""
    user = UserFactory(full_name="Gulnara Government")
    other = seat(review_call, user)
    assign(other, application)
    declare(other, application)
    submitted_review(
        member=other,
        application=application,
        points=[2, 3, 4, 5],
        recommendation="do_not_fund",
        comment="Weak partnership with the ayil okmotu.",
    )
    return other


def test_a_member_sees_no_other_scores_before_submitting(client, declared, colleague, application):
    client.force_login(declared.user)
    page = client.get(score_url(application)).content.decode()
    assert "Gulnara Government" not in page
    assert "Weak partnership with the ayil okmotu." not in page
    assert "Other members" not in page


def test_a_member_sees_others_submitted_scores_after_submitting(
    client, declared, colleague, application
):
    save(declared, application, [7, 8, 5, 10], submit=True, recommendation="fund")
    client.force_login(declared.user)
    page = client.get(score_url(application)).content.decode()
    assert "Gulnara Government" in page
    assert "Weak partnership with the ayil okmotu." in page
    assert "33.00" in page  # 6 + 9 + 8 + 10
    assert "Do not fund" in page


def test_drafts_of_others_are_never_shown(client, declared, application, review_call):
    other = seat(review_call, UserFactory(full_name="Dinara Drafting"))
    assign(other, application)
    declare(other, application)
    save(other, application, [1, 1, None, None], comment="Half-way thoughts.")
    save(declared, application, [7, 8, 5, 10], submit=True, recommendation="fund")
    client.force_login(declared.user)
    page = client.get(score_url(application)).content.decode()
    assert "Dinara Drafting" not in page
    assert "Half-way thoughts." not in page
    assert "No other member has submitted a review of this application yet." in page


# --- query counts -----------------------------------------------------------------------


def test_the_scoring_page_costs_the_same_with_one_or_several_criteria(
    client, django_assert_num_queries, committee_member, organisation_a
):
    def page_queries(criteria_count):
        call = call_in_review(rubric=False)
        for order in range(criteria_count):
            Criterion.objects.create(
                call=call,
                name=f"Criterion {order}",
                weight=100 // criteria_count,
                max_points=10,
                order=order,
            )
        application = eligible(call, OrganisationFactory(region=organisation_a.region))
        member = seat(call, committee_member)
        assign(member, application)
        declare(member, application)
        review_save(member=member, application=application, points={}, comment="Draft.")
        return score_url(application)

    client.force_login(committee_member)
    one, several = page_queries(1), page_queries(5)
    # session, user, assignment (with declaration and review state), application,
    # its 6 prefetched parts, criteria, own review and its scores, others' reviews
    # (blind: none until submitting); the budget's sum is stored on the application.
    with django_assert_num_queries(14):
        assert client.get(one).status_code == 200
    with django_assert_num_queries(14):
        assert client.get(several).status_code == 200


def test_the_queue_costs_the_same_with_one_or_several_applications(
    client, django_assert_num_queries, review_call, committee_member
):
    member = seat(review_call, committee_member)
    organisation = OrganisationFactory()
    first = eligible(review_call, organisation, 1)
    assign(member, first)
    client.force_login(committee_member)
    url = reverse("review_queue")
    # session, user, seats with their counts, page count, page rows (statuses annotated).
    with django_assert_num_queries(5):
        assert client.get(url).status_code == 200
    for number in range(2, 6):
        application = eligible(review_call, organisation, number)
        assign(member, application)
        if number % 2:
            declare(member, application)
    with django_assert_num_queries(5):
        response = client.get(url)
    # one link per application (the menu's "Scoring queue" link is /review/ itself)
    assert len(re.findall(r'href="/review/\d+/', response.content.decode())) == 5


# --- staff's progress page --------------------------------------------------------------


def test_progress_counts_submitted_of_due_per_member_and_per_application(
    client, staff, declared, conflicted, application, review_call, colleague
):
    save(declared, application, [7, 8, 5, None])  # a draft
    client.force_login(staff)
    response = client.get(reverse("staff_review_progress", args=[review_call.pk]))
    assert response.status_code == 200
    members = {member.user: member for member in response.context["members"]}
    assert (members[declared.user].submitted, members[declared.user].due) == (0, 1)
    assert members[declared.user].drafts == 1
    assert (members[conflicted.user].due, members[conflicted.user].conflicts) == (0, 1)
    assert (members[colleague.user].submitted, members[colleague.user].due) == (1, 1)
    [row] = response.context["page"].object_list
    assert (row.submitted, row.due, row.drafts, row.conflicts) == (1, 2, 1, 1)
    content = response.content.decode()
    assert "My sister chairs this organisation." in content
    assert "33.00" in content
    assert "<form" not in content.split('id="main"')[1]  # staff read, never edit


def test_the_progress_page_costs_the_same_with_one_or_five_applications(
    client, django_assert_num_queries, staff, review_call, committee_member
):
    member = seat(review_call, committee_member)
    organisation = OrganisationFactory()
    url = reverse("staff_review_progress", args=[review_call.pk])

    def add(number):
        application = eligible(review_call, organisation, number)
        assign(member, application)
        declare(member, application)
        submitted_review(member=member, application=application, points=[5, 5, 5, 5])

    add(1)
    client.force_login(staff)
    # session, user, call, members with counts, page count, page rows, their
    # submitted reviews, those reviews' scores, criteria, conflicts.
    with django_assert_num_queries(10):
        assert client.get(url).status_code == 200
    for number in range(2, 6):
        add(number)
    with django_assert_num_queries(10):
        assert client.get(url).status_code == 200
