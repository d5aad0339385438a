"""Eligibility screening: staff mark a submitted application eligible or ineligible.

The decision may be reversed, with a recorded reason, until the call's review
starts. The organisation's owners and editors are told by email, in their language.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from grants.enums import ApplicationState, CallState, IneligibilityReason
from grants.models import Application
from grants.rules import is_programme_staff
from grants.services.states import StaleStateError, application_set_state
from grants.tasks_screening import application_screening_notify

SCREENED = [ApplicationState.ELIGIBLE, ApplicationState.INELIGIBLE]
SCREENABLE = [ApplicationState.SUBMITTED, *SCREENED]
# Once the committee has the applications, the list it scores must not change.
REVIEW_STARTED = [CallState.IN_REVIEW, CallState.DECIDED, CallState.ARCHIVED]


def screening_is_open(application) -> bool:
    """Whether staff may (still) screen this application: it is submitted or screened,
    and its call's review has not started."""
    return application.state in SCREENABLE and application.call.state not in REVIEW_STARTED


def screening_reason_text(*, reason_code: str, note: str) -> str:
    """The reason as recorded on the timeline: the chosen reason, then the note.

    Recorded in the portal's default language, so the timeline reads the same for
    every member of staff whatever language each one works in.
    """
    note = note.strip()
    if not reason_code:
        return note
    with translation.override(settings.LANGUAGE_CODE):
        label = str(IneligibilityReason(reason_code).label)
    return f"{label}: {note}" if note else label


@transaction.atomic
def application_screen(
    *,
    application: Application,
    by,
    eligible: bool,
    reason_code: str = "",
    note: str = "",
    expected_state: str | None,
) -> Application:
    """Mark an application eligible or ineligible.

    ``expected_state`` is the state the deciding person saw; when someone else
    changed it meanwhile, ``StaleStateError`` is raised and nothing is saved.
    Ineligible needs a reason from ``IneligibilityReason`` (and a note for "other");
    reversing an earlier decision needs a note saying why. Field errors are keyed
    ``reason_code`` and ``note`` so a form can show them beside its fields.
    """
    if not is_programme_staff(by):
        raise PermissionDenied
    locked = Application.objects.select_for_update().select_related("call").get(pk=application.pk)
    if expected_state is not None and locked.state != expected_state:
        raise StaleStateError(
            _("Someone else changed this a moment ago: it is now “%(state)s”. Please reload.")
            % {"state": locked.get_state_display()}
        )
    if locked.call.state in REVIEW_STARTED:
        raise ValidationError(
            _(
                "The call's review has started: screening decisions can no longer be made "
                "or changed."
            )
        )
    if locked.state not in SCREENABLE:
        raise ValidationError(
            _("A “%(state)s” application cannot be screened.")
            % {"state": locked.get_state_display()}
        )

    to_state = ApplicationState.ELIGIBLE if eligible else ApplicationState.INELIGIBLE
    note = note.strip()
    reason_code = "" if eligible else reason_code
    errors = {}
    if locked.state == to_state:
        raise ValidationError(
            _("This application is already marked “%(state)s”.")
            % {"state": locked.get_state_display()}
        )
    if not eligible:
        if reason_code not in IneligibilityReason.values:
            errors["reason_code"] = _("Choose the reason why the application is ineligible.")
        elif reason_code == IneligibilityReason.OTHER and not note:
            errors["note"] = _("Explain the reason: you chose “Other reason”.")
    if locked.state in SCREENED and not note:
        errors.setdefault("note", _("Say why the earlier decision is being changed."))
    if errors:
        raise ValidationError(errors)

    screened = application_set_state(
        application=locked,
        to_state=to_state,
        by=by,
        reason=screening_reason_text(reason_code=reason_code, note=note),
        expected_state=locked.state,
    )
    # Into the mail outbox, in this transaction: the mail leaves once it commits.
    application_screening_notify(
        application_id=screened.pk, eligible=eligible, reason_code=reason_code, note=note
    )
    return screened
