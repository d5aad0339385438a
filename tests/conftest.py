"""The cast every test shares (STYLE.md): an applicant of organisation A, an
applicant of organisation B (the outsider who must see nothing of A), a committee
member, a conflicted member, programme staff, a donor viewer and an admin."""

import pytest

from accounts.enums import Affiliation, MembershipRole, ProgrammeRole
from tests.factories import MembershipFactory, OrganisationFactory, RegionFactory, UserFactory
from tests.two_factor import activate_totp


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    # Hashing is not what the tests measure; MD5 keeps the suite fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(scope="session", autouse=True)
def _sessions_in_the_database():
    """Sessions live in Redis and the database in production (cached_db); the tests keep
    them in the database alone, so that pinned query counts are the same with Redis (CI)
    and without it, and a test that moves the clock sees sessions expire. Set for the
    whole run, before the browser tests' live server builds its middleware.
    tests/test_scale_out.py checks the Redis sessions for real."""
    from django.conf import settings

    previous = settings.SESSION_ENGINE
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    yield
    settings.SESSION_ENGINE = previous


@pytest.fixture(autouse=True)
def _eager_tasks():
    """Tasks run in-process in tests; the worker test turns this off for itself."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
    # Eager tasks run in threads at once (the concurrency tests) race on Celery's global
    # "a task is running here" flag and may leave it set, which would make a later
    # ``result.get()`` refuse to wait.
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


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
def staff(db, settings):
    user = UserFactory(
        email="sam@example.org", full_name="Saltanat Staff", role=ProgrammeRole.STAFF
    )
    if settings.MFA_REQUIRED_FOR_STAFF:
        # Staff must use an authenticator app; the cast's has one (tests of the
        # requirement make staff without).
        activate_totp(user)
    return user


@pytest.fixture
def donor_viewer(db):
    return UserFactory(
        email="dora@example.org", full_name="Dora Donor", role=ProgrammeRole.DONOR_VIEWER
    )


@pytest.fixture
def admin_user(db, settings):
    user = UserFactory(
        email="root@example.org",
        full_name="Aibek Admin",
        role=ProgrammeRole.ADMIN,
        is_staff=True,
        is_superuser=True,
    )
    if settings.MFA_REQUIRED_FOR_STAFF:
        activate_totp(user)
    return user


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
