"""Responses carry the security headers and cookie flags production needs.

The production values are read from the settings module itself, loaded in a separate
process with the documented production variables (``DJANGO_DEBUG=False`` ...), then
applied to this process's settings for the request.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import TEST_PASSWORD

ROOT = Path(__file__).resolve().parents[1]
SECURITY_SETTINGS = [
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "LANGUAGE_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SAMESITE",
    "CONTENT_SECURITY_POLICY",
    "MFA_REQUIRED_FOR_STAFF",
]
READ_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings; "
    f"print(json.dumps({{name: getattr(settings, name, None) for name in {SECURITY_SETTINGS!r}}}))"
)
EXPECTED_POLICY = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
}


def directives(header: str) -> set[str]:
    return {directive.strip() for directive in header.split(";")}


@pytest.fixture(scope="module")
def production_settings():
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "MFA_", "SESSION_"))
    } | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "False",
        "DJANGO_SECRET_KEY": "production-like-test-key-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "grants.example.org,testserver",
    }
    result = subprocess.run(
        [sys.executable, "-c", READ_SETTINGS],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def production(settings, production_settings):
    for name, value in production_settings.items():
        if name == "SECURE_PROXY_SSL_HEADER" and value is not None:
            value = tuple(value)
        setattr(settings, name, value)
    return production_settings


def test_production_settings_require_two_factor_and_secure_cookies(production):
    assert production["DEBUG"] is False
    assert production["MFA_REQUIRED_FOR_STAFF"] is True
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["LANGUAGE_COOKIE_SECURE"] is True


def test_a_production_response_carries_every_security_header(client, db, production):
    response = client.get(reverse("call_list"), secure=True)

    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert directives(response["Content-Security-Policy"]) == EXPECTED_POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_plain_http_is_sent_to_https_in_production(client, db, production):
    response = client.get(reverse("call_list"))

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/calls/"


def test_the_admin_runs_under_the_same_policy(client, admin_user, production):
    client.force_login(admin_user)

    response = client.get("/admin/", secure=True)

    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == EXPECTED_POLICY


def test_session_csrf_and_language_cookies_are_secure_http_only_and_same_site(
    client, applicant_a, production
):
    login = client.get(reverse("account_login"), secure=True)
    csrf = login.cookies["csrftoken"]
    signed_in = client.post(
        reverse("account_login"),
        {"login": applicant_a.email, "password": TEST_PASSWORD},
        secure=True,
    )
    session = signed_in.cookies["sessionid"]
    switched = client.post(reverse("language_switch"), {"language": "ru"}, secure=True)
    language = switched.cookies["django_language"]

    for cookie in (csrf, session):
        assert cookie["secure"] is True
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"
    assert language["secure"] is True
    assert language["samesite"] == "Lax"


def test_pages_render_no_inline_script_or_style(client, applicant_a, db):
    """The policy forbids them; the browser test (tests/browser/test_csp.py) checks what
    scripts do, this checks the markup of a page that uses most of the layout."""
    client.force_login(applicant_a)

    page = client.get(reverse("profile")).content.decode()

    assert " style=" not in page
    assert "<style" not in page
    assert all(
        ' src="' in tag for tag in page.split("<script")[1:] if "application/json" not in tag
    )
