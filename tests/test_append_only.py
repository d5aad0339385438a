"""The timeline (state changes) and conflict-of-interest declarations are append-only:
no path in the admin edits or deletes them, deleting what they point at is refused,
and on PostgreSQL the database itself rejects an UPDATE or DELETE of their rows."""

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.test import RequestFactory
from django.urls import reverse

from grants.enums import ApplicationState, CallState
from grants.models import Application, ConflictDeclaration, Transition
from grants.services.states import application_set_state, transition_record
from reporting.models import ReminderSent
from tests.factories import UserFactory
from tests.grants.review_support import (  # noqa: F401 (fixtures)
    application_fixture,
    conflicted_fixture,
    review_call_fixture,
)

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only triggers live in PostgreSQL"
)


@pytest.fixture
def screened(application, staff):
    """An application staff moved to "ineligible": one state change on its timeline."""
    application_set_state(
        application=application,
        to_state=ApplicationState.INELIGIBLE,
        by=staff,
        reason="Registered outside the eligible regions.",
    )
    return Transition.objects.get(object_id=application.pk, to_state=ApplicationState.INELIGIBLE)


def admin_request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.mark.parametrize("model", [Transition, ConflictDeclaration, ReminderSent])
def test_the_admin_may_view_but_never_add_change_or_delete_audit_records(admin_user, model):
    model_admin = admin.site._registry[model]
    request = admin_request(admin_user)

    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert "delete_selected" not in model_admin.get_actions(request)


def test_a_state_change_opens_read_only_and_cannot_be_posted_or_deleted(
    client, admin_user, screened
):
    client.force_login(admin_user)
    change_url = reverse("admin:grants_transition_change", args=[screened.pk])

    page = client.get(change_url)
    posted = client.post(change_url, {"reason": "Rewritten", "to_state": "approved"})
    deleted = client.post(
        reverse("admin:grants_transition_delete", args=[screened.pk]), {"post": "yes"}
    )

    assert page.status_code == 200
    assert b"Registered outside the eligible regions." in page.content
    assert posted.status_code == 403
    assert deleted.status_code == 403
    screened.refresh_from_db()
    assert (screened.to_state, screened.reason) == (
        ApplicationState.INELIGIBLE,
        "Registered outside the eligible regions.",
    )


def test_the_timeline_shown_on_an_application_in_the_admin_cannot_be_edited(admin_user):
    inline = next(
        inline
        for inline in admin.site._registry[Application].get_inline_instances(
            admin_request(admin_user)
        )
        if inline.model is Transition
    )
    request = admin_request(admin_user)

    assert not inline.has_add_permission(request, None)
    assert not inline.has_change_permission(request, None)
    assert not inline.has_delete_permission(request, None)


def test_an_application_with_a_timeline_cannot_be_deleted_in_the_admin(
    client, admin_user, application, screened
):
    client.force_login(admin_user)
    delete_url = reverse("admin:grants_application_delete", args=[application.pk])

    page = client.get(delete_url)
    client.post(delete_url, {"post": "yes"})

    assert "State change of #" in page.content.decode()
    assert Application.objects.filter(pk=application.pk).exists()
    assert Transition.objects.filter(pk=screened.pk).exists()


def test_an_application_without_a_timeline_can_still_be_deleted_in_the_admin(
    client, admin_user, review_call, organisation_a
):
    from tests.factories import ApplicationFactory

    draft = ApplicationFactory(call=review_call, organisation=organisation_a)
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:grants_application_delete", args=[draft.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Application.objects.filter(pk=draft.pk).exists()


def test_a_person_who_changed_a_state_cannot_be_deleted(staff, screened):
    with pytest.raises(ProtectedError), transaction.atomic():
        staff.delete()

    assert Transition.objects.get(pk=screened.pk).by == staff


def test_a_person_who_never_acted_can_still_be_deleted():
    person = UserFactory()

    person.delete()

    assert not type(person).objects.filter(pk=person.pk).exists()


@on_postgresql
def test_postgresql_refuses_to_update_or_delete_a_state_change(screened):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        Transition.objects.filter(pk=screened.pk).update(reason="Rewritten")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        Transition.objects.filter(pk=screened.pk).delete()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        screened.reason = "Rewritten"
        screened.save()

    screened.refresh_from_db()
    assert screened.reason == "Registered outside the eligible regions."


@on_postgresql
def test_postgresql_refuses_to_update_or_delete_a_conflict_declaration(conflicted):
    declaration = ConflictDeclaration.objects.get(member=conflicted)

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        ConflictDeclaration.objects.filter(pk=declaration.pk).update(has_conflict=False)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        ConflictDeclaration.objects.filter(pk=declaration.pk).delete()

    declaration.refresh_from_db()
    assert declaration.has_conflict is True


@on_postgresql
def test_the_append_only_triggers_exist_on_both_tables():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgrelid::regclass::text FROM pg_trigger "
            "WHERE tgname LIKE 'append_only_%%' ORDER BY tgname"
        )
        triggers = cursor.fetchall()

    assert triggers == [
        ("append_only_declarations", "grants_conflictdeclaration"),
        ("append_only_timeline", "grants_transition"),
    ]


@on_postgresql
def test_new_state_changes_are_still_recorded_and_a_flush_still_empties_the_timeline(
    application, staff
):
    call_type = ContentType.objects.get_for_model(application.call)
    transition_record(
        subject=application.call, from_state=CallState.CLOSED, to_state="in_review", by=staff
    )
    assert Transition.objects.filter(content_type=call_type).count() == 1

    # What ``manage.py flush`` (a demo reset) does: TRUNCATE is no row change.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's own inserts
            cursor.execute("TRUNCATE grants_transition")
        assert Transition.objects.count() == 0
        transaction.set_rollback(True)
