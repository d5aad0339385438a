"""An applicant's session ends while they type: nothing they typed is lost.

The autosave finds the session gone, the page says so with a link to sign in again,
the values wait in the browser, and after signing in the form shows them again and
saves them.
"""

import re
from importlib import import_module

import pytest
from django.conf import settings

from accounts.security import LAST_SEEN_KEY
from grants.models import Application
from tests.factories import TEST_PASSWORD
from tests.grants.test_application_support import call_fixture  # noqa: F401

pytestmark = pytest.mark.browser

PASSWORD = re.compile(r"^\s*Password\*?\s*$")
SUMMARY = "Crossings, lessons and patrols near three schools, with the ayil okmotu."


def sign_in(page, user):
    page.get_by_label("Email").fill(user.email)
    page.get_by_label(PASSWORD).fill(TEST_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign In").click()


def let_the_session_go_idle(page):
    """Server-side: the session's idle clock says it was last used long ago."""
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    session[LAST_SEEN_KEY] -= settings.SESSION_IDLE_TIMEOUT + 5
    session.save()


def test_typing_after_the_session_expired_keeps_the_text_and_saves_it_after_signing_in(
    page, live_server, screenshots_dir, call, applicant_a
):
    from playwright.sync_api import expect

    page.goto("/accounts/login/")
    sign_in(page, applicant_a)
    expect(page).to_have_url(f"{live_server.url}/start/")
    page.goto(f"/calls/{call.slug}/apply/")
    page.get_by_role("button", name="Start my application").click()
    status = page.locator("#autosave-status")
    page.get_by_label("Project title").fill("Safe roads to school")
    expect(status).to_contain_text("Saved at", timeout=10_000)
    form_url = page.url

    let_the_session_go_idle(page)
    page.get_by_label("Summary").fill(SUMMARY)

    expect(status).to_contain_text(
        "Not saved: you have been signed out. What you typed is kept in this browser.",
        timeout=10_000,
    )
    link = status.get_by_role("link", name="Sign in again to save it")
    expect(link).to_be_visible()
    page.screenshot(path=screenshots_dir / "session_expired_autosave.png", full_page=True)
    application = Application.objects.get()
    assert application.summary == ""  # the server saved nothing without a session
    page.get_by_label("Summary").press_sequentially(" Ready.")  # typed while signed out

    link.click()
    expect(page.get_by_text("You were signed out after")).to_be_visible()
    sign_in(page, applicant_a)

    expect(page).to_have_url(form_url)
    expect(page.get_by_label("Summary")).to_have_value(f"{SUMMARY} Ready.")
    expect(page.get_by_label("Project title")).to_have_value("Safe roads to school")
    expect(status).to_contain_text("Saved at", timeout=10_000)
    application.refresh_from_db()
    assert application.summary == f"{SUMMARY} Ready."
    assert page.evaluate("Object.keys(window.localStorage)") == []
    page.screenshot(path=screenshots_dir / "session_expired_restored.png", full_page=True)


def test_pressing_save_after_the_session_expired_keeps_the_text_for_after_signing_in(
    page, live_server, call, applicant_a
):
    from playwright.sync_api import expect

    page.goto("/accounts/login/")
    sign_in(page, applicant_a)
    expect(page).to_have_url(f"{live_server.url}/start/")
    page.goto(f"/calls/{call.slug}/apply/")
    page.get_by_role("button", name="Start my application").click()
    form_url = page.url
    # No autosave gets there first: the Save button alone meets the ended session.
    page.route(
        "**/edit/**",
        lambda route: (
            route.abort() if route.request.headers.get("hx-request") else route.continue_()
        ),
    )
    let_the_session_go_idle(page)
    page.get_by_label("Project title").fill("Safe roads to school")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_text("You were signed out after")).to_be_visible()
    sign_in(page, applicant_a)

    expect(page).to_have_url(form_url)
    expect(page.get_by_label("Project title")).to_have_value("Safe roads to school")
    page.unroute("**/edit/**")
    expect(page.locator("#autosave-status")).to_contain_text("Saved at", timeout=10_000)
    assert Application.objects.get().title == "Safe roads to school"
    # A save that went through leaves nothing behind to restore.
    page.get_by_label("Project title").fill("Safe roads to school 2")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved at")).to_have_count(2)
    expect(page.get_by_label("Project title")).to_have_value("Safe roads to school 2")
    assert page.evaluate("Object.keys(window.localStorage)") == []
