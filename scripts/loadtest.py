#!/usr/bin/env python
"""The load test (``make loadtest``): concurrent users on the production set-up, with
no server error and no submission lost.

In a throw-away PostgreSQL database (created, migrated and seeded with ``seed_scale``,
dropped at the end) it completes a pool of applicants' drafts through the services,
serves the portal with gunicorn as in production (DEBUG off, Redis), and runs locust
headless (scripts/locustfile.py): applicants sign in and submit those drafts through
the submit page while committee members, staff, a donor viewer and visitors browse.
At the end it compares the submissions locust saw confirmed with the rows in the
database: they must be the same applications, and no response may be a 5xx.

``python scripts/loadtest.py --help`` lists the options; tests/test_load.py runs it in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
ROOT = SCRIPTS.parent
sys.path.insert(0, str(SCRIPTS))
sys.path.insert(0, str(ROOT))

import bench  # noqa: E402  (scripts/bench.py: the same server set-up and sessions)

PYTHON = sys.executable
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="concurrent simulated users")
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started a second")
    parser.add_argument(
        "--drafts", type=int, default=150, help="complete drafts to hand to the applicants"
    )
    parser.add_argument("--scale", default="0.02", help="seed_scale factor of the database")
    parser.add_argument(
        "--server-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL URL on the server where the throw-away database is made "
        "(env DATABASE_URL; its own database name is ignored)",
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="run on this existing, seeded database instead (it keeps the submissions)",
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument(
        "--redis-cache-url",
        default=os.environ.get(
            "REDIS_CACHE_URL", os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1")
        ),
    )
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers"
    )
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--output", default=str(ROOT / "artifacts" / "loadtest.json"))
    return parser.parse_args(argv)


# --- the drafts -------------------------------------------------------------------------


def complete_draft(application, by) -> None:
    """Fill every section of a draft through the services, as an applicant would."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from grants.services.applications import (
        application_save_section,
        attachment_add,
        section_version,
    )
    from regions.models import Region

    call = application.call

    def save(section, **kwargs):
        application.refresh_from_db()
        application_save_section(
            application=application,
            section=section,
            by=by,
            base_version=section_version(application, section),
            **kwargs,
        )

    region = call.eligible_regions.order_by("pk").first() or Region.objects.order_by("pk").first()
    requested = ((call.min_grant + call.max_grant) / 2).quantize(Decimal("1"))
    share = Decimal(call.cofinancing_min_percent or 0) + 5
    total = (requested * 100 / (100 - share)).quantize(Decimal("1"))
    save(
        "summary",
        fields={
            "title": "Safer roads to school",
            "theme": call.themes.order_by("pk").first(),
            "summary": "Crossings, lessons and patrols near three schools.",
            "duration_months": 12,
        },
    )
    save("problem", fields={"problem": "Children are hurt on the road.", "target_groups": "Pupils"})
    save(
        "workplan",
        fields={"objectives": "Fewer accidents near schools."},
        rows=[{"activity": "Road safety lessons", "start_month": 1, "end_month": 6}],
    )
    save("locations", rows=[{"region": region}])
    save("partners", rows=[{"kind": "police", "name": "District police", "role": "Patrols"}])
    save(
        "beneficiaries",
        fields={
            "beneficiaries_women": 40,
            "beneficiaries_men": 30,
            "beneficiaries_girls": 100,
            "beneficiaries_boys": 110,
        },
    )
    save(
        "budget",
        fields={
            "cofinancing_local_budget": total - requested,
            "cofinancing_other": Decimal("0"),
            "cofinancing_sources": "District budget",
        },
        rows=[
            {
                "category": "events",
                "description": "Lessons",
                "unit": "lesson",
                "quantity": Decimal("1"),
                "unit_cost": total,
            }
        ],
    )
    for document in call.documents.filter(is_mandatory=True):
        application.refresh_from_db()
        attachment_add(
            application=application,
            uploaded=SimpleUploadedFile("certificate.pdf", MINIMAL_PDF, "application/pdf"),
            by=by,
            document=document,
        )
    save("declaration", fields={"declaration_accepted": True})


def prepare_drafts(limit: int) -> tuple[list[list], object]:
    """Complete drafts in the open call with the most applications, one per organisation
    (the owner's), made through the services: [[owner email, application id], ...]."""
    from django.db.models import Count

    from accounts.enums import MembershipRole
    from accounts.models import Membership
    from grants.enums import ApplicationState, CallState
    from grants.models import Application, Call
    from grants.services.applications import (
        application_existing,
        application_problems,
        application_start,
        organisation_may_apply,
    )

    calls = [
        call
        for call in Call.objects.filter(state=CallState.PUBLISHED)
        .annotate(n=Count("applications"))
        .order_by("-n", "pk")
        if call.is_open
    ]
    if not calls:
        raise SystemExit("No open call in the database: nothing to submit.")
    drafts = []
    owners = (
        Membership.objects.filter(role=MembershipRole.OWNER)
        .select_related("organisation", "user")
        .order_by("organisation_id")
    )
    for call in calls:
        for membership in owners:
            if len(drafts) >= limit:
                return drafts, calls[0]
            organisation = membership.organisation
            if not organisation_may_apply(organisation, call):
                continue
            existing = application_existing(call=call, organisation=organisation)
            if existing is not None and existing.state != ApplicationState.DRAFT:
                continue
            application = (
                existing
                or application_start(call=call, organisation=organisation, by=membership.user)[0]
            )
            complete_draft(application, membership.user)
            application = Application.objects.get(pk=application.pk)
            problems = application_problems(application)
            if problems:
                raise SystemExit(f"Draft {application.pk} is not complete: {problems}")
            drafts.append([membership.user.email, application.pk])
    return drafts, calls[0]


def browsing_paths(open_call) -> dict:
    from django.db.models import Count

    from grants.models import Assignment, Call

    largest = Call.objects.annotate(n=Count("applications")).order_by("-n", "pk").first()
    assignment = (
        Assignment.objects.filter(
            member__user__email=bench.MEMBER,
            application__declarations__member__user__email=bench.MEMBER,
            application__declarations__has_conflict=False,
        )
        .order_by("pk")
        .first()
    )
    member = ["/review/"] + ([f"/review/{assignment.application_id}/"] if assignment else [])
    return {
        "public": ["/calls/", f"/calls/{open_call.slug}/", "/projects/"],
        "member": member,
        "staff": [
            "/staff/applications/",
            f"/staff/calls/{largest.pk}/ranking/",
            "/staff/dashboard/",
        ],
        "donor": ["/donor/", "/summaries/"],
    }


# --- the run --------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    throw_away = not args.database_url
    if throw_away:
        server = args.server_url.rsplit("/", 1)[0]
        args.database_url = f"{server}/grants_load_{secrets.token_hex(4)}"
    args.scale = str(args.scale)
    media = Path(tempfile.mkdtemp(prefix="loadtest-media-"))
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    env = bench.bench_environment(args)
    env["MEDIA_ROOT"] = str(media)
    # The load generator plays the TLS proxy: it tells each person's address in
    # X-Forwarded-For, as nginx does in production.
    env["DJANGO_BEHIND_TLS_PROXY"] = "True"
    os.environ.update(env)
    started = time.monotonic()
    server_process = None
    try:
        if throw_away:
            bench.run(
                [
                    "createdb",
                    *bench.psql_base(args.database_url),
                    bench.database_name(args.database_url),
                ],
                env,
            )
        bench.prepare_database(args, env)
        bench.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)

        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        django.setup()
        from django.db import connections

        drafts, open_call = prepare_drafts(args.drafts)
        sessions = {
            "member": bench.signed_in_session(bench.MEMBER),
            "staff": bench.signed_in_session(bench.STAFF),
            "donor": bench.signed_in_session(bench.DONOR),
        }
        plan_path = output.parent / "loadtest-plan.json"
        results_path = output.parent / "loadtest-locust.json"
        results_path.unlink(missing_ok=True)
        plan_path.write_text(
            json.dumps(
                {
                    "drafts": drafts,
                    "sessions": sessions,
                    "paths": browsing_paths(open_call),
                    "password": bench.PASSWORD,
                    "results": str(results_path),
                }
            )
        )
        connections.close_all()
        print(
            f"{len(drafts)} complete drafts ready after {time.monotonic() - started:.0f} s",
            flush=True,
        )

        server_process = bench.start_gunicorn(args, env, output.parent / "loadtest-gunicorn.log")
        bench.run(
            [
                str(ROOT / ".venv" / "bin" / "locust"),
                "-f",
                str(SCRIPTS / "locustfile.py"),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.spawn_rate),
                "--run-time",
                f"{args.duration}s",
                # Users finish the request in hand: a submission is never cut in half.
                "--stop-timeout",
                "30",
                "--host",
                f"http://127.0.0.1:{args.port}",
                "--only-summary",
                "--exit-code-on-error",
                "0",
                "--loglevel",
                "WARNING",
            ],
            {**env, "LOADTEST_PLAN": str(plan_path)},
        )
        bench.stop_process(server_process)
        server_process = None

        from grants.enums import ApplicationState
        from grants.models import Application

        seen = json.loads(results_path.read_text())
        pool = [pk for _email, pk in drafts]
        in_database = sorted(
            Application.objects.filter(pk__in=pool)
            .exclude(state=ApplicationState.DRAFT)
            .values_list("pk", flat=True)
        )
        confirmed = sorted(seen["submitted"])
        server_errors = sum(n for status, n in seen["statuses"].items() if int(status) >= 500)
        # No answer at all (connection refused or reset, time-out): as bad as a 5xx.
        unanswered = seen["statuses"].get("0", 0)
        report = {
            "users": args.users,
            "duration_s": args.duration,
            "gunicorn_workers": args.workers,
            "database": bench.database_name(args.database_url),
            "drafts_prepared": len(drafts),
            "submissions_confirmed": len(confirmed),
            "submissions_in_database": len(in_database),
            "lost": sorted(set(in_database) ^ set(confirmed)),
            "server_errors": server_errors,
            "unanswered": unanswered,
            **seen,
            "passed": not server_errors
            and not unanswered
            and confirmed == in_database
            and bool(confirmed),
            "total_seconds": round(time.monotonic() - started, 1),
        }
        connections.close_all()
    finally:
        if server_process is not None:
            bench.stop_process(server_process)
        # Receipts queued for a worker that is not running here: not left for another.
        subprocess.run(
            [PYTHON, "-m", "celery", "-A", "config", "purge", "-f"],
            cwd=ROOT,
            env=env,
            capture_output=True,
        )
        if throw_away:
            subprocess.run(
                [
                    "dropdb",
                    "--if-exists",
                    "--force",
                    *bench.psql_base(args.database_url),
                    bench.database_name(args.database_url),
                ],
                check=False,
            )
        shutil.rmtree(media, ignore_errors=True)
    output.write_text(json.dumps(report, indent=2))
    print(
        f"\n{args.users} users for {args.duration} s: {seen['requests']} requests "
        f"({seen['rps']} req/s, p50 {seen['p50_ms']} ms, p95 {seen['p95_ms']} ms, "
        f"p99 {seen['p99_ms']} ms), statuses {seen['statuses']}.\n"
        f"Submissions confirmed to users: {len(confirmed)}; submitted in the database: "
        f"{len(in_database)}; server errors: {server_errors}; unanswered: {unanswered}. "
        f"{'PASS' if report['passed'] else 'FAIL'} (figures in {output})"
    )
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
