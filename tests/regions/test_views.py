import pytest
from django.urls import reverse

from regions.enums import RegionLevel
from tests.factories import RegionFactory

BATKEN_OBLAST = "41705000000000"
LEILEK_DISTRICT = "41705236000000"
KULUNDU = "41705236825000"


def test_the_regions_index_renders_for_anonymous_users(client, loaded_regions):
    response = client.get(reverse("regions_index"))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="h3">Kyrgyzstan\'s administrative units</h1>' in html
    assert html.count("<path ") == 9
    assert f'href="{reverse("region_detail", args=[BATKEN_OBLAST])}"' in html


def test_the_regions_index_shades_by_current_towns_and_ayil_aimaks(client, loaded_regions):
    response = client.get(reverse("regions_index"))

    # Batken Oblast: 3 towns + 32 ayil aimaks.
    assert (
        '<tr data-code="41705000000000"><th scope="row">Batken Oblast</th><td class="num">35</td>'
        in (response.content.decode())
    )


@pytest.mark.parametrize("roots", [1, 5])
def test_the_regions_index_query_count_is_fixed(
    client, db, settings, tmp_path, django_assert_num_queries, roots
):
    settings.REGIONS_DATA_DIR = tmp_path  # no shapes file: the table alone
    for _ in range(roots):
        oblast = RegionFactory()
        RegionFactory(parent=oblast, level=RegionLevel.AYIL_AIMAK)

    # 1: towns and ayil aimaks per oblast; 2: the map's names; 3: the roots.
    with django_assert_num_queries(3):
        response = client.get(reverse("regions_index"))

    assert response.status_code == 200


def test_the_region_detail_shows_the_breadcrumb_names_and_code(client, loaded_regions):
    response = client.get(reverse("region_detail", args=[KULUNDU]))

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        '<li class="breadcrumb-item"><a href="/regions/41705000000000/">Batken Oblast</a></li>'
        in html
    )
    assert (
        '<li class="breadcrumb-item"><a href="/regions/41705236000000/">Leilek District</a></li>'
        in html
    )
    assert '<li class="breadcrumb-item active" aria-current="page">Kulundu ayil aimak</li>' in html
    assert '<dd class="col-sm-8" lang="ru">Кулундинский айылный аймак</dd>' in html
    assert "Not available: the Russian name is shown instead." in html
    assert '<dd class="col-sm-8">SOATE-2021</dd>' in html


def test_the_region_detail_lists_its_children(client, loaded_regions):
    response = client.get(reverse("region_detail", args=[LEILEK_DISTRICT]))

    # 9 ayil aimaks, Isfana town, and 6 villages listed directly under the district.
    assert response.context["page"].paginator.count == 16
    assert [child.code for child in response.context["page"]][:2] == [
        "41705236610860",  # Ak-Bulak village
        "41705236802000",  # Ak-Suu ayil aimak
    ]


def test_the_region_detail_paginates_children_fifty_to_a_page(client, db):
    oblast = RegionFactory(code="41799000000000")
    for number in range(51):
        RegionFactory(
            code=f"41799{200 + number:03d}000000",
            parent=oblast,
            level=RegionLevel.DISTRICT,
            name_en=f"District {number:02d}",
        )

    first = client.get(reverse("region_detail", args=[oblast.code]))
    second = client.get(reverse("region_detail", args=[oblast.code]), {"page": 2})

    assert len(first.context["page"]) == 50
    assert [child.name_en for child in second.context["page"]] == ["District 50"]


@pytest.mark.parametrize("children", [1, 6])
def test_the_region_detail_query_count_is_fixed(client, db, django_assert_num_queries, children):
    oblast = RegionFactory()
    district = RegionFactory(parent=oblast, level=RegionLevel.DISTRICT)
    for _ in range(children):
        RegionFactory(parent=district, level=RegionLevel.AYIL_AIMAK)

    # 1: the unit with its ancestors and successor; 2: count of children; 3: the page.
    with django_assert_num_queries(3):
        response = client.get(reverse("region_detail", args=[district.code]))

    assert response.status_code == 200


def test_an_unknown_code_is_a_404(client, db):
    response = client.get(reverse("region_detail", args=["41799999999999"]))

    assert response.status_code == 404


def test_the_regions_page_renders_in_russian(client, loaded_regions):
    response = client.get(reverse("regions_index"), HTTP_ACCEPT_LANGUAGE="ru")

    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert ">Баткенская область</a>" in html
    assert '<th scope="row">Бишкек</th>' in html


def test_the_region_detail_renders_in_russian(client, loaded_regions):
    response = client.get(reverse("region_detail", args=[KULUNDU]), HTTP_ACCEPT_LANGUAGE="ru")

    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert (
        '<li class="breadcrumb-item active" aria-current="page">Кулундинский айылный аймак</li>'
        in html
    )
