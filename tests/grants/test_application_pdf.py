import pytest
from django.urls import reverse

from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def test_the_applicant_downloads_a_pdf_copy_of_the_submitted_application(
    client, applicant_a, organisation_a
):
    application = ApplicationFactory(
        organisation=organisation_a,
        title="Безопасные дороги к школе",
        reference="PIA-2017-007",
        state="submitted",
        sequence=7,
    )
    client.force_login(applicant_a)
    response = client.get(reverse("application_pdf", args=[application.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="PIA-2017-007.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"%PDF-")


def test_another_organisation_gets_no_pdf(client, applicant_b, organisation_a):
    application = ApplicationFactory(organisation=organisation_a)
    client.force_login(applicant_b)
    assert client.get(reverse("application_pdf", args=[application.pk])).status_code == 404


def test_anonymous_visitors_are_sent_to_login_for_the_pdf(client, organisation_a):
    application = ApplicationFactory(organisation=organisation_a)
    response = client.get(reverse("application_pdf", args=[application.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
