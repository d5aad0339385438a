from django.urls import path

from grants.views import calls as views

urlpatterns = [
    path("calls/", views.call_list, name="call_list"),
    path("calls/<slug:slug>/", views.call_detail, name="call_detail"),
    path("calls/<slug:slug>/questions/", views.call_question_ask, name="call_question_ask"),
    path("staff/calls/", views.staff_call_list, name="staff_call_list"),
    path("staff/calls/new/", views.staff_call_create, name="staff_call_create"),
    path("staff/calls/<int:pk>/", views.staff_call_detail, name="staff_call_detail"),
    path("staff/calls/<int:pk>/edit/", views.staff_call_edit, name="staff_call_edit"),
    path("staff/calls/<int:pk>/state/", views.staff_call_state, name="staff_call_state"),
    path(
        "staff/calls/<int:pk>/questions/", views.staff_call_questions, name="staff_call_questions"
    ),
    path(
        "staff/questions/<int:pk>/answer/",
        views.staff_question_answer,
        name="staff_question_answer",
    ),
]
