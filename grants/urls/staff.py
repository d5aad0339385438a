"""Programme staff's pages of applications (staff only; a 404 for everyone else)."""

from django.urls import path, re_path

from grants.views import staff

urlpatterns = [
    path("staff/applications/", staff.staff_application_list, name="staff_application_list"),
    # One name for both formats: {% url "staff_application_export" "csv" %} or "xlsx".
    re_path(
        r"^staff/applications/export\.(?P<fmt>csv|xlsx)$",
        staff.staff_application_export,
        name="staff_application_export",
    ),
    path(
        "staff/applications/<int:pk>/",
        staff.staff_application_detail,
        name="staff_application_detail",
    ),
    path(
        "staff/applications/<int:pk>/screen/",
        staff.staff_application_screen,
        name="staff_application_screen",
    ),
]
