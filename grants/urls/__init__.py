"""Grants URLs, one module per area so that each stays readable: public calls and
questions, the applicant's applications, staff work on applications, the committee's
reviews, and ranking and decisions."""

from grants.urls import applications, calls, ranking, reviews, staff

urlpatterns = (
    calls.urlpatterns
    + applications.urlpatterns
    + staff.urlpatterns
    + reviews.urlpatterns
    + ranking.urlpatterns
)
