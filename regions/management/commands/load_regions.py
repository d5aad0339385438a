from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from regions.services import (
    DEFAULT_EDITION,
    RegionDataError,
    RegionDataMissing,
    regions_load,
)

MISSING_SHOWN = 20


class Command(BaseCommand):
    help = (
        "Load Kyrgyzstan's administrative units (SOATE) from kg_regions.csv and "
        "kg_villages.csv. Idempotent; never deletes a unit."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=None,
            help="Folder holding kg_regions.csv (default: settings.REGIONS_DATA_DIR).",
        )
        parser.add_argument(
            "--edition",
            default=DEFAULT_EDITION,
            help=f"Classifier edition recorded on each unit (default: {DEFAULT_EDITION}).",
        )
        parser.add_argument(
            "--if-available",
            action="store_true",
            help="Warn and exit successfully when the data folder is missing.",
        )

    def handle(self, *args, data_dir, edition, if_available, **options):
        data_dir = data_dir or Path(settings.REGIONS_DATA_DIR)
        try:
            report = regions_load(data_dir=data_dir, edition=edition)
        except RegionDataMissing as error:
            if if_available:
                self.stderr.write(self.style.WARNING(f"{error} Skipping the regions."))
                return
            raise CommandError(str(error)) from error
        except RegionDataError as error:
            raise CommandError(f"The region data is inconsistent: {error}") from error

        self.stdout.write(f"Loaded the {report.edition} units from {data_dir}:")
        for level in report.levels:
            self.stdout.write(
                f"  {level}: {report.created[level]} created, {report.updated[level]} updated, "
                f"{report.unchanged[level]} unchanged"
            )
        for name in report.skipped_files:
            self.stdout.write(self.style.WARNING(f"  {name} not found: skipped."))
        if report.missing:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(report.missing)} unit(s) of {report.edition} in the database are not "
                    "in the files; they were left alone:"
                )
            )
            for region in report.missing[:MISSING_SHOWN]:
                self.stdout.write(f"  {region.code} {region.name_ru} ({region.level})")
            if len(report.missing) > MISSING_SHOWN:
                self.stdout.write(f"  … and {len(report.missing) - MISSING_SHOWN} more")
        self.stdout.write(
            self.style.SUCCESS(
                f"Total: {sum(report.created.values())} created, "
                f"{sum(report.updated.values())} updated, "
                f"{sum(report.unchanged.values())} unchanged."
            )
        )
