"""Headless Chromium through Playwright, for the browser tests (marked ``browser``).

They are skipped where /usr/bin/chromium is absent. The portal runs in pytest-django's
``live_server`` thread; the tests read its mail from ``django.core.mail.outbox`` in
the same process.
"""

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE_VIEWPORT = {"width": 375, "height": 740}
SCREENSHOTS_DIR = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an event loop running in this thread, which makes
        # Django refuse database access from it; the test code itself is synchronous.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()


@pytest.fixture(autouse=True)
def _staff_sign_in_without_second_factor(settings):
    """Browser journeys sign staff in with email and password only.

    The two-factor requirement is tested on its own (tests/accounts/test_mfa*.py and
    tests/browser/test_csp.py, which signs in with a computed code); here it would only
    add a code page to every staff sign-in. Runs before the cast is made, so the cast's
    staff get no authenticator either.
    """
    settings.MFA_REQUIRED_FOR_STAFF = False


@pytest.fixture
def page(browser, live_server, transactional_db):
    """A fresh phone-sized tab, in English, pointed at the live server."""
    context = browser.new_context(viewport=PHONE_VIEWPORT, base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def screenshots_dir():
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS_DIR
