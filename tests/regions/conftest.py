"""Fixtures for the region tests. The real SOATE data is read from
settings.REGIONS_DATA_DIR; tests that need it are skipped where it is absent."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from regions.models import Region


@pytest.fixture
def regions_data_dir(settings):
    path = Path(settings.REGIONS_DATA_DIR)
    if not (path / "kg_regions.csv").is_file():
        pytest.skip(
            f"The SOATE reference data is absent from {path}: set REGIONS_DATA_DIR to the "
            "shared/data/kyrgyzstan folder to run this test."
        )
    return path


@pytest.fixture
def loaded_regions(db, regions_data_dir):
    """The whole classifier (about 2,400 units, half a second on SQLite)."""
    call_command("load_regions", stdout=StringIO(), stderr=StringIO())


@pytest.fixture
def unit(loaded_regions):
    """Look a loaded unit up by its SOATE code (never by name: namesakes exist)."""
    return lambda code: Region.objects.get(code=code)
