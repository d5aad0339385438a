"""The Content Security Policy holds in a real browser: the key pages of every role,
the admin, and the two-factor set-up and sign-in, without a single violation.

Chromium reports each refused script, style, image or connection as a
``securitypolicyviolation`` event (collected by an init script, which runs outside the
page's policy) and as a console error ("Refused to ..."); both are gathered per page.
"""

import re

import pytest
from django.core.management import call_command
from django.test import Client

from tests.browser.conftest import PHONE_VIEWPORT
from tests.browser.test_accessibility import (
    applicant_pages,
    committee_pages,
    demo_user,
    reporter_pages,
    staff_pages,
)
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser

DESKTOP_VIEWPORT = {"width": 1280, "height": 900}
PASSWORD = re.compile(r"^\s*Password\*?\s*$")
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"}` +
    ` at ${event.sourceFile}:${event.lineNumber} ${event.sample || ""}`.trim()
  );
});
"""


class PolicyWatch:
    """A browser context whose pages report every policy violation."""

    def __init__(self, browser, live_server, *, user=None, viewport=PHONE_VIEWPORT):
        self.context = browser.new_context(
            viewport=viewport, base_url=live_server.url, locale="en-GB"
        )
        self.context.set_default_timeout(15_000)
        self.context.add_init_script(COLLECT_VIOLATIONS)
        if user is not None:
            client = Client()
            client.force_login(user)
            self.context.add_cookies(
                [
                    {
                        "name": "sessionid",
                        "value": client.cookies["sessionid"].value,
                        "url": live_server.url,
                    }
                ]
            )
        self.tab = self.context.new_page()
        self.console = []
        self.tab.on(
            "console",
            lambda message: (
                self.console.append(message.text)
                if "Content Security Policy" in message.text or "Refused to" in message.text
                else None
            ),
        )

    def violations(self) -> list[str]:
        found = self.tab.evaluate("window.__cspViolations") + self.console
        self.console = []
        return found

    def visit(self, path) -> list[str]:
        response = self.tab.goto(path, wait_until="load")
        assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
        self.tab.wait_for_load_state("networkidle")
        return self.violations()

    def close(self):
        self.context.close()


def sweep(browser, live_server, label, pages, *, user=None, viewport=PHONE_VIEWPORT):
    watch = PolicyWatch(browser, live_server, user=user, viewport=viewport)
    found = {}
    try:
        for path in pages:
            if violations := watch.visit(path):
                found[f"{label} {path}"] = violations
        # Scripts that run on interaction: the menu on a phone.
        watch.tab.goto(pages[0])
        toggler = watch.tab.locator(".navbar-toggler")
        if toggler.is_visible():
            toggler.click()
            watch.tab.wait_for_selector("#main-nav.show")
        if violations := watch.violations():
            found[f"{label} {pages[0]} (menu open)"] = violations
    finally:
        watch.close()
    return found


def admin_pages():
    from grants.models import Application

    application = Application.objects.order_by("pk").first()
    admin = demo_user("admin")
    return admin, [
        "/admin/",
        "/admin/grants/application/",
        f"/admin/grants/application/{application.pk}/change/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{admin.pk}/change/",
        "/admin/accounts/user/add/",
    ]


def test_no_key_page_of_any_role_breaks_the_content_security_policy(
    browser, live_server, transactional_db
):
    from grants.models import Call

    call_command("seed_demo", verbosity=0)
    open_call = Call.objects.get(slug="safer-villages-open-call")
    applicant, applicant_paths = applicant_pages()
    reporter, reporter_paths = reporter_pages()
    member = demo_user("committee.mvd")
    member_paths = committee_pages(member)
    admin, admin_paths = admin_pages()

    found = {}
    public = ["/", "/calls/", f"/calls/{open_call.slug}/", "/projects/", "/regions/"]
    found |= sweep(browser, live_server, "public", [*public, "/accounts/login/"])
    found |= sweep(browser, live_server, "applicant", applicant_paths, user=applicant)
    found |= sweep(browser, live_server, "reporter", reporter_paths, user=reporter)
    found |= sweep(browser, live_server, "committee", member_paths, user=member)
    found |= sweep(
        browser,
        live_server,
        "staff",
        staff_pages(),
        user=demo_user("programme.officer"),
        viewport=DESKTOP_VIEWPORT,
    )
    found |= sweep(
        browser, live_server, "donor", ["/donor/", "/summaries/"], user=demo_user("donor")
    )
    found |= sweep(
        browser, live_server, "admin", admin_paths, user=admin, viewport=DESKTOP_VIEWPORT
    )

    assert found == {}


def test_the_watch_sees_an_inline_style_and_script_being_refused(
    browser, live_server, transactional_db
):
    """The sweep above is only worth something if a violation would be seen."""
    watch = PolicyWatch(browser, live_server)
    try:
        response = watch.tab.goto("/calls/")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        watch.tab.evaluate(
            """() => {
              document.head.insertAdjacentHTML("beforeend", "<style>body { color: red }</style>");
              const script = document.createElement("script");
              script.textContent = "window.inlineRan = true";
              document.body.appendChild(script);
            }"""
        )
        watch.tab.wait_for_function("window.__cspViolations.length >= 2")
        found = watch.violations()
    finally:
        watch.close()

    assert any(line.startswith("style-src-elem blocked inline") for line in found), found
    assert any(line.startswith("script-src-elem blocked inline") for line in found), found


def test_staff_set_up_two_factor_and_sign_in_with_a_code_without_a_policy_violation(
    browser, live_server, transactional_db, settings, screenshots_dir
):
    from playwright.sync_api import expect

    from accounts.enums import ProgrammeRole
    from tests.factories import UserFactory
    from tests.two_factor import totp_code

    settings.MFA_REQUIRED_FOR_STAFF = True
    officer = UserFactory(email="gulnara@example.org", role=ProgrammeRole.STAFF)
    watch = PolicyWatch(browser, live_server)
    tab = watch.tab
    found = []
    try:
        tab.goto("/accounts/login/")
        tab.get_by_label("Email").fill(officer.email)
        tab.get_by_label(PASSWORD).fill(TEST_PASSWORD)
        tab.get_by_role("main").get_by_role("button", name="Sign In").click()
        # Sent to set up an authenticator app, after confirming the password.
        expect(tab.get_by_text("must use two-factor authentication")).to_be_visible()
        tab.get_by_label(PASSWORD).fill(TEST_PASSWORD)
        tab.get_by_role("main").get_by_role("button", name="Confirm").click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Activate Authenticator App")
        expect(tab.locator("main img[src^='data:image/svg+xml']")).to_be_visible()
        found += watch.violations()
        tab.screenshot(path=screenshots_dir / "two_factor_activate.png", full_page=True)
        secret = tab.locator("#authenticator_secret").input_value()
        tab.get_by_label("Authenticator code").fill(totp_code(secret))
        tab.get_by_role("main").get_by_role("button", name="Activate").click()

        expect(tab.get_by_role("heading", level=1)).to_have_text("Recovery Codes")
        codes = tab.locator("#recovery_codes").input_value().split()
        assert len(codes) == 10
        found += watch.violations()
        tab.screenshot(path=screenshots_dir / "two_factor_recovery_codes.png", full_page=True)

        tab.goto("/staff/dashboard/")
        expect(tab.get_by_role("heading", level=1)).to_have_text("Programme dashboard")
        tab.locator(".navbar-toggler").click()
        tab.get_by_role("button", name="Sign out").click()

        tab.goto("/accounts/login/")
        tab.get_by_label("Email").fill(officer.email)
        tab.get_by_label(PASSWORD).fill(TEST_PASSWORD)
        tab.get_by_role("main").get_by_role("button", name="Sign In").click()
        expect(tab.get_by_text("Please enter an authenticator code")).to_be_visible()
        tab.get_by_label("Code").fill("000000")
        tab.get_by_role("main").get_by_role("button", name="Sign In").click()
        expect(tab.get_by_text("Incorrect code.", exact=True)).to_be_visible()
        found += watch.violations()
        tab.get_by_label("Code").fill(codes[0])  # a recovery code works too
        tab.get_by_role("main").get_by_role("button", name="Sign In").click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Programme dashboard")
        found += watch.violations()
    finally:
        watch.close()

    assert found == []
