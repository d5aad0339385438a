"""Writes of the ranking step: the call's ranking settings, staff moving an application
across the funding line, and funding decisions (single and in bulk).

A decision locks the application row, creates its one ``Decision`` (updated in place
when a waitlisted application is later approved or rejected), moves the state through
``grants.services.states`` (so the timeline records who, when and why) and, in the
same transaction, puts the mail to the organisation's owners and editors, in their
language, in the mail outbox (it leaves once the transaction commits).
When no application of the call is left eligible, the call moves to "decided".
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from grants.enums import ApplicationState, CallState, DecisionOutcome
from grants.models import Application, Call, CallReviewSettings, Decision, FundingLineOverride
from grants.ranking import DECIDABLE_STATES
from grants.rules import is_programme_staff
from grants.services.states import StaleStateError, application_set_state, call_set_state
from grants.tasks_decisions import decision_notify

SETTINGS_FIELDS = ("ranking_method", "pass_mark", "disagreement_threshold", "oblast_cap")
# Decisions are taken once the committee has scored; waitlisted applications may still
# be approved or rejected after the call is decided.
DECIDING_CALL_STATES = [CallState.IN_REVIEW, CallState.DECIDED]

# Work that must happen in the same transaction as an approval, done by apps above
# grants (which must not import them): projects registers the creation of the
# project here in its AppConfig.ready(). Each handler is called with
# application=, amount=, conditions=, by= and decided_on=; if one raises, the approval and
# everything it made roll back together.
approval_handlers: list = []


def register_approval_handler(handler) -> None:
    if handler not in approval_handlers:
        approval_handlers.append(handler)


def _require_staff(user) -> None:
    if not is_programme_staff(user):
        raise PermissionDenied


@transaction.atomic
def ranking_settings_update(*, call: Call, by, **fields) -> CallReviewSettings:
    """Save how the call is ranked: ``ranking_method``, ``pass_mark``,
    ``disagreement_threshold`` and ``oblast_cap`` (None: no cap)."""
    _require_staff(by)
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"Unknown ranking settings: {sorted(unknown)}")
    review_settings = CallReviewSettings.for_call(call)
    review_settings = CallReviewSettings.objects.select_for_update().get(pk=review_settings.pk)
    for name, value in fields.items():
        setattr(review_settings, name, value)
    review_settings.full_clean()
    review_settings.save(update_fields=list(fields))
    return review_settings


@transaction.atomic
def funding_override_set(
    *, application: Application, include: bool, reason: str, by
) -> FundingLineOverride:
    """Move an undecided application across the proposed funding line, with a reason.

    One override per application: setting it again replaces the direction and reason
    (and records who and when anew)."""
    _require_staff(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Say why the application is moved across the funding line.")}
        )
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.state not in DECIDABLE_STATES:
        raise ValidationError(
            _("A “%(state)s” application can no longer be moved across the funding line.")
            % {"state": locked.get_state_display()}
        )
    override = FundingLineOverride.objects.filter(application=locked).first()
    override = override or FundingLineOverride(application=locked)
    override.include = include
    override.reason = reason
    override.by = by
    override.at = timezone.now()
    override.full_clean()
    override.save()
    return override


@transaction.atomic
def funding_override_remove(*, application: Application, by) -> None:
    """Put the application back under the automatic funding line."""
    _require_staff(by)
    FundingLineOverride.objects.filter(application=application).delete()


def _money(amount: Decimal, currency: str) -> str:
    return f"{formats.number_format(amount, 2, use_l10n=True, force_grouping=True)} {currency}"


def decision_timeline_text(*, outcome: str, amount, currency: str, conditions: str, reason: str):
    """The reason recorded on the timeline, in the portal's default language so that
    every member of staff reads the same record."""
    with translation.override(settings.LANGUAGE_CODE):
        if outcome == DecisionOutcome.APPROVE:
            text = _("Approved: %(amount)s.") % {"amount": _money(amount, currency)}
            if conditions:
                text += " " + _("Conditions: %(conditions)s") % {"conditions": conditions}
            return text
        label = str(ApplicationState(outcome).label)  # "Rejected", "Waitlisted"
        return f"{label}: {reason}" if reason else label


def _check_decision(*, application, outcome, amount, reason, currency) -> dict:
    errors = {}
    if outcome not in DecisionOutcome.values:
        errors["outcome"] = _("Choose approve, waitlist or reject.")
    elif outcome == DecisionOutcome.APPROVE:
        if amount is None:
            errors["amount"] = _("Enter the amount awarded.")
        elif amount <= 0:
            errors["amount"] = _("The amount awarded must be more than zero.")
        elif amount > application.requested_amount:
            errors["amount"] = _(
                "The amount awarded cannot exceed the requested amount (%(requested)s)."
            ) % {"requested": _money(application.requested_amount, currency)}
    elif outcome == DecisionOutcome.REJECT and not reason:
        errors["reason"] = _("Give the reason for the rejection: the applicant will read it.")
    return errors


@transaction.atomic
def decision_record(
    *,
    application: Application,
    outcome: str,
    amount: Decimal | None = None,
    conditions: str = "",
    reason: str = "",
    by,
    expected_state: str | None,
    decided_at=None,
) -> Decision:
    """Record the funding decision on one application.

    ``decided_at`` is when the committee decided, for decisions taken at a meeting
    and recorded afterwards (default: now); it dates the decision and the project.

    ``expected_state`` is the state the deciding person saw (eligible or waitlisted);
    when someone else decided meanwhile, ``StaleStateError`` is raised and nothing is
    saved. Approve needs an amount above zero and at most the request (conditions are
    optional); reject needs a reason, shown to the applicant; waitlist may carry one.
    Field errors are keyed ``outcome``, ``amount`` and ``reason``.
    """
    _require_staff(by)
    # Lock the row first: of two people deciding at once, the second waits here and
    # then finds the state changed.
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if expected_state is not None and locked.state != expected_state:
        raise StaleStateError(
            _(
                "Someone else decided on %(reference)s a moment ago: it is now “%(state)s”. "
                "Please reload."
            )
            % {"reference": locked.reference, "state": locked.get_state_display()}
        )
    call = Call.objects.select_related("programme").get(pk=locked.call_id)
    if call.state not in DECIDING_CALL_STATES:
        raise ValidationError(_("Decisions are recorded once the call's review has started."))
    if locked.state not in DECIDABLE_STATES:
        raise ValidationError(
            _("%(reference)s is “%(state)s”: no decision can be recorded on it.")
            % {"reference": locked.reference, "state": locked.get_state_display()}
        )
    if locked.state == ApplicationState.WAITLISTED and outcome == DecisionOutcome.WAITLIST:
        raise ValidationError({"outcome": _("This application is already on the waiting list.")})
    conditions, reason = (conditions or "").strip(), (reason or "").strip()
    errors = _check_decision(
        application=locked,
        outcome=outcome,
        amount=amount,
        reason=reason,
        currency=call.programme.currency,
    )
    if errors:
        raise ValidationError(errors)

    decision = Decision.objects.filter(application=locked).first()
    if decision is not None and decision.outcome != DecisionOutcome.WAITLIST:
        raise StaleStateError(
            _("%(reference)s has been decided already.") % {"reference": locked.reference}
        )
    decision = decision or Decision(application=locked)
    decision.outcome = outcome
    decision.amount = amount if outcome == DecisionOutcome.APPROVE else None
    decision.conditions = conditions if outcome == DecisionOutcome.APPROVE else ""
    decision.reason = reason if outcome != DecisionOutcome.APPROVE else ""
    decision.by = by
    decision.at = decided_at or timezone.now()
    decision.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            decision.save()
    except IntegrityError as error:  # the one-per-application constraint: someone else won
        raise StaleStateError(
            _("Someone else decided on %(reference)s a moment ago. Please reload.")
            % {"reference": locked.reference}
        ) from error

    application_set_state(
        application=locked,
        to_state=outcome,
        by=by,
        reason=decision_timeline_text(
            outcome=outcome,
            amount=decision.amount,
            currency=call.programme.currency,
            conditions=decision.conditions,
            reason=decision.reason,
        ),
        expected_state=locked.state,
    )
    if outcome == DecisionOutcome.APPROVE:
        locked.refresh_from_db()
        for handler in approval_handlers:
            handler(
                application=locked,
                amount=decision.amount,
                conditions=decision.conditions,
                by=by,
                decided_on=timezone.localdate(decision.at),
            )
    _call_decide_when_done(call=call, by=by)
    decision_notify(decision_id=decision.pk)  # into the mail outbox, with the decision
    return decision


def _call_decide_when_done(*, call: Call, by) -> None:
    """Move the call to "decided" once none of its applications is left eligible.

    The call row is locked before counting, so of two people recording the last two
    decisions at once, the second counts after the first has committed."""
    locked_call = Call.objects.select_for_update().get(pk=call.pk)
    if locked_call.state != CallState.IN_REVIEW:
        return
    if locked_call.applications.filter(state=ApplicationState.ELIGIBLE).exists():
        return
    call_set_state(
        call=locked_call,
        to_state=CallState.DECIDED,
        by=by,
        reason=_("Every eligible application has a decision."),
        expected_state=CallState.IN_REVIEW,
    )


@dataclass
class BulkResult:
    succeeded: list = field(default_factory=list)  # Decisions
    failed: list = field(default_factory=list)  # (Application, message)


def decisions_record_bulk(*, items, by) -> BulkResult:
    """Record several decisions, each in its own savepoint: one refused decision does
    not undo the others. ``items`` are dicts of ``decision_record``'s arguments
    (without ``by``). Returns which succeeded and, for the others, why not."""
    _require_staff(by)
    result = BulkResult()
    with transaction.atomic():
        for item in items:
            try:
                result.succeeded.append(decision_record(by=by, **item))
            except ValidationError as error:
                result.failed.append((item["application"], " ".join(error.messages)))
    return result
