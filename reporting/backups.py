"""Back up and restore the whole portal: its PostgreSQL database and its uploaded files.

A backup is one tar file (``grants-backup-<UTC time>.tar``, readable by its owner only,
because it holds personal data):

- ``database.pgdump``: ``pg_dump --format=custom`` of the portal's database;
- ``media/...``: every file under ``MEDIA_ROOT`` (when uploads are stored locally; an
  S3 bucket is kept by the store's own versioning and replication instead);
- ``manifest.json``, last: when it was made, the row count of every table and the
  SHA-256 of every file, all taken from the same snapshot the dump was made from.

Restoring refuses a database that has any table, or a ``MEDIA_ROOT`` that holds any
file, unless told to replace them; it loads the dump in one transaction (a failure
leaves the database as it was), then checks every table's row count and every file's
hash against the manifest.
"""

import datetime
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection

from config import page_cache

FORMAT = "grant-portal-backup/1"
DUMP_NAME = "database.pgdump"
MANIFEST_NAME = "manifest.json"
MEDIA_PREFIX = "media/"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message says why and what to do."""


@dataclass
class Manifest:
    created_at: str
    database: str
    tables: dict[str, int]
    media: str  # "local" or the storage class that keeps files elsewhere
    files: dict[str, str]  # path under MEDIA_ROOT -> SHA-256

    def as_json(self) -> bytes:
        return json.dumps({"format": FORMAT, **self.__dict__}, indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> "Manifest":
        data = json.loads(raw)
        if data.pop("format", None) != FORMAT:
            raise BackupError("This file is not a grant portal backup (unknown manifest).")
        return cls(**data)


# --- PostgreSQL -------------------------------------------------------------------------


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise BackupError(
            "Backup and restore work on PostgreSQL (DATABASE_URL=postgres://...). "
            "The SQLite demo is one file: copy db.sqlite3 and media/ instead."
        )


def _pg_environment() -> dict[str, str]:
    """libpq's variables for the portal's database, so that no password shows in ``ps``."""
    db = connection.settings_dict
    env = dict(os.environ)
    for variable, value in {
        "PGDATABASE": db["NAME"],
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
        "PGHOST": db.get("HOST"),
        "PGPORT": db.get("PORT"),
        "PGSSLMODE": (db.get("OPTIONS") or {}).get("sslmode"),
    }.items():
        if value:
            env[variable] = str(value)
    return env


def _require_program(name: str) -> None:
    if shutil.which(name) is None:
        raise BackupError(
            f"{name} was not found: install PostgreSQL's client programs "
            "(Debian: apt-get install postgresql-client), the same major version as the server."
        )


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    _require_program(command[0])
    result = subprocess.run(command, env=_pg_environment(), capture_output=True, **kwargs)  # noqa: S603
    if result.returncode:
        raise BackupError(f"{command[0]} failed: {result.stderr.decode(errors='replace').strip()}")
    return result


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _table_counts(cursor) -> dict[str, int]:
    """Rows in every table of the portal's schema."""
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    )
    counts = {}
    for (table,) in cursor.fetchall():
        cursor.execute(f"SELECT count(*) FROM {_quote(table)}")  # noqa: S608 (a catalogue name)
        counts[table] = cursor.fetchone()[0]
    return counts


def database_table_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        return _table_counts(cursor)


def _dump_database(target: Path) -> dict[str, int]:
    """Dump the database and count its rows from one snapshot: the counts describe
    exactly what the dump holds, however busy the portal is meanwhile."""
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = True
        with raw.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _table_counts(cursor)
            _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target}"])
            cursor.execute("ROLLBACK")
    finally:
        raw.close()
    return counts


# --- files ----------------------------------------------------------------------------------


def _local_media_root() -> Path | None:
    """MEDIA_ROOT when uploads are stored on this machine; None for an external store."""
    if isinstance(default_storage, FileSystemStorage):
        return Path(default_storage.location)
    return None


def _media_files(root: Path):
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path, path.relative_to(root).as_posix()


class _HashingReader:
    """Reads a file for tarfile while computing its SHA-256 (one pass over the bytes)."""

    def __init__(self, handle):
        self.handle = handle
        self.hash = hashlib.sha256()

    def read(self, size=-1):
        data = self.handle.read(size)
        self.hash.update(data)
        return data


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.datetime.now(tz=datetime.UTC).timestamp())
    info.mode = 0o600
    archive.addfile(info, fileobj=_BytesReader(data))


class _BytesReader:
    def __init__(self, data: bytes):
        self.data, self.position = data, 0

    def read(self, size=-1):
        end = len(self.data) if size < 0 else self.position + size
        chunk = self.data[self.position : end]
        self.position += len(chunk)
        return chunk


# --- backup ---------------------------------------------------------------------------------


def backup_file_name(now: datetime.datetime) -> str:
    return f"grants-backup-{now:%Y%m%d-%H%M%S}Z.tar"


def backup_write(stream) -> Manifest:
    """Write a backup of the database and the local uploads to ``stream`` (a binary file)."""
    require_postgresql()
    now = datetime.datetime.now(tz=datetime.UTC)
    media_root = _local_media_root()
    with tempfile.TemporaryDirectory(prefix="grants-backup-") as workdir:
        dump = Path(workdir) / DUMP_NAME
        # The database first, then the files: every file the dump names is then on disk
        # (uploads get new random names and are never rewritten in place).
        tables = _dump_database(dump)
        files = {}
        with tarfile.open(fileobj=stream, mode="w|") as archive:
            archive.add(dump, arcname=DUMP_NAME)
            for path, relative in _media_files(media_root) if media_root else ():
                info = archive.gettarinfo(path, arcname=MEDIA_PREFIX + relative)
                with path.open("rb") as handle:
                    reader = _HashingReader(handle)
                    archive.addfile(info, fileobj=reader)
                files[relative] = reader.hash.hexdigest()
            manifest = Manifest(
                created_at=now.isoformat(),
                database=connection.settings_dict["NAME"],
                tables=tables,
                media="local" if media_root else type(default_storage).__name__,
                files=files,
            )
            _add_bytes(archive, MANIFEST_NAME, manifest.as_json())
    return manifest


def backup_create(directory: Path) -> tuple[Path, Manifest]:
    """A backup file in ``directory``, readable by its owner only; written under a
    temporary name and renamed when complete, so a half-written backup never looks whole."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / backup_file_name(datetime.datetime.now(tz=datetime.UTC))
    partial = target.with_suffix(".tar.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            manifest = backup_write(stream)
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target, manifest


# --- restore --------------------------------------------------------------------------------


def _safe_member_path(name: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"The backup holds an unsafe path: {name!r}.")
    return path.as_posix()


def _extract(stream, workdir: Path, staging: Path) -> Manifest:
    """Unpack the backup: the dump into ``workdir``, the files into ``staging``, then
    check every file against the manifest (which comes last in the archive)."""
    manifest = None
    hashes = {}
    with tarfile.open(fileobj=stream, mode="r|*") as archive:
        for member in archive:
            name = _safe_member_path(member.name)
            if member.isdir():
                continue
            if not member.isfile():
                raise BackupError(f"The backup holds something other than a file: {name!r}.")
            source = archive.extractfile(member)
            if name == MANIFEST_NAME:
                manifest = Manifest.from_json(source.read())
                continue
            if name == DUMP_NAME:
                target = workdir / DUMP_NAME
            elif name.startswith(MEDIA_PREFIX):
                relative = name.removeprefix(MEDIA_PREFIX)
                target = staging / relative
            else:
                raise BackupError(f"The backup holds an unexpected file: {name!r}.")
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            with target.open("wb") as handle:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    handle.write(chunk)
            if name.startswith(MEDIA_PREFIX):
                hashes[name.removeprefix(MEDIA_PREFIX)] = digest.hexdigest()
    if manifest is None or not (workdir / DUMP_NAME).exists():
        raise BackupError("The backup is incomplete: its manifest or its database dump is missing.")
    if hashes != manifest.files:
        damaged = sorted(set(hashes.items()) ^ set(manifest.files.items()))
        raise BackupError(
            f"The backup's files do not match its manifest ({len(damaged)} differ), "
            f"for example {damaged[0][0]!r}: the file is damaged."
        )
    return manifest


def restore_refusals(*, replace: bool) -> list[str]:
    """Why restoring here would overwrite something; empty when the target is empty or
    the operator asked to replace it."""
    if replace:
        return []
    refusals = []
    tables = connection.introspection.table_names()
    if tables:
        refusals.append(
            f"The database {connection.settings_dict['NAME']!r} already holds {len(tables)} tables."
        )
    media_root = _local_media_root()
    if media_root and any(True for _ in _media_files(media_root)):
        refusals.append(f"MEDIA_ROOT ({media_root}) already holds files.")
    return refusals


def _load_dump(dump: Path, *, replace: bool) -> None:
    """Load the dump in one transaction; with ``replace`` the portal's schema is emptied
    first in that same transaction, so a failure leaves the old database whole."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as preamble:
        if replace:
            preamble.write("DROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n")
    try:
        for program in ("pg_restore", "psql"):
            _require_program(program)
        env = _pg_environment()
        with subprocess.Popen(  # noqa: S603
            ["pg_restore", "--no-owner", "--no-privileges", "--file=-", str(dump)],  # noqa: S607
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        ) as sql:
            loaded = subprocess.run(  # noqa: S603
                # psql wraps every -f in the one transaction of --single-transaction.
                ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction"]  # noqa: S607
                + ["-f", preamble.name, "-f", "-"],
                stdin=sql.stdout,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env,
            )
            sql.stdout.close()
            dump_errors = sql.stderr.read()
        if loaded.returncode:
            raise BackupError(
                "The database was left as it was; loading the dump failed: "
                + loaded.stderr.decode(errors="replace").strip()
            )
        if sql.returncode:
            raise BackupError(f"pg_restore failed: {dump_errors.decode(errors='replace').strip()}")
    finally:
        os.unlink(preamble.name)
    connection.close()  # the schema changed under Django's connection


def _move_files(staging: Path, media_root: Path) -> None:
    for path, relative in list(_media_files(staging)):
        target = media_root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)


def restore(stream, *, replace: bool = False) -> Manifest:
    """Restore a backup read from ``stream`` into the portal's database and MEDIA_ROOT."""
    require_postgresql()
    refusals = restore_refusals(replace=replace)
    if refusals:
        raise BackupError(
            " ".join(refusals)
            + " Restore into an empty database and MEDIA_ROOT, or pass --force to replace them."
        )
    media_root = _local_media_root()
    with tempfile.TemporaryDirectory(prefix="grants-restore-") as workdir:
        # Files are staged beside MEDIA_ROOT's contents (the same file system), so that
        # putting them in place is a rename, done only once the database is in.
        if media_root:
            media_root.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".restoring-", dir=media_root))
        else:
            staging = Path(workdir) / "media"
        try:
            manifest = _extract(stream, Path(workdir), staging)
            if manifest.files and not media_root:
                raise BackupError(
                    "The backup holds uploaded files but this portal stores files in "
                    f"{type(default_storage).__name__}: copy them there from the backup's "
                    "media/ folder."
                )
            _load_dump(Path(workdir) / DUMP_NAME, replace=replace)
            # psql wrote the tables, not Django: no cached page or figure is used again.
            page_cache.invalidate_all()
            if media_root:
                _move_files(staging, media_root)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    counts = database_table_counts()
    differing = {
        table: (expected, counts.get(table))
        for table, expected in manifest.tables.items()
        if counts.get(table) != expected
    }
    if differing:
        raise BackupError(f"Restored, but these tables' row counts differ: {differing}")
    return manifest
