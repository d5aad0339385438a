"""Idle sessions end; an autosave that finds its session gone says so in a way the
page's script understands; failed logins are throttled with a clear message."""

import pytest
from django.contrib.sessions.models import Session
from django.middleware.csrf import get_token
from django.test import Client
from django.urls import reverse

from accounts.security import LAST_SEEN_KEY
from tests.factories import TEST_PASSWORD
from tests.grants.test_application_support import call_fixture, draft_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true", "HTTP_ACCEPT": "application/json"}
IDLE = 30 * 60


@pytest.fixture(autouse=True)
def _idle_timeout(settings):
    settings.SESSION_IDLE_TIMEOUT = IDLE


def section_url(application, section="summary"):
    return reverse("application_section", args=[application.pk, section])


def summary_data(**overrides):
    return {
        "base_version": 0,
        "title": "Safe roads",
        "theme": "",
        "summary": "Lessons near schools.",
        "duration_months": "12",
    } | overrides


def idle_for(client, seconds):
    """Move the session's idle clock back, as if nothing had been asked for a while."""
    session = client.session
    session[LAST_SEEN_KEY] -= seconds
    session.save()


# --- idle sessions ---------------------------------------------------------------------------


def test_signing_in_starts_the_idle_clock(client, applicant_a):
    client.post(reverse("account_login"), {"login": applicant_a.email, "password": TEST_PASSWORD})

    assert isinstance(client.session[LAST_SEEN_KEY], int)


def test_a_session_idle_longer_than_the_timeout_is_signed_out_with_a_message(client, applicant_a):
    client.force_login(applicant_a)
    idle_for(client, IDLE + 5)

    response = client.get(reverse("application_list"), follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    assert [str(message) for message in response.context["messages"]] == [
        "You were signed out after 30 minutes without activity. Sign in again to continue."
    ]


def test_a_session_used_within_the_timeout_stays_signed_in(client, applicant_a):
    client.force_login(applicant_a)
    idle_for(client, IDLE - 60)

    assert client.get(reverse("application_list")).status_code == 200
    assert client.session["_auth_user_id"] == str(applicant_a.pk)


def test_the_idle_clock_is_written_at_most_once_a_minute(client, applicant_a):
    client.force_login(applicant_a)
    started = client.session[LAST_SEEN_KEY]

    client.get(reverse("application_list"))
    assert client.session[LAST_SEEN_KEY] == started  # not rewritten on every request
    idle_for(client, 61)
    client.get(reverse("application_list"))

    assert client.session[LAST_SEEN_KEY] >= started  # moved on to now


def test_a_page_view_does_not_write_the_session_within_the_minute(client, applicant_a):
    client.force_login(applicant_a)
    client.get(reverse("application_list"))
    expire_date = Session.objects.get().expire_date

    client.get(reverse("application_list"))

    assert Session.objects.get().expire_date == expire_date


# --- autosave after the session is gone ---------------------------------------------------


def test_an_autosave_after_the_idle_timeout_answers_401_with_a_way_back_to_the_form(
    client, applicant_a, draft
):
    client.force_login(applicant_a)
    idle_for(client, IDLE + 5)

    response = client.post(section_url(draft), summary_data(), **HX)

    body = response.json()
    assert response.status_code == 401
    assert body["status"] == "signed_out"
    assert body["message"] == (
        "Not saved: you have been signed out. What you typed is kept in this browser."
    )
    assert body["link"] == f"{reverse('account_login')}?next={section_url(draft)}"
    assert body["link_text"] == "Sign in again to save it"
    assert body["restored"].startswith("Welcome back.")
    draft.refresh_from_db()
    assert draft.title == ""  # nothing saved without a session


def test_an_autosave_whose_session_was_deleted_answers_401(client, applicant_a, draft):
    client.force_login(applicant_a)
    client.session.delete()  # from the database and, where sessions are cached, Redis

    response = client.post(section_url(draft), summary_data(), **HX)

    assert response.status_code == 401
    assert response.json()["status"] == "signed_out"


def test_a_report_autosave_after_the_idle_timeout_answers_401(client, applicant_a, organisation_a):
    from tests.reporting.conftest import make_project

    project = make_project(organisation_a)
    report = project.reports.order_by("due_on").first()
    client.force_login(applicant_a)
    idle_for(client, IDLE + 5)
    url = reverse("report_section", args=[report.pk, "narrative"])

    response = client.post(url, {"base_version": 0, "achievements": "Round tables"}, **HX)

    assert response.status_code == 401
    assert response.json()["link"] == f"{reverse('account_login')}?next={url}"


def test_a_signed_out_page_request_still_goes_to_the_login_page(client, applicant_a, draft):
    response = client.get(section_url(draft))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={section_url(draft)}"


def test_after_signing_in_again_the_kept_values_save_normally(client, applicant_a, draft):
    client.force_login(applicant_a)
    idle_for(client, IDLE + 5)
    link = client.post(section_url(draft), summary_data(), **HX).json()["link"]

    signed_in = client.post(
        link, {"login": applicant_a.email, "password": TEST_PASSWORD}, follow=True
    )
    assert signed_in.redirect_chain[-1] == (section_url(draft), 302)
    response = client.post(section_url(draft), summary_data(), **HX)

    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.title == "Safe roads"


def test_an_autosave_from_a_page_older_than_the_latest_sign_in_is_told_to_reload(
    applicant_a, draft
):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(applicant_a)
    page = browser.get(section_url(draft))
    old_token = get_token(page.wsgi_request)
    browser.force_login(applicant_a)  # signing in again changes the form token
    browser.get(section_url(draft))

    response = browser.post(
        section_url(draft), summary_data(csrfmiddlewaretoken=old_token + "x"), **HX
    )

    body = response.json()
    assert response.status_code == 403
    assert body["status"] == "stale_page"
    assert body["link"] == section_url(draft)
    assert body["link_text"] == "Reload the page to save it"


def test_a_refused_form_token_on_a_normal_page_gets_the_usual_page(applicant_a, draft):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(applicant_a)

    response = browser.post(section_url(draft), summary_data())

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


# --- throttled logins ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Too many failed login attempts. Try again later."),
        ("ru", "Слишком много неудачных попыток входа в систему. Повторите попытку позже."),
        ("ky", "Өтө көп жолу кирүү аракеттери жасалды. Кайрадан аракеттениңиз."),
    ],
)
def test_throttled_logins_say_so_in_the_visitors_language(
    client, applicant_a, settings, language, message
):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,2/5m/key"}
    client.cookies["django_language"] = language
    wrong = {"login": applicant_a.email, "password": "not the password"}
    client.post(reverse("account_login"), wrong)
    client.post(reverse("account_login"), wrong)

    response = client.post(
        reverse("account_login"), {"login": applicant_a.email, "password": TEST_PASSWORD}
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [message]
    assert "_auth_user_id" not in client.session
