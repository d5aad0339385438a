"""Donor summaries: the list (with staff's request form), a summary's page with its
progress while it is made, and its files.

Staff and donor viewers see every summary; for anyone else the pages do not exist (404).
Only staff may ask for one: a donor viewer posting the form gets a 403. Files are
served as attachments, only to those who may see the summary.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from config.page_cache import cached_page
from reporting.forms_summaries import SummaryRequestForm, default_period
from reporting.models import DonorSummary, SummaryStatus
from reporting.summaries import (
    can_request_summaries,
    can_see_summaries,
    summaries_visible_to,
    summary_request,
)
from reporting.summary_files import (
    XLSX_TYPE,
    headline_rows,
    rate_text,
    summary_download_name,
)

PAGE_SIZE = 25
POLL_STATUSES = {SummaryStatus.PENDING, SummaryStatus.RUNNING}


def _visible_or_404(user):
    if not can_see_summaries(user):
        raise Http404
    return summaries_visible_to(user)


@login_required
@cached_page
def donor_summary_list(request):
    summaries = _visible_or_404(request.user)
    may_request = can_request_summaries(request.user)
    if request.method == "POST":
        if not may_request:
            raise PermissionDenied
        form = SummaryRequestForm(request.POST)
        if form.is_valid():
            summary = _request(request, form)
            if summary is not None:
                return redirect("donor_summary_detail", pk=summary.pk)
    else:
        start, end = default_period(timezone.localdate())
        form = SummaryRequestForm(initial={"period_start": start, "period_end": end})
    page = Paginator(
        summaries.order_by("-period_start", "-period_end", "programme__name", "pk"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "reporting/summaries/list.html",
        {"page": page, "summaries": page.object_list, "form": form if may_request else None},
        status=400 if request.method == "POST" else 200,
    )


def _request(request, form) -> DonorSummary | None:
    data = form.cleaned_data
    before = (
        DonorSummary.objects.filter(
            programme=data["programme"],
            period_start=data["period_start"],
            period_end=data["period_end"],
        )
        .values_list("status", flat=True)
        .first()
    )
    try:
        summary = summary_request(
            programme=data["programme"],
            period_start=data["period_start"],
            period_end=data["period_end"],
            by=request.user,
            second_currency=data["second_currency"],
            exchange_rate=data["exchange_rate"],
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error.messages)
        return None
    if before is None:
        messages.success(request, _("The summary is being made: this page shows its progress."))
    elif before == SummaryStatus.FAILED:
        messages.success(request, _("The summary failed last time: it is being made again."))
    else:
        messages.info(
            request,
            _("A summary of this programme and period exists already: here it is."),
        )
    return summary


@login_required
@require_GET
def donor_summary_detail(request, pk):
    summary = get_object_or_404(_visible_or_404(request.user), pk=pk)
    headline = []
    if summary.status == SummaryStatus.READY and summary.figures:
        converted = summary.figures.get("converted") or {}
        try:
            headline = [
                {
                    "label": label,
                    "value": value,
                    "is_money": is_money,
                    "converted": converted.get(key),
                }
                for key, label, value, is_money in headline_rows(summary.figures)
            ]
        except (KeyError, TypeError):
            headline = []  # a snapshot of another shape: the files still hold it
    return render(
        request,
        "reporting/summaries/detail.html",
        {
            "summary": summary,
            "headline": headline,
            "currency": summary.programme.currency,
            "rate": rate_text(summary.exchange_rate),
            "may_request": can_request_summaries(request.user),
            "polling": summary.status in POLL_STATUSES,
        },
    )


@login_required
@require_GET
def donor_summary_progress(request, pk):
    """The progress fragment htmx polls every 2 s while the summary is being made."""
    summary = get_object_or_404(_visible_or_404(request.user), pk=pk)
    polling = summary.status in POLL_STATUSES
    response = render(
        request,
        "reporting/summaries/_progress.html",
        {
            "summary": summary,
            "may_request": can_request_summaries(request.user),
            "polling": polling,
        },
    )
    if not polling and request.headers.get("HX-Request") == "true":
        # Done while the page watched: reload it whole, with the figures it now has.
        response["HX-Refresh"] = "true"
    return response


def _file(request, pk, field: str, content_type: str, extension: str):
    summary = get_object_or_404(_visible_or_404(request.user), pk=pk)
    stored = getattr(summary, field)
    if summary.status != SummaryStatus.READY or not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=summary_download_name(summary, extension),
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def donor_summary_pdf(request, pk):
    return _file(request, pk, "pdf", "application/pdf", "pdf")


@login_required
@require_GET
def donor_summary_xlsx(request, pk):
    return _file(request, pk, "xlsx", XLSX_TYPE, "xlsx")
