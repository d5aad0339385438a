import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction

from accounts.models import User
from grants.models import Application
from regions.enums import RegionLevel
from regions.models import Region
from reporting.scale import seed_scale
from reporting.scale.base import EMAIL_DOMAIN, PASSWORD, TOTP_SECRET
from reporting.scale.people import recovery_codes_of

# The tables --reset empties: the portal's own data and the accounts' sign-in rows.
# Regions, content types, permissions, migrations and periodic-task settings stay.
RESET_PREFIXES = (
    "accounts_",
    "grants_",
    "projects_",
    "reporting_",
    "account_",
    "mfa_",
    "django_admin_log",
    "django_session",
)


def portal_tables() -> list[str]:
    return sorted(
        name
        for name in connection.introspection.django_table_names(only_existing=True)
        if name.startswith(RESET_PREFIXES)
    )


class Command(BaseCommand):
    help = (
        "Build a large deterministic data set for performance work: 3 programmes, 30 "
        "calls, 20,000 applications with 5 reviews each, 2,000 projects, 8,000 reports "
        "(at --scale 1). Refuses a database that holds applications or users unless "
        "--reset is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Multiply every count by this factor (default 1.0; e.g. 0.01 for CI).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=2026,
            help="Random seed (default 2026): same seed, same rows.",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Empty the portal's tables first (regions are kept).",
        )

    def handle(self, *args, scale, seed, reset, verbosity, **options):
        if scale <= 0:
            raise CommandError("--scale must be more than 0.")
        started = time.monotonic()
        if Application.objects.exists() or User.objects.exists():
            if not reset:
                raise CommandError(
                    "The database already holds users or applications: seed_scale only fills "
                    "an empty portal. Run it with --reset to empty the portal's tables first "
                    "(regions are kept), or use a fresh database."
                )
            self._reset()
        if not Region.objects.filter(level__in=RegionLevel.local()).exists():
            self.stdout.write("No ayil aimak or town loaded: running load_regions first.")
            call_command("load_regions", stdout=self.stdout, stderr=self.stderr)

        def log(message):
            if verbosity >= 2:
                self.stdout.write(f"  {time.monotonic() - started:6.1f}s {message}")

        result = seed_scale(seed=seed, scale=scale, log=log)
        seeded = time.monotonic() - started
        # VACUUM cannot run inside a transaction (a test's, or a caller's atomic block).
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
        if vacuum:
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"Scale data set built in {seeded:.1f} s (seed {seed}, scale {scale:g})"
                + (f"; {time.monotonic() - started:.1f} s with VACUUM ANALYZE." if vacuum else ".")
            )
        )
        self._print_counts()
        self._print_logins(result)

    @transaction.atomic
    def _reset(self):
        tables = portal_tables()
        self.stdout.write(f"--reset: emptying {len(tables)} tables (regions are kept).")
        statements = connection.ops.sql_flush(no_style(), tables, allow_cascade=False)
        if connection.vendor == "postgresql":
            # TRUNCATE refuses tables with foreign-key checks still pending in this
            # transaction (rows written earlier in it, in a test): run them now.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        connection.ops.execute_sql_flush(statements)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def _print_counts(self):
        from django.apps import apps

        self.stdout.write("Rows:")
        for label in (
            "accounts.User",
            "accounts.Organisation",
            "grants.Call",
            "grants.Application",
            "grants.Assignment",
            "grants.Review",
            "grants.Score",
            "grants.Decision",
            "grants.Attachment",
            "grants.Transition",
            "projects.Project",
            "projects.Tranche",
            "reporting.ProgressReport",
            "reporting.ReminderSent",
        ):
            model = apps.get_model(label)
            self.stdout.write(f"  {label:<28} {model.objects.count():>9,}")

    def _print_logins(self, result):
        staff, admin = result.users["staff"], result.users["admin"]
        last = result.plan.committee_members
        self.stdout.write(
            f"\nLogins (a synthetic data set), all with the password {PASSWORD!r}:\n"
            f"  staff@{EMAIL_DOMAIN}            programme staff (TOTP)\n"
            f"  admin@{EMAIL_DOMAIN}            administrator, /admin/ (TOTP)\n"
            f"  donor@{EMAIL_DOMAIN}            donor viewer\n"
            f"  member01@{EMAIL_DOMAIN} .. member{last:02d}@{EMAIL_DOMAIN}  committee members "
            "(member01 sits on the call in review)\n"
            f"  applicant00001@{EMAIL_DOMAIN} .. applicant{result.plan.organisations:05d}@"
            f"{EMAIL_DOMAIN}  organisation owners (editorNNNNN@ for some editors)\n"
            f"TOTP secret of staff and admin (base32): {TOTP_SECRET}\n"
            f"First recovery code: staff {recovery_codes_of(staff)[0]}, "
            f"admin {recovery_codes_of(admin)[0]}"
        )
