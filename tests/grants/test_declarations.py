"""Conflict-of-interest declarations: the blocking step before a member opens an
application, kept once and for good."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from grants.enums import CallState
from grants.models import ConflictDeclaration
from grants.services.reviews import declaration_make
from tests.factories import OrganisationFactory
from tests.grants.review_support import (  # noqa: F401
    application_fixture,
    conflicted_fixture,
    declare,
    eligible,
    member_fixture,
    review_call_fixture,
)

pytestmark = pytest.mark.django_db


def declare_url(application):
    return reverse("review_declare", args=[application.pk])


def test_declaring_no_conflict_is_recorded_and_opens_the_scoring_page(client, member, application):
    client.force_login(member.user)
    response = client.post(declare_url(application), {"conflict": "no", "reason": ""})
    assert response.status_code == 302
    assert response.url == reverse("review_score", args=[application.pk])
    declaration = ConflictDeclaration.objects.get()
    assert (declaration.member, declaration.application) == (member, application)
    assert declaration.has_conflict is False
    assert declaration.reason == ""


def test_declaring_a_conflict_records_the_reason_and_returns_to_the_queue(
    client, member, application
):
    client.force_login(member.user)
    response = client.post(
        declare_url(application), {"conflict": "yes", "reason": "I sit on its board."}
    )
    assert response.status_code == 302
    assert response.url == reverse("review_queue")
    declaration = ConflictDeclaration.objects.get()
    assert (declaration.has_conflict, declaration.reason) == (True, "I sit on its board.")


def test_a_conflict_without_a_reason_is_refused_on_the_page(client, member, application):
    client.force_login(member.user)
    response = client.post(declare_url(application), {"conflict": "yes", "reason": "  "})
    assert response.status_code == 200
    assert "Say what the conflict of interest is." in response.content.decode()
    assert ConflictDeclaration.objects.count() == 0


def test_a_conflict_without_a_reason_is_refused_by_the_service(member, application):
    with pytest.raises(ValidationError) as caught:
        declaration_make(member=member, application=application, has_conflict=True, reason="")
    assert caught.value.message_dict == {"reason": ["Say what the conflict of interest is."]}
    assert ConflictDeclaration.objects.count() == 0


def test_choosing_nothing_is_refused_with_a_message(client, member, application):
    client.force_login(member.user)
    response = client.post(declare_url(application), {"reason": ""})
    assert "Choose “no conflict” or “conflict”." in response.content.decode()
    assert ConflictDeclaration.objects.count() == 0


def test_a_declaration_is_made_once_and_never_changed(member, application):
    declare(member, application)
    with pytest.raises(ValidationError) as caught:
        declaration_make(
            member=member, application=application, has_conflict=True, reason="Changed my mind."
        )
    assert caught.value.messages == [
        "You have already made your declaration for this application; it cannot change."
    ]
    assert list(ConflictDeclaration.objects.values_list("has_conflict", flat=True)) == [False]


def test_declaring_again_on_the_page_changes_nothing(client, member, application):
    declare(member, application)
    client.force_login(member.user)
    response = client.post(declare_url(application), {"conflict": "yes", "reason": "Later."})
    assert response.status_code == 302
    assert response.url == reverse("review_score", args=[application.pk])
    assert list(ConflictDeclaration.objects.values_list("has_conflict", flat=True)) == [False]


def test_a_conflicted_member_is_sent_to_the_queue_from_the_declaration_page(
    client, conflicted, application
):
    client.force_login(conflicted.user)
    response = client.get(declare_url(application), follow=True)
    assert response.redirect_chain == [(reverse("review_queue"), 302)]
    assert "You declared a conflict of interest with this application." in (
        response.content.decode()
    )


def test_an_unassigned_application_cannot_be_declared_on(member, review_call):
    other = eligible(review_call, OrganisationFactory(), 2)
    with pytest.raises(ValidationError) as caught:
        declaration_make(member=member, application=other, has_conflict=False)
    assert caught.value.messages == ["This application is not assigned to you."]


def test_declaring_is_refused_once_the_call_is_decided(member, application, review_call):
    review_call.state = CallState.DECIDED
    review_call.save(update_fields=["state"])
    application.refresh_from_db()
    with pytest.raises(ValidationError):
        declaration_make(member=member, application=application, has_conflict=False)
    assert ConflictDeclaration.objects.count() == 0


def test_the_declaration_page_shows_the_reference_title_and_organisation_only(
    client, member, application
):
    client.force_login(member.user)
    response = client.get(declare_url(application))
    assert response.status_code == 200
    content = response.content.decode()
    assert application.reference in content
    assert "Safe roads to school" in content
    assert "Community Safety Jety-Oguz" in content
    assert "Secret summary of application 1." not in content


def test_a_declared_conflict_is_listed_for_staff_with_its_reason(
    client, staff, conflicted, review_call
):
    client.force_login(staff)
    response = client.get(reverse("staff_review_progress", args=[review_call.pk]))
    assert [
        (declaration.member, declaration.reason) for declaration in response.context["conflicts"]
    ] == [(conflicted, "My sister chairs this organisation.")]
    assert "My sister chairs this organisation." in response.content.decode()


def test_applicants_never_see_declarations(client, applicant_a, conflicted, application):
    client.force_login(applicant_a)
    response = client.get(reverse("application_detail", args=[application.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "My sister chairs this organisation." not in content
    assert conflicted.user.full_name not in content
