"""Pages render in Russian and Kyrgyz with translated text, and the catalogues are complete."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

ROOT = Path(__file__).resolve().parents[1]


def _translated(language: str, message: str) -> str:
    with translation.override(language):
        text = gettext(message)
    assert text != message, f"{message!r} has no {language} translation"
    return text


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ru", "ky"])
def test_the_home_page_renders_in_the_visitors_language(client, language):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE=language)
    page = response.content.decode()
    assert response["Content-Language"] == language
    assert _translated(language, "Small grants for safer communities") in page
    assert _translated(language, "Skip to main content") in page


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ru", "ky"])
def test_an_organisation_form_error_is_shown_in_the_users_language(client, language, oblast):
    from tests.factories import UserFactory

    client.force_login(UserFactory(language=language))
    response = client.post(reverse("organisation_create"), {"name": "", "taxpayer_number": "12"})
    page = response.content.decode()
    assert _translated(language, "The taxpayer number (INN) has 14 digits.") in page
    assert _translated(language, "Please correct the following:") in page


@pytest.mark.parametrize("language", ["ru", "ky"])
def test_the_catalogue_has_no_untranslated_or_fuzzy_entry(language):
    if shutil.which("msgfmt") is None:
        pytest.skip("msgfmt (gettext) is not installed")
    po = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr
    assert "fuzzy" not in result.stderr


def test_every_string_in_the_code_is_in_the_catalogues(tmp_path):
    """Extract the strings afresh from a copy of the code: none may be missing from, or
    untranslated in, the committed catalogues (a string added without makemessages
    would otherwise slip through)."""
    if shutil.which("msgfmt") is None or shutil.which("xgettext") is None:
        pytest.skip("gettext is not installed")
    copy = tmp_path / "portal"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv",
            ".git",
            "media",
            "artifacts",
            "staticfiles",
            "tests",
            "node_modules",
            "*.sqlite3",
        ),
    )
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "ru",
            "-l",
            "ky",
            "--ignore=static/vendor",
            "--no-obsolete",
            "-v",
            "0",
        ],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    for language in ("ru", "ky"):
        po = copy / "locale" / language / "LC_MESSAGES" / "django.po"
        stats = subprocess.run(
            ["msgfmt", "--statistics", "-o", "/dev/null", str(po)],
            capture_output=True,
            text=True,
            check=False,
        ).stderr
        assert "untranslated" not in stats and "fuzzy" not in stats, f"{language}: {stats}"
