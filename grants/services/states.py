"""The one place where calls and applications change state.

Each function checks that the move is allowed, locks the row so that two people
acting at once cannot both win, saves with ``update_fields``, and records a
``Transition`` (who, when, from, to, why) for the object's timeline.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grants.enums import APPLICATION_TRANSITIONS, CALL_TRANSITIONS, CallState
from grants.models import Application, Call, Transition


class StaleStateError(ValidationError):
    """Someone else changed the object a moment ago; the caller's view is out of date."""


def transition_record(
    *, subject, from_state: str, to_state: str, by=None, reason: str = "", at=None
):
    return Transition.objects.create(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        from_state=from_state,
        to_state=to_state,
        by=by,
        reason=reason,
        at=at or timezone.now(),
    )


def timeline_for(subject):
    return Transition.objects.filter(
        content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk
    ).select_related("by")


def _label(model, state: str) -> str:
    return str(dict(model._meta.get_field("state").choices).get(state, state))


def _move(*, model, pk, allowed, to_state, expected_state, by, reason, extra_fields=None):
    locked = model.objects.select_for_update().get(pk=pk)
    current = locked.state
    if expected_state is not None and current != expected_state:
        raise StaleStateError(
            _("Someone else changed this a moment ago: it is now “%(state)s”. Please reload.")
            % {"state": _label(model, current)}
        )
    if to_state not in allowed.get(current, []):
        raise ValidationError(
            _("This cannot be done now (from “%(from)s” to “%(to)s”).")
            % {"from": _label(model, current), "to": _label(model, to_state)}
        )
    locked.state = to_state
    fields = ["state"]
    for name, value in (extra_fields or {}).items():
        setattr(locked, name, value)
        fields.append(name)
    locked.save(update_fields=fields)
    transition_record(subject=locked, from_state=current, to_state=to_state, by=by, reason=reason)
    return locked


@transaction.atomic
def call_set_state(*, call: Call, to_state: str, by, reason: str = "", expected_state=None) -> Call:
    """Move a call along draft -> published -> closed -> in review -> decided -> archived.

    A published call past its deadline is closed already for everyone (see
    ``Call.effective_state``); the stored state catches up here, recorded at the
    deadline and by nobody, before the requested move is checked.
    """
    locked = Call.objects.select_for_update().get(pk=call.pk)
    if locked.state == CallState.PUBLISHED and timezone.now() >= locked.closes_at:
        locked.state = CallState.CLOSED
        locked.save(update_fields=["state"])
        transition_record(
            subject=locked,
            from_state=CallState.PUBLISHED,
            to_state=CallState.CLOSED,
            at=locked.closes_at,
            reason=_("Closed at the deadline."),
        )
        if to_state == CallState.CLOSED:
            return locked
    return _move(
        model=Call,
        pk=call.pk,
        allowed=CALL_TRANSITIONS,
        to_state=to_state,
        expected_state=expected_state,
        by=by,
        reason=reason,
    )


@transaction.atomic
def application_set_state(
    *,
    application: Application,
    to_state: str,
    by,
    reason: str = "",
    expected_state=None,
    extra_fields=None,
) -> Application:
    return _move(
        model=Application,
        pk=application.pk,
        allowed=APPLICATION_TRANSITIONS,
        to_state=to_state,
        expected_state=expected_state,
        by=by,
        reason=reason,
        extra_fields=extra_fields,
    )
