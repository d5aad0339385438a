"""Staff's exports (CSV and XLSX) of a call's scores and of the projects, tranches and
reports as filtered on their lists. One name per export for both formats:
``{% url "staff_projects_export" "csv" %}`` or ``"xlsx"``."""

from django.urls import re_path

from reporting import views_exports

urlpatterns = [
    re_path(
        r"^staff/calls/(?P<pk>[0-9]+)/scores\.(?P<fmt>csv|xlsx)$",
        views_exports.staff_scores_export,
        name="staff_scores_export",
    ),
    re_path(
        r"^staff/projects/export\.(?P<fmt>csv|xlsx)$",
        views_exports.staff_projects_export,
        name="staff_projects_export",
    ),
    re_path(
        r"^staff/tranches/export\.(?P<fmt>csv|xlsx)$",
        views_exports.staff_tranches_export,
        name="staff_tranches_export",
    ),
    re_path(
        r"^staff/reports/export\.(?P<fmt>csv|xlsx)$",
        views_exports.staff_reports_export,
        name="staff_reports_export",
    ),
]
