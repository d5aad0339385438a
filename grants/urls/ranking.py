"""Staff's ranking of a call, the funding line, decisions and the meeting-file exports."""

from django.urls import path

from grants.views import ranking as views

urlpatterns = [
    path("staff/calls/<int:pk>/ranking/", views.staff_ranking, name="staff_ranking"),
    path("staff/calls/<int:pk>/ranking.xlsx", views.staff_ranking_xlsx, name="staff_ranking_xlsx"),
    path(
        "staff/calls/<int:pk>/decisions.pdf", views.staff_decisions_pdf, name="staff_decisions_pdf"
    ),
    path(
        "staff/calls/<int:pk>/decisions/",
        views.staff_ranking_decide_bulk,
        name="staff_ranking_decide_bulk",
    ),
    path(
        "staff/applications/<int:pk>/funding-line/",
        views.staff_funding_override,
        name="staff_funding_override",
    ),
    path(
        "staff/applications/<int:pk>/decision/",
        views.staff_application_decide,
        name="staff_application_decide",
    ),
]
