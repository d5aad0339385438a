"""The dashboards: staff's (the staff start page), the donor viewer's (the same
figures, the funded projects and the donor summaries) and the public page of funded
projects with their map.

Staff's dashboard is a 404 for everyone but programme staff, the donor's for everyone
but donor viewers and staff; anonymous visitors are sent to sign in. The donor and
public pages show organisations' names and places only, never people or contact
details (``templates/reporting/dashboards/_project_table.html`` is the one list).
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from accounts.enums import ProgrammeRole
from config.page_cache import cached_page
from grants.rules import is_programme_staff
from projects.selectors import projects_for_list
from reporting.dashboards import cached_public_figures, dashboard_figures, map_values
from reporting.figures import PUBLIC_PROJECT_STATES, projects_in_scope
from reporting.forms_dashboards import MAP_PROJECTS, DashboardFilterForm
from reporting.models import DonorSummary, SummaryStatus

PAGE_SIZE = 25
# The donor page lists the latest summaries; older ones stay in the admin.
SUMMARIES_SHOWN = 24


def can_see_donor_dashboard(user) -> bool:
    return user.is_authenticated and (
        is_programme_staff(user) or (user.is_active and user.role == ProgrammeRole.DONOR_VIEWER)
    )


def _funded_projects(filters: dict, *, states=None):
    """The rows of a projects table: paid so far, locations and theme joined."""
    queryset = projects_in_scope(**filters, states=states)
    return projects_for_list(queryset).select_related("application__theme")


@login_required
@cached_page
def staff_dashboard(request):
    if not is_programme_staff(request.user):
        raise Http404
    form = DashboardFilterForm(request.GET)
    context = {"form": form, **dashboard_figures(form)}
    return render(request, "reporting/dashboards/staff.html", context)


@login_required
@cached_page
def donor_dashboard(request):
    if not can_see_donor_dashboard(request.user):
        raise Http404
    form = DashboardFilterForm(request.GET)
    filters = form.filters()
    projects = _funded_projects(filters).order_by("agreement_number", "pk")
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    summaries = DonorSummary.objects.filter(status=SummaryStatus.READY).select_related("programme")
    if filters.get("programme"):
        summaries = summaries.filter(programme=filters["programme"])
    summaries = summaries.order_by("-period_end", "programme__name", "pk")[:SUMMARIES_SHOWN]
    context = {
        "form": form,
        **dashboard_figures(form),
        "page": page,
        "summaries": summaries,
    }
    return render(request, "reporting/dashboards/donor.html", context)


@cached_page
def public_project_list(request):
    """Funded projects that are active, suspended or completed (terminated ones are
    not listed), newest first; the totals and the map cover them all."""
    projects = _funded_projects({}, states=PUBLIC_PROJECT_STATES).order_by(
        "-starts_on", "agreement_number", "pk"
    )
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    totals = cached_public_figures()
    context = {
        "page": page,
        "totals": totals,
        "map_values": map_values(totals["by_oblast"], MAP_PROJECTS),
    }
    return render(request, "reporting/dashboards/public_projects.html", context)
