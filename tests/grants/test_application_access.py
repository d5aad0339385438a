"""Who reaches which application page: organisation B sees nothing of A's application."""

import pytest
from django.urls import reverse

from grants.models import Attachment
from grants.services.applications import attachment_add
from tests.grants.test_application_support import call_fixture, draft_fixture, pdf  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def attachment(draft, applicant_a):
    document = draft.call.documents.first()
    return attachment_add(
        application=draft,
        uploaded=pdf("Свидетельство о регистрации.pdf"),
        by=applicant_a,
        document=document,
    )


def application_urls(application, attachment):
    return [
        reverse("application_detail", args=[application.pk]),
        reverse("application_section", args=[application.pk, "summary"]),
        reverse("application_section", args=[application.pk, "documents"]),
        reverse("application_submit", args=[application.pk]),
        reverse("application_print", args=[application.pk]),
        reverse("attachment_download", args=[application.pk, attachment.pk]),
    ]


def test_organisation_b_gets_404_for_every_page_of_organisation_as_application(
    client, applicant_b, draft, attachment
):
    client.force_login(applicant_b)

    statuses = [client.get(url).status_code for url in application_urls(draft, attachment)]
    posts = [
        client.post(reverse("application_withdraw", args=[draft.pk]), {"reason": "x"}),
        client.post(reverse("attachment_delete", args=[draft.pk, attachment.pk])),
        client.post(reverse("application_submit", args=[draft.pk])),
    ]

    assert statuses == [404] * 6
    assert [response.status_code for response in posts] == [404] * 3
    assert Attachment.objects.count() == 1


def test_committee_members_and_donors_get_404_for_an_application_page(
    client, committee_member, donor_viewer, draft, attachment
):
    for user in [committee_member, donor_viewer]:
        client.force_login(user)
        statuses = [client.get(url).status_code for url in application_urls(draft, attachment)]
        assert statuses == [404] * 6


def test_anonymous_visitors_are_sent_to_login(client, draft, attachment):
    for url in [*application_urls(draft, attachment), reverse("application_list")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_organisation_bs_list_shows_nothing_of_a(client, applicant_b, draft):
    client.force_login(applicant_b)

    response = client.get(reverse("application_list"))

    assert list(response.context["page"].object_list) == []


def test_the_list_shows_the_users_organisations_applications(client, applicant_a, draft):
    client.force_login(applicant_a)

    response = client.get(reverse("application_list"))

    assert list(response.context["page"].object_list) == [draft]
    assert "Draft" in response.content.decode()


def test_a_download_is_an_attachment_with_nosniff_and_the_detected_type(
    client, applicant_a, draft, attachment
):
    client.force_login(applicant_a)

    response = client.get(reverse("attachment_download", args=[draft.pk, attachment.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    response.close()


def test_staff_may_download_an_attachment(client, staff, draft, attachment):
    client.force_login(staff)

    response = client.get(reverse("attachment_download", args=[draft.pk, attachment.pk]))
    response.close()

    assert response.status_code == 200


def test_an_attachment_is_not_reachable_through_another_application(
    client, applicant_a, draft, attachment, organisation_a
):
    from tests.factories import ApplicationFactory

    other = ApplicationFactory(organisation=organisation_a)  # another call of the same organisation
    client.force_login(applicant_a)

    response = client.get(reverse("attachment_download", args=[other.pk, attachment.pk]))

    assert response.status_code == 404


def test_the_stored_file_has_a_random_name_and_keeps_the_original_name_aside(attachment):
    assert attachment.original_name == "Свидетельство о регистрации.pdf"
    assert attachment.file.name.startswith(f"applications/{attachment.application_id}/")
    assert "Свидетельство" not in attachment.file.name
    assert attachment.content_type == "application/pdf"


def test_the_print_copy_shows_every_section(client, applicant_a, draft, attachment):
    client.force_login(applicant_a)

    content = client.get(reverse("application_print", args=[draft.pk])).content.decode()

    for heading in [
        "Summary",
        "Problem and target groups",
        "Objectives and work plan",
        "Locations",
        "Partners",
        "Expected beneficiaries",
        "Budget",
        "Documents",
        "Declaration",
    ]:
        assert f">{heading}</h2>" in content
    assert "Свидетельство о регистрации.pdf" in content
    assert "css/application.css" in content
