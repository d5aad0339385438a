"""Settings for more than one web process: sessions and files in shared services."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'session': s.SESSION_ENGINE, 'files': s.STORAGES['default']}))"
)


def _settings(**env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "FILE_", "AWS_"))
    }
    clean.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return result


def test_one_local_server_keeps_sessions_in_the_database_and_files_on_disk():
    result = _settings()
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "session": "django.contrib.sessions.backends.db",
        "files": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


def test_with_redis_sessions_are_read_from_redis_and_kept_in_the_database():
    result = _settings(REDIS_URL="redis://127.0.0.1:6379/0")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["session"] == "django.contrib.sessions.backends.cached_db"


def test_s3_storage_keeps_files_private_unsigned_and_never_overwritten():
    result = _settings(
        FILE_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="portal-files",
        AWS_S3_ENDPOINT_URL="http://minio:9000",
        AWS_S3_REGION_NAME="us-east-1",
        AWS_ACCESS_KEY_ID="portal",
        AWS_SECRET_ACCESS_KEY="portal-secret",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["files"] == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "portal-files",
            "endpoint_url": "http://minio:9000",
            "region_name": "us-east-1",
            "access_key": "portal",
            "secret_key": "portal-secret",
            "location": "",
            "addressing_style": "path",
            "default_acl": "private",
            "querystring_auth": False,
            "file_overwrite": False,
            "max_memory_size": 2 * 1024 * 1024,
        },
    }


def test_amazon_s3_itself_needs_no_endpoint_and_may_use_the_machines_role():
    result = _settings(FILE_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="portal-files")
    assert result.returncode == 0, result.stderr
    options = json.loads(result.stdout)["files"]["OPTIONS"]
    assert (options["endpoint_url"], options["access_key"], options["addressing_style"]) == (
        None,
        None,
        "auto",
    )


def test_s3_storage_without_a_bucket_stops_the_start_naming_the_variable():
    result = _settings(FILE_STORAGE="s3")
    assert result.returncode != 0
    assert "AWS_STORAGE_BUCKET_NAME must be set when FILE_STORAGE=s3." in result.stderr


def test_an_unknown_storage_stops_the_start():
    result = _settings(FILE_STORAGE="ftp")
    assert result.returncode != 0
    assert "FILE_STORAGE='ftp' must be one of ['filesystem', 's3']." in result.stderr
