import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_int, env_list, env_str, env_url


def test_unset_or_blank_variables_give_the_default(monkeypatch):
    monkeypatch.delenv("PORTAL_TEST_VAR", raising=False)
    assert env_str("PORTAL_TEST_VAR", "x") == "x"
    monkeypatch.setenv("PORTAL_TEST_VAR", "  ")
    assert env_bool("PORTAL_TEST_VAR", True) is True
    assert env_int("PORTAL_TEST_VAR", 7) == 7
    assert env_list("PORTAL_TEST_VAR", ["a"]) == ["a"]


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("True", True), ("yes", True), ("off", False), ("0", False)]
)
def test_booleans_are_read_in_their_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("PORTAL_TEST_VAR", raw)
    assert env_bool("PORTAL_TEST_VAR", not expected) is expected


def test_a_misspelt_boolean_stops_the_start_up_naming_the_variable(monkeypatch):
    monkeypatch.setenv("DJANGO_DEBUG", "Flase")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG='Flase' is not a boolean"):
        env_bool("DJANGO_DEBUG", False)


def test_a_number_that_is_not_a_number_is_refused(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", "25a")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT='25a' is not a whole number"):
        env_int("EMAIL_PORT", 587)


def test_a_number_below_its_minimum_is_refused(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", "0")
    with pytest.raises(ImproperlyConfigured, match="must be at least 1"):
        env_int("EMAIL_PORT", 587, minimum=1)


def test_lists_are_split_on_commas_and_trimmed(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "grants.example.org, www.grants.example.org,,")
    assert env_list("DJANGO_ALLOWED_HOSTS") == ["grants.example.org", "www.grants.example.org"]


def test_a_url_with_the_wrong_scheme_is_refused(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://db/grants")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL must start with one of"):
        env_url("DATABASE_URL", schemes={"postgres", "postgresql"})


def test_a_choice_outside_the_list_is_refused(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    with pytest.raises(ImproperlyConfigured, match="LOG_LEVEL='LOUD' must be one of"):
        env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO"})
