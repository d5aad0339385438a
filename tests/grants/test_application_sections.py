"""Saving sections: explicit and automatic saves, conflicts, kept input, who may edit."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.enums import MembershipRole
from grants.enums import ApplicationState
from grants.models import Application, Attachment, BudgetLine
from grants.services.applications import (
    SectionConflict,
    application_save_section,
    application_submit,
    section_version,
)
from tests.factories import MembershipFactory, UserFactory
from tests.grants.test_application_support import (  # noqa: F401
    call_fixture,
    draft_fixture,
    fill_every_section,
    save,
    upload,
)

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def colleague(organisation_a):
    """Aisuluu, a second editor of organisation A."""
    user = UserFactory(email="aisuluu@example.org", full_name="Aisuluu Editor")
    MembershipFactory(organisation=organisation_a, user=user, role=MembershipRole.EDITOR)
    return user


def url(application, section):
    return reverse("application_section", args=[application.pk, section])


def summary_data(**overrides):
    data = {
        "base_version": 0,
        "title": "Safe roads",
        "theme": "",
        "summary": "Lessons near schools.",
        "duration_months": "12",
    }
    data.update(overrides)
    return data


def budget_rows(*lines, cofinancing="0"):
    data = {
        "base_version": 0,
        "cofinancing_local_budget": cofinancing,
        "cofinancing_other": "0",
        "cofinancing_sources": "",
        "rows-TOTAL_FORMS": len(lines),
        "rows-INITIAL_FORMS": 0,
    }
    for index, (description, quantity, unit_cost) in enumerate(lines):
        data.update(
            {
                f"rows-{index}-category": "events",
                f"rows-{index}-description": description,
                f"rows-{index}-unit": "piece",
                f"rows-{index}-quantity": quantity,
                f"rows-{index}-unit_cost": unit_cost,
            }
        )
    return data


def test_save_stores_the_section_and_comes_back_with_saved_at(client, applicant_a, draft):
    client.force_login(applicant_a)

    response = client.post(url(draft, "summary"), summary_data(save="1"), follow=True)

    draft.refresh_from_db()
    assert (draft.title, draft.summary, draft.duration_months) == (
        "Safe roads",
        "Lessons near schools.",
        12,
    )
    assert section_version(draft, "summary") == 1
    assert "Saved at " in response.content.decode()


def test_save_and_continue_goes_to_the_next_section(client, applicant_a, draft):
    client.force_login(applicant_a)

    response = client.post(url(draft, "summary"), summary_data(**{"continue": "1"}))

    assert response["Location"] == url(draft, "problem")


def test_autosave_saves_and_answers_saved_at_with_the_new_version(client, applicant_a, draft):
    client.force_login(applicant_a)

    response = client.post(url(draft, "summary"), summary_data(), **HX)

    body = response.json()
    draft.refresh_from_db()
    assert response.status_code == 200
    assert body["status"] == "saved"
    assert body["message"].startswith("Saved at ")
    assert body["version"] == 1
    assert draft.title == "Safe roads"


def test_a_draft_may_be_saved_incomplete(client, applicant_a, draft):
    client.force_login(applicant_a)

    response = client.post(url(draft, "summary"), summary_data(title="", summary=""), **HX)

    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.title == ""


def test_autosave_of_invalid_values_saves_nothing_and_says_what_to_correct(
    client, applicant_a, draft
):
    client.force_login(applicant_a)

    response = client.post(url(draft, "summary"), summary_data(duration_months="99"), **HX)

    assert response.status_code == 422
    assert response.json()["errors"] == [
        "Duration (months): Ensure this value is less than or equal to 36."
    ]
    draft.refresh_from_db()
    assert draft.summary == ""


def test_a_validation_error_keeps_every_value_typed(client, applicant_a, draft):
    client.force_login(applicant_a)

    response = client.post(
        url(draft, "budget"),
        budget_rows(("Printed leaflets", "abc", "12.50"), ("Hall rent", "3", "4000")),
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "Enter a number." in content
    assert 'value="Printed leaflets"' in content
    assert 'value="abc"' in content
    assert 'value="Hall rent"' in content
    assert 'value="4000"' in content
    assert BudgetLine.objects.count() == 0


def test_budget_save_stores_line_totals_and_the_requested_amount(client, applicant_a, draft):
    client.force_login(applicant_a)

    response = client.post(
        url(draft, "budget"),
        budget_rows(("Leaflets", "1000", "12.50"), ("Hall rent", "3", "4000"), cofinancing="5000"),
        follow=True,
    )

    draft.refresh_from_db()
    content = response.content.decode()
    assert (draft.budget_total, draft.requested_amount) == (
        Decimal("24500.00"),
        Decimal("19500.00"),
    )
    assert "12,500.00" in content  # the first line's total, computed on the server
    assert "24,500.00" in content
    assert "19,500.00" in content


def test_budget_autosave_answers_the_new_totals(client, applicant_a, draft):
    client.force_login(applicant_a)

    response = client.post(url(draft, "budget"), budget_rows(("Leaflets", "10", "2.5")), **HX)

    assert response.json()["budget"] == {"total": "25.00", "requested": "25.00"}


def test_saving_rows_replaces_them_all(client, applicant_a, draft):
    client.force_login(applicant_a)
    client.post(url(draft, "budget"), budget_rows(("Old", "1", "1"), ("Older", "1", "1")))

    data = budget_rows(("Kept", "2", "3"), ("Removed", "1", "1"))
    data.update({"base_version": 1, "rows-1-DELETE": "on"})
    client.post(url(draft, "budget"), data)

    assert list(BudgetLine.objects.values_list("description", "order")) == [("Kept", 0)]


def test_a_row_autosaved_a_moment_ago_survives_the_save_button(client, applicant_a, draft):
    # The page still says the row is new (INITIAL_FORMS 0) while autosave has stored it.
    client.force_login(applicant_a)
    data = budget_rows(("Lessons", "10", "20000"))
    version = client.post(url(draft, "budget"), data, **HX).json()["version"]

    data.update({"base_version": version, "continue": "1"})
    response = client.post(url(draft, "budget"), data)

    assert response.status_code == 302
    assert list(BudgetLine.objects.values_list("description", flat=True)) == ["Lessons"]


def test_an_activity_cannot_end_before_it_starts_or_after_the_project(client, applicant_a, draft):
    save(draft, "summary", applicant_a, fields={"duration_months": 6})
    client.force_login(applicant_a)
    data = {
        "base_version": 0,
        "objectives": "Fewer accidents",
        "rows-TOTAL_FORMS": 2,
        "rows-INITIAL_FORMS": 0,
        "rows-0-activity": "Backwards",
        "rows-0-start_month": "5",
        "rows-0-end_month": "2",
        "rows-1-activity": "Too long",
        "rows-1-start_month": "1",
        "rows-1-end_month": "9",
    }

    content = client.post(url(draft, "workplan"), data).content.decode()

    assert "The activity cannot end before it starts." in content
    assert "The project lasts 6 months: choose a month up to 6." in content
    draft.refresh_from_db()
    assert draft.objectives == ""


def test_the_later_save_of_the_same_section_is_told_and_shown_what_changed(
    client, applicant_a, colleague, draft
):
    # Both open the summary at version 0; Aisuluu saves first.
    save(draft, "summary", colleague, fields={"title": "Her title", "summary": "Same"})
    client.force_login(applicant_a)

    response = client.post(
        url(draft, "summary"), summary_data(title="My title", summary="Same", base_version=0)
    )

    content = response.content.decode()
    draft.refresh_from_db()
    assert response.status_code == 409
    assert draft.title == "Her title"
    assert "Aisuluu saved this section at " in content
    assert "while you were editing." in content
    assert 'value="My title"' in content  # what she typed is kept in the form
    assert "Project title" in content and "My title" in content and "Her title" in content
    assert "Save my version anyway" in content
    assert 'name="base_version" value="1"' in content


def test_save_my_version_anyway_posts_with_the_new_version_and_wins(
    client, applicant_a, colleague, draft
):
    save(draft, "summary", colleague, fields={"title": "Her title"})
    client.force_login(applicant_a)

    response = client.post(url(draft, "summary"), summary_data(title="Mine", base_version=1))

    draft.refresh_from_db()
    assert response.status_code == 302
    assert draft.title == "Mine"
    assert section_version(draft, "summary") == 2


def test_an_autosave_conflict_answers_409_with_the_message_and_overwrites_nothing(
    client, applicant_a, colleague, draft
):
    save(draft, "summary", colleague, fields={"title": "Her title"})
    client.force_login(applicant_a)

    response = client.post(url(draft, "summary"), summary_data(title="Mine"), **HX)

    body = response.json()
    draft.refresh_from_db()
    assert response.status_code == 409
    assert body["message"].startswith("Aisuluu saved this section at ")
    assert {"label": "Project title", "yours": "Mine", "saved": "Her title"} in body["differences"]
    assert draft.title == "Her title"


def test_a_conflict_on_rows_lists_both_versions(client, applicant_a, colleague, draft):
    save(
        draft,
        "budget",
        colleague,
        rows=[
            {
                "category": "events",
                "description": "Hers",
                "unit": "piece",
                "quantity": Decimal("1"),
                "unit_cost": Decimal("5"),
            }
        ],
    )
    client.force_login(applicant_a)

    response = client.post(url(draft, "budget"), budget_rows(("Mine", "2", "3")), **HX)

    differences = response.json()["differences"]
    assert response.status_code == 409
    assert [d["label"] for d in differences] == ["Budget lines"]
    assert "Mine" in differences[0]["yours"] and "Hers" in differences[0]["saved"]
    assert list(BudgetLine.objects.values_list("description", flat=True)) == ["Hers"]


def test_two_members_editing_different_sections_do_not_conflict(
    client, applicant_a, colleague, draft
):
    save(draft, "problem", colleague, fields={"problem": "Her problem"})
    client.force_login(applicant_a)

    response = client.post(url(draft, "summary"), summary_data(title="Mine"), **HX)

    draft.refresh_from_db()
    assert response.status_code == 200
    assert (draft.title, draft.problem) == ("Mine", "Her problem")


def test_the_service_refuses_a_stale_version_without_writing(applicant_a, colleague, draft):
    save(draft, "summary", colleague, fields={"title": "Hers"})
    draft.refresh_from_db()

    with pytest.raises(SectionConflict) as raised:
        application_save_section(
            application=draft,
            section="summary",
            by=applicant_a,
            base_version=0,
            fields={"title": "Mine"},
        )

    assert raised.value.saved_by == colleague
    assert Application.objects.get().title == "Hers"


def test_an_upload_is_kept_even_when_another_file_is_refused(client, applicant_a, draft):
    from tests.grants.test_application_support import pdf

    first, second = draft.call.documents.all()
    client.force_login(applicant_a)

    response = client.post(
        url(draft, "documents"),
        {
            f"document_{first.pk}": pdf("registration.pdf"),
            f"document_{second.pk}": upload("letter.pdf", b"<html><body>hi</body></html>"),
        },
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "“letter.pdf” is a web page or an SVG drawing" in content
    assert list(Attachment.objects.values_list("original_name", "document")) == [
        ("registration.pdf", first.pk)
    ]
    assert "registration.pdf" in content


def test_a_member_deletes_an_upload_of_a_draft(client, applicant_a, draft):
    from tests.grants.test_application_support import pdf

    client.force_login(applicant_a)
    client.post(url(draft, "documents"), {"document_extra": pdf("extra.pdf")})
    attachment = Attachment.objects.get()

    response = client.post(reverse("attachment_delete", args=[draft.pk, attachment.pk]))

    assert response.status_code == 302
    assert Attachment.objects.count() == 0


def test_the_declaration_records_who_declared(client, applicant_a, draft):
    client.force_login(applicant_a)

    client.post(url(draft, "declaration"), {"base_version": 0, "declaration_accepted": "on"})

    draft.refresh_from_db()
    assert (draft.declaration_accepted, draft.declared_by) == (True, applicant_a)


def test_a_viewer_of_the_organisation_reads_but_cannot_edit(client, organisation_a, draft):
    viewer = MembershipFactory(organisation=organisation_a, role=MembershipRole.VIEWER).user
    client.force_login(viewer)

    assert client.get(reverse("application_detail", args=[draft.pk])).status_code == 200
    assert client.get(url(draft, "summary")).status_code == 403
    assert client.post(url(draft, "summary"), summary_data()).status_code == 403
    assert client.post(url(draft, "documents"), {}).status_code == 403
    assert client.post(reverse("application_submit", args=[draft.pk])).status_code == 403
    draft.refresh_from_db()
    assert draft.title == ""


def test_programme_staff_read_but_cannot_edit_a_draft(client, staff, draft):
    client.force_login(staff)

    assert client.get(reverse("application_detail", args=[draft.pk])).status_code == 200
    assert client.get(url(draft, "summary")).status_code == 403


def test_a_submitted_application_is_frozen(client, applicant_a, draft, oblast):
    fill_every_section(draft, applicant_a, region=oblast)
    application_submit(application=draft, by=applicant_a)
    client.force_login(applicant_a)

    page = client.post(url(draft, "summary"), summary_data(title="Changed"), follow=True)
    autosave = client.post(url(draft, "summary"), summary_data(title="Changed"), **HX)

    draft.refresh_from_db()
    assert draft.title == "Safe roads to school in Jety-Oguz"
    assert draft.state == ApplicationState.SUBMITTED
    assert "This application has been submitted and can no longer be changed." in (
        page.content.decode()
    )
    assert autosave.status_code == 409
    assert json.loads(autosave.content)["status"] == "frozen"


def test_an_unknown_section_is_not_found(client, applicant_a, draft):
    client.force_login(applicant_a)

    assert client.get(url(draft, "budgets")).status_code == 404


def test_a_place_outside_the_calls_regions_is_refused_by_the_picker(client, applicant_a, draft):
    from tests.factories import RegionFactory

    elsewhere = RegionFactory(name_en="Talas Oblast")
    client.force_login(applicant_a)
    data = {
        "base_version": 0,
        "rows-TOTAL_FORMS": 1,
        "rows-INITIAL_FORMS": 0,
        "rows-0-region_1": elsewhere.pk,
    }

    response = client.post(url(draft, "locations"), data)

    assert response.status_code == 200
    assert (
        "Talas Oblast is outside the eligible areas: choose a place within Issyk-Kul Oblast."
        in (response.content.decode())
    )
    assert draft.locations.count() == 0


def test_the_pickers_no_javascript_button_rerenders_without_saving_or_an_error_summary(
    client, applicant_a, draft, oblast
):
    client.force_login(applicant_a)
    data = {
        "base_version": 0,
        "rows-TOTAL_FORMS": 1,
        "rows-INITIAL_FORMS": 0,
        "rows-0-region_1": oblast.pk,
        "rows-0-region_refine": "1",
    }

    response = client.post(url(draft, "locations"), data)

    content = response.content.decode()
    assert response.status_code == 200
    assert 'id="error-summary"' not in content
    assert "Choose a place in the lists below" in content
    assert draft.locations.count() == 0
