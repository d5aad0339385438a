"""Regressions found by fuzzing the forms with a region picker (tests/test_fuzz_forms.py)."""

import pytest
from django.core.exceptions import ValidationError

from regions.forms import RegionField
from regions.widgets import RegionPickerWidget
from tests.factories import RegionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["abc", "²", "99999999999999999999"])
def test_a_place_that_is_no_number_is_refused_with_a_message(value):
    field = RegionField(within=[RegionFactory(name_en="Batken Oblast")])

    with pytest.raises(ValidationError) as refused:
        field.clean(value)

    assert refused.value.code == "outside"
    assert "Batken Oblast" in refused.value.messages[0]


def test_the_picker_reads_unicode_digits_as_no_choice():
    region = RegionFactory()
    widget = RegionPickerWidget()

    assert widget.value_from_datadict({"place_1": "²"}, {}, "place") == ""
    assert widget.value_from_datadict({"place_1": str(region.pk)}, {}, "place") == str(region.pk)
