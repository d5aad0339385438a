"""Funded projects: the applicant's list, staff's list, the project page (one page for
both, with staff's actions), and staff's work on a project (state, tranche payments,
indicators) and on a call's funding terms.

A project a person may not know about is a 404 (``projects_for_user``); staff pages
are a 404 for everyone but programme staff; anonymous visitors are sent to sign in.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.page_cache import cached_page
from grants.models import Call
from grants.services.states import timeline_for
from projects.enums import ProjectState, TrancheState
from projects.forms import (
    PAGE_SIZE,
    FundingTermsForm,
    IndicatorForm,
    ProjectFilter,
    ProjectStateForm,
    TranchePaymentForm,
    TrancheRuleFormSet,
    tranche_rules_initial,
)
from projects.models import Indicator, Tranche
from projects.rules import can_change_project_state, can_manage_projects, can_pay_tranche
from projects.selectors import (
    REPORT_STATUS_LABELS,
    funding_terms_for,
    indicator_unit,
    project_map_values,
    project_money,
    project_oblasts,
    project_with_everything,
    projects_for_list,
    projects_for_user,
)
from projects.services import (
    funding_terms_save,
    indicator_add,
    indicator_update,
    project_set_state,
    tranche_record_payment,
)


def _require_staff(user) -> None:
    if not can_manage_projects(user):
        raise Http404


def _add_errors(form, error: ValidationError) -> None:
    """A service's errors beside the fields they name, the rest at the top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- lists ------------------------------------------------------------------------------


@login_required
def project_list_mine(request):
    """The projects of the organisations the person belongs to."""
    queryset = projects_for_list(
        projects_for_user(request.user).filter(organisation__memberships__user=request.user)
    ).order_by("-starts_on", "agreement_number")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(project, project_oblasts(project)) for project in page]
    return render(request, "projects/list_mine.html", {"page": page, "rows": rows})


@login_required
def staff_project_list(request):
    _require_staff(request.user)
    filterset = ProjectFilter(request.GET, queryset=projects_for_user(request.user))
    queryset = projects_for_list(filterset.qs).order_by("agreement_number", "pk")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(project, project_oblasts(project)) for project in page]
    filtered = any(request.GET.get(name) for name in filterset.form.fields)
    context = {"filterset": filterset, "page": page, "rows": rows, "filtered": filtered}
    return render(request, "projects/staff_list.html", context)


# --- the project page -------------------------------------------------------------------


def _project_for_page(user, pk):
    return get_object_or_404(project_with_everything(projects_for_user(user)), pk=pk)


def _timeline(project) -> list[dict]:
    labels = dict(ProjectState.choices)
    return [
        {
            "at": transition.at,
            "by": transition.by,
            "from": labels.get(transition.from_state, transition.from_state),
            "to": labels.get(transition.to_state, transition.to_state),
            "reason": transition.reason,
        }
        for transition in timeline_for(project)
    ]


def _indicator_rows(project) -> list[dict]:
    rows = []
    for indicator in project.indicators.all():
        split = None
        if indicator.disaggregated:
            split = [
                (
                    label,
                    getattr(indicator, f"achieved_{name}"),
                    getattr(indicator, f"target_{name}"),
                )
                for name, label in (
                    ("women", _("Women")),
                    ("men", _("Men")),
                    ("girls", _("Girls")),
                    ("boys", _("Boys")),
                )
            ]
        rows.append(
            {
                "indicator": indicator,
                "name": indicator.get_standard_display() if indicator.standard else indicator.name,
                "unit": indicator_unit(indicator),
                "split": split,
            }
        )
    return rows


def _report_rows(project) -> list[dict]:
    rows = []
    for report in project.reports.all():
        status = report.status()
        rows.append(
            {
                "report": report,
                "status": status,
                "status_label": REPORT_STATUS_LABELS.get(status, status),
            }
        )
    return rows


def _render_project(request, project, *, state_form=None):
    is_staff = can_manage_projects(request.user)
    if is_staff and state_form is None and can_change_project_state(request.user, project):
        state_form = ProjectStateForm(project=project)
    context = {
        "project": project,
        "currency": project.application.call.programme.currency,
        "is_staff": is_staff,
        "money": project_money(project),
        "map_values": project_map_values(project),
        "indicator_rows": _indicator_rows(project),
        "report_rows": _report_rows(project),
        "timeline": _timeline(project),
        "state_form": state_form if is_staff else None,
        "TrancheState": TrancheState,
    }
    return render(request, "projects/detail.html", context)


@login_required
@cached_page
def project_detail(request, pk):
    return _render_project(request, _project_for_page(request.user, pk))


# --- staff actions on a project ---------------------------------------------------------


@login_required
@require_POST
def staff_project_state(request, pk):
    _require_staff(request.user)
    project = _project_for_page(request.user, pk)
    form = ProjectStateForm(request.POST, project=project)
    if form.is_valid():
        try:
            project_set_state(
                project=project,
                to_state=form.cleaned_data["to_state"],
                by=request.user,
                reason=form.cleaned_data["reason"],
                expected_state=form.cleaned_data["expected_state"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The project's state was changed."))
            return redirect("project_detail", pk=pk)
    return _render_project(request, project, state_form=form)


@login_required
def staff_tranche_pay(request, pk, tranche_pk):
    _require_staff(request.user)
    project = get_object_or_404(projects_for_user(request.user), pk=pk)
    tranche = get_object_or_404(Tranche.objects.filter(project=project), pk=tranche_pk)
    currency = project.application.call.programme.currency
    if request.method == "POST":
        form = TranchePaymentForm(request.POST, tranche=tranche)
        if form.is_valid():
            try:
                tranche_record_payment(
                    tranche=tranche,
                    paid_on=form.cleaned_data["paid_on"],
                    amount=form.cleaned_data["amount"],
                    reference=form.cleaned_data["reference"],
                    by=request.user,
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The payment of tranche %(number)s was recorded.")
                    % {"number": tranche.order},
                )
                return redirect("project_detail", pk=pk)
    else:
        form = TranchePaymentForm(tranche=tranche)
    context = {
        "project": project,
        "tranche": tranche,
        "currency": currency,
        "form": form,
        "can_pay": can_pay_tranche(request.user, tranche),
    }
    return render(request, "projects/tranche_pay.html", context)


def _indicator_editor(request, *, project, indicator=None):
    form_kwargs = {"project": project, "instance": indicator}
    if request.method == "POST":
        form = IndicatorForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                if indicator is None:
                    indicator_add(project=project, by=request.user, **form.values)
                else:
                    indicator_update(indicator=indicator, by=request.user, **form.values)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("The indicator was saved."))
                return redirect("project_detail", pk=project.pk)
    else:
        form = IndicatorForm(**form_kwargs)
    context = {
        "project": project,
        "indicator": indicator,
        "indicator_name": indicator.get_standard_display()
        if indicator is not None and indicator.standard
        else getattr(indicator, "name", ""),
        "form": form,
    }
    return render(request, "projects/indicator_form.html", context)


@login_required
def staff_indicator_add(request, pk):
    _require_staff(request.user)
    project = get_object_or_404(projects_for_user(request.user), pk=pk)
    return _indicator_editor(request, project=project)


@login_required
def staff_indicator_edit(request, pk, indicator_pk):
    _require_staff(request.user)
    project = get_object_or_404(projects_for_user(request.user), pk=pk)
    indicator = get_object_or_404(Indicator.objects.filter(project=project), pk=indicator_pk)
    return _indicator_editor(request, project=project, indicator=indicator)


# --- a call's funding terms -------------------------------------------------------------


@login_required
def staff_funding_terms(request, pk):
    """The reporting rhythm and tranche template of a call's future projects."""
    _require_staff(request.user)
    call = get_object_or_404(Call.objects.select_related("programme"), pk=pk)
    terms = funding_terms_for(call)
    if request.method == "POST":
        form = FundingTermsForm(request.POST, instance=terms)
        formset = TrancheRuleFormSet(request.POST, prefix="rules")
        if form.is_valid() and formset.is_valid():
            try:
                funding_terms_save(
                    call=call,
                    by=request.user,
                    report_every_months=form.cleaned_data["report_every_months"],
                    grace_days=form.cleaned_data["grace_days"],
                    rules=formset.rows(),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("The funding terms were saved. Projects made from now on follow them."),
                )
                return redirect("staff_funding_terms", pk=pk)
    else:
        form = FundingTermsForm(instance=terms)
        formset = TrancheRuleFormSet(prefix="rules", initial=tranche_rules_initial(terms))
    context = {
        "call": call,
        "form": form,
        "formset": formset,
        "is_default": terms.pk is None,
        "project_count": call.applications.filter(project__isnull=False).count(),
    }
    return render(request, "projects/funding_terms.html", context)
