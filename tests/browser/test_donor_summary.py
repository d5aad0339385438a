"""A donor viewer on a phone opens the donor summaries and downloads one as a PDF."""

import re

import pytest

from reporting.models import DonorSummary, SummaryStatus
from reporting.summaries import summary_build, summary_request
from tests.browser.conftest import PHONE_VIEWPORT
from tests.factories import TEST_PASSWORD
from tests.reporting.summary_data import JANUARY, build_programme

pytestmark = pytest.mark.browser

PASSWORD = re.compile(r"^\s*Password\*?\s*$")


def sign_in(tab, user):
    tab.goto("/accounts/login/")
    tab.get_by_label("Email").fill(user.email)
    tab.get_by_label(PASSWORD).fill(TEST_PASSWORD)
    tab.get_by_role("main").get_by_role("button", name="Sign In").click()
    # Each role lands on its own start page; all that matters here is leaving the login.
    tab.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_a_donor_viewer_downloads_a_summary_pdf(
    page,
    screenshots_dir,
    tmp_path,
    donor_viewer,
    staff,
    organisation_a,
    organisation_b,
    oblast,
    applicant_a,
    applicant_b,
):
    from playwright.sync_api import expect

    programme = build_programme(
        organisation_a=organisation_a,
        organisation_b=organisation_b,
        oblast=oblast,
        applicant_a=applicant_a,
        applicant_b=applicant_b,
    )["programme"]
    summary = summary_request(
        programme=programme, period_start=JANUARY[0], period_end=JANUARY[1], by=staff
    )
    summary_build(summary_id=summary.pk)
    assert DonorSummary.objects.get(pk=summary.pk).status == SummaryStatus.READY

    sign_in(page, donor_viewer)
    page.goto("/summaries/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Donor summaries")
    row = page.get_by_role("listitem").filter(has_text="01.01.2018 – 31.01.2018")
    expect(row).to_contain_text("Prevention in Action")
    expect(row).to_contain_text("Ready")
    expect(page.get_by_role("button", name="Make the summary")).to_have_count(0)
    page.screenshot(path=screenshots_dir / "donor_summaries.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]

    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDF of the summary 01.01.2018 – 31.01.2018").click()
    download = download_info.value

    assert download.suggested_filename == "donor-summary-pia-2018-01-01-2018-01-31.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")

    # The summary's own page shows it ready, with both files.
    page.get_by_role("link", name="01.01.2018 – 31.01.2018", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Donor summary")
    expect(page.locator("#summary-progress")).to_contain_text("Ready")
    expect(
        page.get_by_role("link", name="Spreadsheet (XLSX) of the summary 01.01.2018 – 31.01.2018")
    ).to_be_visible()
    page.screenshot(path=screenshots_dir / "donor_summary_detail.png", full_page=True)


def test_the_summary_page_follows_the_progress_until_it_is_ready(
    page,
    screenshots_dir,
    staff,
    organisation_a,
    organisation_b,
    oblast,
    applicant_a,
    applicant_b,
):
    from playwright.sync_api import expect

    programme = build_programme(
        organisation_a=organisation_a,
        organisation_b=organisation_b,
        oblast=oblast,
        applicant_a=applicant_a,
        applicant_b=applicant_b,
    )["programme"]
    # Waiting for a worker: made here, by hand, while the page watches.
    summary = DonorSummary.objects.create(
        programme=programme, period_start=JANUARY[0], period_end=JANUARY[1], requested_by=staff
    )

    sign_in(page, staff)
    page.goto(f"/summaries/{summary.pk}/")
    expect(page.locator("#summary-progress")).to_contain_text("Being made: 0%")
    expect(page.get_by_role("link", name="Refresh")).to_be_visible()
    page.screenshot(path=screenshots_dir / "donor_summary_progress.png", full_page=True)

    summary_build(summary_id=summary.pk)

    # htmx polls every 2 s; once ready the page reloads with the figures.
    expect(page.get_by_role("heading", name="Headline figures")).to_be_visible(timeout=15_000)
    expect(page.locator("#summary-progress")).to_contain_text("Ready")
    expect(page.get_by_role("link", name="Refresh")).to_have_count(0)

    # Staff's list carries the form to ask for another one.
    page.goto("/summaries/")
    expect(page.get_by_role("button", name="Make the summary")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
    page.screenshot(path=screenshots_dir / "donor_summaries_staff.png", full_page=True)
