"""axe-core on every key page of every role, on a phone (and staff pages on a desktop
too): no serious or critical WCAG 2.1 A/AA violation.

axe-core is vendored for the tests only (scripts/vendor-static.sh); users never get it.
The demo story gives the data; each role signs in through a session cookie. The
per-page counts by impact go to artifacts/axe-results.json. The "start an application"
page and the forms in their error state are audited in test_keyboard.py.
"""

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from tests.browser.conftest import PHONE_VIEWPORT

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
RESULTS = Path(__file__).resolve().parents[2] / "artifacts" / "axe-results.json"
DESKTOP_VIEWPORT = {"width": 1280, "height": 900}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
IMPACTS = ["critical", "serious", "moderate", "minor"]

RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.slice(0, 3).map((node) => node.target.join(" ")),
  }));
}"""


def demo_user(local_part):
    from accounts.models import User
    from reporting.demo import demo_email

    return User.objects.get(email=demo_email(local_part))


def open_context(browser, live_server, *, user=None, viewport=PHONE_VIEWPORT):
    # bypass_csp: injecting axe is the test's doing, not the page's.
    context = browser.new_context(
        viewport=viewport, base_url=live_server.url, locale="en-GB", bypass_csp=True
    )
    context.set_default_timeout(15_000)
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
    return context


def run_axe(tab):
    tab.add_script_tag(path=str(AXE))
    return tab.evaluate(RUN_AXE, WCAG_TAGS)


def audit(tab, path):
    # Deferred scripts have run by DOMContentLoaded; axe needs no image.
    response = tab.goto(path, wait_until="domcontentloaded")
    assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
    assert tab.url.endswith(path), f"{path} led to {tab.url}"  # the page itself, not a detour
    return run_axe(tab)


def sweep(browser, live_server, label, pages, *, user=None, viewport=PHONE_VIEWPORT):
    """Run axe on each page, and on the first with its menu open (each role has its
    own menu); return {"<label> <path>": violations}."""
    context = open_context(browser, live_server, user=user, viewport=viewport)
    tab = context.new_page()
    found = {}
    try:
        for path in pages:
            found[f"{label} {path}"] = audit(tab, path)
        tab.goto(pages[0], wait_until="domcontentloaded")
        tab.locator(".navbar-toggler").click()
        tab.wait_for_selector("#main-nav.show")
        found[f"{label} {pages[0]} (menu open)"] = run_axe(tab)
    finally:
        context.close()
    return found


def committee_pages(member_user):
    """A call in review beside the demo's: one application to declare, one to score."""
    from accounts.models import Organisation
    from tests.grants.review_support import assign, call_in_review, declare, eligible, seat

    call = call_in_review(title="Safer villages: review")
    organisations = list(Organisation.objects.order_by("pk")[:2])
    to_declare = eligible(call, organisations[0], 1, title="Lit streets")
    to_score = eligible(call, organisations[1], 2, title="School patrols")
    member = seat(call, member_user)
    assign(member, to_declare, to_score)
    declare(member, to_score)
    return ["/review/", f"/review/{to_declare.pk}/declare/", f"/review/{to_score.pk}/"]


def applicant_pages():
    from grants.enums import ApplicationState
    from grants.models import Application
    from grants.services.applications import SECTIONS
    from projects.models import Project

    applicant = demo_user("ainura.jetyoguz")
    organisation = applicant.memberships.get().organisation
    draft = Application.objects.get(organisation=organisation, state=ApplicationState.DRAFT)
    project = Project.objects.filter(organisation=organisation).get()
    pages = [
        "/start/",
        "/organisations/",
        f"/organisations/{organisation.pk}/",
        "/applications/",
        f"/applications/{draft.pk}/",
        *[f"/applications/{draft.pk}/edit/{slug}/" for slug, _title in SECTIONS],
        f"/applications/{draft.pk}/submit/",
        f"/project/{project.pk}/",
        "/my/projects/",
        "/my/reports/",
    ]
    return applicant, pages


def reporter_pages():
    """The demo's one report still to fill in, and its owner."""
    from reporting.enums import ReportSection, ReportState
    from reporting.models import ProgressReport

    report = ProgressReport.objects.filter(state=ReportState.PENDING).order_by("pk").first()
    owner = report.project.organisation.memberships.order_by("pk").first().user
    pages = [
        f"/my/reports/{report.pk}/",
        *[f"/my/reports/{report.pk}/edit/{section}/" for section in ReportSection.values],
        f"/my/reports/{report.pk}/submit/",
    ]
    return owner, pages


def staff_pages():
    from grants.models import Application, Call
    from projects.models import Project
    from reporting.enums import ReportState
    from reporting.models import DonorSummary, ProgressReport

    decided = Call.objects.get(slug="prevention-in-action-2017")
    open_call = Call.objects.get(slug="safer-villages-open-call")
    application = Application.objects.filter(call=decided).order_by("sequence").first()
    project = Project.objects.order_by("pk").first()
    report = ProgressReport.objects.filter(state=ReportState.SUBMITTED).order_by("pk").first()
    summary = DonorSummary.objects.order_by("pk").first()
    return [
        "/staff/dashboard/",
        "/staff/calls/",
        f"/staff/calls/{decided.pk}/",
        f"/staff/calls/{open_call.pk}/edit/",
        "/staff/applications/",
        f"/staff/applications/{application.pk}/",
        f"/staff/calls/{decided.pk}/committee/",
        f"/staff/calls/{decided.pk}/ranking/",
        "/staff/projects/",
        f"/project/{project.pk}/",
        "/staff/reports/",
        f"/staff/reports/{report.pk}/",
        "/summaries/",
        f"/summaries/{summary.pk}/",
    ]


def describe(violations):
    return "\n".join(
        f"  {page}: {v['id']} ({v['impact']}) {v['help']} at {v['targets']}"
        for page, found in violations.items()
        for v in found
    )


def test_no_serious_or_critical_axe_violation_on_any_key_page(
    browser, live_server, transactional_db
):
    from grants.models import Call

    call_command("seed_demo", verbosity=0)
    open_call = Call.objects.get(slug="safer-villages-open-call")
    applicant, applicant_paths = applicant_pages()
    reporter, reporter_paths = reporter_pages()
    member = demo_user("committee.mvd")
    member_paths = committee_pages(member)
    staff = demo_user("programme.officer")
    staff_paths = staff_pages()

    found = {}
    anonymous = [
        "/",
        "/calls/",
        f"/calls/{open_call.slug}/",
        "/projects/",
        "/regions/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
    ]
    found |= sweep(browser, live_server, "anonymous", anonymous)
    found |= sweep(browser, live_server, "applicant", applicant_paths, user=applicant)
    found |= sweep(browser, live_server, "applicant", reporter_paths, user=reporter)
    found |= sweep(browser, live_server, "committee", member_paths, user=member)
    found |= sweep(browser, live_server, "staff", staff_paths, user=staff)
    found |= sweep(
        browser, live_server, "staff-desktop", staff_paths, user=staff, viewport=DESKTOP_VIEWPORT
    )
    found |= sweep(
        browser, live_server, "donor", ["/donor/", "/summaries/"], user=demo_user("donor")
    )

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    summary = {
        "axe_core": AXE.with_name("VERSION").read_text().strip(),
        "tags": WCAG_TAGS,
        "pages": [
            {
                "page": page,
                **{impact: sum(v["impact"] == impact for v in found[page]) for impact in IMPACTS},
                "rules": sorted({v["id"] for v in found[page]}),
            }
            for page in found
        ],
    }
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")

    blocking = {
        page: [v for v in violations if v["impact"] in BLOCKING]
        for page, violations in found.items()
    }
    blocking = {page: found for page, found in blocking.items() if found}
    assert not blocking, "serious or critical axe violations:\n" + describe(blocking)
