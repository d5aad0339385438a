"""Grants URLs, one module per area so that each stays readable:
public calls and questions, the applicant's applications, and staff work."""

from grants.urls import applications, calls, staff

urlpatterns = calls.urlpatterns + applications.urlpatterns + staff.urlpatterns
