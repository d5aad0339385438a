"""Staff's ranking of a call and the funding decisions: the ranking page with its
settings and proposed funding line, moving an application across the line, deciding
one application or many, and the exports for the meeting file.

Everyone but programme staff gets a 404 (the pages' existence is nobody else's
business); anonymous visitors are sent to sign in.
"""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from config.page_cache import cached_page
from grants.enums import CallState, DecisionOutcome
from grants.exports_ranking import decisions_record_context, ranking_xlsx
from grants.forms.ranking import (
    BulkDecisionForm,
    DecisionForm,
    FundingOverrideForm,
    RankingFilterForm,
    RankingSettingsForm,
)
from grants.models import Application, Call, CallReviewSettings
from grants.pdf import render_pdf
from grants.ranking import (
    DECIDABLE_STATES,
    RANKED_STATES,
    LineStatus,
    ranking_for_call,
    ranking_for_call_cached,
    ranking_hydrate,
    selection_fingerprint,
)
from grants.rules import is_programme_staff
from grants.selectors import calls_for_staff
from grants.services.decisions import (
    DECIDING_CALL_STATES,
    decision_record,
    decisions_record_bulk,
    funding_override_remove,
    funding_override_set,
    ranking_settings_update,
)
from grants.services.states import StaleStateError

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_staff(user) -> None:
    if not is_programme_staff(user):
        raise Http404


def _staff_call(request, pk) -> Call:
    _require_staff(request.user)
    return get_object_or_404(calls_for_staff(request.user), pk=pk)


def _ranked_application(request, pk) -> Application:
    _require_staff(request.user)
    return get_object_or_404(
        Application.objects.filter(state__in=RANKED_STATES).select_related(
            "call__programme", "organisation"
        ),
        pk=pk,
    )


def _ranking_url(call_pk: int, application_pk: int | None = None) -> str:
    """The ranking page; with an application, the page of the table that holds its row."""
    url = reverse("staff_ranking", args=[call_pk])
    if application_pk:
        return f"{url}?{urlencode({'application': application_pk})}#row-{application_pk}"
    return url


# --- the ranking page -------------------------------------------------------------------

# Rows of the table per page: the whole ranking is in the XLSX sheet.
ROWS_PER_PAGE = 50


def _page_of(position: int) -> int:
    return (position - 1) // ROWS_PER_PAGE + 1


def _requested_page(request, rows) -> str | int | None:
    """``?page=`` as asked, or else the page holding ``?application=`` (where staff come
    back to after acting on one application)."""
    if "page" in request.GET:
        return request.GET["page"]
    wanted = request.GET.get("application", "")
    if wanted.isdigit():
        for index, row in enumerate(rows):
            if row.application_id == int(wanted):
                return _page_of(index + 1)
    return None


def _render_ranking(request, call, review_settings, form, status=200):
    ranking = ranking_for_call_cached(call, review_settings=review_settings)
    filter_form = RankingFilterForm(request.GET)
    rows = filter_form.rows(ranking.rows)
    page = Paginator(rows, ROWS_PER_PAGE).get_page(_requested_page(request, rows))
    ranking_hydrate(ranking, page.object_list)
    can_decide = call.state in DECIDING_CALL_STATES
    proposed, below = ranking.proposed_rows, ranking.below_rows
    line_position = ranking.line_position
    context = {
        "call": call,
        "ranking": ranking,
        "page": page,
        "filter_form": filter_form,
        "filtered": rows is not ranking.rows,
        "line_position": line_position,
        "line_page": _page_of(line_position) if line_position else None,
        "form": form,
        "can_decide": can_decide,
        "proposed": proposed,
        "proposed_total": sum((row.requested_amount for row in proposed), 0),
        "proposed_fingerprint": selection_fingerprint(proposed),
        "below": below,
        "below_fingerprint": selection_fingerprint(below),
        "outcomes": DecisionOutcome.choices,
        "included_status": LineStatus.INCLUDED,
        "excluded_status": LineStatus.EXCLUDED,
    }
    return render(request, "grants/ranking/ranking.html", context, status=status)


@login_required
@cached_page
def staff_ranking(request, pk):
    """The ranking table; a POST saves the ranking settings shown above it."""
    call = _staff_call(request, pk)
    review_settings = CallReviewSettings.for_call(call)
    if request.method != "POST":
        form = RankingSettingsForm(instance=review_settings)
        return _render_ranking(request, call, review_settings, form)
    # The form writes into its instance while validating: give it a copy, so that a
    # refused value never reaches the ranking shown beside the errors.
    form = RankingSettingsForm(request.POST, instance=copy.copy(review_settings))
    if form.is_valid():
        try:
            ranking_settings_update(
                call=call,
                by=request.user,
                **{name: form.cleaned_data[name] for name in RankingSettingsForm.Meta.fields},
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The ranking settings were saved."))
            return redirect("staff_ranking", pk=call.pk)
    return _render_ranking(request, call, review_settings, form)


# --- moving an application across the line ---------------------------------------------


@login_required
@require_POST
def staff_funding_override(request, pk):
    application = _ranked_application(request, pk)
    back = _ranking_url(application.call_id, application.pk)
    if request.POST.get("remove"):
        funding_override_remove(application=application, by=request.user)
        messages.success(
            request,
            _("%(reference)s follows the automatic funding line again.")
            % {"reference": application.reference},
        )
        return redirect(back)
    form = FundingOverrideForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"{application.reference}: {error}")
        return redirect(back)
    try:
        override = funding_override_set(
            application=application,
            include=form.cleaned_data["include"],
            reason=form.cleaned_data["reason"],
            by=request.user,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, f"{application.reference}: {message}")
    else:
        if override.include:
            text = _("%(reference)s was moved above the funding line.")
        else:
            text = _("%(reference)s was moved below the funding line.")
        messages.success(request, text % {"reference": application.reference})
    return redirect(back)


# --- decisions --------------------------------------------------------------------------


def _render_decide(request, application, form, status=200):
    ranking = ranking_for_call(application.call, hydrate=False)
    row = next(row for row in ranking.rows if row.application_id == application.pk)
    ranking_hydrate(ranking, [row])
    context = {
        "application": application,
        "call": application.call,
        "row": row,
        "ranking": ranking,
        "form": form,
        "can_decide": row.decidable and application.call.state in DECIDING_CALL_STATES,
    }
    return render(request, "grants/ranking/decide.html", context, status=status)


@login_required
def staff_application_decide(request, pk):
    application = _ranked_application(request, pk)
    if request.method != "POST":
        form = DecisionForm(
            initial={
                "outcome": DecisionOutcome.APPROVE,
                "amount": application.requested_amount,
                "expected_state": application.state,
            }
        )
        return _render_decide(request, application, form)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            decision_record(
                application=application,
                outcome=form.cleaned_data["outcome"],
                amount=form.cleaned_data["amount"],
                conditions=form.cleaned_data["conditions"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                expected_state=form.cleaned_data["expected_state"],
            )
        except StaleStateError as error:
            # Show the page as it is now, keeping what was typed.
            application.refresh_from_db()
            data = request.POST.copy()
            data["expected_state"] = application.state
            form = DecisionForm(data)
            form.is_valid()
            form.add_error(None, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The decision on %(reference)s was recorded and the applicant told.")
                % {"reference": application.reference},
            )
            _say_if_call_decided(request, application.call_id)
            return redirect(_ranking_url(application.call_id, application.pk))
    return _render_decide(request, application, form)


def _say_if_call_decided(request, call_pk: int) -> None:
    if Call.objects.filter(pk=call_pk, state=CallState.DECIDED).exists():
        messages.info(request, _("Every eligible application is decided: the call is decided."))


@login_required
@require_POST
def staff_ranking_decide_bulk(request, pk):
    call = _staff_call(request, pk)
    applications = {
        application.pk: application
        for application in Application.objects.filter(
            call=call, state__in=DECIDABLE_STATES
        ).select_related("call__programme")
    }
    form = BulkDecisionForm(request.POST, application_ids=sorted(applications))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("staff_ranking", pk=call.pk)
    if form.cleaned_data["action"] == BulkDecisionForm.SELECTED:
        selection = form.selection
    else:
        # The whole side of the line, as it is now: if it is not what the page showed
        # (someone moved the line or decided meanwhile), nothing is decided.
        ranking = ranking_for_call(call, hydrate=False)
        if form.cleaned_data["action"] == BulkDecisionForm.PROPOSED:
            rows = ranking.proposed_rows
        else:
            rows = ranking.below_rows
        if selection_fingerprint(rows) != form.cleaned_data["fingerprint"]:
            messages.error(
                request,
                _(
                    "The funding line changed since the page was shown: nothing was "
                    "decided. Check the ranking and try again."
                ),
            )
            return redirect("staff_ranking", pk=call.pk)
        selection = [(row.application_id, row.state) for row in rows]
    outcome = form.cleaned_data["outcome"]
    items = []
    for application_pk, shown_state in selection:
        application = applications[application_pk]
        items.append(
            {
                "application": application,
                "outcome": outcome,
                "amount": application.requested_amount
                if outcome == DecisionOutcome.APPROVE
                else None,
                "conditions": form.cleaned_data["conditions"],
                "reason": form.cleaned_data["reason"],
                "expected_state": shown_state,
            }
        )
    result = decisions_record_bulk(items=items, by=request.user)
    if result.succeeded:
        count = len(result.succeeded)
        messages.success(
            request,
            ngettext(
                "%(count)d decision was recorded and the applicant told.",
                "%(count)d decisions were recorded and the applicants told.",
                count,
            )
            % {"count": count},
        )
    for application, message in result.failed:
        messages.error(
            request,
            _("%(reference)s was not decided: %(message)s")
            % {"reference": application.reference, "message": message},
        )
    _say_if_call_decided(request, call.pk)
    return redirect("staff_ranking", pk=call.pk)


# --- exports ----------------------------------------------------------------------------


def _export_name(call: Call, kind: str) -> str:
    return f"{kind}-{call.slug}-{timezone.localtime().strftime('%Y-%m-%d')}"


@login_required
def staff_ranking_xlsx(request, pk):
    call = _staff_call(request, pk)
    response = HttpResponse(ranking_xlsx(ranking_for_call(call)), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_export_name(call, "ranking")}.xlsx"'
    return response


@login_required
def staff_decisions_pdf(request, pk):
    call = _staff_call(request, pk)
    context = decisions_record_context(ranking_for_call(call))
    response = HttpResponse(
        render_pdf("grants/ranking/decisions_pdf.html", context, request=request),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{_export_name(call, "decisions")}.pdf"'
    )
    return response
