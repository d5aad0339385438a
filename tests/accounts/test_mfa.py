"""Two-factor authentication: required of staff and administrators, open to everyone.

Codes are computed with allauth's own TOTP functions (tests/two_factor.py), as an
authenticator app would show them.
"""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from allauth.mfa.utils import decrypt
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import transaction
from django.urls import reverse

from accounts.enums import ProgrammeRole
from accounts.two_factor import has_active_totp
from tests.factories import TEST_PASSWORD, UserFactory
from tests.two_factor import activate_totp, totp_code

REQUIRED = (
    "Programme staff and administrators must use two-factor authentication. "
    "Set up an authenticator app to continue."
)


def main_content(response) -> str:
    match = re.search(r"<main[^>]*>(.*?)</main>", response.content.decode(), re.DOTALL)
    assert match, "the page has no main element"
    return " ".join(match.group(1).split())


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def sign_in(client, user, **extra):
    return client.post(
        reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD}, **extra
    )


@pytest.fixture
def new_staff(db):
    """Programme staff who have not set up an authenticator app yet."""
    return UserFactory(email="nazira@example.org", role=ProgrammeRole.STAFF)


# --- the requirement ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/staff/dashboard/", "/start/", "/calls/", "/admin/"])
def test_staff_without_an_authenticator_are_sent_to_set_one_up_from_any_page(
    client, new_staff, path
):
    new_staff.is_staff = True  # may use the admin too
    new_staff.save()
    client.force_login(new_staff)

    response = client.get(path, follow=True)

    assert response.redirect_chain[0] == (reverse("mfa_activate_totp"), 302)
    assert REQUIRED in messages_of(response)


def test_a_superuser_without_an_authenticator_is_sent_to_set_one_up(client, db):
    root = UserFactory(email="root2@example.org", is_staff=True, is_superuser=True)
    client.force_login(root)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_staff_with_an_authenticator_use_the_portal_and_the_admin(client, staff, admin_user):
    client.force_login(staff)
    assert client.get("/staff/dashboard/").status_code == 200
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/accounts/2fa/"),
        ("get", "/accounts/2fa/recovery-codes/"),
        ("get", "/healthz"),
        ("post", "/language/"),
        ("post", "/accounts/logout/"),
        ("get", "/accounts/reauthenticate/"),
    ],
)
def test_the_two_factor_pages_sign_out_language_and_health_check_stay_open(
    client, new_staff, method, path
):
    client.force_login(new_staff)

    response = getattr(client, method)(path, {"language": "ru"} if path == "/language/" else {})

    assert response.get("Location") != reverse("mfa_activate_totp")


def test_applicants_committee_and_donors_need_no_authenticator(
    client, applicant_a, committee_member, donor_viewer
):
    for user in (applicant_a, committee_member, donor_viewer):
        client.force_login(user)
        assert client.get(reverse("start"), follow=True).status_code == 200
        assert client.get(reverse("profile")).status_code == 200


def test_the_requirement_can_be_turned_off_for_the_local_demo(client, new_staff, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    client.force_login(new_staff)

    assert client.get("/staff/dashboard/").status_code == 200


def test_staff_who_remove_their_authenticator_are_asked_to_set_one_up_again(client, staff):
    client.force_login(staff)
    assert client.get("/staff/dashboard/").status_code == 200

    Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).delete()

    assert client.get("/staff/dashboard/")["Location"] == reverse("mfa_activate_totp")


def test_the_admin_login_page_hands_over_to_the_portal_login_that_asks_for_the_code(client, db):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=%2Fadmin%2F"


def test_the_deployment_check_fails_when_two_factor_is_not_required(settings):
    settings.MFA_REQUIRED_FOR_STAFF = False

    with pytest.raises(SystemCheckError, match="MFA_REQUIRED_FOR_STAFF is False"):
        call_command("check", deploy=True, fail_level="WARNING", tags=["security"])


# --- setting it up ------------------------------------------------------------------------


def test_new_staff_set_up_an_authenticator_app_and_see_their_recovery_codes(client, new_staff):
    response = sign_in(client, new_staff, follow=True)
    # Straight from the login to the set-up page, via the password confirmation allauth
    # asks for before adding an authenticator.
    assert response.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    assert REQUIRED in messages_of(response)
    response = client.post(response.redirect_chain[-1][0], {"password": TEST_PASSWORD}, follow=True)
    assert response.redirect_chain[-1] == (reverse("mfa_activate_totp"), 302)
    page = main_content(response)
    assert "Activate Authenticator App" in page
    assert 'src="data:image/svg+xml;base64,' in page  # the QR code
    secret = client.session[SECRET_SESSION_KEY]
    assert f'value="{secret}"' in page

    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "Incorrect code." in main_content(wrong)

    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)}, follow=True)

    assert response.redirect_chain == [(reverse("mfa_view_recovery_codes"), 302)]
    page = main_content(response)
    codes = (
        Authenticator.objects.get(user=new_staff, type=Authenticator.Type.RECOVERY_CODES)
        .wrap()
        .get_unused_codes()
    )
    assert len(codes) == 10
    assert "There are 10 out of 10 recovery codes available." in page
    assert all(code in page for code in codes)
    assert 'class="form-control font-monospace"' in page  # our field, not allauth's bare one
    assert "Download codes" in page
    assert client.get("/staff/dashboard/").status_code == 200


def test_an_applicant_can_opt_in_from_the_profile_page(client, applicant_a):
    client.force_login(applicant_a)

    profile = main_content(client.get(reverse("profile")))
    index = main_content(client.get(reverse("mfa_index")))

    assert f'<a href="{reverse("mfa_index")}">Two-factor authentication</a>' in profile
    assert "An authenticator app is not active." in index
    assert reverse("mfa_activate_totp") in index


# --- signing in with a code -------------------------------------------------------------------


def test_sign_in_with_an_authenticator_asks_for_the_code_and_refuses_a_wrong_one(
    client, applicant_a
):
    secret = activate_totp(applicant_a)

    response = sign_in(client, applicant_a, follow=True)
    assert response.redirect_chain == [(reverse("mfa_authenticate"), 302)]
    assert "Please enter an authenticator code" in main_content(response)
    assert "_auth_user_id" not in client.session

    wrong = client.post(reverse("mfa_authenticate"), {"code": "123456"})
    assert wrong.status_code == 200
    assert "Incorrect code." in main_content(wrong)
    assert "_auth_user_id" not in client.session

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)}, follow=True)

    assert response.redirect_chain[0] == (reverse("start"), 302)
    assert client.session["_auth_user_id"] == str(applicant_a.pk)


def test_the_wrong_code_message_is_translated(client, applicant_a):
    activate_totp(applicant_a)
    sign_in(client, applicant_a)

    wrong = client.post(
        reverse("mfa_authenticate"), {"code": "123456"}, headers={"accept-language": "ru"}
    )

    assert "Неверный код." in main_content(wrong)


def test_staff_sign_in_with_their_code_and_reach_the_dashboard(client, staff):
    totp = Authenticator.objects.get(user=staff, type=Authenticator.Type.TOTP)
    code = totp_code(decrypt(totp.data["secret"]))

    response = sign_in(client, staff, follow=True)
    assert response.redirect_chain == [(reverse("mfa_authenticate"), 302)]

    response = client.post(reverse("mfa_authenticate"), {"code": code}, follow=True)

    assert response.redirect_chain[-1] == (reverse("staff_dashboard"), 302)
    assert response.status_code == 200


def test_a_recovery_code_signs_in_once(client, applicant_a):
    activate_totp(applicant_a, recovery_codes=True)
    code = (
        Authenticator.objects.get(user=applicant_a, type=Authenticator.Type.RECOVERY_CODES)
        .wrap()
        .get_unused_codes()[0]
    )

    sign_in(client, applicant_a)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(applicant_a.pk)
    client.post(reverse("account_logout"))

    sign_in(client, applicant_a)
    again = client.post(reverse("mfa_authenticate"), {"code": code})

    assert again.status_code == 200
    assert "Incorrect code." in main_content(again)
    assert "_auth_user_id" not in client.session


# --- the cached answer ----------------------------------------------------------------


def test_an_authenticator_whose_creation_is_rolled_back_leaves_the_user_without_one(
    client, new_staff
):
    assert has_active_totp(new_staff) is False  # now cached

    with pytest.raises(RuntimeError), transaction.atomic():
        activate_totp(new_staff)
        assert Authenticator.objects.filter(user=new_staff).exists()
        raise RuntimeError("the request failed after the authenticator was saved")

    assert not Authenticator.objects.filter(user=new_staff).exists()
    assert has_active_totp(new_staff) is False
    client.force_login(new_staff)
    assert client.get("/staff/dashboard/")["Location"] == reverse("mfa_activate_totp")


def test_a_committed_authenticator_is_remembered_without_a_query(
    new_staff, django_assert_num_queries, django_capture_on_commit_callbacks
):
    assert has_active_totp(new_staff) is False

    with django_capture_on_commit_callbacks(execute=True):
        activate_totp(new_staff)

    with django_assert_num_queries(0):
        assert has_active_totp(new_staff) is True


def test_a_rolled_back_removal_leaves_the_user_with_their_authenticator(new_staff):
    activate_totp(new_staff)
    assert has_active_totp(new_staff) is True

    with pytest.raises(RuntimeError), transaction.atomic():
        Authenticator.objects.filter(user=new_staff, type=Authenticator.Type.TOTP).delete()
        raise RuntimeError("the request failed after the authenticator was removed")

    assert has_active_totp(new_staff) is True


def test_a_committed_removal_is_remembered_without_a_query(
    new_staff, django_assert_num_queries, django_capture_on_commit_callbacks
):
    activate_totp(new_staff)
    assert has_active_totp(new_staff) is True

    with django_capture_on_commit_callbacks(execute=True):
        Authenticator.objects.filter(user=new_staff, type=Authenticator.Type.TOTP).delete()

    with django_assert_num_queries(0):
        assert has_active_totp(new_staff) is False
