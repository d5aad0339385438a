import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reporting.backups import BackupError, backup_create, backup_write


class Command(BaseCommand):
    help = (
        "Back up the whole portal: the PostgreSQL database (pg_dump, custom format) and "
        "the uploaded files under MEDIA_ROOT, in one tar file readable by its owner only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output-dir",
            default="backups",
            help="Folder for the backup file (default: backups/). Created if missing.",
        )
        parser.add_argument(
            "--stdout",
            action="store_true",
            help="Write the backup to standard output instead (e.g. from a container).",
        )

    def handle(self, *args, output_dir, stdout, **options):
        try:
            if stdout:
                manifest = backup_write(sys.stdout.buffer)
                sys.stdout.buffer.flush()
                target = "standard output"
            else:
                path, manifest = backup_create(Path(output_dir))
                target = str(path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        report = self.stderr if stdout else self.stdout
        rows = sum(manifest.tables.values())
        report.write(
            f"Backed up {len(manifest.tables)} tables ({rows} rows) and "
            f"{len(manifest.files)} uploaded files to {target}."
        )
        if manifest.media != "local":
            report.write(
                f"Uploaded files are kept by {manifest.media}: back the bucket up with the "
                "store's own versioning or replication."
            )
