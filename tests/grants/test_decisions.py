"""Funding decisions: the service, its checks, concurrency, the mails and the call
moving to "decided"."""

import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from accounts.enums import MembershipRole
from grants.enums import ApplicationState, CallState, DecisionOutcome
from grants.models import Application, Decision
from grants.services.decisions import decision_record, decisions_record_bulk
from grants.services.states import StaleStateError, timeline_for
from tests.factories import MembershipFactory, UserFactory
from tests.grants.test_ranking_stats import call_in_review, eligible

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    return call_in_review()


@pytest.fixture
def application(call, organisation_a, applicant_a):
    return eligible(call, number=7, organisation=organisation_a, requested="250000.00")


@pytest.fixture
def other(call, organisation_b, applicant_b):
    return eligible(call, number=8, organisation=organisation_b, requested="150000.00")


@pytest.fixture
def editor_ru(organisation_a):
    user = UserFactory(email="elena@example.org", full_name="Elena Editor", language="ru")
    MembershipFactory(organisation=organisation_a, user=user, role=MembershipRole.EDITOR)
    return user


@pytest.fixture
def viewer_a(organisation_a):
    user = UserFactory(email="vera@example.org", full_name="Vera Viewer")
    MembershipFactory(organisation=organisation_a, user=user, role=MembershipRole.VIEWER)
    return user


def decide(application, by, **kwargs):
    kwargs.setdefault("expected_state", application.state)
    return decision_record(application=application, by=by, **kwargs)


# --- approve ---------------------------------------------------------------------------------


def test_approving_records_the_decision_moves_the_state_and_writes_the_timeline(
    staff, application, other
):
    decision = decide(
        application,
        staff,
        outcome=DecisionOutcome.APPROVE,
        amount=Decimal("200000.00"),
        conditions="Add a second school.",
    )
    application.refresh_from_db()
    assert application.state == ApplicationState.APPROVED
    assert (decision.outcome, decision.amount, decision.conditions, decision.by) == (
        DecisionOutcome.APPROVE,
        Decimal("200000.00"),
        "Add a second school.",
        staff,
    )
    [step] = timeline_for(application)
    assert (step.from_state, step.to_state, step.by, step.reason) == (
        ApplicationState.ELIGIBLE,
        ApplicationState.APPROVED,
        staff,
        "Approved: 200,000.00 KGS. Conditions: Add a second school.",
    )


def test_approval_mails_owners_and_editors_with_amount_and_conditions(
    staff,
    application,
    other,
    applicant_a,
    editor_ru,
    viewer_a,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        decide(
            application,
            staff,
            outcome=DecisionOutcome.APPROVE,
            amount=Decimal("250000.00"),
            conditions="Report monthly.",
        )
    assert sorted(message.to[0] for message in mail.outbox) == [
        "alice@example.org",
        "elena@example.org",
    ]
    english = next(message for message in mail.outbox if message.to == ["alice@example.org"])
    assert english.subject == "Application PIA-2017-007 is approved for a grant"
    assert "Amount awarded: 250,000.00 KGS" in english.body
    assert "Report monthly." in english.body
    assert f"/applications/{application.pk}/" in english.body


@pytest.mark.parametrize("amount", ["250000.01", "0", "-5"])
def test_an_amount_above_the_request_or_not_above_zero_is_refused(staff, application, amount):
    with pytest.raises(ValidationError) as error:
        decide(application, staff, outcome=DecisionOutcome.APPROVE, amount=Decimal(amount))
    assert list(error.value.message_dict) == ["amount"]
    application.refresh_from_db()
    assert application.state == ApplicationState.ELIGIBLE
    assert Decision.objects.count() == 0


def test_an_approval_without_an_amount_is_refused(staff, application):
    with pytest.raises(ValidationError) as error:
        decide(application, staff, outcome=DecisionOutcome.APPROVE, amount=None)
    assert error.value.message_dict == {"amount": ["Enter the amount awarded."]}


# --- reject and waitlist ---------------------------------------------------------------------


def test_rejection_needs_a_reason(staff, application):
    with pytest.raises(ValidationError) as error:
        decide(application, staff, outcome=DecisionOutcome.REJECT, reason="  ")
    assert error.value.message_dict == {
        "reason": ["Give the reason for the rejection: the applicant will read it."]
    }
    assert Decision.objects.count() == 0


def test_rejection_mails_the_reason(
    staff, application, other, applicant_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decide(
            application,
            staff,
            outcome=DecisionOutcome.REJECT,
            reason="The budget for equipment is too high.",
        )
    [message] = mail.outbox
    assert message.to == ["alice@example.org"]
    assert message.subject == "Application PIA-2017-007 is not funded"
    assert "Reason: The budget for equipment is too high." in message.body
    [step] = timeline_for(application)
    assert step.reason == "Rejected: The budget for equipment is too high."


def test_a_waitlisted_application_may_be_approved_later_and_keeps_one_decision(
    staff, application, other, applicant_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decide(application, staff, outcome=DecisionOutcome.WAITLIST, reason="If money is left.")
    application.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        decide(application, staff, outcome=DecisionOutcome.APPROVE, amount=Decimal("100000"))
    [decision] = Decision.objects.all()
    assert (decision.outcome, decision.amount, decision.reason) == (
        DecisionOutcome.APPROVE,
        Decimal("100000.00"),
        "",
    )
    assert [step.to_state for step in timeline_for(application)] == [
        ApplicationState.WAITLISTED,
        ApplicationState.APPROVED,
    ]
    assert [message.subject for message in mail.outbox] == [
        "Application PIA-2017-007 is on the waiting list",
        "Application PIA-2017-007 is approved for a grant",
    ]


def test_a_waitlisted_application_cannot_be_waitlisted_again(staff, application):
    decide(application, staff, outcome=DecisionOutcome.WAITLIST)
    application.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        decide(application, staff, outcome=DecisionOutcome.WAITLIST)
    assert error.value.message_dict == {
        "outcome": ["This application is already on the waiting list."]
    }


# --- who and when ----------------------------------------------------------------------------


def test_only_staff_may_decide(committee_member, application):
    with pytest.raises(PermissionDenied):
        decide(application, committee_member, outcome=DecisionOutcome.WAITLIST)


def test_no_decision_before_the_review_starts(staff, organisation_a):
    from tests.factories import CallFactory

    application = eligible(
        CallFactory(state=CallState.CLOSED), number=1, organisation=organisation_a
    )
    with pytest.raises(ValidationError) as error:
        decide(application, staff, outcome=DecisionOutcome.WAITLIST)
    assert error.value.messages == ["Decisions are recorded once the call's review has started."]


def test_a_stale_expected_state_is_refused_and_nothing_changes(staff, application, admin_user):
    seen = application.state
    decide(application, admin_user, outcome=DecisionOutcome.REJECT, reason="Weak plan")
    with pytest.raises(StaleStateError) as error:
        decide(
            application,
            staff,
            outcome=DecisionOutcome.APPROVE,
            amount=Decimal("1000"),
            expected_state=seen,
        )
    assert error.value.messages == [
        "Someone else decided on PIA-2017-007 a moment ago: it is now “Rejected”. Please reload."
    ]
    [decision] = Decision.objects.all()
    assert (decision.outcome, decision.by) == (DecisionOutcome.REJECT, admin_user)


def test_a_decided_application_cannot_be_decided_again(staff, application):
    decide(application, staff, outcome=DecisionOutcome.REJECT, reason="Weak plan")
    application.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        decide(application, staff, outcome=DecisionOutcome.APPROVE, amount=Decimal("1000"))
    assert error.value.messages == [
        "PIA-2017-007 is “Rejected”: no decision can be recorded on it."
    ]


@pytest.mark.django_db(transaction=True)
def test_two_staff_deciding_the_same_application_at_once_cannot_both_win(
    staff, admin_user, organisation_a
):
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite serialises every write to the whole database, so two deciders can never "
            "overlap there; the row lock is exercised on PostgreSQL (set DATABASE_URL)."
        )
    application = eligible(call_in_review(), number=1, organisation=organisation_a)
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt(user, outcome, **kwargs):
        try:
            barrier.wait(timeout=5)
            decision_record(
                application=application,
                outcome=outcome,
                by=user,
                expected_state=ApplicationState.ELIGIBLE,
                **kwargs,
            )
            outcomes.append("won")
        except StaleStateError:
            outcomes.append("stale")
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=attempt, args=(staff, DecisionOutcome.APPROVE), kwargs={"amount": Decimal("1")}
        ),
        threading.Thread(
            target=attempt, args=(admin_user, DecisionOutcome.REJECT), kwargs={"reason": "No"}
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["stale", "won"]
    assert Decision.objects.count() == 1


# --- the call becomes decided ----------------------------------------------------------------


def test_the_call_stays_in_review_while_an_application_is_still_eligible(
    staff, call, application, other
):
    decide(application, staff, outcome=DecisionOutcome.REJECT, reason="Weak plan")
    call.refresh_from_db()
    assert call.state == CallState.IN_REVIEW


def test_the_call_is_decided_when_none_is_left_eligible_waitlisted_included(
    staff, call, application, other
):
    decide(application, staff, outcome=DecisionOutcome.WAITLIST)
    decide(other, staff, outcome=DecisionOutcome.APPROVE, amount=Decimal("150000"))
    call.refresh_from_db()
    assert call.state == CallState.DECIDED
    [step] = timeline_for(call)
    assert (step.from_state, step.to_state, step.by, step.reason) == (
        CallState.IN_REVIEW,
        CallState.DECIDED,
        staff,
        "Every eligible application has a decision.",
    )
    # The waiting list may still be approved once the call is decided.
    application.refresh_from_db()
    decide(application, staff, outcome=DecisionOutcome.APPROVE, amount=Decimal("1000"))
    application.refresh_from_db()
    assert application.state == ApplicationState.APPROVED


# --- in bulk ---------------------------------------------------------------------------------


def test_bulk_decisions_report_successes_and_failures_without_undoing_the_others(
    staff, call, application, other, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = decisions_record_bulk(
            items=[
                {
                    "application": application,
                    "outcome": DecisionOutcome.APPROVE,
                    "amount": Decimal("999999.00"),  # more than requested
                    "expected_state": ApplicationState.ELIGIBLE,
                },
                {
                    "application": other,
                    "outcome": DecisionOutcome.APPROVE,
                    "amount": other.requested_amount,
                    "expected_state": ApplicationState.ELIGIBLE,
                },
            ],
            by=staff,
        )
    assert [decision.application for decision in result.succeeded] == [other]
    assert result.failed == [
        (
            application,
            "The amount awarded cannot exceed the requested amount (250,000.00 KGS).",
        )
    ]
    assert dict(Application.objects.values_list("reference", "state")) == {
        "PIA-2017-007": ApplicationState.ELIGIBLE,
        "PIA-2017-008": ApplicationState.APPROVED,
    }
    assert [message.to for message in mail.outbox] == [["bob@example.org"]]
