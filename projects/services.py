"""Writes of funded projects: creation from an approved application, the call's
funding terms, tranche payments and releases, project states and indicators.

Every function is atomic and raises ``ValidationError`` (field errors keyed by the
argument's name where one is to blame) rather than saving half of anything.

Handlers of a new project
-------------------------
Apps above this one (``reporting``) must act when a project is created, but this app
may not import them. ``project_created_handlers`` is the list they fill, from their
``AppConfig.ready()``, through ``register_project_created_handler(fn)``. Each handler
is called as ``fn(project=project)`` at the end of
``project_create_from_application``, inside its transaction: a handler that raises
undoes the whole project (and the approval that asked for it).
"""

import calendar
import datetime
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from grants.enums import ApplicationState
from grants.models import Application
from grants.rules import is_programme_staff
from grants.services.states import StaleStateError, transition_record
from projects.enums import (
    PROJECT_TRANSITIONS,
    CofinancingSource,
    ProjectState,
    StandardIndicator,
    TrancheCondition,
    TrancheState,
)
from projects.models import (
    Cofinancing,
    FundingTerms,
    Indicator,
    Project,
    ProjectBudgetLine,
    ProjectLocation,
    ProjectPartner,
    Tranche,
    TrancheRule,
)
from projects.selectors import funding_terms_for
from regions.enums import RegionLevel

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
# A project without a stated duration runs for a year.
DEFAULT_DURATION_MONTHS = 12

# reporting.enums.ReportKind values, as plain strings: projects may not import reporting.
REPORT_KIND_INTERIM = "interim"
REPORT_KIND_FINAL = "final"

# Moves that need a reason on the timeline: resuming a suspended project does not.
REASON_REQUIRED = (ProjectState.SUSPENDED, ProjectState.COMPLETED, ProjectState.TERMINATED)

project_created_handlers: list[Callable] = []


def register_project_created_handler(fn: Callable) -> Callable:
    """Add ``fn`` to the handlers called with ``project=`` when a project is created
    (once, however often it is registered). Returns ``fn``, so it works as a decorator."""
    if fn not in project_created_handlers:
        project_created_handlers.append(fn)
    return fn


def _require_staff(user) -> None:
    if not is_programme_staff(user):
        raise PermissionDenied


def _money(amount: Decimal, currency: str) -> str:
    return f"{formats.number_format(amount, 2, use_l10n=True, force_grouping=True)} {currency}"


def _in_default_language(text) -> str:
    """Stored texts (indicator names, the timeline) are written in the portal's default
    language, so that every member of staff reads the same record."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


# --- dates and money -----------------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def project_period(decided_on: datetime.date, duration_months: int):
    """(starts_on, ends_on): from the first day of the month after the decision, for
    ``duration_months`` whole months."""
    starts_on = add_months(decided_on.replace(day=1), 1)
    ends_on = add_months(starts_on, duration_months) - datetime.timedelta(days=1)
    return starts_on, ends_on


def interim_report_count(duration_months: int, every_months: int) -> int:
    """How many interim reports a project has: one at the end of each whole period of
    ``every_months`` that ends before the project does (the last period, whole or
    not, is covered by the final report)."""
    return max(0, (duration_months - 1) // every_months)


def interim_report_due_on(*, starts_on, number: int, every_months: int, grace_days: int):
    period_end = add_months(starts_on, number * every_months) - datetime.timedelta(days=1)
    return period_end + datetime.timedelta(days=grace_days)


def split_award(award: Decimal, percents: list[Decimal]) -> list[Decimal]:
    """The award split by ``percents`` (which add up to 100), each share rounded to the
    cent and the last one taking what rounding left over, so the shares add up to the
    award exactly."""
    shares = [
        (award * percent / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
        for percent in percents[:-1]
    ]
    return [*shares, award - sum(shares, Decimal("0"))]


def agreement_number_for(application: Application) -> str:
    """PIA/2017/007 for the application PIA-2017-007: the programme's prefix, the year
    the call opened and the application's number in the call."""
    parts = (application.reference or "").rsplit("-", 2)
    if len(parts) != 3 or not all(parts) or not parts[1].isdigit() or not parts[2].isdigit():
        raise ValidationError(
            _("The application has no reference of the form PREFIX-YEAR-NUMBER: %(reference)s")
            % {"reference": application.reference or "—"}
        )
    prefix, year, sequence = parts
    return f"{prefix}/{year}/{int(sequence):03d}"


# --- funding terms --------------------------------------------------------------------


def funding_terms_problems(rules: list[dict]) -> list[str]:
    """What is wrong with a tranche template as a whole: the shares must add up to
    exactly 100%, interim rules name their report, and one tranche at most follows
    the final report. ``rules`` are dicts of percent, condition and report_number."""
    problems = []
    if not rules:
        return [_("Add at least one tranche.")]
    total = sum((Decimal(rule["percent"] or 0) for rule in rules), Decimal("0"))
    if total != HUNDRED:
        problems.append(
            _("The shares add up to %(total)s%%; they must add up to exactly 100%%.")
            % {"total": formats.number_format(total.normalize(), use_l10n=True)}
        )
    for rule in rules:
        if rule["condition"] == TrancheCondition.INTERIM_REPORT and not rule.get("report_number"):
            problems.append(
                _("Say which interim report releases the tranche of %(percent)s%%.")
                % {"percent": formats.number_format(Decimal(rule["percent"]).normalize())}
            )
    finals = [rule for rule in rules if rule["condition"] == TrancheCondition.FINAL_REPORT]
    if len(finals) > 1:
        problems.append(_("Only one tranche can follow the final report."))
    return problems


@transaction.atomic
def funding_terms_save(
    *, call, by, report_every_months: int, grace_days: int, rules: list[dict]
) -> FundingTerms:
    """Set a call's reporting rhythm and tranche template (replacing its rules).

    Projects already made keep the tranches and schedule they were made with: only
    projects created afterwards follow the new terms."""
    _require_staff(by)
    problems = funding_terms_problems(rules)
    if problems:
        raise ValidationError(problems)
    terms, _created = FundingTerms.objects.select_for_update().get_or_create(call=call)
    terms.report_every_months = report_every_months
    terms.grace_days = grace_days
    terms.full_clean()
    terms.save()
    terms.tranche_rules.all().delete()
    for order, rule in enumerate(rules, 1):
        interim = rule["condition"] == TrancheCondition.INTERIM_REPORT
        tranche_rule = TrancheRule(
            terms=terms,
            order=order,
            percent=rule["percent"],
            condition=rule["condition"],
            report_number=rule.get("report_number") if interim else None,
        )
        tranche_rule.full_clean()
        tranche_rule.save()
    return terms


# --- creating a project ------------------------------------------------------------------


def _tranche_plan(*, terms, award, starts_on, ends_on, duration_months) -> list[Tranche]:
    """Unsaved tranches from the terms' rules. An interim rule whose report does not
    exist for a project this short (say "after interim report 2" for a year's project
    reporting every six months) is released by the final report instead."""
    rules = terms.rules_list
    if not rules:
        raise ValidationError(_("The call's funding terms have no tranches."))
    if sum((rule.percent for rule in rules), Decimal("0")) != HUNDRED:
        raise ValidationError(_("The call's tranche shares do not add up to 100%."))
    interims = interim_report_count(duration_months, terms.report_every_months)
    grace = datetime.timedelta(days=terms.grace_days)
    amounts = split_award(award, [rule.percent for rule in rules])
    tranches = []
    for order, (rule, amount) in enumerate(zip(rules, amounts, strict=True), 1):
        condition, number = rule.condition, rule.report_number
        if condition == TrancheCondition.ON_SIGNING:
            planned_on, number = starts_on, None
        elif condition == TrancheCondition.INTERIM_REPORT and number and number <= interims:
            planned_on = interim_report_due_on(
                starts_on=starts_on,
                number=number,
                every_months=terms.report_every_months,
                grace_days=terms.grace_days,
            )
        else:
            condition, number, planned_on = TrancheCondition.FINAL_REPORT, None, ends_on + grace
        tranches.append(
            Tranche(
                order=order,
                amount=amount,
                planned_on=planned_on,
                condition=condition,
                report_number=number,
            )
        )
    return tranches


def _standard_indicators(application: Application, currency: str) -> list[Indicator]:
    planned = (
        application.beneficiaries_women,
        application.beneficiaries_men,
        application.beneficiaries_girls,
        application.beneficiaries_boys,
    )
    rows = [
        (StandardIndicator.PEOPLE_REACHED, "people", Decimal(sum(planned)), True),
        (StandardIndicator.EVENTS_HELD, "events", Decimal("0"), False),
        (StandardIndicator.VOLUNTEERS, "volunteers", Decimal("0"), False),
        (StandardIndicator.PLAN_ADOPTED, "plan", Decimal("1"), False),
        (
            StandardIndicator.LOCAL_COFINANCING,
            currency,
            application.cofinancing_local_budget,
            False,
        ),
    ]
    indicators = []
    for order, (standard, unit, target, disaggregated) in enumerate(rows, 1):
        indicator = Indicator(
            standard=standard,
            name=_in_default_language(StandardIndicator(standard).label),
            unit=unit,
            target=target,
            disaggregated=disaggregated,
            order=order,
        )
        if disaggregated:
            (
                indicator.target_women,
                indicator.target_men,
                indicator.target_girls,
                indicator.target_boys,
            ) = planned
        indicators.append(indicator)
    return indicators


def _cofinancing(application: Application, regions: list) -> list[Cofinancing]:
    """The commitments of the application: the local budget of the first location
    (always, even at zero, so that money the local budget gives later has a line to
    be received on) and other sources when more than zero."""
    first = regions[0] if regions else None
    with translation.override(settings.LANGUAGE_CODE):
        local_name = first.name if first else str(CofinancingSource.LOCAL_BUDGET.label)
        other_name = application.cofinancing_sources or str(_("Other sources"))
    rows = [
        Cofinancing(
            source=CofinancingSource.LOCAL_BUDGET,
            source_name=local_name,
            region=first if first is not None and first.level in RegionLevel.local() else None,
            committed=application.cofinancing_local_budget,
        )
    ]
    if application.cofinancing_other > 0:
        rows.append(
            Cofinancing(
                source=CofinancingSource.OTHER_DONOR,
                source_name=other_name[:255],
                committed=application.cofinancing_other,
            )
        )
    return rows


def project_build(application, *, amount, starts_on, ends_on, **extra) -> Project:
    """The unsaved project of an approved application: its title, organisation,
    agreement number and planned beneficiaries copied from the application. Shared by
    ``project_create_from_application`` and the scale data set (reporting/scale)."""
    return Project(
        application=application,
        organisation_id=application.organisation_id,
        title=application.title,
        agreement_number=agreement_number_for(application),
        amount_awarded=amount,
        starts_on=starts_on,
        ends_on=ends_on,
        state=ProjectState.ACTIVE,
        planned_women=application.beneficiaries_women,
        planned_men=application.beneficiaries_men,
        planned_girls=application.beneficiaries_girls,
        planned_boys=application.beneficiaries_boys,
        **extra,
    )


@transaction.atomic
def project_create_from_application(
    *, application: Application, amount, by, conditions: str = "", decided_on=None
) -> Project:
    """Make the project of an approved application, all of it or nothing.

    Called by the decision service inside its transaction, after the application has
    moved to "approved". ``amount`` is the award: more than zero and at most the
    request. The project starts on the first day of the month after the decision
    date (``decided_on``, by default today in Bishkek time) and runs
    ``duration_months`` (12 when not given).

    The budget lines are copied as budgeted (amount = quantity x unit cost), even
    when the award is below the request: the award is recorded on the project, and
    spending is reported against the lines as planned. Locations, partners and
    planned beneficiaries are copied; the programme's standard indicators are made
    (staff add project-specific ones later); co-financing commitments come from the
    application; tranches follow the call's funding terms (or the programme's
    defaults), the signing tranche ready for payment. Then every handler in
    ``project_created_handlers`` is called with ``project=``.
    """
    locked = (
        Application.objects.select_for_update()
        .select_related("call__programme", "organisation")
        .get(pk=application.pk)
    )
    if locked.state != ApplicationState.APPROVED:
        raise ValidationError(
            _("Only an approved application becomes a project; %(reference)s is “%(state)s”.")
            % {"reference": locked.reference, "state": locked.get_state_display()}
        )
    if Project.objects.filter(application=locked).exists():
        raise ValidationError(
            _("%(reference)s has a project already.") % {"reference": locked.reference}
        )
    currency = locked.call.programme.currency
    try:
        amount = Decimal(amount).quantize(CENT)
    except (TypeError, ArithmeticError) as error:
        raise ValidationError({"amount": _("Enter the amount awarded.")}) from error
    if amount <= 0:
        raise ValidationError({"amount": _("The amount awarded must be more than zero.")})
    if amount > locked.requested_amount:
        raise ValidationError(
            {
                "amount": _(
                    "The amount awarded cannot exceed the requested amount (%(requested)s)."
                )
                % {"requested": _money(locked.requested_amount, currency)}
            }
        )

    duration = locked.duration_months or DEFAULT_DURATION_MONTHS
    starts_on, ends_on = project_period(decided_on or timezone.localdate(), duration)
    project = project_build(locked, amount=amount, starts_on=starts_on, ends_on=ends_on)
    project.full_clean()
    project.save()

    regions = [
        location.region for location in locked.locations.select_related("region").order_by("pk")
    ]
    ProjectLocation.objects.bulk_create(
        ProjectLocation(project=project, region=region) for region in regions
    )
    ProjectPartner.objects.bulk_create(
        ProjectPartner(project=project, kind=partner.kind, name=partner.name, role=partner.role)
        for partner in locked.partners.order_by("pk")
    )
    ProjectBudgetLine.objects.bulk_create(
        ProjectBudgetLine(
            project=project,
            category=line.category,
            description=line.description,
            unit=line.unit,
            quantity=line.quantity,
            unit_cost=line.unit_cost,
            amount=line.total,
            order=order,
        )
        for order, line in enumerate(locked.budget_lines.order_by("order", "pk"), 1)
    )
    indicators = _standard_indicators(locked, currency)
    for indicator in indicators:
        indicator.project = project
    Indicator.objects.bulk_create(indicators)
    commitments = _cofinancing(locked, regions)
    for commitment in commitments:
        commitment.project = project
    Cofinancing.objects.bulk_create(commitments)

    tranches = _tranche_plan(
        terms=funding_terms_for(locked.call),
        award=amount,
        starts_on=starts_on,
        ends_on=ends_on,
        duration_months=duration,
    )
    now = timezone.now()
    for tranche in tranches:
        tranche.project = project
        if tranche.condition == TrancheCondition.ON_SIGNING:
            tranche.state, tranche.ready_at = TrancheState.READY, now
        tranche.full_clean(exclude=["project"])
    Tranche.objects.bulk_create(tranches)

    with translation.override(settings.LANGUAGE_CODE):
        reason = _("Grant agreement %(number)s for %(amount)s, from %(reference)s.") % {
            "number": project.agreement_number,
            "amount": _money(amount, currency),
            "reference": locked.reference,
        }
        if conditions:
            reason += " " + _("Conditions: %(conditions)s") % {"conditions": conditions}
    transition_record(
        subject=project, from_state="", to_state=ProjectState.ACTIVE, by=by, reason=reason
    )

    for handler in list(project_created_handlers):
        handler(project=project)
    return project


# --- tranches --------------------------------------------------------------------------


@transaction.atomic
def tranche_record_payment(*, tranche: Tranche, paid_on, amount, reference: str, by) -> Tranche:
    """Record the payment of a tranche that is ready for payment, and mark it paid.

    The payment is more than zero, at most the tranche's planned amount (it may be
    less, for example when unspent money is withheld; the tranche is then paid all
    the same) and never brings the project's total paid beyond the award. It is made
    today or earlier. The project row is locked first, so two payments of the same
    project are checked one after the other."""
    _require_staff(by)
    project = (
        Project.objects.select_for_update()
        .select_related("application__call__programme")
        .get(pk=tranche.project_id)
    )
    locked = Tranche.objects.select_for_update().get(pk=tranche.pk)
    currency = project.application.call.programme.currency
    if locked.state == TrancheState.PAID:
        raise StaleStateError(
            _("Tranche %(number)s was paid already (on %(date)s). Please reload.")
            % {"number": locked.order, "date": formats.date_format(locked.paid_on)}
        )
    if locked.state != TrancheState.READY:
        raise ValidationError(
            _("Tranche %(number)s is not ready for payment yet: it is released “%(condition)s”.")
            % {"number": locked.order, "condition": locked.get_condition_display()}
        )
    errors = {}
    reference = (reference or "").strip()
    if not reference:
        errors["reference"] = _("Enter the payment reference (the bank's transfer number).")
    if paid_on is None:
        errors["paid_on"] = _("Enter the date of the payment.")
    elif paid_on > timezone.localdate():
        errors["paid_on"] = _("The payment date cannot be in the future.")
    if amount is None or amount <= 0:
        errors["amount"] = _("The payment must be more than zero.")
    else:
        paid_before = project.tranches.filter(paid_amount__isnull=False).aggregate(
            total=Sum("paid_amount")
        )["total"] or Decimal("0")
        if paid_before + amount > project.amount_awarded:
            errors["amount"] = _(
                "This payment would bring the total paid to %(total)s, beyond the award of "
                "%(award)s. At most %(left)s can still be paid."
            ) % {
                "total": _money(paid_before + amount, currency),
                "award": _money(project.amount_awarded, currency),
                "left": _money(project.amount_awarded - paid_before, currency),
            }
        elif amount > locked.amount:
            errors["amount"] = _("The payment cannot exceed the tranche's amount (%(amount)s).") % {
                "amount": _money(locked.amount, currency)
            }
    if errors:
        raise ValidationError(errors)

    locked.state = TrancheState.PAID
    locked.paid_on = paid_on
    locked.paid_amount = amount
    locked.payment_reference = reference
    locked.paid_by = by
    locked.full_clean()
    locked.save(update_fields=["state", "paid_on", "paid_amount", "payment_reference", "paid_by"])
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("Paid %(amount)s on %(date)s, reference %(reference)s.") % {
            "amount": _money(amount, currency),
            "date": paid_on.isoformat(),
            "reference": reference,
        }
    transition_record(
        subject=locked,
        from_state=TrancheState.READY,
        to_state=TrancheState.PAID,
        by=by,
        reason=reason,
    )
    return locked


@transaction.atomic
def tranches_release_for_report(*, project: Project, kind: str, number: int, by) -> list[Tranche]:
    """Mark ready for payment the planned tranches that an accepted report releases:
    for interim report ``number``, those released by that interim report; for the
    final report, those released by the final report. Called by reporting when staff
    accept a report; doing it twice changes nothing the second time."""
    if kind == REPORT_KIND_INTERIM:
        matching = {"condition": TrancheCondition.INTERIM_REPORT, "report_number": number}
    elif kind == REPORT_KIND_FINAL:
        matching = {"condition": TrancheCondition.FINAL_REPORT}
    else:
        raise ValueError(f"Unknown report kind: {kind!r}")
    released = []
    now = timezone.now()
    tranches = (
        Tranche.objects.select_for_update()
        .filter(project=project, state=TrancheState.PLANNED, **matching)
        .order_by("order")
    )
    with translation.override(settings.LANGUAGE_CODE):
        reason = (
            _("Interim report %(number)s accepted.") % {"number": number}
            if kind == REPORT_KIND_INTERIM
            else _("Final report accepted.")
        )
    for tranche in tranches:
        tranche.state = TrancheState.READY
        tranche.ready_at = now
        tranche.save(update_fields=["state", "ready_at"])
        transition_record(
            subject=tranche,
            from_state=TrancheState.PLANNED,
            to_state=TrancheState.READY,
            by=by,
            reason=reason,
        )
        released.append(tranche)
    return released


# --- project states -------------------------------------------------------------------


def _state_label(state: str) -> str:
    return str(dict(ProjectState.choices).get(state, state))


@transaction.atomic
def project_set_state(
    *, project: Project, to_state: str, by, reason: str = "", expected_state=None
) -> Project:
    """Move a project along active -> completed | suspended | terminated (and a
    suspended one back to active), with the reason on its timeline. Suspending,
    completing and terminating need a reason; ``expected_state`` is the state the
    person saw, and ``StaleStateError`` says someone else moved it meanwhile."""
    _require_staff(by)
    reason = (reason or "").strip()
    if to_state in REASON_REQUIRED and not reason:
        raise ValidationError(
            {
                "reason": _("Say why the project is “%(state)s”: it is kept on the timeline.")
                % {"state": _state_label(to_state)}
            }
        )
    locked = Project.objects.select_for_update().get(pk=project.pk)
    current = locked.state
    if expected_state is not None and current != expected_state:
        raise StaleStateError(
            _("Someone else changed this a moment ago: it is now “%(state)s”. Please reload.")
            % {"state": _state_label(current)}
        )
    if to_state not in PROJECT_TRANSITIONS.get(current, []):
        raise ValidationError(
            _("This cannot be done now (from “%(from)s” to “%(to)s”).")
            % {"from": _state_label(current), "to": _state_label(to_state)}
        )
    locked.state = to_state
    locked.save(update_fields=["state"])
    transition_record(subject=locked, from_state=current, to_state=to_state, by=by, reason=reason)
    return locked


# --- indicators ------------------------------------------------------------------------

INDICATOR_FIELDS = (
    "name",
    "unit",
    "baseline",
    "target",
    "disaggregated",
    "target_women",
    "target_men",
    "target_girls",
    "target_boys",
    "location",
)
# Of a standard indicator, staff change the figures; its name, unit, split and place
# are the programme's.
STANDARD_EDITABLE_FIELDS = (
    "baseline",
    "target",
    "target_women",
    "target_men",
    "target_girls",
    "target_boys",
)
SPLIT_FIELDS = ("target_women", "target_men", "target_girls", "target_boys")


def _check_indicator(indicator: Indicator) -> None:
    errors = {}
    if indicator.location_id is not None and indicator.location.project_id != indicator.project_id:
        errors["location"] = _("Choose one of the project's locations.")
    if indicator.disaggregated:
        parts = [getattr(indicator, name) for name in SPLIT_FIELDS]
        if any(part is not None for part in parts):
            if any(part is None for part in parts):
                errors["target_women"] = _(
                    "Give the target for women, men, girls and boys, or none of them."
                )
            elif indicator.target is not None and sum(parts) != indicator.target:
                errors["target"] = _(
                    "The target (%(target)s) must equal the sum of women, men, girls and "
                    "boys (%(sum)s)."
                ) % {
                    "target": formats.number_format(indicator.target.normalize(), use_l10n=True),
                    "sum": sum(parts),
                }
    else:
        for name in SPLIT_FIELDS:
            setattr(indicator, name, None)
    if errors:
        raise ValidationError(errors)
    indicator.full_clean()


@transaction.atomic
def indicator_add(
    *,
    project: Project,
    by,
    name: str,
    unit: str,
    target,
    baseline=Decimal("0"),
    disaggregated: bool = False,
    target_women=None,
    target_men=None,
    target_girls=None,
    target_boys=None,
    location: ProjectLocation | None = None,
) -> Indicator:
    """Add a project-specific indicator (after the standard ones, in order)."""
    _require_staff(by)
    last = project.indicators.aggregate(last=Max("order"))["last"] or 0
    indicator = Indicator(
        project=project,
        standard="",
        name=(name or "").strip(),
        unit=(unit or "").strip(),
        baseline=baseline if baseline is not None else Decimal("0"),
        target=target,
        disaggregated=disaggregated,
        target_women=target_women,
        target_men=target_men,
        target_girls=target_girls,
        target_boys=target_boys,
        location=location,
        order=last + 1,
    )
    _check_indicator(indicator)
    indicator.save()
    return indicator


@transaction.atomic
def indicator_update(*, indicator: Indicator, by, **fields) -> Indicator:
    """Change an indicator's figures (any of ``INDICATOR_FIELDS``; for a standard
    indicator only its baseline and targets)."""
    _require_staff(by)
    unknown = set(fields) - set(INDICATOR_FIELDS)
    if unknown:
        raise TypeError(f"Unknown indicator fields: {sorted(unknown)}")
    locked = (
        Indicator.objects.select_for_update(of=("self",))
        .select_related("location")
        .get(pk=indicator.pk)
    )
    if locked.standard:
        fixed = {
            name
            for name in set(fields) - set(STANDARD_EDITABLE_FIELDS)
            if fields[name] != getattr(locked, name)
        }
        if fixed:
            raise ValidationError(
                _("Of a standard indicator only the baseline and the targets can be changed.")
            )
        fields = {name: fields[name] for name in fields if name in STANDARD_EDITABLE_FIELDS}
    for name, value in fields.items():
        if name in ("name", "unit"):
            value = (value or "").strip()
        if name == "baseline" and value is None:
            value = Decimal("0")
        setattr(locked, name, value)
    _check_indicator(locked)
    locked.save()
    return locked
