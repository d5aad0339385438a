"""Every key page in a fixed number of queries, at most 15, whatever the number of rows.

Each page is built twice, with one and with six of everything it lists (applications,
reviews, budget lines, projects, reports...), opened as the cast member who uses it,
and must make exactly the same, literal number of queries both times. The apps' own
tests pin some of these pages too; this file is the one place that pins them all
(issue 8, "Performance at scale").
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from grants.enums import ApplicationState, CallState
from grants.models import (
    ApplicationLocation,
    Attachment,
    CallReviewSettings,
    Question,
)
from grants.services.applications import application_recompute_budget
from projects.enums import TrancheCondition, TrancheState
from projects.models import ProjectLocation, Tranche
from regions.enums import RegionLevel
from reporting.enums import ReportState
from reporting.models import DonorSummary, IndicatorProgress, SummaryStatus
from tests.committed import as_if_committed
from tests.factories import (
    ApplicationFactory,
    BudgetLineFactory,
    CallFactory,
    CommitteeMemberFactory,
    IndicatorFactory,
    OrganisationFactory,
    ProgrammeFactory,
    ProgressReportFactory,
    ProjectBudgetLineFactory,
    ProjectFactory,
    RegionFactory,
    ThemeFactory,
    submitted_review,
)
from tests.grants.review_support import assign, declare, seat

pytestmark = pytest.mark.django_db

SIZES = [1, 6]
CEILING = 15
MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _sessions_in_the_database(settings):
    """The counts below include reading the session from the database, as without
    Redis; with Redis, sessions are read from the cache and every page makes one less."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"


@pytest.fixture(autouse=True)
def _pages_rendered_every_time(settings):
    """What a page costs to render: the page cache (config/page_cache.py) is off here;
    tests/config/test_page_cache.py shows a served page costs no query at all."""
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _content_types_cached():
    """Timelines look their content type up once per process; look them all up now so
    a count never depends on which test ran before."""
    from grants.models import Application
    from projects.models import Project
    from reporting.models import ProgressReport

    for model in (Application, Project, ProgressReport):
        ContentType.objects.get_for_model(model)


def count_queries(django_assert_num_queries, expected, client, url, *, cold=False, **params):
    """GET ``url`` and assert its exact query count; ``cold`` marks a dashboard's first
    request in a minute, which computes the cached figures and may pass the ceiling."""
    assert cold or expected <= CEILING
    as_if_committed()
    with django_assert_num_queries(expected):
        response = client.get(url, params)
    assert response.status_code == 200
    return response


def attach(application, number):
    attachment = Attachment(
        application=application,
        original_name=f"file{number}.pdf",
        content_type="application/pdf",
        size=len(MINIMAL_PDF),
    )
    attachment.file.save(f"file{number}.pdf", ContentFile(MINIMAL_PDF), save=False)
    attachment.save()


def places(oblast, rows):
    return [
        RegionFactory(level=RegionLevel.AYIL_AIMAK, parent=oblast, name_en=f"Place {number}")
        for number in range(rows)
    ]


def application_with_parts(call, organisation, rows, oblast, *, number=1, **fields):
    """A submitted application with ``rows`` budget lines, files and places."""
    fields.setdefault("state", ApplicationState.SUBMITTED)
    application = ApplicationFactory(
        call=call,
        organisation=organisation,
        sequence=number,
        reference=f"PIA-2017-{number:03d}",
        submitted_at=timezone.now() - datetime.timedelta(days=3),
        **fields,
    )
    for line in range(rows):
        BudgetLineFactory(application=application, order=line)
        attach(application, line)
    for place in places(oblast, rows):
        ApplicationLocation.objects.create(application=application, region=place)
    application_recompute_budget(application=application)
    return application


# --- public pages -------------------------------------------------------------------------


@pytest.mark.parametrize("rows", SIZES)
def test_the_public_call_list_costs_the_same_for_one_or_six_calls(
    client, rows, django_assert_num_queries
):
    now = timezone.now()
    for number in range(rows):
        call = CallFactory(rubric=False)
        call.themes.add(ThemeFactory(programme=call.programme))
        CallFactory(
            rubric=False,
            slug=f"closed-{number}",
            opens_at=now - datetime.timedelta(days=60),
            closes_at=now - datetime.timedelta(days=10),
        )
    # open and upcoming calls with their programme, their themes; recently closed
    # calls with their programme, their themes. No session for a visitor.
    response = count_queries(django_assert_num_queries, 4, client, reverse("call_list"))
    assert len(response.context["open_calls"]) == rows


@pytest.mark.parametrize("rows", SIZES)
def test_the_call_page_costs_the_same_for_one_or_six_of_each_term(
    client, applicant_a, organisation_a, oblast, rows, django_assert_num_queries
):
    call = CallFactory(rubric=False)
    for number in range(rows):
        call.themes.add(ThemeFactory(programme=call.programme))
        call.criteria.create(name=f"Criterion {number}", weight=10, max_points=10, order=number)
        call.documents.create(name=f"Document {number}", order=number)
        Question.objects.create(
            call=call,
            organisation=organisation_a,
            asked_by=applicant_a,
            text=f"Question {number}?",
            answer="Yes.",
            published_at=timezone.now(),
        )
    call.eligible_regions.add(*places(oblast, rows))
    client.force_login(applicant_a)
    # session, user, the call with its programme, its themes, criteria, documents and
    # eligible places (with their oblast); the question form's membership check, the
    # applicant's own questions, the published questions.
    count_queries(django_assert_num_queries, 12, client, reverse("call_detail", args=[call.slug]))


@pytest.mark.parametrize("rows", SIZES)
def test_the_public_projects_page_costs_the_same_for_one_or_six_projects(
    client, oblast, rows, django_assert_num_queries
):
    for place in places(oblast, rows):
        project = ProjectFactory()
        ProjectLocation.objects.create(project=project, region=place)
    url = reverse("public_project_list")
    # The list: count, page, locations; the totals (cached until the data changes): sums, people,
    # currency, by oblast with its names; the map's own oblast names. No session.
    count_queries(django_assert_num_queries, 8, client, url)
    response = count_queries(django_assert_num_queries, 4, client, url)
    assert response.context["page"].paginator.count == rows


# --- the applicant ------------------------------------------------------------------------


@pytest.mark.parametrize("rows", SIZES)
def test_the_applicants_application_list_costs_the_same_for_one_or_six(
    client, applicant_a, organisation_a, rows, django_assert_num_queries
):
    ApplicationFactory.create_batch(rows, organisation=organisation_a)  # one per call
    client.force_login(applicant_a)
    # session, user, count, the page of applications with call and organisation.
    response = count_queries(django_assert_num_queries, 4, client, reverse("application_list"))
    assert len(response.context["page"].object_list) == rows


@pytest.mark.parametrize("rows", SIZES)
def test_the_application_form_costs_the_same_for_one_or_six_budget_lines(
    client, applicant_a, organisation_a, oblast, rows, django_assert_num_queries
):
    draft = application_with_parts(
        CallFactory(), organisation_a, rows, oblast, state=ApplicationState.DRAFT
    )
    client.force_login(applicant_a)
    # session, user, the application (call, programme, organisation, region, theme
    # joined), memberships, budget lines; the checklist's activities, locations,
    # attachments and required documents; the theme's check. The budget's sum is stored
    # on the application.
    count_queries(
        django_assert_num_queries,
        10,
        client,
        reverse("application_section", args=[draft.pk, "budget"]),
    )


# --- staff's applications -----------------------------------------------------------------


@pytest.fixture
def staff_list_data(oblast):
    def build(rows):
        call = CallFactory()
        theme = ThemeFactory(programme=call.programme)
        for number in range(1, rows + 1):
            application_with_parts(call, OrganisationFactory(), 1, oblast, number=number)
            ApplicationFactory(call=call, theme=theme)  # a draft, never listed
        return call

    return build


# session, user, count, the page's keys, its rows (call, programme, organisation,
# theme joined), their locations with their regions; the filter form's calls,
# oblasts, districts, themes.
STAFF_LIST_QUERIES = 10


@pytest.mark.parametrize("rows", SIZES)
def test_the_staff_application_list_costs_the_same_for_one_or_six(
    client, staff, staff_list_data, rows, django_assert_num_queries
):
    staff_list_data(rows)
    client.force_login(staff)
    response = count_queries(
        django_assert_num_queries, STAFF_LIST_QUERIES, client, reverse("staff_application_list")
    )
    assert len(response.context["rows"]) == rows


@pytest.mark.parametrize("rows", SIZES)
def test_a_filtered_staff_application_list_costs_the_same_for_one_or_six(
    client, staff, oblast, staff_list_data, rows, django_assert_num_queries
):
    call = staff_list_data(rows)
    client.force_login(staff)
    # The same queries: the filters are WHERE clauses (EXISTS for the place), and the
    # chosen call, oblast and theme are validated against the choices' querysets.
    response = count_queries(
        django_assert_num_queries,
        STAFF_LIST_QUERIES + 2,
        client,
        reverse("staff_application_list"),
        call=call.pk,
        state=ApplicationState.SUBMITTED,
        oblast=oblast.pk,
        q="Safer",
        sort="requested_amount",
    )
    assert len(response.context["rows"]) == rows


@pytest.mark.parametrize("rows", SIZES)
def test_a_far_page_of_the_staff_application_list_costs_the_same_for_one_or_six(
    client, staff, staff_list_data, rows, django_assert_num_queries
):
    staff_list_data(rows)
    client.force_login(staff)
    # Page 200 of a short list is its last page: the same queries as the first.
    response = count_queries(
        django_assert_num_queries,
        STAFF_LIST_QUERIES,
        client,
        reverse("staff_application_list"),
        page=200,
    )
    assert len(response.context["rows"]) == rows


@pytest.mark.parametrize("rows", SIZES)
def test_the_staff_application_page_costs_the_same_for_one_or_six_of_each_part(
    client, staff, organisation_a, oblast, rows, django_assert_num_queries
):
    application = application_with_parts(CallFactory(), organisation_a, rows, oblast)
    client.force_login(staff)
    # session, user, the application (call, programme, organisation, region, theme,
    # override, decision joined), memberships, activities, partners, budget lines,
    # locations, attachments, required documents; the timeline. The budget's sum is
    # stored on the application.
    count_queries(
        django_assert_num_queries,
        11,
        client,
        reverse("staff_application_detail", args=[application.pk]),
    )


# --- the committee ------------------------------------------------------------------------


def call_in_review():
    now = timezone.now()
    return CallFactory(
        state=CallState.IN_REVIEW,
        opens_at=now - datetime.timedelta(days=60),
        closes_at=now - datetime.timedelta(days=20),
    )


@pytest.mark.parametrize("rows", SIZES)
def test_the_committee_queue_costs_the_same_for_one_or_six_applications(
    client, committee_member, oblast, rows, django_assert_num_queries
):
    call = call_in_review()
    member = seat(call, committee_member)
    for number in range(1, rows + 1):
        application = application_with_parts(
            call, OrganisationFactory(), 1, oblast, number=number, state=ApplicationState.ELIGIBLE
        )
        assign(member, application)
        if number % 2:
            declare(member, application)
    client.force_login(committee_member)
    # session, user, seats with their counts, page count, page rows (statuses annotated).
    response = count_queries(django_assert_num_queries, 5, client, reverse("review_queue"))
    assert response.context["page"].paginator.count == rows


@pytest.mark.parametrize("rows", SIZES)
def test_the_scoring_page_costs_the_same_for_one_or_six_of_each_part(
    client, committee_member, oblast, rows, django_assert_num_queries
):
    call = call_in_review()
    application = application_with_parts(
        call, OrganisationFactory(), rows, oblast, state=ApplicationState.ELIGIBLE
    )
    member = seat(call, committee_member)
    assign(member, application)
    declare(member, application)
    submitted_review(member=member, application=application, points=[5, 6, 7, 8])
    for _number in range(rows):  # colleagues' reviews, shown once one's own is in
        colleague = CommitteeMemberFactory(call=call)
        assign(colleague, application)
        declare(colleague, application)
        submitted_review(member=colleague, application=application, points=[4, 4, 4, 4])
    client.force_login(committee_member)
    # session, user, assignment (with declaration and review state), application, its
    # 6 prefetched parts, criteria, own review and its scores, others' reviews and
    # their scores. The budget's sum is stored on the application.
    count_queries(
        django_assert_num_queries,
        15,
        client,
        reverse("review_score", args=[application.pk]),
    )


@pytest.mark.parametrize("rows", SIZES)
def test_the_ranking_page_costs_the_same_for_one_or_six_applications_and_reviewers(
    client, staff, oblast, rows, django_assert_num_queries
):
    call = call_in_review()
    CallReviewSettings.for_call(call)
    reviewers = [CommitteeMemberFactory(call=call) for _ in range(rows)]
    for number in range(1, rows + 1):
        application = application_with_parts(
            call, OrganisationFactory(), 1, oblast, number=number, state=ApplicationState.ELIGIBLE
        )
        for reviewer in reviewers:
            submitted_review(
                member=reviewer, application=application, points=[number % 10, 5, 5, 5]
            )
    client.force_login(staff)
    # session, user, the call, its settings; the whole ranking: each reviewer's mean
    # and SD, the statistics with the normalised score, the criteria, the applications
    # as plain values, their oblasts; the page's rows: their applications with
    # organisation, oblast, override and decision, and their per-criterion means.
    response = count_queries(
        django_assert_num_queries, 11, client, reverse("staff_ranking", args=[call.pk])
    )
    assert len(response.context["ranking"].rows) == rows


# --- dashboards ---------------------------------------------------------------------------


def funded_projects(rows, oblast):
    """``rows`` projects with a place, an indicator, a paid tranche and an accepted
    report with progress, plus a submitted application per project."""
    theme = ThemeFactory()
    for place in places(oblast, rows):
        project = ProjectFactory(application__theme=theme)
        ProjectLocation.objects.create(project=project, region=place)
        indicator = IndicatorFactory(project=project)
        Tranche.objects.create(
            project=project,
            order=1,
            amount=Decimal("100000"),
            planned_on=datetime.date(2017, 7, 1),
            condition=TrancheCondition.ON_SIGNING,
            state=TrancheState.PAID,
            paid_on=datetime.date(2017, 7, 1),
            paid_amount=Decimal("100000"),
        )
        report = ProgressReportFactory(project=project, state=ReportState.ACCEPTED)
        IndicatorProgress.objects.create(report=report, indicator=indicator, value=10)
        ApplicationFactory(call=project.application.call, state=ApplicationState.SUBMITTED)


@pytest.mark.parametrize("rows", SIZES)
def test_the_staff_dashboard_costs_the_same_for_one_or_six_projects(
    client, staff, oblast, rows, django_assert_num_queries
):
    funded_projects(rows, oblast)
    client.force_login(staff)
    url = reverse("staff_dashboard")
    # session, user; the filter form's programmes, calls, years, oblasts; the figures
    # (cached until the data changes: 15 queries the first time); the map's oblast names.
    count_queries(django_assert_num_queries, 7 + FIGURES, client, url, cold=True)
    count_queries(django_assert_num_queries, 7, client, url)


# The figures' queries, made once per scope and language until the data changes (see
# reporting.dashboards.FIGURES_CACHE_SECONDS): calls open 1; funnel 2 (the calls with
# their currency); projects by state with the amount awarded, disbursed, approved 3;
# co-financing 2; indicators 2; reports 1; by theme with its names 3; by oblast with
# its names 1.
FIGURES = 15


@pytest.mark.parametrize("rows", SIZES)
def test_the_donor_dashboard_costs_the_same_for_one_or_six_projects_and_summaries(
    client, donor_viewer, oblast, rows, django_assert_num_queries
):
    funded_projects(rows, oblast)
    programme = ProgrammeFactory()
    for number in range(rows):
        DonorSummary.objects.create(
            programme=programme,
            period_start=datetime.date(2017, number + 1, 1),
            period_end=datetime.date(2017, number + 1, 28),
            status=SummaryStatus.READY,
        )
    client.force_login(donor_viewer)
    url = reverse("donor_dashboard")
    # As staff's (7, the figures cached), then the projects' count, page and locations,
    # and the latest ready summaries.
    count_queries(django_assert_num_queries, 11 + FIGURES, client, url, cold=True)
    response = count_queries(django_assert_num_queries, 11, client, url)
    assert response.context["page"].paginator.count == rows


# --- projects and reports -----------------------------------------------------------------


@pytest.mark.parametrize("rows", SIZES)
def test_the_project_page_costs_the_same_for_one_or_six_of_each_part(
    client, staff, organisation_a, oblast, rows, django_assert_num_queries
):
    from tests.projects.test_project_views import full_project

    project = full_project(organisation_a, rows, oblast=oblast)
    client.force_login(staff)
    # session, user, the project (application, call, programme, organisation joined),
    # locations, indicators, budget lines, tranches, co-financing, partners, reports,
    # the timeline, the map's oblast names.
    response = count_queries(
        django_assert_num_queries, 12, client, reverse("project_detail", args=[project.pk])
    )
    assert len(response.context["report_rows"]) == rows


@pytest.mark.parametrize("rows", SIZES)
def test_the_report_form_costs_the_same_for_one_or_six_indicators_and_lines(
    client, applicant_a, organisation_a, rows, django_assert_num_queries
):
    project = ProjectFactory(application__organisation=organisation_a)
    for number in range(rows):
        IndicatorFactory(project=project, standard="", name=f"Indicator {number}", order=number)
        ProjectBudgetLineFactory(project=project, order=number)
    report = ProgressReportFactory(project=project)
    client.force_login(applicant_a)
    for section in ("indicators", "spending"):
        count_queries(
            django_assert_num_queries,
            REPORT_FORM[section],
            client,
            reverse("report_section", args=[report.pk, section]),
        )


REPORT_FORM = {"indicators": 12, "spending": 13}


@pytest.mark.parametrize("rows", SIZES)
def test_the_donor_summary_list_costs_the_same_for_one_or_six_summaries(
    client, donor_viewer, rows, django_assert_num_queries
):
    programme = ProgrammeFactory()
    for number in range(rows):
        DonorSummary.objects.create(
            programme=programme,
            period_start=datetime.date(2017, number + 1, 1),
            period_end=datetime.date(2017, number + 1, 28),
            status=SummaryStatus.READY,
        )
    client.force_login(donor_viewer)
    # session, user, count, the page of summaries with their programme.
    response = count_queries(django_assert_num_queries, 4, client, reverse("donor_summary_list"))
    assert len(response.context["summaries"]) == rows
