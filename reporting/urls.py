"""Progress reports: the organisation's pages under /my/reports/, staff's under
/staff/reports/."""

from django.urls import path

from reporting import views

urlpatterns = [
    path("my/reports/", views.report_list, name="report_list"),
    path("my/reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("my/reports/<int:pk>/edit/<slug:section>/", views.report_section, name="report_section"),
    path("my/reports/<int:pk>/submit/", views.report_submit_view, name="report_submit"),
    path(
        "my/reports/<int:pk>/offline.xlsx",
        views.report_offline_download,
        name="report_offline_download",
    ),
    path("my/reports/<int:pk>/offline/", views.report_offline_upload, name="report_offline_upload"),
    path(
        "my/reports/<int:pk>/files/<int:file_pk>/",
        views.report_file_download,
        name="report_file_download",
    ),
    path(
        "my/reports/<int:pk>/files/<int:file_pk>/delete/",
        views.report_file_delete_view,
        name="report_file_delete",
    ),
    path("staff/reports/", views.staff_report_list, name="staff_report_list"),
    path("staff/reports/<int:pk>/", views.staff_report_detail, name="staff_report_detail"),
    path("staff/reports/<int:pk>/return/", views.staff_report_return, name="staff_report_return"),
    path("staff/reports/<int:pk>/accept/", views.staff_report_accept, name="staff_report_accept"),
]
