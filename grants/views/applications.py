"""The applicant's side of an application: start, sections, uploads, submit, withdraw.

Access is decided by the queryset (``applications_for_user``): an application a user
may not know about is a 404. Members who may only read (viewers, staff) get a 403 on
the editing pages; a submitted application is frozen.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.enums import MembershipRole
from accounts.models import Organisation
from config.page_cache import cached_page
from grants.display import application_with_everything, attachments_by_document
from grants.enums import ApplicationState
from grants.files import ACCEPT_ATTRIBUTE, safe_filename, upload_limit_megabytes
from grants.forms.applications import (
    StartForm,
    WithdrawForm,
    section_differences,
    section_forms,
)
from grants.models import ApplicationLocation, Attachment
from grants.pdf import render_pdf
from grants.rules import can_edit_application, can_withdraw_application, member_role
from grants.selectors import (
    application_budget_totals,
    applications_for_user,
    applications_of_my_organisations,
    calls_public,
)
from grants.services.applications import (
    SECTION_TITLES,
    SECTIONS,
    AlreadySubmitted,
    SectionConflict,
    SubmissionRefused,
    application_existing,
    application_problems,
    application_save_section,
    application_start,
    application_submit,
    application_withdraw,
    attachment_add,
    attachment_delete,
    organisation_may_apply,
    section_last_saved,
    section_version,
)
from grants.services.states import StaleStateError, timeline_for
from regions.forms import picker_refine_requested

PAGE_SIZE = 25
SECTION_PREFETCH = {
    "workplan": ["activities"],
    "locations": [
        Prefetch(
            "locations",
            queryset=ApplicationLocation.objects.select_related("region"),
        )
    ],
    "partners": ["partners"],
    "budget": ["budget_lines"],
    "documents": [],
}


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _local_time(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def _steps(application, current: str, problems) -> list[dict]:
    incomplete = {problem.section for problem in problems}
    return [
        {
            "slug": slug,
            "title": title,
            "number": number,
            "current": slug == current,
            # Complete: saved at least once and nothing missing (optional sections too).
            "complete": slug not in incomplete and section_version(application, slug) > 0,
            "url": reverse("application_section", args=[application.pk, slug]),
        }
        for number, (slug, title) in enumerate(SECTIONS, start=1)
    ]


def _next_section_url(application, section: str) -> str:
    slugs = [slug for slug, _title in SECTIONS]
    position = slugs.index(section)
    if position + 1 < len(slugs):
        return reverse("application_section", args=[application.pk, slugs[position + 1]])
    return reverse("application_submit", args=[application.pk])


def _frozen_response(request, application):
    message = _("This application has been submitted and can no longer be changed.")
    if _is_htmx(request):
        return JsonResponse({"status": "frozen", "message": message}, status=409)
    messages.info(request, message)
    return redirect("application_detail", pk=application.pk)


def _editable(request, pk, *prefetch):
    """The application for an editing page: 404 outside, 403 for readers, None if frozen."""
    application = get_object_or_404(
        applications_for_user(request.user).prefetch_related(*prefetch), pk=pk
    )
    if member_role(request.user, application.organisation) not in MembershipRole.can_edit():
        raise PermissionDenied
    return application, application.state not in ApplicationState.editable()


# --- start and list ------------------------------------------------------------------


@login_required
def application_start_view(request, slug):
    call = get_object_or_404(calls_public().prefetch_related("documents"), slug=slug)
    editable = Organisation.objects.filter(
        memberships__user=request.user, memberships__role__in=MembershipRole.can_edit()
    ).order_by("name")
    organisations = [org for org in editable if organisation_may_apply(org, call)]
    eligible = editable.filter(pk__in=[org.pk for org in organisations])
    context = {"call": call, "organisations": organisations, "not_eligible": list(editable)}
    if not organisations or not call.is_open:
        return render(request, "grants/applications/start.html", context)
    if request.method == "GET" and len(organisations) == 1:
        existing = application_existing(call=call, organisation=organisations[0])
        if existing is not None:
            return redirect("application_detail", pk=existing.pk)
    form = StartForm(request.POST or None, organisations=eligible)
    if request.method == "POST" and form.is_valid():
        try:
            application, created = application_start(
                call=call, organisation=form.cleaned_data["organisation"], by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if not created:
                messages.info(request, _("Your organisation has already started this application."))
                if application.state != ApplicationState.DRAFT:
                    return redirect("application_detail", pk=application.pk)
            return redirect("application_section", pk=application.pk, section=SECTIONS[0][0])
    context["form"] = form
    return render(request, "grants/applications/start.html", context)


@login_required
@cached_page
def application_list_view(request):
    page = Paginator(applications_of_my_organisations(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "grants/applications/list.html", {"page": page})


@login_required
def application_detail_view(request, pk):
    application = get_object_or_404(
        application_with_everything(applications_for_user(request.user)), pk=pk
    )
    is_draft = application.state == ApplicationState.DRAFT
    problems = application_problems(application) if is_draft else []
    steps = _steps(application, "", problems) if is_draft else []
    context = {
        "application": application,
        "budget": application_budget_totals(application),
        "timeline": _labelled(timeline_for(application)),
        "can_edit": can_edit_application(request.user, application),
        "can_withdraw": can_withdraw_application(request.user, application),
        "steps": steps,
        # "Continue": the first section still to do, or the submit page when all is done.
        "continue_url": next(
            (step["url"] for step in steps if not step["complete"]),
            reverse("application_submit", args=[application.pk]),
        ),
        "general_problems": [problem for problem in problems if not problem.section],
        "withdraw_form": WithdrawForm(),
    }
    return render(request, "grants/applications/detail.html", context)


def _labelled(transitions) -> list:
    labels = dict(ApplicationState.choices)
    transitions = list(transitions)
    for transition in transitions:
        transition.label = labels.get(transition.to_state, transition.to_state)
    return transitions


# --- sections -------------------------------------------------------------------------


def _last_saved_text(application, section: str) -> str:
    user_id, at = section_last_saved(application, section)
    if at is None:
        return ""
    return _("Last saved at %(time)s.") % {"time": _local_time(at)}


def _section_context(request, application, section, form, formset, problems, **extra):
    context = {
        "application": application,
        "section": section,
        "section_title": SECTION_TITLES[section],
        "steps": _steps(application, section, problems),
        "problems": [problem for problem in problems if problem.section == section],
        "form": form,
        "formset": formset,
        "base_version": section_version(application, section),
        "last_saved": _last_saved_text(application, section),
        "currency": application.call.programme.currency,
        "next_url": _next_section_url(application, section),
    }
    if section == "budget":
        context["budget"] = application_budget_totals(application)
    context.update(extra)
    return context


def _saved_json(application, section) -> dict:
    body = {
        "status": "saved",
        "message": _("Saved at %(time)s") % {"time": _local_time(timezone.now())},
        "version": section_version(application, section),
    }
    if section == "budget":
        body["budget"] = {
            "total": f"{application.budget_total:,.2f}",
            "requested": f"{application.requested_amount:,.2f}",
        }
    return body


@login_required
@cached_page
def application_section_view(request, pk, section):
    if section not in SECTION_TITLES:
        raise Http404
    if section == "documents":
        return application_documents_view(request, pk)
    application, frozen = _editable(request, pk, *SECTION_PREFETCH.get(section, []))
    if frozen:
        return _frozen_response(request, application)
    if request.method != "POST":
        form, formset = section_forms(application, section)
        context = _section_context(
            request, application, section, form, formset, application_problems(application)
        )
        return render(request, "grants/applications/section.html", context)

    form, formset = section_forms(application, section, request.POST)
    parts = [part for part in (form, formset) if part is not None]
    results = [part.is_valid() for part in parts]  # validate every part: all show errors
    valid = all(results)
    save_errors = []
    if valid:
        try:
            base_version = int(request.POST.get("base_version", "0"))
        except ValueError:
            base_version = -1
        try:
            application = application_save_section(
                application=application,
                section=section,
                by=request.user,
                base_version=base_version,
                fields=form.cleaned_data if form is not None else None,
                rows=formset.rows() if formset is not None else None,
            )
        except AlreadySubmitted:
            return _frozen_response(request, application)
        except SectionConflict as conflict:
            return _conflict_response(request, application.pk, section, form, formset, conflict)
        except ValidationError as error:
            save_errors = error.messages
        else:
            if _is_htmx(request):
                return JsonResponse(_saved_json(application, section))
            messages.success(
                request, _("Saved at %(time)s.") % {"time": _local_time(timezone.now())}
            )
            if "continue" in request.POST:
                return redirect(_next_section_url(application, section))
            return redirect("application_section", pk=application.pk, section=section)

    if _is_htmx(request):
        errors = _error_list(form, formset) + save_errors
        return JsonResponse(
            {
                "status": "invalid",
                "message": _("Not saved yet: %(errors)s") % {"errors": " ".join(errors)},
                "errors": errors,
            },
            status=422,
        )
    # The region picker's no-JavaScript button only asks for the lower lists.
    refine = formset is not None and any(picker_refine_requested(row) for row in formset)
    context = _section_context(
        request,
        application,
        section,
        form,
        formset,
        application_problems(application),
        save_errors=save_errors,
        refine=refine,
    )
    return render(request, "grants/applications/section.html", context)


def _error_list(form, formset) -> list[str]:
    errors = []
    if form is not None:
        for name, field_errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            errors += [f"{label}: {error}" if label else error for error in field_errors]
    if formset is not None:
        errors += list(formset.non_form_errors())
        for number, row in enumerate(formset.forms, start=1):
            for name, field_errors in row.errors.items():
                label = row.fields[name].label if name in row.fields else ""
                errors += [
                    _("Row %(number)s, %(field)s: %(error)s")
                    % {"number": number, "field": label, "error": error}
                    for error in field_errors
                ]
    return errors


def _conflict_response(request, pk, section, form, formset, conflict):
    saved = get_object_or_404(
        applications_for_user(request.user).prefetch_related(*SECTION_PREFETCH.get(section, [])),
        pk=pk,
    )
    differences = section_differences(section, form, formset, saved)
    message = conflict.message(request.user)
    if _is_htmx(request):
        return JsonResponse(conflict.as_json(by=request.user, differences=differences), status=409)
    context = _section_context(
        request,
        saved,
        section,
        form,
        formset,
        application_problems(saved),
        conflict={"message": message, "differences": differences},
        base_version=conflict.version,
    )
    return render(request, "grants/applications/section.html", context, status=409)


# --- documents -------------------------------------------------------------------------


def application_documents_view(request, pk):
    application, frozen = _editable(
        request,
        pk,
        Prefetch("attachments", queryset=Attachment.objects.select_related("document")),
        "call__documents",
    )
    if frozen:
        return _frozen_response(request, application)
    upload_errors: dict[str, list[str]] = {}
    if request.method == "POST":
        slots = [(f"document_{doc.pk}", doc) for doc in application.call.documents.all()]
        slots.append(("document_extra", None))
        stored = 0
        for name, document in slots:
            for uploaded in request.FILES.getlist(name):
                try:
                    attachment_add(
                        application=application,
                        uploaded=uploaded,
                        by=request.user,
                        document=document,
                    )
                except AlreadySubmitted:
                    return _frozen_response(request, application)
                except ValidationError as error:
                    upload_errors.setdefault(name, []).extend(error.messages)
                else:
                    stored += 1
        if stored:
            messages.success(
                request,
                _("%(count)s file(s) uploaded at %(time)s.")
                % {"count": stored, "time": _local_time(timezone.now())},
            )
        if not upload_errors:
            if not stored:
                messages.info(request, _("No file was chosen."))
            elif "continue" in request.POST:
                return redirect(_next_section_url(application, "documents"))
            return redirect("application_section", pk=application.pk, section="documents")
        # Refetch so the page lists the files stored in this request.
        application, _frozen = _editable(
            request,
            pk,
            Prefetch("attachments", queryset=Attachment.objects.select_related("document")),
            "call__documents",
        )
    slots = [
        {
            "document": document,
            "name": f"document_{document.pk}" if document else "document_extra",
            "files": files,
            "errors": upload_errors.get(
                f"document_{document.pk}" if document else "document_extra", []
            ),
        }
        for document, files in attachments_by_document(application)
    ]
    context = _section_context(
        request,
        application,
        "documents",
        None,
        None,
        application_problems(application),
        slots=slots,
        upload_errors=upload_errors,
        accept=ACCEPT_ATTRIBUTE,
        limit_mb=upload_limit_megabytes(),
    )
    return render(request, "grants/applications/documents.html", context)


@login_required
@require_POST
def attachment_delete_view(request, pk, attachment_pk):
    application, frozen = _editable(request, pk)
    if frozen:
        return _frozen_response(request, application)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, application=application)
    attachment.application = application
    try:
        attachment_delete(attachment=attachment, by=request.user)
    except AlreadySubmitted:
        return _frozen_response(request, application)
    messages.success(request, _("“%(name)s” was deleted.") % {"name": attachment.original_name})
    return redirect("application_section", pk=application.pk, section="documents")


@login_required
def attachment_download_view(request, pk, attachment_pk):
    application = get_object_or_404(applications_for_user(request.user), pk=pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, application=application)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=safe_filename(attachment.original_name),
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- submit, withdraw, print ------------------------------------------------------------


@login_required
def application_submit_view(request, pk):
    application = get_object_or_404(applications_for_user(request.user), pk=pk)
    if application.state != ApplicationState.DRAFT:
        messages.info(request, _("This application is no longer a draft: nothing to submit."))
        return redirect("application_detail", pk=application.pk)
    if not can_edit_application(request.user, application):
        raise PermissionDenied
    if request.method == "POST":
        try:
            application = application_submit(application=application, by=request.user)
        except AlreadySubmitted as error:
            messages.info(request, " ".join(error.messages))
            return redirect("application_detail", pk=application.pk)
        except (StaleStateError, SubmissionRefused):
            pass  # The page below lists every problem as it stands now.
        else:
            messages.success(
                request,
                _(
                    "Your application was received. Its reference is %(reference)s; "
                    "a receipt was sent to %(email)s."
                )
                % {"reference": application.reference, "email": request.user.email},
            )
            return redirect("application_detail", pk=application.pk)
    problems = application_problems(application)
    context = {
        "application": application,
        "problems": problems,
        "titles": SECTION_TITLES,
        "steps": _steps(application, "", problems),
        "budget": application_budget_totals(application),
    }
    return render(request, "grants/applications/submit.html", context)


@login_required
@require_POST
def application_withdraw_view(request, pk):
    application = get_object_or_404(applications_for_user(request.user), pk=pk)
    if not can_withdraw_application(request.user, application):
        raise PermissionDenied
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            application_withdraw(
                application=application, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The application was withdrawn."))
        return redirect("application_detail", pk=application.pk)
    messages.error(request, _("Tell us why the application is withdrawn."))
    return redirect("application_detail", pk=application.pk)


@login_required
def application_print_view(request, pk):
    application = get_object_or_404(
        application_with_everything(applications_for_user(request.user)), pk=pk
    )
    context = {
        "application": application,
        "budget": application_budget_totals(application),
        "printed_at": timezone.now(),
    }
    return render(request, "grants/applications/print.html", context)


@login_required
def application_pdf_view(request, pk):
    """The same copy as a PDF file, for the organisation's records."""
    application = get_object_or_404(
        application_with_everything(applications_for_user(request.user)), pk=pk
    )
    context = {
        "application": application,
        "budget": application_budget_totals(application),
        "printed_at": timezone.now(),
    }
    pdf = render_pdf("grants/applications/pdf.html", context, request=request)
    name = safe_filename(f"{application.reference or 'draft'}.pdf")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
