"""The application form and the report form with the keyboard alone: Tab and Shift+Tab
to move, typing, arrow keys in a select, Enter and Space to save, no mouse. Every field
has a label, a bad save moves focus to the error summary, and focus is visible."""

import pytest
from django.test import Client

from grants.models import Application
from reporting.models import ProgressReport
from tests.browser.test_accessibility import AXE, RUN_AXE, WCAG_TAGS
from tests.grants.test_application_support import call_fixture  # noqa: F401
from tests.reporting.conftest import make_project

pytestmark = pytest.mark.browser

FOCUSED_MATCHES = "(selector) => document.activeElement?.matches(selector) ?? false"
UNLABELLED_FIELDS = """() => Array.from(
  document.querySelectorAll("#main input:not([type=hidden]), #main select, #main textarea")
).filter((field) => field.offsetParent !== null
  && field.labels.length === 0
  && !field.getAttribute("aria-label")
  && !field.getAttribute("aria-labelledby")
).map((field) => field.name)"""
FOCUS_OUTLINE = """() => {
  const style = getComputedStyle(document.activeElement);
  return [style.outlineStyle, style.outlineWidth];
}"""


def sign_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def tab_to(page, selector, *, backwards=False, limit=60):
    """Press Tab (Shift+Tab backwards) until the element matching ``selector`` has focus."""
    for _ in range(limit):
        if page.evaluate(FOCUSED_MATCHES, selector):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"{selector} never took focus from the keyboard")


def assert_focus_is_visible(page):
    style, width = page.evaluate(FOCUS_OUTLINE)
    assert style != "none" and width != "0px", (style, width)


def assert_every_field_is_labelled(page):
    assert page.evaluate(UNLABELLED_FIELDS) == []
    # Evaluated, not added as an inline <script>: the page's CSP refuses inline scripts.
    page.evaluate(AXE.read_text())
    violations = page.evaluate(RUN_AXE, WCAG_TAGS)
    assert [v for v in violations if v["impact"] in {"serious", "critical"}] == []


def without_autosave(page):
    """Refuse the form's background saves: the keyboard's Save alone must keep the work
    (and no autosave can race it)."""

    def refuse_background_saves(route):
        if route.request.headers.get("hx-request"):
            route.abort()
        else:
            route.continue_()

    page.route("**/edit/**", refuse_background_saves)


def assert_error_summary_has_focus(page):
    from playwright.sync_api import expect

    expect(page.locator("#error-summary")).to_be_visible()
    page.wait_for_load_state("load")  # the deferred scripts have run
    assert page.evaluate("document.activeElement.id") == "error-summary"


def test_an_applicant_fills_the_summary_and_budget_with_the_keyboard_alone(
    page, live_server, call, applicant_a
):
    from playwright.sync_api import expect

    sign_in(page, live_server, applicant_a)
    without_autosave(page)
    page.goto(f"/calls/{call.slug}/apply/")
    assert_every_field_is_labelled(page)
    tab_to(page, "#main button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Summary")
    application = Application.objects.get()
    assert_every_field_is_labelled(page)

    # A duration out of range: the error summary takes focus and links to the field.
    tab_to(page, "#id_duration_months")
    assert_focus_is_visible(page)
    page.keyboard.type("99")
    page.keyboard.press("Enter")
    assert_error_summary_has_focus(page)
    expect(page.locator("#error-summary a[href='#id_duration_months']")).to_be_visible()
    assert_every_field_is_labelled(page)

    # Fix everything from the keyboard: Shift+Tab back up to the title, then down.
    tab_to(page, "#id_duration_months")
    page.keyboard.press("Control+A")
    page.keyboard.type("12")
    tab_to(page, "#id_title", backwards=True)
    page.keyboard.type("Safe roads to school")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED_MATCHES, "#id_theme")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED_MATCHES, "#id_summary")
    page.keyboard.type("Crossings, lessons and patrols near three schools.")
    tab_to(page, "#main button[name=continue]")
    assert_focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Problem and target groups")
    application.refresh_from_db()
    assert (application.title, application.duration_months) == ("Safe roads to school", 12)
    assert application.summary == "Crossings, lessons and patrols near three schools."
    assert application.theme is not None  # ArrowDown chose the first theme

    # Budget: a line without quantity or unit cost is refused, then completed.
    page.goto(f"/applications/{application.pk}/edit/budget/")
    assert_every_field_is_labelled(page)
    tab_to(page, "#id_rows-0-description")
    page.keyboard.type("Road safety lessons")
    tab_to(page, "#main button[name=save]")
    with page.expect_navigation():
        page.keyboard.press("Space")
    assert_error_summary_has_focus(page)
    assert_every_field_is_labelled(page)

    tab_to(page, "#id_rows-0-unit")
    page.keyboard.type("lesson")
    page.keyboard.press("Tab")
    page.keyboard.type("10")
    page.keyboard.press("Tab")
    page.keyboard.type("5000")
    tab_to(page, "#main button[name=save]")
    with page.expect_navigation():
        page.keyboard.press("Space")
    expect(page.locator("#error-summary")).to_have_count(0)
    line = application.budget_lines.get()
    assert (line.description, line.unit, line.quantity, line.unit_cost) == (
        "Road safety lessons",
        "lesson",
        10,
        5000,
    )


def test_an_ngo_fills_the_report_narrative_with_the_keyboard_alone(
    page, live_server, applicant_a, organisation_a
):
    from playwright.sync_api import expect

    project = make_project(organisation_a)
    report = project.reports.get(number=1)
    indicator = project.indicators.order_by("order").last()

    sign_in(page, live_server, applicant_a)
    without_autosave(page)
    page.goto(f"/my/reports/{report.pk}/edit/narrative/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Narrative")
    assert_every_field_is_labelled(page)

    texts = {
        "#id_achievements": "Six round tables in three ayil aimaks.",
        "#id_challenges": "Snow closed the pass in December.",
        "#id_lessons": "Schools are the best partners.",
        "#id_next_steps": "A joint prevention plan.",
    }
    for selector, text in texts.items():
        tab_to(page, selector)
        assert_focus_is_visible(page)
        page.keyboard.type(text)
    tab_to(page, "#main button[name=continue]")
    assert_focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Indicators")
    report = ProgressReport.objects.get(pk=report.pk)
    assert report.achievements == texts["#id_achievements"]
    assert report.next_steps == texts["#id_next_steps"]

    # A negative figure on the next section: the error summary takes focus.
    assert_every_field_is_labelled(page)
    tab_to(page, f"#id_indicator-{indicator.pk}-value")
    page.keyboard.type("-3")
    page.keyboard.press("Enter")
    assert_error_summary_has_focus(page)
    assert_every_field_is_labelled(page)
