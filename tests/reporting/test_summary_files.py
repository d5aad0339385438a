"""A donor summary's files: the PDF opens and says what it should, the workbook reads
back to the stored figures, and no personal data of applicants is anywhere."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from reporting.models import SummaryStatus
from reporting.summaries import convert, highlight_text, summary_build, summary_request
from reporting.summary_files import svg_bar_chart
from tests.reporting.summary_data import JANUARY, PERSONAL_DATA, build_programme

pytestmark = pytest.mark.django_db

SHEETS = [
    "Headline",
    "By oblast",
    "By theme",
    "People reached",
    "Reports",
    "Projects",
    "Highlights",
]


@pytest.fixture
def summary(organisation_a, organisation_b, oblast, applicant_a, applicant_b, staff):
    programme = build_programme(
        organisation_a=organisation_a,
        organisation_b=organisation_b,
        oblast=oblast,
        applicant_a=applicant_a,
        applicant_b=applicant_b,
    )["programme"]
    made = summary_request(
        programme=programme,
        period_start=JANUARY[0],
        period_end=JANUARY[1],
        by=staff,
        second_currency="USD",
        exchange_rate=Decimal("68.5"),
    )
    summary_build(summary_id=made.pk)
    made.refresh_from_db()
    assert made.status == SummaryStatus.READY
    return made


def read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


def pdf_text(summary) -> str:
    reader = PdfReader(io.BytesIO(read(summary.pdf)))
    return "\n".join(page.extract_text() for page in reader.pages)


def workbook(summary):
    return load_workbook(io.BytesIO(read(summary.xlsx)))


def exact(value):
    # openpyxl reads numbers back as float; money compares exactly through its text.
    return Decimal(str(value)) if isinstance(value, float) else value


def rows(sheet) -> list[tuple]:
    return [
        tuple(exact(value) for value in row) for row in sheet.iter_rows(min_row=2, values_only=True)
    ]


# --- the PDF ---------------------------------------------------------------------


def test_the_pdf_opens_and_names_the_programme_the_period_a_figure_and_an_oblast(summary):
    text = pdf_text(summary)

    assert read(summary.pdf).startswith(b"%PDF-")
    assert "Prevention in Action" in text
    assert "1 January 2018 – 31 January 2018" in text
    assert "Money committed (awarded) 500,000.00" in text
    assert "Issyk-Kul Oblast" in text
    assert "Osh Oblast" in text
    assert "Road safety" in text
    assert "USD at 68.5 KGS per USD" in text
    assert "7,299.27" in text


def compact(text: str) -> str:
    """Without white space: table cells wrap their words onto several lines."""
    return "".join(text.split())


def test_the_pdf_lists_the_projects_and_the_highlights(summary):
    text = pdf_text(summary)
    # Agreement numbers come from a factory sequence.
    first, second = (row["agreement_number"] for row in summary.figures["project_list"])

    for expected in [
        first,
        "Safer roads in Jety-Oguz",
        "Community Safety Jety-Oguz",
        second,
        "Girls at school, not married",
        "Youth Initiative Karakol",
    ]:
        assert compact(expected) in compact(text)
    assert "Six round tables in three ayil aimaks" in text
    assert "Jety-Oguz District (Issyk-Kul Oblast) · Interim report 1" in text


def pdf_html(summary) -> str:
    from django.template.loader import render_to_string

    from reporting.summary_files import PDF_TEMPLATE, summary_pdf_context

    return render_to_string(
        PDF_TEMPLATE, summary_pdf_context(summary=summary, figures=summary.figures)
    )


def test_the_pdf_counts_the_projects_by_status(summary):
    text = pdf_text(summary)

    assert "Projects by status" in text
    assert "Active 2" in text


def test_a_pdf_with_more_projects_than_it_lists_shows_the_largest_and_points_to_the_workbook(
    summary, monkeypatch
):
    from reporting import summary_files

    monkeypatch.setattr(summary_files, "PDF_TOP_PROJECTS", 1)
    html = pdf_html(summary)

    # Project A was awarded 300,000, project B 200,000.
    assert "Safer roads in Jety-Oguz" in html
    assert "Girls at school, not married" not in html
    assert "The project with the largest amount awarded, of 2." in html
    assert "The workbook (XLSX) lists every project." in html
    # The workbook still lists both.
    assert len(rows(workbook(summary)["Projects"])) == 2


def test_a_pdf_with_more_highlights_than_it_shows_keeps_the_latest_and_says_so(
    summary, monkeypatch
):
    from reporting import summary_files

    older = {**summary.figures["highlights"][0], "text": "An older achievement."}
    summary.figures["highlights"].insert(0, older)
    monkeypatch.setattr(summary_files, "PDF_HIGHLIGHTS", 1)
    html = pdf_html(summary)

    assert "Six round tables in three ayil aimaks" in html
    assert "An older achievement." not in html
    assert "The latest of 2; the workbook (XLSX) has all of them." in html


def test_a_summary_of_many_projects_takes_no_more_queries_than_one_of_two(summary, organisation_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from projects.models import ProjectLocation
    from reporting.summaries import summary_figures
    from tests.reporting.conftest import make_project

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            figures = summary_figures(summary)
        return len(captured), len(figures["project_list"])

    queries()  # warm: what is read once per process (and cached) is not counted
    few, projects = queries()
    call = summary.programme.calls.get()
    region = ProjectLocation.objects.filter(project__application__call=call).first().region
    for number in range(4):
        project = make_project(
            organisation_a, application__call=call, title=f"Another project {number}"
        )
        ProjectLocation.objects.create(project=project, region=region)

    many, more_projects = queries()
    assert more_projects == projects + 4
    assert many == few


def test_the_pdf_draws_its_charts_and_the_map_as_inline_svg_without_script(summary):
    html = pdf_html(summary)

    assert html.count('<svg class="bar-chart"') == 6
    assert html.count('<svg class="oblast-map"') == 1
    assert "<script" not in html
    assert "base.html" not in html


# --- the workbook ----------------------------------------------------------------


def test_the_workbook_has_a_sheet_per_breakdown(summary):
    assert workbook(summary).sheetnames == SHEETS


def test_the_headline_sheet_reads_back_to_the_snapshot_as_numbers(summary):
    figures = summary.figures
    sheet = workbook(summary)["Headline"]
    values = {row[0]: row[1:] for row in rows(sheet)}

    assert [cell.value for cell in sheet[1]] == ["Figure", "Value", "Currency", "Value in USD"]
    assert values["Applications received"] == (2, None, None)
    assert values["Money requested"] == (Decimal(figures["headline"]["requested"]), "KGS", None)
    assert values["Money committed (awarded)"] == (500000, "KGS", Decimal("7299.27"))
    assert values["Money disbursed"] == (150000, "KGS", Decimal(figures["converted"]["disbursed"]))
    assert values["of which from local budgets"] == (200000, "KGS", Decimal("2919.71"))
    assert values["Co-financing received"] == (25000, "KGS", Decimal("364.96"))
    assert values["People reached"] == (figures["headline"]["people_reached"], None, None)
    assert sheet["B8"].value == 500000
    assert sheet["B8"].number_format == "#,##0.00"
    assert sheet["D8"].value == 7299.27
    assert sheet["B3"].number_format == "#,##0"


def test_the_breakdown_sheets_read_back_to_the_snapshot(summary):
    figures = summary.figures
    book = workbook(summary)

    assert rows(book["By oblast"]) == [
        (
            row["name"],
            row["projects"],
            Decimal(row["awarded"]),
            Decimal(row["disbursed"]),
            row["people_reached"],
        )
        for row in figures["by_oblast"]
    ]
    assert rows(book["By theme"]) == [
        ("Road safety", 1, 300000, 150000, 120),
        ("Early marriage", 1, 200000, 0, 0),
    ]
    assert rows(book["People reached"]) == [
        ("Women", 40, 600, Decimal("6.7")),
        ("Men", 30, 600, 5),
        ("Girls", 30, 400, Decimal("7.5")),
        ("Boys", 20, 400, 5),
        ("Total", 120, 2000, 6),
    ]
    assert rows(book["Reports"]) == [
        ("Submitted on time", 1),
        ("Submitted late", 0),
        ("Overdue (not submitted)", 1),
        ("Not yet due", 0),
        ("Total", 2),
    ]


def test_the_project_and_highlight_sheets_read_back_to_the_snapshot(summary):
    book = workbook(summary)
    projects = rows(book["Projects"])
    highlights = rows(book["Highlights"])

    assert [(row[0], row[1], row[2], row[8], row[9], row[10]) for row in projects] == [
        (
            project["agreement_number"],
            project["title"],
            project["organisation"],
            project["state_label"],
            Decimal(project["awarded"]),
            Decimal(project["disbursed"]),
        )
        for project in summary.figures["project_list"]
    ]
    assert projects[0][6].date().isoformat() == "2017-07-01"
    assert [row[1:] for row in highlights] == [
        (
            "Safer roads in Jety-Oguz",
            "Jety-Oguz District",
            "Interim report 1",
            summary.figures["highlights"][0]["text"],
        )
    ]


# --- no personal data ------------------------------------------------------------


def workbook_text(summary) -> str:
    cells = []
    for sheet in workbook(summary):
        for row in sheet.iter_rows(values_only=True):
            cells.extend(str(value) for value in row if value is not None)
    return "\n".join(cells)


def test_no_personal_data_of_applicants_is_in_the_pdf_the_workbook_or_the_pages(
    client, summary, donor_viewer, organisation_a, organisation_b
):
    client.force_login(donor_viewer)
    pages = "".join(
        client.get(reverse(name, args=args)).content.decode()
        for name, args in [
            ("donor_summary_list", []),
            ("donor_summary_detail", [summary.pk]),
            ("donor_summary_progress", [summary.pk]),
        ]
    )
    private = [
        *PERSONAL_DATA,
        organisation_a.taxpayer_number,
        organisation_a.registration_number,
        organisation_b.taxpayer_number,
        organisation_b.registration_number,
    ]
    for where, text in [
        ("pages", pages),
        ("pdf", pdf_text(summary)),
        ("xlsx", workbook_text(summary)),
        ("figures", str(summary.figures)),
    ]:
        assert [value for value in private if value in text] == [], where
    # Organisation names are public for funded projects.
    assert "Community Safety Jety-Oguz" in workbook_text(summary)


# --- the parts -------------------------------------------------------------------


def test_a_highlight_is_trimmed_to_about_400_characters_with_contacts_masked():
    text = "Call +996 700 111 222 or mail someone@example.org. " + "word " * 200

    trimmed = highlight_text(text)

    assert trimmed.startswith("Call […] or mail […]. word word")
    assert len(trimmed) == 400
    assert trimmed.endswith("…")


def test_money_is_converted_at_the_rate_with_two_places_half_up():
    assert convert("500000.00", Decimal("68.5")) == "7299.27"
    assert convert("100.00", Decimal("8")) == "12.50"
    assert convert("0.05", Decimal("2")) == "0.03"
    assert convert("100.00", None) is None


def test_the_bar_chart_scales_to_the_largest_value_and_escapes_labels():
    svg = svg_bar_chart([("<b>A</b>", 50), ("B", 100), ("C", 0)], title="T & U")

    assert svg.startswith('<svg class="bar-chart"')
    assert 'aria-label="T &amp; U"' in svg
    assert "&lt;b&gt;A&lt;/b&gt;" in svg
    assert "<b>" not in svg
    # The bars share 360 of the 680 units: half of the largest is 180.
    assert 'width="180.0" height="14"' in svg
    assert 'width="360.0" height="14"' in svg
    assert 'width="0.0" height="14"' in svg


def test_the_bar_chart_of_nothing_is_an_empty_frame():
    assert svg_bar_chart([], title="Empty").count("<rect") == 0
