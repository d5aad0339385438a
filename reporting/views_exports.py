"""Staff's exports: a call's committee scores, and the projects, tranches and reports
as filtered on their lists, each as ``csv`` or ``xlsx``.

The filters are those of the lists (the same FilterSets read the same query string),
so an export holds exactly the rows the list shows, on every page. Everyone but
programme staff gets a 404; anonymous visitors are sent to sign in.
"""

import django_filters
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from grants.rules import is_programme_staff
from grants.selectors import calls_for_staff
from projects.enums import TrancheState
from projects.forms import ProjectFilter
from projects.models import Tranche
from projects.selectors import projects_for_user
from reporting.exports import (
    XLSX_CONTENT_TYPE,
    csv_stream,
    projects_table,
    reports_table,
    scores_table,
    tranches_of,
    tranches_table,
    xlsx_bytes,
)
from reporting.forms import StaffReportFilter
from reporting.selectors import staff_reports


class TrancheFilter(django_filters.FilterSet):
    """The tranche's own state; the project filters (call, state, oblast) are the
    project list's, read from the same query string."""

    tranche_state = django_filters.ChoiceFilter(
        label=_("Tranche state"),
        field_name="state",
        choices=TrancheState.choices,
        empty_label=_("All"),
    )

    class Meta:
        model = Tranche
        fields = ["tranche_state"]


def _require_staff(user) -> None:
    if not is_programme_staff(user):
        raise Http404


def _export(make_table, *, fmt: str, name: str):
    """``make_table`` builds the table (a function, so that the CSV's labels are made
    in the request's language while the response streams)."""
    filename = f"{name}-{timezone.localtime().strftime('%Y-%m-%d-%H%M')}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_stream(make_table, language=translation.get_language()),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    if fmt == "xlsx":
        response = HttpResponse(xlsx_bytes(make_table()), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    raise Http404


@login_required
def staff_scores_export(request, pk: int, fmt: str):
    _require_staff(request.user)
    call = get_object_or_404(calls_for_staff(request.user), pk=pk)
    return _export(lambda: scores_table(call), fmt=fmt, name=f"scores-{call.slug}")


def _filtered_projects(request):
    return ProjectFilter(request.GET, queryset=projects_for_user(request.user)).qs.order_by(
        "agreement_number", "pk"
    )


@login_required
def staff_projects_export(request, fmt: str):
    _require_staff(request.user)
    projects = _filtered_projects(request)
    return _export(lambda: projects_table(projects), fmt=fmt, name="projects")


@login_required
def staff_tranches_export(request, fmt: str):
    _require_staff(request.user)
    tranches = TrancheFilter(request.GET, queryset=tranches_of(_filtered_projects(request))).qs
    return _export(lambda: tranches_table(tranches), fmt=fmt, name="tranches")


@login_required
def staff_reports_export(request, fmt: str):
    _require_staff(request.user)
    filterset = StaffReportFilter(request.GET, queryset=staff_reports(request.user))
    reports = filterset.qs.order_by("awaiting", "due_on", "pk")
    return _export(lambda: reports_table(reports), fmt=fmt, name="reports")
