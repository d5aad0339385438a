"""Staff's CSV and XLSX exports of a call's scores, and of projects, tranches and
reports as filtered on their lists."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from grants.enums import ApplicationState, ReviewState
from grants.models import ConflictDeclaration, Review
from projects.enums import ProjectState, TrancheCondition, TrancheState
from projects.models import ProjectLocation, Tranche
from reporting.enums import ReportKind, ReportState
from reporting.models import Spending
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    CommitteeMemberFactory,
    ProgressReportFactory,
    ProjectBudgetLineFactory,
    ProjectFactory,
    RegionFactory,
    submitted_review,
)

pytestmark = pytest.mark.django_db

SUBMITTED_AT = datetime.datetime(2017, 6, 1, 4, 30, tzinfo=datetime.UTC)  # 10:30 in Bishkek


def read_csv(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:])))


def read_xlsx(response):
    workbook = load_workbook(io.BytesIO(response.content))
    [sheet] = workbook.worksheets
    return sheet, [list(row) for row in sheet.iter_rows(values_only=True)]


# --- scores -----------------------------------------------------------------------------


@pytest.fixture
def scored_call(organisation_a, organisation_b, committee_member, conflicted_member):
    """Two eligible applications. Chynara scored the first and left a draft on the
    second; Daniyar declared a conflict on the first (his review of it must not count)
    and scored the second. A review of another call stays out."""
    call = CallFactory()
    chynara = CommitteeMemberFactory(call=call, user=committee_member)
    daniyar = CommitteeMemberFactory(call=call, user=conflicted_member)
    first, second = (
        ApplicationFactory(
            call=call,
            organisation=organisation,
            state=ApplicationState.ELIGIBLE,
            reference=f"PIA-2017-00{number}",
            sequence=number,
            title=title,
        )
        for number, organisation, title in (
            (1, organisation_a, "Safer schools"),
            (2, organisation_b, "Youth against radicalisation"),
        )
    )
    submitted_review(member=chynara, application=first, points=[8, 7, 6, 5])
    Review.objects.create(member=chynara, application=second, state=ReviewState.DRAFT)
    ConflictDeclaration.objects.create(
        member=daniyar, application=first, has_conflict=True, reason="My sister runs it."
    )
    submitted_review(
        member=daniyar, application=first, points=[10, 10, 10, 10], recommendation="fund"
    )
    submitted_review(
        member=daniyar, application=second, points=[5, 5, 5, 5], recommendation="do_not_fund"
    )
    Review.objects.filter(application__call=call).update(submitted_at=SUBMITTED_AT)
    other_call = CallFactory()
    stranger = ApplicationFactory(
        call=other_call, state=ApplicationState.ELIGIBLE, reference="PIA-2017-099"
    )
    submitted_review(
        member=CommitteeMemberFactory(call=other_call, user=committee_member),
        application=stranger,
        points=[1, 1, 1, 1],
    )
    return call


SCORES_HEADER = [
    "Reference",
    "Title",
    "Organisation",
    "Reviewer",
    "Relevance",
    "Feasibility",
    "Partnership",
    "Value for money",
    "Weighted total",
    "Recommendation",
    "Submitted at",
]


def test_scores_csv_has_one_row_per_submitted_review_without_a_conflict(client, staff, scored_call):
    client.force_login(staff)
    response = client.get(reverse("staff_scores_export", args=[scored_call.pk, "csv"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="scores-{scored_call.slug}-'
    )
    assert read_csv(response) == [
        SCORES_HEADER,
        [
            "PIA-2017-001",
            "Safer schools",
            "Community Safety Jety-Oguz",
            "Chynara Committee",
            "8",
            "7",
            "6",
            "5",
            "67.00",
            "Fund",
            "2017-06-01 10:30",
        ],
        [
            "PIA-2017-002",
            "Youth against radicalisation",
            "Youth Initiative Karakol",
            "Daniyar Conflicted",
            "5",
            "5",
            "5",
            "5",
            "50.00",
            "Do not fund",
            "2017-06-01 10:30",
        ],
    ]


def test_scores_xlsx_writes_points_and_totals_as_numbers(client, staff, scored_call):
    client.force_login(staff)
    response = client.get(reverse("staff_scores_export", args=[scored_call.pk, "xlsx"]))
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet, rows = read_xlsx(response)
    assert sheet.title == "Scores"
    assert rows[0] == SCORES_HEADER
    assert rows[1] == [
        "PIA-2017-001",
        "Safer schools",
        "Community Safety Jety-Oguz",
        "Chynara Committee",
        8,
        7,
        6,
        5,
        67,
        "Fund",
        datetime.datetime(2017, 6, 1, 10, 30),
    ]
    assert [row[3] for row in rows[1:]] == ["Chynara Committee", "Daniyar Conflicted"]
    total = sheet.cell(row=2, column=9)
    assert (total.data_type, total.number_format) == ("n", "0.00")


def test_scores_of_an_unknown_call_are_a_404(client, staff):
    client.force_login(staff)
    assert client.get(reverse("staff_scores_export", args=[999999, "csv"])).status_code == 404


# --- projects ---------------------------------------------------------------------------


@pytest.fixture
def projects(organisation_a, organisation_b, oblast):
    """Three projects of one call (two active, one completed, in different oblasts) and
    one of another call."""
    call = CallFactory(title="Crime prevention 2017")
    chui = RegionFactory(code="41708000000000", name_en="Chui Oblast", name_ru="Чуйская область")
    made = []
    for number, organisation, state, region in (
        (1, organisation_a, ProjectState.ACTIVE, oblast),
        (2, organisation_b, ProjectState.COMPLETED, oblast),
        (3, organisation_b, ProjectState.ACTIVE, chui),
    ):
        project = ProjectFactory(
            application__call=call,
            application__organisation=organisation,
            application__reference=f"PIA-2017-00{number}",
            agreement_number=f"PIA/2017/00{number}",
            title=f"Project {number}",
            state=state,
            amount_awarded=Decimal("250000.50"),
            planned_women=10 * number,
        )
        ProjectLocation.objects.create(project=project, region=region)
        Tranche.objects.create(
            project=project,
            order=1,
            amount=Decimal("125000.25"),
            planned_on=datetime.date(2017, 7, 1),
            condition=TrancheCondition.ON_SIGNING,
            state=TrancheState.PAID,
            paid_on=datetime.date(2017, 7, 3),
            paid_amount=Decimal("125000.25"),
            payment_reference=f"PAY-{number}",
        )
        Tranche.objects.create(
            project=project,
            order=2,
            amount=Decimal("125000.25"),
            planned_on=datetime.date(2018, 1, 15),
            condition=TrancheCondition.FINAL_REPORT,
        )
        made.append(project)
    made.append(
        ProjectFactory(
            application__organisation=organisation_a,
            application__reference="PIA-2018-001",
            agreement_number="PIA/2018/001",
        )
    )
    return made


PROJECTS_HEADER = [
    "Agreement number",
    "Application reference",
    "Title",
    "Organisation",
    "Call",
    "Theme",
    "Oblast",
    "Locations",
    "State",
    "Starts on",
    "Ends on",
    "Amount awarded",
    "Paid so far",
    "Currency",
    "Planned: women",
    "Planned: men",
    "Planned: girls",
    "Planned: boys",
]


def test_projects_csv_holds_exactly_the_rows_the_list_filters(client, staff, projects, oblast):
    client.force_login(staff)
    call = projects[0].application.call
    url = reverse("staff_projects_export", args=["csv"])
    response = client.get(url, {"call": call.pk, "state": "active", "oblast": oblast.pk})
    assert read_csv(response) == [
        PROJECTS_HEADER,
        [
            "PIA/2017/001",
            "PIA-2017-001",
            "Project 1",
            "Community Safety Jety-Oguz",
            "Crime prevention 2017",
            "",
            "Issyk-Kul Oblast",
            "Issyk-Kul Oblast",
            "Active",
            "2017-07-01",
            "2018-06-30",
            "250000.50",
            "125000.25",
            "KGS",
            "10",
            "0",
            "0",
            "0",
        ],
    ]
    every = read_csv(client.get(url, {"page": 2}))
    assert [row[0] for row in every[1:]] == [
        "PIA/2017/001",
        "PIA/2017/002",
        "PIA/2017/003",
        "PIA/2018/001",
    ]


def test_projects_xlsx_writes_money_dates_and_counts_as_numbers(client, staff, projects):
    client.force_login(staff)
    response = client.get(reverse("staff_projects_export", args=["xlsx"]), {"state": "completed"})
    sheet, rows = read_xlsx(response)
    assert rows[0] == PROJECTS_HEADER
    assert [row[0] for row in rows[1:]] == ["PIA/2017/002"]
    assert rows[1][9:] == [
        datetime.datetime(2017, 7, 1),
        datetime.datetime(2018, 6, 30),
        250000.5,
        125000.25,
        "KGS",
        20,
        0,
        0,
        0,
    ]
    awarded = sheet.cell(row=2, column=12)
    assert (awarded.data_type, awarded.number_format) == ("n", "#,##0.00")
    assert sheet.cell(row=2, column=10).number_format == "yyyy-mm-dd"


def test_an_invalid_filter_value_is_ignored_as_on_the_list(client, staff, projects):
    client.force_login(staff)
    response = client.get(reverse("staff_projects_export", args=["csv"]), {"state": "nonsense"})
    assert len(read_csv(response)) == 1 + 4


def test_text_a_spreadsheet_would_run_is_defused_in_both_formats(client, staff, organisation_a):
    ProjectFactory(
        application__organisation=organisation_a, title='=HYPERLINK("http://evil.example","x")'
    )
    client.force_login(staff)
    [_header, row] = read_csv(client.get(reverse("staff_projects_export", args=["csv"])))
    assert row[2] == '\'=HYPERLINK("http://evil.example","x")'
    sheet, _rows = read_xlsx(client.get(reverse("staff_projects_export", args=["xlsx"])))
    cell = sheet.cell(row=2, column=3)
    assert (cell.data_type, cell.value) == ("s", '=HYPERLINK("http://evil.example","x")')


def test_the_projects_export_takes_the_same_queries_for_one_row_or_several(
    client, staff, organisation_a, django_assert_num_queries
):
    ProjectFactory(application__organisation=organisation_a)
    client.force_login(staff)
    url = reverse("staff_projects_export", args=["xlsx"])
    # session, user, the filter's call and oblast choices are not evaluated; projects
    # (with call, programme, theme, organisation and the paid sum), their locations
    with django_assert_num_queries(4):
        client.get(url)
    for _ in range(3):
        ProjectFactory(application__organisation=organisation_a)
    with django_assert_num_queries(4):
        assert len(read_xlsx(client.get(url))[1]) == 1 + 4


# --- tranches ---------------------------------------------------------------------------


TRANCHES_HEADER = [
    "Agreement number",
    "Project",
    "Organisation",
    "Tranche",
    "Amount",
    "Currency",
    "Released",
    "Report number",
    "State",
    "Planned for",
    "Ready for payment since",
    "Paid on",
    "Amount paid",
    "Payment reference",
]


def test_tranches_csv_applies_the_project_filters_and_the_tranche_state(client, staff, projects):
    client.force_login(staff)
    call = projects[0].application.call
    response = client.get(
        reverse("staff_tranches_export", args=["csv"]),
        {"call": call.pk, "state": "active", "tranche_state": "paid"},
    )
    assert read_csv(response) == [
        TRANCHES_HEADER,
        [
            "PIA/2017/001",
            "Project 1",
            "Community Safety Jety-Oguz",
            "1",
            "125000.25",
            "KGS",
            "On signing the grant agreement",
            "",
            "Paid",
            "2017-07-01",
            "",
            "2017-07-03",
            "125000.25",
            "PAY-1",
        ],
        [
            "PIA/2017/003",
            "Project 3",
            "Youth Initiative Karakol",
            "1",
            "125000.25",
            "KGS",
            "On signing the grant agreement",
            "",
            "Paid",
            "2017-07-01",
            "",
            "2017-07-03",
            "125000.25",
            "PAY-3",
        ],
    ]


def test_tranches_xlsx_has_every_tranche_with_amounts_as_numbers(client, staff, projects):
    client.force_login(staff)
    sheet, rows = read_xlsx(client.get(reverse("staff_tranches_export", args=["xlsx"])))
    assert rows[0] == TRANCHES_HEADER
    assert [(row[0], row[3], row[8]) for row in rows[1:]] == [
        ("PIA/2017/001", 1, "Paid"),
        ("PIA/2017/001", 2, "Planned"),
        ("PIA/2017/002", 1, "Paid"),
        ("PIA/2017/002", 2, "Planned"),
        ("PIA/2017/003", 1, "Paid"),
        ("PIA/2017/003", 2, "Planned"),
    ]
    assert rows[2][4] == 125000.25
    assert rows[2][11:] == [None, None, None]
    assert sheet.cell(row=2, column=5).number_format == "#,##0.00"


# --- reports ----------------------------------------------------------------------------


@pytest.fixture
def reports(organisation_a, organisation_b):
    first = ProjectFactory(
        application__organisation=organisation_a, agreement_number="PIA/2017/001"
    )
    second = ProjectFactory(
        application__organisation=organisation_b, agreement_number="PIA/2017/002"
    )
    accepted = ProgressReportFactory(
        project=first,
        state=ReportState.ACCEPTED,
        submitted_at=SUBMITTED_AT,
        accepted_at=SUBMITTED_AT + datetime.timedelta(days=3),
    )
    line = ProjectBudgetLineFactory(project=first)
    Spending.objects.create(report=accepted, budget_line=line, amount=Decimal("90000.50"))
    overdue = ProgressReportFactory(
        project=first,
        number=2,
        kind=ReportKind.FINAL,
        period_start=datetime.date(2018, 1, 1),
        period_end=datetime.date(2018, 6, 30),
        due_on=datetime.date(2018, 7, 15),
    )
    submitted = ProgressReportFactory(
        project=second, state=ReportState.SUBMITTED, submitted_at=SUBMITTED_AT
    )
    return {"accepted": accepted, "overdue": overdue, "submitted": submitted}


REPORTS_HEADER = [
    "Agreement number",
    "Project",
    "Organisation",
    "Report",
    "Number",
    "Period from",
    "Period to",
    "Due on",
    "Status",
    "Submitted at",
    "Accepted at",
    "Spent in the period",
    "Co-financing received in the period",
    "Currency",
]


def test_reports_csv_holds_exactly_the_filtered_reports(client, staff, reports):
    client.force_login(staff)
    response = client.get(
        reverse("staff_reports_export", args=["csv"]), {"status": ["accepted", "overdue"]}
    )
    rows = read_csv(response)
    assert rows[0] == REPORTS_HEADER
    # The list's order: submitted first, then by due date.
    assert [row[:5] + row[8:] for row in rows[1:]] == [
        [
            "PIA/2017/001",
            reports["accepted"].project.title,
            "Community Safety Jety-Oguz",
            "Interim report",
            "1",
            "Accepted",
            "2017-06-01 10:30",
            "2017-06-04 10:30",
            "90000.50",
            "0.00",
            "KGS",
        ],
        [
            "PIA/2017/001",
            reports["accepted"].project.title,
            "Community Safety Jety-Oguz",
            "Final report",
            "2",
            "Overdue",
            "",
            "",
            "0.00",
            "0.00",
            "KGS",
        ],
    ]


def test_reports_xlsx_lists_submitted_ones_first_with_numbers_as_numbers(client, staff, reports):
    client.force_login(staff)
    sheet, rows = read_xlsx(client.get(reverse("staff_reports_export", args=["xlsx"])))
    assert [(row[0], row[4], row[8]) for row in rows[1:]] == [
        ("PIA/2017/002", 1, "Submitted"),
        ("PIA/2017/001", 1, "Accepted"),
        ("PIA/2017/001", 2, "Overdue"),
    ]
    assert rows[2][11] == 90000.5
    assert rows[2][5] == datetime.datetime(2017, 7, 1)
    assert sheet.cell(row=3, column=12).number_format == "#,##0.00"


def test_reports_search_filters_the_export_as_it_does_the_list(client, staff, reports):
    client.force_login(staff)
    response = client.get(reverse("staff_reports_export", args=["csv"]), {"q": "Karakol"})
    assert [row[0] for row in read_csv(response)[1:]] == ["PIA/2017/002"]


# --- who may export ---------------------------------------------------------------------


def export_urls(call_pk: int) -> list[str]:
    return [
        reverse("staff_scores_export", args=[call_pk, "csv"]),
        reverse("staff_scores_export", args=[call_pk, "xlsx"]),
        reverse("staff_projects_export", args=["csv"]),
        reverse("staff_projects_export", args=["xlsx"]),
        reverse("staff_tranches_export", args=["csv"]),
        reverse("staff_tranches_export", args=["xlsx"]),
        reverse("staff_reports_export", args=["csv"]),
        reverse("staff_reports_export", args=["xlsx"]),
    ]


@pytest.mark.parametrize("who", ["applicant_a", "committee_member", "donor_viewer"])
def test_nobody_but_staff_may_know_the_exports_exist(client, request, who, scored_call):
    client.force_login(request.getfixturevalue(who))
    assert [client.get(url).status_code for url in export_urls(scored_call.pk)] == [404] * 8


def test_anonymous_visitors_are_sent_to_sign_in(client, scored_call):
    for url in export_urls(scored_call.pk):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_staff_may_download_every_export(client, staff, scored_call):
    client.force_login(staff)
    assert [client.get(url).status_code for url in export_urls(scored_call.pk)] == [200] * 8


def test_an_unknown_format_is_not_an_address(client, staff):
    client.force_login(staff)
    assert client.get("/staff/projects/export.pdf").status_code == 404


def test_exports_carry_no_personal_data_of_applicants(client, staff, applicant_a, projects):
    organisation = projects[0].organisation
    organisation.phone = "+996 555 123 456"
    organisation.email = "office@example.org"
    organisation.save()
    client.force_login(staff)
    for name in ("staff_projects_export", "staff_tranches_export"):
        text = b"".join(client.get(reverse(name, args=["csv"])).streaming_content).decode()
        for personal in ("alice@example.org", "Aliya Applicant", "+996 555 123 456"):
            assert personal not in text
        assert "office@example.org" not in text


def test_the_csv_labels_follow_the_staff_members_language(client, staff, projects):
    staff.language = "ru"
    staff.save()
    client.force_login(staff)
    [header, *_rows] = read_csv(client.get(reverse("staff_projects_export", args=["csv"])))
    assert (header[2], header[3], header[13]) == ("Название", "Организация", "Валюта")


def test_the_lists_link_to_their_exports_with_the_filters_in_force(client, staff, scored_call):
    client.force_login(staff)
    projects_page = client.get(reverse("staff_project_list"), {"state": "active"}).content.decode()
    assert 'href="/staff/projects/export.csv?state=active"' in projects_page
    assert 'href="/staff/tranches/export.xlsx?state=active"' in projects_page
    reports_page = client.get(reverse("staff_report_list"), {"q": "Karakol"}).content.decode()
    assert 'href="/staff/reports/export.xlsx?q=Karakol"' in reports_page
    ranking_page = client.get(reverse("staff_ranking", args=[scored_call.pk])).content.decode()
    assert f'href="/staff/calls/{scored_call.pk}/scores.csv"' in ranking_page
