"""Assignment of eligible applications to committee members: everyone everything, or
a number of reviewers per application with the load balanced; never a member's own
organisation; idempotent."""

from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.enums import MembershipRole
from grants.enums import ApplicationState, CallState
from grants.models import Assignment, CallReviewSettings
from grants.services.committee import assignments_make
from tests.factories import (
    ApplicationFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.grants.review_support import (  # noqa: F401
    call_in_review,
    declare,
    eligible,
    review_call_fixture,
    seat,
)

pytestmark = pytest.mark.django_db


def per_application(call, number):
    settings_row = CallReviewSettings.for_call(call)
    settings_row.reviewers_per_application = number
    settings_row.save()


def pairs(call):
    return set(
        Assignment.objects.filter(member__call=call).values_list("member_id", "application_id")
    )


def loads(members):
    counts = Counter(
        Assignment.objects.filter(member__in=members).values_list("member_id", flat=True)
    )
    return [counts[member.pk] for member in members]


@pytest.fixture
def members(review_call):
    return [seat(review_call, UserFactory(full_name=f"Member {n}")) for n in range(4)]


@pytest.fixture
def applications(review_call):
    return [eligible(review_call, OrganisationFactory(), number) for number in range(1, 11)]


def test_without_a_number_every_member_gets_every_eligible_application(
    review_call, members, applications
):
    result = assignments_make(call=review_call)
    assert result.created == 40
    assert result.shortfall == []
    assert pairs(review_call) == {(m.pk, a.pk) for m in members for a in applications}


def test_only_eligible_applications_are_assigned(review_call, members):
    application = eligible(review_call, OrganisationFactory(), 1)
    for state in (
        ApplicationState.DRAFT,
        ApplicationState.SUBMITTED,
        ApplicationState.INELIGIBLE,
        ApplicationState.WITHDRAWN,
    ):
        ApplicationFactory(call=review_call, state=state)
    assignments_make(call=review_call)
    assert {application_id for _m, application_id in pairs(review_call)} == {application.pk}


def test_ten_applications_four_members_two_each_give_equal_loads(
    review_call, members, applications
):
    per_application(review_call, 2)
    result = assignments_make(call=review_call)
    assert result.created == 20
    assert loads(members) == [5, 5, 5, 5]
    per_app = Counter(application_id for _m, application_id in pairs(review_call))
    assert sorted(per_app.values()) == [2] * 10


def test_the_balancing_is_deterministic(review_call, members, applications):
    per_application(review_call, 2)
    assignments_make(call=review_call)
    first = [m.pk for m in members[:2]]
    assert (
        sorted(
            Assignment.objects.filter(application=applications[0]).values_list(
                "member_id", flat=True
            )
        )
        == first
    )


def test_a_member_never_gets_an_application_of_their_own_organisation(
    review_call, members, organisation_a
):
    MembershipFactory(organisation=organisation_a, user=members[0].user, role=MembershipRole.VIEWER)
    own = eligible(review_call, organisation_a, 1)
    other = eligible(review_call, OrganisationFactory(), 2)
    assignments_make(call=review_call)
    assert (members[0].pk, own.pk) not in pairs(review_call)
    assert (members[0].pk, other.pk) in pairs(review_call)


def test_the_own_organisation_rule_holds_when_balancing(review_call, members, organisation_a):
    for member in members[:3]:
        MembershipFactory(organisation=organisation_a, user=member.user)
    own = eligible(review_call, organisation_a, 1)
    per_application(review_call, 2)
    result = assignments_make(call=review_call)
    assert list(Assignment.objects.filter(application=own).values_list("member_id", flat=True)) == [
        members[3].pk
    ]
    assert [(application, missing) for application, missing in result.shortfall] == [(own, 1)]


def test_too_few_members_assigns_as_many_as_possible_and_reports_the_shortfall(
    review_call, applications
):
    only = [seat(review_call, UserFactory()) for _n in range(2)]
    per_application(review_call, 3)
    result = assignments_make(call=review_call)
    assert result.created == 20
    assert loads(only) == [10, 10]
    assert len(result.shortfall) == 10
    assert result.missing == 10


def test_running_again_changes_nothing(review_call, members, applications):
    per_application(review_call, 2)
    assignments_make(call=review_call)
    before = set(Assignment.objects.values_list("pk", "member_id", "application_id"))
    result = assignments_make(call=review_call)
    assert result.created == 0
    assert set(Assignment.objects.values_list("pk", "member_id", "application_id")) == before


def test_running_again_fills_gaps_for_new_members_and_applications(
    review_call, members, applications
):
    assignments_make(call=review_call)
    before = set(Assignment.objects.values_list("pk", "member_id", "application_id"))
    newcomer = seat(review_call, UserFactory())
    late = eligible(review_call, OrganisationFactory(), 11)
    result = assignments_make(call=review_call)
    assert result.created == 11 + 4  # the newcomer everything, the new one to the others
    after = set(Assignment.objects.values_list("pk", "member_id", "application_id"))
    assert before < after
    assert (newcomer.pk, late.pk) in pairs(review_call)


def test_running_again_keeps_existing_assignments_when_the_number_drops(
    review_call, members, applications
):
    assignments_make(call=review_call)
    per_application(review_call, 1)
    result = assignments_make(call=review_call)
    assert result.created == 0
    assert Assignment.objects.count() == 40


def test_a_reviewer_lost_to_a_conflict_is_replaced_on_the_next_run(review_call, members):
    application = eligible(review_call, OrganisationFactory(), 1)
    per_application(review_call, 2)
    assignments_make(call=review_call)
    declare(members[0], application, conflict=True)
    result = assignments_make(call=review_call)
    assert result.created == 1
    assert sorted(
        Assignment.objects.filter(application=application).values_list("member_id", flat=True)
    ) == [members[0].pk, members[1].pk, members[2].pk]


def test_the_least_loaded_members_get_new_applications(review_call, members):
    per_application(review_call, 2)
    for number in range(1, 3):
        eligible(review_call, OrganisationFactory(), number)
    assignments_make(call=review_call)  # members 0-1 and 2-3
    assert loads(members) == [1, 1, 1, 1]
    newcomer = seat(review_call, UserFactory())
    late = eligible(review_call, OrganisationFactory(), 3)
    assignments_make(call=review_call)
    assert sorted(
        Assignment.objects.filter(application=late).values_list("member_id", flat=True)
    ) == sorted([newcomer.pk, members[0].pk])


def test_applications_are_assigned_only_while_the_call_is_in_review(members):
    call = call_in_review()
    call.state = CallState.CLOSED
    call.save(update_fields=["state"])
    with pytest.raises(ValidationError) as caught:
        assignments_make(call=call)
    assert caught.value.code == "not_in_review"


# --- the form on the committee page ---------------------------------------------------


def test_staff_set_the_number_and_assign_from_the_committee_page(
    client, staff, review_call, members, applications
):
    client.force_login(staff)
    response = client.post(
        reverse("staff_committee_assign", args=[review_call.pk]),
        {"reviewers_per_application": "2"},
        follow=True,
    )
    assert CallReviewSettings.for_call(review_call).reviewers_per_application == 2
    assert loads(members) == [5, 5, 5, 5]
    assert "20 new assignments made." in response.content.decode()


def test_an_empty_number_means_everyone_reviews_everything(
    client, staff, review_call, members, applications
):
    per_application(review_call, 2)
    client.force_login(staff)
    client.post(
        reverse("staff_committee_assign", args=[review_call.pk]),
        {"reviewers_per_application": ""},
    )
    assert CallReviewSettings.for_call(review_call).reviewers_per_application is None
    assert Assignment.objects.count() == 40


def test_the_page_reports_a_shortfall(client, staff, review_call, applications):
    seat(review_call, UserFactory())
    client.force_login(staff)
    response = client.post(
        reverse("staff_committee_assign", args=[review_call.pk]),
        {"reviewers_per_application": "2"},
        follow=True,
    )
    content = response.content.decode()
    assert "10 applications are short of reviewers" in content
    assert f"{applications[0].reference} (-1)" in content


def test_zero_reviewers_is_refused_and_nothing_is_saved(client, staff, review_call, members):
    eligible(review_call, OrganisationFactory(), 1)
    client.force_login(staff)
    response = client.post(
        reverse("staff_committee_assign", args=[review_call.pk]),
        {"reviewers_per_application": "0"},
    )
    assert response.status_code == 200
    assert "At least one reviewer per application." in response.content.decode()
    assert CallReviewSettings.for_call(review_call).reviewers_per_application is None
    assert Assignment.objects.count() == 0


def test_assigning_before_review_says_why_and_saves_nothing(client, staff, members):
    call = call_in_review()
    call.state = CallState.CLOSED
    call.save(update_fields=["state"])
    client.force_login(staff)
    response = client.post(
        reverse("staff_committee_assign", args=[call.pk]),
        {"reviewers_per_application": "2"},
        follow=True,
    )
    assert "Applications are assigned once the call is in review" in response.content.decode()
    assert CallReviewSettings.for_call(call).reviewers_per_application is None


@pytest.mark.parametrize("who", ["applicant_a", "applicant_b", "committee_member", "donor_viewer"])
def test_nobody_but_staff_may_assign(client, request, who, review_call, members, applications):
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        reverse("staff_committee_assign", args=[review_call.pk]),
        {"reviewers_per_application": "2"},
    )
    assert response.status_code == 404
    assert Assignment.objects.count() == 0
