"""Writes of a progress report: its sections and files (the organisation), submission,
and staff's review (return with comments, accept).

Saving is optimistic, as in applications (``grants.services.applications``):
``ProgressReport.section_versions`` counts the saves of each section and a form carries
the version it was loaded with; a stale save raises ``SectionConflict`` and changes
nothing. Only pending and returned reports can change; an accepted one is locked.

``report_set_state`` is the only place a report's ``state`` changes.
"""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from grants.files import check_upload
from grants.rules import is_programme_staff
from grants.services.applications import (
    SAVED_KEY,
    Problem,
    SectionConflict,
    section_last_saved,
    section_version,
)
from grants.services.states import StaleStateError, transition_record
from projects.models import Cofinancing, Indicator, ProjectBudgetLine
from reporting.enums import REPORT_TRANSITIONS, ReportSection, ReportState
from reporting.models import (
    CofinancingReceipt,
    IndicatorProgress,
    ProgressReport,
    ReportFile,
    Spending,
)
from reporting.rules import can_edit_report, submission_is_open, submission_opens_on

__all__ = [
    "SECTIONS",
    "NARRATIVE_FIELDS",
    "DISAGGREGATION",
    "ReportLocked",
    "SectionConflict",
    "SubmissionRefused",
    "StaleStateError",
    "section_version",
    "section_last_saved",
    "report_set_state",
    "report_save_section",
    "report_save_tables",
    "report_file_add",
    "report_file_delete",
    "report_problems",
    "report_submit",
    "report_return",
    "report_accept",
    "indicator_row_errors",
]

SECTIONS = list(ReportSection.choices)
SECTION_TITLES = dict(SECTIONS)
NARRATIVE_FIELDS = ["achievements", "challenges", "lessons", "next_steps"]
DISAGGREGATION = ["women", "men", "girls", "boys"]
# The sections saved through report_save_section; files have their own services.
ROW_SECTIONS = {ReportSection.INDICATORS, ReportSection.SPENDING, ReportSection.COFINANCING}


class ReportLocked(ValidationError):
    """The report is submitted or accepted: nobody may change it now."""


class SubmissionRefused(ValidationError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__([problem.message for problem in problems])


def _locked_message(state: str) -> str:
    if state == ReportState.ACCEPTED:
        return _("This report has been accepted and can no longer be changed.")
    return _("This report has been submitted and can no longer be changed.")


# --- state ---------------------------------------------------------------------------


def _state_label(state: str) -> str:
    return str(dict(ReportState.choices).get(state, state))


@transaction.atomic
def report_set_state(
    *,
    report: ProgressReport,
    to_state: str,
    by,
    reason: str = "",
    expected_state: str | None = None,
    extra_fields: dict | None = None,
) -> ProgressReport:
    """Move a report along pending -> submitted -> returned | accepted (returned ->
    submitted again): lock the row, check the move, save, record it on the timeline."""
    locked = ProgressReport.objects.select_for_update().get(pk=report.pk)
    current = locked.state
    if expected_state is not None and current != expected_state:
        raise StaleStateError(
            _("Someone else changed this a moment ago: it is now “%(state)s”. Please reload.")
            % {"state": _state_label(current)}
        )
    if to_state not in REPORT_TRANSITIONS.get(current, []):
        raise ValidationError(
            _("This cannot be done now (from “%(from)s” to “%(to)s”).")
            % {"from": _state_label(current), "to": _state_label(to_state)}
        )
    locked.state = to_state
    fields = ["state", "updated_at"]
    for name, value in (extra_fields or {}).items():
        setattr(locked, name, value)
        fields.append(name)
    locked.save(update_fields=fields)
    transition_record(subject=locked, from_state=current, to_state=to_state, by=by, reason=reason)
    locked.project = report.project
    return locked


# --- sections --------------------------------------------------------------------------


def _lock_for_edit(report: ProgressReport, by) -> ProgressReport:
    # Only the report's row is locked: other reports are saved in parallel.
    locked = ProgressReport.objects.select_for_update().get(pk=report.pk)
    locked.project = report.project  # keep the caller's prefetched members and rows
    if locked.state not in ReportState.editable():
        raise ReportLocked(_locked_message(locked.state))
    if not can_edit_report(by, locked):
        raise PermissionDenied
    return locked


def _mark_saved(report: ProgressReport, section: str, by) -> None:
    versions = dict(report.section_versions)
    versions[section] = section_version(report, section) + 1
    saved = dict(versions.get(SAVED_KEY, {}))
    saved[section] = {"by": by.pk if by else None, "at": timezone.now().isoformat()}
    versions[SAVED_KEY] = saved
    report.section_versions = versions


def _check_version(report: ProgressReport, section: str, base_version: int, by) -> None:
    current = section_version(report, section)
    if base_version != current:
        saved_by_id, saved_at = section_last_saved(report, section)
        saved_by = get_user_model().objects.filter(pk=saved_by_id).first() if saved_by_id else None
        raise SectionConflict(
            section=section, version=current, saved_by=saved_by, saved_at=saved_at, by=by
        )


def indicator_row_errors(indicator: Indicator, values: dict) -> list[str]:
    """What is wrong with one indicator's figures: the split must add up to the value."""
    if not indicator.disaggregated or values.get("value") is None:
        return []
    parts = [values.get(name) or 0 for name in DISAGGREGATION]
    total = sum(parts)
    if Decimal(total) != Decimal(values["value"]):
        return [
            _(
                "The value (%(value)s) must equal women + men + girls + boys "
                "(%(women)s + %(men)s + %(girls)s + %(boys)s = %(total)s)."
            )
            % {
                "value": _number(values["value"]),
                "women": parts[0],
                "men": parts[1],
                "girls": parts[2],
                "boys": parts[3],
                "total": total,
            }
        ]
    return []


def _number(value) -> str:
    value = Decimal(value)
    return f"{value:f}" if value != value.to_integral() else f"{value.to_integral():f}"


def _save_indicators(report: ProgressReport, rows: dict) -> None:
    indicators = {
        indicator.pk: indicator for indicator in Indicator.objects.filter(project=report.project_id)
    }
    for indicator_id, values in rows.items():
        indicator = indicators.get(int(indicator_id))
        if indicator is None:
            raise ValidationError(_("This indicator is not one of the project's."))
        if values is None:
            IndicatorProgress.objects.filter(report=report, indicator=indicator).delete()
            continue
        errors = indicator_row_errors(indicator, values)
        if errors:
            raise ValidationError(f"{indicator.name}: {errors[0]}")
        defaults = {
            "value": values["value"],
            "comment": values.get("comment") or "",
            **{
                name: (values.get(name) or 0) if indicator.disaggregated else None
                for name in DISAGGREGATION
            },
        }
        row = IndicatorProgress(report=report, indicator=indicator, **defaults)
        row.full_clean(exclude=["report", "indicator"], validate_unique=False)
        IndicatorProgress.objects.update_or_create(
            report=report, indicator=indicator, defaults=defaults
        )


def _save_amounts(report: ProgressReport, rows: dict, *, model, key: str, parents) -> None:
    """Spending per budget line or co-financing per source: one amount per parent row."""
    known = set(parents.filter(project=report.project_id).values_list("pk", flat=True))
    for parent_id, amount in rows.items():
        if int(parent_id) not in known:
            raise ValidationError(_("This row is not one of the project's."))
        lookup = {"report": report, f"{key}_id": int(parent_id)}
        if amount is None:
            model.objects.filter(**lookup).delete()
            continue
        if amount < 0:
            raise ValidationError(_("Amounts cannot be negative."))
        row = model(**lookup, amount=amount)
        row.full_clean(exclude=["report", key], validate_unique=False)
        model.objects.update_or_create(**lookup, defaults={"amount": amount})


def _save_rows(report: ProgressReport, section: str, rows: dict) -> None:
    if section == ReportSection.INDICATORS:
        _save_indicators(report, rows)
    elif section == ReportSection.SPENDING:
        _save_amounts(
            report, rows, model=Spending, key="budget_line", parents=ProjectBudgetLine.objects
        )
    elif section == ReportSection.COFINANCING:
        _save_amounts(
            report,
            rows,
            model=CofinancingReceipt,
            key="cofinancing",
            parents=Cofinancing.objects,
        )


@transaction.atomic
def report_save_section(
    *,
    report: ProgressReport,
    section: str,
    by,
    base_version: int,
    fields: dict | None = None,
    rows: dict | None = None,
) -> ProgressReport:
    """Save one section of a pending or returned report.

    ``fields``: the narrative's texts. ``rows``: for the table sections, a mapping of
    the parent row's id (indicator, budget line, co-financing source) to its figures
    (``{"value", "women", "men", "girls", "boys", "comment"}`` for an indicator, a
    ``Decimal`` for an amount), or ``None`` to clear that row; rows not named are left
    as they are. Raises ``SectionConflict`` (changing nothing) when someone saved the
    section after ``base_version`` was read; ``ReportLocked`` once it is submitted.
    """
    if section != ReportSection.NARRATIVE and section not in ROW_SECTIONS:
        raise ValueError(f"Unknown section {section!r}")
    locked = _lock_for_edit(report, by)
    _check_version(locked, section, base_version, by)
    update_fields = []
    if section == ReportSection.NARRATIVE:
        for name, value in (fields or {}).items():
            if name not in NARRATIVE_FIELDS:
                raise ValueError(f"{name} is not a field of the narrative")
            setattr(locked, name, value or "")
            update_fields.append(name)
        others = [
            f.name for f in ProgressReport._meta.concrete_fields if f.name not in update_fields
        ]
        locked.full_clean(exclude=others, validate_unique=False, validate_constraints=False)
    else:
        _save_rows(locked, section, rows or {})
    _mark_saved(locked, section, by)
    locked.save(update_fields=[*update_fields, "section_versions", "updated_at"])
    return locked


@transaction.atomic
def report_save_tables(*, report: ProgressReport, by, tables: dict[str, dict]) -> ProgressReport:
    """Save several table sections at once, whatever their versions (the offline
    workbook replaces its tables as a whole): all of them or, on any error, none."""
    locked = _lock_for_edit(report, by)
    for section, rows in tables.items():
        if section not in ROW_SECTIONS:
            raise ValueError(f"Unknown section {section!r}")
        _save_rows(locked, section, rows)
        _mark_saved(locked, section, by)
    locked.save(update_fields=["section_versions", "updated_at"])
    return locked


# --- files --------------------------------------------------------------------------------


@transaction.atomic
def report_file_add(*, report: ProgressReport, uploaded, by, caption: str = "") -> ReportFile:
    """Check one photo or document (type by content, size) and store it with its caption."""
    locked = _lock_for_edit(report, by)
    checked = check_upload(uploaded)
    stored = ReportFile(
        report=locked,
        original_name=(uploaded.name or "")[:255],
        content_type=checked.content_type,
        size=checked.size,
        caption=(caption or "").strip(),
        uploaded_by=by,
    )
    stored.file.save(uploaded.name or "upload", checked.content, save=False)
    try:
        stored.full_clean()
        stored.save()
        _mark_saved(locked, ReportSection.FILES, by)
        locked.save(update_fields=["section_versions", "updated_at"])
    except Exception:
        stored.file.storage.delete(stored.file.name)  # no file on disk without its row
        raise
    return stored


@transaction.atomic
def report_file_delete(*, report_file: ReportFile, by) -> None:
    locked = _lock_for_edit(report_file.report, by)
    name, storage = report_file.file.name, report_file.file.storage
    report_file.delete()
    _mark_saved(locked, ReportSection.FILES, by)
    locked.save(update_fields=["section_versions", "updated_at"])
    transaction.on_commit(lambda: storage.delete(name))


# --- submission ------------------------------------------------------------------------------


def report_problems(report: ProgressReport, *, today=None) -> list[Problem]:
    """Every reason the report cannot be submitted yet, each pointing at its section.

    Reads the report's rows and the project's indicators and budget lines through
    ``.all()``, so a page that prefetched them (``report_with_everything``) pays nothing.
    """
    problems: list[Problem] = []

    def need(section, field, message):
        problems.append(Problem(section, field, str(message)))

    if not submission_is_open(report, today):
        need(
            "",
            "",
            _("This report can be submitted from %(date)s, the last month of its period.")
            % {"date": formats.date_format(submission_opens_on(report), "j F Y")},
        )
    for name in NARRATIVE_FIELDS:
        if not (getattr(report, name) or "").strip():
            label = str(ProgressReport._meta.get_field(name).verbose_name).capitalize()
            need(
                ReportSection.NARRATIVE, name, _("%(field)s: write a few lines.") % {"field": label}
            )

    given = {row.indicator_id: row for row in report.indicator_values.all()}
    for indicator in report.project.indicators.all():
        row = given.get(indicator.pk)
        if row is None:
            need(
                ReportSection.INDICATORS,
                f"indicator-{indicator.pk}-value",
                _("Give the progress on “%(indicator)s” (0 if there was none).")
                % {"indicator": indicator.name},
            )
            continue
        values = {"value": row.value, **{name: getattr(row, name) for name in DISAGGREGATION}}
        for error in indicator_row_errors(indicator, values):
            need(
                ReportSection.INDICATORS,
                f"indicator-{indicator.pk}-value",
                f"{indicator.name}: {error}",
            )

    spent = {row.budget_line_id for row in report.spending.all()}
    for line in report.project.budget_lines.all():
        if line.pk not in spent:
            need(
                ReportSection.SPENDING,
                f"line-{line.pk}-amount",
                _("Give the spending on “%(line)s” (0 if nothing was spent).")
                % {"line": line.description},
            )
    order = {slug: position for position, (slug, _title) in enumerate(SECTIONS)}
    return sorted(problems, key=lambda problem: order.get(problem.section, -1))


@transaction.atomic
def report_submit(*, report: ProgressReport, by) -> ProgressReport:
    """Submit a complete pending or returned report; staff are told by mail."""
    from reporting.selectors import report_with_everything

    locked = ProgressReport.objects.select_for_update().get(pk=report.pk)
    if locked.state not in ReportState.editable():
        raise ReportLocked(_locked_message(locked.state))
    current = report_with_everything(
        ProgressReport.objects.select_related("project__organisation").prefetch_related(
            "project__organisation__memberships"
        )
    ).get(pk=locked.pk)
    if not can_edit_report(by, current):
        raise PermissionDenied
    problems = report_problems(current)
    if problems:
        raise SubmissionRefused(problems)
    submitted = report_set_state(
        report=current,
        to_state=ReportState.SUBMITTED,
        by=by,
        expected_state=current.state,
        extra_fields={"submitted_at": timezone.now(), "submitted_by": by},
    )
    from reporting.tasks import report_submitted_notify

    # Into the mail outbox, with the submission: a broker outage loses no notification.
    report_submitted_notify(report_id=submitted.pk)
    return submitted


# --- review ----------------------------------------------------------------------------------


def _require_staff(user) -> None:
    if not is_programme_staff(user):
        raise PermissionDenied


@transaction.atomic
def report_return(*, report: ProgressReport, by, comments: dict[str, str]) -> ProgressReport:
    """Return a submitted report for changes, with staff's comments by section."""
    _require_staff(by)
    cleaned = {}
    for section, text in (comments or {}).items():
        if section not in SECTION_TITLES:
            raise ValueError(f"Unknown section {section!r}")
        if (text or "").strip():
            cleaned[section] = text.strip()
    if not cleaned:
        raise ValidationError(
            _("Write at least one comment: tell the organisation what to change.")
        )
    reason = "\n".join(f"{SECTION_TITLES[section]}: {text}" for section, text in cleaned.items())
    returned = report_set_state(
        report=report,
        to_state=ReportState.RETURNED,
        by=by,
        reason=reason,
        expected_state=ReportState.SUBMITTED,
        extra_fields={"return_comments": cleaned},
    )
    from reporting.tasks import report_returned_notify

    report_returned_notify(report_id=returned.pk)  # into the mail outbox, with the return
    return returned


@transaction.atomic
def report_accept(*, report: ProgressReport, by) -> ProgressReport:
    """Accept a submitted report: it is locked, its figures count in the project's totals,
    and the tranche it releases becomes ready for payment, all in one transaction."""
    _require_staff(by)
    accepted = report_set_state(
        report=report,
        to_state=ReportState.ACCEPTED,
        by=by,
        expected_state=ReportState.SUBMITTED,
        extra_fields={"accepted_at": timezone.now()},
    )
    # projects sits below reporting: the import is here to keep the app's import light.
    from projects.services import tranches_release_for_report

    tranches_release_for_report(
        project=accepted.project, kind=accepted.kind, number=accepted.number, by=by
    )
    from reporting.tasks import report_accepted_notify

    report_accepted_notify(report_id=accepted.pk)  # into the mail outbox, with the acceptance
    return accepted
