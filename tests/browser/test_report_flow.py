"""An NGO member on a phone fills in and submits a progress report; staff return it with
a comment; the NGO fixes it and submits again; staff accept it."""

import re

import pytest
from django.core import mail

from reporting.enums import ReportState
from reporting.models import ProgressReport, Spending
from tests.browser.conftest import PHONE_VIEWPORT
from tests.factories import TEST_PASSWORD
from tests.reporting.conftest import make_project

pytestmark = pytest.mark.browser

PASSWORD = re.compile(r"^\s*Password\*?\s*$")


def sign_in(tab, user):
    tab.goto("/accounts/login/")
    tab.get_by_label("Email").fill(user.email)
    tab.get_by_label(PASSWORD).fill(TEST_PASSWORD)
    tab.get_by_role("main").get_by_role("button", name="Sign In").click()
    # Each role lands on its own start page (staff: the dashboard).
    tab.wait_for_url(re.compile(r".*/(start|staff/dashboard|review|donor)/$"))


def test_an_ngo_reports_staff_return_it_then_accept_it(
    page, browser, live_server, screenshots_dir, applicant_a, staff, organisation_a
):
    from playwright.sync_api import expect

    project = make_project(organisation_a)
    report = project.reports.get(number=1)
    people, events = project.indicators.order_by("order")
    first, second = project.budget_lines.order_by("order")

    sign_in(page, applicant_a)
    page.goto(f"/my/reports/{report.pk}/")
    page.get_by_role("link", name="Fill in the report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Narrative")

    # Typing alone saves the narrative.
    page.get_by_label("Achievements").fill("Six round tables in three ayil aimaks.")
    page.get_by_label("Challenges").fill("Snow closed the pass in December.")
    page.get_by_label("Lessons learnt").fill("Schools are the best partners.")
    page.get_by_label("Next steps").fill("A joint prevention plan.")
    expect(page.locator("#autosave-status")).to_contain_text("Saved at", timeout=10_000)
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Indicators")
    page.locator(f"#id_indicator-{people.pk}-women").fill("40")
    page.locator(f"#id_indicator-{people.pk}-men").fill("30")
    page.locator(f"#id_indicator-{people.pk}-girls").fill("30")
    page.locator(f"#id_indicator-{people.pk}-boys").fill("20")
    page.locator(f"#id_indicator-{people.pk}-value").fill("120")
    expect(page.get_by_text("Women + men + girls + boys = 120")).to_be_visible()
    page.locator(f"#id_indicator-{events.pk}-value").fill("6")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
    page.screenshot(path=screenshots_dir / "report_form.png", full_page=True)
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Spending")
    page.locator(f"#id_line-{first.pk}-amount").fill("250000")
    expect(page.locator("[data-over-budget]").first).to_be_visible()
    page.locator(f"#id_line-{second.pk}-amount").fill("0")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Co-financing received")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Photos and documents")
    page.get_by_role("link", name="Continue").click()

    expect(page.get_by_text("Everything needed is there.")).to_be_visible()
    page.get_by_role("button", name="Submit the report").click()
    expect(page.get_by_text("Your report was submitted.")).to_be_visible()
    assert ProgressReport.objects.get(pk=report.pk).state == ReportState.SUBMITTED
    assert [message.to for message in mail.outbox] == [[staff.email]]

    # Staff, on their own phone, return it with a comment on the spending.
    staff_context = browser.new_context(
        viewport=PHONE_VIEWPORT, base_url=live_server.url, locale="en-GB"
    )
    staff_context.set_default_timeout(10_000)
    staff_tab = staff_context.new_page()
    sign_in(staff_tab, staff)
    staff_tab.goto(f"/staff/reports/{report.pk}/")
    expect(staff_tab.get_by_text("over budget")).to_be_visible()
    staff_tab.get_by_text("Return it for changes…").click()
    staff_tab.locator("#id_comment_spending").fill("Events cost more than the budget: explain.")
    assert staff_tab.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
    staff_tab.screenshot(path=screenshots_dir / "report_staff_review.png", full_page=True)
    staff_tab.get_by_role("button", name="Return with these comments").click()
    expect(staff_tab.get_by_text("The report was returned")).to_be_visible()

    # The NGO sees what to fix, fixes it and submits again.
    page.goto(f"/my/reports/{report.pk}/")
    expect(page.get_by_text("Events cost more than the budget: explain.").first).to_be_visible()
    page.goto(f"/my/reports/{report.pk}/edit/spending/")
    expect(page.locator(".report-comment-text")).to_have_text(
        "Events cost more than the budget: explain."
    )
    page.locator(f"#id_line-{first.pk}-amount").fill("190000")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("Saved at")
    assert Spending.objects.get(report=report, budget_line=first).amount == 190000
    page.goto(f"/my/reports/{report.pk}/submit/")
    page.get_by_role("button", name="Submit the report").click()
    expect(page.get_by_text("Your report was submitted.")).to_be_visible()

    # Staff accept it.
    staff_tab.goto(f"/staff/reports/{report.pk}/")
    staff_tab.get_by_role("button", name="Accept the report").click()
    expect(staff_tab.get_by_text("Accepted: the report is locked.")).to_be_visible()
    assert ProgressReport.objects.get(pk=report.pk).state == ReportState.ACCEPTED
    subjects = [message.subject for message in mail.outbox]
    assert subjects[-1] == f"Your report was accepted: {project.agreement_number}"
    staff_context.close()
