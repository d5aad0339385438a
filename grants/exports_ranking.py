"""The ranking as an XLSX workbook for the meeting file, and the context of the
committee's record of decisions (PDF).

Figures are written as numbers (Decimal), never as text, so that the spreadsheet can
sum and sort them; text that a spreadsheet would take for a formula stays text.
"""

import io

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from grants.enums import DecisionOutcome
from grants.ranking import Ranking

MONEY_FORMAT = "#,##0.00"
SCORE_FORMAT = "0.00"


def _append(sheet, values, formats=None, *, bold=False) -> None:
    """Append a row; ``formats`` maps 0-based columns to number formats."""
    sheet.append(values)
    if not values:
        return
    row = sheet.max_row
    for column, value in enumerate(values):
        cell = sheet.cell(row=row, column=column + 1)
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula, whatever the text starts with
        number_format = (formats or {}).get(column)
        if number_format and value is not None:
            cell.number_format = number_format
        if bold:
            cell.font = Font(bold=True)


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def ranking_header() -> list[str]:
    return [
        _("Rank"),
        _("Reference"),
        _("Title"),
        _("Organisation"),
        _("Oblast"),
        _("Requested amount"),
        _("Mean of totals"),
        _("Normalised score"),
        _("Minimum"),
        _("Maximum"),
        _("Standard deviation"),
        _("Reviews"),
        _("Disagreement"),
        _("Funding line"),
        _("Moved by staff"),
        _("Reason for the move"),
        _("Decision"),
        _("Amount awarded"),
        _("Conditions or reason"),
    ]


RANKING_FORMATS = {
    5: MONEY_FORMAT,
    6: SCORE_FORMAT,
    7: SCORE_FORMAT,
    8: SCORE_FORMAT,
    9: SCORE_FORMAT,
    10: SCORE_FORMAT,
    17: MONEY_FORMAT,
}


def ranking_row_values(row) -> list:
    override, decision = row.override, row.decision
    return [
        row.rank,
        row.application.reference,
        row.application.title,
        row.application.organisation.name,
        row.oblast.name if row.oblast else "",
        row.application.requested_amount,
        row.mean,
        row.normalised,
        row.minimum,
        row.maximum,
        row.sd,
        row.count,
        _yes_no(row.disagreement),
        str(row.status_label),
        (_("above the line") if override.include else _("below the line")) if override else "",
        override.reason if override else "",
        decision.get_outcome_display() if decision else "",
        decision.amount if decision else None,
        (decision.conditions or decision.reason) if decision else "",
    ]


def ranking_xlsx(ranking: Ranking) -> bytes:
    """Three sheets: the ranking, the per-criterion means, the settings and funding line."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Ranking")[:31]
    sheet.freeze_panes = "C2"
    _append(sheet, ranking_header(), bold=True)
    for row in ranking.rows:
        _append(sheet, ranking_row_values(row), RANKING_FORMATS)

    criteria_sheet = workbook.create_sheet(_("Criteria")[:31])
    _append(
        criteria_sheet,
        [_("Rank"), _("Reference"), *[criterion.name for criterion in ranking.criteria]],
        bold=True,
    )
    criteria_formats = dict.fromkeys(range(2, 2 + len(ranking.criteria)), SCORE_FORMAT)
    for row in ranking.rows:
        _append(
            criteria_sheet,
            [row.rank, row.application.reference, *row.criterion_means],
            criteria_formats,
        )
    _append(criteria_sheet, [])
    _append(criteria_sheet, [_("Criterion"), _("Weight (%)"), _("Maximum points")], bold=True)
    for criterion in ranking.criteria:
        _append(criteria_sheet, [criterion.name, criterion.weight, criterion.max_points])

    summary = workbook.create_sheet(_("Settings and line")[:31])
    review_settings, line = ranking.settings, ranking.line
    currency = ranking.call.programme.currency
    rows = [
        (_("Call"), ranking.call.title, None),
        (_("Exported at"), timezone.localtime().replace(tzinfo=None), "yyyy-mm-dd hh:mm"),
        (_("Ranking uses"), str(ranking.method_label), None),
        (_("Pass mark"), review_settings.pass_mark, SCORE_FORMAT),
        (_("Disagreement threshold"), review_settings.disagreement_threshold, SCORE_FORMAT),
        (_("Grants per oblast at most"), review_settings.oblast_cap, None),
        (_("Currency"), currency, None),
        (_("Total budget"), line.budget, MONEY_FORMAT),
        (_("Above the line"), line.committed, MONEY_FORMAT),
        (_("Remaining budget"), line.remaining, MONEY_FORMAT),
        (_("Applications above the line"), len(line.funded), None),
    ]
    for label, value, number_format in rows:
        _append(summary, [label, value], {1: number_format} if number_format else None)
    _append(summary, [])
    _append(summary, [_("Oblast"), _("Grants above the line")], bold=True)
    for oblast, count in ranking.oblast_counts:
        _append(summary, [oblast.name if oblast else _("Unknown"), count])
    for worksheet, widths in (
        (sheet, {"A": 6, "B": 14, "C": 40, "D": 30, "E": 20}),
        (criteria_sheet, {"A": 6, "B": 14}),
        (summary, {"A": 32, "B": 30}),
    ):
        for column, width in widths.items():
            worksheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def decisions_record_context(ranking: Ranking) -> dict:
    """What the committee's record of decisions shows, beyond the ranking itself."""
    call = ranking.call
    decided = [row for row in ranking.rows if row.decision is not None]
    totals = call.applications.filter(decision__isnull=False).aggregate(
        approved=Count("pk", filter=Q(decision__outcome=DecisionOutcome.APPROVE)),
        approved_amount=Sum(
            "decision__amount", filter=Q(decision__outcome=DecisionOutcome.APPROVE)
        ),
        waitlisted=Count("pk", filter=Q(decision__outcome=DecisionOutcome.WAITLIST)),
        rejected=Count("pk", filter=Q(decision__outcome=DecisionOutcome.REJECT)),
    )
    return {
        "ranking": ranking,
        "call": call,
        "currency": call.programme.currency,
        "members": list(
            call.committee.select_related("user").order_by("-is_chair", "user__full_name")
        ),
        "overrides": [row for row in ranking.rows if row.override is not None],
        "decided": sorted(decided, key=lambda row: row.decision.at),
        "totals": totals,
        "printed_at": timezone.now(),
    }
