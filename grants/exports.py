"""The staff's application list as CSV and XLSX: the filtered rows, every page of them.

Only what describes the project and the organisation goes out: no names, emails or
phone numbers of people. Text that a spreadsheet would take for a formula
(``=``, ``+``, ``-``, ``@``) is neutralised: CSV cells get a leading apostrophe,
XLSX cells are written as plain strings.
"""

import csv
import io
from collections.abc import Iterator
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from accounts.enums import LegalForm
from grants.enums import ApplicationState
from grants.filters import application_oblasts, application_places

CHUNK_SIZE = 500
MONEY_FORMAT = "#,##0.00"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export_header() -> list[str]:
    return [
        _("Reference"),
        _("Title"),
        _("Organisation"),
        _("Legal form"),
        _("Oblast"),
        _("District / locations"),
        _("Theme"),
        _("Budget total"),
        _("Co-financing: local budget"),
        _("Co-financing: other sources"),
        _("Requested amount"),
        _("Currency"),
        _("Beneficiaries: women"),
        _("Beneficiaries: men"),
        _("Beneficiaries: girls"),
        _("Beneficiaries: boys"),
        _("State"),
        _("Submitted at"),
    ]


# Column positions (0-based) of the kinds of value that need a format in XLSX.
MONEY_COLUMNS = {7, 8, 9, 10}
DATETIME_COLUMNS = {17}


def export_row(application) -> list:
    """One application as typed values: str, Decimal, int, naive local datetime or None."""
    submitted_at = application.submitted_at
    if submitted_at is not None:
        # Spreadsheets know no time zones: the local (Asia/Bishkek) wall-clock time.
        submitted_at = timezone.localtime(submitted_at).replace(tzinfo=None)
    return [
        application.reference,
        application.title,
        application.organisation.name,
        str(LegalForm(application.organisation.legal_form).label)
        if application.organisation.legal_form in LegalForm.values
        else application.organisation.legal_form,
        "; ".join(application_oblasts(application)),
        "; ".join(application_places(application)),
        application.theme.name if application.theme else "",
        application.budget_total,
        application.cofinancing_local_budget,
        application.cofinancing_other,
        application.requested_amount,
        application.call.programme.currency,
        application.beneficiaries_women,
        application.beneficiaries_men,
        application.beneficiaries_girls,
        application.beneficiaries_boys,
        str(ApplicationState(application.state).label),
        submitted_at,
    ]


def _rows(queryset) -> Iterator[list]:
    # iterator() with a chunk size keeps memory flat and still runs the prefetches.
    for application in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield export_row(application)


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M")
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value):
        return value


def csv_stream(queryset, *, language: str) -> Iterator[str]:
    """UTF-8 CSV with a byte-order mark, so Excel opens Cyrillic text correctly.

    Streamed after the view has returned, hence the explicit language."""
    writer = csv.writer(_Echo())
    with translation.override(language):
        yield "\ufeff" + writer.writerow(export_header())
        for row in _rows(queryset):
            yield writer.writerow([_csv_text(value) for value in row])


def _xlsx_cell(sheet, value, column: int, *, bold=False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    if bold:
        cell.font = Font(bold=True)
    elif column in MONEY_COLUMNS:
        cell.number_format = MONEY_FORMAT
    elif column in DATETIME_COLUMNS:
        cell.number_format = DATETIME_FORMAT
    return cell


def xlsx_bytes(queryset, *, title: str) -> bytes:
    """An XLSX workbook of one sheet: a bold header row, then one row per application."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.freeze_panes = "A2"
    for column, width in enumerate([14, 40, 32, 20, 20, 36, 28, 14, 14, 14, 14, 9]):
        sheet.column_dimensions[get_column_letter(column + 1)].width = width
    sheet.append(
        [
            _xlsx_cell(sheet, label, column, bold=True)
            for column, label in enumerate(export_header())
        ]
    )
    for row in _rows(queryset):
        sheet.append([_xlsx_cell(sheet, value, column) for column, value in enumerate(row)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    # Excel's limits: at most 31 characters, none of []:*?/\
    for character in "[]:*?/\\":
        title = title.replace(character, " ")
    return title[:31] or "Sheet"
