"""Every model in the admin: its list and its add page render for an administrator."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

MODELS = sorted((model._meta.app_label, model._meta.model_name) for model in admin.site._registry)

READ_ONLY = {
    ("accounts", "outboundmail"),
    ("grants", "transition"),
    ("grants", "review"),
    ("grants", "conflictdeclaration"),
    ("grants", "decision"),
    ("grants", "score"),
    ("reporting", "remindersent"),
}


def test_every_project_model_is_registered_in_the_admin():
    from django.apps import apps

    ours = {"accounts", "regions", "grants", "projects", "reporting"}
    missing = [
        f"{m._meta.app_label}.{m._meta.model_name}"
        for m in apps.get_models()
        if m._meta.app_label in ours and m not in admin.site._registry
    ]
    assert missing == []


@pytest.mark.parametrize(("app_label", "model_name"), MODELS)
def test_admin_changelist_and_add_page_render(
    client, admin_user, organisation_a, app_label, model_name
):
    MembershipFactory(organisation=organisation_a)
    client.force_login(admin_user)
    changelist = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    assert changelist.status_code == 200
    add = client.get(reverse(f"admin:{app_label}_{model_name}_add"))
    # Audit records (state changes) are written by the portal, never by hand.
    expected = 403 if (app_label, model_name) in READ_ONLY else 200
    assert add.status_code == expected


def test_programme_staff_without_admin_rights_are_kept_out_of_the_admin(client, staff):
    client.force_login(staff)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
