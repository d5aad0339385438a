"""An applicant on a phone starts an application, sees autosave work, uploads a PDF,
submits and gets a reference and a receipt."""

import re

import pytest
from django.core import mail

from grants.models import Application
from tests.factories import TEST_PASSWORD
from tests.grants.test_application_support import MINIMAL_PDF, call_fixture, fill_every_section  # noqa: F401

pytestmark = pytest.mark.browser

PASSWORD = re.compile(r"^\s*Password\*?\s*$")


def test_an_applicant_on_a_phone_applies_with_autosave_upload_and_receipt(
    page, live_server, screenshots_dir, call, applicant_a, oblast
):
    from playwright.sync_api import expect

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(applicant_a.email)
    page.get_by_label(PASSWORD).fill(TEST_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/start/")

    page.goto(f"/calls/{call.slug}/apply/")
    page.get_by_role("button", name="Start my application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Summary")

    # Typing alone saves: no button is pressed.
    page.get_by_label("Project title").fill("Safe roads to school")
    page.get_by_label("Summary").fill("Crossings, lessons and patrols near three schools.")
    expect(page.locator("#autosave-status")).to_contain_text("Saved at", timeout=10_000)
    application = Application.objects.get()
    assert application.title == "Safe roads to school"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=screenshots_dir / "application_section.png", full_page=True)

    # The rest is filled through the services for speed; then the documents by hand.
    fill_every_section(application, applicant_a, region=oblast, upload_documents=False)
    page.goto(f"/applications/{application.pk}/edit/documents/")
    for document in call.documents.all():
        page.locator(f"#id_document_{document.pk}").set_input_files(
            {"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}
        )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("2 file(s) uploaded")).to_be_visible()

    page.goto(f"/applications/{application.pk}/submit/")
    expect(page.get_by_text("Everything needed is there.")).to_be_visible()
    page.get_by_role("button", name="Submit the application").click()

    application.refresh_from_db()
    reference = application.reference
    expect(page.locator("[data-reference]")).to_have_text(reference)
    expect(page.get_by_text(f"Its reference is {reference}")).to_be_visible()
    assert re.fullmatch(r"PIA-\d{4}-001", reference)
    assert [message.to for message in mail.outbox] == [[applicant_a.email]]
    assert reference in mail.outbox[0].subject
    page.screenshot(path=screenshots_dir / "application_receipt.png", full_page=True)
