"""Questions about a call: asked by members of an organisation until the clarification
deadline, answered by staff, published without the asker, and mailed to every owner and
editor of each organisation that has started an application to the call."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.enums import MembershipRole
from grants.enums import ApplicationState, CallState
from grants.models import Question
from grants.services.questions import question_answer, question_ask
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(db):
    return CallFactory(title="Prevention in Action 2017")


def _ask(client, call, organisation, text="May an initiative group apply?"):
    return client.post(
        reverse("call_question_ask", args=[call.slug]),
        {"organisation": str(organisation.pk), "text": text},
    )


# --- asking ---------------------------------------------------------------------------------


def test_a_member_asks_a_question_on_behalf_of_their_organisation(
    client, call, applicant_a, organisation_a
):
    client.force_login(applicant_a)
    response = _ask(client, call, organisation_a)
    assert response.status_code == 302
    assert response["Location"] == reverse("call_detail", args=[call.slug]) + "#questions"
    question = Question.objects.get()
    assert (question.call, question.organisation, question.asked_by, question.text) == (
        call,
        organisation_a,
        applicant_a,
        "May an initiative group apply?",
    )
    page = client.get(reverse("call_detail", args=[call.slug])).content.decode()
    assert "Your organisation's questions" in page
    assert "Not answered yet." in page


def test_an_anonymous_visitor_is_sent_to_login_to_ask(client, call, organisation_a):
    response = _ask(client, call, organisation_a)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert Question.objects.count() == 0


def test_a_person_without_an_organisation_cannot_ask(client, call, organisation_a):
    client.force_login(UserFactory())
    response = _ask(client, call, organisation_a, text="Me too?")
    assert response.status_code == 302
    assert Question.objects.count() == 0
    page = client.get(response["Location"]).content.decode()
    assert "Questions are asked on behalf of an organisation" in page


def test_nobody_asks_on_behalf_of_another_organisation(client, call, applicant_b, organisation_a):
    client.force_login(applicant_b)
    response = _ask(client, call, organisation_a)
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert Question.objects.count() == 0


def test_an_empty_question_is_refused(client, call, applicant_a, organisation_a):
    client.force_login(applicant_a)
    response = _ask(client, call, organisation_a, text="   ")
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Question.objects.count() == 0


def test_questions_are_refused_after_the_clarification_deadline(
    client, applicant_a, organisation_a
):
    call = CallFactory(questions_until=timezone.now() - dt.timedelta(minutes=1))
    client.force_login(applicant_a)
    response = _ask(client, call, organisation_a)
    assert response.status_code == 302
    assert Question.objects.count() == 0
    page = client.get(response["Location"]).content.decode()
    assert "Questions about this call are not accepted now." in page
    assert 'name="text"' not in page


def test_questions_on_a_draft_call_are_not_found(client, applicant_a, organisation_a):
    call = CallFactory(state=CallState.DRAFT)
    client.force_login(applicant_a)
    assert _ask(client, call, organisation_a).status_code == 404


def test_question_ask_refuses_a_non_member(call, applicant_b, organisation_a):
    with pytest.raises(PermissionDenied):
        question_ask(call=call, user=applicant_b, organisation=organisation_a, text="Hello?")


# --- answering and publishing --------------------------------------------------------------


@pytest.fixture
def question(call, applicant_a, organisation_a):
    return Question.objects.create(
        call=call,
        organisation=organisation_a,
        asked_by=applicant_a,
        text="May an initiative group apply?",
    )


@pytest.fixture
def applicants(call, organisation_a, organisation_b, applicant_a, applicant_b):
    """Organisation A has a draft, organisation B a withdrawn application; a third
    organisation has none. Each has an editor and a viewer besides its owner."""
    ApplicationFactory(call=call, organisation=organisation_a, state=ApplicationState.DRAFT)
    ApplicationFactory(call=call, organisation=organisation_b, state=ApplicationState.WITHDRAWN)
    ApplicationFactory(organisation=organisation_b)  # to another call: irrelevant here
    people = {"owner_a": applicant_a, "owner_b": applicant_b}
    bystander = OrganisationFactory(name="No application")
    for key, organisation in (("a", organisation_a), ("b", organisation_b), ("c", bystander)):
        for role in (MembershipRole.EDITOR, MembershipRole.VIEWER):
            user = UserFactory(email=f"{role}-{key}@example.org", full_name=f"{role} {key}")
            MembershipFactory(organisation=organisation, user=user, role=role)
            people[f"{role}_{key}"] = user
    people["owner_c"] = UserFactory(email="owner-c@example.org")
    MembershipFactory(organisation=bystander, user=people["owner_c"], role=MembershipRole.OWNER)
    return people


def test_publishing_an_answer_mails_owners_and_editors_of_organisations_with_an_application(
    client, staff, question, applicants, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("staff_question_answer", args=[question.pk]),
            {
                f"q{question.pk}-answer": "Yes, with a letter from the ayil okmotu.",
                f"q{question.pk}-publish": "on",
            },
        )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.published_at is not None
    assert question.answered_by == staff
    assert sorted(message.to[0] for message in mail.outbox) == [
        "alice@example.org",
        "bob@example.org",
        "editor-a@example.org",
        "editor-b@example.org",
    ]
    message = mail.outbox[0]
    assert message.subject == "New answer about the call “Prevention in Action 2017”"
    assert "May an initiative group apply?" in message.body
    assert "Yes, with a letter from the ayil okmotu." in message.body
    assert reverse("call_detail", args=[question.call.slug]) in message.body
    for mailed in mail.outbox:
        assert "Aliya Applicant" not in mailed.body
        assert "Community Safety Jety-Oguz" not in mailed.body


def test_the_published_answer_appears_on_the_call_page(client, staff, question):
    question_answer(question=question, by=staff, answer="Yes.", publish=True)
    content = client.get(reverse("call_detail", args=[question.call.slug])).content.decode()
    assert "May an initiative group apply?" in content
    assert "Aliya Applicant" not in content


def test_correcting_a_published_answer_does_not_mail_again(
    staff, question, applicants, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        question_answer(question=question, by=staff, answer="Yes.", publish=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        question_answer(question=question, by=staff, answer="Yes, of course.", publish=True)
    assert mail.outbox == []
    question.refresh_from_db()
    assert question.answer == "Yes, of course."


def test_a_private_answer_goes_to_the_asker_only_and_stays_off_the_page(
    client, staff, question, applicants, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        question_answer(question=question, by=staff, answer="Only for you.", publish=False)
    assert [message.to for message in mail.outbox] == [["alice@example.org"]]
    assert "Only for you." in mail.outbox[0].body
    content = client.get(reverse("call_detail", args=[question.call.slug])).content.decode()
    assert "Only for you." not in content


def test_an_empty_answer_is_refused_and_nothing_changes(client, staff, question):
    client.force_login(staff)
    response = client.post(
        reverse("staff_question_answer", args=[question.pk]),
        {f"q{question.pk}-answer": "", f"q{question.pk}-publish": "on"},
    )
    assert response.status_code == 200
    assert "Write an answer first." in response.content.decode()
    question.refresh_from_db()
    assert (question.answer, question.published_at) == ("", None)


# --- the staff questions page --------------------------------------------------------------


def test_staff_see_the_questions_of_a_call_with_who_asked(client, staff, question):
    client.force_login(staff)
    response = client.get(reverse("staff_call_questions", args=[question.call.pk]))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [question]
    content = response.content.decode()
    assert "Aliya Applicant (Community Safety Jety-Oguz)" in content
    assert "Not answered" in content


@pytest.mark.parametrize("person", ["applicant_a", "committee_member", "donor_viewer"])
def test_answering_is_not_found_for_anyone_but_staff(client, request, person, question):
    client.force_login(request.getfixturevalue(person))
    response = client.post(
        reverse("staff_question_answer", args=[question.pk]),
        {f"q{question.pk}-answer": "Sure.", f"q{question.pk}-publish": "on"},
    )
    assert response.status_code == 404
    question.refresh_from_db()
    assert question.answer == ""


def test_an_anonymous_visitor_is_sent_to_login_to_answer(client, question):
    response = client.post(reverse("staff_question_answer", args=[question.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
