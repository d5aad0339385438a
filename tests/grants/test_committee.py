"""A call's committee: staff add and remove members and name the chair; members are
told by mail in their language."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.enums import Affiliation, ProgrammeRole
from grants.enums import CallState, ReviewState
from grants.models import Assignment, CommitteeMember, Review
from grants.services.committee import (
    committee_add_member,
    committee_remove_member,
    committee_set_chair,
)
from grants.services.reviews import review_save
from grants.tasks_reviews import committee_member_added_notify, committee_member_removed_notify
from tests.factories import UserFactory, submitted_review
from tests.grants.review_support import (  # noqa: F401
    application_fixture,
    assign,
    declare,
    member_fixture,
    review_call_fixture,
    seat,
)

pytestmark = pytest.mark.django_db


def committee_url(call):
    return reverse("staff_committee", args=[call.pk])


def chairs(call):
    return list(CommitteeMember.objects.filter(call=call, is_chair=True))


# --- adding -------------------------------------------------------------------------------


def test_adding_a_member_keeps_their_role_takes_their_affiliation_and_mails_them(
    staff, committee_member, review_call, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member = committee_add_member(
            call=review_call, user=committee_member, affiliation="", is_chair=False, by=staff
        )
    assert (member.affiliation, member.added_by, member.is_chair) == (
        Affiliation.INDEPENDENT,
        staff,
        False,
    )
    committee_member.refresh_from_db()
    assert committee_member.role == ProgrammeRole.COMMITTEE_MEMBER
    assert [message.to for message in mail.outbox] == [[committee_member.email]]
    assert mail.outbox[0].subject == ("You are on the grant committee of “Small grants 2017”")
    assert "http://" in mail.outbox[0].body and "/review/" in mail.outbox[0].body


def test_an_affiliation_given_by_staff_wins_over_the_profile(staff, committee_member, review_call):
    member = committee_add_member(
        call=review_call, user=committee_member, affiliation=Affiliation.GOVERNMENT, by=staff
    )
    assert member.affiliation == Affiliation.GOVERNMENT


def test_a_member_without_any_affiliation_is_refused(staff, applicant_a, review_call):
    with pytest.raises(ValidationError) as caught:
        committee_add_member(call=review_call, user=applicant_a, affiliation="", by=staff)
    assert list(caught.value.message_dict) == ["affiliation"]
    assert CommitteeMember.objects.count() == 0


def test_the_same_person_cannot_be_added_twice(staff, committee_member, review_call):
    committee_add_member(call=review_call, user=committee_member, by=staff)
    with pytest.raises(ValidationError) as caught:
        committee_add_member(call=review_call, user=committee_member, by=staff)
    assert caught.value.message_dict == {
        "user": ["Chynara Committee is already on this committee."]
    }


def test_a_deactivated_account_cannot_be_added(staff, review_call):
    user = UserFactory(is_active=False, affiliation=Affiliation.NGO)
    with pytest.raises(ValidationError):
        committee_add_member(call=review_call, user=user, by=staff)
    assert CommitteeMember.objects.count() == 0


def test_the_mail_is_written_in_the_members_language(
    staff, review_call, django_capture_on_commit_callbacks, monkeypatch
):
    user = UserFactory(language="ru", affiliation=Affiliation.GOVERNMENT)
    languages = []

    def recording_send(*, to, template, context, language="", dedup_key=""):
        languages.append((to, template, language))

    monkeypatch.setattr("accounts.mail.send_templated", recording_send)
    with django_capture_on_commit_callbacks(execute=True):
        committee_add_member(call=review_call, user=user, by=staff)
    assert languages == [(user.email, "grants/email/committee_added", "ru")]


def test_no_mail_leaves_when_adding_fails(staff, committee_member, review_call):
    committee_add_member(call=review_call, user=committee_member, by=staff)
    mail.outbox.clear()
    with pytest.raises(ValidationError):
        committee_add_member(call=review_call, user=committee_member, by=staff)
    assert mail.outbox == []


def test_the_committee_of_a_decided_call_cannot_change(staff, committee_member, review_call):
    review_call.state = CallState.DECIDED
    review_call.save(update_fields=["state"])
    with pytest.raises(ValidationError):
        committee_add_member(call=review_call, user=committee_member, by=staff)


# --- the chair ----------------------------------------------------------------------------


def test_adding_a_chair_moves_the_chair(staff, committee_member, conflicted_member, review_call):
    first = committee_add_member(call=review_call, user=committee_member, is_chair=True, by=staff)
    second = committee_add_member(call=review_call, user=conflicted_member, is_chair=True, by=staff)
    assert chairs(review_call) == [second]
    first.refresh_from_db()
    assert first.is_chair is False


def test_setting_the_chair_leaves_exactly_one(staff, review_call):
    members = [seat(review_call, UserFactory()) for _n in range(3)]
    committee_set_chair(member=members[0], by=staff)
    committee_set_chair(member=members[2], by=staff)
    assert chairs(review_call) == [members[2]]
    committee_set_chair(member=members[2], by=staff)
    assert chairs(review_call) == [members[2]]


def test_staff_make_a_member_chair_from_the_page(client, staff, review_call):
    members = [seat(review_call, UserFactory()) for _n in range(2)]
    committee_set_chair(member=members[0], by=staff)
    client.force_login(staff)
    response = client.post(
        reverse("staff_committee_chair", args=[review_call.pk, members[1].pk]), follow=True
    )
    assert chairs(review_call) == [members[1]]
    assert "now chairs the committee." in response.content.decode()


def test_the_page_warns_when_there_is_no_chair(client, staff, review_call):
    seat(review_call, UserFactory())
    client.force_login(staff)
    content = client.get(committee_url(review_call)).content.decode()
    assert "The committee has no chair yet" in content


# --- removing -----------------------------------------------------------------------------


def test_removing_a_member_takes_their_assignments_and_mails_them(
    staff, member, application, django_capture_on_commit_callbacks
):
    user = member.user
    with django_capture_on_commit_callbacks(execute=True):
        committee_remove_member(member=member, by=staff)
    assert CommitteeMember.objects.count() == 0
    assert Assignment.objects.count() == 0
    assert [message.to for message in mail.outbox] == [[user.email]]
    assert mail.outbox[0].subject == (
        "You are no longer on the grant committee of “Small grants 2017”"
    )


def test_a_member_with_a_submitted_review_cannot_be_removed(staff, member, application):
    declare(member, application)
    submitted_review(member=member, application=application, points=[5, 5, 5, 5])
    with pytest.raises(ValidationError) as caught:
        committee_remove_member(member=member, by=staff)
    assert caught.value.messages == [
        "Chynara Committee has already submitted 1 review(s) and cannot be removed: "
        "their scores count in the ranking."
    ]
    assert CommitteeMember.objects.count() == 1
    assert Assignment.objects.count() == 1
    assert mail.outbox == []


def test_a_member_who_declared_cannot_be_removed_so_the_record_stays(staff, member, application):
    declare(member, application)
    review_save(member=member, application=application, points={}, comment="Draft")
    with pytest.raises(ValidationError) as caught:
        committee_remove_member(member=member, by=staff)
    assert caught.value.code == "has_declarations"
    assert Review.objects.filter(state=ReviewState.DRAFT).count() == 1


def test_removing_on_the_page_refuses_with_a_clear_message(client, staff, member, application):
    declare(member, application)
    submitted_review(member=member, application=application, points=[5, 5, 5, 5])
    client.force_login(staff)
    response = client.post(
        reverse("staff_committee_remove", args=[member.call_id, member.pk]), follow=True
    )
    assert "has already submitted 1 review(s) and cannot be removed" in response.content.decode()
    assert CommitteeMember.objects.count() == 1


def test_staff_remove_a_member_from_the_page(
    client, staff, member, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("staff_committee_remove", args=[member.call_id, member.pk]), follow=True
        )
    assert "is no longer on the committee" in response.content.decode()
    assert CommitteeMember.objects.count() == 0
    assert [message.to for message in mail.outbox] == [[member.user.email]]


def test_the_removal_mail_is_not_sent_to_someone_named_again(staff, member):
    committee_member_removed_notify(user_id=member.user_id, call_id=member.call_id)
    assert mail.outbox == []


def test_the_mail_tasks_return_quietly_for_what_is_gone(review_call):
    committee_member_added_notify(member_id=987654)
    committee_member_removed_notify(user_id=987654, call_id=review_call.pk)
    assert mail.outbox == []


# --- the page -----------------------------------------------------------------------------


def test_staff_add_a_member_from_the_page(
    client, staff, committee_member, review_call, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("staff_committee_add", args=[review_call.pk]),
            {"user": committee_member.pk, "affiliation": "", "is_chair": "on"},
            follow=True,
        )
    member = CommitteeMember.objects.get()
    assert (member.user, member.is_chair) == (committee_member, True)
    content = response.content.decode()
    assert "Chynara Committee is on the committee and has been told by email." in content
    assert "applicant&#x27;s account" not in content
    assert [message.to for message in mail.outbox] == [[committee_member.email]]


def test_adding_an_applicant_account_warns_staff(client, staff, applicant_b, review_call):
    client.force_login(staff)
    response = client.post(
        reverse("staff_committee_add", args=[review_call.pk]),
        {"user": applicant_b.pk, "affiliation": Affiliation.NGO},
        follow=True,
    )
    assert CommitteeMember.objects.get().user == applicant_b
    assert "Bakyt Outsider has an applicant&#x27;s account." in response.content.decode()
    applicant_b.refresh_from_db()
    assert applicant_b.role == ProgrammeRole.APPLICANT


def test_adding_nobody_is_refused_with_a_message(client, staff, review_call):
    client.force_login(staff)
    response = client.post(reverse("staff_committee_add", args=[review_call.pk]), {"user": ""})
    assert response.status_code == 200
    assert "Choose the person to add." in response.content.decode()
    assert CommitteeMember.objects.count() == 0


def test_the_page_lists_members_with_affiliation_and_chair(client, staff, review_call):
    chair = seat(review_call, UserFactory(full_name="Asel Chair"), affiliation=Affiliation.NGO)
    committee_set_chair(member=chair, by=staff)
    seat(review_call, UserFactory(full_name="Bolot Expert"))
    client.force_login(staff)
    response = client.get(committee_url(review_call))
    assert [member.user.full_name for member in response.context["members"]] == [
        "Asel Chair",
        "Bolot Expert",
    ]
    content = response.content.decode()
    assert "Non-governmental organisation" in content
    assert "Independent expert" in content


def test_the_committee_page_costs_the_same_with_one_or_five_members(
    client, django_assert_num_queries, staff, review_call
):
    seat(review_call, UserFactory())
    client.force_login(staff)
    url = committee_url(review_call)
    # session, user, call, members with their counts, review settings, eligible count,
    # people who may be added (the form's choices).
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200
    for _n in range(4):
        seat(review_call, UserFactory())
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200


def test_the_add_form_offers_at_most_fifty_people_committee_members_first(
    client, staff, review_call, committee_member
):
    from grants.forms.committee import CANDIDATES_SHOWN

    UserFactory.create_batch(CANDIDATES_SHOWN + 5, full_name="Aaron Applicant")
    client.force_login(staff)

    form = client.get(committee_url(review_call)).context["add_form"]

    options = list(form.fields["user"].widget.choices)[1:]
    assert CANDIDATES_SHOWN == 50
    assert len(options) == CANDIDATES_SHOWN
    assert options[0] == (committee_member.pk, "Chynara Committee <charlie@example.org>")


def test_staff_find_anyone_by_part_of_a_name_or_email_and_add_them(client, staff, review_call):
    UserFactory.create_batch(60, full_name="Aaron Applicant")
    wanted = UserFactory(full_name="Zhyldyz Zeinalova", email="zhyldyz@example.org")
    client.force_login(staff)

    found = client.get(committee_url(review_call), {"find": "zeinal"})
    options = list(found.context["add_form"].fields["user"].widget.choices)[1:]
    assert [pk for pk, _label in options] == [wanted.pk]
    assert 'value="zeinal"' in found.content.decode()

    client.post(
        reverse("staff_committee_add", args=[review_call.pk]),
        {"user": wanted.pk, "affiliation": Affiliation.INDEPENDENT},
    )
    assert list(review_call.committee.values_list("user", flat=True)) == [wanted.pk]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("staff", 200),
        ("admin_user", 200),
        ("applicant_a", 404),
        ("applicant_b", 404),
        ("committee_member", 404),
        ("donor_viewer", 404),
    ],
)
def test_only_staff_see_the_committee_page(client, request, who, status, member):
    client.force_login(request.getfixturevalue(who))
    assert client.get(committee_url(member.call)).status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client, review_call):
    response = client.get(committee_url(review_call))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("who", ["applicant_a", "committee_member", "donor_viewer"])
def test_nobody_but_staff_may_change_the_committee(client, request, who, member, conflicted_member):
    client.force_login(request.getfixturevalue(who))
    call = member.call
    urls = [
        (reverse("staff_committee_add", args=[call.pk]), {"user": conflicted_member.pk}),
        (reverse("staff_committee_chair", args=[call.pk, member.pk]), {}),
        (reverse("staff_committee_remove", args=[call.pk, member.pk]), {}),
    ]
    for url, data in urls:
        assert client.post(url, data).status_code == 404
    assert list(CommitteeMember.objects.values_list("user_id", "is_chair")) == [
        (member.user_id, False)
    ]
