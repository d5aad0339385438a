"""Writes of an applicant's application: start, save a section, upload, submit, withdraw.

Saving is optimistic: ``Application.section_versions`` counts the saves of each
section, and a form carries the version it was loaded with. A save whose version is
out of date does not overwrite; it raises ``SectionConflict`` so the person is shown
what the other member saved. Besides the per-section counters the dict keeps, under
``"_saved"``, who saved each section last and when (``{"summary": {"by": 3, "at": iso}}``).
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import DecimalField, ExpressionWrapper, F, Max, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organisation
from grants.enums import ApplicationState
from grants.files import check_upload
from grants.models import (
    Application,
    ApplicationLocation,
    Attachment,
    BudgetLine,
    Call,
    Partner,
    RequiredDocument,
    WorkPlanActivity,
)
from grants.rules import can_apply, can_edit_application, can_withdraw_application
from grants.services.states import application_set_state

CENT = Decimal("0.01")
SAVED_KEY = "_saved"

# The sections of the form, in order: (slug, title).
SECTIONS = [
    ("summary", gettext_lazy("Summary")),
    ("problem", gettext_lazy("Problem and target groups")),
    ("workplan", gettext_lazy("Objectives and work plan")),
    ("locations", gettext_lazy("Locations")),
    ("partners", gettext_lazy("Partners")),
    ("beneficiaries", gettext_lazy("Beneficiaries")),
    ("budget", gettext_lazy("Budget")),
    ("documents", gettext_lazy("Documents")),
    ("declaration", gettext_lazy("Declaration")),
]
SECTION_TITLES = dict(SECTIONS)

# The model fields each section writes, and the rows (if any) it replaces.
SECTION_FIELDS = {
    "summary": ["title", "theme", "summary", "duration_months"],
    "problem": ["problem", "target_groups"],
    "workplan": ["objectives"],
    "locations": [],
    "partners": [],
    "beneficiaries": [
        "beneficiaries_women",
        "beneficiaries_men",
        "beneficiaries_girls",
        "beneficiaries_boys",
    ],
    "budget": ["cofinancing_local_budget", "cofinancing_other", "cofinancing_sources"],
    "documents": [],
    "declaration": ["declaration_accepted"],
}
SECTION_ROWS = {
    "workplan": (WorkPlanActivity, ["activity", "start_month", "end_month"]),
    "locations": (ApplicationLocation, ["region"]),
    "partners": (Partner, ["kind", "name", "role"]),
    "budget": (BudgetLine, ["category", "description", "unit", "quantity", "unit_cost"]),
}


class SectionConflict(Exception):
    """Another save of the same section happened since the form was loaded."""

    def __init__(self, *, section: str, version: int, saved_by, saved_at, by):
        self.section = section
        self.version = version
        self.saved_by = saved_by
        self.saved_at = saved_at
        super().__init__(self.message(by))

    def message(self, by) -> str:
        time = timezone.localtime(self.saved_at).strftime("%H:%M") if self.saved_at else ""
        if self.saved_by is not None and by is not None and self.saved_by.pk == by.pk:
            return _(
                "You saved this section at %(time)s in another window while you were editing."
            ) % {"time": time}
        name = (self.saved_by.get_short_name() if self.saved_by else "") or _("Someone")
        return _("%(name)s saved this section at %(time)s while you were editing.") % {
            "name": name,
            "time": time,
        }

    def as_json(self, *, by, differences) -> dict:
        """What an autosave is told when it lost the race (answered with status 409)."""
        return {
            "status": "conflict",
            "message": self.message(by),
            "version": self.version,
            "differences": [{key: str(value) for key, value in d.items()} for d in differences],
        }


class AlreadySubmitted(ValidationError):
    """The application left the draft state (another click or another member won)."""


@dataclass(frozen=True)
class Problem:
    """One reason the application cannot be submitted yet, pointing at where to fix it."""

    section: str
    field: str
    message: str

    @property
    def anchor(self) -> str:
        return f"id_{self.field}" if self.field else ""


class SubmissionRefused(ValidationError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__([problem.message for problem in problems])


# --- reading the concurrency bookkeeping ------------------------------------------


def section_version(application: Application, section: str) -> int:
    return int(application.section_versions.get(section, 0))


def section_last_saved(
    application: Application, section: str
) -> tuple[int | None, datetime | None]:
    """(user id, time) of the last save of a section, or (None, None)."""
    saved = application.section_versions.get(SAVED_KEY, {}).get(section) or {}
    at = parse_datetime(saved["at"]) if saved.get("at") else None
    return saved.get("by"), at


# --- start --------------------------------------------------------------------------


def organisation_may_apply(organisation: Organisation, call: Call) -> bool:
    return organisation.legal_form in call.eligible_legal_forms


def application_existing(*, call: Call, organisation: Organisation) -> Application | None:
    """The organisation's live application to the call (a draft or a submitted one)."""
    return (
        Application.objects.filter(call=call, organisation=organisation)
        .exclude(state=ApplicationState.WITHDRAWN)
        .order_by("-created_at")
        .first()
    )


@transaction.atomic
def application_start(*, call: Call, organisation: Organisation, by) -> tuple[Application, bool]:
    """Start a draft, or return the organisation's existing one: (application, created)."""
    # The organisation's row is the lock that keeps two quick clicks to one draft.
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not can_apply(by, organisation):
        raise PermissionDenied
    existing = application_existing(call=call, organisation=organisation)
    if existing is not None:
        return existing, False
    if not call.is_open:
        raise ValidationError(_("This call is not open for applications."))
    if not organisation_may_apply(organisation, call):
        raise ValidationError(
            _("Organisations of this legal form (%(form)s) cannot apply to this call.")
            % {"form": organisation.get_legal_form_display()}
        )
    application = Application(call=call, organisation=organisation, created_by=by, updated_by=by)
    application.full_clean(exclude=["title"])
    application.save()
    return application, True


# --- saving a section ---------------------------------------------------------------


def _lock_for_edit(application: Application, by) -> Application:
    # Only the application's row is locked: saves in other applications go on in parallel.
    locked = Application.objects.select_for_update().get(pk=application.pk)
    # Reuse the caller's call and organisation (with its prefetched memberships).
    locked.call = application.call
    locked.organisation = application.organisation
    if locked.state not in ApplicationState.editable():
        raise AlreadySubmitted(
            _("This application has been submitted and can no longer be changed.")
        )
    if not can_edit_application(by, locked):
        raise PermissionDenied
    return locked


def _mark_saved(application: Application, section: str, by) -> None:
    versions = dict(application.section_versions)
    versions[section] = section_version(application, section) + 1
    saved = dict(versions.get(SAVED_KEY, {}))
    saved[section] = {"by": by.pk if by else None, "at": timezone.now().isoformat()}
    versions[SAVED_KEY] = saved
    application.section_versions = versions


def _replace_rows(application: Application, section: str, rows: list[dict]) -> None:
    model, fields = SECTION_ROWS[section]
    model.objects.filter(application=application).delete()
    objects = []
    seen_regions = set()
    for order, row in enumerate(rows):
        values = {name: row.get(name) for name in fields}
        if section == "locations":
            if values["region"] is None or values["region"].pk in seen_regions:
                continue
            seen_regions.add(values["region"].pk)
        if "order" in {field.name for field in model._meta.get_fields()}:
            values["order"] = order
        instance = model(application=application, **values)
        instance.full_clean(exclude=["application"])
        objects.append(instance)
    model.objects.bulk_create(objects)


@transaction.atomic
def application_save_section(
    *,
    application: Application,
    section: str,
    by,
    base_version: int,
    fields: dict | None = None,
    rows: list[dict] | None = None,
) -> Application:
    """Save one section of a draft: its fields and (for list sections) all its rows.

    Raises ``SectionConflict`` (and changes nothing) when someone saved the same section
    after ``base_version`` was read. ``rows`` (a list, possibly empty) replaces all the
    section's rows in the same transaction; ``None`` leaves them as they are.
    """
    if section not in SECTION_FIELDS or section == "documents":
        raise ValueError(f"Unknown section {section!r}")
    locked = _lock_for_edit(application, by)
    current = section_version(locked, section)
    if base_version != current:
        saved_by_id, saved_at = section_last_saved(locked, section)
        saved_by = get_user_model().objects.filter(pk=saved_by_id).first() if saved_by_id else None
        raise SectionConflict(
            section=section, version=current, saved_by=saved_by, saved_at=saved_at, by=by
        )

    allowed = SECTION_FIELDS[section]
    for name, value in (fields or {}).items():
        if name not in allowed:
            raise ValueError(f"{name} is not a field of the {section} section")
        setattr(locked, name, value)
    update_fields = list((fields or {}).keys())
    if section == "declaration":
        locked.declared_by = by if locked.declaration_accepted else None
        update_fields.append("declared_by")
    # Drafts may be incomplete: a blank title is checked at submission, not here.
    others = [f.name for f in Application._meta.concrete_fields if f.name not in update_fields]
    locked.full_clean(
        exclude=[*others, *(["title"] if not locked.title else [])],
        validate_unique=False,
        validate_constraints=False,
    )
    if section in SECTION_ROWS and rows is not None:
        _replace_rows(locked, section, rows)
    _mark_saved(locked, section, by)
    locked.updated_by = by
    locked.save(update_fields=[*update_fields, "section_versions", "updated_by", "updated_at"])
    if section == "budget":
        locked = application_recompute_budget(application=locked)
    return locked


def application_recompute_budget(*, application: Application) -> Application:
    """Store the project budget (sum of lines, in the database) and the amount requested."""
    total = application.budget_lines.aggregate(
        total=Sum(
            ExpressionWrapper(
                F("quantity") * F("unit_cost"),
                output_field=DecimalField(max_digits=24, decimal_places=4),
            )
        )
    )["total"] or Decimal("0")
    application.budget_total = Decimal(total).quantize(CENT)
    cofinancing = application.cofinancing_local_budget + application.cofinancing_other
    application.requested_amount = (application.budget_total - cofinancing).quantize(CENT)
    Application.objects.filter(pk=application.pk).update(
        budget_total=application.budget_total, requested_amount=application.requested_amount
    )
    return application


# --- uploads ------------------------------------------------------------------------


@transaction.atomic
def attachment_add(
    *, application: Application, uploaded, by, document: RequiredDocument | None = None
) -> Attachment:
    """Check one uploaded file and store it at once, whatever happens to other fields."""
    locked = _lock_for_edit(application, by)
    if document is not None and document.call_id != locked.call_id:
        raise ValidationError(_("This document is not asked for by the call."))
    checked = check_upload(uploaded)
    attachment = Attachment(
        application=locked,
        document=document,
        original_name=(uploaded.name or "")[:255],
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=by,
    )
    attachment.file.save(uploaded.name or "upload", checked.content, save=False)
    try:
        attachment.full_clean()
        attachment.save()
        _mark_saved(locked, "documents", by)
        locked.updated_by = by
        locked.save(update_fields=["section_versions", "updated_by", "updated_at"])
    except Exception:
        # No file on disk without its row.
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: Attachment, by) -> None:
    locked = _lock_for_edit(attachment.application, by)
    name = attachment.file.name
    storage = attachment.file.storage
    attachment.delete()
    _mark_saved(locked, "documents", by)
    locked.updated_by = by
    locked.save(update_fields=["section_versions", "updated_by", "updated_at"])
    transaction.on_commit(lambda: storage.delete(name))


# --- submission ---------------------------------------------------------------------


def _money(value: Decimal, currency: str) -> str:
    return f"{value.quantize(CENT):,.2f} {currency}"


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f}"


def application_problems(application: Application, *, now=None) -> list[Problem]:
    """Every reason the application cannot be submitted, each pointing at its section."""
    now = now or timezone.now()
    call = application.call
    currency = call.programme.currency
    problems: list[Problem] = []

    def need(section, field, message):
        problems.append(Problem(section, field, str(message)))

    # The deadline first: nothing else matters if the call does not accept submissions.
    if now < call.opens_at:
        need(
            "",
            "",
            _("The call opens on %(time)s; applications cannot be submitted yet.")
            % {"time": timezone.localtime(call.opens_at).strftime("%d.%m.%Y %H:%M")},
        )
    elif now >= call.closes_at:
        need(
            "",
            "",
            _("The deadline (%(time)s, Bishkek time) has passed.")
            % {"time": timezone.localtime(call.closes_at).strftime("%d.%m.%Y %H:%M")},
        )

    organisation = application.organisation
    if not organisation_may_apply(organisation, call):
        need(
            "",
            "",
            _("Organisations of this legal form (%(form)s) cannot apply to this call.")
            % {"form": organisation.get_legal_form_display()},
        )

    required_text = {
        "summary": ["title", "summary"],
        "problem": ["problem", "target_groups"],
        "workplan": ["objectives"],
    }
    for section, names in required_text.items():
        for name in names:
            if not (getattr(application, name) or "").strip():
                label = Application._meta.get_field(name).verbose_name
                need(
                    section, name, _("%(field)s is required.") % {"field": str(label).capitalize()}
                )
    if application.theme_id is None:
        need("summary", "theme", _("Choose the theme of the project."))
    elif not call.themes.filter(pk=application.theme_id).exists():
        need("summary", "theme", _("Choose one of the call's themes."))
    if not application.duration_months:
        need("summary", "duration_months", _("Give the duration of the project in months."))

    activities = list(application.activities.all())
    if not activities:
        need("workplan", "rows-0-activity", _("Add at least one activity to the work plan."))
    for activity in activities:
        if activity.end_month < activity.start_month:
            need(
                "workplan",
                "",
                _("“%(activity)s” ends before it starts.") % {"activity": activity.activity},
            )
        elif application.duration_months and activity.end_month > application.duration_months:
            need(
                "workplan",
                "",
                _("“%(activity)s” runs past the end of the project (month %(months)s).")
                % {"activity": activity.activity, "months": application.duration_months},
            )

    # .all() reads the pages' prefetches where they made them (see grants.display).
    locations = list(application.locations.all())
    if not locations:
        need("locations", "rows-0-region_1", _("Add at least one location."))
    else:
        from regions.selectors import within_filter

        eligible_ids = list(call.eligible_regions.values_list("pk", flat=True))
        if eligible_ids:
            inside = set(
                type(locations[0].region)
                .objects.filter(within_filter(eligible_ids))
                .filter(pk__in=[location.region_id for location in locations])
                .values_list("pk", flat=True)
            )
            for location in locations:
                if location.region_id not in inside:
                    need(
                        "locations",
                        "",
                        _("%(place)s is outside the call's eligible regions.")
                        % {"place": location.region.name},
                    )

    if not application.beneficiaries_total:
        need(
            "beneficiaries", "beneficiaries_women", _("Give the expected number of beneficiaries.")
        )

    lines = len(application.budget_lines.all())
    if not lines:
        need("budget", "rows-0-description", _("Add at least one budget line."))
    total = application.budget_total
    cofinancing = application.cofinancing_local_budget + application.cofinancing_other
    requested = total - cofinancing
    if lines and requested <= 0:
        need(
            "budget",
            "cofinancing_local_budget",
            _(
                "The co-financing covers the whole budget: "
                "the amount requested must be more than zero."
            ),
        )
    elif lines:
        if requested < call.min_grant or requested > call.max_grant:
            need(
                "budget",
                "cofinancing_local_budget",
                _("The amount requested (%(requested)s) must be between %(min)s and %(max)s.")
                % {
                    "requested": _money(requested, currency),
                    "min": _money(call.min_grant, currency),
                    "max": _money(call.max_grant, currency),
                },
            )
        if call.cofinancing_min_percent and total > 0:
            share = (cofinancing * 100 / total).quantize(CENT)
            if share < call.cofinancing_min_percent:
                need(
                    "budget",
                    "cofinancing_local_budget",
                    _(
                        "Co-financing is %(share)s%% of the project; "
                        "the call expects at least %(min)s%%."
                    )
                    % {"share": _percent(share), "min": _percent(call.cofinancing_min_percent)},
                )

    uploaded = {attachment.document_id for attachment in application.attachments.all()}
    for document in call.documents.all():
        if document.is_mandatory and document.pk not in uploaded:
            need(
                "documents",
                f"document_{document.pk}",
                _("Upload the document “%(document)s”.") % {"document": document.name},
            )

    if not application.declaration_accepted:
        need("declaration", "declaration_accepted", _("Accept the declaration."))
    # In the order of the form; problems of no section (deadline, eligibility) first.
    order = {slug: position for position, (slug, _title) in enumerate(SECTIONS)}
    return sorted(problems, key=lambda problem: order.get(problem.section, -1))


def _next_reference(call: Call) -> tuple[int, str]:
    sequence = (
        Application.objects.filter(call=call, sequence__isnull=False).aggregate(
            last=Max("sequence")
        )["last"]
        or 0
    ) + 1
    year = timezone.localtime(call.opens_at).year
    return sequence, f"{call.programme.reference_prefix}-{year}-{sequence:03d}"


@transaction.atomic
def application_submit(*, application: Application, by) -> Application:
    """Submit a complete draft: one reference per call in order, a receipt by mail.

    The application row is locked first (two clicks, two members: one wins, the other is
    told politely), then the call row, which serialises the numbering within the call.
    """
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.state != ApplicationState.DRAFT:
        raise AlreadySubmitted(
            _("This application was already submitted a moment ago (reference %(reference)s).")
            % {"reference": locked.reference}
            if locked.reference
            else _("This application is no longer a draft and cannot be submitted.")
        )
    locked = (
        Application.objects.select_related("call", "call__programme", "organisation")
        .prefetch_related("organisation__memberships")
        .get(pk=locked.pk)
    )
    if not can_edit_application(by, locked):
        raise PermissionDenied
    problems = application_problems(locked)
    if problems:
        raise SubmissionRefused(problems)
    call = Call.objects.select_for_update().select_related("programme").get(pk=locked.call_id)
    sequence, reference = _next_reference(call)
    submitted = application_set_state(
        application=locked,
        to_state=ApplicationState.SUBMITTED,
        by=by,
        expected_state=ApplicationState.DRAFT,
        extra_fields={"sequence": sequence, "reference": reference, "submitted_at": timezone.now()},
    )
    from grants.tasks import application_send_receipt

    # Written into the mail outbox with the submission: a broker outage loses no receipt.
    application_send_receipt(application_id=submitted.pk, user_id=by.pk)
    return submitted


@transaction.atomic
def application_withdraw(*, application: Application, by, reason: str) -> Application:
    if not reason.strip():
        raise ValidationError({"reason": _("Tell us why the application is withdrawn.")})
    if not can_withdraw_application(by, application):
        raise PermissionDenied
    return application_set_state(
        application=application,
        to_state=ApplicationState.WITHDRAWN,
        by=by,
        reason=reason.strip(),
        expected_state=application.state,
    )
