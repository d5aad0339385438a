"""Staff's list of applications (filters, sort, pagination, query count) and the
staff application page; who may see them and who gets a 404."""

import datetime as dt
import importlib.util
from decimal import Decimal

import pytest
from django.urls import reverse

from grants.enums import ApplicationState, CallState
from grants.models import ApplicationLocation
from grants.services.states import application_set_state
from regions.enums import RegionLevel
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    OrganisationFactory,
    RegionFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("staff_application_list")
UTC = dt.UTC


def submitted(call, organisation, number, *, places=(), **fields):
    """A submitted application with a reference, a sequence and its project locations."""
    fields.setdefault("state", ApplicationState.SUBMITTED)
    fields.setdefault(
        "submitted_at", dt.datetime(2017, 5, 1, 6, 0, tzinfo=UTC) + dt.timedelta(hours=number)
    )
    application = ApplicationFactory(
        call=call,
        organisation=organisation,
        sequence=number,
        reference=f"PIA-2017-{number:03d}",
        **fields,
    )
    for place in places:
        ApplicationLocation.objects.create(application=application, region=place)
    return application


@pytest.fixture
def geography(oblast):
    """Issyk-Kul (the cast's oblast) with Jety-Oguz District and an ayil aimak in it;
    Jalal-Abad with Suzak District and an ayil aimak in Suzak."""
    jety_oguz = RegionFactory(
        code="41702215000000",
        level=RegionLevel.DISTRICT,
        parent=oblast,
        name_en="Jety-Oguz District",
        name_ru="Жети-Огузский район",
    )
    ak_dobo = RegionFactory(
        code="41702215820000",
        level=RegionLevel.AYIL_AIMAK,
        parent=jety_oguz,
        name_en="Ak-Dobo ayil aimak",
        name_ru="Ак-Добоский айыльный аймак",
    )
    jalal_abad = RegionFactory(
        code="41703000000000", name_en="Jalal-Abad Oblast", name_ru="Джалал-Абадская область"
    )
    suzak = RegionFactory(
        code="41703225000000",
        level=RegionLevel.DISTRICT,
        parent=jalal_abad,
        name_en="Suzak District",
        name_ru="Сузакский район",
    )
    kyzyl_tuu = RegionFactory(
        code="41703225830000",
        level=RegionLevel.AYIL_AIMAK,
        parent=suzak,
        name_en="Kyzyl-Tuu ayil aimak",
        name_ru="Кызыл-Туйский айыльный аймак",
    )
    return {
        "issyk_kul": oblast,
        "jety_oguz": jety_oguz,
        "ak_dobo": ak_dobo,
        "jalal_abad": jalal_abad,
        "suzak": suzak,
        "kyzyl_tuu": kyzyl_tuu,
    }


def listed(response) -> list[str]:
    return [application.reference for application, _oblasts in response.context["rows"]]


# --- who may see -------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_login_for_staff_application_pages(client, organisation_a):
    application = submitted(CallFactory(), organisation_a, 1)
    for url in [
        LIST,
        reverse("staff_application_detail", args=[application.pk]),
        reverse("staff_application_screen", args=[application.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("who", ["applicant_a", "applicant_b", "committee_member", "donor_viewer"])
def test_nobody_but_staff_may_open_the_staff_list_or_application_page(
    client, request, who, organisation_a
):
    application = submitted(CallFactory(), organisation_a, 1)
    client.force_login(request.getfixturevalue(who))
    assert client.get(LIST).status_code == 404
    assert client.get(reverse("staff_application_detail", args=[application.pk])).status_code == 404


def test_admin_may_open_the_staff_list(client, admin_user, organisation_a):
    submitted(CallFactory(), organisation_a, 1)
    client.force_login(admin_user)
    response = client.get(LIST)
    assert response.status_code == 200
    assert listed(response) == ["PIA-2017-001"]


# --- what is listed ----------------------------------------------------------------


def test_staff_list_leaves_out_drafts_and_withdrawn_applications(client, staff, organisation_a):
    call = CallFactory()
    submitted(call, organisation_a, 1)
    submitted(call, organisation_a, 2, state=ApplicationState.ELIGIBLE)
    submitted(call, organisation_a, 3, state=ApplicationState.WITHDRAWN)
    ApplicationFactory(call=call, organisation=organisation_a, state=ApplicationState.DRAFT)
    client.force_login(staff)
    response = client.get(LIST, {"sort": "reference"})
    assert listed(response) == ["PIA-2017-001", "PIA-2017-002"]


def test_withdrawn_applications_are_listed_when_filtered_by_that_state(
    client, staff, organisation_a
):
    call = CallFactory()
    submitted(call, organisation_a, 1)
    submitted(call, organisation_a, 3, state=ApplicationState.WITHDRAWN)
    client.force_login(staff)
    response = client.get(LIST, {"state": "withdrawn"})
    assert listed(response) == ["PIA-2017-003"]


def test_state_filter_takes_several_states(client, staff, organisation_a):
    call = CallFactory()
    submitted(call, organisation_a, 1)
    submitted(call, organisation_a, 2, state=ApplicationState.ELIGIBLE)
    submitted(call, organisation_a, 3, state=ApplicationState.INELIGIBLE)
    client.force_login(staff)
    response = client.get(LIST, {"state": ["eligible", "ineligible"], "sort": "reference"})
    assert listed(response) == ["PIA-2017-002", "PIA-2017-003"]


def test_a_draft_state_is_not_a_filter_choice(client, staff, organisation_a):
    submitted(CallFactory(), organisation_a, 1)
    ApplicationFactory(organisation=organisation_a, state=ApplicationState.DRAFT)
    client.force_login(staff)
    response = client.get(LIST, {"state": "draft"})
    assert listed(response) == ["PIA-2017-001"]
    assert "state" in response.context["filterset"].form.errors


def test_call_filter_lists_only_that_calls_applications(client, staff, organisation_a):
    spring, autumn = CallFactory(), CallFactory()
    submitted(spring, organisation_a, 1)
    submitted(autumn, organisation_a, 2)
    client.force_login(staff)
    response = client.get(LIST, {"call": autumn.pk})
    assert listed(response) == ["PIA-2017-002"]


def test_oblast_filter_goes_by_project_locations_not_the_organisations_seat(
    client, staff, organisation_a, geography
):
    call = CallFactory()
    # organisation_a sits in Issyk-Kul, but this project runs in Jalal-Abad.
    submitted(call, organisation_a, 1, places=[geography["kyzyl_tuu"]])
    submitted(call, organisation_a, 2, places=[geography["ak_dobo"]])
    client.force_login(staff)
    response = client.get(LIST, {"oblast": geography["jalal_abad"].pk})
    assert listed(response) == ["PIA-2017-001"]


def test_an_application_with_several_places_in_the_oblast_is_listed_once(
    client, staff, organisation_a, geography
):
    submitted(
        CallFactory(),
        organisation_a,
        1,
        places=[geography["suzak"], geography["kyzyl_tuu"], geography["ak_dobo"]],
    )
    client.force_login(staff)
    response = client.get(LIST, {"oblast": geography["jalal_abad"].pk})
    assert listed(response) == ["PIA-2017-001"]
    assert response.context["page"].paginator.count == 1


def test_district_filter_matches_the_district_itself_and_places_under_it(
    client, staff, organisation_a, geography
):
    call = CallFactory()
    submitted(call, organisation_a, 1, places=[geography["suzak"]])
    submitted(call, organisation_a, 2, places=[geography["kyzyl_tuu"]])
    submitted(call, organisation_a, 3, places=[geography["jety_oguz"]])
    client.force_login(staff)
    response = client.get(LIST, {"district": geography["suzak"].pk, "sort": "reference"})
    assert listed(response) == ["PIA-2017-001", "PIA-2017-002"]


def test_district_choices_narrow_to_the_chosen_oblast(client, staff, geography):
    client.force_login(staff)
    response = client.get(LIST, {"oblast": geography["jalal_abad"].pk})
    districts = list(response.context["filterset"].form.fields["district"].queryset)
    assert districts == [geography["suzak"]]


def test_theme_filter_lists_only_that_theme(client, staff, organisation_a):
    call = CallFactory()
    early_marriage, road_safety = (
        ThemeFactory(programme=call.programme),
        ThemeFactory(programme=call.programme),
    )
    submitted(call, organisation_a, 1, theme=early_marriage)
    submitted(call, organisation_a, 2, theme=road_safety)
    client.force_login(staff)
    response = client.get(LIST, {"theme": road_safety.pk})
    assert listed(response) == ["PIA-2017-002"]


def test_organisation_filter_matches_part_of_the_name(
    client, staff, organisation_a, organisation_b
):
    call = CallFactory()
    submitted(call, organisation_a, 1)
    submitted(call, organisation_b, 2)
    client.force_login(staff)
    response = client.get(LIST, {"organisation": "karakol"})
    assert listed(response) == ["PIA-2017-002"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("PIA-2017-002", ["PIA-2017-002"]), ("road", ["PIA-2017-001"]), ("youth", ["PIA-2017-002"])],
)
def test_search_looks_in_reference_title_and_organisation_name(
    client, staff, organisation_a, organisation_b, text, expected
):
    call = CallFactory()
    submitted(call, organisation_a, 1, title="Safer roads to school")
    submitted(call, organisation_b, 2, title="Prevention of early marriage")
    client.force_login(staff)
    response = client.get(LIST, {"q": text})
    assert listed(response) == expected


def test_filters_combine(client, staff, organisation_a, organisation_b, geography):
    call = CallFactory()
    submitted(call, organisation_a, 1, places=[geography["kyzyl_tuu"]])
    submitted(
        call, organisation_a, 2, places=[geography["kyzyl_tuu"]], state=ApplicationState.ELIGIBLE
    )
    submitted(call, organisation_b, 3, places=[geography["kyzyl_tuu"]])
    client.force_login(staff)
    response = client.get(
        LIST,
        {"oblast": geography["jalal_abad"].pk, "state": "submitted", "organisation": "jety-oguz"},
    )
    assert listed(response) == ["PIA-2017-001"]


# --- sort --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("requested_amount", ["PIA-2017-002", "PIA-2017-003", "PIA-2017-001"]),
        ("-requested_amount", ["PIA-2017-001", "PIA-2017-003", "PIA-2017-002"]),
        ("title", ["PIA-2017-003", "PIA-2017-001", "PIA-2017-002"]),
        ("organisation", ["PIA-2017-001", "PIA-2017-003", "PIA-2017-002"]),
        ("-reference", ["PIA-2017-003", "PIA-2017-002", "PIA-2017-001"]),
        ("submitted_at", ["PIA-2017-001", "PIA-2017-002", "PIA-2017-003"]),
        ("state", ["PIA-2017-003", "PIA-2017-002", "PIA-2017-001"]),
    ],
)
def test_list_sorts_by_the_chosen_column(client, staff, sort, expected):
    call = CallFactory()
    submitted(
        call,
        OrganisationFactory(name="Aigerim's association"),
        1,
        title="Bright streets",
        requested_amount=Decimal("300000.00"),
        state=ApplicationState.SUBMITTED,
    )
    submitted(
        call,
        OrganisationFactory(name="Zhashtar youth"),
        2,
        title="Crossings",
        requested_amount=Decimal("100000.00"),
        state=ApplicationState.INELIGIBLE,
    )
    submitted(
        call,
        OrganisationFactory(name="Bakai village"),
        3,
        title="After school",
        requested_amount=Decimal("200000.00"),
        state=ApplicationState.ELIGIBLE,
    )
    client.force_login(staff)
    assert listed(client.get(LIST, {"sort": sort})) == expected


def test_list_is_newest_first_when_no_sort_or_an_unknown_sort_is_asked(
    client, staff, organisation_a
):
    call = CallFactory()
    for number in (1, 2, 3):
        submitted(call, organisation_a, number)
    client.force_login(staff)
    assert listed(client.get(LIST)) == ["PIA-2017-003", "PIA-2017-002", "PIA-2017-001"]
    assert listed(client.get(LIST, {"sort": "organisation__memberships__user__email"})) == [
        "PIA-2017-003",
        "PIA-2017-002",
        "PIA-2017-001",
    ]


def test_sorted_column_header_carries_aria_sort_and_links_to_the_reverse_order(
    client, staff, organisation_a
):
    call = CallFactory()
    submitted(call, organisation_a, 1)
    client.force_login(staff)
    response = client.get(LIST, {"sort": "title", "call": call.pk})
    header = response.context["headers"]["title"]
    assert header["aria_sort"] == "ascending"
    assert header["url"] == f"?sort=-title&call={call.pk}"
    assert response.context["headers"]["reference"]["aria_sort"] == ""
    assert 'aria-sort="ascending"' in response.content.decode()


# --- pages ---------------------------------------------------------------------------


def test_list_shows_25_a_page_and_the_page_links_keep_the_filters(client, staff, organisation_a):
    call, other_call = CallFactory(), CallFactory()
    for number in range(1, 28):
        submitted(call, organisation_a, number)
    submitted(other_call, organisation_a, 99)
    client.force_login(staff)
    response = client.get(LIST, {"call": call.pk, "sort": "reference"})
    assert len(response.context["rows"]) == 25
    assert response.context["page"].paginator.count == 27
    assert f'href="?call={call.pk}&amp;sort=reference&amp;page=2"' in response.content.decode()

    second = client.get(LIST, {"call": call.pk, "sort": "reference", "page": 2})
    assert listed(second) == ["PIA-2017-026", "PIA-2017-027"]


def test_row_shows_oblast_theme_amount_with_currency_and_local_submission_time(
    client, staff, organisation_a, geography
):
    call = CallFactory()
    theme = ThemeFactory(programme=call.programme, name_en="Road safety")
    submitted(
        call,
        organisation_a,
        1,
        places=[geography["kyzyl_tuu"], geography["suzak"], geography["ak_dobo"]],
        theme=theme,
        requested_amount=Decimal("250000.00"),
        submitted_at=dt.datetime(2017, 5, 3, 8, 30, tzinfo=UTC),
    )
    client.force_login(staff)
    response = client.get(LIST)
    [(application, oblasts)] = response.context["rows"]
    assert oblasts == ["Issyk-Kul Oblast", "Jalal-Abad Oblast"]
    html = response.content.decode()
    assert "Road safety" in html
    assert "250,000.00 KGS" in html
    # 08:30 UTC is 14:30 in Bishkek.
    assert "05/03/2017 2:30 p.m." in html


@pytest.mark.parametrize("rows", [1, 6])
def test_list_query_count_does_not_grow_with_rows(
    client, staff, geography, rows, django_assert_num_queries
):
    call = CallFactory()
    theme = ThemeFactory(programme=call.programme)
    for number in range(1, rows + 1):
        submitted(
            call,
            OrganisationFactory(),
            number,
            theme=theme,
            places=[geography["kyzyl_tuu"], geography["ak_dobo"]],
        )
    client.force_login(staff)
    # session, user, count, the page's keys, its rows (call, programme, organisation,
    # theme joined), their locations with their regions, then the filter form's
    # choices: calls, oblasts, districts, themes.
    with django_assert_num_queries(10):
        response = client.get(LIST)
    assert len(response.context["rows"]) == rows


# --- the application page ----------------------------------------------------------


def test_staff_application_page_shows_the_timeline_with_who_when_and_why(
    client, staff, organisation_a
):
    application = submitted(CallFactory(), organisation_a, 1)
    application_set_state(
        application=application,
        to_state=ApplicationState.INELIGIBLE,
        by=staff,
        reason="Submitted after the deadline",
    )
    client.force_login(staff)
    response = client.get(reverse("staff_application_detail", args=[application.pk]))
    assert response.status_code == 200
    [step] = response.context["timeline"]
    assert (str(step["from"]), str(step["to"]), step["by"], step["reason"]) == (
        "Submitted",
        "Ineligible",
        staff,
        "Submitted after the deadline",
    )
    html = response.content.decode()
    assert "Saltanat Staff" in html
    assert "Submitted after the deadline" in html


def test_staff_application_page_offers_screening_for_a_submitted_application(
    client, staff, organisation_a
):
    application = submitted(CallFactory(), organisation_a, 1)
    client.force_login(staff)
    response = client.get(reverse("staff_application_detail", args=[application.pk]))
    assert response.context["screening_open"] is True
    assert response.context["form"]["expected_state"].value() == ApplicationState.SUBMITTED
    assert reverse("staff_application_screen", args=[application.pk]) in response.content.decode()


def test_staff_application_page_says_screening_is_over_once_the_call_is_in_review(
    client, staff, organisation_a
):
    application = submitted(CallFactory(state=CallState.IN_REVIEW), organisation_a, 1)
    client.force_login(staff)
    response = client.get(reverse("staff_application_detail", args=[application.pk]))
    assert response.context["screening_open"] is False
    assert "review has started: screening decisions can no longer" in response.content.decode()


def test_a_draft_is_not_on_the_staff_application_page(client, staff, organisation_a):
    draft = ApplicationFactory(organisation=organisation_a, state=ApplicationState.DRAFT)
    client.force_login(staff)
    assert client.get(reverse("staff_application_detail", args=[draft.pk])).status_code == 404


@pytest.mark.skipif(
    importlib.util.find_spec("grants.display") is None,
    reason="grants.display (the full read-only application) is written by another helper",
)
def test_staff_application_page_includes_the_full_application(client, staff, organisation_a):
    application = submitted(CallFactory(), organisation_a, 1)
    client.force_login(staff)
    response = client.get(reverse("staff_application_detail", args=[application.pk]))
    assert "grants/includes/application_full.html" in [t.name for t in response.templates]
