"""Submission: every rule with its message, the deadline in Bishkek time, references."""

import datetime as dt
import threading
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from grants.enums import ApplicationState
from grants.models import Application, Attachment, WorkPlanActivity
from grants.services.applications import (
    AlreadySubmitted,
    SubmissionRefused,
    application_problems,
    application_submit,
)
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    MembershipFactory,
    OrganisationFactory,
    RegionFactory,
    ThemeFactory,
    UserFactory,
)
from tests.grants.test_application_support import (  # noqa: F401
    call_fixture,
    draft_fixture,
    fill_every_section,
    save,
)

BISHKEK = ZoneInfo("Asia/Bishkek")


def messages_of(application) -> list[str]:
    return [problem.message for problem in application_problems(application)]


@pytest.fixture
def complete(draft, applicant_a, oblast):
    return fill_every_section(draft, applicant_a, region=oblast)


@pytest.mark.django_db
def test_a_complete_draft_has_no_problem(complete):
    assert messages_of(complete) == []


@pytest.mark.django_db
def test_an_empty_draft_lists_every_problem_at_once(draft):
    assert messages_of(draft) == [
        "Project title is required.",
        "Summary is required.",
        "Choose the theme of the project.",
        "Give the duration of the project in months.",
        "Problem is required.",
        "Target groups is required.",
        "Objectives is required.",
        "Add at least one activity to the work plan.",
        "Add at least one location.",
        "Give the expected number of beneficiaries.",
        "Add at least one budget line.",
        "Upload the document “Registration certificate”.",
        "Upload the document “Letter of support from the ayil okmotu”.",
        "Accept the declaration.",
    ]


@pytest.mark.django_db
def test_the_submit_page_lists_every_problem_with_a_link_to_its_section(client, applicant_a, draft):
    client.force_login(applicant_a)

    content = client.get(reverse("application_submit", args=[draft.pk])).content.decode()

    assert "14 things are missing or wrong." in content
    summary = reverse("application_section", args=[draft.pk, "summary"])
    assert f'href="{summary}#id_title"' in content
    declaration = reverse("application_section", args=[draft.pk, "declaration"])
    assert f'href="{declaration}#id_declaration_accepted"' in content


@pytest.mark.django_db
def test_posting_submit_on_an_incomplete_draft_submits_nothing_and_lists_the_problems(
    client, applicant_a, draft
):
    client.force_login(applicant_a)

    response = client.post(reverse("application_submit", args=[draft.pk]))

    draft.refresh_from_db()
    assert response.status_code == 200
    assert "Accept the declaration." in response.content.decode()
    assert (draft.state, draft.reference) == (ApplicationState.DRAFT, "")
    assert mail.outbox == []


@pytest.mark.django_db
def test_requested_amount_below_the_minimum_is_refused(complete, applicant_a):
    save(complete, "budget", applicant_a, fields={"cofinancing_local_budget": Decimal("60000")})
    complete.refresh_from_db()

    assert messages_of(complete) == [
        "The amount requested (80,000.00 KGS) must be between 100,000.00 KGS and 300,000.00 KGS."
    ]


@pytest.mark.django_db
def test_requested_amount_above_the_maximum_is_refused(complete, applicant_a):
    complete.call.max_grant = Decimal("110000")
    complete.call.save()

    assert messages_of(complete) == [
        "The amount requested (120,000.00 KGS) must be between 100,000.00 KGS and 110,000.00 KGS."
    ]


@pytest.mark.django_db
def test_cofinancing_covering_everything_is_refused(complete, applicant_a):
    save(complete, "budget", applicant_a, fields={"cofinancing_other": Decimal("200000")})
    complete.refresh_from_db()

    assert messages_of(complete) == [
        "The co-financing covers the whole budget: the amount requested must be more than zero."
    ]


@pytest.mark.django_db
def test_cofinancing_below_the_calls_share_is_refused(complete):
    complete.call.cofinancing_min_percent = Decimal("20")
    complete.call.save()

    # 20,000 of 140,000 is 14.29 %.
    assert messages_of(complete) == [
        "Co-financing is 14.29% of the project; the call expects at least 20%."
    ]


@pytest.mark.django_db
def test_a_missing_mandatory_document_is_refused_and_optional_ones_are_not(complete, call):
    call.documents.create(name="Photos", is_mandatory=False, order=5)
    Attachment.objects.filter(document__name="Registration certificate").delete()

    assert messages_of(complete) == ["Upload the document “Registration certificate”."]


@pytest.mark.django_db
def test_a_location_outside_the_eligible_regions_is_refused(complete, applicant_a):
    elsewhere = RegionFactory(name_en="Talas Oblast")
    save(complete, "locations", applicant_a, rows=[{"region": elsewhere}])
    complete.refresh_from_db()

    assert messages_of(complete) == ["Talas Oblast is outside the call's eligible regions."]


@pytest.mark.django_db
def test_a_place_inside_an_eligible_oblast_is_accepted(complete, applicant_a, oblast):
    district = RegionFactory(name_en="Jety-Oguz District", level="district", parent=oblast)
    save(complete, "locations", applicant_a, rows=[{"region": district}])
    complete.refresh_from_db()

    assert messages_of(complete) == []


@pytest.mark.django_db
def test_an_organisation_whose_legal_form_is_no_longer_eligible_is_refused(complete, call):
    call.eligible_legal_forms = ["foundation"]
    call.save()

    assert messages_of(complete) == [
        "Organisations of this legal form (Public association) cannot apply to this call."
    ]


@pytest.mark.django_db
def test_a_theme_not_of_the_call_is_refused(complete, applicant_a):
    save(complete, "summary", applicant_a, fields={"theme": ThemeFactory()})
    complete.refresh_from_db()

    assert messages_of(complete) == ["Choose one of the call's themes."]


@pytest.mark.django_db
def test_an_activity_past_the_end_of_the_project_is_refused(complete, applicant_a):
    save(complete, "summary", applicant_a, fields={"duration_months": 3})
    complete.refresh_from_db()

    assert messages_of(complete) == [
        "“Road safety lessons” runs past the end of the project (month 3)."
    ]


@pytest.mark.django_db
def test_the_deadline_one_second_before_is_accepted_and_one_second_after_is_refused(
    complete, applicant_a
):
    closes = dt.datetime(2017, 6, 30, 18, 0, tzinfo=BISHKEK)
    call = complete.call
    call.opens_at = dt.datetime(2017, 6, 1, 9, 0, tzinfo=BISHKEK)
    call.closes_at = closes
    call.save()
    complete.refresh_from_db()

    with mock.patch("django.utils.timezone.now", return_value=closes + dt.timedelta(seconds=1)):
        late = messages_of(complete)
        with pytest.raises(SubmissionRefused):
            application_submit(application=complete, by=applicant_a)
    with mock.patch("django.utils.timezone.now", return_value=closes - dt.timedelta(seconds=1)):
        submitted = application_submit(application=complete, by=applicant_a)

    assert late == ["The deadline (30.06.2017 18:00, Bishkek time) has passed."]
    assert submitted.state == ApplicationState.SUBMITTED
    assert submitted.reference == "PIA-2017-001"
    assert submitted.submitted_at == closes - dt.timedelta(seconds=1)


@pytest.mark.django_db
def test_the_deadline_is_exact_at_the_closing_second(complete):
    closes = complete.call.closes_at

    with mock.patch("django.utils.timezone.now", return_value=closes):
        assert messages_of(complete)[0].startswith("The deadline (")


@pytest.mark.django_db
def test_submitting_before_the_call_opens_is_refused(complete):
    opens = dt.datetime(2030, 1, 10, 9, 0, tzinfo=BISHKEK)
    complete.call.opens_at = opens
    complete.call.closes_at = opens + dt.timedelta(days=30)
    complete.call.save()

    with mock.patch("django.utils.timezone.now", return_value=opens - dt.timedelta(seconds=1)):
        assert messages_of(complete) == [
            "The call opens on 10.01.2030 09:00; applications cannot be submitted yet."
        ]


@pytest.mark.django_db
def test_the_reference_year_is_the_local_year_the_call_opened(complete, applicant_a):
    # 31 December 2016, 20:00 UTC is already 1 January 2017 in Bishkek (UTC+6).
    complete.call.opens_at = dt.datetime(2016, 12, 31, 20, 0, tzinfo=dt.UTC)
    complete.call.save()

    submitted = application_submit(application=complete, by=applicant_a)

    assert submitted.reference == "PIA-2017-001"


def _second_complete_application(call, oblast):
    organisation = OrganisationFactory(name="Second association", region=oblast)
    member = UserFactory(email="second@example.org")
    MembershipFactory(organisation=organisation, user=member, role="owner")
    application = ApplicationFactory(call=call, organisation=organisation, title="")
    return fill_every_section(application, member, region=oblast), member


@pytest.mark.django_db
def test_two_submissions_to_one_call_get_001_and_002(complete, applicant_a, call, oblast):
    second, member = _second_complete_application(call, oblast)
    other_call = CallFactory(programme=call.programme)
    ApplicationFactory(call=other_call, sequence=7, reference="PIA-OTHER-007")

    first = application_submit(application=complete, by=applicant_a)
    then = application_submit(application=second, by=member)

    year = timezone.localtime(call.opens_at).year
    assert (first.sequence, first.reference) == (1, f"PIA-{year}-001")
    assert (then.sequence, then.reference) == (2, f"PIA-{year}-002")


@pytest.mark.django_db
def test_a_second_click_or_member_submitting_again_is_told_politely(
    client, complete, applicant_a, organisation_a, django_capture_on_commit_callbacks
):
    colleague = MembershipFactory(organisation=organisation_a, role="editor").user
    with django_capture_on_commit_callbacks(execute=True):
        application_submit(application=complete, by=applicant_a)
    stale = Application.objects.get(pk=complete.pk)
    stale.state = ApplicationState.DRAFT  # what the loser's page still believes

    with pytest.raises(AlreadySubmitted) as raised:
        application_submit(application=stale, by=colleague)
    client.force_login(colleague)
    response = client.post(reverse("application_submit", args=[complete.pk]), follow=True)

    reference = Application.objects.get().reference
    assert raised.value.messages == [
        f"This application was already submitted a moment ago (reference {reference})."
    ]
    assert "This application is no longer a draft: nothing to submit." in (
        response.content.decode()
    )
    assert len(mail.outbox) == 1
    assert Application.objects.filter(state=ApplicationState.SUBMITTED).count() == 1


@pytest.mark.django_db
def test_the_receipt_is_in_the_submitters_language(
    complete, applicant_a, django_capture_on_commit_callbacks
):
    applicant_a.language = "ru"
    applicant_a.save()

    with django_capture_on_commit_callbacks(execute=True):
        submitted = application_submit(application=complete, by=applicant_a)

    received = timezone.localtime(submitted.submitted_at).strftime("%H:%M")
    assert submitted.reference in mail.outbox[0].subject
    assert submitted.reference in mail.outbox[0].body
    assert received in mail.outbox[0].body


@pytest.mark.django_db
def test_an_incomplete_row_of_activities_is_not_a_completed_plan(complete):
    WorkPlanActivity.objects.filter(application=complete).delete()

    assert messages_of(complete) == ["Add at least one activity to the work plan."]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises every write, so concurrent submissions cannot race there; "
    "run with DATABASE_URL=postgres://... to test the row locks.",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_get_distinct_references(call, oblast):
    from django.db import connections

    applications = []
    for number in range(4):
        organisation = OrganisationFactory(region=oblast)
        member = UserFactory(email=f"racer{number}@example.org")
        MembershipFactory(organisation=organisation, user=member, role="owner")
        application = ApplicationFactory(call=call, organisation=organisation, title="")
        applications.append((fill_every_section(application, member, region=oblast), member))
    barrier = threading.Barrier(len(applications) + 1)  # +1: the double click below
    errors = []

    def submit(application, member):
        try:
            barrier.wait()
            application_submit(application=application, by=member)
        except AlreadySubmitted:
            pass
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    jobs = [threading.Thread(target=submit, args=pair) for pair in applications]
    jobs.append(threading.Thread(target=submit, args=applications[0]))  # a double click
    for job in jobs:
        job.start()
    for job in jobs:
        job.join()

    assert errors == []
    year = timezone.localtime(call.opens_at).year
    assert sorted(Application.objects.values_list("reference", flat=True)) == [
        f"PIA-{year}-00{number}" for number in range(1, 5)
    ]
