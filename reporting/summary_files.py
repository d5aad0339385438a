"""A donor summary's files, drawn from its figures snapshot: a PDF laid out for reading
and an XLSX workbook with a sheet per breakdown.

Both files are made from the same tables (``summary_sheets``), so they cannot disagree:
the workbook holds real numbers (Decimal money with two places, whole counts, dates),
the PDF the same values formatted in the summary's language, with server-drawn SVG bar
charts and the oblast map beside them (no JavaScript in a PDF). The workbook lists every
project and highlight; the PDF summarises them: the projects counted by status, the
``PDF_TOP_PROJECTS`` largest by the amount awarded and the ``PDF_HIGHLIGHTS`` latest
highlights, each saying how many there are in all. Headers and sheet names
are in the active language (``summary_build`` activates the summary's language).
"""

import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.staticfiles import finders
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

PDF_TEMPLATE = "reporting/summaries/summary_pdf.html"
PDF_STYLESHEETS = ["css/pdf.css", "css/donor-summary-pdf.css"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0"
DATE_FORMAT = "yyyy-mm-dd"
# The PDF summarises: the largest projects and the latest highlights, with the whole
# lists in the workbook (thousands of rows would make a PDF nobody reads, and take
# WeasyPrint minutes and gigabytes to lay out).
PDF_TOP_PROJECTS = 25
PDF_HIGHLIGHTS = 20
# The project sheet's "Awarded" column (see ``summary_sheets``).
PROJECT_AWARDED_COLUMN = 9


@dataclass
class Sheet:
    """One table of the summary: a sheet of the workbook and a table of the PDF."""

    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    # Indexes of columns holding numbers (right-aligned in the PDF).
    numeric: frozenset = frozenset()


def _date(value: str) -> datetime.date:
    return datetime.date.fromisoformat(value)


def headline_rows(figures: dict) -> list[tuple[str, str, object, bool]]:
    """(key, label, value, is money) of the headline figures as of the end of the
    period, then what happened inside the period."""
    from reporting.summaries import money_measures

    headline = figures["headline"]
    measures = money_measures(figures)
    rows = [
        ("calls_open", _("Calls open in the period"), headline["calls_open"], False),
        ("applications_received", _("Applications received"), None, False),
        ("applications_eligible", _("Applications eligible"), None, False),
        ("applications_funded", _("Applications funded"), None, False),
        ("projects", _("Projects"), None, False),
        ("requested", _("Money requested"), None, True),
        ("awarded", _("Money committed (awarded)"), None, True),
        ("disbursed", _("Money disbursed"), None, True),
        ("cofinancing_committed", _("Co-financing committed"), None, True),
        ("cofinancing_committed_local", _("of which from local budgets"), None, True),
        ("cofinancing_received", _("Co-financing received"), None, True),
        ("cofinancing_received_local", _("of which from local budgets (received)"), None, True),
        ("people_reached", _("People reached"), None, False),
        ("people_target", _("People to reach (target)"), None, False),
    ]
    rows = [
        (key, label, value if value is not None else measures.get(key, headline.get(key)), money)
        for key, label, value, money in rows
    ]
    period = figures.get("period")
    if period:
        rows += [
            (
                "period_applications_received",
                _("In the period: applications received"),
                period["applications_received"],
                False,
            ),
            ("period_disbursed", _("In the period: money disbursed"), period["disbursed"], True),
            (
                "period_cofinancing_received",
                _("In the period: co-financing received"),
                period["cofinancing_received"],
                True,
            ),
            (
                "period_people_reached",
                _("In the period: people reached"),
                period["people_reached"],
                False,
            ),
            (
                "period_reports_accepted",
                _("In the period: reports accepted"),
                period["reports_accepted"],
                False,
            ),
        ]
    return rows


def report_labels() -> dict[str, str]:
    return {
        "on_time": _("Submitted on time"),
        "late": _("Submitted late"),
        "overdue": _("Overdue (not submitted)"),
        "not_yet_due": _("Not yet due"),
    }


def _percent(value) -> float | None:
    return None if value is None else float(value)


def _breakdown(key: str, title: str, first: str, rows: list, currency: str) -> Sheet:
    sheet = Sheet(
        key,
        title,
        [
            first,
            _("Projects"),
            _("Awarded (%(currency)s)") % {"currency": currency},
            _("Disbursed (%(currency)s)") % {"currency": currency},
            _("People reached"),
        ],
        numeric=frozenset({1, 2, 3, 4}),
    )
    for row in rows:
        sheet.rows.append(
            [
                row["name"],
                int(row["projects"]),
                Decimal(row["awarded"]),
                Decimal(row["disbursed"]),
                int(row["people_reached"]),
            ]
        )
    return sheet


def summary_sheets(figures: dict) -> list[Sheet]:
    meta = figures["summary"]
    currency = meta["programme"]["currency"]
    second = meta["second_currency"]

    columns = [_("Figure"), _("Value"), _("Currency")]
    if second:
        columns.append(_("Value in %(currency)s") % {"currency": second})
    head = Sheet("headline", _("Headline"), columns, numeric=frozenset({1, 3}))
    # The second currency beside the money committed, disbursed and co-financed.
    converted = figures.get("converted") or {}
    for key, label, value, is_money in headline_rows(figures):
        row = [label, Decimal(value) if is_money else int(value), currency if is_money else ""]
        if second:
            row.append(Decimal(converted[key]) if key in converted else None)
        head.rows.append(row)

    by_oblast = _breakdown(
        "by_oblast", _("By oblast"), _("Oblast or city"), figures["by_oblast"], currency
    )
    by_theme = _breakdown("by_theme", _("By theme"), _("Theme"), figures["by_theme"], currency)

    people = Sheet(
        "people",
        _("People reached"),
        [_("Group"), _("Reached"), _("Target"), _("Share of the target (%)")],
        numeric=frozenset({1, 2, 3}),
    )
    for row in figures["people"]["by_group"]:
        people.rows.append(
            [row["label"], int(row["achieved"]), int(row["target"]), _percent(row["percent"])]
        )
    total = figures["people"]
    people.rows.append(
        [
            pgettext("people reached", "Total"),
            int(total["achieved"]),
            int(total["target"]),
            _percent(total["percent"]),
        ]
    )

    reports = Sheet(
        "reports",
        _("Reports"),
        [_("Reports due in the period"), _("Reports")],
        numeric=frozenset({1}),
    )
    for key, label in report_labels().items():
        reports.rows.append([label, int(figures["reports"][key])])
    reports.rows.append([pgettext("reports", "Total"), int(figures["reports"]["total"])])

    projects = Sheet(
        "projects",
        _("Projects"),
        [
            _("Grant agreement"),
            _("Project"),
            _("Organisation"),
            _("Theme"),
            _("Places"),
            _("Oblasts"),
            _("Starts on"),
            _("Ends on"),
            _("Status"),
            _("Awarded (%(currency)s)") % {"currency": currency},
            _("Disbursed by the end of the period (%(currency)s)") % {"currency": currency},
        ],
        numeric=frozenset({PROJECT_AWARDED_COLUMN, PROJECT_AWARDED_COLUMN + 1}),
    )
    for row in figures["project_list"]:
        projects.rows.append(
            [
                row["agreement_number"],
                row["title"],
                row["organisation"],
                row["theme"],
                row["places"],
                row["oblasts"],
                _date(row["starts_on"]),
                _date(row["ends_on"]),
                row["state_label"],
                Decimal(row["awarded"]),
                Decimal(row["disbursed"]),
            ]
        )

    highlights = Sheet(
        "highlights",
        _("Highlights"),
        [_("Accepted on"), _("Project"), _("Places"), _("Report"), _("Achievements")],
    )
    for row in figures["highlights"]:
        highlights.rows.append(
            [_date(row["accepted_on"]), row["project"], row["places"], row["report"], row["text"]]
        )
    return [head, by_oblast, by_theme, people, reports, projects, highlights]


# --- the workbook ----------------------------------------------------------------


def _sheet_title(title: str) -> str:
    # Excel: at most 31 characters, none of []:*?/\
    for character in "[]:*?/\\":
        title = title.replace(character, " ")
    return title[:31]


def summary_xlsx(*, summary, figures: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = summary_title(figures)
    workbook.properties.creator = figures["summary"]["programme"]["name"]
    for sheet in summary_sheets(figures):
        worksheet = workbook.create_sheet(_sheet_title(sheet.title))
        worksheet.append(sheet.columns)
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        worksheet.freeze_panes = "A2"
        for values in sheet.rows:
            worksheet.append(values)
        widths = [len(str(label)) for label in sheet.columns]
        for row in worksheet.iter_rows(min_row=2):
            for index, cell in enumerate(row):
                value = cell.value
                if isinstance(value, Decimal):
                    cell.number_format = MONEY_FORMAT
                elif isinstance(value, float):
                    cell.number_format = PERCENT_FORMAT
                elif isinstance(value, bool):
                    pass
                elif isinstance(value, int):
                    cell.number_format = COUNT_FORMAT
                elif isinstance(value, datetime.date):
                    cell.number_format = DATE_FORMAT
                elif isinstance(value, str) and len(value) > 60:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                widths[index] = max(widths[index], min(len(str(value or "")), 60))
        for index, width in enumerate(widths, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = max(10, width + 2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- the PDF ---------------------------------------------------------------------

CHART_WIDTH = 680
CHART_LABEL_WIDTH = 210
CHART_VALUE_WIDTH = 110
CHART_ROW = 22
CHART_BAR = 14
CHART_FILL = "#3182bd"
CHART_LABEL_CHARACTERS = 34


def svg_bar_chart(rows: list[tuple[str, object]], *, title: str, fmt=str) -> SafeString:
    """A horizontal bar chart as inline SVG: one bar per (label, number), scaled to the
    largest, the value written after each bar. Plain attributes only (no script, no
    style), so WeasyPrint draws it and a strict CSP would let it through."""
    bar_area = CHART_WIDTH - CHART_LABEL_WIDTH - CHART_VALUE_WIDTH
    height = max(1, len(rows)) * CHART_ROW + 4
    largest = max((Decimal(str(value or 0)) for _label, value in rows), default=Decimal(0))
    parts = [
        f'<svg class="bar-chart" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {CHART_WIDTH} {height}" width="{CHART_WIDTH}" height="{height}" '
        f'role="img" aria-label="{escape(title)}" font-family="DejaVu Sans, sans-serif" '
        f'font-size="11">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value) in enumerate(rows):
        y = index * CHART_ROW + 2
        number = Decimal(str(value or 0))
        width = 0 if not largest else float(number / largest) * bar_area
        text = str(label)
        if len(text) > CHART_LABEL_CHARACTERS:
            text = text[: CHART_LABEL_CHARACTERS - 1] + "…"
        baseline = y + CHART_BAR - 3
        parts.append(
            f'<text x="{CHART_LABEL_WIDTH - 6}" y="{baseline}" text-anchor="end" '
            f'fill="#111">{escape(text)}</text>'
            f'<rect x="{CHART_LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{CHART_BAR}" '
            f'fill="{CHART_FILL}"/>'
            f'<text x="{CHART_LABEL_WIDTH + width + 4:.1f}" y="{baseline}" '
            f'fill="#111">{escape(fmt(value))}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


# The fills of regions' map classes (static/css/map.css): WeasyPrint does not apply the
# page's stylesheets inside an inline SVG, so the PDF's map carries its colours itself.
MAP_FILLS = {
    "map-bin-0": "#d4d4d4",
    "map-bin-1": "#eff3ff",
    "map-bin-2": "#bdd7e7",
    "map-bin-3": "#6baed6",
    "map-bin-4": "#3182bd",
    "map-bin-5": "#08519c",
}


def pdf_oblast_map(values: dict, *, title: str) -> dict | None:
    """The oblast choropleth of ``values`` ({SOATE code: number}) as inline SVG with
    fill attributes, and its legend; None when the boundary file is not installed."""
    from regions.maps import legend, oblast_map_shapes, shade_class

    shapes = oblast_map_shapes()
    if shapes is None:
        return None
    maximum = max((number for number in values.values() if number), default=0)
    paths = "".join(
        f'<path d="{shape.path}" fill="{MAP_FILLS[shade_class(values.get(shape.code), maximum)]}"'
        f' stroke="#ffffff" stroke-width="1.5" fill-rule="evenodd"/>'
        for shape in shapes.shapes
    )
    svg = (
        f'<svg class="oblast-map" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {shapes.width} {shapes.height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>{paths}</svg>'
    )
    return {
        "svg": mark_safe(svg),  # noqa: S308 - path data are numbers, the title is escaped
        "legend": [
            {"fill": MAP_FILLS[entry.css_class], "label": entry.label} for entry in legend(maximum)
        ],
    }


def legend_swatch(fill: str) -> SafeString:
    return mark_safe(  # noqa: S308 - fill is one of MAP_FILLS
        f'<svg class="swatch" xmlns="http://www.w3.org/2000/svg" width="10" height="10" '
        f'viewBox="0 0 10 10"><rect width="10" height="10" fill="{fill}" stroke="#6c757d"/></svg>'
    )


def rate_text(rate: Decimal | None) -> str:
    """A rate without trailing zeros (68.5, not 68.5000), in the active language."""
    if rate is None:
        return ""
    return formats.number_format(Decimal(f"{Decimal(rate).normalize():f}"))


def format_value(value) -> str:
    """A cell as the PDF shows it, in the active language's number and date formats."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return floatformat(value, "2g")
    if isinstance(value, float):
        return floatformat(value, "1g")
    if isinstance(value, int) and not isinstance(value, bool):
        return floatformat(value, "0g")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    return str(value)


def summary_title(figures: dict) -> str:
    meta = figures["summary"]
    return _("%(programme)s: donor summary, %(start)s – %(end)s") % {
        "programme": meta["programme"]["name"],
        "start": formats.date_format(_date(meta["period"]["start"]), "DATE_FORMAT"),
        "end": formats.date_format(_date(meta["period"]["end"]), "DATE_FORMAT"),
    }


def _table(sheet: Sheet) -> dict:
    return {
        "title": sheet.title,
        "columns": [
            {"label": label, "numeric": index in sheet.numeric}
            for index, label in enumerate(sheet.columns)
        ],
        "rows": [
            [
                {"text": format_value(value), "numeric": index in sheet.numeric}
                for index, value in enumerate(row)
            ]
            for row in sheet.rows
        ],
    }


def summary_pdf_context(*, summary, figures: dict) -> dict:
    """The PDF's tables (the workbook's sheets, formatted) and its charts."""
    sheets = {sheet.key: sheet for sheet in summary_sheets(figures)}
    meta = figures["summary"]
    currency = meta["programme"]["currency"]
    headline = figures["headline"]

    def money(value):
        return f"{floatformat(Decimal(str(value)), '2g')} {currency}"

    funnel = [
        (_("Received"), headline["applications_received"]),
        (_("Eligible"), headline["applications_eligible"]),
        (_("Funded"), headline["applications_funded"]),
    ]
    money_chart = [
        (_("Requested"), headline["requested"]),
        (_("Awarded"), headline["awarded"]),
        (_("Disbursed"), headline["disbursed"]),
        (_("Co-financing committed"), headline["cofinancing_committed"]),
        (_("Co-financing received"), headline["cofinancing_received"]),
    ]
    people = [(row["label"], row["achieved"]) for row in figures["people"]["by_group"]]
    reports = [(label, figures["reports"][key]) for key, label in report_labels().items()]
    return {
        "figures": figures,
        "meta": meta,
        "title": summary_title(figures),
        "period_start": _date(meta["period"]["start"]),
        "period_end": _date(meta["period"]["end"]),
        "made_at": datetime.datetime.fromisoformat(figures["generated_at"]),
        "exchange_rate": rate_text(Decimal(meta["exchange_rate"])) if meta["exchange_rate"] else "",
        # The long lists are shortened below (the workbook has them whole).
        "tables": {
            key: _table(sheet)
            for key, sheet in sheets.items()
            if key not in {"projects", "highlights"}
        },
        "charts": {
            "funnel": svg_bar_chart(funnel, title=_("Applications"), fmt=format_value),
            "money": svg_bar_chart(money_chart, title=_("Money"), fmt=money),
            "by_oblast": svg_bar_chart(
                [(row["name"], row["awarded"]) for row in figures["by_oblast"]],
                title=_("Awarded by oblast"),
                fmt=money,
            ),
            "by_theme": svg_bar_chart(
                [(row["name"], row["awarded"]) for row in figures["by_theme"]],
                title=_("Awarded by theme"),
                fmt=money,
            ),
            "people": svg_bar_chart(people, title=_("People reached"), fmt=format_value),
            "reports": svg_bar_chart(reports, title=_("Report compliance"), fmt=format_value),
        },
        "oblast_map": _map(figures),
        **_pdf_lists(sheets["projects"], figures),
    }


def _pdf_lists(projects: Sheet, figures: dict) -> dict:
    """The PDF's share of the long lists: the projects by status (all of them, counted),
    the ``PDF_TOP_PROJECTS`` largest by the amount awarded (then by agreement number),
    and the ``PDF_HIGHLIGHTS`` latest highlights, newest first."""
    awarded = PROJECT_AWARDED_COLUMN
    largest = sorted(enumerate(projects.rows), key=lambda pair: (-pair[1][awarded], pair[0]))
    largest = largest[:PDF_TOP_PROJECTS]
    top = Sheet(
        projects.key,
        projects.title,
        projects.columns,
        rows=[row for _index, row in largest],
        numeric=projects.numeric,
    )
    by_state = Sheet(
        "projects_by_state",
        _("Projects by status"),
        [_("Status"), _("Projects")],
        rows=[
            [row["label"], int(row["count"])]
            for row in figures["projects"]["by_state"]
            if row["count"]
        ],
        numeric=frozenset({1}),
    )
    highlights = figures["highlights"]
    return {
        "projects_by_state": _table(by_state),
        "top_projects": _table(top),
        "projects_shown": len(top.rows),
        "projects_total": len(projects.rows),
        "highlights": highlights[::-1][:PDF_HIGHLIGHTS],
        "highlights_total": len(highlights),
    }


def _map(figures: dict) -> dict | None:
    oblast_map = pdf_oblast_map(
        {row["code"]: row["projects"] for row in figures["by_oblast"]},
        title=_("Projects by oblast"),
    )
    if oblast_map is not None:
        for entry in oblast_map["legend"]:
            entry["swatch"] = legend_swatch(entry["fill"])
    return oblast_map


def summary_pdf(*, summary, figures: dict) -> bytes:
    """The PDF (WeasyPrint) with the shared print stylesheet, the map's shading and the
    summary's own layout."""
    from weasyprint import CSS, HTML  # imported here: loading Pango costs start-up time

    html = render_to_string(PDF_TEMPLATE, summary_pdf_context(summary=summary, figures=figures))
    stylesheets = [CSS(filename=finders.find(path)) for path in PDF_STYLESHEETS]
    return HTML(string=html, base_url=None).write_pdf(stylesheets=stylesheets)


def summary_file_name(summary, extension: str) -> str:
    """The stored file's name (the model's upload path puts it under the programme and
    the period's first month)."""
    return f"{summary.period_end:%Y-%m-%d}-summary.{extension}"


def summary_download_name(summary, extension: str) -> str:
    """What the browser saves: ``donor-summary-<programme>-<start>-<end>.<ext>``."""
    slug = slugify(summary.programme.slug) or "programme"
    return (
        f"donor-summary-{slug}-{summary.period_start:%Y-%m-%d}-"
        f"{summary.period_end:%Y-%m-%d}.{extension}"
    )
