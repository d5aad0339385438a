"""The staff's application list as CSV and XLSX: the filtered rows, every page of them.

Only what describes the project and the organisation goes out: no names, emails or
phone numbers of people. Text that a spreadsheet would take for a formula
(``=``, ``+``, ``-``, ``@``) is neutralised: CSV cells get a leading apostrophe,
XLSX cells are written as plain strings.

Both formats read the rows as plain values in chunks (``.values().iterator()``), the
locations of each batch of rows in one more query, and the names of regions and themes
once per id: memory stays flat and the queries grow by one per ``LOCATION_BATCH`` rows,
never per row. The XLSX workbook is written row by row (openpyxl's write-only mode) to
a temporary file, which the view streams (``xlsx_file``).
"""

import csv
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from itertools import islice

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from accounts.enums import LegalForm
from grants.enums import ApplicationState
from grants.models import ApplicationLocation, Theme
from regions.models import Region

CHUNK_SIZE = 500
# Rows whose locations are read in one query.
LOCATION_BATCH = 2000
# A finished workbook up to this size stays in memory; a larger one goes to disk.
XLSX_SPOOL_BYTES = 4 * 1024 * 1024
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


# What a row reads from the application and its joins (call, programme, organisation).
EXPORT_VALUES = (
    "pk",
    "reference",
    "title",
    "organisation__name",
    "organisation__legal_form",
    "theme_id",
    "budget_total",
    "cofinancing_local_budget",
    "cofinancing_other",
    "requested_amount",
    "call__programme__currency",
    "beneficiaries_women",
    "beneficiaries_men",
    "beneficiaries_girls",
    "beneficiaries_boys",
    "state",
    "submitted_at",
)


class _Names:
    """The names of regions and themes in the active language, each read once: at most
    as many as the classifier has units and the programmes have themes, however many
    rows are exported."""

    def __init__(self):
        # region id -> (its name, the district it lies in or None, its oblast's name)
        self.regions: dict[int, tuple[str, str | None, str]] = {}
        self.themes: dict[int, str] = {}

    def read_regions(self, ids) -> None:
        missing = set(ids) - self.regions.keys()
        if not missing:
            return
        for region in Region.objects.filter(pk__in=missing).select_related("parent", "oblast"):
            parent = region.parent
            district = parent.name if parent is not None and parent.pk != region.oblast_id else None
            self.regions[region.pk] = (region.name, district, (region.oblast or region).name)

    def read_themes(self, ids) -> None:
        missing = {pk for pk in ids if pk is not None} - self.themes.keys()
        if missing:
            self.themes.update(
                (theme.pk, theme.name) for theme in Theme.objects.filter(pk__in=missing)
            )


def _locations(application_ids, names: _Names) -> dict[int, list[int]]:
    """{application id: its region ids in code order} for a batch of applications."""
    locations: dict[int, list[int]] = {}
    for application_id, region_id in (
        ApplicationLocation.objects.filter(application_id__in=application_ids)
        .order_by("region__code", "pk")
        .values_list("application_id", "region_id")
    ):
        locations.setdefault(application_id, []).append(region_id)
    names.read_regions({region for regions in locations.values() for region in regions})
    return locations


def export_row(application: dict, region_ids: list[int], names: _Names) -> list:
    """One application (its ``EXPORT_VALUES``) as typed values: str, Decimal, int,
    naive local datetime or None."""
    submitted_at = application["submitted_at"]
    if submitted_at is not None:
        # Spreadsheets know no time zones: the local (Asia/Bishkek) wall-clock time.
        submitted_at = timezone.localtime(submitted_at).replace(tzinfo=None)
    oblasts, places = [], []
    for region_id in region_ids:
        name, district, oblast = names.regions[region_id]
        if oblast not in oblasts:
            oblasts.append(oblast)
        places.append(f"{name}, {district}" if district is not None else name)
    legal_form = application["organisation__legal_form"]
    theme_id = application["theme_id"]
    return [
        application["reference"],
        application["title"],
        application["organisation__name"],
        str(LegalForm(legal_form).label) if legal_form in LegalForm.values else legal_form,
        "; ".join(oblasts),
        "; ".join(places),
        names.themes.get(theme_id, "") if theme_id is not None else "",
        application["budget_total"],
        application["cofinancing_local_budget"],
        application["cofinancing_other"],
        application["requested_amount"],
        application["call__programme__currency"],
        application["beneficiaries_women"],
        application["beneficiaries_men"],
        application["beneficiaries_girls"],
        application["beneficiaries_boys"],
        str(ApplicationState(application["state"]).label),
        submitted_at,
    ]


def _rows(queryset) -> Iterator[list]:
    """The queryset's rows in its order: plain values read in chunks, the locations of
    each batch of rows in one query (see the module docstring)."""
    names = _Names()
    values = queryset.prefetch_related(None).values(*EXPORT_VALUES).iterator(chunk_size=CHUNK_SIZE)
    while batch := list(islice(values, LOCATION_BATCH)):
        locations = _locations([application["pk"] for application in batch], names)
        names.read_themes({application["theme_id"] for application in batch})
        for application in batch:
            yield export_row(application, locations.get(application["pk"], []), names)


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


def xlsx_file(queryset, *, title: str):
    """An XLSX workbook of one sheet (a bold header row, then one row per application),
    written row by row to a temporary file: the file, rewound, for the view to stream
    (closing it deletes it)."""
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
    output = tempfile.SpooledTemporaryFile(max_size=XLSX_SPOOL_BYTES)  # noqa: SIM115 - the response closes it
    try:
        workbook.save(output)
    except BaseException:
        output.close()
        raise
    output.seek(0)
    return output


def _sheet_title(title: str) -> str:
    # Excel's limits: at most 31 characters, none of []:*?/\
    for character in "[]:*?/\\":
        title = title.replace(character, " ")
    return title[:31] or "Sheet"
