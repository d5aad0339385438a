"""How one fuzzed submission is made and judged.

``draw_submission`` turns a form spec (tests/fuzz/forms.py) into POST data: the valid
submission of the spec with some of its fields replaced by hostile values of their
kind, left out or sent twice, plus formset management counts and keys no form has.
``post_and_judge`` posts it inside a savepoint that is rolled back afterwards (each
example starts from the same data set) and checks what a user would notice:

- never a server error (the test client re-raises the view's exception);
- a refusal changes nothing in the database ("never half-saved"): a fingerprint of
  every row of the portal's tables is taken before and after, tasks queued with
  ``on_commit`` included;
- a refusal says what is wrong: an error summary, a field's message or an error
  message on the next page; an autosave refusal answers JSON with a message;
- what a success saved passes ``full_clean()``.
"""

import json
from dataclasses import dataclass, field

from django import forms
from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.formsets import BaseFormSet
from django.test import TestCase
from hypothesis import strategies as st

from tests.fuzz import strategies as fuzz

# The apps whose rows a refused form must leave alone: the portal's and allauth's.
# Sessions, the admin's log and Celery beat's schedule are not written by forms.
TRACKED_APPS = ("accounts", "regions", "grants", "projects", "reporting", "account", "mfa")

# What a page says when it refuses a form (templates/includes/form_errors.html,
# crispy's field errors, the messages' alert-danger, allauth's alerts).
ERROR_MARKERS = ("error-summary", "invalid-feedback", "alert-danger", "is-invalid", "errorlist")

# How much of a valid submission one example changes: nothing, one or two fields,
# or every field drawn on its own.
INTENSITIES = (0, 1, 1, 2, 3, "all")
FIELD_MODES = ("base", "base", "well_formed", "hostile", "hostile", "missing", "duplicate")


# --- the fields of a form as the view builds it ----------------------------------------


@dataclass
class Submission:
    data: dict = field(default_factory=dict)
    htmx: bool = False


def fields_of(part) -> list[tuple[str, forms.Field]]:
    """(posted name, field) of a form, a formset (its management form and one template
    row, ``__prefix__`` standing for the row number) or a list of forms."""
    if isinstance(part, BaseFormSet):
        management = part.management_form
        named = [(management.add_prefix(name), f) for name, f in management.fields.items()]
        template = part.empty_form
        return named + [(template.add_prefix(name), f) for name, f in template.fields.items()]
    if isinstance(part, forms.BaseForm):
        return [(part.add_prefix(name), f) for name, f in part.fields.items()]
    return [pair for form in part for pair in fields_of(form)]


def _posted(bound_field):
    """What a browser posts for a field showing its initial value (None: nothing)."""
    value = bound_field.value()
    widget = bound_field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        return "on" if value else None
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    if value is None:
        return ""
    formatted = widget.format_value(value)
    if isinstance(formatted, list):  # a select's or radio's chosen values
        if getattr(widget, "allow_multiple_selected", False):
            return formatted
        return formatted[0] if formatted else ""
    return "" if formatted is None else str(formatted)


def initial_data(part) -> dict:
    """The POST data of an unbound form, formset or list of forms as the page shows it:
    the valid submission of an edit page."""
    data = {}
    if isinstance(part, BaseFormSet):
        for name in part.management_form.fields:
            bound = part.management_form[name]
            data[bound.html_name] = str(bound.value())
        forms_list = part.forms
    elif isinstance(part, forms.BaseForm):
        forms_list = [part]
    else:
        forms_list = list(part)
    for form in forms_list:
        for bound in form:
            value = _posted(bound)
            if value is not None:
                data[bound.html_name] = value
    return data


# --- drawing a submission ---------------------------------------------------------------


def _draw_value(draw, name, form_field, base, mode):
    if mode == "base":
        if name in base:
            return base[name]
        mode = "well_formed"
    if mode == "well_formed":
        return draw(fuzz.well_formed(form_field), label=name)
    if mode == "missing":
        return None
    if mode == "duplicate":
        return [
            draw(fuzz.hostile(form_field), label=name),
            draw(fuzz.well_formed(form_field), label=name),
        ]
    return draw(fuzz.hostile(form_field), label=name)


def _row_names(name: str, rows: int) -> list[str]:
    if "__prefix__" not in name:
        return [name]
    return [name.replace("__prefix__", str(number)) for number in range(rows)]


def draw_submission(draw, spec, world) -> Submission:
    """One submission of the spec's form, drawn with ``st.data().draw``."""
    base = dict(spec.base(world))
    fields = []
    for part in spec.parts(world):
        fields += fields_of(part)
    fields += [(name, strategy) for name, strategy in spec.extra.items()]
    rows = draw(st.integers(min_value=0, max_value=3), label="rows")
    # Rows beyond the valid submission's are drawn like any field.
    names = []
    for name, form_field in fields:
        if name.endswith(("-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS")):
            names.append((name, "management", form_field))
        elif "__prefix__" in name:
            in_base = {n for n in base if n.startswith(name.split("__prefix__")[0])}
            count = max(rows, *(int(n.split("-")[-2]) + 1 for n in in_base if _is_row(n)), 0)
            names += [(row_name, "field", form_field) for row_name in _row_names(name, count)]
        else:
            names.append((name, "field", form_field))

    intensity = draw(st.sampled_from(INTENSITIES), label="intensity")
    if intensity == "all":
        changed = set(range(len(names)))
    elif intensity and names:
        changed = set(
            draw(
                st.lists(
                    st.integers(min_value=0, max_value=len(names) - 1),
                    min_size=intensity,
                    max_size=intensity,
                ),
                label="changed fields",
            )
        )
    else:
        changed = set()

    data = {}
    for position, (name, kind, form_field) in enumerate(names):
        if position not in changed:
            if name in base:
                data[name] = base[name]
            continue
        if kind == "management":
            value = draw(st.one_of(fuzz.management_count(), st.none()), label=name)
        elif isinstance(form_field, st.SearchStrategy):
            value = draw(form_field, label=name)
        else:
            mode = draw(st.sampled_from(FIELD_MODES), label=f"{name} mode")
            value = _draw_value(draw, name, form_field, base, mode)
        if value is not None:
            data[name] = value
    for key, value in draw(fuzz.junk_fields(), label="junk").items():
        data.setdefault(key, value)
    htmx = spec.htmx and draw(st.booleans(), label="htmx")
    return Submission(data=data, htmx=htmx)


def _is_row(name: str) -> bool:
    parts = name.split("-")
    return len(parts) >= 3 and parts[-2].isdigit()


# --- the database's fingerprint ----------------------------------------------------------


def tracked_models():
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in TRACKED_APPS and model._meta.managed
    ]


def fingerprint() -> dict:
    """{model: {pk: the row's values}} of every tracked table."""
    snapshot = {}
    for model in tracked_models():
        names = [f.attname for f in model._meta.concrete_fields]
        rows = model._base_manager.order_by("pk").values_list("pk", *names)
        snapshot[model] = {row[0]: row[1:] for row in rows}
    return snapshot


def changes(before: dict, after: dict) -> dict:
    """{model: {"added": pks, "deleted": pks, "changed": {pk: field names}}} of the
    tables that differ."""
    differences = {}
    for model, rows_after in after.items():
        rows_before = before.get(model, {})
        names = [f.name for f in model._meta.concrete_fields]
        added = rows_after.keys() - rows_before.keys()
        deleted = rows_before.keys() - rows_after.keys()
        changed = {}
        for pk in rows_after.keys() & rows_before.keys():
            old, new = rows_before[pk], rows_after[pk]
            if old != new:
                changed[pk] = {name for name, a, b in zip(names, old, new, strict=True) if a != b}
        if added or deleted or changed:
            differences[model] = {"added": added, "changed": changed, "deleted": deleted}
    return differences


def describe_changes(differences: dict) -> str:
    return "; ".join(
        f"{model._meta.label}: "
        + ", ".join(
            f"{kind} {dict(sorted(pks.items())) if isinstance(pks, dict) else sorted(pks)}"
            for kind, pks in kinds.items()
            if pks
        )
        for model, kinds in differences.items()
    )


# --- posting and judging ---------------------------------------------------------------


def _for_client(data: dict) -> dict:
    return {
        key: [fuzz.as_file(item) for item in value]
        if isinstance(value, list)
        else fuzz.as_file(value)
        for key, value in data.items()
    }


def _readable(response) -> str:
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode(response.charset or "utf-8", errors="replace")


class Refused(AssertionError):
    """What a user would notice that is wrong with the portal's answer."""


def post_and_judge(
    client, url: str, submission: Submission, *, login_path: str, exclude: dict
) -> str:
    """Post and judge one submission; returns what happened ("saved", "refused 200"...)."""
    mail.outbox = []
    cache.clear()  # rate limits of allauth count failed logins in the cache
    headers = {"HX-Request": "true"} if submission.htmx else {}
    with transaction.atomic():
        before = fingerprint()
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post(url, _for_client(submission.data), headers=headers)
        after = fingerprint()
        try:
            return _judge(response, changes(before, after), login_path=login_path, exclude=exclude)
        finally:
            transaction.set_rollback(True)


def _judge(response, differences: dict, *, login_path: str, exclude: dict) -> str:
    status = response.status_code
    if status >= 500:
        raise Refused(f"server error {status}")
    levels = {message.level for message in get_messages(response.wsgi_request)}
    redirect = status in (301, 302, 303)
    if (
        redirect
        and response.url.startswith(login_path)
        and "login" not in response.request["PATH_INFO"]
    ):
        raise Refused(f"sent to sign in: {response.url}")
    body = _readable(response)
    content_type = response.get("Content-Type", "")
    answer = json.loads(body) if content_type.startswith("application/json") else None
    said_error = message_levels.ERROR in levels
    if answer is not None:
        success = status == 200 and answer.get("status") == "saved"
    else:
        success = message_levels.SUCCESS in levels or (redirect and not said_error)

    if not success:
        if differences:
            raise Refused(f"refused ({status}) but half-saved: {describe_changes(differences)}")
        if answer is not None:
            if not str(answer.get("message", "")).strip():
                raise Refused(f"refused ({status}) with a JSON answer that says nothing: {answer}")
        elif redirect:
            pass  # an error message waits on the next page (said_error)
        elif status == 429:
            pass  # allauth's rate limit, a page of its own
        elif status in (200, 400, 409, 422):
            if not said_error and not any(marker in body for marker in ERROR_MARKERS):
                raise Refused(f"refused ({status}) without saying what is wrong")
        else:
            raise Refused(f"answered {status} to a form its user may send")
        return f"refused {status}"
    for model, kinds in differences.items():
        touched = kinds["added"] | kinds["changed"].keys()
        for instance in model._base_manager.filter(pk__in=touched):
            # A new row answers for all its fields; a changed one for what changed (the
            # data set's own rows are not all complete, e.g. made without a creator).
            names = kinds["changed"].get(instance.pk)
            try:
                instance.full_clean(exclude=exclude.get(model._meta.label, ()))
            except ValidationError as error:
                problems = {
                    field: messages
                    for field, messages in error.message_dict.items()
                    if names is None or field in names or field == "__all__"
                }
                if problems:
                    raise Refused(
                        f"saved an invalid {model._meta.label} #{instance.pk}: {problems}"
                    ) from error
    return "saved" if differences else f"accepted {status}"
