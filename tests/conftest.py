"""The cast every test shares (STYLE.md): an applicant of organisation A, an
applicant of organisation B (the outsider who must see nothing of A), a committee
member, a conflicted member, programme staff, a donor viewer and an admin."""

import pytest

from accounts.enums import Affiliation, MembershipRole, ProgrammeRole
from tests.factories import MembershipFactory, OrganisationFactory, RegionFactory, UserFactory


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    # Hashing is not what the tests measure; MD5 keeps the suite fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _eager_tasks():
    """Tasks run in-process in tests; the worker test turns this off for itself."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def oblast(db):
    return RegionFactory(
        code="41702000000000",
        name_en="Issyk-Kul Oblast",
        name_ru="Иссык-Кульская область",
        name_ky="Ысык-Көл облусу",
    )


@pytest.fixture
def organisation_a(db, oblast):
    return OrganisationFactory(name="Community Safety Jety-Oguz", region=oblast)


@pytest.fixture
def organisation_b(db, oblast):
    return OrganisationFactory(name="Youth Initiative Karakol", region=oblast)


@pytest.fixture
def applicant_a(db, organisation_a):
    user = UserFactory(email="alice@example.org", full_name="Aliya Applicant")
    MembershipFactory(organisation=organisation_a, user=user, role=MembershipRole.OWNER)
    return user


@pytest.fixture
def applicant_b(db, organisation_b):
    user = UserFactory(email="bob@example.org", full_name="Bakyt Outsider")
    MembershipFactory(organisation=organisation_b, user=user, role=MembershipRole.OWNER)
    return user


@pytest.fixture
def committee_member(db):
    return UserFactory(
        email="charlie@example.org",
        full_name="Chynara Committee",
        role=ProgrammeRole.COMMITTEE_MEMBER,
        affiliation=Affiliation.INDEPENDENT,
    )


@pytest.fixture
def conflicted_member(db):
    return UserFactory(
        email="dana@example.org",
        full_name="Daniyar Conflicted",
        role=ProgrammeRole.COMMITTEE_MEMBER,
        affiliation=Affiliation.NGO,
    )


@pytest.fixture
def staff(db):
    return UserFactory(
        email="sam@example.org", full_name="Saltanat Staff", role=ProgrammeRole.STAFF
    )


@pytest.fixture
def donor_viewer(db):
    return UserFactory(
        email="dora@example.org", full_name="Dora Donor", role=ProgrammeRole.DONOR_VIEWER
    )


@pytest.fixture
def admin_user(db):
    return UserFactory(
        email="root@example.org",
        full_name="Aibek Admin",
        role=ProgrammeRole.ADMIN,
        is_staff=True,
        is_superuser=True,
    )


@pytest.fixture(scope="session", autouse=True)
def _no_stray_database_sessions(django_db_setup, django_db_blocker):
    """End any session still open on the test database before it is dropped.

    Real Celery workers started by tests (another process) and the live server's
    threads may leave a PostgreSQL session behind for a moment; dropping the test
    database would then fail the whole run at its very end.
    """
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
