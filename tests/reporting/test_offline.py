import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from reporting.models import IndicatorProgress, Spending
from reporting.services.reports import section_version

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(client, report):
    response = client.get(reverse("report_offline_download", args=[report.pk]))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def upload(client, report, workbook, name="report.xlsx"):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return upload_bytes(client, report, buffer.getvalue(), name)


def upload_bytes(client, report, content, name):
    return client.post(
        reverse("report_offline_upload", args=[report.pk]),
        {"file": SimpleUploadedFile(name, content, content_type=XLSX)},
    )


def fill(workbook):
    indicators, spending = workbook["Indicators"], workbook["Spending"]
    # Row 2: people reached (split), row 3: events held; row 2: community events, row 3: printed.
    for column, value in zip("EFGHIJ", [100, 40, 30, 20, 10, "Schools and clubs"], strict=True):
        indicators[f"{column}2"] = value
    indicators["E3"] = 4
    spending["F2"] = 80000.5
    spending["F3"] = "12 500,00"
    return workbook


def test_the_workbook_holds_the_reports_tables_with_hidden_ids(client, applicant_a, report_a):
    client.force_login(applicant_a)

    workbook = download(client, report_a)

    assert workbook.sheetnames[:2] == ["Indicators", "Spending"]
    indicators, spending = workbook["Indicators"], workbook["Spending"]
    ids = [indicator.pk for indicator in report_a.project.indicators.order_by("order")]
    assert [row[0] for row in indicators.iter_rows(min_row=2, values_only=True)] == ids
    assert [cell.value for cell in indicators[1]][1:5] == [
        "Indicator",
        "Unit",
        "Target",
        "Achieved in the period",
    ]
    assert [cell.value for cell in spending[1]][-1] == "Spent in the period"
    assert [row[2] for row in spending.iter_rows(min_row=2, values_only=True)] == [
        "Community events",
        "Printed materials",
    ]
    assert indicators.column_dimensions["A"].hidden is True
    assert indicators.protection.sheet is True
    assert indicators["E2"].protection.locked is False  # the value
    assert indicators["F2"].protection.locked is False  # women: people reached is split
    assert indicators["F3"].protection.locked is True  # events held is not split
    assert indicators["B2"].protection.locked is True  # the indicator's name
    assert spending["F3"].protection.locked is False


def test_the_workbook_carries_the_figures_saved_so_far(client, applicant_a, report_a):
    first = report_a.project.budget_lines.order_by("order").first()
    Spending.objects.create(report=report_a, budget_line=first, amount=Decimal("1234.50"))
    client.force_login(applicant_a)

    workbook = download(client, report_a)

    assert workbook["Spending"]["F2"].value == 1234.5
    assert workbook["Spending"]["F3"].value is None


def test_a_filled_workbook_is_saved_in_full(client, applicant_a, report_a):
    client.force_login(applicant_a)
    workbook = fill(download(client, report_a))

    response = upload(client, report_a, workbook)

    assert response.status_code == 302
    people = IndicatorProgress.objects.get(indicator__disaggregated=True)
    assert (people.value, people.women, people.men, people.girls, people.boys, people.comment) == (
        Decimal("100.00"),
        40,
        30,
        20,
        10,
        "Schools and clubs",
    )
    assert IndicatorProgress.objects.get(indicator__disaggregated=False).value == Decimal("4.00")
    assert sorted(Spending.objects.values_list("amount", flat=True)) == [
        Decimal("12500.00"),
        Decimal("80000.50"),
    ]
    report_a.refresh_from_db()
    assert (section_version(report_a, "indicators"), section_version(report_a, "spending")) == (
        1,
        1,
    )


def test_one_bad_cell_saves_nothing_and_names_the_sheet_and_the_row(client, applicant_a, report_a):
    client.force_login(applicant_a)
    workbook = fill(download(client, report_a))
    workbook["Spending"]["F3"] = "twelve thousand"

    response = upload(client, report_a, workbook)

    assert response.status_code == 200
    assert response.context["upload_errors"] == [
        "Spending, row 3 (Printed materials): Spent in the period: not a number"
    ]
    assert IndicatorProgress.objects.count() == 0
    assert Spending.objects.count() == 0
    report_a.refresh_from_db()
    assert report_a.section_versions == {}


def test_every_problem_of_the_workbook_is_listed_at_once(client, applicant_a, report_a):
    client.force_login(applicant_a)
    workbook = fill(download(client, report_a))
    indicators, spending = workbook["Indicators"], workbook["Spending"]
    indicators["F2"] = 41  # 41 + 30 + 20 + 10 is not 100
    indicators["E3"] = -1
    spending.delete_rows(2)  # community events gone
    spending["A3"] = 999999  # a row of another report
    spending["C3"] = "Stranger"
    spending["F3"] = 1

    response = upload(client, report_a, workbook)

    assert response.context["upload_errors"] == [
        "Indicators, row 2 (People reached): The value (100) must equal women + men + girls "
        "+ boys (41 + 30 + 20 + 10 = 101).",
        "Indicators, row 3 (Events held): Achieved in the period: cannot be negative",
        "Spending, row 3: this row is not one of this report's budget lines",
        "Spending: the row of “Community events” is missing. Download the spreadsheet again.",
    ]
    assert IndicatorProgress.objects.count() == 0


def test_a_file_that_is_not_a_workbook_is_refused_by_its_content(client, applicant_a, report_a):
    client.force_login(applicant_a)

    response = upload_bytes(client, report_a, b"%PDF-1.4\n%%EOF\n", "report.xlsx")

    assert response.context["upload_errors"] == [
        "“report.xlsx” is not an Excel workbook (.xlsx). Upload the spreadsheet downloaded "
        "from this report, saved in the .xlsx format."
    ]


def test_a_viewer_may_download_the_workbook_but_not_upload_it(client, viewer_a, report_a):
    client.force_login(viewer_a)

    assert client.get(reverse("report_offline_download", args=[report_a.pk])).status_code == 200
    assert client.get(reverse("report_offline_upload", args=[report_a.pk])).status_code == 403
