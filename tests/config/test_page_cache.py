"""The page cache (config/page_cache.py): a second identical request is served from the
cache, and any committed write to a table the page read (through the ORM, an UPDATE of
many rows, a bulk insert) makes the next request render afresh; nothing of one user
reaches another; the CSRF token of a served page is the visitor's own; a page with a
message waiting is never served from or to the cache.

These tests commit for real (``transaction=True``): a write only changes what the cache
serves once it has committed, and the tests of the rest of the suite run inside a
transaction that never commits, where the cache therefore steps aside.
"""

import re
from decimal import Decimal

import pytest
from django.contrib.messages import constants as message_levels
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.enums import MembershipRole, ProgrammeRole
from config import page_cache
from grants.enums import ApplicationState
from grants.models import Application, Call, Theme
from projects.enums import ProjectState
from projects.models import Project
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    MembershipFactory,
    OrganisationFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

CALLS = reverse("call_list")
MY_APPLICATIONS = reverse("application_list")
PUBLIC_PROJECTS = reverse("public_project_list")


def served(response) -> str:
    return response.headers.get("X-Page-Cache", "uncached")


def test_the_second_request_is_served_from_the_cache_without_a_query():
    CallFactory(title="Safer villages 2026")
    client = Client()

    first = client.get(CALLS)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(CALLS)

    assert (served(first), served(second)) == ("miss", "hit")
    assert "Safer villages 2026" in second.content.decode()
    assert len(queries) == 0


def test_a_saved_change_shows_at_once():
    call = CallFactory(title="Safer villages 2026")
    client = Client()
    client.get(CALLS)

    call.title = "Safer roads 2026"
    call.save()
    response = client.get(CALLS)

    assert served(response) == "miss"
    assert "Safer roads 2026" in response.content.decode()
    assert served(client.get(CALLS)) == "hit"


def test_an_update_of_many_rows_and_a_bulk_insert_show_at_once():
    CallFactory(title="Safer villages 2026")
    client = Client()
    client.get(CALLS)

    Call.objects.update(title="Renamed by an update")
    assert "Renamed by an update" in client.get(CALLS).content.decode()

    call = Call.objects.get()
    Theme.objects.bulk_create([Theme(programme=call.programme, name_en="Bulk-made theme")])
    call.themes.add(*Theme.objects.filter(name_en="Bulk-made theme"))
    assert "Bulk-made theme" in client.get(CALLS).content.decode()


def test_a_write_rolled_back_changes_nothing_and_one_in_progress_is_read_fresh():
    call = CallFactory(title="Safer villages 2026")
    client = Client()
    client.get(CALLS)

    with transaction.atomic():
        Call.objects.filter(pk=call.pk).update(title="Never committed")
        # The transaction that wrote reads its own writes, not a stored page.
        assert page_cache._has_pending_writes(connection)
        assert "Never committed" in client.get(CALLS).content.decode()
        transaction.set_rollback(True)

    assert not page_cache._has_pending_writes(connection)
    response = client.get(CALLS)
    assert served(response) == "hit"
    assert "Never committed" not in response.content.decode()


def test_one_applicant_never_gets_anothers_page():
    call = CallFactory()
    alice, bob = UserFactory(email="alice@example.org"), UserFactory(email="bob@example.org")
    for user, title in ((alice, "Project of Alice"), (bob, "Project of Bob")):
        organisation = OrganisationFactory()
        MembershipFactory(organisation=organisation, user=user, role=MembershipRole.OWNER)
        ApplicationFactory(call=call, organisation=organisation, title=title)
    client_a, client_b = Client(), Client()
    client_a.force_login(alice)
    client_b.force_login(bob)

    client_a.get(MY_APPLICATIONS)
    page_a = client_a.get(MY_APPLICATIONS)
    page_b = client_b.get(MY_APPLICATIONS)

    assert served(page_a) == "hit"
    assert served(page_b) == "miss"
    assert "Project of Bob" in page_b.content.decode()
    assert "Project of Alice" not in page_b.content.decode()


def test_access_taken_away_is_enforced_at_once(staff):
    """Staff demoted to applicant: the staff list is refused on the next request."""
    ApplicationFactory(state=ApplicationState.SUBMITTED, title="Youth and the law")
    client = Client()
    client.force_login(staff)
    url = reverse("staff_application_list")
    client.get(url)
    assert served(client.get(url)) == "hit"

    staff.role = ProgrammeRole.APPLICANT
    staff.save(update_fields=["role"])

    assert client.get(url).status_code in (403, 404)


def test_money_on_the_public_projects_page_is_never_stale():
    """The figures come from an inner cache; the page still follows the projects."""
    project = ProjectFactory(amount_awarded=Decimal("300000.00"), state=ProjectState.ACTIVE)
    client = Client()
    client.get(PUBLIC_PROJECTS)
    assert served(client.get(PUBLIC_PROJECTS)) == "hit"

    Project.objects.filter(pk=project.pk).update(amount_awarded=Decimal("250000.00"))
    html = client.get(PUBLIC_PROJECTS).content.decode()

    assert "250,000.00" in html
    assert "300,000.00" not in html


def test_the_csrf_token_of_a_served_page_is_the_visitors_own():
    """A visitor given another visitor's stored page can still switch the language (a
    POST checked against their own CSRF cookie)."""
    CallFactory()
    Client().get(CALLS)  # another visitor stores the page
    visitor = Client(enforce_csrf_checks=True)

    response = visitor.get(CALLS)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    switched = visitor.post(
        reverse("language_switch"), {"csrfmiddlewaretoken": token.group(1), "language": "ru"}
    )

    assert served(response) == "hit"
    assert switched.status_code == 302


def test_each_language_has_its_own_page():
    CallFactory()
    client = Client()
    client.get(CALLS)

    client.cookies["django_language"] = "ru"
    response = client.get(CALLS)

    assert served(response) == "miss"
    assert response.headers["Content-Language"] == "ru"
    assert 'lang="ru"' in response.content.decode()


def signed_in_with_a_stored_page():
    """An applicant's client whose list of applications is now served from the cache."""
    applicant = UserFactory()
    client = Client()
    client.force_login(applicant)
    client.get(MY_APPLICATIONS)
    assert served(client.get(MY_APPLICATIONS)) == "hit"
    return applicant, client


def test_a_page_with_a_message_waiting_shows_it_and_is_not_stored():
    from django.contrib import messages

    _applicant, client = signed_in_with_a_stored_page()

    # A message queued by an earlier request, as a redirect after saving leaves one.
    request = client.get(reverse("profile")).wsgi_request
    storage = messages.get_messages(request)
    storage.add(message_levels.SUCCESS, "Your profile was saved.")
    carrier = HttpResponse()
    storage.update(carrier)
    client.cookies.update(carrier.cookies)

    response = client.get(MY_APPLICATIONS)
    assert served(response) == "uncached"
    assert "Your profile was saved." in response.content.decode()
    assert served(client.get(MY_APPLICATIONS)) == "hit"


def test_the_setting_at_zero_turns_the_cache_off(settings):
    settings.PAGE_CACHE_SECONDS = 0
    CallFactory()
    client = Client()

    client.get(CALLS)

    assert served(client.get(CALLS)) == "uncached"


def test_a_write_django_did_not_see_is_covered_by_invalidate_all():
    call = CallFactory(title="Safer villages 2026")
    client = Client()
    client.get(CALLS)
    with connection.cursor() as cursor:
        # As psql or a restore would: the tracked wrapper is bypassed.
        cursor.cursor.execute(
            "UPDATE grants_call SET title = %s WHERE id = %s", ["Changed aside", call.pk]
        )
    assert served(client.get(CALLS)) == "hit"

    page_cache.invalidate_all()

    assert "Changed aside" in client.get(CALLS).content.decode()


def test_an_application_saved_by_its_applicant_shows_on_their_list():
    applicant = UserFactory()
    organisation = OrganisationFactory()
    MembershipFactory(organisation=organisation, user=applicant, role=MembershipRole.OWNER)
    application = ApplicationFactory(organisation=organisation, title="First title")
    client = Client()
    client.force_login(applicant)
    client.get(MY_APPLICATIONS)

    Application.objects.filter(pk=application.pk).update(title="Second title")

    assert "Second title" in client.get(MY_APPLICATIONS).content.decode()


def test_the_pages_kept_in_a_process_stay_within_their_size_and_age(settings):
    recent = page_cache.RecentPages(limit=10)
    now = page_cache.time.time()
    recent.put("a", {"content": "x" * 6, "stored_at": now})
    recent.put("b", {"content": "y" * 6, "stored_at": now})

    assert recent.get("a") is None  # dropped to stay within 10 characters
    assert recent.get("b")["content"] == "yyyyyy"

    recent.put("c", {"content": "z", "stored_at": now - settings.PAGE_CACHE_SECONDS - 1})
    assert recent.get("c") is None  # older than PAGE_CACHE_SECONDS


def test_a_signed_in_page_served_again_reads_only_the_session():
    applicant = UserFactory()
    client = Client()
    client.force_login(applicant)
    client.get(MY_APPLICATIONS)  # the page stored; the cache's versions made
    client.get(MY_APPLICATIONS)  # the user stored under them

    with CaptureQueriesContext(connection) as queries:
        response = client.get(MY_APPLICATIONS)

    assert served(response) == "hit"
    # The user comes from the cache too (accounts/backends.py); the tests keep
    # sessions in the database, production in Redis.
    assert [query["sql"].split(" FROM ")[1].split()[0] for query in queries] == ['"django_session"']


def test_a_user_deactivated_is_signed_out_on_the_next_request():
    applicant, client = signed_in_with_a_stored_page()

    type(applicant).objects.filter(pk=applicant.pk).update(is_active=False)
    response = client.get(MY_APPLICATIONS)

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_a_truncate_changes_each_table_it_names_and_with_cascade_every_page():
    versions = page_cache._versions({"grants_theme", "grants_call"})
    with connection.cursor() as cursor:
        cursor.execute('TRUNCATE "grants_theme", "grants_call" CASCADE')

    after = page_cache._versions({"grants_theme", "grants_call"})
    changed = [key for key in versions if versions[key] != after[key]]
    # CASCADE may empty tables it does not name: every stored page is dropped too.
    assert sorted(changed) == [
        page_cache.GENERATION_KEY,
        "pagecache:v:grants_call",
        "pagecache:v:grants_theme",
    ]
