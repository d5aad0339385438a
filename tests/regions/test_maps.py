import re
import shutil
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from regions.maps import legend, oblast_map_shapes, shade_class
from tests.factories import RegionFactory

BATKEN_OBLAST = "41705000000000"
CHUY_OBLAST = "41708000000000"
NARYN_OBLAST = "41704000000000"
BISHKEK = "41711000000000"
OSH_CITY = "41721000000000"
ATTRIBUTION = (
    "Boundaries: OCHA COD-AB Kyrgyzstan (MoES KR, 2018), CC BY-IGO. "
    "The boundaries shown imply no endorsement."
)


def render_map(values, caption="Projects") -> str:
    template = Template("{% load region_maps %}{% oblast_map values caption %}")
    return template.render(Context({"values": values, "caption": caption}))


def path_classes(html: str) -> dict[str, str]:
    return dict(re.findall(r'<path id="[^"]+" data-code="(\d+)" class="([\w-]+)"', html))


def table_rows(html: str) -> list[tuple[str, str]]:
    return re.findall(
        r'<tr data-code="\d+"><th scope="row">([^<]+)</th><td class="num">([^<]+)<', html
    )


@pytest.fixture
def geojson_dir(settings, tmp_path, regions_data_dir):
    """A data folder holding only the oblast shapes (no regions are loaded)."""
    shutil.copy(regions_data_dir / "kg_oblasts.geojson", tmp_path / "kg_oblasts.geojson")
    settings.REGIONS_DATA_DIR = tmp_path
    return tmp_path


def test_the_map_has_exactly_one_path_per_feature(loaded_regions):
    html = render_map({BATKEN_OBLAST: 3})

    assert html.count("<path ") == 9
    assert html.count('<svg class="oblast-map"') == 1
    assert 'role="img"' in html


def test_the_table_has_one_row_per_oblast_sorted_by_name(loaded_regions):
    html = render_map({BATKEN_OBLAST: 3, BISHKEK: 1})

    assert table_rows(html) == [
        ("Batken Oblast", "3"),
        ("Bishkek", "1"),
        ("Chuy Oblast", "0"),
        ("Issyk-Kul Oblast", "0"),
        ("Jalal-Abad Oblast", "0"),
        ("Naryn Oblast", "0"),
        ("Osh", "0"),
        ("Osh Oblast", "0"),
        ("Talas Oblast", "0"),
    ]


def test_the_cities_are_drawn_after_the_oblasts(loaded_regions):
    codes = list(path_classes(render_map({})))

    assert codes[-2:] == [BISHKEK, OSH_CITY]


def test_each_path_has_a_title_with_name_and_value(loaded_regions):
    html = render_map({NARYN_OBLAST: 12})

    assert "<title>Naryn Oblast: 12</title>" in html
    assert re.search(r'<title id="oblast-map-\d+-title">Projects by oblast</title>', html)


def test_the_largest_value_gets_the_darkest_class_and_zero_is_grey(loaded_regions):
    classes = path_classes(render_map({CHUY_OBLAST: 40, NARYN_OBLAST: 9, BATKEN_OBLAST: 0}))

    assert classes[CHUY_OBLAST] == "map-bin-5"
    assert classes[NARYN_OBLAST] == "map-bin-2"
    assert classes[BATKEN_OBLAST] == "map-bin-0"
    assert classes[BISHKEK] == "map-bin-0"


def test_shading_is_in_five_equal_intervals_up_to_the_largest_value():
    assert [shade_class(value, 10) for value in (0, 1, 2, 3, 5, 6, 9, 10)] == [
        "map-bin-0",
        "map-bin-1",
        "map-bin-1",
        "map-bin-2",
        "map-bin-3",
        "map-bin-3",
        "map-bin-5",
        "map-bin-5",
    ]


def test_shading_accepts_decimal_amounts():
    assert shade_class(Decimal("1250000.50"), Decimal("1250000.50")) == "map-bin-5"
    assert shade_class(Decimal("250000.10"), Decimal("1250000.50")) == "map-bin-1"
    assert shade_class(None, Decimal("10")) == "map-bin-0"


def test_the_legend_lists_only_the_classes_whole_numbers_can_fill():
    assert [(entry.css_class, entry.label) for entry in legend(3)] == [
        ("map-bin-0", "0 or no data"),
        ("map-bin-2", "1"),
        ("map-bin-4", "2"),
        ("map-bin-5", "3"),
    ]


def test_the_legend_matches_the_shading(loaded_regions):
    for value in range(1, 11):
        label = next(
            entry.label for entry in legend(10) if entry.css_class == shade_class(value, 10)
        )
        lower, _, upper = label.partition("–")
        assert int(lower) <= value <= int(upper or lower)


def test_the_map_shows_the_attribution(loaded_regions):
    assert ATTRIBUTION in render_map({})


def test_the_map_uses_names_from_the_regions_in_the_active_language(loaded_regions):
    with translation.override("ru"):
        html = render_map({BATKEN_OBLAST: 1})

    assert ("Баткенская область", "1") in table_rows(html)
    assert "<title>Баткенская область: 1</title>" in html


def test_the_map_falls_back_to_the_names_in_the_shapes_file(db, geojson_dir):
    with translation.override("ky"):
        html = render_map({BATKEN_OBLAST: 1})

    assert ("Баткен облусу", "1") in table_rows(html)
    assert len(table_rows(html)) == 9


def test_the_map_reads_the_names_in_one_query(loaded_regions, django_assert_num_queries):
    with django_assert_num_queries(1):
        render_map({BATKEN_OBLAST: 1, BISHKEK: 2})


def test_without_the_shapes_file_the_table_and_a_note_are_shown_instead(db, settings, tmp_path):
    settings.REGIONS_DATA_DIR = tmp_path / "absent"
    RegionFactory(code=BATKEN_OBLAST, name_en="Batken Oblast")
    RegionFactory(code=CHUY_OBLAST, name_en="Chuy Oblast")

    html = render_map({CHUY_OBLAST: 5})

    assert "<svg" not in html
    assert "the boundary file is not installed" in html
    assert table_rows(html) == [("Batken Oblast", "0"), ("Chuy Oblast", "5")]


def test_the_shapes_are_projected_once_per_process(db, geojson_dir):
    assert oblast_map_shapes() is oblast_map_shapes()
    assert oblast_map_shapes().width == 800
    assert len(oblast_map_shapes().shapes) == 9
