"""Programme staff's side of applications: the filtered list, its exports, the
application page with its timeline, and eligibility screening.

Everyone but programme staff gets a 404 here (the pages' existence is nobody
else's business); anonymous visitors are sent to sign in.
"""

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config import page_cache
from config.page_cache import cached_page
from grants.enums import ApplicationState
from grants.exports import csv_stream, xlsx_file
from grants.filters import (
    PAGE_SIZE,
    SORT_LABELS,
    ApplicationFilter,
    application_oblasts,
    staff_applications,
)
from grants.forms.screening import ScreeningForm
from grants.rules import is_programme_staff
from grants.selectors import application_budget_totals, applications_for_user
from grants.services.screening import SCREENABLE, application_screen, screening_is_open
from grants.services.states import StaleStateError, timeline_for


def _require_staff(user) -> None:
    if not is_programme_staff(user):
        raise Http404


def _sort_headers(request, sort_in_force: str) -> dict:
    """For each sortable column: the link that sorts by it (or reverses it) and its aria-sort."""
    key_in_force = sort_in_force.lstrip("-")
    descending = sort_in_force.startswith("-")
    headers = {}
    for key, label in SORT_LABELS.items():
        active = key == key_in_force
        params = request.GET.copy()
        params["sort"] = f"-{key}" if active and not descending else key
        params.pop("page", None)
        headers[key] = {
            "label": label,
            "url": "?" + params.urlencode(),
            "aria_sort": ("descending" if descending else "ascending") if active else "",
        }
    return headers


def _filter_form_key(params) -> str:
    """What the rendered filter form depends on: the choices made, the language and the
    tables its options come from (calls, themes, places)."""
    from grants.models import Call, Theme
    from regions.models import Region

    version = page_cache.tables_version(Call, Theme, Region)
    choices = sorted((name, value) for name, values in params.lists() for value in values)
    raw = f"{version}:{translation.get_language()}:{choices!r}"
    return hashlib.sha256(raw.encode()).hexdigest()


@login_required
@cached_page
def staff_application_list(request):
    _require_staff(request.user)
    filterset = ApplicationFilter(request.GET, queryset=staff_applications(request.user))
    # Page through the primary keys alone, then read the page's 25 rows with their
    # joins: a far page (page 200 skips 4,975 rows) never joins the rows it skips.
    keys = filterset.qs.prefetch_related(None).values_list("pk", flat=True)
    page = Paginator(keys, PAGE_SIZE).get_page(request.GET.get("page"))
    by_pk = {
        application.pk: application
        for application in staff_applications(request.user).filter(pk__in=list(page))
    }
    rows = [(by_pk[pk], application_oblasts(by_pk[pk])) for pk in page if pk in by_pk]
    export_params = request.GET.copy()
    export_params.pop("page", None)
    context = {
        "filterset": filterset,
        "filter_form_key": _filter_form_key(export_params),
        "page": page,
        "rows": rows,
        "headers": _sort_headers(request, filterset.sort_in_force),
        "export_query": export_params.urlencode(),
    }
    return render(request, "grants/staff/application_list.html", context)


@login_required
def staff_application_export(request, fmt: str):
    """The list as filtered and sorted, every matching row, as ``csv`` or ``xlsx``."""
    _require_staff(request.user)
    filterset = ApplicationFilter(request.GET, queryset=staff_applications(request.user))
    queryset = filterset.qs
    filename = "applications-" + timezone.localtime().strftime("%Y-%m-%d-%H%M")
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_stream(queryset, language=translation.get_language()),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    if fmt == "xlsx":
        # Written to a temporary file row by row, then streamed from it: memory stays
        # flat however many rows; the response closes (and so deletes) the file.
        return FileResponse(
            xlsx_file(queryset, title=_("Applications")),
            as_attachment=True,
            filename=f"{filename}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    raise Http404


def _application_for_page(user, pk):
    """The application with everything its page shows; drafts are not staff's business."""
    from grants.display import application_with_everything

    queryset = (
        applications_for_user(user)
        .exclude(state=ApplicationState.DRAFT)
        .select_related("funding_override__by", "decision__by")
    )
    return get_object_or_404(application_with_everything(queryset), pk=pk)


def _timeline(application) -> list[dict]:
    labels = dict(ApplicationState.choices)
    return [
        {
            "at": transition.at,
            "by": transition.by,
            "from": labels.get(transition.from_state, transition.from_state),
            "to": labels.get(transition.to_state, transition.to_state),
            "reason": transition.reason,
        }
        for transition in timeline_for(application)
    ]


def _render_detail(request, application, form):
    context = {
        "application": application,
        "budget": application_budget_totals(application),
        "timeline": _timeline(application),
        "screening_open": screening_is_open(application),
        "screenable_state": application.state in SCREENABLE,
        "ranked_states": [ApplicationState.ELIGIBLE, *ApplicationState.decided()],
        "form": form,
    }
    return render(request, "grants/staff/application_detail.html", context)


@login_required
@cached_page
def staff_application_detail(request, pk):
    _require_staff(request.user)
    application = _application_for_page(request.user, pk)
    form = ScreeningForm(initial={"expected_state": application.state})
    return _render_detail(request, application, form)


@login_required
@require_POST
def staff_application_screen(request, pk):
    _require_staff(request.user)
    application = get_object_or_404(staff_applications(request.user), pk=pk)
    form = ScreeningForm(request.POST)
    if form.is_valid():
        try:
            application_screen(
                application=application,
                by=request.user,
                eligible=form.eligible,
                reason_code=form.cleaned_data["reason_code"],
                note=form.cleaned_data["note"],
                expected_state=form.cleaned_data["expected_state"],
            )
        except StaleStateError as error:
            # Show the page as it is now, keeping what was typed; a second press
            # of the button is then a decision taken knowing the new state.
            application = _application_for_page(request.user, pk)
            data = request.POST.copy()
            data["expected_state"] = application.state
            form = ScreeningForm(data)
            form.is_valid()
            form.add_error(None, error)
            return _render_detail(request, application, form)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The screening decision was saved and the applicant told."))
            return redirect("staff_application_detail", pk=pk)
    application = _application_for_page(request.user, pk)
    return _render_detail(request, application, form)
