import re

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation

from regions.forms import RegionField, picker_refine_requested

BATKEN_OBLAST = "41705000000000"
LEILEK_DISTRICT = "41705236000000"
KULUNDU = "41705236825000"
KULUNDU_VILLAGE = "41705236825010"
SUZAK_DISTRICT = "41703220000000"
SUZAK = "41703220856000"
BISHKEK = "41711000000000"
SVERDLOV_DISTRICT = "41711204000000"


class PlaceForm(forms.Form):
    name = forms.CharField()
    place = RegionField()


def option_values(html: str) -> list[str]:
    return re.findall(r'<option value="(\d+)"', html)


def select_html(html: str, name: str) -> str:
    match = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S)
    assert match, f"no select named {name}"
    return match.group(0)


def selected_value(html: str, name: str) -> str | None:
    match = re.search(r'<option value="(\d*)" selected>', select_html(html, name))
    return match.group(1) if match else None


def test_options_for_batken_oblast_include_leilek_district_and_not_suzak_district(client, unit):
    response = client.get(reverse("region_options"), {"parent": unit(BATKEN_OBLAST).pk})

    values = option_values(response.content.decode())
    assert response.status_code == 200
    assert str(unit(LEILEK_DISTRICT).pk) in values
    assert str(unit(SUZAK_DISTRICT).pk) not in values
    assert len(values) == 6  # 3 districts and 3 cities of oblast significance


def test_options_read_the_parent_from_the_parameter_a_picker_select_names(client, unit):
    batken = unit(BATKEN_OBLAST)

    by_name = client.get(
        reverse("region_options"), {"parent_param": "place_1", "place_1": batken.pk}
    )
    by_parent = client.get(reverse("region_options"), {"parent": batken.pk})

    assert by_name.content == by_parent.content


def test_options_for_an_unknown_parent_are_only_the_placeholder(client, loaded_regions):
    response = client.get(reverse("region_options"), {"parent": 999_999})

    assert response.status_code == 200
    assert response.content.decode().strip() == (
        '<option value="">Choose the area above first</option>'
    )


def test_options_never_list_villages(client, unit):
    response = client.get(reverse("region_options"), {"parent": unit(KULUNDU).pk})

    assert option_values(response.content.decode()) == []


def test_options_are_sorted_by_the_name_in_the_active_language(client, unit):
    response = client.get(
        reverse("region_options"), {"parent": unit(BATKEN_OBLAST).pk}, HTTP_ACCEPT_LANGUAGE="ru"
    )

    names = re.findall(r'<option value="\d+">([^<]+)</option>', response.content.decode())
    assert names == [
        "Баткен",
        "Баткенский район",
        "Кадамжайский район",
        "Кызыл-Кия",
        "Лейлекский район",
        "Сулюкта",
    ]


@pytest.mark.parametrize("code", [BATKEN_OBLAST, "41708000000000"])
def test_the_options_endpoint_makes_two_queries_whatever_the_number_of_children(
    client, unit, django_assert_num_queries, code
):
    parent = unit(code)

    # 1: the parent (for its name in the placeholder); 2: its children.
    with django_assert_num_queries(2):
        client.get(reverse("region_options"), {"parent": parent.pk})


def test_options_within_list_only_the_allowed_units_and_their_ancestors(client, unit):
    batken, leilek = unit(BATKEN_OBLAST), unit(LEILEK_DISTRICT)
    url = reverse("region_options")

    roots_children = client.get(url, {"parent": batken.pk, "within": f"{leilek.pk}"})
    leilek_children = client.get(url, {"parent": leilek.pk, "within": f"{leilek.pk}"})

    assert option_values(roots_children.content.decode()) == [str(leilek.pk)]
    assert len(option_values(leilek_children.content.decode())) == 10


def test_the_field_submits_the_deepest_chosen_unit(unit):
    form = PlaceForm(
        {
            "name": "x",
            "place_1": unit(BATKEN_OBLAST).pk,
            "place_2": unit(LEILEK_DISTRICT).pk,
            "place_3": unit(KULUNDU).pk,
        }
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["place"] == unit(KULUNDU)


def test_the_field_accepts_stopping_at_the_oblast(unit):
    form = PlaceForm({"name": "x", "place_1": unit(BATKEN_OBLAST).pk, "place_2": ""})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["place"] == unit(BATKEN_OBLAST)


def test_the_field_accepts_a_city_district_of_bishkek(unit):
    form = PlaceForm(
        {"name": "x", "place_1": unit(BISHKEK).pk, "place_2": unit(SVERDLOV_DISTRICT).pk}
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["place"] == unit(SVERDLOV_DISTRICT)


def test_the_field_ignores_a_lower_choice_left_over_from_another_oblast(unit):
    # Without JavaScript the district list still shows Batken's districts after the
    # user switched to Jalal-Abad Oblast.
    form = PlaceForm(
        {"name": "x", "place_1": unit("41703000000000").pk, "place_2": unit(LEILEK_DISTRICT).pk}
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["place"] == unit("41703000000000")


def test_the_field_accepts_the_unit_posted_directly_under_its_own_name(unit):
    form = PlaceForm({"name": "x", "place": unit(KULUNDU).pk})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["place"] == unit(KULUNDU)


def test_the_field_requires_a_choice(loaded_regions):
    form = PlaceForm({"name": "x", "place_1": ""})

    assert form.errors["place"] == ["This field is required."]


def test_the_field_accepts_a_unit_within_the_allowed_area(unit):
    form = PlaceForm(
        {
            "name": "x",
            "place_1": unit(BATKEN_OBLAST).pk,
            "place_2": unit(LEILEK_DISTRICT).pk,
            "place_3": unit(KULUNDU).pk,
        }
    )
    form.fields["place"].within = [unit(LEILEK_DISTRICT)]

    assert form.is_valid(), form.errors
    assert form.cleaned_data["place"] == unit(KULUNDU)


def test_the_field_rejects_a_unit_outside_the_allowed_area_with_a_clear_message(unit):
    form = PlaceForm(
        {
            "name": "x",
            "place_1": unit("41703000000000").pk,
            "place_2": unit(SUZAK_DISTRICT).pk,
            "place_3": unit(SUZAK).pk,
        }
    )
    form.fields["place"].within = [unit(LEILEK_DISTRICT), unit(BISHKEK)]

    assert form.errors["place"] == [
        "Suzak ayil aimak is outside the eligible areas: "
        "choose a place within Leilek District, Bishkek."
    ]


def test_the_field_rejects_an_ancestor_of_the_allowed_area(unit):
    form = PlaceForm({"name": "x", "place_1": unit(BATKEN_OBLAST).pk})
    form.fields["place"] = RegionField(within=[unit(LEILEK_DISTRICT)])

    assert form.errors["place"] == [
        "Batken Oblast is outside the eligible areas: choose a place within Leilek District."
    ]


def test_the_field_rejects_a_village(unit):
    form = PlaceForm(
        {
            "name": "x",
            "place_1": unit("41703000000000").pk,  # Jalal-Abad Oblast
            "place_2": unit("41703410000010").pk,  # Jalal-Abad city
            "place_3": unit("41703410800010").pk,  # Kachkynchy village
        }
    )

    assert form.errors["place"] == ["That place cannot be chosen here."]


def test_a_third_choice_that_is_not_under_the_second_is_ignored(unit):
    form = PlaceForm(
        {
            "name": "x",
            "place_1": unit(BATKEN_OBLAST).pk,
            "place_2": unit(LEILEK_DISTRICT).pk,
            "place_3": unit(SUZAK).pk,
        }
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["place"] == unit(LEILEK_DISTRICT)


def test_the_picker_renders_three_labelled_selects_wired_to_the_options_endpoint(unit):
    html = str(PlaceForm()["place"])

    for level in (1, 2, 3):
        assert f'<label class="form-label small mb-1" for="id_place_{level}">' in html
        assert f'id="id_place_{level}"' in html
    first = select_html(html, "place_1")
    assert 'hx-get="/regions/options/?parent_param=place_1"' in first
    assert 'hx-trigger="change"' in first
    assert 'hx-target="#id_place_2"' in first
    assert 'hx-trigger="change from:#id_place_1"' in select_html(html, "place_3")
    assert 'name="place_refine"' in html
    assert "Show the places in this area" in html
    assert "<script" not in html
    assert "style=" not in html


def test_the_picker_lists_the_roots_first_and_leaves_the_lower_selects_empty(unit):
    html = str(PlaceForm()["place"])

    assert len(option_values(select_html(html, "place_1"))) == 9
    assert option_values(select_html(html, "place_2")) == []
    assert option_values(select_html(html, "place_3")) == []


def test_the_picker_passes_within_to_the_options_endpoint(unit):
    form = PlaceForm()
    leilek = unit(LEILEK_DISTRICT)
    form.fields["place"].within = [leilek]

    html = str(form["place"])

    assert f"parent_param=place_1&amp;within={leilek.pk}" in html
    assert option_values(select_html(html, "place_1")) == [str(unit(BATKEN_OBLAST).pk)]


def test_editing_an_existing_object_preselects_the_whole_chain(unit):
    form = PlaceForm(initial={"place": unit(KULUNDU)})

    html = str(form["place"])

    assert selected_value(html, "place_1") == str(unit(BATKEN_OBLAST).pk)
    assert selected_value(html, "place_2") == str(unit(LEILEK_DISTRICT).pk)
    assert selected_value(html, "place_3") == str(unit(KULUNDU).pk)
    assert len(option_values(select_html(html, "place_3"))) == 10


def test_rendering_a_preselected_picker_makes_one_query_per_level_and_one_for_the_chain(
    unit, django_assert_num_queries
):
    form = PlaceForm(initial={"place": unit(KULUNDU).pk})

    with django_assert_num_queries(4):
        str(form["place"])


def test_a_refine_post_rerenders_with_the_lower_select_filled_and_does_not_validate(unit):
    batken = unit(BATKEN_OBLAST)
    form = PlaceForm({"name": "x", "place_1": batken.pk, "place_2": "", "place_refine": "1"})

    assert not form.is_valid()
    html = str(form["place"])

    assert form.errors["place"] == [
        "Choose a place in the lists below, or save again to keep the area already chosen."
    ]
    assert selected_value(html, "place_1") == str(batken.pk)
    assert str(unit(LEILEK_DISTRICT).pk) in option_values(select_html(html, "place_2"))
    assert "All of Batken Oblast" in select_html(html, "place_2")
    assert option_values(select_html(html, "place_3")) == []


def test_picker_refine_requested_is_true_only_when_the_refine_button_sent_the_form(unit):
    batken = unit(BATKEN_OBLAST).pk

    assert picker_refine_requested(PlaceForm({"place_1": batken, "place_refine": "1"}))
    assert not picker_refine_requested(PlaceForm({"place_1": batken}))
    assert not picker_refine_requested(PlaceForm())


def test_picker_refine_requested_honours_the_form_prefix(unit):
    data = {"org-place_1": unit(BATKEN_OBLAST).pk, "org-place_refine": "1"}

    assert picker_refine_requested(PlaceForm(data, prefix="org"))


def test_the_picker_shows_names_in_russian(unit):
    with translation.override("ru"):
        html = str(PlaceForm(initial={"place": unit(LEILEK_DISTRICT)})["place"])

    assert ">Лейлекский район</option>" in html
    assert ">Баткенская область</option>" in html


def test_the_organisation_form_rerenders_after_a_refine_post_without_saving(
    client, applicant_a, unit
):
    from accounts.models import Organisation

    client.force_login(applicant_a)
    batken = unit(BATKEN_OBLAST)

    response = client.post(
        reverse("organisation_create"),
        {"name": "New association", "region_1": batken.pk, "region_2": "", "region_refine": "1"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert list(Organisation.objects.filter(name="New association")) == []
    assert selected_value(html, "region_1") == str(batken.pk)
    assert str(unit(LEILEK_DISTRICT).pk) in option_values(select_html(html, "region_2"))
