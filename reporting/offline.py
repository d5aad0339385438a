"""The report's tables as an Excel workbook, for organisations with a weak connection.

Download: sheets "Indicators" and "Spending" (names fixed so that an upload is read
whatever the language; headers in the reader's language), one row per indicator or
budget line with its id in a hidden first column and the current figures filled in.
The sheets are protected so that only the cells to fill can be typed in (Excel and
LibreOffice honour this; it is a guide, not a security boundary: the upload is checked
in full anyway).

Upload: the file must be an .xlsx by its content; then every row is checked and every
problem reported at once ("Spending, row 4 (Printed materials): not a number"), rows
missing or not of this report included. Nothing is saved unless the whole workbook is
valid; then both tables are saved in one transaction and their section versions bumped
(an open form of those sections is told of the change as a conflict).
"""

import io
import warnings
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter

from grants.files import detect_kind, upload_limit_megabytes
from reporting.enums import ReportSection
from reporting.models import ProgressReport
from reporting.selectors import spending_accepted_before
from reporting.services.reports import (
    DISAGGREGATION,
    ReportLocked,
    indicator_row_errors,
    report_save_tables,
)

INDICATORS_SHEET = "Indicators"
SPENDING_SHEET = "Spending"
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
INPUT_FILL = PatternFill("solid", fgColor="FFF7D6")
UNLOCKED = Protection(locked=False)
CENT = Decimal("0.01")
COMMENT_MAX = 500

# Column positions (1-based) of what is read back.
IND_ID, IND_VALUE, IND_WOMEN, IND_COMMENT = 1, 5, 6, 10
SPEND_ID, SPEND_AMOUNT = 1, 6


class OfflineUploadInvalid(Exception):
    """The workbook cannot be saved; ``errors`` says why, row by row."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


# --- download -------------------------------------------------------------------------


def _plain(value: Decimal | None):
    """A Decimal as Excel stores numbers (whole numbers as int)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral() else float(value)


def _sheet(workbook: Workbook, title: str, headers: list[str], widths: list[int]):
    sheet = workbook.create_sheet(title)
    sheet.append(headers)
    for column, width in enumerate(widths, start=1):
        cell = sheet.cell(row=1, column=column)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.column_dimensions["A"].hidden = True  # the row's id, read back on upload
    sheet.freeze_panes = "C2"
    return sheet


def _open_for_input(cell) -> None:
    cell.protection = UNLOCKED
    cell.fill = INPUT_FILL


def _protect(sheet) -> None:
    sheet.protection.sheet = True
    # Resizing columns and rows stays allowed: it only helps reading on a small screen.
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False


def report_workbook(report: ProgressReport) -> bytes:
    """The report's indicator and spending tables as .xlsx bytes, in the active language."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    progress = {row.indicator_id: row for row in report.indicator_values.all()}
    indicators = _sheet(
        workbook,
        INDICATORS_SHEET,
        [
            "id",
            _("Indicator"),
            _("Unit"),
            _("Target"),
            _("Achieved in the period"),
            _("Women"),
            _("Men"),
            _("Girls"),
            _("Boys"),
            _("Comment"),
        ],
        [8, 36, 12, 10, 14, 9, 9, 9, 9, 40],
    )
    for row_number, indicator in enumerate(report.project.indicators.all(), start=2):
        saved = progress.get(indicator.pk)
        parts = [getattr(saved, name) if saved else None for name in DISAGGREGATION]
        indicators.append(
            [
                indicator.pk,
                indicator.name,
                indicator.unit,
                _plain(indicator.target),
                _plain(saved.value) if saved else None,
                *(parts if indicator.disaggregated else [None] * 4),
                saved.comment if saved else None,
            ]
        )
        _open_for_input(indicators.cell(row=row_number, column=IND_VALUE))
        _open_for_input(indicators.cell(row=row_number, column=IND_COMMENT))
        if indicator.disaggregated:
            for offset in range(4):
                _open_for_input(indicators.cell(row=row_number, column=IND_WOMEN + offset))
    _protect(indicators)

    spent = {row.budget_line_id: row.amount for row in report.spending.all()}
    before = spending_accepted_before(report)
    spending = _sheet(
        workbook,
        SPENDING_SHEET,
        [
            "id",
            _("Category"),
            _("Budget line"),
            _("Budget"),
            _("Spent in earlier accepted reports"),
            _("Spent in the period"),
        ],
        [8, 18, 36, 14, 16, 16],
    )
    for row_number, line in enumerate(report.project.budget_lines.all(), start=2):
        spending.append(
            [
                line.pk,
                line.get_category_display(),
                line.description,
                _plain(line.amount),
                _plain(before.get(line.pk, Decimal("0"))),
                _plain(spent.get(line.pk)),
            ]
        )
        for column in (4, 5, 6):
            spending.cell(row=row_number, column=column).number_format = "#,##0.00"
        _open_for_input(spending.cell(row=row_number, column=SPEND_AMOUNT))
    _protect(spending)

    about = workbook.create_sheet(_("About"))
    about.column_dimensions["A"].width = 100
    for line in [
        f"{report.project.agreement_number} · {report.project.title}",
        f"{report.get_kind_display()} {report.number}: "
        f"{report.period_start:%d.%m.%Y} – {report.period_end:%d.%m.%Y}",
        _(
            "Fill in the yellow cells of the sheets “Indicators” and “Spending”, save the file "
            "and upload it on the report's page. Leave a cell empty if you have no figure yet; "
            "write 0 if there was nothing."
        ),
        _("For people reached, the value must equal women + men + girls + boys."),
        _("Do not add, remove or reorder rows."),
    ]:
        about.append([line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- upload ---------------------------------------------------------------------------------


@dataclass
class _Reader:
    errors: list

    def fail(self, sheet: str, row: int, name: str, problem: str) -> None:
        if name:
            self.errors.append(
                _("%(sheet)s, row %(row)s (%(name)s): %(problem)s")
                % {"sheet": sheet, "row": row, "name": name, "problem": problem}
            )
        else:
            self.errors.append(
                _("%(sheet)s, row %(row)s: %(problem)s")
                % {"sheet": sheet, "row": row, "problem": problem}
            )

    def number(self, raw, *, sheet, row, name, label, whole=False, money=False):
        """A figure from a cell: None when empty, else a non-negative Decimal (or int)."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if isinstance(raw, bool):
            value = None
        elif isinstance(raw, int | float | Decimal):
            value = Decimal(str(raw))
        else:
            text = str(raw).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
            try:
                value = Decimal(text)
            except InvalidOperation:
                value = None
        if value is None or not value.is_finite():
            self.fail(sheet, row, name, _("%(column)s: not a number") % {"column": label})
            return None
        if value < 0:
            self.fail(sheet, row, name, _("%(column)s: cannot be negative") % {"column": label})
            return None
        if whole:
            if value != value.to_integral():
                self.fail(
                    sheet, row, name, _("%(column)s: must be a whole number") % {"column": label}
                )
                return None
            return int(value)
        if value != value.quantize(CENT):
            if money:
                self.fail(
                    sheet,
                    row,
                    name,
                    _("%(column)s: at most 2 decimal places") % {"column": label},
                )
                return None
            value = value.quantize(CENT)
        if value >= Decimal("1e12"):
            self.fail(sheet, row, name, _("%(column)s: too large") % {"column": label})
            return None
        return value.quantize(CENT)


def _row_id(raw):
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def _rows(sheet):
    """(row number, values) of the non-empty rows under the header."""
    for number, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        if any(value is not None and str(value).strip() != "" for value in values):
            yield number, list(values) + [None] * 12


def _read_indicators(reader: _Reader, sheet, report) -> dict:
    known = {indicator.pk: indicator for indicator in report.project.indicators.all()}
    labels = {
        "value": _("Achieved in the period"),
        "women": _("Women"),
        "men": _("Men"),
        "girls": _("Girls"),
        "boys": _("Boys"),
    }
    rows, seen = {}, set()
    for number, values in _rows(sheet):
        indicator = known.get(_row_id(values[IND_ID - 1]))
        if indicator is None:
            reader.fail(
                INDICATORS_SHEET, number, "", _("this row is not one of this report's indicators")
            )
            continue
        if indicator.pk in seen:
            reader.fail(
                INDICATORS_SHEET, number, indicator.name, _("this indicator is listed twice")
            )
            continue
        seen.add(indicator.pk)
        errors_before = len(reader.errors)
        where = {"sheet": INDICATORS_SHEET, "row": number, "name": indicator.name}
        figures = {"value": reader.number(values[IND_VALUE - 1], **where, label=labels["value"])}
        if indicator.disaggregated:
            for offset, name in enumerate(DISAGGREGATION):
                figures[name] = reader.number(
                    values[IND_WOMEN - 1 + offset], **where, label=labels[name], whole=True
                )
        comment = values[IND_COMMENT - 1]
        comment = "" if comment is None else str(comment).strip()
        if len(comment) > COMMENT_MAX:
            reader.fail(
                INDICATORS_SHEET,
                number,
                indicator.name,
                _("the comment is longer than %(max)s characters") % {"max": COMMENT_MAX},
            )
        if len(reader.errors) > errors_before:
            continue
        if indicator.disaggregated:
            parts = [figures[name] for name in DISAGGREGATION]
            if figures["value"] is None and any(part is not None for part in parts):
                figures["value"] = Decimal(sum(part or 0 for part in parts)).quantize(CENT)
            if figures["value"] is not None:
                for name in DISAGGREGATION:
                    figures[name] = figures[name] or 0
                for error in indicator_row_errors(indicator, figures):
                    reader.fail(INDICATORS_SHEET, number, indicator.name, error)
        if figures["value"] is None:
            if comment:
                reader.fail(
                    INDICATORS_SHEET,
                    number,
                    indicator.name,
                    _("a comment without a figure: give the figure (0 if there was none)"),
                )
            rows[indicator.pk] = None
            continue
        rows[indicator.pk] = {**figures, "comment": comment}
    for pk, indicator in known.items():
        if pk not in seen:
            reader.errors.append(
                _("%(sheet)s: the row of “%(name)s” is missing. Download the spreadsheet again.")
                % {"sheet": INDICATORS_SHEET, "name": indicator.name}
            )
    return rows


def _read_spending(reader: _Reader, sheet, report) -> dict:
    known = {line.pk: line for line in report.project.budget_lines.all()}
    rows, seen = {}, set()
    for number, values in _rows(sheet):
        line = known.get(_row_id(values[SPEND_ID - 1]))
        if line is None:
            reader.fail(
                SPENDING_SHEET, number, "", _("this row is not one of this report's budget lines")
            )
            continue
        if line.pk in seen:
            reader.fail(SPENDING_SHEET, number, line.description, _("this line is listed twice"))
            continue
        seen.add(line.pk)
        amount = reader.number(
            values[SPEND_AMOUNT - 1],
            sheet=SPENDING_SHEET,
            row=number,
            name=line.description,
            label=_("Spent in the period"),
            money=True,
        )
        rows[line.pk] = amount
    for pk, line in known.items():
        if pk not in seen:
            reader.errors.append(
                _("%(sheet)s: the row of “%(name)s” is missing. Download the spreadsheet again.")
                % {"sheet": SPENDING_SHEET, "name": line.description}
            )
    return rows


def report_workbook_read(report: ProgressReport, uploaded) -> dict[str, dict]:
    """The tables of an uploaded workbook, checked in full: ``{section: rows}`` as
    ``report_save_tables`` takes them, or ``OfflineUploadInvalid`` listing every problem."""
    name = uploaded.name or _("The file")
    if uploaded.size > settings.UPLOAD_MAX_BYTES:
        raise OfflineUploadInvalid(
            [
                _("“%(name)s” is too large: files may be at most %(limit)s MB.")
                % {"name": name, "limit": upload_limit_megabytes()}
            ]
        )
    if detect_kind(uploaded) != "xlsx":
        raise OfflineUploadInvalid(
            [
                _(
                    "“%(name)s” is not an Excel workbook (.xlsx). Upload the spreadsheet "
                    "downloaded from this report, saved in the .xlsx format."
                )
                % {"name": name}
            ]
        )
    uploaded.seek(0)
    content = io.BytesIO(uploaded.read())
    try:
        with warnings.catch_warnings():
            # Other spreadsheet programs write styles openpyxl warns about; not our business.
            warnings.simplefilter("ignore")
            workbook = load_workbook(content, data_only=True)
    except Exception as error:  # noqa: BLE001 - any unreadable workbook gets one message
        raise OfflineUploadInvalid(
            [_("“%(name)s” could not be read as a spreadsheet.") % {"name": name}]
        ) from error
    reader = _Reader(errors=[])
    tables = {}
    for title, section, read in [
        (INDICATORS_SHEET, ReportSection.INDICATORS, _read_indicators),
        (SPENDING_SHEET, ReportSection.SPENDING, _read_spending),
    ]:
        if title not in workbook.sheetnames:
            reader.errors.append(
                _("The sheet “%(sheet)s” is missing. Download the spreadsheet again.")
                % {"sheet": title}
            )
            continue
        tables[section] = read(reader, workbook[title], report)
    if reader.errors:
        raise OfflineUploadInvalid(reader.errors)
    return tables


def report_offline_import(*, report: ProgressReport, uploaded, by) -> ProgressReport:
    """Read an uploaded workbook and save its tables: all of them, or nothing."""
    tables = report_workbook_read(report, uploaded)
    try:
        return report_save_tables(report=report, by=by, tables=tables)
    except ReportLocked:
        raise
    except ValidationError as error:
        raise OfflineUploadInvalid(error.messages) from error
