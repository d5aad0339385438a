"""The applicant's whole path: start -> every section -> upload -> submit -> receipt."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from grants.enums import ApplicationState
from grants.models import Application, Attachment, Transition
from tests.factories import MembershipFactory, OrganisationFactory
from tests.grants.test_application_support import call_fixture, draft_fixture, pdf  # noqa: F401

pytestmark = pytest.mark.django_db


def section_url(application, section):
    return reverse("application_section", args=[application.pk, section])


def post_section(client, application, section, data, *, version=0, **extra):
    return client.post(
        section_url(application, section), {"base_version": version, **data}, **extra
    )


def rows(prefix_rows: list[dict]) -> dict:
    data = {"rows-TOTAL_FORMS": len(prefix_rows), "rows-INITIAL_FORMS": 0}
    for index, row in enumerate(prefix_rows):
        data.update({f"rows-{index}-{name}": value for name, value in row.items()})
    return data


def test_applicant_starts_fills_every_section_uploads_submits_and_gets_a_reference_and_receipt(
    client, call, applicant_a, organisation_a, oblast, django_capture_on_commit_callbacks
):
    client.force_login(applicant_a)

    response = client.get(reverse("application_start", args=[call.slug]))
    assert response.status_code == 200
    assert "You are applying on behalf of" in response.content.decode()
    response = client.post(
        reverse("application_start", args=[call.slug]), {"organisation": organisation_a.pk}
    )
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == section_url(application, "summary")

    theme = call.themes.first()
    steps = [
        (
            "summary",
            {
                "title": "Safe roads to school",
                "theme": theme.pk,
                "summary": "Crossings and lessons.",
                "duration_months": "12",
            },
        ),
        ("problem", {"problem": "Children are hurt.", "target_groups": "Pupils"}),
        (
            "workplan",
            {
                "objectives": "Fewer accidents.",
                **rows([{"activity": "Lessons", "start_month": "1", "end_month": "6"}]),
            },
        ),
        ("locations", rows([{"region_1": oblast.pk}])),
        ("partners", rows([{"kind": "police", "name": "District police", "role": "Patrols"}])),
        (
            "beneficiaries",
            {
                "beneficiaries_women": "40",
                "beneficiaries_men": "30",
                "beneficiaries_girls": "100",
                "beneficiaries_boys": "110",
            },
        ),
        (
            "budget",
            {
                "cofinancing_local_budget": "20000",
                "cofinancing_other": "0",
                "cofinancing_sources": "",
                **rows(
                    [
                        {
                            "category": "events",
                            "description": "Lessons",
                            "unit": "lesson",
                            "quantity": "20",
                            "unit_cost": "7000",
                        }
                    ]
                ),
            },
        ),
    ]
    for section, data in steps:
        response = post_section(client, application, section, {**data, "continue": "1"})
        assert response.status_code == 302, (section, response.content.decode()[:3000])

    for document in call.documents.all():
        response = client.post(
            section_url(application, "documents"), {f"document_{document.pk}": pdf()}
        )
        assert response.status_code == 302
    response = post_section(client, application, "declaration", {"declaration_accepted": "on"})
    assert response.status_code == 302

    response = client.get(reverse("application_submit", args=[application.pk]))
    assert "Everything needed is there." in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("application_submit", args=[application.pk]))

    application.refresh_from_db()
    year = call.opens_at.year
    assert response.status_code == 302
    assert application.state == ApplicationState.SUBMITTED
    assert application.reference == f"PIA-{year}-001"
    assert application.budget_total == 140000
    assert application.requested_amount == 120000
    assert Attachment.objects.filter(application=application).count() == 2
    assert list(Transition.objects.values_list("to_state", "by")) == [("submitted", applicant_a.pk)]
    assert [message.to for message in mail.outbox] == [["alice@example.org"]]
    receipt = mail.outbox[0]
    assert receipt.subject == f"Application received: PIA-{year}-001"
    assert "Safe roads to school" in receipt.body
    assert call.title in receipt.body
    assert re.search(rf"http\S+/applications/{application.pk}/", receipt.body)

    page = client.get(response["Location"]).content.decode()
    assert f"PIA-{year}-001" in page


def test_starting_again_opens_the_existing_draft(client, call, applicant_a, draft):
    client.force_login(applicant_a)

    response = client.get(reverse("application_start", args=[call.slug]))

    assert response.status_code == 302
    assert response["Location"] == reverse("application_detail", args=[draft.pk])
    assert Application.objects.count() == 1


def test_posting_start_twice_gives_one_draft(client, call, applicant_a, organisation_a):
    client.force_login(applicant_a)
    url = reverse("application_start", args=[call.slug])

    client.post(url, {"organisation": organisation_a.pk})
    response = client.post(url, {"organisation": organisation_a.pk}, follow=True)

    assert Application.objects.count() == 1
    assert "Your organisation has already started this application." in (response.content.decode())


def test_an_editor_of_several_organisations_chooses_which_one_applies(
    client, call, applicant_a, organisation_a
):
    other = OrganisationFactory(name="Second association")
    MembershipFactory(organisation=other, user=applicant_a, role="editor")
    client.force_login(applicant_a)

    page = client.get(reverse("application_start", args=[call.slug])).content.decode()
    client.post(reverse("application_start", args=[call.slug]), {"organisation": other.pk})

    assert "Second association" in page
    assert "Community Safety Jety-Oguz" in page
    assert list(Application.objects.values_list("organisation", flat=True)) == [other.pk]


def test_an_organisation_of_an_ineligible_legal_form_cannot_start(
    client, call, applicant_a, organisation_a
):
    call.eligible_legal_forms = ["foundation"]
    call.save()
    client.force_login(applicant_a)

    get = client.get(reverse("application_start", args=[call.slug]))
    post = client.post(
        reverse("application_start", args=[call.slug]), {"organisation": organisation_a.pk}
    )

    assert "None of your organisations can apply to this call." in get.content.decode()
    assert post.status_code == 200
    assert Application.objects.count() == 0


def test_a_viewer_of_the_organisation_cannot_start(client, call, organisation_a):
    viewer = MembershipFactory(organisation=organisation_a, role="viewer").user
    client.force_login(viewer)

    response = client.post(
        reverse("application_start", args=[call.slug]), {"organisation": organisation_a.pk}
    )

    assert "you need to be an owner or editor of an organisation" in response.content.decode()
    assert Application.objects.count() == 0


def test_an_applicant_withdraws_a_submitted_application_with_a_reason(
    client, call, applicant_a, draft, oblast
):
    from grants.services.applications import application_submit
    from tests.grants.test_application_support import fill_every_section

    fill_every_section(draft, applicant_a, region=oblast)
    application_submit(application=draft, by=applicant_a)
    client.force_login(applicant_a)

    response = client.post(
        reverse("application_withdraw", args=[draft.pk]), {"reason": "We merged projects."}
    )

    draft.refresh_from_db()
    assert response.status_code == 302
    assert draft.state == ApplicationState.WITHDRAWN
    assert Transition.objects.last().reason == "We merged projects."


def test_withdrawing_without_a_reason_is_refused(client, applicant_a, draft):
    client.force_login(applicant_a)

    response = client.post(reverse("application_withdraw", args=[draft.pk]), {"reason": " "})

    draft.refresh_from_db()
    assert draft.state == ApplicationState.DRAFT
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Tell us why the application is withdrawn."]


def test_the_detail_page_shows_the_checklist_with_links_to_the_sections(client, applicant_a, draft):
    from tests.grants.test_application_support import save

    save(draft, "problem", applicant_a, fields={"problem": "Theft", "target_groups": "Youth"})
    client.force_login(applicant_a)

    response = client.get(reverse("application_detail", args=[draft.pk]))

    content = response.content.decode()
    steps = {step["slug"]: step["complete"] for step in response.context["steps"]}
    assert steps["problem"] is True
    assert steps["summary"] is False
    assert f'href="{section_url(draft, "summary")}"' in content
    assert response.context["continue_url"] == section_url(draft, "summary")
