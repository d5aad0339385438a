import datetime
from decimal import Decimal
from unittest.mock import patch

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reporting.enums import ReportState
from reporting.models import IndicatorProgress, ProgressReport, ReportFile, Spending
from reporting.services.reports import (
    ReportLocked,
    SectionConflict,
    SubmissionRefused,
    report_save_section,
    report_submit,
    section_version,
)
from tests.reporting.conftest import REVIEW_DAY, at_noon, fill_report

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def section_url(report, section):
    return reverse("report_section", args=[report.pk, section])


def narrative(version=0, **overrides):
    data = {
        "base_version": str(version),
        "achievements": "Six round tables.",
        "challenges": "Snow.",
        "lessons": "Schools help.",
        "next_steps": "A joint plan.",
    }
    data.update(overrides)
    return data


def indicator_data(report, version=0, **values):
    people, events = report.project.indicators.order_by("order")
    data = {"base_version": str(version)}
    for name in ["value", "women", "men", "girls", "boys", "comment"]:
        data[f"indicator-{people.pk}-{name}"] = values.get(name, "")
    data[f"indicator-{events.pk}-value"] = values.get("events", "")
    data[f"indicator-{events.pk}-comment"] = ""
    return data


def test_the_owner_sees_the_narrative_section_with_its_fields(client, applicant_a, report_a):
    client.force_login(applicant_a)

    response = client.get(section_url(report_a, "narrative"))

    assert response.status_code == 200
    assert response.context["section_title"] == "Narrative"
    assert 'name="achievements"' in response.content.decode()
    assert 'data-autosave="' in response.content.decode()


def test_saving_the_narrative_stores_it_and_counts_the_version(client, applicant_a, report_a):
    client.force_login(applicant_a)

    response = client.post(section_url(report_a, "narrative"), narrative(), **HTMX)

    assert response.status_code == 200
    assert response.json()["status"] == "saved"
    assert response.json()["version"] == 1
    report_a.refresh_from_db()
    assert report_a.achievements == "Six round tables."
    assert section_version(report_a, "narrative") == 1


def test_a_save_from_a_stale_page_is_a_conflict_and_overwrites_nothing(
    client, applicant_a, editor_a, report_a
):
    report_save_section(
        report=report_a,
        section="narrative",
        by=editor_a,
        base_version=0,
        fields={"achievements": "Eldar's text"},
    )
    client.force_login(applicant_a)

    response = client.post(section_url(report_a, "narrative"), narrative(version=0), **HTMX)

    assert response.status_code == 409
    assert response.json()["status"] == "conflict"
    assert response.json()["message"].startswith("Eldar saved this section at")
    report_a.refresh_from_db()
    assert report_a.achievements == "Eldar's text"


def test_without_javascript_a_conflict_keeps_what_was_typed_in_the_form(
    client, applicant_a, editor_a, report_a
):
    report_save_section(
        report=report_a,
        section="narrative",
        by=editor_a,
        base_version=0,
        fields={"achievements": "Eldar's text"},
    )
    client.force_login(applicant_a)

    response = client.post(section_url(report_a, "narrative"), narrative(version=0))

    assert response.status_code == 409
    page = response.content.decode()
    assert "Six round tables." in page
    assert response.context["base_version"] == 1
    assert [d["label"] for d in response.context["conflict"]["differences"]] == [
        "Achievements",
        "Challenges",
        "Lessons learnt",
        "Next steps",
    ]


def test_a_split_that_does_not_add_up_is_refused_with_a_clear_message(
    client, applicant_a, report_a
):
    client.force_login(applicant_a)
    data = indicator_data(report_a, value="100", women="40", men="30", girls="20", boys="5")

    response = client.post(section_url(report_a, "indicators"), data)

    assert response.status_code == 200
    assert IndicatorProgress.objects.count() == 0
    errors = response.context["rows"].forms[0].errors["value"]
    assert errors == [
        "The value (100) must equal women + men + girls + boys (40 + 30 + 20 + 5 = 95)."
    ]
    assert 'value="40"' in response.content.decode()


def test_a_split_without_a_value_gives_the_value_as_the_sum(client, applicant_a, report_a):
    client.force_login(applicant_a)
    data = indicator_data(report_a, women="40", men="30", girls="20", boys="5", events="3")

    response = client.post(section_url(report_a, "indicators"), data, **HTMX)

    assert response.status_code == 200
    people = IndicatorProgress.objects.get(indicator__disaggregated=True)
    assert (people.value, people.women, people.men, people.girls, people.boys) == (
        Decimal("95.00"),
        40,
        30,
        20,
        5,
    )
    assert IndicatorProgress.objects.get(indicator__disaggregated=False).value == Decimal("3.00")


def test_an_invalid_autosave_is_answered_with_the_errors_and_saves_nothing(
    client, applicant_a, report_a
):
    client.force_login(applicant_a)
    data = indicator_data(report_a, value="10", women="1", men="1", girls="1", boys="1")

    response = client.post(section_url(report_a, "indicators"), data, **HTMX)

    assert response.status_code == 422
    assert response.json()["errors"] == [
        "People reached: The value (10) must equal women + men + girls + boys (1 + 1 + 1 + 1 = 4)."
    ]
    assert IndicatorProgress.objects.count() == 0


def test_spending_over_a_lines_budget_is_saved_with_a_warning(client, applicant_a, report_a):
    client.force_login(applicant_a)
    first, second = report_a.project.budget_lines.order_by("order")
    data = {
        "base_version": "0",
        f"line-{first.pk}-amount": "250000.00",
        f"line-{second.pk}-amount": "0",
    }

    client.post(section_url(report_a, "spending"), data)
    response = client.get(section_url(report_a, "spending"))

    assert Spending.objects.get(budget_line=first).amount == Decimal("250000.00")
    rows = response.context["spending_rows"]
    assert [(row["running"], row["over_budget"]) for row in rows] == [
        (Decimal("250000.00"), True),
        (Decimal("0.00"), False),
    ]
    assert response.content.decode().count("data-over-budget hidden") == 1


def test_the_running_total_adds_accepted_reports_to_this_one(
    client, applicant_a, staff, project_a, report_a
):
    from reporting.services.reports import report_accept

    with patch("django.utils.timezone.now", return_value=at_noon(REVIEW_DAY)):
        report_submit(report=fill_report(report_a, applicant_a), by=applicant_a)
        report_accept(report=report_a, by=staff)
    final = project_a.reports.get(number=2)
    first, _second = project_a.budget_lines.order_by("order")
    client.force_login(applicant_a)
    client.post(
        section_url(final, "spending"),
        {"base_version": "0", f"line-{first.pk}-amount": "20000"},
    )

    response = client.get(section_url(final, "spending"))

    row = response.context["spending_rows"][0]
    assert (row["accepted_before"], row["amount"], row["running"]) == (
        Decimal("90000.00"),
        Decimal("20000.00"),
        Decimal("110000.00"),
    )


def test_a_photo_is_uploaded_with_its_caption(client, applicant_a, report_a):
    client.force_login(applicant_a)
    photo = SimpleUploadedFile("round-table.pdf", MINIMAL_PDF, content_type="application/pdf")

    response = client.post(
        section_url(report_a, "files"), {"file": photo, "caption": "Round table in Saruu"}
    )

    assert response.status_code == 302
    stored = ReportFile.objects.get()
    assert (stored.original_name, stored.caption, stored.content_type) == (
        "round-table.pdf",
        "Round table in Saruu",
        "application/pdf",
    )
    report_a.refresh_from_db()
    assert section_version(report_a, "files") == 1


def test_a_file_that_is_not_a_document_or_photo_is_refused_by_its_content(
    client, applicant_a, report_a
):
    client.force_login(applicant_a)
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 program", content_type="image/jpeg")

    response = client.post(section_url(report_a, "files"), {"file": fake, "caption": ""})

    assert response.status_code == 200
    assert response.context["upload_form"].errors["file"] == [
        "“photo.jpg” is a program, which cannot be uploaded."
    ]
    assert ReportFile.objects.count() == 0


def test_submitting_an_empty_report_lists_every_problem_at_once(applicant_a, report_a):
    with (
        patch("django.utils.timezone.now", return_value=at_noon(REVIEW_DAY)),
        pytest.raises(SubmissionRefused) as refused,
    ):
        report_submit(report=report_a, by=applicant_a)

    assert refused.value.messages == [
        "Achievements: write a few lines.",
        "Challenges: write a few lines.",
        "Lessons learnt: write a few lines.",
        "Next steps: write a few lines.",
        "Give the progress on “People reached” (0 if there was none).",
        "Give the progress on “Events held” (0 if there was none).",
        "Give the spending on “Community events” (0 if nothing was spent).",
        "Give the spending on “Printed materials” (0 if nothing was spent).",
    ]
    report_a.refresh_from_db()
    assert report_a.state == ReportState.PENDING


def test_a_report_can_be_submitted_from_the_last_month_of_its_period(applicant_a, report_a):
    filled = fill_report(report_a, applicant_a)
    with (
        patch("django.utils.timezone.now", return_value=at_noon(datetime.date(2017, 11, 30))),
        pytest.raises(SubmissionRefused) as refused,
    ):
        report_submit(report=filled, by=applicant_a)
    assert refused.value.messages == [
        "This report can be submitted from 1 December 2017, the last month of its period."
    ]

    with patch("django.utils.timezone.now", return_value=at_noon(datetime.date(2017, 12, 1))):
        submitted = report_submit(report=filled, by=applicant_a)

    assert submitted.state == ReportState.SUBMITTED


def test_submitting_a_complete_report_tells_staff_by_mail(
    client, applicant_a, staff, report_a, django_capture_on_commit_callbacks
):
    fill_report(report_a, applicant_a)
    client.force_login(applicant_a)

    with (
        patch("django.utils.timezone.now", return_value=at_noon(REVIEW_DAY)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("report_submit", args=[report_a.pk]))

    assert response.status_code == 302
    report_a.refresh_from_db()
    assert (report_a.state, report_a.submitted_by) == (ReportState.SUBMITTED, applicant_a)
    assert [message.to for message in mail.outbox] == [[staff.email]]
    assert mail.outbox[0].subject == (
        f"Report submitted for review: {report_a.project.agreement_number}, Interim report 1"
    )


def test_a_submitted_report_can_no_longer_be_edited(client, applicant_a, report_a):
    with patch("django.utils.timezone.now", return_value=at_noon(REVIEW_DAY)):
        submitted = report_submit(report=fill_report(report_a, applicant_a), by=applicant_a)
    client.force_login(applicant_a)

    response = client.post(
        section_url(report_a, "narrative"), narrative(version=1, achievements="Changed")
    )

    assert response.status_code == 302
    assert response.url == reverse("report_detail", args=[report_a.pk])
    assert ProgressReport.objects.get(pk=report_a.pk).achievements == (
        "Six round tables in three ayil aimaks."
    )
    with pytest.raises(ReportLocked):
        report_save_section(
            report=submitted,
            section="narrative",
            by=applicant_a,
            base_version=1,
            fields={"achievements": "x"},
        )


def test_the_service_refuses_a_stale_version(applicant_a, report_a):
    report_save_section(
        report=report_a, section="narrative", by=applicant_a, base_version=0, fields={}
    )
    with pytest.raises(SectionConflict):
        report_save_section(
            report=report_a, section="narrative", by=applicant_a, base_version=0, fields={}
        )


def test_a_conflict_in_a_table_lists_the_rows_that_differ(client, applicant_a, editor_a, report_a):
    first, second = report_a.project.budget_lines.order_by("order")
    report_save_section(
        report=report_a,
        section="spending",
        by=editor_a,
        base_version=0,
        rows={first.pk: Decimal("100.00"), second.pk: Decimal("5.00")},
    )
    client.force_login(applicant_a)

    response = client.post(
        section_url(report_a, "spending"),
        {"base_version": "0", f"line-{first.pk}-amount": "100", f"line-{second.pk}-amount": "7"},
    )

    assert response.status_code == 409
    assert response.context["conflict"]["differences"] == [
        {"label": "Printed materials", "yours": "7.00", "saved": "5.00"}
    ]
    assert Spending.objects.get(budget_line=second).amount == Decimal("5.00")
