"""On a 375-pixel-wide phone no page scrolls sideways and every action is reachable:
the key pages of every role, from the demo story, each in its user's own language
(the demo's staff and committee read Russian, Ainura Kyrgyz, the donor English).

An action is reachable when it is on the screen's width (a wide table may scroll inside
its ``.table-responsive`` box) or in the opened hamburger menu. Each page also names its
primary actions (language-independent selectors), which must be present and reachable.
"""

import io

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from grants.enums import ApplicationState
from grants.models import Application, Call
from reporting.enums import ReportState
from reporting.models import DonorSummary, ProgressReport
from tests.grants.review_support import assign, call_in_review, declare, eligible, seat

pytestmark = pytest.mark.browser

APPLICATION_SECTIONS = [
    "summary",
    "problem",
    "workplan",
    "locations",
    "partners",
    "beneficiaries",
    "budget",
    "declaration",
]
REPORT_SECTIONS = ["narrative", "indicators", "spending", "cofinancing"]
SAVE = ["main form button[name=continue]", "main form button[name=save]"]
UPLOAD = [
    "main form[enctype='multipart/form-data'] input[type=file]",
    "main form[enctype='multipart/form-data'] button[type=submit]",
]

# Every visible control that lies off the screen's width (outside a scrolling table box
# and the collapsed menu), and every named primary action that is missing or off it.
UNREACHABLE = """(required) => {
  const width = window.innerWidth;
  const name = (el) => `${el.tagName.toLowerCase()} "${(el.innerText || el.value || el.name
    || el.getAttribute('href') || '').trim().replace(/\\s+/g, ' ').slice(0, 40)}"`;
  const offScreen = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 1 && (box.left < -1 || box.right > width + 1)
      && el.closest('.table-responsive') === null;
  };
  const problems = [];
  const controls = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  for (const el of document.querySelectorAll(controls)) {
    if (el.closest('.navbar-collapse') || !el.checkVisibility()) continue;
    if (offScreen(el)) problems.push(`off the screen: ${name(el)}`);
  }
  for (const selector of required) {
    const el = document.querySelector(selector);
    if (el === null || !el.checkVisibility()) problems.push(`missing: ${selector}`);
  }
  return problems;
}"""

MENU_UNREACHABLE = """() => Array.from(document.querySelectorAll('#main-nav a, #main-nav button'))
  .filter((el) => {
    const box = el.getBoundingClientRect();
    return !el.checkVisibility() || box.left < -1 || box.right > window.innerWidth + 1;
  })
  .map((el) => el.innerText.trim())"""


def demo_user(local_part):
    return User.objects.get(email=f"{local_part}@demo.example.org")


def committee_scoring_in_progress():
    """The demo's 2017 committee has finished; seat its MVD member on a call in review
    with an application declared on and not yet scored, so the scoring form shows."""
    member_user = demo_user("committee.mvd")
    programme = Call.objects.get(slug="prevention-in-action-2017").programme
    call = call_in_review(programme=programme, title="Safer villages 2018")
    organisation = demo_user("ainura.jetyoguz").memberships.order_by("pk")[0].organisation
    application = eligible(call, organisation, 1, title="Safe roads to school in Jety-Oguz")
    member = seat(call, member_user)
    assign(member, application)
    declare(member, application)
    return application


def sweep_by_role():
    """(user or None, [(path, required selectors)]) for each role's key pages."""
    open_call = Call.objects.get(slug="safer-villages-open-call")
    call_2017 = Call.objects.get(slug="prevention-in-action-2017")
    draft = Application.objects.get(call=open_call, state=ApplicationState.DRAFT)
    ainura = draft.created_by
    ainura_project = draft.organisation.projects.order_by("pk")[0]
    pending = ProgressReport.objects.filter(state=ReportState.PENDING).order_by("pk")[0]
    reporter = pending.project.organisation.memberships.order_by("pk")[0].user
    submitted_report = ProgressReport.objects.filter(state=ReportState.SUBMITTED).order_by("pk")[0]
    summary = DonorSummary.objects.get()
    decided = call_2017.applications.order_by("sequence")[0]
    scoring = committee_scoring_in_progress()
    region = ainura_project.locations.order_by("pk")[0].region

    anonymous = [
        ("/", []),
        ("/calls/", [f"a[href='/calls/{open_call.slug}/']"]),
        (f"/calls/{open_call.slug}/", [f"a[href='/calls/{open_call.slug}/apply/']"]),
        (f"/calls/{call_2017.slug}/", []),
        ("/projects/", []),
        ("/regions/", []),
        ("/accounts/signup/", ["main form button[type=submit]"]),
        (f"/regions/{region.code}/", []),
    ]
    applicant = [
        ("/start/", []),
        ("/applications/", [f"a[href='/applications/{draft.pk}/']"]),
        (f"/applications/{draft.pk}/", [f"a[href='/applications/{draft.pk}/submit/']"]),
        *[(f"/applications/{draft.pk}/edit/{slug}/", SAVE) for slug in APPLICATION_SECTIONS],
        (f"/applications/{draft.pk}/edit/documents/", UPLOAD),
        (f"/applications/{draft.pk}/submit/", []),
        (f"/project/{ainura_project.pk}/", []),
        ("/my/projects/", []),
        ("/my/reports/", []),
        ("/organisations/", ["a[href='/organisations/new/']"]),
    ]
    reports = [
        ("/my/reports/", [f"a[href='/my/reports/{pending.pk}/']"]),
        (f"/my/reports/{pending.pk}/", [f"a[href='/my/reports/{pending.pk}/submit/']"]),
        *[(f"/my/reports/{pending.pk}/edit/{slug}/", SAVE) for slug in REPORT_SECTIONS],
        (f"/my/reports/{pending.pk}/edit/files/", UPLOAD),
        (f"/my/reports/{pending.pk}/submit/", []),
        (f"/project/{pending.project_id}/", []),
    ]
    committee = [
        ("/review/", [f"a[href='/review/{scoring.pk}/']"]),
        (
            f"/review/{scoring.pk}/",
            ["button[name=action][value=save]", "button[name=action][value=submit]"],
        ),
        (f"/review/{decided.pk}/", []),
    ]
    staff = [
        ("/staff/dashboard/", []),
        ("/staff/applications/", ["a[href$='export.csv']"]),
        (f"/staff/applications/{decided.pk}/", []),
        (f"/staff/applications/{scoring.pk}/", []),
        ("/staff/calls/", ["a[href='/staff/calls/new/']"]),
        (f"/staff/calls/{call_2017.pk}/", []),
        (f"/staff/calls/{call_2017.pk}/ranking/", ["#bulk-decisions button[type=submit]"]),
        (f"/staff/calls/{call_2017.pk}/committee/", []),
        (f"/staff/calls/{call_2017.pk}/progress/", []),
        ("/staff/projects/", []),
        (f"/project/{ainura_project.pk}/", []),
        ("/staff/reports/", []),
        (
            f"/staff/reports/{submitted_report.pk}/",
            [f"form[action='/staff/reports/{submitted_report.pk}/accept/'] button"],
        ),
        ("/summaries/", ["main form[action='/summaries/'] button[type=submit]"]),
        (f"/summaries/{summary.pk}/", [f"a[href='/summaries/{summary.pk}/summary.pdf']"]),
    ]
    donor = [
        ("/donor/", []),
        ("/summaries/", [f"a[href='/summaries/{summary.pk}/summary.pdf']"]),
        (f"/summaries/{summary.pk}/", [f"a[href='/summaries/{summary.pk}/summary.xlsx']"]),
    ]
    return [
        (None, anonymous),
        (ainura, applicant),
        (reporter, reports),
        (demo_user("committee.mvd"), committee),
        (demo_user("programme.officer"), staff),
        (demo_user("donor"), donor),
    ]


def sign_in(page, live_server, user):
    page.context.clear_cookies()
    if user is None:
        return
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_no_page_of_any_role_scrolls_sideways_on_a_phone_and_every_action_is_reachable(
    page, live_server
):
    call_command("seed_demo", stdout=io.StringIO())
    problems = []
    visited = 0
    for user, pages in sweep_by_role():
        sign_in(page, live_server, user)
        who = user.email if user else "anonymous"
        for number, (path, required) in enumerate(pages):
            response = page.goto(path)
            visited += 1
            if response.status != 200 or page.url != f"{live_server.url}{path}":
                problems.append(f"{who} {path}: {response.status} at {page.url}")
                continue
            width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if width[0] > width[1]:
                problems.append(f"{who} {path}: {width[0]} px wide")
            problems += [f"{who} {path}: {p}" for p in page.evaluate(UNREACHABLE, required)]
            if number == 0:
                # The role's menu: every entry on the screen once the hamburger is open.
                page.locator(".navbar-toggler").click()
                page.locator("#main-nav.show").wait_for()
                page.wait_for_timeout(400)  # the collapse animation
                missing = page.evaluate(MENU_UNREACHABLE)
                problems += [f"{who} {path}: menu entry {entry!r} unreachable" for entry in missing]
    assert visited > 50
    assert problems == [], "\n".join(problems)
