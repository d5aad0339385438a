"""The committee's reviews: a member's queue, declaration, scoring page and files;
staff's pages of a call's committee and of the progress of its reviews."""

from django.urls import path

from grants.views import committee, reviews

urlpatterns = [
    path("review/", reviews.review_queue, name="review_queue"),
    path("review/<int:application_pk>/", reviews.review_score, name="review_score"),
    path("review/<int:application_pk>/declare/", reviews.review_declare, name="review_declare"),
    path(
        "review/<int:application_pk>/attachments/<int:attachment_pk>/",
        reviews.review_attachment_download,
        name="review_attachment_download",
    ),
    path("staff/calls/<int:pk>/committee/", committee.staff_committee, name="staff_committee"),
    path(
        "staff/calls/<int:pk>/committee/add/",
        committee.staff_committee_add,
        name="staff_committee_add",
    ),
    path(
        "staff/calls/<int:pk>/committee/<int:member_pk>/chair/",
        committee.staff_committee_chair,
        name="staff_committee_chair",
    ),
    path(
        "staff/calls/<int:pk>/committee/<int:member_pk>/remove/",
        committee.staff_committee_remove,
        name="staff_committee_remove",
    ),
    path(
        "staff/calls/<int:pk>/committee/assign/",
        committee.staff_committee_assign,
        name="staff_committee_assign",
    ),
    path(
        "staff/calls/<int:pk>/progress/",
        committee.staff_review_progress,
        name="staff_review_progress",
    ),
]
