import sys

from django.core.management.base import BaseCommand, CommandError

from reporting.backups import BackupError, require_postgresql, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the database of DATABASE_URL and "
        "MEDIA_ROOT. Both must be empty unless --force is given."
    )
    # The target database may be empty: no system check may need its tables.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup file, or - to read it from standard input.")
        parser.add_argument(
            "--force",
            action="store_true",
            help=(
                "Replace what the database holds (its schema is emptied in the same "
                "transaction as the restore) and add the backup's files to MEDIA_ROOT."
            ),
        )

    def handle(self, *args, file, force, **options):
        try:
            require_postgresql()
            if file == "-":
                manifest = restore(sys.stdin.buffer, replace=force)
            else:
                with open(file, "rb") as stream:
                    manifest = restore(stream, replace=force)
        except FileNotFoundError as error:
            raise CommandError(f"No backup file at {file}.") from error
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest.tables.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {manifest.created_at}: {len(manifest.tables)} tables "
                f"({rows} rows, every count checked) and {len(manifest.files)} uploaded files "
                "(every hash checked)."
            )
        )
        self.stdout.write("If this code is newer than the backup, run `manage.py migrate` next.")
