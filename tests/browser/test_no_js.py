"""The core forms work with JavaScript off: on a phone with scripts disabled, an NGO member
signs in, registers the organisation (walking down the region picker with its "Show the
places in this area" button), starts an application, saves its summary with the Save
button, uploads the required documents, and saves a progress report's narrative."""

import re

import pytest

from accounts.enums import ProgrammeRole
from accounts.models import Organisation
from grants.models import Application
from regions.enums import RegionLevel
from reporting.models import ProgressReport
from tests.browser.conftest import PHONE_VIEWPORT
from tests.factories import TEST_PASSWORD, RegionFactory, UserFactory
from tests.grants.test_application_support import MINIMAL_PDF, call_fixture  # noqa: F401
from tests.reporting.conftest import make_project

pytestmark = pytest.mark.browser

PASSWORD = re.compile(r"^\s*Password\*?\s*$")


@pytest.fixture
def no_js_page(browser, live_server, transactional_db):
    context = browser.new_context(
        viewport=PHONE_VIEWPORT,
        base_url=live_server.url,
        locale="en-GB",
        java_script_enabled=False,
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_an_ngo_member_registers_applies_uploads_and_reports_without_javascript(
    no_js_page, live_server, call, oblast
):
    from playwright.sync_api import expect

    page = no_js_page
    district = RegionFactory(
        code="41702215000000",
        level=RegionLevel.DISTRICT,
        parent=oblast,
        name_en="Jety-Oguz District",
        name_ru="Джети-Огузский район",
        name_ky="Жети-Өгүз району",
    )
    member = UserFactory(
        email="aigul@example.org", full_name="Aigul Sadykova", role=ProgrammeRole.APPLICANT
    )

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(member.email)
    page.get_by_label(PASSWORD).fill(TEST_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/start/")

    # The organisation: the oblast first, then its districts after the refine button.
    page.goto("/organisations/new/")
    page.locator("#id_name").fill("Jety-Oguz Women's Council")
    page.locator("#id_legal_form").select_option("public_association")
    page.locator("#id_registration_number").fill("2231-3301-OO")
    page.locator("#id_taxpayer_number").fill("02209201710123")
    page.locator("#id_region_1").select_option(label="Issyk-Kul Oblast")
    page.get_by_role("button", name="Show the places in this area").click()
    page.locator("#id_region_2").select_option(label="Jety-Oguz District")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("The organisation was registered.")).to_be_visible()
    organisation = Organisation.objects.get()
    assert organisation.region == district
    assert list(organisation.members.all()) == [member]

    # The application: started, its summary saved with the explicit button.
    page.goto(f"/calls/{call.slug}/apply/")
    page.get_by_role("button", name="Start my application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Summary")
    page.get_by_label("Project title").fill("Safe roads to school")
    page.get_by_label("Summary").fill("Crossings, lessons and patrols near three schools.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Summary")
    application = Application.objects.get()
    assert application.title == "Safe roads to school"
    assert application.summary == "Crossings, lessons and patrols near three schools."

    # The documents: a plain multipart form.
    page.goto(f"/applications/{application.pk}/edit/documents/")
    documents = list(call.documents.all())
    for document in documents:
        page.locator(f"#id_document_{document.pk}").set_input_files(
            {"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}
        )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text(f"{len(documents)} file(s) uploaded")).to_be_visible()
    assert application.attachments.count() == len(documents) > 0

    # A progress report of the organisation's funded project: the narrative saved.
    project = make_project(organisation)
    report = project.reports.get(number=1)
    page.goto(f"/my/reports/{report.pk}/edit/narrative/")
    page.get_by_label("Achievements").fill("Six round tables in three ayil aimaks.")
    page.get_by_label("Challenges").fill("Snow closed the pass in December.")
    page.get_by_label("Lessons learnt").fill("Schools are the best partners.")
    page.get_by_label("Next steps").fill("A joint prevention plan.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("Saved at")
    report = ProgressReport.objects.get(pk=report.pk)
    assert report.achievements == "Six round tables in three ayil aimaks."
    assert report.next_steps == "A joint prevention plan."
