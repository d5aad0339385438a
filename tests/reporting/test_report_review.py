import datetime
from decimal import Decimal
from unittest.mock import patch

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from projects.enums import TrancheCondition, TrancheState
from projects.models import Tranche
from reporting.enums import ReportState
from reporting.models import ProgressReport
from reporting.services.reports import (
    ReportLocked,
    report_accept,
    report_return,
    report_save_section,
    report_submit,
    section_version,
)
from tests.reporting.conftest import at_noon, fill_report, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(report_a, applicant_a):
    # The real clock: long after the 2017-2018 periods, so submission is open.
    return report_submit(report=fill_report(report_a, applicant_a), by=applicant_a)


@pytest.fixture
def tranche(project_a):
    return Tranche.objects.create(
        project=project_a,
        order=2,
        amount=Decimal("120000.00"),
        planned_on=datetime.date(2018, 2, 1),
        condition=TrancheCondition.INTERIM_REPORT,
        report_number=1,
    )


def test_returning_needs_at_least_one_comment(staff, submitted):
    with pytest.raises(ValidationError) as refused:
        report_return(report=submitted, by=staff, comments={"narrative": "  ", "spending": ""})

    assert refused.value.messages == [
        "Write at least one comment: tell the organisation what to change."
    ]
    assert ProgressReport.objects.get(pk=submitted.pk).state == ReportState.SUBMITTED


def test_the_return_form_without_a_comment_says_so_and_changes_nothing(client, staff, submitted):
    client.force_login(staff)

    response = client.post(reverse("staff_report_return", args=[submitted.pk]), {})

    assert response.status_code == 400
    assert response.context["return_form"].non_field_errors() == [
        "Write at least one comment: tell the organisation what to change."
    ]
    assert ProgressReport.objects.get(pk=submitted.pk).state == ReportState.SUBMITTED


def test_only_programme_staff_may_return_or_accept(applicant_a, submitted):
    with pytest.raises(PermissionDenied):
        report_accept(report=submitted, by=applicant_a)
    with pytest.raises(PermissionDenied):
        report_return(report=submitted, by=applicant_a, comments={"narrative": "x"})


def test_a_returned_report_is_fixed_resubmitted_and_accepted_with_mails(
    client, applicant_a, staff, submitted, tranche, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("staff_report_return", args=[submitted.pk]),
            {"comment_spending": "Explain the 90,000 on events.", "comment_narrative": ""},
        )
    assert response.status_code == 302
    returned = ProgressReport.objects.get(pk=submitted.pk)
    assert (returned.state, returned.return_comments) == (
        ReportState.RETURNED,
        {"spending": "Explain the 90,000 on events."},
    )
    assert [message.to for message in mail.outbox] == [[applicant_a.email]]
    assert "* Spending: Explain the 90,000 on events." in mail.outbox[0].body

    # The NGO sees the comment on the section and fixes it.
    client.force_login(applicant_a)
    page = client.get(reverse("report_section", args=[returned.pk, "spending"]))
    assert page.context["comment"] == "Explain the 90,000 on events."
    assert "Explain the 90,000 on events." in page.content.decode()
    report_save_section(
        report=returned,
        section="narrative",
        by=applicant_a,
        base_version=section_version(returned, "narrative"),
        fields={"challenges": "Prices of the venue rose; 90,000 paid for six events."},
    )
    with django_capture_on_commit_callbacks(execute=True):
        report_submit(report=returned, by=applicant_a)
    assert ProgressReport.objects.get(pk=submitted.pk).state == ReportState.SUBMITTED

    client.force_login(staff)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("staff_report_accept", args=[submitted.pk]))
    assert response.status_code == 302
    accepted = ProgressReport.objects.get(pk=submitted.pk)
    assert accepted.state == ReportState.ACCEPTED
    assert accepted.accepted_at is not None
    tranche.refresh_from_db()
    assert tranche.state == TrancheState.READY
    assert [message.to for message in mail.outbox] == [[applicant_a.email]]
    assert mail.outbox[0].subject == (
        f"Your report was accepted: {accepted.project.agreement_number}"
    )
    timeline = client.get(reverse("staff_report_detail", args=[accepted.pk])).context["timeline"]
    assert [entry["label"] for entry in timeline] == [
        "Submitted",
        "Returned for changes",
        "Submitted",
        "Accepted",
    ]
    assert timeline[1]["reason"] == "Spending: Explain the 90,000 on events."


def test_an_accepted_report_is_locked(client, applicant_a, staff, submitted):
    accepted = report_accept(report=submitted, by=staff)

    with pytest.raises(ReportLocked) as locked:
        report_save_section(
            report=accepted,
            section="narrative",
            by=applicant_a,
            base_version=section_version(accepted, "narrative"),
            fields={"achievements": "Rewritten"},
        )
    assert locked.value.messages == ["This report has been accepted and can no longer be changed."]
    client.force_login(applicant_a)
    response = client.get(reverse("report_section", args=[accepted.pk, "indicators"]))
    assert response.status_code == 302
    with pytest.raises(ValidationError):
        report_return(report=accepted, by=staff, comments={"narrative": "Too late"})


def test_accepting_twice_is_refused_politely(staff, submitted):
    report_accept(report=submitted, by=staff)

    with pytest.raises(ValidationError) as refused:
        report_accept(report=submitted, by=staff)

    assert refused.value.messages == [
        "Someone else changed this a moment ago: it is now “Accepted”. Please reload."
    ]


def test_the_staff_page_offers_review_only_for_a_submitted_report(client, staff, report_a):
    client.force_login(staff)

    before = client.get(reverse("staff_report_detail", args=[report_a.pk]))

    assert before.status_code == 200
    assert before.context["can_review"] is False
    assert "Accept the report" not in before.content.decode()


def test_staff_filter_reports_by_call_and_status(client, staff, organisation_b, report_a):
    other = make_project(organisation_b)
    client.force_login(staff)
    today = datetime.date(2018, 1, 20)  # report 1 of both projects overdue, finals not yet due

    with patch("django.utils.timezone.now", return_value=at_noon(today)):
        overdue = client.get(reverse("staff_report_list"), {"status": "overdue"})
        by_call = client.get(reverse("staff_report_list"), {"call": other.application.call_id})
        late = client.get(reverse("staff_report_list"), {"overdue": "on", "status": "overdue"})

    assert [report.pk for report, _status in overdue.context["rows"]] == [
        report_a.pk,
        other.reports.get(number=1).pk,
    ]
    assert [report.project_id for report, _status in by_call.context["rows"]] == [
        other.pk,
        other.pk,
    ]
    assert len(late.context["rows"]) == 2


def test_submitted_reports_come_first_on_the_staff_list(client, staff, organisation_b, submitted):
    make_project(organisation_b)
    client.force_login(staff)

    response = client.get(reverse("staff_report_list"))

    assert response.context["rows"][0] == (submitted, "submitted")
    assert response.context["page"].paginator.count == 4


@pytest.mark.parametrize("projects", [1, 4])
def test_the_staff_list_takes_the_same_queries_for_one_or_many_reports(
    client, staff, organisation_a, projects, django_assert_num_queries
):
    for _number in range(projects):
        make_project(organisation_a)
    client.force_login(staff)

    # session, user, count, page of reports (with project, organisation, call,
    # programme), the call filter's choices.
    with django_assert_num_queries(5):
        response = client.get(reverse("staff_report_list"))

    assert response.context["page"].paginator.count == 2 * projects


@pytest.mark.parametrize("files", [0, 3])
def test_the_staff_report_page_takes_a_fixed_number_of_queries(
    client, staff, applicant_a, report_a, files, django_assert_num_queries
):
    from reporting.models import ReportFile

    for number in range(files):
        ReportFile.objects.create(
            report=report_a,
            file=f"reports/x{number}",
            original_name=f"photo{number}.jpg",
            content_type="image/jpeg",
            size=10,
        )
    fill_report(report_a, applicant_a)
    client.force_login(staff)

    # session, user, report (with project, organisation, call, programme), members,
    # indicator values, spending, receipts, files, reminders, indicators, budget lines,
    # co-financing sources, spending accepted before, timeline.
    with django_assert_num_queries(14):
        response = client.get(reverse("staff_report_detail", args=[report_a.pk]))

    assert response.status_code == 200
