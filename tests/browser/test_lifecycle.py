"""The whole lifecycle of a grant, played in a real browser by the people who live it.

Staff publish a call on a desktop; an NGO member signs up on a phone, switches the
portal to Kyrgyz, registers the organisation, applies (autosave, an upload) and submits;
staff screen it, close the call, start the review and seat the committee; two members,
in Russian, declare (one a conflict) and score; staff decide and the project appears;
months later the NGO reports, staff return the report and then accept it; staff make a
donor summary and the donor viewer downloads its PDF.

Only the data staff and the committee need before the story starts is made directly:
the programme and its themes, the people's accounts, a donor recipient and the places.
Everything else goes through the pages. One step cannot: the months between the decision
and the first report, simulated by moving the portal's clock (see ``months_pass``).

A screenshot of each key page goes to artifacts/screenshots/lifecycle/NN-name.png.
"""

import datetime
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core import mail
from django.utils import timezone, translation
from django.utils.text import capfirst

from accounts.enums import ProgrammeRole
from grants.enums import ApplicationState, CallState, ReviewState
from grants.models import Application, Assignment, Call, ConflictDeclaration, Review
from projects.models import Project
from regions.models import Region
from reporting.demo import ensure_demo_places
from reporting.enums import ReportState
from reporting.models import DonorRecipient, DonorSummary, ProgressReport, SummaryStatus
from tests.factories import TEST_PASSWORD, ProgrammeFactory, ThemeFactory
from tests.grants.test_application_support import MINIMAL_PDF

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
BISHKEK = ZoneInfo("Asia/Bishkek")
NEWCOMER = "aizada@example.org"
ISSYK_KUL, JETI_OGUZ = "41702000000000", "41702210000000"
CALL_TITLE = "Small grants for safer villages"
PROJECT_TITLE = "Safe roads to school in Jeti-Oguz"
SAVED = re.compile(r"\bis-saved\b")


def tr(language: str, message: str) -> str:
    """``message`` as the portal shows it in ``language`` (English where untranslated)."""
    with translation.override(language):
        return translation.gettext(message)


def saved_text(language: str) -> str:
    """The fixed part of the autosave's "Saved at 14:05" in ``language``."""
    parts = tr(language, "Saved at %(time)s").split("%(time)s")
    return max((part.strip() for part in parts), key=len)


def label(text: str) -> re.Pattern:
    """A field's label as crispy forms render it: required ones end in an asterisk."""
    return re.compile(rf"^\s*{re.escape(text)}\*?\s*$")


def bishkek_input(moment: datetime.datetime) -> str:
    """A moment as a ``datetime-local`` input takes it, in Bishkek time."""
    return timezone.localtime(moment, BISHKEK).strftime("%Y-%m-%dT%H:%M")


def shoot(tab, folder, number: int, name: str) -> None:
    tab.screenshot(path=folder / f"{number:02d}-{name}.png", full_page=True)


def no_sideways_scroll(tab) -> None:
    width = tab.viewport_size["width"]
    assert tab.evaluate("document.documentElement.scrollWidth") <= width


def sign_in(tab, email: str, language: str = "en") -> None:
    from playwright.sync_api import expect

    tab.goto("/accounts/login/")
    tab.locator("#id_login").fill(email)
    tab.locator("#id_password").fill(TEST_PASSWORD)
    tab.get_by_role("main").get_by_role("button", name=tr(language, "Sign In")).click()
    expect(tab).not_to_have_url(re.compile(r"/accounts/login/"))


def switch_language(tab, code: str, shown_in: str) -> None:
    """Press the header's language button; on a phone the menu must be opened first."""
    name = capfirst(translation.get_language_info(code)["name_local"])
    toggle = tab.get_by_role("button", name=tr(shown_in, "Show the menu"))
    if toggle.is_visible():
        toggle.click()
    tab.get_by_role("button", name=name, exact=True).click()
    tab.wait_for_load_state()
    assert tab.locator("html").get_attribute("lang") == code


def arrive(tab, heading: str) -> None:
    """The page with this main heading is shown and its scripts (htmx, autosave) run."""
    from playwright.sync_api import expect

    expect(tab.get_by_role("heading", level=1)).to_have_text(heading)
    tab.wait_for_load_state()


def wait_until_saved(tab, language: str) -> None:
    """Autosave has stored the section (so the next button never races it)."""
    from playwright.sync_api import expect

    status = tab.locator("#autosave-status")
    expect(status).to_have_class(SAVED, timeout=15_000)
    expect(status).to_contain_text(saved_text(language))


@pytest.fixture
def open_tab(browser, live_server, transactional_db):
    """A tab in a fresh browser context (one per person), closed at the end."""
    contexts = []

    def open_tab(viewport, locale="en-GB"):
        context = browser.new_context(viewport=viewport, base_url=live_server.url, locale=locale)
        context.set_default_timeout(15_000)
        contexts.append(context)
        tab = context.new_page()
        # Confirmations ("Close now", "Submit review") and the autosave's leave warning.
        tab.on("dialog", lambda dialog: dialog.accept())
        return tab

    yield open_tab
    for context in contexts:
        context.close()


@pytest.fixture
def lifecycle_dir(screenshots_dir):
    folder = screenshots_dir / "lifecycle"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture
def months_pass(monkeypatch):
    """Move the portal's clock forward to ``moment`` (the live server runs in this
    process, so it sees the same ``django.utils.timezone.now``). Not reachable through
    the pages: a report opens for submission only in the last month of its period."""
    real_now = timezone.now

    def months_pass(moment: datetime.datetime) -> None:
        offset = moment - real_now()

        def later():
            return real_now() + offset

        monkeypatch.setattr(timezone, "now", later)
        # Fields with ``default=timezone.now`` hold the function itself: give them the
        # moved clock too (Django keeps a field's default callable in ``_get_default``).
        for model in apps.get_models():
            for field in model._meta.concrete_fields:
                if field.default is real_now:
                    monkeypatch.setattr(field, "_get_default", later)

    return months_pass


def test_a_grant_from_the_call_to_the_donor_summary(
    open_tab,
    lifecycle_dir,
    months_pass,
    staff,
    committee_member,
    conflicted_member,
    donor_viewer,
):
    from playwright.sync_api import expect

    # --- what staff and the committee need before the story starts ------------------
    ensure_demo_places()
    issyk_kul = Region.objects.get(code=ISSYK_KUL)
    jeti_oguz = Region.objects.get(code=JETI_OGUZ)
    today = timezone.localdate()
    programme = ProgrammeFactory(
        starts_on=today - datetime.timedelta(days=365),
        ends_on=today + datetime.timedelta(days=3 * 365),
    )
    road_safety = ThemeFactory(
        programme=programme,
        name_en="Road safety",
        name_ru="Безопасность дорожного движения",
        name_ky="Жол кыймылынын коопсуздугу",
    )
    ThemeFactory(
        programme=programme,
        name_en="Juvenile delinquency",
        name_ru="Подростковая преступность",
        name_ky="Өспүрүмдөр арасындагы кылмыштуулук",
    )
    DonorRecipient.objects.create(
        programme=programme, name=donor_viewer.full_name, email=donor_viewer.email
    )

    # --- 1. Staff create the call on a desktop and publish it ---------------------------
    office = open_tab(DESKTOP)
    sign_in(office, staff.email)
    office.goto("/staff/calls/new/")
    arrive(office, "New call for proposals")
    office.get_by_label(label("Title")).fill(CALL_TITLE)
    office.locator("#id_description").fill(
        "Local crime-prevention projects of public associations and initiative groups."
    )
    office.get_by_label("Road safety").check()
    office.get_by_label("Juvenile delinquency").check()
    office.get_by_label("Public association", exact=True).check()
    office.get_by_label("Initiative group", exact=True).check()
    office.get_by_label(label("Total budget")).fill("1000000")
    office.get_by_label(label("Minimum grant")).fill("100000")
    office.get_by_label(label("Maximum grant")).fill("300000")
    office.get_by_label(label("Expected co-financing (percent of the project)")).fill("10")
    now = timezone.now()
    office.get_by_label(label("Opens at")).fill(bishkek_input(now - datetime.timedelta(hours=1)))
    office.get_by_label(label("Closes at (deadline)")).fill(
        bishkek_input(now + datetime.timedelta(days=2))
    )
    office.get_by_label(label("Contact person")).fill("Saltanat Staff")
    office.get_by_label(label("Contact email")).fill("grants@example.org")
    # The rubric: two criteria whose weights add up to 100 (the second row is asked for).
    office.locator("#id_criteria-0-name").fill("Relevance to local crime problems")
    office.locator("#id_criteria-0-weight").fill("60")
    office.get_by_role("button", name="Add another criterion").click()
    office.locator("#id_criteria-1-name").fill("Partnership with the ayil okmotu and police")
    office.locator("#id_criteria-1-weight").fill("40")
    office.locator("#id_criteria-1-max_points").fill("10")
    office.locator("#id_documents-0-name").fill("Certificate of state registration")
    office.locator("#id_documents-0-is_mandatory").check()
    office.get_by_label("Oblast or city of republican significance").select_option(
        str(issyk_kul.pk)
    )
    shoot(office, lifecycle_dir, 1, "staff-call-editor")
    office.get_by_role("button", name="Save as draft").click()
    expect(office.get_by_text("The call was saved as a draft.")).to_be_visible()
    call = Call.objects.get()
    assert list(call.criteria.values_list("weight", flat=True).order_by("order")) == [60, 40]
    assert list(call.eligible_regions.all()) == [issyk_kul]
    office.get_by_role("button", name="Publish").click()
    expect(office.get_by_text("The call is now “Published”.")).to_be_visible()
    assert Call.objects.get(pk=call.pk).state == CallState.PUBLISHED
    shoot(office, lifecycle_dir, 2, "staff-call-published")

    # --- 2. An NGO member on a phone, in Kyrgyz: sign-up, organisation, application -----
    ngo = open_tab(PHONE, locale="ru-RU")  # the phone asks for Russian; she wants Kyrgyz
    ngo.goto("/")
    switch_language(ngo, "ky", shown_in="ru")
    arrive(ngo, tr("ky", "Small grants for safer communities"))
    ngo.get_by_role("link", name=tr("ky", "Create an account")).click()
    ngo.locator("#id_email").fill(NEWCOMER)
    ngo.locator("#id_password1").fill(TEST_PASSWORD)
    ngo.locator("#id_password2").fill(TEST_PASSWORD)
    shoot(ngo, lifecycle_dir, 3, "ngo-signup-ky")
    ngo.get_by_role("main").get_by_role("button", name=tr("ky", "Sign Up")).click()
    arrive(ngo, tr("ky", "Verify Your Email Address"))
    (verification,) = mail.outbox
    assert verification.to == [NEWCOMER]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", verification.body).group(0)
    ngo.goto(link)
    ngo.get_by_role("button", name=tr("ky", "Confirm")).click()
    arrive(ngo, tr("ky", "Welcome, %(name)s") % {"name": NEWCOMER})

    ngo.get_by_role("link", name=tr("ky", "Register an organisation")).click()
    arrive(ngo, tr("ky", "Register an organisation"))
    ngo.locator("#id_name").fill("Community Safety Jeti-Oguz")
    ngo.locator("#id_legal_form").select_option("public_association")
    ngo.locator("#id_registration_number").fill("1234-3301-OO")
    ngo.locator("#id_taxpayer_number").fill("01234567890123")
    ngo.locator("#id_region_1").select_option(str(issyk_kul.pk))
    ngo.locator("#id_region_2").select_option(str(jeti_oguz.pk))  # refilled by htmx
    ngo.locator("#id_address").fill("Kyzyl-Suu village, Lenin street 12")
    ngo.locator("#id_phone").fill("+996 555 123 456")
    no_sideways_scroll(ngo)
    shoot(ngo, lifecycle_dir, 4, "ngo-organisation-ky")
    ngo.get_by_role("main").get_by_role("button", name=tr("ky", "Save"), exact=True).click()
    expect(
        ngo.get_by_text(tr("ky", "The organisation was registered. You are its owner."))
    ).to_be_visible()

    ngo.goto("/calls/")
    ngo.get_by_role("link", name=CALL_TITLE).first.click()
    arrive(ngo, CALL_TITLE)
    expect(ngo.get_by_text(road_safety.name_ky)).to_be_visible()
    ngo.get_by_role("link", name=tr("ky", "Start an application")).click()
    ngo.get_by_role("button", name=tr("ky", "Start my application")).click()
    next_section = ngo.get_by_role("button", name=tr("ky", "Save and continue"))

    arrive(ngo, tr("ky", "Summary"))
    ngo.locator("#id_title").fill(PROJECT_TITLE)
    ngo.locator("#id_theme").select_option(str(road_safety.pk))
    ngo.locator("#id_summary").fill("Crossings, lessons and patrols near three schools.")
    ngo.locator("#id_duration_months").fill("12")
    wait_until_saved(ngo, "ky")  # typing alone saved the section
    application = Application.objects.get()
    assert application.title == PROJECT_TITLE
    no_sideways_scroll(ngo)
    shoot(ngo, lifecycle_dir, 5, "ngo-application-autosaved-ky")
    next_section.click()

    arrive(ngo, tr("ky", "Problem and target groups"))
    ngo.locator("#id_problem").fill("Children are hurt on the road to school.")
    ngo.locator("#id_target_groups").fill("Pupils aged 7-14 and their parents")
    wait_until_saved(ngo, "ky")
    next_section.click()

    arrive(ngo, tr("ky", "Objectives and work plan"))
    ngo.locator("#id_objectives").fill("Fewer accidents near the three schools.")
    ngo.locator("#id_rows-0-activity").fill("Road safety lessons")
    ngo.locator("#id_rows-0-start_month").fill("1")
    ngo.locator("#id_rows-0-end_month").fill("6")
    wait_until_saved(ngo, "ky")
    next_section.click()

    arrive(ngo, tr("ky", "Locations"))
    ngo.locator("#id_rows-0-region_1").select_option(str(issyk_kul.pk))
    ngo.locator("#id_rows-0-region_2").select_option(str(jeti_oguz.pk))
    wait_until_saved(ngo, "ky")
    next_section.click()

    arrive(ngo, tr("ky", "Partners"))
    ngo.locator("#id_rows-0-kind").select_option("police")
    ngo.locator("#id_rows-0-name").fill("Jeti-Oguz district police")
    ngo.locator("#id_rows-0-role").fill("Patrols near the schools")
    wait_until_saved(ngo, "ky")
    next_section.click()

    arrive(ngo, tr("ky", "Beneficiaries"))
    for name, number in [("women", 40), ("men", 30), ("girls", 100), ("boys", 110)]:
        ngo.locator(f"#id_beneficiaries_{name}").fill(str(number))
    expect(ngo.locator("[data-beneficiaries-total]")).to_have_text("280")
    wait_until_saved(ngo, "ky")
    next_section.click()

    arrive(ngo, tr("ky", "Budget"))
    ngo.locator("#id_cofinancing_local_budget").fill("25000")
    ngo.locator("#id_rows-0-category").select_option("events")
    ngo.locator("#id_rows-0-description").fill("Lessons and community meetings")
    ngo.locator("#id_rows-0-unit").fill("event")
    ngo.locator("#id_rows-0-quantity").fill("10")
    ngo.locator("#id_rows-0-unit_cost").fill("20000")
    wait_until_saved(ngo, "ky")
    next_section.click()

    arrive(ngo, tr("ky", "Documents"))
    (document,) = call.documents.all()
    ngo.locator(f"#id_document_{document.pk}").set_input_files(
        {"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}
    )
    ngo.get_by_role("button", name=tr("ky", "Upload")).click()
    expect(ngo.get_by_role("link", name="certificate.pdf")).to_be_visible()
    assert application.attachments.count() == 1
    shoot(ngo, lifecycle_dir, 6, "ngo-application-documents-ky")
    ngo.get_by_role("link", name=tr("ky", "Continue"), exact=True).click()

    arrive(ngo, tr("ky", "Declaration"))
    ngo.locator("#id_declaration_accepted").check()
    wait_until_saved(ngo, "ky")
    next_section.click()

    arrive(ngo, tr("ky", "Check and submit"))
    ngo.get_by_role("button", name=tr("ky", "Submit the application")).click()
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED
    reference = application.reference
    expect(ngo.locator("[data-reference]")).to_have_text(reference)
    receipts = [message for message in mail.outbox if reference in message.subject]
    assert [message.to for message in receipts] == [[NEWCOMER]]
    no_sideways_scroll(ngo)
    shoot(ngo, lifecycle_dir, 7, "ngo-application-submitted-ky")

    # --- 3. Staff screen it, close the call, start the review, seat the committee -------
    office.goto(f"/staff/calls/{call.pk}/")
    office.get_by_role("link", name="Applications", exact=True).last.click()
    office.get_by_role("link", name=reference).click()
    office.get_by_label("Eligible: goes to the committee").check()
    shoot(office, lifecycle_dir, 8, "staff-screening")
    office.get_by_role("button", name="Save the decision").click()
    expect(
        office.get_by_text("The screening decision was saved and the applicant told.")
    ).to_be_visible()
    assert Application.objects.get(pk=application.pk).state == ApplicationState.ELIGIBLE

    # The deadline is two days away: staff close the call early with the page's own
    # button (confirmed in its dialog), so no clock or database change is needed here.
    office.goto(f"/staff/calls/{call.pk}/")
    office.get_by_role("button", name="Close now").click()
    expect(office.get_by_text("The call is now “Closed”.")).to_be_visible()
    office.get_by_role("button", name="Start the review").click()
    expect(office.get_by_text("The call is now “In review”.")).to_be_visible()
    assert Call.objects.get(pk=call.pk).state == CallState.IN_REVIEW

    office.get_by_role("link", name="Committee", exact=True).click()
    arrive(office, "Grant committee")
    for member in (committee_member, conflicted_member):
        office.get_by_label(label("Person")).select_option(
            label=f"{member.full_name} <{member.email}>"
        )
        office.get_by_role("button", name="Add to the committee").click()
        expect(
            office.get_by_text(
                f"{member.full_name} is on the committee and has been told by email."
            )
        ).to_be_visible()
    # Empty "reviewers per application": every member gets every eligible application.
    office.get_by_role("button", name="Save and assign").click()
    expect(office.get_by_text("2 new assignments made.")).to_be_visible()
    assert Assignment.objects.filter(application=application).count() == 2
    shoot(office, lifecycle_dir, 9, "staff-committee")

    # --- 4. Two members on their phones, in Russian: one scores, one is conflicted ------
    chynara = open_tab(PHONE)
    sign_in(chynara, committee_member.email)
    switch_language(chynara, "ru", shown_in="en")
    chynara.goto("/review/")
    arrive(chynara, tr("ru", "Scoring queue"))
    chynara.get_by_role("link", name=f"{tr('ru', 'Declare')} {reference}").click()
    arrive(chynara, tr("ru", "Conflict of interest"))
    chynara.get_by_label(
        tr("ru", "No conflict: I have no personal, financial or professional interest in it")
    ).check()
    chynara.get_by_role("button", name=tr("ru", "Record my declaration")).click()
    expect(chynara.get_by_role("heading", level=1)).to_contain_text(PROJECT_TITLE)
    relevance, partnership = call.criteria.order_by("order", "pk")
    chynara.locator(f"#id_score_{relevance.pk}").fill("8")
    chynara.locator(f"#id_score_{partnership.pk}").fill("9")
    expect(chynara.locator("#scoring-total")).to_have_text("84.00")  # 60% of 8/10 + 40% of 9/10
    chynara.locator(f"#id_comment_{relevance.pk}").fill("Ясная потребность у трёх школ.")
    chynara.get_by_label(tr("ru", "Fund"), exact=True).check()
    no_sideways_scroll(chynara)
    shoot(chynara, lifecycle_dir, 10, "member-scoring-ru")
    chynara.get_by_role("button", name=tr("ru", "Submit review")).click()  # and confirm
    expect(chynara.locator("input[name^=score_]")).to_have_count(0)
    review = Review.objects.get(member__user=committee_member)
    assert (review.state, review.total) == (ReviewState.SUBMITTED, Decimal("84.00"))

    daniyar = open_tab(PHONE)
    sign_in(daniyar, conflicted_member.email)
    switch_language(daniyar, "ru", shown_in="en")
    daniyar.goto(f"/review/{application.pk}/")
    arrive(daniyar, tr("ru", "Conflict of interest"))
    daniyar.get_by_label(
        tr("ru", "Conflict: I have an interest in it and will not review it")
    ).check()
    daniyar.get_by_label(label(tr("ru", "Reason"))).fill("Моя сестра руководит этой организацией.")
    daniyar.get_by_role("button", name=tr("ru", "Record my declaration")).click()
    recorded = tr(
        "ru",
        "Your conflict of interest with %(reference)s is recorded. You will not review it.",
    )
    expect(daniyar.get_by_role("status")).to_have_text(recorded % {"reference": reference})
    expect(daniyar.get_by_text(tr("ru", "Conflict declared")).first).to_be_visible()
    assert ConflictDeclaration.objects.get(member__user=conflicted_member).has_conflict is True
    shoot(daniyar, lifecycle_dir, 11, "member-conflict-ru")
    assert daniyar.goto(f"/review/{application.pk}/").status == 404
    expect(daniyar.get_by_text("Crossings, lessons and patrols")).to_have_count(0)

    # --- 5. Staff rank and decide; the project appears -----------------------------------
    office.goto(f"/staff/calls/{call.pk}/")
    office.get_by_role("link", name="Ranking and decisions").click()
    arrive(office, "Ranking and decisions")
    row = office.locator(f"#row-{application.pk}")
    expect(row).to_have_attribute("data-status", "proposed")
    shoot(office, lifecycle_dir, 12, "staff-ranking")
    row.get_by_role("link", name="Decide").click()
    arrive(office, f"Decision on {reference}")
    office.get_by_label("Approve", exact=True).check()
    office.get_by_label(label("Conditions")).fill("Sign the grant agreement within a month.")
    office.get_by_role("button", name="Record the decision").click()
    expect(
        office.get_by_text(f"The decision on {reference} was recorded and the applicant told.")
    ).to_be_visible()
    expect(
        office.get_by_text("Every eligible application is decided: the call is decided.")
    ).to_be_visible()
    project = Project.objects.get(application=application)
    office.goto("/staff/projects/")
    office.get_by_role("link", name=project.agreement_number).click()
    arrive(office, f"{project.agreement_number}: {PROJECT_TITLE}")
    shoot(office, lifecycle_dir, 13, "staff-project")

    # --- 6. Months later the NGO reports; staff return the report, then accept it ------
    report = project.reports.order_by("period_start").first()
    months_pass(
        datetime.datetime.combine(
            report.period_end + datetime.timedelta(days=3), datetime.time(12), tzinfo=BISHKEK
        )
    )
    # Sessions last hours, not months: everyone signs in again.
    sign_in(ngo, NEWCOMER, language="ky")
    ngo.goto("/my/projects/")
    arrive(ngo, tr("ky", "My projects"))
    ngo.get_by_role("link", name=project.agreement_number).click()
    with translation.override("ky"):
        report_name = f"{report.get_kind_display()} {report.number}"
    ngo.get_by_role("link", name=report_name, exact=True).click()
    ngo.get_by_role("link", name=tr("ky", "Fill in the report")).click()

    arrive(ngo, tr("ky", "Narrative"))
    ngo.locator("#id_achievements").fill("Ten road safety lessons in three schools.")
    ngo.locator("#id_challenges").fill("Snow closed the pass road in December.")
    ngo.locator("#id_lessons").fill("Schools are the best partners.")
    ngo.locator("#id_next_steps").fill("Crossing patrols with the police in spring.")
    wait_until_saved(ngo, "ky")
    next_section.click()

    arrive(ngo, tr("ky", "Indicators"))
    figures = {"women": 20, "men": 15, "girls": 50, "boys": 55}
    for indicator in project.indicators.order_by("order"):
        prefix = f"#id_indicator-{indicator.pk}"
        if indicator.disaggregated:
            for name, number in figures.items():
                ngo.locator(f"{prefix}-{name}").fill(str(number))
            ngo.locator(f"{prefix}-value").fill(str(sum(figures.values())))
        else:
            ngo.locator(f"{prefix}-value").fill("1")
    wait_until_saved(ngo, "ky")
    no_sideways_scroll(ngo)
    shoot(ngo, lifecycle_dir, 14, "ngo-report-indicators-ky")
    next_section.click()

    arrive(ngo, tr("ky", "Spending"))
    (line,) = project.budget_lines.all()
    ngo.locator(f"#id_line-{line.pk}-amount").fill("90000")
    wait_until_saved(ngo, "ky")
    next_section.click()
    arrive(ngo, tr("ky", "Co-financing received"))
    next_section.click()
    arrive(ngo, tr("ky", "Photos and documents"))
    ngo.get_by_role("link", name=tr("ky", "Continue"), exact=True).click()
    arrive(ngo, tr("ky", "Check and submit"))
    submit_report = ngo.get_by_role("button", name=tr("ky", "Submit the report"))
    report_submitted = tr("ky", "Your report was submitted. The programme team will review it.")
    submit_report.click()
    expect(ngo.get_by_role("status")).to_have_text(report_submitted)
    assert ProgressReport.objects.get(pk=report.pk).state == ReportState.SUBMITTED

    sign_in(office, staff.email)
    office.goto("/staff/reports/")
    with translation.override("en"):
        staff_report_name = (
            f"{project.agreement_number} · {report.get_kind_display()} {report.number}"
        )
    office.get_by_role("link", name=staff_report_name, exact=True).click()
    office.get_by_text("Return it for changes…").click()
    office.locator("#id_comment_spending").fill("Split the spending: lessons and meetings.")
    shoot(office, lifecycle_dir, 15, "staff-report-return")
    office.get_by_role("button", name="Return with these comments").click()
    expect(
        office.get_by_text("The report was returned to the organisation with your comments.")
    ).to_be_visible()
    assert ProgressReport.objects.get(pk=report.pk).state == ReportState.RETURNED

    ngo.goto(f"/my/reports/{report.pk}/edit/spending/")
    expect(ngo.locator(".report-comment-text")).to_have_text(
        "Split the spending: lessons and meetings."
    )
    ngo.locator(f"#id_line-{line.pk}-amount").fill("85000")
    wait_until_saved(ngo, "ky")
    shoot(ngo, lifecycle_dir, 16, "ngo-report-returned-ky")
    ngo.goto(f"/my/reports/{report.pk}/submit/")
    submit_report.click()
    expect(ngo.get_by_role("status")).to_have_text(report_submitted)

    office.reload()
    office.get_by_role("button", name="Accept the report").click()
    expect(office.get_by_text("Accepted: the report is locked.")).to_be_visible()
    assert ProgressReport.objects.get(pk=report.pk).state == ReportState.ACCEPTED
    shoot(office, lifecycle_dir, 17, "staff-report-accepted")

    # --- 7. Staff make a donor summary; the donor viewer downloads its PDF -------------
    period_end = timezone.localdate()
    period = f"{project.starts_on:%d.%m.%Y} – {period_end:%d.%m.%Y}"
    office.goto("/summaries/")
    office.get_by_label(label("Programme")).select_option(label=programme.name)
    office.get_by_label(label("Period from")).fill(project.starts_on.isoformat())
    office.get_by_label(label("Period to")).fill(period_end.isoformat())
    office.get_by_role("button", name="Make the summary").click()
    arrive(office, "Donor summary")
    # Tasks run eagerly here: the build runs once the request commits; the page polls.
    expect(office.locator("#summary-progress")).to_contain_text("Ready", timeout=60_000)
    assert DonorSummary.objects.get().status == SummaryStatus.READY
    shoot(office, lifecycle_dir, 18, "staff-summary-ready")

    donor = open_tab(PHONE)
    sign_in(donor, donor_viewer.email)
    assert donor_viewer.role == ProgrammeRole.DONOR_VIEWER
    donor.goto("/summaries/")
    arrive(donor, "Donor summaries")
    no_sideways_scroll(donor)
    shoot(donor, lifecycle_dir, 19, "donor-summaries")
    with donor.expect_download() as download_info:
        donor.get_by_role("link", name=f"PDF of the summary {period}").click()
    pdf_path = download_info.value.path()
    with open(pdf_path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert [donor_viewer.email] in [message.to for message in mail.outbox]
