"""The staff and donor dashboards: who may see them, the figures in their tables, the
filters, the map toggle, no personal data on the donor's page, and fixed query counts."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from grants.enums import ApplicationState
from projects.enums import TrancheState
from projects.models import ProjectLocation, Tranche
from reporting.enums import ReportState
from reporting.models import DonorSummary, IndicatorProgress, SummaryStatus
from tests.factories import (
    ApplicationFactory,
    IndicatorFactory,
    ProgrammeFactory,
    ProgressReportFactory,
    ProjectFactory,
    ThemeFactory,
)
from tests.reporting.figures_data import build_programme

STAFF_URL = reverse("staff_dashboard")
DONOR_URL = reverse("donor_dashboard")


@pytest.fixture
def data(organisation_a, organisation_b, oblast):
    return build_programme(
        organisation_a=organisation_a, organisation_b=organisation_b, oblast=oblast
    )


def cell(html: str, table_id: str, row_label: str) -> list[str]:
    """The cells of the row headed ``row_label`` in the table ``table_id``."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S).group(0)
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        header = re.search(r"<th[^>]*>(.*?)</th>", row, re.S)
        if header and re.sub(r"<[^>]+>", "", header.group(1)).strip() == row_label:
            return [
                re.sub(r"<[^>]+>", "", value).strip()
                for value in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            ]
    raise AssertionError(f"no row {row_label!r} in {table_id}")


# --- who may see them -------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in (STAFF_URL, DONOR_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("who", ["applicant_a", "committee_member", "donor_viewer"])
def test_only_staff_see_the_staff_dashboard(client, request, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(STAFF_URL).status_code == 404


@pytest.mark.parametrize("who", ["applicant_a", "committee_member"])
def test_applicants_and_committee_members_do_not_see_the_donor_dashboard(client, request, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(DONOR_URL).status_code == 404


@pytest.mark.parametrize("who", ["donor_viewer", "staff"])
def test_donor_viewers_and_staff_see_the_donor_dashboard(client, request, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(DONOR_URL).status_code == 200


def test_staff_see_the_staff_dashboard(client, staff):
    client.force_login(staff)

    response = client.get(STAFF_URL)

    assert response.status_code == 200
    assert response.templates[0].name == "reporting/dashboards/staff.html"


# --- what they show ---------------------------------------------------------------


def test_the_staff_dashboard_shows_every_figure_in_its_tables(client, staff, data):
    client.force_login(staff)

    html = client.get(STAFF_URL).content.decode()

    assert cell(html, "table-funnel", data.call_2017.title) == ["5", "4", "3", "1,020,000.00"]
    assert cell(html, "table-funnel", data.call_open.title) == ["1", "0", "0", "100,000.00"]
    assert cell(html, "table-funnel", "Total") == ["6", "4", "3", "1,120,000.00"]
    assert cell(html, "table-money", "Awarded (projects)") == ["740,000.00"]
    assert cell(html, "table-money", "Disbursed (tranches paid)") == ["565,000.00 (76.4%)"]
    assert cell(html, "table-cofinancing", "Local budgets") == ["200,000.00", "55,000.00"]
    assert cell(html, "table-cofinancing", "Other sources") == ["65,000.00", "40,000.00"]
    assert cell(html, "table-people", "Women") == ["200", "650", "30.8"]
    assert cell(html, "table-people", "Total") == ["720", "2300", "31.3"]
    assert cell(html, "table-indicators", "Events held") == ["3", "14", "28", "50.0"]
    assert cell(html, "table-themes", "Road safety") == ["2", "500,000.00", "349,000.00", "520"]
    assert cell(html, "table-oblasts", "Osh Oblast") == ["2", "390,000.00", "291,000.00", "260"]
    # Today the P3 report due in September 2018 is overdue too.
    assert cell(html, "table-reports", "Overdue") == ["2"]
    assert 'id="card-awarded">740,000.00' in html


def test_every_chart_has_its_canvas_and_data_and_no_inline_script(client, staff, data):
    client.force_login(staff)

    html = client.get(STAFF_URL).content.decode()

    charts = re.findall(r'<canvas id="chart-(\w+)" data-chart="\1">', html)
    assert charts == [
        "funnel",
        "money",
        "cofinancing",
        "people",
        "reports",
        "indicators",
        "themes",
        "oblasts",
    ]
    assert '<script id="dashboard-charts" type="application/json">' in html
    inline = [tag for tag in re.findall(r"<script[^>]*>", html) if "src=" not in tag]
    assert inline == ['<script id="dashboard-charts" type="application/json">']
    assert ' style="' not in html


def test_the_staff_dashboard_filters_by_call(client, staff, data):
    client.force_login(staff)

    html = client.get(STAFF_URL, {"call": data.call_open.pk}).content.decode()

    assert cell(html, "table-funnel", "Total") == ["1", "0", "0", "100,000.00"]
    assert cell(html, "table-money", "Awarded (projects)") == ["0.00"]
    assert data.call_2017.title not in re.search(r'id="table-funnel".*?</table>', html, re.S).group(
        0
    )


def test_the_staff_dashboard_filters_by_year_and_oblast(client, staff, data):
    client.force_login(staff)

    html = client.get(STAFF_URL, {"year": 2017, "oblast": data.osh.pk}).content.decode()

    assert cell(html, "table-funnel", "Total") == ["3", "3", "2", "700,000.00"]
    assert cell(html, "table-money", "Awarded (projects)") == ["540,000.00"]


def test_a_call_of_another_programme_is_refused_with_a_message(client, staff, data):
    other = ProgrammeFactory(slug="other", name="Other programme")
    client.force_login(staff)

    response = client.get(STAFF_URL, {"programme": other.pk, "call": data.call_2017.pk})

    html = response.content.decode()
    assert response.status_code == 200
    assert "This call belongs to another programme." in html
    assert 'href="#id_call"' in html
    # The figures fall back to the whole portfolio.
    assert cell(html, "table-funnel", "Total") == ["6", "4", "3", "1,120,000.00"]


def test_an_unknown_filter_value_is_refused_with_a_message(client, staff, data):
    client.force_login(staff)

    html = client.get(STAFF_URL, {"year": "1999", "oblast": "nonsense"}).content.decode()

    assert "Select a valid choice. 1999 is not one of the available choices." in html
    assert "Select a valid choice. That choice is not one of the available choices." in html
    assert cell(html, "table-funnel", "Total") == ["6", "4", "3", "1,120,000.00"]


def test_the_map_is_shaded_by_projects_or_by_money(client, staff, data):
    client.force_login(staff)

    by_projects = client.get(STAFF_URL).content.decode()
    by_money = client.get(STAFF_URL, {"map": "money"}).content.decode()

    assert "<caption>Projects by oblast</caption>" in by_projects
    assert "<caption>Amount awarded (KGS) by oblast</caption>" in by_money
    money_rows = re.search(
        r"<caption>Amount awarded \(KGS\) by oblast</caption>.*?</table>", by_money, re.S
    )
    assert (
        '<tr data-code="41706000000000"><th scope="row">Osh Oblast</th>'
        '<td class="num">390000.00</td>' in money_rows.group(0)
    )
    assert 'href="?map=money#map" aria-current="true"' in by_money
    # The toggle keeps the filters.
    filtered = client.get(STAFF_URL, {"year": 2017}).content.decode()
    assert 'href="?year=2017&amp;map=money#map"' in filtered


# --- the donor's page ---------------------------------------------------------------


def test_the_donor_dashboard_lists_the_funded_projects(client, donor_viewer, data):
    client.force_login(donor_viewer)

    html = client.get(DONOR_URL).content.decode()

    table = re.search(r'<table[^>]*id="table-projects".*?</table>', html, re.S).group(0)
    rows = re.findall(r"<tr>\s*<td[^>]*>(PIA/2017/\d+)</td>", table)
    assert rows == ["PIA/2017/001", "PIA/2017/002", "PIA/2017/003"]
    assert "Community Safety Jety-Oguz" in table
    assert "Kara-Suu District" in table
    assert "150,000.00 KGS" in table  # P1 disbursed
    assert "Suspended" in table
    assert cell(html, "table-money", "Awarded (projects)") == ["740,000.00"]


def test_the_donor_dashboard_shows_no_personal_data(
    client, donor_viewer, data, applicant_a, applicant_b, staff
):
    client.force_login(donor_viewer)

    html = client.get(DONOR_URL).content.decode()

    secrets = []
    for user in (applicant_a, applicant_b, data.decider, staff):
        secrets += [user.email, user.full_name]
    for organisation in data.organisations:
        organisation.refresh_from_db()
        secrets += [
            organisation.email,
            organisation.phone,
            organisation.address,
            organisation.taxpayer_number,
            organisation.registration_number,
        ]
    assert all(secrets)
    assert [secret for secret in secrets if secret in html] == []


def test_the_donor_dashboard_lists_ready_summaries_with_their_downloads(client, donor_viewer, data):
    ready = DonorSummary.objects.create(
        programme=data.programme,
        period_start=datetime.date(2018, 1, 1),
        period_end=datetime.date(2018, 1, 31),
        status=SummaryStatus.READY,
    )
    DonorSummary.objects.create(
        programme=data.programme,
        period_start=datetime.date(2018, 2, 1),
        period_end=datetime.date(2018, 2, 28),
        status=SummaryStatus.RUNNING,
    )
    client.force_login(donor_viewer)

    html = client.get(DONOR_URL).content.decode()

    table = re.search(r'<table[^>]*id="table-summaries".*?</table>', html, re.S).group(0)
    assert len(re.findall(r"<tr>", table)) == 2  # the header and the ready one
    assert f'href="{reverse("donor_summary_pdf", args=[ready.pk])}"' in table
    assert f'href="{reverse("donor_summary_xlsx", args=[ready.pk])}"' in table


def test_the_donor_dashboard_says_when_no_summary_is_ready(client, donor_viewer, data):
    client.force_login(donor_viewer)

    assert "No summary is ready yet." in client.get(DONOR_URL).content.decode()


# --- query counts -------------------------------------------------------------------


def make_projects(count: int, oblast) -> None:
    """``count`` projects with a location, an indicator, a paid tranche and an
    accepted report with figures, all of one theme."""
    theme = ThemeFactory()
    for number in range(count):
        project = ProjectFactory(
            application__state=ApplicationState.APPROVED,
            application__theme=theme,
            application__requested_amount=Decimal("100000"),
            application__submitted_at=datetime.datetime(2017, 4, 1, tzinfo=datetime.UTC),
        )
        ProjectLocation.objects.create(project=project, region=oblast)
        indicator = IndicatorFactory(project=project)
        Tranche.objects.create(
            project=project,
            order=1,
            amount=Decimal("100000"),
            planned_on=datetime.date(2017, 7, 1),
            condition="on_signing",
            state=TrancheState.PAID,
            paid_on=datetime.date(2017, 7, 1),
            paid_amount=Decimal("100000"),
        )
        report = ProgressReportFactory(project=project, state=ReportState.ACCEPTED)
        IndicatorProgress.objects.create(report=report, indicator=indicator, value=10 + number)
        ApplicationFactory(call=project.application.call, state=ApplicationState.SUBMITTED)


# Both pages: the session and the user 2; the filter form's choices 4 (programme,
# call, year, oblast); the figures 15 (the first time in a minute: they are cached);
# the map's oblast names 1.
STAFF_QUERIES = 22
# The donor's page adds the projects (count, page, locations) 3 and the summaries 1.
DONOR_QUERIES = 26


@pytest.mark.parametrize("count", [1, 4])
def test_the_staff_dashboard_takes_a_fixed_number_of_queries(
    client, staff, oblast, count, django_assert_num_queries
):
    make_projects(count, oblast)
    client.force_login(staff)

    with django_assert_num_queries(STAFF_QUERIES):
        response = client.get(STAFF_URL, {"year": 2017})

    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 4])
def test_the_donor_dashboard_takes_a_fixed_number_of_queries(
    client, donor_viewer, oblast, count, django_assert_num_queries
):
    make_projects(count, oblast)
    client.force_login(donor_viewer)

    with django_assert_num_queries(DONOR_QUERIES):
        response = client.get(DONOR_URL)

    assert response.status_code == 200
    assert response.context["page"].paginator.count == count
