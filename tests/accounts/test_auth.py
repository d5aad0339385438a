"""Signing up, in and out through django-allauth: address verification, throttled
failed logins, password reset and change, and allauth's pages in the portal's own
layout and languages."""

import re
from urllib.parse import urlencode

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.factories import TEST_PASSWORD

NEWCOMER = "nurlan@example.org"
NEW_PASSWORD = "a fresh and rather long passphrase"
# The rate configured in settings, pinned here so that LOGIN_FAILED_RATE_LIMIT in the
# environment cannot change what the test means: 5 failures per address in 5 minutes.
LOGIN_FAILED_RATE = "10/m/ip,5/5m/key"
FAILURES_ALLOWED = 5


def page_heading(response) -> str:
    """The text of the page's h1, without the whitespace allauth's templates leave."""
    match = re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.DOTALL)
    assert match, "the page has no h1"
    return " ".join(re.sub(r"<[^>]+>", "", match.group(1)).split())


def main_content(response) -> str:
    match = re.search(r"<main[^>]*>(.*?)</main>", response.content.decode(), re.DOTALL)
    assert match, "the page has no main element"
    return match.group(1)


def link_path_in(message) -> str:
    """The path of the only link in a mail: the test client needs no host."""
    links = re.findall(r"https?://testserver(/\S+)", message.body)
    assert len(links) == 1, links
    return links[0]


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def sign_up(client, email=NEWCOMER, password=TEST_PASSWORD):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": password, "password2": password},
        follow=True,
    )


def sign_in(client, email, password):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, follow=True
    )


@pytest.fixture
def pinned_login_rate(settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": LOGIN_FAILED_RATE}


# --- Sign-up and verification -------------------------------------------------------


def test_signup_creates_an_unverified_account_and_sends_a_verification_email(client, db):
    response = sign_up(client)

    assert response.redirect_chain == [(reverse("account_email_verification_sent"), 302)]
    user = User.objects.get()
    assert user.email == NEWCOMER
    assert list(EmailAddress.objects.values_list("email", "verified", "primary")) == [
        (NEWCOMER, False, True)
    ]
    assert signed_in_user_id(client) is None
    assert [(message.to, message.subject) for message in mail.outbox] == [
        ([NEWCOMER], "Please Confirm Your Email Address")
    ]


def test_signing_in_before_confirming_the_address_leads_to_the_verification_page(client, db):
    sign_up(client)
    client.logout()

    response = sign_in(client, NEWCOMER, TEST_PASSWORD)

    assert response.redirect_chain == [(reverse("account_email_verification_sent"), 302)]
    assert signed_in_user_id(client) is None


def test_following_the_link_in_the_verification_email_verifies_the_address_and_signs_in(client, db):
    sign_up(client)
    confirm_path = link_path_in(mail.outbox[0])

    page = client.get(confirm_path)
    assert page_heading(page) == "Confirm Email Address"
    response = client.post(confirm_path, follow=True)

    assert response.redirect_chain == [(reverse("start"), 302)]
    user = User.objects.get(email=NEWCOMER)
    assert EmailAddress.objects.get(user=user).verified is True
    assert signed_in_user_id(client) == str(user.pk)


# --- Signing in and out -------------------------------------------------------------


def test_sign_in_with_the_right_password_lands_on_the_start_page(client, applicant_a):
    response = sign_in(client, "alice@example.org", TEST_PASSWORD)

    assert response.redirect_chain == [(reverse("start"), 302)]
    assert page_heading(response) == "Welcome, Aliya"
    assert signed_in_user_id(client) == str(applicant_a.pk)


def test_sign_in_with_a_wrong_password_shows_an_error_and_does_not_sign_in(client, applicant_a):
    response = sign_in(client, "alice@example.org", "not the password")

    assert response.status_code == 200
    assert response.redirect_chain == []
    assert response.context["form"].non_field_errors() == [
        "The email address and/or password you specified are not correct."
    ]
    assert "The email address and/or password you specified are not correct." in main_content(
        response
    )
    assert signed_in_user_id(client) is None


def test_sign_in_is_refused_after_five_failures_even_with_the_right_password(
    client, applicant_a, pinned_login_rate
):
    for _attempt in range(FAILURES_ALLOWED):
        failed = sign_in(client, "alice@example.org", "not the password")
        assert failed.context["form"].non_field_errors() == [
            "The email address and/or password you specified are not correct."
        ]

    response = sign_in(client, "alice@example.org", TEST_PASSWORD)

    assert response.redirect_chain == []
    assert response.context["form"].non_field_errors() == [
        "Too many failed login attempts. Try again later."
    ]
    assert "Too many failed login attempts. Try again later." in main_content(response)
    assert signed_in_user_id(client) is None


def test_sign_out_ends_the_session_and_returns_to_the_home_page(client, applicant_a):
    sign_in(client, "alice@example.org", TEST_PASSWORD)

    response = client.post(reverse("account_logout"), follow=True)

    assert response.redirect_chain == [(reverse("home"), 302)]
    assert signed_in_user_id(client) is None


# --- Passwords ----------------------------------------------------------------------


def test_password_reset_email_link_lets_the_user_set_a_new_password_and_sign_in_with_it(
    client, applicant_a
):
    client.post(reverse("account_reset_password"), {"email": "alice@example.org"})
    assert [message.to for message in mail.outbox] == [["alice@example.org"]]
    key_path = link_path_in(mail.outbox[0])

    # The key moves from the address into the session before the form is shown.
    form_page = client.get(key_path, follow=True)
    assert page_heading(form_page) == "Change Password"
    set_password_path = form_page.redirect_chain[-1][0]
    response = client.post(
        set_password_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, follow=True
    )
    assert response.redirect_chain == [(reverse("account_reset_password_from_key_done"), 302)]

    signed_in = sign_in(client, "alice@example.org", NEW_PASSWORD)
    assert signed_in.redirect_chain == [(reverse("start"), 302)]
    assert signed_in_user_id(client) == str(applicant_a.pk)


def test_password_reset_for_an_unknown_address_shows_the_same_page_as_for_a_known_one(
    client, applicant_a
):
    known = client.post(
        reverse("account_reset_password"), {"email": "alice@example.org"}, follow=True
    )
    unknown = client.post(
        reverse("account_reset_password"), {"email": "nobody@example.org"}, follow=True
    )

    done = reverse("account_reset_password_done")
    assert known.redirect_chain == [(done, 302)]
    assert unknown.redirect_chain == [(done, 302)]
    assert main_content(unknown) == main_content(known)
    # Each address hears from us; the person typing it learns nothing.
    assert [message.to for message in mail.outbox] == [
        ["alice@example.org"],
        ["nobody@example.org"],
    ]


def test_password_change_requires_the_current_password(client, applicant_a):
    sign_in(client, "alice@example.org", TEST_PASSWORD)

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "not the password", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "oldpassword": ["Please type your current password."]
    }
    applicant_a.refresh_from_db()
    assert applicant_a.check_password(TEST_PASSWORD) is True


def test_password_change_with_the_current_password_sets_the_new_one(client, applicant_a):
    sign_in(client, "alice@example.org", TEST_PASSWORD)

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": TEST_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    applicant_a.refresh_from_db()
    assert applicant_a.check_password(NEW_PASSWORD) is True


# --- Layout, accessibility and languages --------------------------------------------


def test_signup_page_uses_the_portal_layout(client, db):
    response = client.get(reverse("account_signup"))

    content = response.content.decode()
    assert content.count('href="#main">Skip to main content</a>') == 1
    assert content.count(f'action="{reverse("language_switch")}"') == 1
    assert page_heading(response) == "Sign Up"


def test_entrance_pages_sit_in_a_narrow_card(client, db):
    response = client.get(reverse("account_login"))

    assert re.search(
        r'<div class="col-12 col-sm-10 col-md-8 col-lg-6 col-xl-5">\s*<div class="card',
        main_content(response),
    )


def test_field_errors_are_shown_beside_the_field_and_in_a_summary(client, db):
    response = client.post(
        reverse("account_signup"),
        {"email": NEWCOMER, "password1": TEST_PASSWORD, "password2": "something else"},
    )

    content = main_content(response)
    password2 = re.search(r'<input[^>]*id="id_password2"[^>]*>', content).group(0)
    assert 'class="passwordinput form-control is-invalid"' in password2
    assert 'aria-invalid="true"' in password2
    assert 'aria-describedby="id_password2_error"' in password2
    assert re.search(
        r'<div id="id_password2_error" class="invalid-feedback">\s*<p[^>]*><strong>'
        r"You must type the same password each time.</strong></p>",
        content,
    )
    assert content.count('id="error-summary"') == 1
    assert '<a href="#id_password2" class="alert-link">' in content


@pytest.mark.parametrize(
    ("url_name", "russian", "kyrgyz"),
    [
        ("account_login", "Войти", "Кирүү"),
        ("account_signup", "Зарегистрируйтесь", "Катталуу"),
        ("account_reset_password", "Сброс пароля", "Купуяны жаңыртуу"),
    ],
)
class TestEntrancePagesSpeakTheVisitorsLanguage:
    def test_in_russian_for_a_browser_that_asks_for_russian(
        self, client, db, url_name, russian, kyrgyz
    ):
        response = client.get(reverse(url_name), headers={"accept-language": "ru"})

        assert '<html lang="ru">' in response.content.decode()
        assert page_heading(response) == russian

    def test_in_kyrgyz_for_a_visitor_who_chose_kyrgyz(self, client, db, url_name, russian, kyrgyz):
        client.cookies["django_language"] = "ky"

        response = client.get(reverse(url_name))

        assert '<html lang="ky">' in response.content.decode()
        assert page_heading(response) == kyrgyz


@pytest.mark.parametrize(
    ("url_name", "heading"),
    [
        ("account_email", "Email Addresses"),
        ("account_change_password", "Change Password"),
        ("mfa_index", "Two-Factor Authentication"),
    ],
)
def test_account_management_pages_render_for_a_signed_in_user(
    client, applicant_a, url_name, heading
):
    sign_in(client, "alice@example.org", TEST_PASSWORD)

    response = client.get(reverse(url_name))

    assert response.status_code == 200
    assert page_heading(response) == heading


def test_activating_an_authenticator_app_asks_for_the_password_again(client, applicant_a):
    sign_in(client, "alice@example.org", TEST_PASSWORD)
    activate = reverse("mfa_activate_totp")

    asked = client.get(activate, follow=True)
    reauthenticate = f"{reverse('account_reauthenticate')}?{urlencode({'next': activate})}"
    assert asked.redirect_chain == [(reauthenticate, 302)]
    assert page_heading(asked) == "Confirm Access"
    response = client.post(reauthenticate, {"password": TEST_PASSWORD}, follow=True)

    assert response.redirect_chain == [(activate, 302)]
    assert page_heading(response) == "Activate Authenticator App"
    assert 'id="authenticator_secret"' in main_content(response)
