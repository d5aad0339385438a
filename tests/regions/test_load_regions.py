import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from regions.enums import RegionLevel
from regions.models import Region

BATKEN_OBLAST = "41705000000000"
LEILEK_DISTRICT = "41705236000000"
KULUNDU = "41705236825000"


def load(**options) -> str:
    out = StringIO()
    call_command("load_regions", stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def tree() -> dict:
    return dict(Region.objects.values_list("code", "parent__code"))


def test_loading_twice_gives_the_same_tree_and_reports_nothing_created_or_updated(
    db, regions_data_dir
):
    first = load()
    tree_after_first = tree()

    second = load()

    assert "Total: 2437 created, 0 updated, 0 unchanged." in first
    assert tree() == tree_after_first
    assert len(tree_after_first) == 2437
    assert "Total: 0 created, 0 updated, 2437 unchanged." in second


def test_the_summary_counts_each_level(db, regions_data_dir):
    output = load()

    assert "  oblast: 7 created, 0 updated, 0 unchanged" in output
    assert "  city: 14 created, 0 updated, 0 unchanged" in output
    assert "  ayil_aimak: 453 created, 0 updated, 0 unchanged" in output
    assert "  village: 1893 created, 0 updated, 0 unchanged" in output


@pytest.mark.parametrize(
    ("code", "district", "oblast"),
    [
        ("41703220856000", "41703220000000", "41703000000000"),  # Suzak ayil aimak
        ("41703220842000", "41703220000000", "41703000000000"),  # Kyzyl-Tuu (Suzak District)
        ("41706226830000", "41706226000000", "41706000000000"),  # Nariman ayil aimak
        ("41706242600010", "41706242000000", "41706000000000"),  # Nookat town
        ("41706226600010", "41706226000000", "41706000000000"),  # Kara-Suu town
        ("41707215807000", "41707215000000", "41707000000000"),  # Amanbaev (Kara-Buura)
        ("41705236825000", "41705236000000", "41705000000000"),  # Kulundu (Leilek)
        ("41705258849000", "41705258000000", "41705000000000"),  # Uch-Korgon (Kadamjai)
    ],
)
def test_programme_place_sits_under_its_district_and_oblast(unit, code, district, oblast):
    place = unit(code)

    assert place.parent.code == district
    assert place.parent.parent.code == oblast
    assert place.oblast.code == oblast


def test_sverdlov_district_is_a_city_district_directly_under_bishkek(unit):
    sverdlov = unit("41711204000000")

    assert sverdlov.level == RegionLevel.CITY_DISTRICT
    assert sverdlov.parent.code == "41711000000000"
    assert sverdlov.oblast.code == "41711000000000"


def test_jeti_oguz_district_lies_in_issyk_kul_oblast(unit):
    assert unit("41702210000000").parent.code == "41702000000000"


def test_namesakes_are_told_apart_by_code(unit):
    kyzyl_tuu = Region.objects.filter(name_en="Kyzyl-Tuu ayil aimak").order_by("code")
    uch_korgon = Region.objects.filter(name_en="Uch-Korgon ayil aimak").order_by("code")

    assert [(r.code, r.parent.code) for r in kyzyl_tuu] == [
        ("41703211849000", "41703211000000"),  # Aksy District
        ("41703220842000", "41703220000000"),  # Suzak District
        ("41708222838000", "41708222000000"),
    ]
    assert [(r.code, r.oblast.code) for r in uch_korgon] == [
        ("41705258849000", "41705000000000"),  # Batken Oblast
        ("41707225845000", "41707000000000"),  # Talas Oblast
    ]


def test_a_root_is_its_own_oblast(unit):
    batken = unit(BATKEN_OBLAST)

    assert batken.parent is None
    assert batken.oblast_id == batken.pk


def test_a_village_under_a_city_of_oblast_significance_gets_the_oblast_from_the_chain(unit):
    kachkynchy = unit("41703410800010")

    assert kachkynchy.level == RegionLevel.VILLAGE
    assert kachkynchy.parent.code == "41703410000010"  # Jalal-Abad city
    assert kachkynchy.oblast.code == "41703000000000"


def test_every_unit_below_a_root_has_its_parents_oblast(loaded_regions):
    children = Region.objects.exclude(parent=None).select_related("parent")

    wrong = [child.code for child in children if child.oblast_id != child.parent.oblast_id]

    assert wrong == []


def test_a_unit_missing_from_the_file_is_kept_and_reported(db, regions_data_dir, tmp_path):
    load()
    shutil.copy(regions_data_dir / "kg_villages.csv", tmp_path / "kg_villages.csv")
    lines = (regions_data_dir / "kg_regions.csv").read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith("41706226830000,")]  # Nariman
    (tmp_path / "kg_regions.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")

    output = load(data_dir=tmp_path)

    assert len(kept) == len(lines) - 1
    assert Region.objects.get(code="41706226830000").parent.code == "41706226000000"
    assert "1 unit(s) of SOATE-2021 in the database are not in the files" in output
    assert "  41706226830000 Наримановский айылный аймак (ayil_aimak)" in output
    assert "Total: 0 created, 0 updated, 2436 unchanged." in output


def test_a_changed_name_in_the_file_is_updated_on_reload(db, regions_data_dir, tmp_path):
    load()
    text = (regions_data_dir / "kg_regions.csv").read_text(encoding="utf-8")
    (tmp_path / "kg_regions.csv").write_text(
        text.replace(",Kara-Buura District,", ",Aitmatov District,"), encoding="utf-8"
    )

    output = load(data_dir=tmp_path)

    assert Region.objects.get(code="41707215000000").name_en == "Aitmatov District"
    assert "  district: 0 created, 1 updated, 39 unchanged" in output
    assert "kg_villages.csv not found: skipped." in output


def test_the_edition_option_is_recorded_on_each_unit(db, regions_data_dir):
    load(edition="SOATE-test")

    assert set(Region.objects.values_list("edition", flat=True)) == {"SOATE-test"}


def test_a_missing_data_folder_raises_a_command_error_saying_where_to_get_the_data(db, tmp_path):
    with pytest.raises(CommandError) as error:
        load(data_dir=tmp_path / "absent")

    message = str(error.value)
    assert f"{tmp_path / 'absent' / 'kg_regions.csv'} is missing" in message
    assert "shared/data/kyrgyzstan" in message
    assert "REGIONS_DATA_DIR" in message


def test_the_default_data_folder_comes_from_the_settings(db, settings, tmp_path):
    settings.REGIONS_DATA_DIR = tmp_path

    with pytest.raises(CommandError, match="kg_regions.csv is missing"):
        load()


def test_if_available_warns_and_exits_successfully_without_the_data_folder(db, tmp_path):
    err = StringIO()

    call_command(
        "load_regions",
        data_dir=tmp_path / "absent",
        if_available=True,
        stdout=StringIO(),
        stderr=err,
    )

    assert "shared/data/kyrgyzstan" in err.getvalue()
    assert "Skipping the regions." in err.getvalue()
    assert Region.objects.count() == 0


def test_an_empty_kyrgyz_name_stays_empty_and_falls_back_to_russian(unit):
    kulundu = unit(KULUNDU)

    with translation.override("ky"):
        shown = kulundu.name

    assert kulundu.name_ky == ""
    assert shown == "Кулундинский айылный аймак"


def test_the_english_name_comes_from_the_file(unit):
    assert unit(LEILEK_DISTRICT).name_en == "Leilek District"
