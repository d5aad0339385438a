"""A newcomer on a phone signs up, confirms the address, signs out and in again."""

import re

import pytest
from django.core import mail

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser

NEWCOMER = "aizada@example.org"
# "Password" but not "Password (again)"; required fields carry an asterisk.
PASSWORD = re.compile(r"^\s*Password\*?\s*$")


def only_link_in(message) -> str:
    links = re.findall(r"https?://\S+", message.body)
    assert len(links) == 1, links
    return links[0]


def test_newcomer_signs_up_confirms_the_address_and_signs_in_again_on_a_phone(
    page, live_server, screenshots_dir
):
    from playwright.sync_api import expect

    page.goto("/")
    page.get_by_role("link", name="Create an account").click()

    expect(page).to_have_url(f"{live_server.url}/accounts/signup/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign Up")
    page.screenshot(path=screenshots_dir / "signup.png", full_page=True)
    page.get_by_label("Email").fill(NEWCOMER)
    page.get_by_label(PASSWORD).fill(TEST_PASSWORD)
    page.get_by_label("Password (again)").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign Up").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Verify Your Email Address")
    assert [message.to for message in mail.outbox] == [[NEWCOMER]]
    page.goto(only_link_in(mail.outbox[0]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Email Address")
    page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(f"{live_server.url}/start/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {NEWCOMER}")
    page.screenshot(path=screenshots_dir / "start.png", full_page=True)

    # On a phone the menu is folded away behind its toggle.
    page.get_by_role("button", name="Show the menu").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/")

    page.get_by_role("main").get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill(NEWCOMER)
    page.get_by_label(PASSWORD).fill(TEST_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign In").click()

    expect(page).to_have_url(f"{live_server.url}/start/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {NEWCOMER}")
