"""Project pages. ``/projects/`` is kept for the public list of funded projects (a
later issue); the applicant's list is ``/my/projects/``, staff's ``/staff/projects/``,
and one page per project serves both, with staff's actions for staff."""

from django.urls import path

from projects import views

urlpatterns = [
    path("my/projects/", views.project_list_mine, name="project_list_mine"),
    path("project/<int:pk>/", views.project_detail, name="project_detail"),
    path("staff/projects/", views.staff_project_list, name="staff_project_list"),
    path("staff/projects/<int:pk>/state/", views.staff_project_state, name="staff_project_state"),
    path(
        "staff/projects/<int:pk>/tranches/<int:tranche_pk>/pay/",
        views.staff_tranche_pay,
        name="staff_tranche_pay",
    ),
    path(
        "staff/projects/<int:pk>/indicators/new/",
        views.staff_indicator_add,
        name="staff_indicator_add",
    ),
    path(
        "staff/projects/<int:pk>/indicators/<int:indicator_pk>/edit/",
        views.staff_indicator_edit,
        name="staff_indicator_edit",
    ),
    path(
        "staff/calls/<int:pk>/funding-terms/",
        views.staff_funding_terms,
        name="staff_funding_terms",
    ),
]
