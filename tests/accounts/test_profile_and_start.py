import pytest
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_the_profile_page_needs_a_login(client):
    response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_user_sets_their_language_and_the_portal_remembers_it(client, applicant_a):
    client.force_login(applicant_a)
    response = client.post(
        reverse("profile"), {"full_name": "Aliya Applicant", "phone": "", "language": "ky"}
    )
    assert response.status_code == 302
    assert User.objects.get(pk=applicant_a.pk).language == "ky"
    # A new session (another device) is served in Kyrgyz without any cookie.
    client.logout()
    client.cookies.clear()
    client.force_login(User.objects.get(pk=applicant_a.pk))
    page = client.get(reverse("start"))
    assert page["Content-Language"] == "ky"
    assert '<html lang="ky">' in page.content.decode()


def test_an_unknown_language_is_refused_and_nothing_is_saved(client, applicant_a):
    client.force_login(applicant_a)
    response = client.post(
        reverse("profile"), {"full_name": "Changed", "phone": "", "language": "xx"}
    )
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    applicant_a.refresh_from_db()
    assert (applicant_a.full_name, applicant_a.language) == ("Aliya Applicant", "en")


def test_the_language_switcher_saves_the_choice_on_the_account(client, applicant_a):
    client.force_login(applicant_a)
    response = client.post(reverse("language_switch"), {"language": "ru", "next": "/profile/"})
    assert response["Location"] == "/profile/"
    applicant_a.refresh_from_db()
    assert applicant_a.language == "ru"


def test_the_language_switcher_works_for_visitors_and_ignores_foreign_next_urls(client):
    response = client.post(
        reverse("language_switch"), {"language": "ky", "next": "https://evil.example.com/"}
    )
    assert response["Location"] == "/"
    assert response.cookies["django_language"].value == "ky"
    assert client.get("/")["Content-Language"] == "ky"


def test_login_lands_each_role_on_its_start_page(
    client, applicant_a, committee_member, staff, donor_viewer
):
    client.force_login(applicant_a)
    assert "Community Safety Jety-Oguz" in client.get(reverse("start")).content.decode()
    client.force_login(committee_member)
    assert client.get(reverse("start"))["Location"] == reverse("review_queue")
    client.force_login(staff)
    assert client.get(reverse("start"))["Location"] == reverse("staff_dashboard")
    client.force_login(donor_viewer)
    assert client.get(reverse("start"))["Location"] == reverse("donor_dashboard")


def test_the_applicant_start_page_shows_no_other_organisation(client, applicant_a, applicant_b):
    client.force_login(applicant_a)
    page = client.get(reverse("start")).content.decode()
    assert "Community Safety Jety-Oguz" in page
    assert "Youth Initiative Karakol" not in page


def test_only_admins_see_the_administration_link(client, staff, admin_user):
    client.force_login(staff)
    assert 'href="/admin/"' not in client.get(reverse("profile")).content.decode()
    client.force_login(admin_user)
    assert 'href="/admin/"' in client.get(reverse("profile")).content.decode()


def test_the_base_layout_has_a_skip_link_landmarks_and_a_language_switcher(client):
    page = client.get(reverse("home")).content.decode()
    assert 'href="#main"' in page
    assert '<main id="main"' in page
    assert "<header>" in page and "<footer" in page
    assert 'name="language" value="ru"' in page
    assert 'name="language" value="ky"' in page
