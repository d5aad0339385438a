"""Staff open their dashboard on a desktop: the charts are drawn and the tables carry
the figures; a visitor reads the public projects page on a phone without scrolling
sideways."""

import re

import pytest

from tests.factories import TEST_PASSWORD
from tests.reporting.figures_data import build_programme

pytestmark = pytest.mark.browser

PASSWORD = re.compile(r"^\s*Password\*?\s*$")


def test_staff_see_the_dashboard_with_charts_and_tables_on_a_desktop(
    page, live_server, screenshots_dir, staff, organisation_a, organisation_b, oblast
):
    from playwright.sync_api import expect

    build_programme(organisation_a=organisation_a, organisation_b=organisation_b, oblast=oblast)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(staff.email)
    page.get_by_label(PASSWORD).fill(TEST_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r".*/(start|dashboard|staff)/.*"))

    page.goto("/staff/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Programme dashboard")
    # charts.js drew every chart (Chart.js marks each canvas it owns).
    expect(page.locator("canvas[data-drawn='true']")).to_have_count(8)
    assert page.evaluate(
        "Array.from(document.querySelectorAll('canvas[data-chart]'))"
        ".every(c => window.Chart.getChart(c) !== undefined && c.width > 0)"
    )
    expect(page.locator("#table-funnel tfoot")).to_contain_text("1,120,000.00")
    expect(page.locator("#table-money")).to_contain_text("740,000.00")
    expect(page.locator("#table-people tfoot")).to_contain_text("720")
    expect(page.locator("#table-oblasts")).to_contain_text("390,000.00")

    # The map's toggle is a plain link: shade by money.
    page.get_by_role("link", name="Amount awarded").click()
    page.wait_for_url(re.compile(r".*map=money.*"))
    expect(page.locator("#map table caption").first).to_have_text("Amount awarded (KGS) by oblast")

    # Filter by the 2017 call: the funnel keeps one call.
    page.get_by_text("Filter the figures").first.click()
    page.get_by_label("Year").select_option("2017")
    page.get_by_role("button", name="Show the figures").click()
    expect(page.locator("#table-funnel tbody tr")).to_have_count(1)
    page.screenshot(path=screenshots_dir / "staff_dashboard.png", full_page=True)


def test_a_visitor_reads_the_funded_projects_on_a_phone(
    page, live_server, screenshots_dir, organisation_a, organisation_b, oblast
):
    from playwright.sync_api import expect

    build_programme(organisation_a=organisation_a, organisation_b=organisation_b, oblast=oblast)

    page.goto("/projects/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Funded projects")
    expect(page.locator("#total-projects")).to_have_text("3")
    expect(page.locator("#table-projects tbody tr")).to_have_count(3)
    expect(page.locator("svg.oblast-map")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=screenshots_dir / "public_projects_phone.png", full_page=True)
