"""CSV and XLSX exports of the staff's application list, as filtered."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.http import FileResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts.enums import LegalForm
from grants.enums import ApplicationState
from grants.models import ApplicationLocation
from regions.enums import RegionLevel
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    RegionFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

CSV = reverse("staff_application_export", args=["csv"])
XLSX = reverse("staff_application_export", args=["xlsx"])

HEADER = [
    "Reference",
    "Title",
    "Organisation",
    "Legal form",
    "Oblast",
    "District / locations",
    "Theme",
    "Budget total",
    "Co-financing: local budget",
    "Co-financing: other sources",
    "Requested amount",
    "Currency",
    "Beneficiaries: women",
    "Beneficiaries: men",
    "Beneficiaries: girls",
    "Beneficiaries: boys",
    "State",
    "Submitted at",
]


def submitted(call, organisation, number, *, places=(), **fields):
    fields.setdefault("state", ApplicationState.SUBMITTED)
    fields.setdefault("submitted_at", dt.datetime(2017, 5, 3, 8, number, tzinfo=dt.UTC))
    application = ApplicationFactory(
        call=call,
        organisation=organisation,
        sequence=number,
        reference=f"PIA-2017-{number:03d}",
        **fields,
    )
    for place in places:
        ApplicationLocation.objects.create(application=application, region=place)
    return application


@pytest.fixture
def jety_oguz_project(organisation_a, oblast):
    """A full application of organisation A in an ayil aimak of Jety-Oguz District."""
    district = RegionFactory(
        code="41702215000000",
        level=RegionLevel.DISTRICT,
        parent=oblast,
        name_en="Jety-Oguz District",
        name_ru="Жети-Огузский район",
    )
    ak_dobo = RegionFactory(
        code="41702215820000",
        level=RegionLevel.AYIL_AIMAK,
        parent=district,
        name_en="Ak-Dobo ayil aimak",
        name_ru="Ак-Добоский айыльный аймак",
    )
    call = CallFactory()
    theme = ThemeFactory(programme=call.programme, name_en="Early marriage")
    return submitted(
        call,
        organisation_a,
        1,
        places=[ak_dobo],
        title="Профилактика ранних браков",
        theme=theme,
        budget_total=Decimal("350000.00"),
        cofinancing_local_budget=Decimal("40000.00"),
        cofinancing_other=Decimal("10000.50"),
        requested_amount=Decimal("299999.50"),
        beneficiaries_women=120,
        beneficiaries_men=80,
        beneficiaries_girls=60,
        beneficiaries_boys=45,
        submitted_at=dt.datetime(2017, 5, 3, 8, 30, tzinfo=dt.UTC),
    )


def read_csv(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:])))


def read_xlsx(response):
    # Streamed from a temporary file: read the whole stream.
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    [sheet] = workbook.worksheets
    return sheet, [list(row) for row in sheet.iter_rows(values_only=True)]


# --- CSV -----------------------------------------------------------------------------


def test_csv_export_has_a_header_and_one_typed_row_per_application(
    client, staff, jety_oguz_project
):
    client.force_login(staff)
    response = client.get(CSV)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="applications-')
    assert read_csv(response) == [
        HEADER,
        [
            "PIA-2017-001",
            "Профилактика ранних браков",
            "Community Safety Jety-Oguz",
            "Public association",
            "Issyk-Kul Oblast",
            "Ak-Dobo ayil aimak, Jety-Oguz District",
            "Early marriage",
            "350000.00",
            "40000.00",
            "10000.50",
            "299999.50",
            "KGS",
            "120",
            "80",
            "60",
            "45",
            "Submitted",
            "2017-05-03 14:30",
        ],
    ]


def test_csv_export_holds_exactly_the_filtered_rows_in_the_list_order(
    client, staff, organisation_a, organisation_b
):
    call = CallFactory()
    submitted(call, organisation_a, 1, requested_amount=Decimal("100000.00"))
    submitted(call, organisation_b, 2, requested_amount=Decimal("200000.00"))
    submitted(call, organisation_a, 3, requested_amount=Decimal("300000.00"))
    submitted(call, organisation_a, 4, state=ApplicationState.WITHDRAWN)
    submitted(CallFactory(), organisation_a, 5)
    client.force_login(staff)
    response = client.get(
        CSV, {"call": call.pk, "organisation": "jety-oguz", "sort": "-requested_amount"}
    )
    assert [row[0] for row in read_csv(response)[1:]] == ["PIA-2017-003", "PIA-2017-001"]


def test_csv_export_holds_every_page_not_only_the_first(client, staff, organisation_a):
    call = CallFactory()
    for number in range(1, 31):
        submitted(call, organisation_a, number)
    client.force_login(staff)
    rows = read_csv(client.get(CSV, {"page": 2}))[1:]
    assert len(rows) == 30


def test_csv_export_defuses_text_a_spreadsheet_would_run_as_a_formula(
    client, staff, organisation_a
):
    submitted(CallFactory(), organisation_a, 1, title='=HYPERLINK("http://evil.example","x")')
    client.force_login(staff)
    [_header, row] = read_csv(client.get(CSV))
    assert row[1] == '\'=HYPERLINK("http://evil.example","x")'


def test_exports_carry_no_personal_data_of_applicants(
    client, staff, applicant_a, jety_oguz_project
):
    client.force_login(staff)
    csv_text = b"".join(client.get(CSV).streaming_content).decode("utf-8")
    _sheet, xlsx_rows = read_xlsx(client.get(XLSX))
    xlsx_text = " ".join(str(value) for row in xlsx_rows for value in row)
    for personal in ["alice@example.org", "Aliya Applicant", jety_oguz_project.organisation.phone]:
        if personal:
            assert personal not in csv_text
            assert personal not in xlsx_text


# --- XLSX ----------------------------------------------------------------------------


def test_xlsx_export_has_a_titled_sheet_a_header_and_real_numbers_and_dates(
    client, staff, jety_oguz_project
):
    client.force_login(staff)
    response = client.get(XLSX)
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet, rows = read_xlsx(response)
    assert sheet.title == "Applications"
    assert rows == [
        HEADER,
        [
            "PIA-2017-001",
            "Профилактика ранних браков",
            "Community Safety Jety-Oguz",
            LegalForm.PUBLIC_ASSOCIATION.label,
            "Issyk-Kul Oblast",
            "Ak-Dobo ayil aimak, Jety-Oguz District",
            "Early marriage",
            350000,
            40000,
            10000.5,
            299999.5,
            "KGS",
            120,
            80,
            60,
            45,
            "Submitted",
            dt.datetime(2017, 5, 3, 14, 30),
        ],
    ]
    assert sheet["H2"].number_format == "#,##0.00"
    assert sheet["R2"].is_date


def test_xlsx_export_holds_exactly_the_filtered_rows(client, staff, organisation_a):
    call = CallFactory()
    submitted(call, organisation_a, 1, state=ApplicationState.ELIGIBLE)
    submitted(call, organisation_a, 2, state=ApplicationState.INELIGIBLE)
    submitted(call, organisation_a, 3)
    client.force_login(staff)
    _sheet, rows = read_xlsx(
        client.get(XLSX, {"state": ["eligible", "submitted"], "sort": "reference"})
    )
    assert [row[0] for row in rows[1:]] == ["PIA-2017-001", "PIA-2017-003"]


def test_xlsx_export_writes_formula_like_text_as_text(client, staff, organisation_a):
    submitted(CallFactory(), organisation_a, 1, title="=1+1")
    client.force_login(staff)
    sheet, rows = read_xlsx(client.get(XLSX))
    assert rows[1][1] == "=1+1"
    assert sheet["B2"].data_type == "s"


def test_xlsx_export_of_nothing_is_a_header_only(client, staff):
    client.force_login(staff)
    _sheet, rows = read_xlsx(client.get(XLSX))
    assert rows == [HEADER]


def test_xlsx_export_is_streamed_from_a_file_with_its_length_and_name(
    client, staff, jety_oguz_project
):
    client.force_login(staff)
    response = client.get(XLSX)
    assert response.streaming
    assert isinstance(response, FileResponse)
    assert response["Content-Disposition"].startswith('attachment; filename="applications-')
    body = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(body)
    assert body.startswith(b"PK")  # a zip, as every XLSX workbook


def export_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        b"".join(response.streaming_content)
    return len(captured)


@pytest.mark.parametrize("url", [CSV, XLSX])
def test_exports_take_as_many_queries_for_thirty_rows_as_for_three(
    client, staff, organisation_a, oblast, url
):
    call = CallFactory()
    theme = ThemeFactory(programme=call.programme)

    def add(first, last):
        for number in range(first, last + 1):
            district = RegionFactory(
                code=f"417022{number:02d}000000",
                level=RegionLevel.DISTRICT,
                parent=oblast,
                name_en=f"District {number}",
            )
            submitted(call, organisation_a, number, places=[district, oblast], theme=theme)

    client.force_login(staff)
    add(1, 3)
    export_queries(client, url)  # warm: the session and the like are read once
    few = export_queries(client, url)
    add(4, 30)
    many = export_queries(client, url)
    assert many == few


# --- who may export ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["applicant_a", "applicant_b", "committee_member", "donor_viewer"])
def test_nobody_but_staff_may_export(client, request, who, jety_oguz_project):
    client.force_login(request.getfixturevalue(who))
    assert client.get(CSV).status_code == 404
    assert client.get(XLSX).status_code == 404


def test_anonymous_export_is_sent_to_login(client, jety_oguz_project):
    for url in [CSV, XLSX]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_an_unknown_export_format_is_not_found(client, staff):
    client.force_login(staff)
    assert client.get("/staff/applications/export.pdf").status_code == 404


def test_organisation_b_cannot_export_organisation_as_applications(
    client, applicant_b, organisation_a
):
    submitted(CallFactory(), organisation_a, 1)
    client.force_login(applicant_b)
    assert client.get(CSV, {"organisation": organisation_a.name}).status_code == 404
