from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("start/", views.start, name="start"),
    path("profile/", views.profile, name="profile"),
    path("profile/my-data/", views.personal_data_view, name="personal_data"),
    path(
        "profile/my-data/download/",
        views.personal_data_download_view,
        name="personal_data_download",
    ),
    path(
        "profile/my-data/anonymise/",
        views.anonymisation_request_view,
        name="anonymisation_request",
    ),
    path(
        "people/<int:pk>/personal-data/",
        views.person_data_download_view,
        name="person_data_download",
    ),
    path("language/", views.language_switch, name="language_switch"),
    path("organisations/", views.organisation_list_view, name="organisation_list"),
    path("organisations/new/", views.organisation_create_view, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail_view, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit_view, name="organisation_edit"),
    path("organisations/<int:pk>/invite/", views.invitation_create_view, name="invitation_create"),
    path(
        "organisations/<int:pk>/members/<int:membership_pk>/remove/",
        views.membership_remove_view,
        name="membership_remove",
    ),
    path("invitations/<uuid:token>/", views.invitation_accept_view, name="invitation_accept"),
]
