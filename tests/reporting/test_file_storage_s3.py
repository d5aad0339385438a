"""Files in an S3-compatible bucket (FILE_STORAGE=s3), as when several web hosts and
workers share one store: application documents, report photos and donor summaries
are written to the bucket, private, and served only through the portal's own
permission-checked downloads. The bucket is moto's S3 server on a local port; the
storage is configured by the real settings module with the S3 variables set."""

import runpy
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from grants.files import GPS_IFD
from grants.models import Attachment
from reporting.models import ReportFile
from reporting.summaries import summary_build, summary_request
from tests.factories import ApplicationFactory
from tests.reporting.summary_data import JANUARY, build_programme

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def bucket(s3_bucket, settings, monkeypatch):
    """moto's S3 server with the portal's bucket (tests/conftest.py); the default
    storage is what config/settings.py makes of FILE_STORAGE=s3 and the AWS_* variables."""
    for variable, value in s3_bucket.environment().items():
        monkeypatch.setenv(variable, value)
    configured = runpy.run_path(str(ROOT / "config" / "settings.py"))
    settings.STORAGES = {**settings.STORAGES, "default": configured["STORAGES"]["default"]}
    return s3_bucket


def stored(bucket) -> dict[str, bytes]:
    return bucket.stored()


def nothing_on_disk() -> bool:
    media = Path(settings.MEDIA_ROOT)
    return not media.exists() or not any(media.rglob("*"))


def downloaded(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_an_application_document_is_kept_private_in_the_bucket_and_served_by_the_portal(
    bucket, client, applicant_a, applicant_b, organisation_a
):
    application = ApplicationFactory(organisation=organisation_a, created_by=applicant_a)
    client.force_login(applicant_a)

    response = client.post(
        reverse("application_section", args=[application.pk, "documents"]),
        {"document_extra": SimpleUploadedFile("work-plan.pdf", PDF)},
    )

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert stored(bucket) == {attachment.file.name: PDF}
    assert attachment.file.name.startswith(f"applications/{application.pk}/")
    acl = bucket.client.get_object_acl(Bucket=bucket.name, Key=attachment.file.name)
    grants = acl["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert nothing_on_disk()
    url = reverse("attachment_download", args=[application.pk, attachment.pk])
    assert downloaded(client.get(url)) == PDF
    client.force_login(applicant_b)
    assert client.get(url).status_code == 404


def test_a_deleted_document_leaves_the_bucket_once_the_change_is_committed(
    bucket, client, applicant_a, organisation_a, django_capture_on_commit_callbacks
):
    application = ApplicationFactory(organisation=organisation_a, created_by=applicant_a)
    client.force_login(applicant_a)
    client.post(
        reverse("application_section", args=[application.pk, "documents"]),
        {"document_extra": SimpleUploadedFile("work-plan.pdf", PDF)},
    )
    attachment = Attachment.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("attachment_delete", args=[application.pk, attachment.pk]))

    assert response.status_code == 302
    assert stored(bucket) == {}


def test_a_report_photo_reaches_the_bucket_without_its_location(
    bucket, client, applicant_a, report_a
):
    image = Image.new("RGB", (40, 30), (200, 120, 40))
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (42.0, 30.0, 0.0), 3: "E", 4: (78.0, 20.0, 0.0)}
    photo = BytesIO()
    image.save(photo, format="JPEG", exif=exif.tobytes())
    client.force_login(applicant_a)

    response = client.post(
        reverse("report_section", args=[report_a.pk, "files"]),
        {"file": SimpleUploadedFile("round-table.jpg", photo.getvalue()), "caption": "Saruu"},
    )

    assert response.status_code == 302
    report_file = ReportFile.objects.get()
    kept = stored(bucket)[report_file.file.name]
    with Image.open(BytesIO(kept)) as image:
        assert GPS_IFD not in image.getexif()
    assert nothing_on_disk()
    url = reverse("report_file_download", args=[report_a.pk, report_file.pk])
    assert downloaded(client.get(url)) == kept


def test_a_donor_summary_made_by_a_worker_is_written_to_the_bucket_and_downloaded(
    bucket, client, staff, organisation_a, organisation_b, oblast, applicant_a, applicant_b
):
    programme = build_programme(
        organisation_a=organisation_a,
        organisation_b=organisation_b,
        oblast=oblast,
        applicant_a=applicant_a,
        applicant_b=applicant_b,
    )["programme"]
    start, end = JANUARY
    summary = summary_request(programme=programme, period_start=start, period_end=end, by=staff)
    summary_build(summary_id=summary.pk)
    summary.refresh_from_db()

    files = stored(bucket)
    assert sorted(files) == [summary.pdf.name, summary.xlsx.name]
    assert summary.pdf.name.startswith(f"summaries/{programme.pk}/")
    assert nothing_on_disk()
    client.force_login(staff)
    pdf = downloaded(client.get(reverse("donor_summary_pdf", args=[summary.pk])))
    assert pdf == files[summary.pdf.name]
    assert pdf.startswith(b"%PDF-")
    xlsx = downloaded(client.get(reverse("donor_summary_xlsx", args=[summary.pk])))
    assert xlsx == files[summary.xlsx.name]
