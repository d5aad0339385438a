"""Progress reports: the organisation's pages (list, report, sections with autosave,
photos and documents, the offline workbook, submission) and staff's review.

Access is decided by the queryset (``reports_for_user``): a report a person may not
know about is a 404. Members who may only read (viewers, staff on these pages) get a
403 on the editing pages; a submitted or accepted report is frozen. Staff pages are a
404 for everyone else.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.enums import MembershipRole
from config.page_cache import cached_page
from grants.files import ACCEPT_ATTRIBUTE, safe_filename, upload_limit_megabytes
from grants.rules import is_programme_staff
from reporting.enums import ReportSection, ReportState
from reporting.forms import (
    OfflineUploadForm,
    ReportFileForm,
    ReturnForm,
    StaffReportFilter,
    section_differences,
    section_forms,
)
from reporting.models import ReportFile
from reporting.offline import OfflineUploadInvalid, report_offline_import, report_workbook
from reporting.rules import (
    can_edit_report,
    can_review_report,
    report_member_role,
    submission_opens_on,
)
from reporting.selectors import (
    report_figures,
    report_timeline,
    report_with_everything,
    reports_for_user,
    reports_of_my_organisations,
    staff_reports,
)
from reporting.services.reports import (
    SECTION_TITLES,
    SECTIONS,
    ReportLocked,
    SectionConflict,
    StaleStateError,
    SubmissionRefused,
    report_accept,
    report_file_add,
    report_file_delete,
    report_problems,
    report_return,
    report_save_section,
    report_submit,
    section_last_saved,
    section_version,
)

PAGE_SIZE = 25
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _local_time(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def _currency(report) -> str:
    return report.project.application.call.programme.currency


def _report_for_page(user, pk):
    return get_object_or_404(report_with_everything(reports_for_user(user)), pk=pk)


def _editable(request, pk):
    """The report for an editing page: 404 outside, 403 for readers; (report, frozen)."""
    report = _report_for_page(request.user, pk)
    if report_member_role(request.user, report) not in MembershipRole.can_edit():
        raise PermissionDenied
    return report, report.state not in ReportState.editable()


def _frozen_response(request, report):
    message = (
        _("This report has been accepted and can no longer be changed.")
        if report.state == ReportState.ACCEPTED
        else _("This report has been submitted and can no longer be changed.")
    )
    if _is_htmx(request):
        return JsonResponse({"status": "frozen", "message": message}, status=409)
    messages.info(request, message)
    return redirect("report_detail", pk=report.pk)


def _steps(report, current: str, problems) -> list[dict]:
    incomplete = {problem.section for problem in problems}
    comments = report.return_comments if report.state == ReportState.RETURNED else {}
    return [
        {
            "slug": slug,
            "title": title,
            "number": number,
            "current": slug == current,
            "complete": slug not in incomplete and section_version(report, slug) > 0,
            "comment": comments.get(slug, ""),
            "url": reverse("report_section", args=[report.pk, slug]),
        }
        for number, (slug, title) in enumerate(SECTIONS, start=1)
    ]


def _next_section_url(report, section: str) -> str:
    slugs = [slug for slug, _title in SECTIONS]
    position = slugs.index(section)
    if position + 1 < len(slugs):
        return reverse("report_section", args=[report.pk, slugs[position + 1]])
    return reverse("report_submit", args=[report.pk])


# --- the organisation's pages -----------------------------------------------------------


@login_required
def report_list(request):
    page = Paginator(reports_of_my_organisations(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    rows = [(report, report.status(today)) for report in page]
    return render(request, "reporting/list.html", {"page": page, "rows": rows})


@login_required
def report_detail(request, pk):
    report = _report_for_page(request.user, pk)
    can_edit = can_edit_report(request.user, report)
    problems = report_problems(report) if can_edit else []
    context = {
        "report": report,
        "status": report.status(),
        "currency": _currency(report),
        "figures": report_figures(report),
        "timeline": report_timeline(report),
        "can_edit": can_edit,
        "steps": _steps(report, "", problems) if can_edit else [],
        "general_problems": [problem for problem in problems if not problem.section],
        "comments": report.return_comments if report.state == ReportState.RETURNED else {},
        "section_titles": SECTION_TITLES,
        "opens_on": submission_opens_on(report),
    }
    return render(request, "reporting/detail.html", context)


def _last_saved_text(report, section: str) -> str:
    _user_id, at = section_last_saved(report, section)
    if at is None:
        return ""
    return _("Last saved at %(time)s.") % {"time": _local_time(at)}


def _spending_rows(report, rows):
    """Each budget line's form with the running total beside it (typed or saved)."""
    figures = {entry["line"].pk: entry for entry in report_figures(report)["spending"]}
    combined = []
    for form in rows:
        entry = dict(figures[form.parent.pk])
        entry["form"] = form
        combined.append(entry)
    return combined


def _section_context(report, section, form, rows, problems, **extra):
    context = {
        "report": report,
        "section": section,
        "section_title": SECTION_TITLES[section],
        "steps": _steps(report, section, problems),
        "problems": [problem for problem in problems if problem.section == section],
        "comment": (
            report.return_comments.get(section, "") if report.state == ReportState.RETURNED else ""
        ),
        "form": form,
        "rows": rows,
        "base_version": section_version(report, section),
        "last_saved": _last_saved_text(report, section),
        "currency": _currency(report),
        "next_url": _next_section_url(report, section),
    }
    if section == ReportSection.SPENDING and rows is not None:
        context["spending_rows"] = _spending_rows(report, rows)
    context.update(extra)
    return context


def _error_list(form, rows) -> list[str]:
    errors = []
    if form is not None:
        for name, field_errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            errors += [f"{label}: {error}" if label else error for error in field_errors]
    for row in rows or []:
        label = row.indicator.name if hasattr(row, "indicator") else row.fields["amount"].label
        for field_errors in row.errors.values():
            errors += [f"{label}: {error}" for error in field_errors]
    return errors


@login_required
@cached_page
def report_section(request, pk, section):
    if section not in SECTION_TITLES:
        raise Http404
    if section == ReportSection.FILES:
        return report_files(request, pk)
    report, frozen = _editable(request, pk)
    if frozen:
        return _frozen_response(request, report)
    if request.method != "POST":
        form, rows = section_forms(report, section)
        context = _section_context(report, section, form, rows, report_problems(report))
        return render(request, "reporting/section.html", context)

    form, rows = section_forms(report, section, request.POST)
    results = [part.is_valid() for part in (form, rows) if part is not None]  # all show errors
    valid = all(results)
    save_errors = []
    if valid:
        try:
            base_version = int(request.POST.get("base_version", "0"))
        except ValueError:
            base_version = -1
        try:
            report = report_save_section(
                report=report,
                section=section,
                by=request.user,
                base_version=base_version,
                fields=form.cleaned_data if form is not None else None,
                rows=rows.rows() if rows is not None else None,
            )
        except ReportLocked:
            return _frozen_response(request, report)
        except SectionConflict as conflict:
            return _conflict_response(request, pk, section, form, rows, conflict)
        except ValidationError as error:
            save_errors = error.messages
        else:
            if _is_htmx(request):
                return JsonResponse(
                    {
                        "status": "saved",
                        "message": _("Saved at %(time)s") % {"time": _local_time(timezone.now())},
                        "version": section_version(report, section),
                    }
                )
            messages.success(
                request, _("Saved at %(time)s.") % {"time": _local_time(timezone.now())}
            )
            if "continue" in request.POST:
                return redirect(_next_section_url(report, section))
            return redirect("report_section", pk=report.pk, section=section)

    if _is_htmx(request):
        errors = _error_list(form, rows) + save_errors
        return JsonResponse(
            {
                "status": "invalid",
                "message": _("Not saved yet: %(errors)s") % {"errors": " ".join(errors)},
                "errors": errors,
            },
            status=422,
        )
    context = _section_context(
        report, section, form, rows, report_problems(report), save_errors=save_errors
    )
    return render(request, "reporting/section.html", context)


def _conflict_response(request, pk, section, form, rows, conflict):
    saved = _report_for_page(request.user, pk)
    differences = section_differences(section, form, rows, saved)
    message = conflict.message(request.user)
    if _is_htmx(request):
        return JsonResponse(conflict.as_json(by=request.user, differences=differences), status=409)
    context = _section_context(
        saved,
        section,
        form,
        rows,
        report_problems(saved),
        conflict={"message": message, "differences": differences},
        base_version=conflict.version,
    )
    return render(request, "reporting/section.html", context, status=409)


def report_files(request, pk):
    """Photos and documents: upload one at a time with its caption, delete."""
    report, frozen = _editable(request, pk)
    if frozen:
        return _frozen_response(request, report)
    form = ReportFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            stored = report_file_add(
                report=report,
                uploaded=form.cleaned_data["file"],
                caption=form.cleaned_data["caption"],
                by=request.user,
            )
        except ReportLocked:
            return _frozen_response(request, report)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            messages.success(
                request, _("“%(name)s” was uploaded.") % {"name": stored.original_name}
            )
            if "continue" in request.POST:
                return redirect(_next_section_url(report, ReportSection.FILES))
            return redirect("report_section", pk=report.pk, section=ReportSection.FILES)
    context = _section_context(
        report,
        ReportSection.FILES,
        None,
        None,
        report_problems(report),
        upload_form=form,
        accept=ACCEPT_ATTRIBUTE,
        limit_mb=upload_limit_megabytes(),
    )
    return render(request, "reporting/files.html", context)


@login_required
@require_POST
def report_file_delete_view(request, pk, file_pk):
    report, frozen = _editable(request, pk)
    if frozen:
        return _frozen_response(request, report)
    stored = get_object_or_404(ReportFile, pk=file_pk, report=report)
    stored.report = report
    try:
        report_file_delete(report_file=stored, by=request.user)
    except ReportLocked:
        return _frozen_response(request, report)
    messages.success(request, _("“%(name)s” was deleted.") % {"name": stored.original_name})
    return redirect("report_section", pk=report.pk, section=ReportSection.FILES)


@login_required
def report_file_download(request, pk, file_pk):
    """A report's photo or document, only to those who may see the report."""
    report = get_object_or_404(reports_for_user(request.user), pk=pk)
    stored = get_object_or_404(ReportFile, pk=file_pk, report=report)
    try:
        handle = stored.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=safe_filename(stored.original_name),
        content_type=stored.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def report_submit_view(request, pk):
    report = _report_for_page(request.user, pk)
    if report.state not in ReportState.editable():
        messages.info(request, _("This report has been submitted already: nothing to submit."))
        return redirect("report_detail", pk=report.pk)
    if not can_edit_report(request.user, report):
        raise PermissionDenied
    if request.method == "POST":
        try:
            report_submit(report=report, by=request.user)
        except ReportLocked as error:
            messages.info(request, " ".join(error.messages))
            return redirect("report_detail", pk=report.pk)
        except (StaleStateError, SubmissionRefused):
            pass  # the page below lists every problem as it stands now
        else:
            messages.success(
                request,
                _("Your report was submitted. The programme team will review it."),
            )
            return redirect("report_detail", pk=report.pk)
        report = _report_for_page(request.user, pk)
    problems = report_problems(report)
    context = {
        "report": report,
        "problems": problems,
        "titles": SECTION_TITLES,
        "steps": _steps(report, "", problems),
        "currency": _currency(report),
    }
    return render(request, "reporting/submit.html", context)


# --- offline workbook ------------------------------------------------------------------


@login_required
def report_offline_download(request, pk):
    report = _report_for_page(request.user, pk)
    content = report_workbook(report)
    name = safe_filename(
        f"{report.project.agreement_number}-report-{report.number}.xlsx".replace("/", "-")
    )
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def report_offline_upload(request, pk):
    report, frozen = _editable(request, pk)
    if frozen:
        return _frozen_response(request, report)
    form = OfflineUploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            report_offline_import(
                report=report, uploaded=form.cleaned_data["file"], by=request.user
            )
        except ReportLocked:
            return _frozen_response(request, report)
        except OfflineUploadInvalid as invalid:
            errors = invalid.errors
        else:
            messages.success(
                request,
                _("The spreadsheet was read and the indicators and spending were saved."),
            )
            return redirect("report_detail", pk=report.pk)
    context = {"report": report, "form": form, "upload_errors": errors}
    return render(request, "reporting/offline.html", context)


# --- staff ---------------------------------------------------------------------------------


def _require_staff(user) -> None:
    if not is_programme_staff(user):
        raise Http404


@login_required
def staff_report_list(request):
    _require_staff(request.user)
    filterset = StaffReportFilter(request.GET, queryset=staff_reports(request.user))
    queryset = filterset.qs.order_by("awaiting", "due_on", "pk")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [(report, report.status(today)) for report in page]
    return render(
        request,
        "reporting/staff/list.html",
        {"filterset": filterset, "page": page, "rows": rows},
    )


def _staff_detail_context(request, report, return_form=None) -> dict:
    return {
        "report": report,
        "status": report.status(),
        "currency": _currency(report),
        "figures": report_figures(report),
        "timeline": report_timeline(report),
        "can_review": can_review_report(request.user, report),
        "return_form": return_form or ReturnForm(),
        "comments": report.return_comments if report.state == ReportState.RETURNED else {},
        "section_titles": SECTION_TITLES,
    }


@login_required
def staff_report_detail(request, pk):
    _require_staff(request.user)
    report = _report_for_page(request.user, pk)
    return render(request, "reporting/staff/detail.html", _staff_detail_context(request, report))


@login_required
@require_POST
def staff_report_return(request, pk):
    _require_staff(request.user)
    report = _report_for_page(request.user, pk)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            report_return(report=report, by=request.user, comments=form.comments())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The report was returned to the organisation with your comments.")
            )
            return redirect("staff_report_detail", pk=report.pk)
    context = _staff_detail_context(request, report, return_form=form)
    return render(request, "reporting/staff/detail.html", context, status=400)


@login_required
@require_POST
def staff_report_accept(request, pk):
    _require_staff(request.user)
    report = _report_for_page(request.user, pk)
    try:
        report_accept(report=report, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The report was accepted."))
    return redirect("staff_report_detail", pk=report.pk)
