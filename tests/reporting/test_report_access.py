import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reporting.models import ProgressReport, ReportFile
from reporting.services.reports import report_file_add
from tests.reporting.conftest import make_project

pytestmark = pytest.mark.django_db

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def stored(report_a, applicant_a):
    return report_file_add(
        report=report_a,
        uploaded=SimpleUploadedFile("minutes.pdf", MINIMAL_PDF, content_type="application/pdf"),
        caption="Minutes of the round table",
        by=applicant_a,
    )


def report_pages(report, stored):
    return [
        reverse("report_detail", args=[report.pk]),
        reverse("report_section", args=[report.pk, "narrative"]),
        reverse("report_section", args=[report.pk, "files"]),
        reverse("report_submit", args=[report.pk]),
        reverse("report_offline_download", args=[report.pk]),
        reverse("report_offline_upload", args=[report.pk]),
        reverse("report_file_download", args=[report.pk, stored.pk]),
    ]


@pytest.mark.parametrize("who", ["applicant_b", "committee_member", "donor_viewer"])
def test_outsiders_get_not_found_on_every_report_page(client, request, who, report_a, stored):
    client.force_login(request.getfixturevalue(who))

    statuses = [client.get(url).status_code for url in report_pages(report_a, stored)]
    deleted = client.post(reverse("report_file_delete", args=[report_a.pk, stored.pk]))

    assert statuses == [404] * 7
    assert deleted.status_code == 404
    assert ReportFile.objects.count() == 1


@pytest.mark.parametrize("who", ["applicant_b", "committee_member", "donor_viewer", "applicant_a"])
def test_only_staff_reach_the_staff_report_pages(client, request, who, report_a):
    client.force_login(request.getfixturevalue(who))

    assert client.get(reverse("staff_report_list")).status_code == 404
    assert client.get(reverse("staff_report_detail", args=[report_a.pk])).status_code == 404
    assert client.post(reverse("staff_report_accept", args=[report_a.pk])).status_code == 404


def test_anonymous_visitors_are_asked_to_sign_in(client, report_a, stored):
    for url in [*report_pages(report_a, stored), reverse("staff_report_list")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")


def test_a_member_downloads_the_file_as_an_attachment(client, applicant_a, report_a, stored):
    client.force_login(applicant_a)

    response = client.get(reverse("report_file_download", args=[report_a.pk, stored.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="minutes.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == MINIMAL_PDF


def test_staff_may_read_a_report_and_its_files_but_not_edit_it(client, staff, report_a, stored):
    client.force_login(staff)

    assert client.get(reverse("report_detail", args=[report_a.pk])).status_code == 200
    download = client.get(reverse("report_file_download", args=[report_a.pk, stored.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == MINIMAL_PDF  # read in full, then closed
    assert client.get(reverse("report_section", args=[report_a.pk, "narrative"])).status_code == 403


def test_a_viewer_of_the_organisation_reads_but_cannot_edit(client, viewer_a, report_a, stored):
    client.force_login(viewer_a)

    assert client.get(reverse("report_detail", args=[report_a.pk])).status_code == 200
    assert client.get(reverse("report_section", args=[report_a.pk, "narrative"])).status_code == 403
    assert client.post(reverse("report_submit", args=[report_a.pk])).status_code == 403
    deleted = client.post(reverse("report_file_delete", args=[report_a.pk, stored.pk]))
    assert deleted.status_code == 403


def test_an_unknown_section_is_not_found(client, applicant_a, report_a):
    client.force_login(applicant_a)

    assert client.get(reverse("report_section", args=[report_a.pk, "budget"])).status_code == 404


def test_my_reports_lists_only_my_organisations_reports(
    client, applicant_a, organisation_b, project_a
):
    make_project(organisation_b)
    client.force_login(applicant_a)

    response = client.get(reverse("report_list"))

    assert [report.project_id for report, _status in response.context["rows"]] == [
        project_a.pk,
        project_a.pk,
    ]


@pytest.mark.parametrize("projects", [1, 4])
def test_my_reports_takes_the_same_queries_for_one_or_many_reports(
    client, applicant_a, organisation_a, projects, django_assert_num_queries
):
    for _number in range(projects):
        make_project(organisation_a)
    client.force_login(applicant_a)

    # session, user, count, the page of reports with project, organisation, call and
    # programme.
    with django_assert_num_queries(4):
        response = client.get(reverse("report_list"))

    assert response.context["page"].paginator.count == 2 * projects


@pytest.mark.parametrize("files", [0, 3])
def test_the_report_page_takes_a_fixed_number_of_queries(
    client, applicant_a, report_a, files, django_assert_num_queries
):
    for number in range(files):
        ReportFile.objects.create(
            report=report_a,
            file=f"reports/x{number}",
            original_name=f"photo{number}.jpg",
            content_type="image/jpeg",
            size=10,
        )
    client.force_login(applicant_a)
    # The timeline's content type comes from Django's cache once looked up; look it up
    # now so the count does not depend on which test ran before.
    ContentType.objects.get_for_model(ProgressReport)

    # session, user, report (with project, organisation, call, programme), members,
    # indicator values, spending, receipts, files, reminders, indicators, budget lines,
    # co-financing sources, spending accepted before, timeline.
    with django_assert_num_queries(14):
        response = client.get(reverse("report_detail", args=[report_a.pk]))

    assert response.status_code == 200
