"""The dashboards: /staff/dashboard/ (staff's start page), /donor/ (donor viewers and
staff) and the public /projects/ (funded projects and their map)."""

from django.urls import path

from reporting import views_dashboards as views

urlpatterns = [
    path("staff/dashboard/", views.staff_dashboard, name="staff_dashboard"),
    path("donor/", views.donor_dashboard, name="donor_dashboard"),
    path("projects/", views.public_project_list, name="public_project_list"),
]
