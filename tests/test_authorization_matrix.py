"""The authorisation matrix: every named URL of the portal against every member of the
cast, with objects that could leak present (issue 7, "Access").

The URL resolver is walked, so a new URL without a row in tests/authorization_cases.py
fails ``test_every_url_has_a_row``. Each role's test requests every row once, each
request inside a savepoint rolled back afterwards (a POST changes nothing the next row
sees), and lists every mismatch in one message: route, role, expected, got."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.core.signals import request_finished
from django.db import close_old_connections, transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.enums import MembershipRole, ProgrammeRole
from accounts.models import Invitation
from grants.enums import CallState, DecisionOutcome
from grants.models import Decision, Question
from projects.enums import TrancheCondition
from projects.models import Tranche
from reporting.models import DonorSummary, ReportFile, SummaryStatus
from tests.authorization_cases import ALLAUTH_ROUTES, AWAY, CASES, LOGIN, ROLES
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    MembershipFactory,
    ThemeFactory,
    UserFactory,
    submitted_review,
)
from tests.grants.review_support import assign, attach, call_in_review, declare, eligible, seat
from tests.reporting.conftest import make_project

pytestmark = pytest.mark.django_db

# Not ours to list: Django's admin (tested below on its own), allauth's pages (a few
# are rows: ALLAUTH_ROUTES) and files served in development.
SKIPPED_PREFIXES = ("admin/", "accounts/", "static/", "media/")


def walk(patterns, prefix=""):
    """(route, name) of every URL pattern below ``patterns``."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.name


def project_routes() -> dict[str, str]:
    routes = {}
    for route, name in walk(get_resolver().url_patterns):
        if route.lstrip("^").startswith(SKIPPED_PREFIXES):
            continue
        assert name, f"the URL {route!r} has no name: name it and give it a row"
        routes[name] = route
    return routes


def test_every_url_has_a_row():
    routes = project_routes()
    expected = set(routes) | ALLAUTH_ROUTES
    rows = {case.name for case in CASES}

    missing = sorted(expected - rows)
    stale = sorted(rows - expected)
    assert not missing, "URLs without a row in tests/authorization_cases.py:\n" + "\n".join(
        f"  {name}: /{routes.get(name, '')}" for name in missing
    )
    assert not stale, f"rows for URLs that no longer exist: {stale}"


def test_every_row_names_every_role():
    for case in CASES:
        assert set(case.expected) == set(ROLES), case.describe()


# --- the data set -----------------------------------------------------------------------


@pytest.fixture
def world(
    oblast,
    organisation_a,
    organisation_b,
    applicant_a,
    applicant_b,
    committee_member,
    conflicted_member,
    staff,
):
    """Organisations A and B each with a draft, a submitted application with a file, a
    funded project with a tranche and a report with a file; a call in review with a
    committee (a member who declared no conflict and scored, a conflicted member, a
    third reviewer); a decision; a donor summary ready with its files; a question and
    invitations."""
    w = SimpleNamespace(oblast=oblast, organisation_a=organisation_a)
    w.open_call = CallFactory(slug="open-call")
    w.open_call.themes.set([ThemeFactory(programme=w.open_call.programme)])
    w.open_call.eligible_regions.set([oblast])
    w.draft_call = CallFactory(slug="draft-call", state=CallState.DRAFT)

    organisation_a.taxpayer_number = "20512199700123"
    organisation_a.save(update_fields=["taxpayer_number"])
    w.draft_a = eligible_draft(w.open_call, organisation_a, applicant_a, "Unsent idea of A")
    w.draft_file_a = attach(w.draft_a, "draft-a.pdf")
    w.draft_b = eligible_draft(w.open_call, organisation_b, applicant_b, "Unsent idea of B")
    attach(w.draft_b, "draft-b.pdf")
    w.question_a = Question.objects.create(
        call=w.open_call,
        organisation=organisation_a,
        asked_by=applicant_a,
        text="May the Jety-Oguz lyceum be our partner?",
    )

    w.review_call = call_in_review(title="Small grants 2017", slug="review-call")
    w.submitted_a = eligible(w.review_call, organisation_a, 1, title="Safe roads to school")
    w.file_a = attach(w.submitted_a, "budget-a.pdf")
    w.submitted_b = eligible(w.review_call, organisation_b, 2, title="Girls at school")
    w.file_b = attach(w.submitted_b, "budget-b.pdf")
    w.seat_member = seat(w.review_call, committee_member)
    assign(w.seat_member, w.submitted_a, w.submitted_b)
    declare(w.seat_member, w.submitted_a)
    submitted_review(member=w.seat_member, application=w.submitted_a, points=[8, 7, 6, 5])
    seat_conflicted = seat(w.review_call, conflicted_member)
    assign(seat_conflicted, w.submitted_a)
    declare(seat_conflicted, w.submitted_a, conflict=True, reason="My sister chairs it.")
    third = seat(w.review_call, UserFactory(role=ProgrammeRole.COMMITTEE_MEMBER))
    assign(third, w.submitted_a)
    declare(third, w.submitted_a)
    submitted_review(member=third, application=w.submitted_a, points=[9, 9, 8, 8])

    w.project_a = make_project(organisation_a, application__created_by=applicant_a)
    w.project_b = make_project(organisation_b, application__created_by=applicant_b)
    Decision.objects.create(
        application=w.project_a.application,
        outcome=DecisionOutcome.APPROVE,
        amount=w.project_a.amount_awarded,
        by=staff,
    )
    w.tranche_a = tranche(w.project_a)
    w.tranche_b = tranche(w.project_b)
    w.indicator_a = w.project_a.indicators.order_by("order").first()
    w.report_a = w.project_a.reports.get(number=1)
    w.report_file_a = report_file(w.report_a, "photo-a.pdf")
    w.report_file_b = report_file(w.project_b.reports.get(number=1), "photo-b.pdf")

    w.summary = ready_summary(w.review_call.programme)

    viewer = UserFactory(email="vera@example.org")
    w.viewer_membership = MembershipFactory(
        organisation=organisation_a, user=viewer, role=MembershipRole.VIEWER
    )
    w.invitation_newcomer = Invitation.objects.create(
        organisation=organisation_a,
        email="newcomer@example.org",
        role=MembershipRole.EDITOR,
        invited_by=applicant_a,
    )
    w.invitation_b = Invitation.objects.create(
        organisation=organisation_a,
        email=applicant_b.email,
        role=MembershipRole.VIEWER,
        invited_by=applicant_a,
    )
    return w


def eligible_draft(call, organisation, by, title):
    return ApplicationFactory(call=call, organisation=organisation, created_by=by, title=title)


def tranche(project):
    return Tranche.objects.create(
        project=project,
        order=project.tranches.count() + 1,
        amount=Decimal("100000.00"),
        planned_on=datetime.date(2017, 7, 1),
        condition=TrancheCondition.ON_SIGNING,
    )


def report_file(report, name):
    stored = ReportFile(report=report, original_name=name, content_type="application/pdf", size=8)
    stored.file.save(name, ContentFile(b"%PDF-1.4"), save=False)
    stored.save()
    return stored


def ready_summary(programme):
    summary = DonorSummary(
        programme=programme,
        period_start=datetime.date(2018, 1, 1),
        period_end=datetime.date(2018, 1, 31),
        status=SummaryStatus.READY,
        progress=100,
        finished_at=timezone.now(),
    )
    summary.pdf.save("summary.pdf", ContentFile(b"%PDF-1.4"), save=False)
    summary.xlsx.save("summary.xlsx", ContentFile(b"PK\x03\x04"), save=False)
    summary.save()
    return summary


# --- the matrix ---------------------------------------------------------------------------

A_MEMBERS = frozenset({"applicant_a", "staff", "admin"})
B_MEMBERS = frozenset({"applicant_b", "staff", "admin"})
REVIEWER = frozenset({"committee_member"})


def secrets(w) -> dict[str, tuple[str, frozenset]]:
    """Texts that could leak: label -> (text, the roles that may read it). A right
    status code with someone else's data in the page is still a leak."""
    return {
        "A's draft title": (w.draft_a.title, A_MEMBERS),
        "A's unpublished question": (w.question_a.text, A_MEMBERS),
        "A's application summary": (w.submitted_a.summary, A_MEMBERS | REVIEWER),
        "A's applicant's email": ("alice@example.org", A_MEMBERS | REVIEWER),
        "A's taxpayer number": (w.organisation_a.taxpayer_number, A_MEMBERS | REVIEWER),
        "B's draft title": (w.draft_b.title, B_MEMBERS),
        "B's application summary": (w.submitted_b.summary, B_MEMBERS | REVIEWER),
    }


TEXT_TYPES = ("text/", "application/json", "application/xml")


def outcome(response, login_path):
    if response.status_code == 302:
        return LOGIN if response.url.startswith(login_path) else AWAY
    return response.status_code


def readable_text(response) -> str:
    """The body of a page or a text export; files served as downloads are not read."""
    if response.streaming or not response["Content-Type"].startswith(TEXT_TYPES):
        return ""
    return response.content.decode(response.charset or "utf-8", errors="replace")


def request_once(client, case, url):
    """One request, its database changes rolled back whatever the view did."""
    with transaction.atomic():
        response = getattr(client, case.method)(url)
        transaction.set_rollback(True)
    # A file download holds its file open until closed. Closing a response sends
    # request_finished, whose close_old_connections would drop the test's database
    # connection on PostgreSQL (as Django's own test client avoids): keep it out.
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    return response


@pytest.mark.parametrize("role", ROLES)
def test_matrix(role, request, client, world):
    if role != "anonymous":
        user = request.getfixturevalue("admin_user" if role == "admin" else role)
        client.force_login(user)
    login_path = reverse("account_login")
    # Reads first: a POST that deletes a file on disk must not spoil a later download.
    cases = sorted(CASES, key=lambda case: case.method != "get")
    every_secret = secrets(world)
    hidden = {label: text for label, (text, readers) in every_secret.items() if role not in readers}
    shown = set()
    mismatches = []
    for case in cases:
        url = reverse(case.name, kwargs=case.kwargs(world))
        try:
            response = request_once(client, case, url)
        except Exception as error:  # a 500 is a mismatch to list, not a stop
            mismatches.append(
                f"{case.describe()} {url}: expected {case.expected[role]}, raised {error!r}"
            )
            continue
        got = outcome(response, login_path)
        body = readable_text(response)
        shown |= {label for label, (text, _readers) in every_secret.items() if text in body}
        mismatches += [
            f"{case.describe()} {url}: shows {label} {text!r}"
            for label, text in hidden.items()
            if text in body
        ]
        if got != case.expected[role]:
            where = f" -> {response.url}" if got in (AWAY, LOGIN) else ""
            mismatches.append(
                f"{case.describe()} {url}: expected {case.expected[role]}, got {got}{where}"
            )
    assert not mismatches, f"{role}: {len(mismatches)} mismatches\n" + "\n".join(mismatches)
    if role == "applicant_a":
        # The texts are really in A's own pages, so their absence elsewhere means something.
        assert shown >= {label for label in every_secret if label.startswith("A's")}


# --- Django's admin -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    [
        "anonymous",
        "applicant_a",
        "applicant_b",
        "committee_member",
        "conflicted_member",
        "staff",
        "donor_viewer",
    ],
)
def test_only_admins_reach_the_django_admin(role, request, client):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_an_admin_reaches_the_django_admin(client, admin_user):
    client.force_login(admin_user)

    assert client.get("/admin/").status_code == 200
