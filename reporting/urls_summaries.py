"""Donor summaries under /summaries/ (staff and donor viewers)."""

from django.urls import path

from reporting import views_summaries as views

urlpatterns = [
    path("summaries/", views.donor_summary_list, name="donor_summary_list"),
    path("summaries/<int:pk>/", views.donor_summary_detail, name="donor_summary_detail"),
    path(
        "summaries/<int:pk>/progress/",
        views.donor_summary_progress,
        name="donor_summary_progress",
    ),
    path("summaries/<int:pk>/summary.pdf", views.donor_summary_pdf, name="donor_summary_pdf"),
    path("summaries/<int:pk>/summary.xlsx", views.donor_summary_xlsx, name="donor_summary_xlsx"),
]
