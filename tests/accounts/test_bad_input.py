"""Regressions found by fuzzing the accounts' forms (tests/test_fuzz_forms.py)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_next_address_that_looks_like_a_view_name_is_followed_as_an_address(client):
    response = client.post(reverse("language_switch"), {"language": "ru", "next": "0"})

    assert response.status_code == 302
    assert response.url == "0"
    assert response.cookies["django_language"].value == "ru"
