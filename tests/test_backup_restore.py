"""Backing up the whole portal and restoring it elsewhere: the real commands, run as an
operator runs them, from a database holding a programme's records to a fresh one.

PostgreSQL only (the backup is a pg_dump): skipped on SQLite."""

import datetime
import os
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection

from grants.enums import ApplicationState
from grants.services.states import application_set_state
from reporting.backups import database_table_counts
from reporting.models import ReportFile
from tests.factories import MembershipFactory, UserFactory, submitted_review
from tests.grants.review_support import assign, attach, call_in_review, declare, eligible, seat
from tests.reporting.conftest import make_project

pytestmark = pytest.mark.django_db(transaction=True)
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="backups are made with PostgreSQL's pg_dump"
)

ROOT = Path(__file__).resolve().parent.parent
PHOTO = b"\xff\xd8\xff\xe0 a photo of the road-safety lesson in Jety-Oguz \xff\xd9"


def database_url(name: str) -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{name}"


def manage(*arguments, database: str, media_root: Path, stdin=None):
    """``manage.py`` in its own process, as an operator runs it."""
    env = os.environ | {"DATABASE_URL": database_url(database), "MEDIA_ROOT": str(media_root)}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        stdin=stdin,
        capture_output=True,
        text=stdin is None,
        timeout=300,
    )


def admin_sql(statement: str) -> None:
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = True
        with raw.cursor() as cursor:
            cursor.execute(statement)
    finally:
        raw.close()


@pytest.fixture
def fresh_database():
    """A throw-away database, dropped afterwards whatever happened."""
    name = f"grants_backup_{uuid.uuid4().hex[:10]}"
    admin_sql(f'CREATE DATABASE "{name}"')
    yield name
    admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def rows(database: str, query: str) -> list[tuple]:
    """Run ``query`` in ``database`` (committed) and return what it selects."""
    raw = connection.get_new_connection(connection.get_connection_params() | {"dbname": database})
    try:
        raw.autocommit = True
        with raw.cursor() as cursor:
            cursor.execute(query)
            return cursor.fetchall() if cursor.description else []
    finally:
        raw.close()


def restored_counts(database: str) -> dict[str, int]:
    tables = rows(
        database,
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename",
    )
    return {
        table: rows(database, f'SELECT count(*) FROM "{table}"')[0][0]  # noqa: S608
        for (table,) in tables
    }


@pytest.fixture
def programme(organisation_a, applicant_a, committee_member, conflicted_member, staff):
    """A call in review with two scored applications (one screened out later), a
    declared conflict, a funded project with its reports and a photo uploaded."""
    call = call_in_review(title="Small grants 2017", slug="small-grants-2017")
    roads = eligible(call, organisation_a, 1, title="Safe roads to school", created_by=applicant_a)
    attachment = attach(roads, "budget.pdf")
    girls = eligible(
        call,
        organisation_a,
        2,
        title="Girls at school",
        created_by=applicant_a,
        reference="PIA-2017-102",
    )
    member = seat(call, committee_member)
    assign(member, roads, girls)
    declare(member, roads)
    review = submitted_review(
        member=member, application=roads, points=[8, 7, 6, 5], comment="Strong local support."
    )
    conflicted = seat(call, conflicted_member)
    assign(conflicted, roads)
    declare(conflicted, roads, conflict=True, reason="My sister chairs it.")
    application_set_state(
        application=girls,
        to_state=ApplicationState.INELIGIBLE,
        by=staff,
        reason="Outside the eligible regions.",
    )
    MembershipFactory(organisation=organisation_a, user=UserFactory(email="vera@example.org"))

    project = make_project(organisation_a, application__created_by=applicant_a)
    report = project.reports.get(number=1)
    photo = ReportFile(
        report=report,
        original_name="lesson.jpg",
        content_type="image/jpeg",
        size=len(PHOTO),
        caption="Road-safety lesson, 12 September 2017",
        uploaded_by=applicant_a,
    )
    photo.file.save("lesson.jpg", ContentFile(PHOTO), save=False)
    photo.save()
    return {
        "roads": roads,
        "review": review,
        "project": project,
        "photo": photo,
        "attachment": attachment,
    }


@on_postgresql
def test_a_backup_restored_into_a_fresh_database_holds_the_same_rows_and_files(
    programme, fresh_database, tmp_path
):
    source = connection.settings_dict["NAME"]
    backups = tmp_path / "backups"
    restored_media = tmp_path / "restored-media"

    made = manage(
        "backup", "--output-dir", str(backups), database=source, media_root=settings.MEDIA_ROOT
    )
    assert made.returncode == 0, made.stderr
    (backup,) = backups.glob("grants-backup-*.tar")
    assert backup.stat().st_mode & 0o077 == 0  # personal data: its owner's eyes only
    restored = manage("restore", str(backup), database=fresh_database, media_root=restored_media)
    assert restored.returncode == 0, restored.stderr

    expected_counts = database_table_counts()
    assert restored_counts(fresh_database) == expected_counts
    assert expected_counts["grants_application"] == 3  # two applied, one funded
    assert expected_counts["grants_review"] == 1
    assert expected_counts["grants_conflictdeclaration"] == 2
    assert expected_counts["reporting_progressreport"] == 2
    assert expected_counts["grants_transition"] == 1
    roads, project = programme["roads"], programme["project"]
    assert rows(
        fresh_database,
        f"SELECT reference, title, state FROM grants_application WHERE id = {roads.pk}",  # noqa: S608
    ) == [(roads.reference, "Safe roads to school", ApplicationState.ELIGIBLE)]
    assert rows(
        fresh_database,
        f"SELECT total, comment FROM grants_review WHERE id = {programme['review'].pk}",  # noqa: S608
    ) == [(programme["review"].total, "Strong local support.")]
    assert rows(
        fresh_database,
        "SELECT agreement_number, amount_awarded, starts_on FROM projects_project "  # noqa: S608
        f"WHERE id = {project.pk}",
    ) == [(project.agreement_number, Decimal("300000.00"), datetime.date(2017, 7, 1))]
    assert rows(fresh_database, "SELECT reason, to_state FROM grants_transition") == [
        ("Outside the eligible regions.", ApplicationState.INELIGIBLE)
    ]
    assert rows(fresh_database, "SELECT email FROM accounts_user WHERE email LIKE 'alice%%'") == [
        ("alice@example.org",)
    ]
    photo, attachment = programme["photo"], programme["attachment"]
    assert (restored_media / photo.file.name).read_bytes() == PHOTO
    original = (Path(settings.MEDIA_ROOT) / attachment.file.name).read_bytes()
    assert original.startswith(b"%PDF")
    assert (restored_media / attachment.file.name).read_bytes() == original
    # The append-only timeline is append-only in the restored database too.
    assert rows(
        fresh_database, "SELECT count(*) FROM pg_trigger WHERE tgname = 'append_only_timeline'"
    ) == [(1,)]


@on_postgresql
def test_a_restore_refuses_a_database_that_is_not_empty_unless_forced(
    programme, fresh_database, tmp_path
):
    backups, media = tmp_path / "backups", tmp_path / "restored-media"
    source = connection.settings_dict["NAME"]
    made = manage(
        "backup", "--output-dir", str(backups), database=source, media_root=settings.MEDIA_ROOT
    )
    assert made.returncode == 0, made.stderr
    (backup,) = backups.glob("grants-backup-*.tar")
    first = manage("restore", str(backup), database=fresh_database, media_root=media)
    assert first.returncode == 0, first.stderr
    rows(
        fresh_database,
        "INSERT INTO grants_programme (name, slug, donor, currency, starts_on, ends_on, "
        "reference_prefix) VALUES ('Added later', 'later', 'INL', 'KGS', '2019-01-01', "
        "'2019-12-31', 'LAT')",
    )
    added_later = "SELECT count(*) FROM grants_programme WHERE slug = 'later'"

    refused = manage("restore", str(backup), database=fresh_database, media_root=media)

    assert refused.returncode == 1
    assert "already holds" in refused.stderr
    assert "--force" in refused.stderr
    assert rows(fresh_database, added_later) == [(1,)]

    with backup.open("rb") as stream:
        forced = manage(
            "restore", "--force", "-", database=fresh_database, media_root=media, stdin=stream
        )

    assert forced.returncode == 0, forced.stderr
    assert rows(fresh_database, added_later) == [(0,)]
    assert restored_counts(fresh_database) == database_table_counts()


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite demo's message")
def test_on_sqlite_the_commands_say_what_to_copy_instead(tmp_path):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="copy db.sqlite3 and media/"):
        call_command("backup", output_dir=str(tmp_path))
    with pytest.raises(CommandError, match="copy db.sqlite3 and media/"):
        call_command("restore", str(tmp_path / "any.tar"))
    assert list(tmp_path.iterdir()) == []
