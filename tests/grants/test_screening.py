"""Eligibility screening: the service, the staff form, the mail to the organisation."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.enums import MembershipRole
from grants.enums import ApplicationState, CallState, IneligibilityReason
from grants.models import Application
from grants.services.screening import application_screen
from grants.services.states import StaleStateError, timeline_for
from grants.tasks_screening import application_screening_notify
from tests.factories import ApplicationFactory, CallFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def submitted(organisation, *, call=None, state=ApplicationState.SUBMITTED, number=7):
    return ApplicationFactory(
        call=call or CallFactory(title="Small grants 2017"),
        organisation=organisation,
        state=state,
        sequence=number,
        reference=f"PIA-2017-{number:03d}",
        title="Safer roads to school",
        submitted_at=dt.datetime(2017, 5, 3, 8, 0, tzinfo=dt.UTC),
    )


@pytest.fixture
def application(organisation_a):
    return submitted(organisation_a)


@pytest.fixture
def editor_ru(organisation_a):
    """An editor of organisation A who reads the portal in Russian."""
    user = UserFactory(email="elena@example.org", full_name="Elena Editor", language="ru")
    MembershipFactory(organisation=organisation_a, user=user, role=MembershipRole.EDITOR)
    return user


@pytest.fixture
def viewer_a(organisation_a):
    user = UserFactory(email="vera@example.org", full_name="Vera Viewer")
    MembershipFactory(organisation=organisation_a, user=user, role=MembershipRole.VIEWER)
    return user


def screen_url(application):
    return reverse("staff_application_screen", args=[application.pk])


def post_screening(client, application, **data):
    data.setdefault("expected_state", application.state)
    return client.post(screen_url(application), data)


# --- the service -------------------------------------------------------------------


def test_marking_eligible_records_who_and_tells_owners_and_editors(
    staff,
    application,
    applicant_a,
    editor_ru,
    viewer_a,
    applicant_b,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        application_screen(
            application=application,
            by=staff,
            eligible=True,
            expected_state=ApplicationState.SUBMITTED,
        )
    application.refresh_from_db()
    assert application.state == ApplicationState.ELIGIBLE
    [step] = timeline_for(application)
    assert (step.from_state, step.to_state, step.by, step.reason) == (
        "submitted",
        "eligible",
        staff,
        "",
    )
    assert sorted(message.to[0] for message in mail.outbox) == [
        "alice@example.org",
        "elena@example.org",
    ]
    english = next(message for message in mail.outbox if message.to == ["alice@example.org"])
    assert english.subject == "Application PIA-2017-007 is eligible"
    assert "has passed the eligibility check" in english.body


def test_each_recipient_gets_the_mail_rendered_in_their_own_language(
    staff, application, applicant_a, editor_ru, django_capture_on_commit_callbacks, monkeypatch
):
    import accounts.mail

    languages = {}
    real_send = accounts.mail.send_templated

    def recording_send(*, to, template, context, language="", dedup_key=""):
        languages[to] = language
        real_send(to=to, template=template, context=context, language=language, dedup_key=dedup_key)

    monkeypatch.setattr(accounts.mail, "send_templated", recording_send)
    with django_capture_on_commit_callbacks(execute=True):
        application_screen(
            application=application, by=staff, eligible=True, expected_state="submitted"
        )
    assert languages == {"alice@example.org": "en", "elena@example.org": "ru"}
    assert sorted(message.to[0] for message in mail.outbox) == [
        "alice@example.org",
        "elena@example.org",
    ]


def test_marking_ineligible_records_the_reason_and_tells_the_applicant_why(
    staff, application, applicant_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        application_screen(
            application=application,
            by=staff,
            eligible=False,
            reason_code=IneligibilityReason.REGION,
            note="Bishkek is not among the call's regions.",
            expected_state=ApplicationState.SUBMITTED,
        )
    application.refresh_from_db()
    assert application.state == ApplicationState.INELIGIBLE
    [step] = timeline_for(application)
    assert step.reason == (
        "Project location outside the eligible regions: Bishkek is not among the call's regions."
    )
    [message] = mail.outbox
    assert message.to == ["alice@example.org"]
    assert message.subject == "Application PIA-2017-007 is not eligible"
    assert "Reason: Project location outside the eligible regions" in message.body
    assert "Bishkek is not among the call's regions." in message.body
    assert "grants@example.org" in message.body


def test_ineligible_without_a_reason_is_refused_and_nothing_changes(
    staff, application, applicant_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as error:
        application_screen(
            application=application, by=staff, eligible=False, expected_state="submitted"
        )
    assert error.value.message_dict == {
        "reason_code": ["Choose the reason why the application is ineligible."]
    }
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED
    assert list(timeline_for(application)) == []
    assert mail.outbox == []


def test_other_reason_needs_an_explanation(staff, application):
    with pytest.raises(ValidationError) as error:
        application_screen(
            application=application,
            by=staff,
            eligible=False,
            reason_code=IneligibilityReason.OTHER,
            note="   ",
            expected_state="submitted",
        )
    assert error.value.message_dict == {"note": ["Explain the reason: you chose “Other reason”."]}


def test_reversing_a_decision_needs_a_reason(staff, application):
    application_screen(application=application, by=staff, eligible=True, expected_state="submitted")
    with pytest.raises(ValidationError) as error:
        application_screen(
            application=application,
            by=staff,
            eligible=False,
            reason_code=IneligibilityReason.DOCUMENTS,
            expected_state="eligible",
        )
    assert error.value.message_dict == {"note": ["Say why the earlier decision is being changed."]}
    application.refresh_from_db()
    assert application.state == ApplicationState.ELIGIBLE


def test_a_decision_is_reversed_with_a_reason_and_the_applicant_told_again(
    staff, application, applicant_a, django_capture_on_commit_callbacks
):
    application_screen(
        application=application,
        by=staff,
        eligible=False,
        reason_code=IneligibilityReason.DOCUMENTS,
        expected_state="submitted",
    )
    with django_capture_on_commit_callbacks(execute=True):
        application_screen(
            application=application,
            by=staff,
            eligible=True,
            note="The letter of support arrived by post on time.",
            expected_state="ineligible",
        )
    application.refresh_from_db()
    assert application.state == ApplicationState.ELIGIBLE
    assert [(step.to_state, step.reason) for step in timeline_for(application)] == [
        ("ineligible", "Required documents missing or invalid"),
        ("eligible", "The letter of support arrived by post on time."),
    ]
    assert [message.subject for message in mail.outbox] == ["Application PIA-2017-007 is eligible"]


def test_screening_is_refused_once_the_call_is_in_review(staff, organisation_a):
    application = submitted(
        organisation_a,
        call=CallFactory(state=CallState.IN_REVIEW),
        state=ApplicationState.ELIGIBLE,
    )
    with pytest.raises(ValidationError) as error:
        application_screen(
            application=application,
            by=staff,
            eligible=False,
            reason_code=IneligibilityReason.AMOUNT,
            note="Over the maximum grant.",
            expected_state="eligible",
        )
    assert error.value.messages == [
        "The call's review has started: screening decisions can no longer be made or changed."
    ]
    application.refresh_from_db()
    assert application.state == ApplicationState.ELIGIBLE


def test_marking_the_same_decision_twice_is_refused(staff, application):
    application_screen(application=application, by=staff, eligible=True, expected_state="submitted")
    with pytest.raises(ValidationError) as error:
        application_screen(
            application=application,
            by=staff,
            eligible=True,
            note="Again",
            expected_state="eligible",
        )
    assert error.value.messages == ["This application is already marked “Eligible”."]
    assert len(timeline_for(application)) == 1


def test_a_withdrawn_application_cannot_be_screened(staff, organisation_a):
    application = submitted(organisation_a, state=ApplicationState.WITHDRAWN)
    with pytest.raises(ValidationError) as error:
        application_screen(
            application=application, by=staff, eligible=True, expected_state="withdrawn"
        )
    assert error.value.messages == ["A “Withdrawn” application cannot be screened."]


def test_screening_from_a_stale_page_is_refused(
    staff, application, django_capture_on_commit_callbacks
):
    application_screen(application=application, by=staff, eligible=True, expected_state="submitted")
    # A second member of staff still has the page showing "submitted".
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(StaleStateError) as error:
        application_screen(
            application=application,
            by=staff,
            eligible=False,
            reason_code=IneligibilityReason.LATE,
            note="Late",
            expected_state="submitted",
        )
    assert error.value.messages == [
        "Someone else changed this a moment ago: it is now “Eligible”. Please reload."
    ]
    application.refresh_from_db()
    assert application.state == ApplicationState.ELIGIBLE


def test_only_programme_staff_may_screen(applicant_a, application):
    with pytest.raises(PermissionDenied):
        application_screen(
            application=application, by=applicant_a, eligible=True, expected_state="submitted"
        )


# --- the task ------------------------------------------------------------------------


def test_mail_is_not_sent_when_the_decision_changed_again_before_it_left(
    staff, application, applicant_a
):
    application_screen(
        application=application,
        by=staff,
        eligible=False,
        reason_code=IneligibilityReason.LATE,
        expected_state="submitted",
    )
    mail.outbox.clear()
    application_screening_notify(application_id=application.pk, eligible=True)
    assert mail.outbox == []


def test_mail_task_returns_quietly_for_a_deleted_application(applicant_a):
    application_screening_notify(application_id=999_999, eligible=True)
    assert mail.outbox == []


# --- the view ------------------------------------------------------------------------


def test_staff_marks_an_application_eligible_from_its_page(
    client, staff, application, applicant_a, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_screening(client, application, decision="eligible")
    assert response.status_code == 302
    assert response["Location"] == reverse("staff_application_detail", args=[application.pk])
    application.refresh_from_db()
    assert application.state == ApplicationState.ELIGIBLE
    assert [message.to for message in mail.outbox] == [["alice@example.org"]]


def test_ineligible_without_reason_on_the_page_shows_the_message_and_keeps_the_note(
    client, staff, application
):
    client.force_login(staff)
    response = post_screening(
        client, application, decision="ineligible", note="Checked the documents twice."
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "reason_code": ["Choose the reason why the application is ineligible."]
    }
    html = response.content.decode()
    assert "Choose the reason why the application is ineligible." in html
    assert "Checked the documents twice." in html
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED
    assert list(timeline_for(application)) == []


def test_no_decision_chosen_is_refused_with_a_message(client, staff, application):
    client.force_login(staff)
    response = post_screening(client, application, reason_code="", note="")
    assert response.context["form"].errors == {"decision": ["Choose eligible or ineligible."]}
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED


def test_an_unknown_reason_is_refused(client, staff, application):
    client.force_login(staff)
    response = post_screening(client, application, decision="ineligible", reason_code="bribe")
    assert list(response.context["form"].errors) == ["reason_code"]
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED


def test_the_slower_of_two_staff_is_told_someone_else_changed_it(client, staff, application):
    other_staff = UserFactory(role="staff")
    application_screen(
        application=application, by=other_staff, eligible=True, expected_state="submitted"
    )
    client.force_login(staff)
    response = client.post(
        screen_url(application),
        {
            "decision": "ineligible",
            "reason_code": "late",
            "note": "Arrived a day late",
            "expected_state": "submitted",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Someone else changed this a moment ago: it is now “Eligible”. Please reload."
    ]
    # The page now shows the current state, and what was typed is still there.
    assert response.context["application"].state == ApplicationState.ELIGIBLE
    assert response.context["form"]["expected_state"].value() == "eligible"
    assert "Arrived a day late" in response.content.decode()
    application.refresh_from_db()
    assert application.state == ApplicationState.ELIGIBLE


def test_screening_refused_on_the_page_once_the_call_is_in_review(client, staff, organisation_a):
    application = submitted(organisation_a, call=CallFactory(state=CallState.IN_REVIEW))
    client.force_login(staff)
    response = post_screening(client, application, decision="eligible")
    assert response.context["form"].non_field_errors() == [
        "The call's review has started: screening decisions can no longer be made or changed."
    ]
    assert Application.objects.get(pk=application.pk).state == ApplicationState.SUBMITTED


@pytest.mark.parametrize("who", ["applicant_a", "applicant_b", "committee_member", "donor_viewer"])
def test_nobody_but_staff_may_screen(client, request, who, application):
    client.force_login(request.getfixturevalue(who))
    response = post_screening(client, application, decision="eligible")
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED


def test_anonymous_screening_is_sent_to_login(client, application):
    response = post_screening(client, application, decision="eligible")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED


def test_screening_page_only_takes_post(client, staff, application):
    client.force_login(staff)
    assert client.get(screen_url(application)).status_code == 405
