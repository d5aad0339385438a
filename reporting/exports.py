"""Staff's exports as CSV and XLSX: a call's committee scores, and the projects,
tranches and reports as filtered on their lists (every matching row, not one page).

Each export is a ``Table``: its columns (a header and a kind: text, integer, money,
score, date or date-time) and a function turning one object into typed values. The
writers are those of the applications export (``grants.exports``): a UTF-8 CSV with a
byte-order mark, streamed; an XLSX built in openpyxl's write-only mode; text that a
spreadsheet would take for a formula neutralised in both. In XLSX, figures are numbers
(Decimal, int) with a number format, never text, so that they can be summed.

The scores export names the reviewers: it is for programme staff only, who know the
committee. Nothing here names applicants' people.
"""

import csv
import datetime
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    DecimalField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from grants.enums import Recommendation
from grants.exports import (
    CHUNK_SIZE,
    DATETIME_FORMAT,
    MONEY_FORMAT,
    _csv_text,
    _Echo,
    _sheet_title,
)
from grants.models import Call, Criterion, Score
from grants.ranking import counted_reviews
from projects.enums import ProjectState, TrancheCondition, TrancheState
from projects.models import Tranche
from projects.selectors import project_oblasts, projects_for_list
from reporting.enums import ReportKind, ReportState, ReportStatus
from reporting.models import CofinancingReceipt, ProgressReport, Spending

TEXT, INTEGER, MONEY, SCORE, DATE, DATETIME = "text", "int", "money", "score", "date", "datetime"
SCORE_FORMAT = "0.00"
DATE_FORMAT = "yyyy-mm-dd"
NUMBER_FORMATS = {
    MONEY: MONEY_FORMAT,
    SCORE: SCORE_FORMAT,
    DATE: DATE_FORMAT,
    DATETIME: DATETIME_FORMAT,
}
# Column widths in XLSX by kind (text columns are wider).
WIDTHS = {TEXT: 28, INTEGER: 10, MONEY: 15, SCORE: 10, DATE: 12, DATETIME: 17}

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_MONEY_OUTPUT = DecimalField(max_digits=14, decimal_places=2)


@dataclass
class Column:
    header: str
    kind: str = TEXT


@dataclass
class Table:
    """What one export holds: a sheet title, its columns, its rows as typed values."""

    title: str
    columns: list[Column]
    rows: Iterable[list]


# --- writers ----------------------------------------------------------------------------


def _local(moment: datetime.datetime | None) -> datetime.datetime | None:
    # Spreadsheets know no time zones: the local (Asia/Bishkek) wall-clock time.
    return timezone.localtime(moment).replace(tzinfo=None) if moment is not None else None


def _csv_value(value) -> str:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    return _csv_text(value)


def csv_stream(make_table: Callable[[], Table], *, language: str) -> Iterator[str]:
    """The table as CSV lines, with a byte-order mark so that Excel reads Cyrillic.

    Streamed after the view has returned, hence the explicit language and the table
    made inside the generator (its labels are translated in that language)."""
    writer = csv.writer(_Echo())
    with translation.override(language):
        table = make_table()
        yield "\ufeff" + writer.writerow([column.header for column in table.columns])
        for row in table.rows:
            yield writer.writerow([_csv_value(value) for value in row])


def _cell(sheet, value, kind: str, *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    if bold:
        cell.font = Font(bold=True)
    elif value is not None and kind in NUMBER_FORMATS:
        cell.number_format = NUMBER_FORMATS[kind]
    return cell


def xlsx_bytes(table: Table) -> bytes:
    """A workbook of one sheet: a bold, frozen header row, then one row per object."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(table.title))
    sheet.freeze_panes = "A2"
    for index, column in enumerate(table.columns):
        sheet.column_dimensions[get_column_letter(index + 1)].width = WIDTHS[column.kind]
    sheet.append([_cell(sheet, column.header, TEXT, bold=True) for column in table.columns])
    kinds = [column.kind for column in table.columns]
    for row in table.rows:
        sheet.append([_cell(sheet, value, kind) for value, kind in zip(row, kinds, strict=True)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _label(choices, value: str) -> str:
    return str(dict(choices.choices).get(value, value))


# --- a call's committee scores ----------------------------------------------------------


def score_reviews(call: Call) -> QuerySet:
    """The reviews that count in the ranking (submitted, by members without a conflict,
    on ranked applications), with their scores, in reference and reviewer order."""
    return (
        counted_reviews(call)
        .select_related("application__organisation", "member__user")
        .prefetch_related(Prefetch("scores", queryset=Score.objects.order_by("criterion_id")))
        .order_by("application__sequence", "application__pk", "member__user__full_name", "pk")
    )


def scores_table(call: Call) -> Table:
    """One row per counted review: the application, the reviewer, the points per
    criterion (rubric order), the weighted total and the recommendation."""
    criteria = list(Criterion.objects.filter(call=call).order_by("order", "pk"))
    columns = [
        Column(_("Reference")),
        Column(_("Title")),
        Column(_("Organisation")),
        Column(_("Reviewer")),
        *[Column(criterion.name, INTEGER) for criterion in criteria],
        Column(_("Weighted total"), SCORE),
        Column(_("Recommendation")),
        Column(_("Submitted at"), DATETIME),
    ]

    def rows():
        for review in score_reviews(call).iterator(chunk_size=CHUNK_SIZE):
            points = {score.criterion_id: score.points for score in review.scores.all()}
            application = review.application
            yield [
                application.reference,
                application.title,
                application.organisation.name,
                review.member.user.full_name or review.member.user.email,
                *[points.get(criterion.pk) for criterion in criteria],
                review.total,
                _label(Recommendation, review.recommendation) if review.recommendation else "",
                _local(review.submitted_at),
            ]

    return Table(title=_("Scores"), columns=columns, rows=rows())


# --- projects ---------------------------------------------------------------------------


def export_projects(queryset: QuerySet) -> QuerySet:
    """The list's rows with the theme joined as well."""
    return projects_for_list(queryset).select_related("application__theme")


def projects_table(queryset: QuerySet) -> Table:
    columns = [
        Column(_("Agreement number")),
        Column(_("Application reference")),
        Column(_("Title")),
        Column(_("Organisation")),
        Column(_("Call")),
        Column(_("Theme")),
        Column(_("Oblast")),
        Column(_("Locations")),
        Column(_("State")),
        Column(_("Starts on"), DATE),
        Column(_("Ends on"), DATE),
        Column(_("Amount awarded"), MONEY),
        Column(_("Paid so far"), MONEY),
        Column(_("Currency")),
        Column(_("Planned: women"), INTEGER),
        Column(_("Planned: men"), INTEGER),
        Column(_("Planned: girls"), INTEGER),
        Column(_("Planned: boys"), INTEGER),
    ]

    def rows():
        for project in export_projects(queryset).iterator(chunk_size=CHUNK_SIZE):
            application = project.application
            yield [
                project.agreement_number,
                application.reference,
                project.title,
                project.organisation.name,
                application.call.title,
                application.theme.name if application.theme else "",
                "; ".join(project_oblasts(project)),
                "; ".join(location.region.name for location in project.locations.all()),
                _label(ProjectState, project.state),
                project.starts_on,
                project.ends_on,
                project.amount_awarded,
                project.paid_total,
                application.call.programme.currency,
                project.planned_women,
                project.planned_men,
                project.planned_girls,
                project.planned_boys,
            ]

    return Table(title=_("Projects"), columns=columns, rows=rows())


# --- tranches ---------------------------------------------------------------------------


def export_tranches(queryset: QuerySet) -> QuerySet:
    return queryset.select_related(
        "project__organisation", "project__application__call__programme"
    ).order_by("project__agreement_number", "project__pk", "order")


def tranches_table(queryset: QuerySet) -> Table:
    columns = [
        Column(_("Agreement number")),
        Column(_("Project")),
        Column(_("Organisation")),
        Column(_("Tranche")),
        Column(_("Amount"), MONEY),
        Column(_("Currency")),
        Column(_("Released")),
        Column(_("Report number"), INTEGER),
        Column(_("State")),
        Column(_("Planned for"), DATE),
        Column(_("Ready for payment since"), DATETIME),
        Column(_("Paid on"), DATE),
        Column(_("Amount paid"), MONEY),
        Column(_("Payment reference")),
    ]

    def rows():
        for tranche in export_tranches(queryset).iterator(chunk_size=CHUNK_SIZE):
            project = tranche.project
            yield [
                project.agreement_number,
                project.title,
                project.organisation.name,
                tranche.order,
                tranche.amount,
                project.application.call.programme.currency,
                _label(TrancheCondition, tranche.condition),
                tranche.report_number,
                _label(TrancheState, tranche.state),
                tranche.planned_on,
                _local(tranche.ready_at),
                tranche.paid_on,
                tranche.paid_amount,
                tranche.payment_reference,
            ]

    return Table(title=_("Tranches"), columns=columns, rows=rows())


def tranches_of(projects: QuerySet) -> QuerySet[Tranche]:
    """The tranches of the given (filtered) projects."""
    return Tranche.objects.filter(project__in=projects.values("pk"))


# --- reports ----------------------------------------------------------------------------


def _per_report_sum(model) -> Coalesce:
    total = (
        model.objects.filter(report=OuterRef("pk"))
        .order_by()
        .values("report")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(total), Value(Decimal("0.00")), output_field=_MONEY_OUTPUT)


def export_reports(queryset: QuerySet[ProgressReport]) -> QuerySet[ProgressReport]:
    """The list's rows with the money each report declares, summed in the database."""
    return queryset.annotate(
        spent_total=_per_report_sum(Spending),
        received_total=_per_report_sum(CofinancingReceipt),
    )


def reports_table(queryset: QuerySet[ProgressReport]) -> Table:
    columns = [
        Column(_("Agreement number")),
        Column(_("Project")),
        Column(_("Organisation")),
        Column(_("Report")),
        Column(_("Number"), INTEGER),
        Column(_("Period from"), DATE),
        Column(_("Period to"), DATE),
        Column(_("Due on"), DATE),
        Column(_("Status")),
        Column(_("Submitted at"), DATETIME),
        Column(_("Accepted at"), DATETIME),
        Column(_("Spent in the period"), MONEY),
        Column(_("Co-financing received in the period"), MONEY),
        Column(_("Currency")),
    ]
    today = timezone.localdate()

    def rows():
        for report in export_reports(queryset).iterator(chunk_size=CHUNK_SIZE):
            project = report.project
            yield [
                project.agreement_number,
                project.title,
                project.organisation.name,
                _label(ReportKind, report.kind),
                report.number,
                report.period_start,
                report.period_end,
                report.due_on,
                _label(ReportStatus, report.status(today)),
                _local(report.submitted_at),
                _local(report.accepted_at) if report.state == ReportState.ACCEPTED else None,
                report.spent_total,
                report.received_total,
                project.application.call.programme.currency,
            ]

    return Table(title=_("Reports"), columns=columns, rows=rows())
