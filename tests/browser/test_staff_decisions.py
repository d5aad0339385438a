"""Programme staff rank a call on a desktop screen, switch to the normalised score,
move an application across the funding line with a reason, approve the proposed ones
in bulk and see the call decided."""

import re

import pytest

from grants.enums import ApplicationState, CallState
from grants.models import Call, FundingLineOverride
from tests.factories import TEST_PASSWORD
from tests.grants.test_ranking_stats import hand_example

pytestmark = pytest.mark.browser

PASSWORD = re.compile(r"^\s*Password\*?\s*$")


def test_staff_rank_move_one_across_the_line_approve_in_bulk_and_the_call_is_decided(
    page, live_server, screenshots_dir, staff
):
    from playwright.sync_api import expect

    call, apps, _reviewers = hand_example()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.on("dialog", lambda dialog: dialog.accept())  # "Approve every application …?"

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(staff.email)
    page.get_by_label(PASSWORD).fill(TEST_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r".*/(start|dashboard|staff)/.*"))

    page.goto(f"/staff/calls/{call.pk}/ranking/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ranking and decisions")
    expect(page.locator("#ranking-method")).to_contain_text("Mean of reviewers' totals")

    # Rank by the normalised score: C (53.04) falls below the pass mark of 60.
    page.get_by_label("Normalised for lenient and harsh reviewers").check()
    page.get_by_role("button", name="Save the settings").click()
    expect(page.get_by_text("The ranking settings were saved.")).to_be_visible()
    expect(page.locator("#ranking-method")).to_contain_text("Normalised for lenient and harsh")
    row_c = page.locator(f"#row-{apps['C'].pk}")
    expect(row_c).to_have_attribute("data-status", "below_pass_mark")

    # Move C above the line, with a reason.
    row_c.get_by_text("Move above the line").click()
    row_c.get_by_label("Reason (required)").fill("The only project on early marriage.")
    row_c.get_by_role("button", name="Move").click()
    expect(page.get_by_text("PIA-2017-003 was moved above the funding line.")).to_be_visible()
    expect(page.locator(f"#row-{apps['C'].pk}")).to_have_attribute("data-status", "included")
    assert FundingLineOverride.objects.get().reason == "The only project on early marriage."
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.screenshot(path=screenshots_dir / "staff_ranking.png", full_page=True)

    # Approve every application above the line at its requested amount.
    page.get_by_role("button", name="Approve all proposed").click()
    expect(page.get_by_text("3 decisions were recorded and the applicants told.")).to_be_visible()
    expect(
        page.get_by_text("Every eligible application is decided: the call is decided.")
    ).to_be_visible()
    assert Call.objects.get(pk=call.pk).state == CallState.DECIDED
    assert {application.state for application in call.applications.all()} == {
        ApplicationState.APPROVED
    }
    page.screenshot(path=screenshots_dir / "staff_ranking_decided.png", full_page=True)

    # On a phone the wide table scrolls inside its own box; the page does not.
    page.set_viewport_size({"width": 375, "height": 740})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
