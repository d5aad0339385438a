"""Writes of calls for proposals: the call itself, its rubric and required documents.

Every function takes plain keyword arguments (a demo seed or a view calls them the
same way), runs in one transaction and validates with ``full_clean`` plus the rules a
call must meet as a whole: weights that add up to 100, at least one criterion and one
theme, a closing moment after the opening, a grant range within the budget. State
moves go through ``grants.services.states.call_set_state``; publishing first checks
that the call is complete (``call_publish_problems``).
"""

from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from grants.enums import CallState
from grants.models import Attachment, Call, Criterion, RequiredDocument
from grants.services.states import call_set_state

RUBRIC_TOTAL = 100

CALL_FIELDS = (
    "programme",
    "title",
    "slug",
    "description",
    "eligible_legal_forms",
    "total_budget",
    "min_grant",
    "max_grant",
    "cofinancing_min_percent",
    "cofinancing_note",
    "opens_at",
    "closes_at",
    "questions_until",
    "contact_name",
    "contact_email",
)
CRITERION_FIELDS = ("name", "description", "weight", "max_points", "order")
DOCUMENT_FIELDS = ("name", "description", "is_mandatory", "order")
# The states in which staff may still edit a call; later its terms are history.
EDITABLE_STATES = (CallState.DRAFT, CallState.PUBLISHED)


def call_slug_suggest(*, title: str, exclude_pk: int | None = None) -> str:
    """An unused address made from the title: ``small-grants-2017``, then ``-2``, ``-3``."""
    max_length = Call._meta.get_field("slug").max_length
    base = slugify(title)[: max_length - 4].strip("-") or "call"
    taken = set(
        Call.objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, number = base, 2
    while slug in taken:
        slug = f"{base}-{number}"
        number += 1
    return slug


def rubric_problems(criteria: Sequence[dict]) -> list[str]:
    """What is wrong with a rubric as a whole (each row is checked by its own form)."""
    if not criteria:
        return [_("Add at least one scoring criterion.")]
    total = sum(int(row["weight"] or 0) for row in criteria)
    if total != RUBRIC_TOTAL:
        return [
            _("The weights of the criteria add up to %(sum)s; they must add up to exactly 100.")
            % {"sum": total}
        ]
    return []


CALL_TERM_FIELDS = (
    "opens_at",
    "closes_at",
    "questions_until",
    "min_grant",
    "max_grant",
    "total_budget",
)


def call_terms_problems(
    *, opens_at, closes_at, questions_until, min_grant, max_grant, total_budget
) -> dict[str, list[str]]:
    """The rules between a call's dates and amounts, as messages per field. Missing
    values (``None``) are left to the fields' own checks."""
    problems: dict[str, list[str]] = {}

    def add(field, message):
        problems.setdefault(field, []).append(message)

    if opens_at and closes_at and closes_at <= opens_at:
        add("closes_at", _("The call must close after it opens."))
    if questions_until and closes_at and questions_until > closes_at:
        add("questions_until", _("Questions must close no later than the call itself."))
    if questions_until and opens_at and questions_until <= opens_at:
        add("questions_until", _("Questions must close after the call opens."))
    if min_grant is not None and max_grant is not None and max_grant < min_grant:
        add(
            "max_grant",
            _("The maximum grant (%(max)s) must be at least the minimum grant (%(min)s).")
            % {"max": max_grant, "min": min_grant},
        )
    if max_grant is not None and total_budget is not None and max_grant > total_budget:
        add(
            "max_grant",
            _("The maximum grant (%(max)s) cannot exceed the total budget (%(total)s).")
            % {"max": max_grant, "total": total_budget},
        )
    return problems


def call_publish_problems(call: Call) -> list[str]:
    """Why a call cannot be published yet; empty when it can."""
    problems = rubric_problems(list(call.criteria.values("weight")))
    if not call.themes.exists():
        problems.append(_("Choose at least one theme."))
    if not call.eligible_regions.exists():
        problems.append(_("Choose at least one eligible region."))
    if call.closes_at <= timezone.now():
        problems.append(_("The closing moment has passed: set a later one before publishing."))
    return problems


def _check_themes(call: Call, themes) -> None:
    if not themes:
        raise ValidationError({"themes": _("Choose at least one theme.")})
    foreign = [theme for theme in themes if theme.programme_id != call.programme_id]
    if foreign:
        raise ValidationError(
            {
                "themes": _("“%(theme)s” is a theme of another programme.")
                % {"theme": foreign[0].name}
            }
        )


def _sync_rows(*, model, call: Call, rows: Sequence[dict], fields: Iterable[str]) -> None:
    """Make the call's rows of ``model`` equal ``rows``: update those with an ``id``,
    create the others, delete the ones no longer listed."""
    existing = {row.pk: row for row in model.objects.filter(call=call)}
    kept = set()
    for position, data in enumerate(rows):
        instance = existing.get(data.get("id")) or model(call=call)
        for name in fields:
            if name in data:
                setattr(instance, name, data[name])
        if data.get("order") in (None, ""):
            instance.order = position
        instance.full_clean()
        instance.save()
        kept.add(instance.pk)
    model.objects.filter(call=call).exclude(pk__in=kept).delete()


def call_rubric_matches(call: Call, criteria: Sequence[dict]) -> bool:
    """Whether ``criteria`` (rows as a form posts them) describe the stored rubric."""
    current = {row["pk"]: row for row in call.criteria.values("pk", *CRITERION_FIELDS)}
    if sorted(current) != sorted(row.get("id") or 0 for row in criteria):
        return False
    for row in criteria:
        stored = current[row["id"]]
        for name in CRITERION_FIELDS:
            value = row.get(name)
            if name == "order" and value in (None, ""):
                continue
            if name == "description":
                value = value or ""
            if value != stored[name]:
                return False
    return True


def rubric_locked_message(call: Call) -> str:
    return _(
        "The scoring rubric has been locked since %(when)s because scoring has started: "
        "its criteria can no longer be changed."
    ) % {"when": formats.date_format(timezone.localtime(call.rubric_locked_at), "DATETIME_FORMAT")}


def _check_documents_removable(call: Call, documents: Sequence[dict]) -> None:
    kept = {row.get("id") for row in documents if row.get("id")}
    in_use = (
        RequiredDocument.objects.filter(call=call)
        .exclude(pk__in=kept)
        .filter(pk__in=Attachment.objects.values("document"))
    )
    names = [document.name for document in in_use]
    if names:
        raise ValidationError(
            _("“%(name)s” already has uploaded files and cannot be removed.") % {"name": names[0]}
        )


def _save_call(*, call: Call, fields: dict, themes, eligible_regions, criteria, documents) -> Call:
    for name, value in fields.items():
        if name not in CALL_FIELDS:
            raise TypeError(f"Unknown call field: {name}")
        setattr(call, name, value)
    if not call.slug:
        call.slug = call_slug_suggest(title=call.title, exclude_pk=call.pk)
    call.clean_fields()  # First, so that the rules below compare values of the right types.
    problems = call_terms_problems(**{name: getattr(call, name) for name in CALL_TERM_FIELDS})
    if problems:
        raise ValidationError(problems)
    call.full_clean()
    if themes is not None:
        _check_themes(call, list(themes))
    if criteria is not None:
        problems = rubric_problems(criteria)
        if problems:
            raise ValidationError(problems)
    call.save()
    if themes is not None:
        call.themes.set(themes)
    if eligible_regions is not None:
        call.eligible_regions.set(eligible_regions)
    if criteria is not None:
        _sync_rows(model=Criterion, call=call, rows=criteria, fields=CRITERION_FIELDS)
    if documents is not None:
        _check_documents_removable(call, documents)
        _sync_rows(model=RequiredDocument, call=call, rows=documents, fields=DOCUMENT_FIELDS)
    return call


@transaction.atomic
def call_create(
    *,
    by=None,
    themes,
    eligible_regions,
    criteria: Sequence[dict],
    documents: Sequence[dict] = (),
    **fields,
) -> Call:
    """Create a draft call with its themes, regions, rubric and required documents.

    ``fields`` are the call's own fields (see ``CALL_FIELDS``); a blank ``slug`` is made
    from the title. ``criteria`` and ``documents`` are lists of dicts with the fields of
    ``Criterion`` and ``RequiredDocument``. ``by`` is accepted for symmetry with the
    other services (the creation is the first entry of nothing: drafts have no timeline).
    """
    call = Call(state=CallState.DRAFT)
    return _save_call(
        call=call,
        fields=fields,
        themes=themes,
        eligible_regions=eligible_regions,
        criteria=list(criteria),
        documents=list(documents),
    )


@transaction.atomic
def call_update(
    *,
    call: Call,
    by=None,
    themes=None,
    eligible_regions=None,
    criteria: Sequence[dict] | None = None,
    documents: Sequence[dict] | None = None,
    **fields,
) -> Call:
    """Change a draft or published call. ``None`` leaves themes, regions, criteria or
    documents as they are; rows in ``criteria``/``documents`` carry their ``id`` to be
    updated in place, rows without one are added and missing ones removed.

    Once the rubric is locked (scoring has started) criteria that differ from the stored
    ones are refused, whatever else the call may still change.
    """
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.state not in EDITABLE_STATES:
        raise ValidationError(
            _("A call in the state “%(state)s” can no longer be edited.")
            % {"state": call.get_state_display()}
        )
    if criteria is not None and call.rubric_locked_at is not None:
        if not call_rubric_matches(call, list(criteria)):
            raise ValidationError(rubric_locked_message(call), code="rubric_locked")
        criteria = None
    return _save_call(
        call=call,
        fields=fields,
        themes=themes,
        eligible_regions=eligible_regions,
        criteria=None if criteria is None else list(criteria),
        documents=None if documents is None else list(documents),
    )


def call_lock_rubric(*, call: Call) -> bool:
    """Lock the call's rubric (scoring is starting). Idempotent: a conditional UPDATE,
    so however often and concurrently it runs, the first moment stays. Returns True
    when this call locked it."""
    now = timezone.now()
    locked = Call.objects.filter(pk=call.pk, rubric_locked_at__isnull=True).update(
        rubric_locked_at=now
    )
    call.rubric_locked_at = Call.objects.values_list("rubric_locked_at", flat=True).get(pk=call.pk)
    return bool(locked)


@transaction.atomic
def call_change_state(*, call: Call, to_state: str, by, expected_state=None, reason: str = ""):
    """Move a call; publishing requires a complete call (see ``call_publish_problems``)."""
    if to_state == CallState.PUBLISHED:
        problems = call_publish_problems(call)
        if problems:
            raise ValidationError(problems, code="incomplete")
    return call_set_state(
        call=call, to_state=to_state, by=by, reason=reason, expected_state=expected_state
    )
