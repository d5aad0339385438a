"""Staff pages for calls: create and edit (with the three formsets), the staff call page
with its state buttons, and who may reach them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.enums import LegalForm
from grants.enums import ApplicationState, CallState
from grants.models import Call, Criterion, RequiredDocument, Transition
from grants.services.calls import call_lock_rubric
from regions.enums import RegionLevel
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    ProgrammeFactory,
    RegionFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

UTC = dt.UTC


@pytest.fixture
def programme(db):
    return ProgrammeFactory()


@pytest.fixture
def themes(programme):
    return [
        ThemeFactory(programme=programme, name_en="Early marriage"),
        ThemeFactory(programme=programme, name_en="Road safety"),
    ]


@pytest.fixture
def district(oblast):
    return RegionFactory(
        code="41702215000000",
        level=RegionLevel.DISTRICT,
        parent=oblast,
        oblast=oblast,
        name_en="Jety-Oguz District",
        name_ru="Джети-Огузский район",
        name_ky="Жети-Өгүз району",
    )


@pytest.fixture
def application_start_url():
    try:
        reverse("application_start", args=["any-call"])
    except NoReverseMatch:
        pytest.skip("application_start lands with the applications helper")


def call_data(programme, themes, regions, *, criteria=None, documents=None, **overrides):
    """The POST of the call editor: the call's fields and its three formsets."""
    if criteria is None:
        criteria = [
            {"name": "Relevance", "weight": "40", "max_points": "10"},
            {"name": "Feasibility", "weight": "30", "max_points": "10"},
            {"name": "Partnership with the ayil okmotu", "weight": "30", "max_points": "5"},
        ]
    if documents is None:
        documents = [
            {"name": "Registration certificate", "is_mandatory": "on"},
            {"name": "Letter of support from the ayil okmotu", "is_mandatory": "on"},
        ]
    data = {
        "programme": str(programme.pk),
        "title": "Small grants for crime prevention 2017",
        "slug": "",
        "description": "Local crime-prevention projects of public associations.",
        "themes": [str(theme.pk) for theme in themes],
        "eligible_legal_forms": [LegalForm.PUBLIC_ASSOCIATION, LegalForm.INITIATIVE_GROUP],
        "total_budget": "3000000.00",
        "min_grant": "100000.00",
        "max_grant": "300000.00",
        "cofinancing_min_percent": "10",
        "cofinancing_note": "A share from the local budget of the ayil aimak.",
        "opens_at": "2017-05-01T09:00",
        "closes_at": "2017-05-31T18:00",
        "questions_until": "2017-05-20T18:00",
        "contact_name": "Programme officer",
        "contact_email": "grants@example.org",
        "save": "1",
    }
    data.update(_formset("regions", [{"region_1": str(region.pk)} for region in regions]))
    data.update(_formset("criteria", criteria))
    data.update(_formset("documents", documents))
    data.update(overrides)
    return data


def _formset(prefix, rows, initial=0):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{index}-{name}"] = value
    return data


def _future(data):
    """Move the example's dates to next year, so that the call can be published now."""
    year = timezone.localtime().year + 1
    for name in ("opens_at", "closes_at", "questions_until"):
        data[name] = data[name].replace("2017", str(year))
    return data


# --- who may reach the staff pages ---------------------------------------------------------


def _staff_urls(call):
    return [
        ("get", reverse("staff_call_list")),
        ("get", reverse("staff_call_create")),
        ("get", reverse("staff_call_detail", args=[call.pk])),
        ("get", reverse("staff_call_edit", args=[call.pk])),
        ("get", reverse("staff_call_questions", args=[call.pk])),
        ("post", reverse("staff_call_state", args=[call.pk])),
    ]


def test_anonymous_visitor_is_sent_to_login_from_every_staff_call_page(client):
    call = CallFactory()
    for method, url in _staff_urls(call):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url


@pytest.mark.parametrize(
    "person", ["applicant_a", "committee_member", "donor_viewer", "conflicted_member"]
)
def test_staff_call_pages_are_not_found_for_anyone_but_programme_staff(client, request, person):
    call = CallFactory()
    client.force_login(request.getfixturevalue(person))
    for method, url in _staff_urls(call):
        response = getattr(client, method)(
            url, {"to_state": "closed", "expected_state": "published"}
        )
        assert response.status_code == 404, url
    call.refresh_from_db()
    assert call.state == CallState.PUBLISHED


def test_staff_see_the_call_list_with_states_and_submitted_counts(client, staff):
    call = CallFactory(title="Prevention in Action 2017")
    ApplicationFactory(call=call, state=ApplicationState.SUBMITTED)
    ApplicationFactory(call=call, state=ApplicationState.ELIGIBLE)
    ApplicationFactory(call=call, state=ApplicationState.DRAFT)
    client.force_login(staff)
    response = client.get(reverse("staff_call_list"))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [call]
    assert response.context["page"].object_list[0].submitted_count == 2
    assert "Prevention in Action 2017" in response.content.decode()


@pytest.mark.parametrize("rows", [1, 5])
def test_staff_call_list_query_count_does_not_grow_with_calls(
    client, staff, rows, django_assert_num_queries
):
    for _ in range(rows):
        ApplicationFactory(call=CallFactory(), state=ApplicationState.SUBMITTED)
    client.force_login(staff)
    # session, user, count of calls, the page of calls with their submitted counts
    with django_assert_num_queries(4):
        response = client.get(reverse("staff_call_list"))
    assert len(response.context["page"].object_list) == rows


# --- creating a call -------------------------------------------------------------------------


def test_staff_create_a_call_publish_it_and_the_public_page_shows_it(
    client, staff, programme, themes, oblast, district, application_start_url
):
    client.force_login(staff)
    response = client.post(
        reverse("staff_call_create"), _future(call_data(programme, themes, [oblast, district]))
    )
    call = Call.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("staff_call_detail", args=[call.pk])
    assert call.state == CallState.DRAFT
    assert call.slug == "small-grants-for-crime-prevention-2017"
    assert set(call.themes.all()) == set(themes)
    assert list(call.eligible_regions.order_by("code")) == [oblast, district]
    assert call.eligible_legal_forms == ["public_association", "initiative_group"]
    assert list(call.criteria.values_list("name", "weight", "max_points", "order")) == [
        ("Relevance", 40, 10, 0),
        ("Feasibility", 30, 10, 1),
        ("Partnership with the ayil okmotu", 30, 5, 2),
    ]
    assert list(call.documents.values_list("name", "is_mandatory")) == [
        ("Registration certificate", True),
        ("Letter of support from the ayil okmotu", True),
    ]

    # Drafts are not public yet.
    client.logout()
    assert client.get(reverse("call_detail", args=[call.slug])).status_code == 404

    client.force_login(staff)
    response = client.post(
        reverse("staff_call_state", args=[call.pk]),
        {"to_state": CallState.PUBLISHED, "expected_state": CallState.DRAFT},
    )
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.state == CallState.PUBLISHED
    assert list(Transition.objects.values_list("from_state", "to_state", "by")) == [
        (CallState.DRAFT, CallState.PUBLISHED, staff.pk)
    ]

    client.logout()
    response = client.get(reverse("call_detail", args=[call.slug]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Small grants for crime prevention 2017" in content
    assert "Partnership with the ayil okmotu" in content
    assert "Jety-Oguz District (Issyk-Kul Oblast)" in content
    assert "Opens in" in content
    listed = client.get(reverse("call_list")).context["upcoming_calls"]
    assert listed == [call]


def test_a_moment_typed_in_bishkek_time_is_stored_as_the_right_utc_moment(
    client, staff, programme, themes, oblast
):
    client.force_login(staff)
    client.post(reverse("staff_call_create"), call_data(programme, themes, [oblast]))
    call = Call.objects.get()
    assert call.closes_at == dt.datetime(2017, 5, 31, 12, 0, tzinfo=UTC)
    assert call.opens_at == dt.datetime(2017, 5, 1, 3, 0, tzinfo=UTC)


def test_the_editor_shows_stored_moments_in_bishkek_time(client, staff):
    call = CallFactory(
        state=CallState.DRAFT,
        opens_at=dt.datetime(2017, 5, 1, 3, 0, tzinfo=UTC),
        closes_at=dt.datetime(2017, 5, 31, 12, 0, tzinfo=UTC),
    )
    client.force_login(staff)
    content = client.get(reverse("staff_call_edit", args=[call.pk])).content.decode()
    assert 'type="datetime-local" name="closes_at" value="2017-05-31T18:00"' in content
    assert 'name="opens_at" value="2017-05-01T09:00"' in content


def test_a_typed_slug_is_kept_and_a_taken_one_is_refused(client, staff, programme, themes, oblast):
    CallFactory(slug="pia-2017")
    client.force_login(staff)
    response = client.post(
        reverse("staff_call_create"), call_data(programme, themes, [oblast], slug="pia-2017")
    )
    assert response.status_code == 200
    assert "Another call already uses this address; choose another." in response.content.decode()
    assert Call.objects.count() == 1
    client.post(reverse("staff_call_create"), call_data(programme, themes, [oblast], slug="pia-17"))
    assert Call.objects.filter(slug="pia-17").exists()


# --- validation: every rule, every message, nothing lost --------------------------------


def test_every_rule_is_reported_at_once_and_nothing_typed_is_lost(
    client, staff, programme, themes, oblast
):
    client.force_login(staff)
    data = call_data(
        programme,
        [],
        [oblast],
        criteria=[
            {"name": "Relevance", "weight": "40", "max_points": "10"},
            {"name": "Feasibility", "weight": "50", "max_points": "10"},
        ],
        documents=[{"name": "Budget in the programme's template", "is_mandatory": "on"}],
        opens_at="2017-05-31T18:00",
        closes_at="2017-05-01T09:00",
        questions_until="",
        min_grant="400000.00",
        max_grant="350000.00",
        total_budget="300000.00",
        description="Safer villages in Jety-Oguz.",
        eligible_legal_forms=[],
    )
    response = client.post(reverse("staff_call_create"), data)
    assert response.status_code == 200
    assert Call.objects.count() == 0
    assert Criterion.objects.count() == 0
    content = response.content.decode()
    assert "The call must close after it opens." in content
    assert (
        "The maximum grant (350000.00) must be at least the minimum grant (400000.00)." in content
    )
    assert "The maximum grant (350000.00) cannot exceed the total budget (300000.00)." in content
    assert "The weights of the criteria add up to 90; they must add up to exactly 100." in content
    assert "Choose at least one theme." in content
    assert "Choose at least one eligible organisation form." in content
    # What was typed comes back.
    assert "Safer villages in Jety-Oguz." in content
    assert 'value="Feasibility"' in content
    assert 'value="Budget in the programme&#x27;s template"' in content
    assert 'name="closes_at" value="2017-05-01T09:00"' in content
    assert f'<option value="{oblast.pk}" selected>' in content


def test_a_call_without_criteria_is_refused(client, staff, programme, themes, oblast):
    client.force_login(staff)
    blank_row = {"name": "", "description": "", "weight": "", "max_points": "10", "order": ""}
    data = call_data(programme, themes, [oblast], criteria=[blank_row])
    response = client.post(reverse("staff_call_create"), data)
    assert response.status_code == 200
    assert "Add at least one scoring criterion." in response.content.decode()
    assert Call.objects.count() == 0


def test_a_call_without_an_eligible_region_is_refused(client, staff, programme, themes):
    client.force_login(staff)
    data = call_data(programme, themes, [])
    data.update(_formset("regions", [{"region_1": ""}]))
    response = client.post(reverse("staff_call_create"), data)
    assert response.status_code == 200
    assert (
        "Choose at least one eligible region (an oblast opens the call to all of it)."
        in response.content.decode()
    )
    assert Call.objects.count() == 0


def test_questions_cannot_run_past_the_deadline(client, staff, programme, themes, oblast):
    client.force_login(staff)
    data = call_data(programme, themes, [oblast], questions_until="2017-06-02T18:00")
    response = client.post(reverse("staff_call_create"), data)
    assert "Questions must close no later than the call itself." in response.content.decode()
    assert Call.objects.count() == 0


def test_a_theme_of_another_programme_is_refused(client, staff, programme, themes, oblast):
    other = ThemeFactory(programme=ProgrammeFactory(slug="other", name="Other programme"))
    client.force_login(staff)
    response = client.post(
        reverse("staff_call_create"), call_data(programme, [*themes, other], [oblast])
    )
    assert f"“{other.name}” is a theme of another programme." in response.content.decode()
    assert Call.objects.count() == 0


def test_add_another_row_keeps_what_was_typed_and_saves_nothing(
    client, staff, programme, themes, oblast
):
    client.force_login(staff)
    data = call_data(programme, themes, [oblast], title="")
    del data["save"]
    data["add_criteria"] = "1"
    response = client.post(reverse("staff_call_create"), data)
    assert response.status_code == 200
    assert Call.objects.count() == 0
    formset = response.context["criterion_formset"]
    assert formset.total_form_count() == 4
    content = response.content.decode()
    assert "This field is required." not in content
    assert 'value="Partnership with the ayil okmotu"' in content
    assert 'name="criteria-3-name"' in content


def test_the_region_picker_refine_button_fills_the_lower_list_without_saving(
    client, staff, programme, themes, oblast, district
):
    client.force_login(staff)
    data = call_data(programme, themes, [oblast])
    del data["save"]
    data["regions-0-region_refine"] = "1"
    response = client.post(reverse("staff_call_create"), data)
    assert response.status_code == 200
    assert Call.objects.count() == 0
    assert f'<option value="{district.pk}">Jety-Oguz District</option>' in response.content.decode()


# --- editing ---------------------------------------------------------------------------------


def _edit_data(call, **overrides):
    criteria = [
        {
            "id": str(c.pk),
            "name": c.name,
            "weight": str(c.weight),
            "max_points": str(c.max_points),
            "order": str(c.order),
        }
        for c in call.criteria.all()
    ]
    documents = [
        {"id": str(d.pk), "name": d.name, "is_mandatory": "on", "order": str(d.order)}
        for d in call.documents.all()
    ]
    data = call_data(
        call.programme,
        list(call.themes.all()),
        list(call.eligible_regions.all()),
        criteria=criteria,
        documents=documents,
        title=call.title,
        slug=call.slug,
        opens_at=timezone.localtime(call.opens_at).strftime("%Y-%m-%dT%H:%M"),
        closes_at=timezone.localtime(call.closes_at).strftime("%Y-%m-%dT%H:%M"),
        questions_until="",
    )
    data["criteria-INITIAL_FORMS"] = str(len(criteria))
    data["documents-INITIAL_FORMS"] = str(len(documents))
    data.update(overrides)
    return data


@pytest.fixture
def editable_call(programme, themes, oblast):
    call = CallFactory(programme=programme)
    call.themes.set(themes)
    call.eligible_regions.set([oblast])
    return call


def test_staff_edit_a_call_and_its_rubric_in_place(client, staff, editable_call):
    client.force_login(staff)
    data = _edit_data(editable_call, title="Renamed call")
    data["criteria-0-weight"] = "40"
    data["criteria-2-weight"] = "30"
    data["criteria-3-DELETE"] = "on"
    relevance = editable_call.criteria.get(name="Relevance")
    response = client.post(reverse("staff_call_edit", args=[editable_call.pk]), data)
    assert response.status_code == 302
    editable_call.refresh_from_db()
    assert editable_call.title == "Renamed call"
    assert list(editable_call.criteria.values_list("pk", "name", "weight")) == [
        (relevance.pk, "Relevance", 40),
        (relevance.pk + 1, "Feasibility", 30),
        (relevance.pk + 2, "Partnership", 30),
    ]


def test_a_locked_rubric_is_shown_read_only_with_the_reason(client, staff, editable_call):
    call_lock_rubric(call=editable_call)
    client.force_login(staff)
    response = client.get(reverse("staff_call_edit", args=[editable_call.pk]))
    content = response.content.decode()
    assert response.context["criterion_formset"] is None
    assert "because scoring has started: its criteria can no longer be changed." in content
    assert 'name="criteria-0-weight"' not in content


def test_a_locked_rubric_refuses_changed_criteria_and_keeps_the_rubric(
    client, staff, editable_call
):
    call_lock_rubric(call=editable_call)
    before = list(editable_call.criteria.values_list("pk", "name", "weight", "max_points"))
    client.force_login(staff)
    data = _edit_data(editable_call, title="Renamed call")
    data["criteria-0-weight"] = "50"
    data["criteria-1-weight"] = "20"
    response = client.post(reverse("staff_call_edit", args=[editable_call.pk]), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "because scoring has started: its criteria can no longer be changed." in content
    assert 'value="Renamed call"' in content
    editable_call.refresh_from_db()
    assert editable_call.title != "Renamed call"
    assert list(editable_call.criteria.values_list("pk", "name", "weight", "max_points")) == before


def test_a_locked_call_still_saves_its_other_fields(client, staff, editable_call):
    call_lock_rubric(call=editable_call)
    client.force_login(staff)
    data = {
        key: value
        for key, value in _edit_data(editable_call, contact_name="Aida").items()
        if not key.startswith("criteria-")
    }
    response = client.post(reverse("staff_call_edit", args=[editable_call.pk]), data)
    assert response.status_code == 302
    editable_call.refresh_from_db()
    assert editable_call.contact_name == "Aida"
    assert editable_call.criteria.count() == 4


def test_a_call_in_review_can_no_longer_be_edited(client, staff, editable_call):
    Call.objects.filter(pk=editable_call.pk).update(state=CallState.IN_REVIEW)
    client.force_login(staff)
    assert client.get(reverse("staff_call_edit", args=[editable_call.pk])).status_code == 403


def test_call_lock_rubric_keeps_the_first_moment(editable_call):
    assert call_lock_rubric(call=editable_call) is True
    first = editable_call.rubric_locked_at
    assert call_lock_rubric(call=editable_call) is False
    editable_call.refresh_from_db()
    assert editable_call.rubric_locked_at == first


# --- the staff call page and its state buttons ------------------------------------------------


def test_the_staff_call_page_offers_the_moves_of_the_state_shown(client, staff, editable_call):
    ApplicationFactory(call=editable_call, state=ApplicationState.SUBMITTED)
    ApplicationFactory(call=editable_call, state=ApplicationState.DRAFT)
    client.force_login(staff)
    response = client.get(reverse("staff_call_detail", args=[editable_call.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "(Asia/Bishkek)" in content
    assert "2 started, 1 submitted" in content
    assert [state for state, _label in response.context["state_actions"]] == [
        CallState.CLOSED,
        CallState.DRAFT,
    ]


def test_a_stale_state_button_is_refused_politely(client, staff, editable_call):
    client.force_login(staff)
    response = client.post(
        reverse("staff_call_state", args=[editable_call.pk]),
        {"to_state": CallState.PUBLISHED, "expected_state": CallState.DRAFT},
        follow=True,
    )
    assert "Someone else changed this a moment ago" in response.content.decode()
    editable_call.refresh_from_db()
    assert editable_call.state == CallState.PUBLISHED


def test_an_incomplete_draft_cannot_be_published(client, staff, programme, oblast):
    call = CallFactory(programme=programme, state=CallState.DRAFT, rubric=False)
    Criterion.objects.create(call=call, name="Relevance", weight=60)
    client.force_login(staff)
    response = client.post(
        reverse("staff_call_state", args=[call.pk]),
        {"to_state": CallState.PUBLISHED, "expected_state": CallState.DRAFT},
        follow=True,
    )
    content = response.content.decode()
    assert "The weights of the criteria add up to 60; they must add up to exactly 100." in content
    assert "Choose at least one theme." in content
    assert "Choose at least one eligible region." in content
    call.refresh_from_db()
    assert call.state == CallState.DRAFT


def test_a_published_call_past_its_deadline_moves_to_review(client, staff, editable_call):
    Call.objects.filter(pk=editable_call.pk).update(
        closes_at=timezone.now() - dt.timedelta(hours=1)
    )
    client.force_login(staff)
    page = client.get(reverse("staff_call_detail", args=[editable_call.pk]))
    assert page.context["shown_state"] == CallState.CLOSED
    client.post(
        reverse("staff_call_state", args=[editable_call.pk]),
        {"to_state": CallState.IN_REVIEW, "expected_state": CallState.CLOSED},
    )
    editable_call.refresh_from_db()
    assert editable_call.state == CallState.IN_REVIEW
    assert list(Transition.objects.values_list("to_state", "by")) == [
        (CallState.CLOSED, None),
        (CallState.IN_REVIEW, staff.pk),
    ]


def test_a_document_with_uploaded_files_cannot_be_removed(client, staff, editable_call):
    from django.core.files.base import ContentFile

    from grants.models import Attachment

    document = editable_call.documents.first()
    application = ApplicationFactory(call=editable_call)
    Attachment.objects.create(
        application=application,
        document=document,
        file=ContentFile(b"%PDF-1.4", name="certificate.pdf"),
        original_name="certificate.pdf",
        content_type="application/pdf",
        size=8,
    )
    client.force_login(staff)
    data = _edit_data(editable_call)
    data["documents-0-DELETE"] = "on"
    response = client.post(reverse("staff_call_edit", args=[editable_call.pk]), data)
    assert response.status_code == 200
    assert (
        f"“{document.name}” already has uploaded files and cannot be removed."
        in response.content.decode()
    )
    assert RequiredDocument.objects.filter(pk=document.pk).exists()


def test_call_services_take_plain_keyword_arguments(programme, themes, oblast):
    from grants.services.calls import call_create

    call = call_create(
        programme=programme,
        title="Prevention in Action 2017",
        description="Local crime prevention.",
        themes=themes,
        eligible_regions=[oblast],
        eligible_legal_forms=["public_association"],
        total_budget=Decimal("3000000"),
        min_grant=Decimal("100000"),
        max_grant=Decimal("300000"),
        opens_at=dt.datetime(2017, 5, 1, 3, tzinfo=UTC),
        closes_at=dt.datetime(2017, 5, 31, 12, tzinfo=UTC),
        criteria=[{"name": "Relevance", "weight": 100, "max_points": 10}],
        documents=[{"name": "Budget", "is_mandatory": True}],
    )
    assert call.slug == "prevention-in-action-2017"
    assert call.state == CallState.DRAFT
    assert list(call.criteria.values_list("name", "weight")) == [("Relevance", 100)]


def test_call_create_explains_inconsistent_terms(programme, themes, oblast):
    from django.core.exceptions import ValidationError

    from grants.services.calls import call_create

    with pytest.raises(ValidationError) as refused:
        call_create(
            programme=programme,
            title="Prevention in Action 2017",
            description="Local crime prevention.",
            themes=themes,
            eligible_regions=[oblast],
            eligible_legal_forms=["public_association"],
            total_budget="200000",
            min_grant="100000",
            max_grant="300000",
            opens_at=dt.datetime(2017, 5, 31, 12, tzinfo=UTC),
            closes_at=dt.datetime(2017, 5, 1, 3, tzinfo=UTC),
            criteria=[{"name": "Relevance", "weight": 100, "max_points": 10}],
        )
    assert refused.value.message_dict == {
        "closes_at": ["The call must close after it opens."],
        "max_grant": ["The maximum grant (300000) cannot exceed the total budget (200000)."],
    }
    assert Call.objects.count() == 0


def test_add_another_region_gives_a_second_picker(client, staff, programme, themes, oblast):
    client.force_login(staff)
    data = call_data(programme, themes, [oblast])
    del data["save"]
    data["add_regions"] = "1"
    response = client.post(reverse("staff_call_create"), data)
    assert response.context["region_formset"].total_form_count() == 2
    assert 'name="regions-1-region_1"' in response.content.decode()
    assert Call.objects.count() == 0
