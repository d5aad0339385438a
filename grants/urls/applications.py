from django.urls import path

from grants.views import applications as views

urlpatterns = [
    path("calls/<slug:slug>/apply/", views.application_start_view, name="application_start"),
    path("applications/", views.application_list_view, name="application_list"),
    path("applications/<int:pk>/", views.application_detail_view, name="application_detail"),
    path(
        "applications/<int:pk>/edit/<slug:section>/",
        views.application_section_view,
        name="application_section",
    ),
    path("applications/<int:pk>/submit/", views.application_submit_view, name="application_submit"),
    path(
        "applications/<int:pk>/withdraw/",
        views.application_withdraw_view,
        name="application_withdraw",
    ),
    path("applications/<int:pk>/print/", views.application_print_view, name="application_print"),
    path("applications/<int:pk>/copy.pdf", views.application_pdf_view, name="application_pdf"),
    path(
        "applications/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download_view,
        name="attachment_download",
    ),
    path(
        "applications/<int:pk>/attachments/<int:attachment_pk>/delete/",
        views.attachment_delete_view,
        name="attachment_delete",
    ),
]
