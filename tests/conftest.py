"""The cast every test shares (STYLE.md): an applicant of organisation A, an
applicant of organisation B (the outsider who must see nothing of A), a committee
member, a conflicted member, programme staff, a donor viewer and an admin."""

import os
import uuid

import pytest

from accounts.enums import Affiliation, MembershipRole, ProgrammeRole
from tests.factories import MembershipFactory, OrganisationFactory, RegionFactory, UserFactory
from tests.support import (
    CeleryWorkers,
    S3Bucket,
    s3_client,
    start_s3_server,
    test_database_url,
    xdist_redis_urls,
)
from tests.two_factor import activate_totp


def pytest_configure(config):
    _redis_of_this_xdist_worker()


def _redis_of_this_xdist_worker():
    """Under pytest-xdist (``-n 2``), each worker process gets Redis databases of its
    own (tests.support.xdist_redis_urls): the cache is cleared by every test and must
    not be cleared under another worker's feet. Django has read its settings before
    this conftest is imported, so they are moved here, with the environment that the
    processes the tests start (real workers, gunicorn, the load test) inherit."""
    from django.conf import settings

    redis_url, cache_url = settings.REDIS_URL, settings.REDIS_CACHE_URL
    new_redis_url, new_cache_url = xdist_redis_urls(
        redis_url, cache_url, os.environ.get("PYTEST_XDIST_WORKER")
    )
    if (new_redis_url, new_cache_url) == (redis_url, cache_url):
        return
    settings.REDIS_URL, settings.REDIS_CACHE_URL = new_redis_url, new_cache_url
    for variable, value in (("REDIS_URL", new_redis_url), ("REDIS_CACHE_URL", new_cache_url)):
        if os.environ.get(variable) and value:
            os.environ[variable] = value
    default_cache = settings.CACHES["default"]
    if default_cache.get("LOCATION") == cache_url:
        default_cache = {**default_cache, "LOCATION": new_cache_url}
        settings.CACHES = {**settings.CACHES, "default": default_cache}
        from django.core.cache import caches

        caches.__dict__.pop("settings", None)  # re-read on next use
        caches.close_all()
    from config.celery import app

    for setting, option in (
        ("CELERY_BROKER_URL", "broker_url"),
        ("CELERY_RESULT_BACKEND", "result_backend"),
    ):
        if getattr(settings, setting) == redis_url:
            setattr(settings, setting, new_redis_url)
            app.conf[option] = new_redis_url


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
        _activate_totp_and_remember(user)
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
        _activate_totp_and_remember(user)
    return user


def _activate_totp_and_remember(user):
    """The authenticator is saved inside the test's transaction, which never commits,
    so the cache learns of it from this first look (as it would from the commit), not
    within the first request whose queries a test may count."""
    from accounts.two_factor import has_active_totp

    activate_totp(user)
    assert has_active_totp(user)


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


# --- things several modules start for real -------------------------------------------------


@pytest.fixture
def real_celery_worker(tmp_path):
    """Starts real Celery workers (``.start()``) against the run's Redis, on a queue of
    their own (``.queue``), logging to ``.log_path``; stops them after the test.

    Skips the test without Redis (REDIS_URL). Tasks sent from the test go through the
    broker while it runs (the suite otherwise runs them in process)."""
    from django.conf import settings

    from config.celery import app

    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is unset: a real worker needs Redis as its broker (CI sets it).")
    workers = CeleryWorkers(
        log_path=tmp_path / "workers.log", env={"REDIS_URL": settings.REDIS_URL}
    )
    app.conf.task_always_eager = False  # _eager_tasks puts it back
    try:
        yield workers
    finally:
        workers.stop_all()


@pytest.fixture
def real_celery_worker_on_the_database(real_celery_worker):
    """``real_celery_worker`` whose workers use this test's PostgreSQL database; the
    test must commit what they are to see (``django_db(transaction=True)``). Skipped
    on SQLite: another process cannot see the run's in-memory database."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip(
            "The worker is another process: it cannot see the test run's in-memory SQLite "
            "database (set DATABASE_URL to a PostgreSQL database, as CI does)."
        )
    real_celery_worker.env.update(
        {
            "DATABASE_URL": test_database_url(),
            "DATABASE_CONN_MAX_AGE": "0",
            "CELERY_TASK_ALWAYS_EAGER": "False",
        }
    )
    return real_celery_worker


@pytest.fixture
def s3_bucket():
    """moto's S3 server on a free local port, with an empty private bucket of the test's
    own (moto keeps its buckets in this process for the whole run); stopped after."""
    server, endpoint = start_s3_server()
    try:
        client = s3_client(endpoint)
        name = f"portal-files-{uuid.uuid4().hex[:12]}"
        client.create_bucket(Bucket=name)
        yield S3Bucket(endpoint=endpoint, client=client, name=name)
    finally:
        server.stop()
