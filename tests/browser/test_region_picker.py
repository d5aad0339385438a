"""The region picker in a real browser: htmx refills the lower lists as the user chooses.

Not collected where it stands: it needs the browser fixtures of tests/browser/conftest.py,
and a second Playwright instance cannot share the test session. Move it to
tests/browser/test_region_picker.py (it passed with those fixtures and the SOATE data)."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def loaded_regions(transactional_db):
    if not (Path(settings.REGIONS_DATA_DIR) / "kg_regions.csv").is_file():
        pytest.skip("The SOATE reference data is absent: set REGIONS_DATA_DIR.")
    call_command("load_regions", stdout=StringIO(), stderr=StringIO())


def options_of(select) -> list[str]:
    return [text.strip() for text in select.locator("option").all_inner_texts()]


def test_choosing_an_oblast_fills_the_districts_and_another_oblast_clears_the_places(
    page, applicant_a, loaded_regions
):
    from playwright.sync_api import expect

    page.goto(reverse("account_login"))
    page.get_by_label("Email").fill(applicant_a.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(reverse("organisation_create"))
    oblast = page.get_by_label("Oblast or city of republican significance")
    district = page.get_by_label("District or city")
    place = page.get_by_label("Town or ayil aimak")

    oblast.select_option(label="Batken Oblast")
    expect(district.locator("option").first).to_have_text("All of Batken Oblast")
    district.select_option(label="Leilek District")
    expect(place.locator("option").first).to_have_text("All of Leilek District")
    place.select_option(label="Kulundu ayil aimak")
    oblast.select_option(label="Chuy Oblast")

    expect(district.locator("option").first).to_have_text("All of Chuy Oblast")
    expect(place.locator("option")).to_have_count(1)
    assert "Leilek District" not in options_of(district)
    assert options_of(place) == ["Choose the area above first"]
