"""Donor summaries: a programme's figures over a period, as a PDF and an XLSX workbook,
stored with the figures they were made from and mailed to the donor's recipients.

At most one summary exists per programme and period (a unique constraint): asking again
returns the one there is, and re-queues it only when its last run failed. The build
claims its row with a conditional UPDATE (pending or failed -> running), so a task that
fires twice, or twice at once, makes the files once. The figures and both files are
computed first and saved with the status READY in one transaction at the very end; a
failure records FAILED with the error and leaves no file and no figures behind, and the
next request or run tries again.

Language: a summary is written in the language of the staff member who asked for it, or
in English when the schedule made it (or the person has no language set): it is a
document for the donor, so its words are fixed when it is made, like its figures.
Recipients get the mail in their own language; the files are the same for all.

Second currency: when the summary records a rate (programme currency per unit of the
second currency), money committed, disbursed and co-financed is also shown converted as
``amount / rate`` rounded half-up to two places, both amounts side by side.
"""

import datetime
import logging
import re
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from accounts.enums import ProgrammeRole
from accounts.mail import absolute_url, send_templated
from grants.models import Programme, Theme
from grants.models.calls import MONEY
from projects.enums import ProjectState, TrancheState
from projects.models import ProjectLocation, Tranche
from reporting.enums import ReportKind, ReportState
from reporting.models import DonorRecipient, DonorSummary, ProgressReport, SummaryStatus

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
HIGHLIGHT_LENGTH = 400
FIGURES_VERSION = 1

# Progress shown while a summary is made (percent), committed step by step.
PROGRESS_CLAIMED = 10
PROGRESS_FIGURES = 40
PROGRESS_PDF = 70
PROGRESS_XLSX = 90
PROGRESS_DONE = 100

# Contact details typed into a narrative are not for the donor: masked in highlights.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d ()-]{6,}\d")


# --- requesting ------------------------------------------------------------------


def summary_request(
    *,
    programme: Programme,
    period_start: datetime.date,
    period_end: datetime.date,
    by=None,
    second_currency: str = "",
    exchange_rate: Decimal | None = None,
) -> DonorSummary:
    """The programme's summary of the period: made and queued if there is none yet,
    re-queued if the last run failed, otherwise returned as it is."""
    second_currency = (second_currency or "").strip().upper()
    if not second_currency:
        exchange_rate = None
    candidate = DonorSummary(
        programme=programme,
        period_start=period_start,
        period_end=period_end,
        second_currency=second_currency,
        exchange_rate=exchange_rate,
        requested_by=by,
    )
    candidate.full_clean(validate_unique=False, validate_constraints=False)
    _check_period(period_start, period_end, second_currency, exchange_rate)

    with transaction.atomic():
        summary, created = DonorSummary.objects.get_or_create(
            programme=programme,
            period_start=period_start,
            period_end=period_end,
            defaults={
                "second_currency": second_currency,
                "exchange_rate": exchange_rate,
                "requested_by": by,
            },
        )
        # A pending one is queued again too: its first publishing may have been lost to a
        # broker outage, and the build's claim makes a second task harmless.
        queue = created or summary.status == SummaryStatus.PENDING
        if not created and summary.status == SummaryStatus.READY and summary.mailed_at is None:
            # Made, but its mail failed (or never left): asking again sends it.
            transaction.on_commit(lambda: summary_mail(summary_id=summary.pk), robust=True)
        if not created and summary.status == SummaryStatus.FAILED:
            # Only a failed summary is asked for again; a newer rate replaces the old one.
            changes = {"status": SummaryStatus.PENDING, "progress": 0, "error": ""}
            if second_currency:
                changes |= {"second_currency": second_currency, "exchange_rate": exchange_rate}
            if by is not None:
                changes["requested_by"] = by
            queue = bool(
                DonorSummary.objects.filter(pk=summary.pk, status=SummaryStatus.FAILED).update(
                    **changes
                )
            )
            summary.refresh_from_db()
        if queue:
            transaction.on_commit(lambda: _queue_build(summary.pk))
    return summary


def _check_period(start, end, second_currency, exchange_rate) -> None:
    if end < start:
        raise ValidationError(
            {"period_end": _("The period cannot end before it starts.")}, code="period"
        )
    if second_currency and (exchange_rate is None or exchange_rate <= 0):
        raise ValidationError(
            {"exchange_rate": _("Give the rate of the second currency (more than 0).")},
            code="rate",
        )


def _queue_build(summary_id: int) -> None:
    from accounts.outbox import task_enqueue
    from reporting.tasks_summaries import build_donor_summary

    # A broker outage is logged, not raised: the summary stays pending, and asking for
    # it again (or the monthly run) queues it again.
    task_enqueue(build_donor_summary, summary_id=summary_id)


def previous_month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The calendar month before ``today``'s: (first day, last day)."""
    last = today.replace(day=1) - datetime.timedelta(days=1)
    return last.replace(day=1), last


def summary_previous_month(*, today: datetime.date | None = None) -> list[DonorSummary]:
    """For Celery beat: the previous calendar month's summary (Asia/Bishkek dates) of
    every programme running in that month. Asking twice makes nothing twice."""
    today = today or timezone.localdate()
    start, end = previous_month(today)
    programmes = Programme.objects.filter(starts_on__lte=end, ends_on__gte=start).order_by("pk")
    return [
        summary_request(programme=programme, period_start=start, period_end=end)
        for programme in programmes
    ]


# --- making ----------------------------------------------------------------------


def summary_language(summary: DonorSummary) -> str:
    """The requesting person's language, else English (see the module's docstring)."""
    languages = dict(settings.LANGUAGES)
    person = summary.requested_by
    if person is not None and person.language in languages:
        return person.language
    return "en" if "en" in languages else settings.LANGUAGE_CODE


# A build running longer than this was abandoned (the task time limit is 10 minutes).
ABANDONED_AFTER = datetime.timedelta(minutes=15)


def _progress(summary_id: int, percent: int) -> None:
    # Its own small autocommitted UPDATE, so that the progress page sees it at once.
    DonorSummary.objects.filter(pk=summary_id, status=SummaryStatus.RUNNING).update(
        progress=percent
    )


def summary_build(*, summary_id: int) -> DonorSummary | None:
    """Make a claimed summary's figures and files; None if someone else has it or it is
    done already (or gone). Failures are recorded on the summary, not raised.

    A build left "running" for longer than ``ABANDONED_AFTER`` (well beyond the task
    time limit) belonged to a worker that was killed; the task, acknowledged late, is
    delivered again and claims it anew."""
    now = timezone.now()
    claimable = Q(status__in=[SummaryStatus.PENDING, SummaryStatus.FAILED]) | Q(
        status=SummaryStatus.RUNNING, started_at__lt=now - ABANDONED_AFTER
    )
    claimed = DonorSummary.objects.filter(claimable, pk=summary_id).update(
        status=SummaryStatus.RUNNING, progress=PROGRESS_CLAIMED, error="", started_at=now
    )
    if not claimed:
        return None
    summary = DonorSummary.objects.select_related("programme", "requested_by").get(pk=summary_id)
    from reporting.summary_files import summary_file_name, summary_pdf, summary_xlsx

    saved_names = []
    try:
        with translation.override(summary_language(summary)):
            figures = summary_figures(summary)
            _progress(summary_id, PROGRESS_FIGURES)
            pdf = summary_pdf(summary=summary, figures=figures)
            _progress(summary_id, PROGRESS_PDF)
            xlsx = summary_xlsx(summary=summary, figures=figures)
            _progress(summary_id, PROGRESS_XLSX)
        # Everything rendered: only now are files written, with the row in one go.
        with transaction.atomic():
            row = DonorSummary.objects.select_for_update().get(pk=summary_id)
            if row.status != SummaryStatus.RUNNING:
                return None
            row.pdf.save(summary_file_name(summary, "pdf"), ContentFile(pdf), save=False)
            saved_names.append(row.pdf.name)
            row.xlsx.save(summary_file_name(summary, "xlsx"), ContentFile(xlsx), save=False)
            saved_names.append(row.xlsx.name)
            row.figures = figures
            row.status = SummaryStatus.READY
            row.progress = PROGRESS_DONE
            row.finished_at = timezone.now()
            row.error = ""
            row.save(
                update_fields=[
                    "pdf",
                    "xlsx",
                    "figures",
                    "status",
                    "progress",
                    "finished_at",
                    "error",
                ]
            )
    except Exception as error:
        logger.exception("Donor summary %s could not be made", summary_id)
        _summary_failed(summary_id, error, saved_names)
        return DonorSummary.objects.get(pk=summary_id)
    # Mail once the summary is committed; a mail failure is logged, never undoes it.
    transaction.on_commit(lambda: summary_mail(summary_id=summary_id), robust=True)
    return row


def _summary_failed(summary_id: int, error: Exception, saved_names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in saved_names:
        try:
            default_storage.delete(name)
        except Exception:  # OSError on disk, botocore's own errors on S3: log, go on
            logger.exception("Partial summary file %s not deleted", name)
    DonorSummary.objects.filter(pk=summary_id).update(
        status=SummaryStatus.FAILED,
        progress=0,
        figures={},
        pdf="",
        xlsx="",
        finished_at=timezone.now(),
        error=f"{type(error).__name__}: {error}"[:2000],
    )


# --- mailing ---------------------------------------------------------------------


def summary_mail(*, summary_id: int) -> int:
    """Mail a ready summary's link to every active recipient of its programme, once:
    ``mailed_at`` is claimed with a conditional UPDATE, in one transaction with the mail
    written into the outbox (``accounts.outbox``, which sends it and retries it). If
    writing fails, the claim goes with it for a later try. Returns how many were mailed."""
    with transaction.atomic():
        return _summary_mail_claimed(summary_id)


def _summary_mail_claimed(summary_id: int) -> int:
    claimed = DonorSummary.objects.filter(
        pk=summary_id, status=SummaryStatus.READY, mailed_at__isnull=True
    ).update(mailed_at=timezone.now())
    if not claimed:
        return 0
    summary = DonorSummary.objects.select_related("programme").get(pk=summary_id)
    recipients = list(
        DonorRecipient.objects.filter(programme_id=summary.programme_id, is_active=True).order_by(
            "email"
        )
    )
    context = {
        "summary": summary,
        "programme": summary.programme,
        "link": absolute_url(reverse("donor_summary_detail", args=[summary.pk])),
    }
    try:
        for recipient in recipients:
            send_templated(
                to=recipient.email,
                template="reporting/email/summary_ready",
                context={**context, "recipient": recipient},
                language=recipient.language,
                dedup_key=f"donor-summary:{summary.pk}:{recipient.pk}",
            )
    except Exception:
        logger.exception("Donor summary %s not mailed", summary_id)
        raise
    return len(recipients)


# --- the figures -----------------------------------------------------------------


def _money(value) -> str:
    return str(Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP))


def convert(amount: str | Decimal, rate: Decimal | None) -> str | None:
    """``amount / rate`` with two places (half-up), or None without a rate."""
    if not rate:
        return None
    return str((Decimal(amount) / Decimal(rate)).quantize(CENT, rounding=ROUND_HALF_UP))


def summary_figures(summary: DonorSummary) -> dict:
    """The snapshot stored on the summary and drawn in its files: the programme's
    figures as of the end of the period (``reporting.figures.programme_figures``, with
    what happened inside the period under ``period``), plus the summary's own parts:
    ``summary`` (who, what, which language and rate), ``converted`` (money in the second
    currency), ``project_list`` and ``highlights``. JSON only: money as strings."""
    from reporting.figures import programme_figures

    programme = summary.programme
    start, end = summary.period_start, summary.period_end
    figures = programme_figures(programme=programme, period_start=start, period_end=end)
    figures["summary"] = {
        "version": FIGURES_VERSION,
        "language": translation.get_language() or "en",
        "programme": {
            "name": programme.name,
            "donor": programme.donor,
            "currency": programme.currency,
        },
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "second_currency": summary.second_currency if summary.exchange_rate else "",
        "exchange_rate": str(summary.exchange_rate) if summary.exchange_rate else "",
    }
    figures["converted"] = converted_money(figures, summary.exchange_rate)
    figures["project_list"] = summary_projects(programme=programme, period_end=end)
    figures["highlights"] = summary_highlights(
        programme=programme, period_start=start, period_end=end
    )
    return figures


def money_measures(figures: dict) -> dict[str, str]:
    """Money committed, disbursed and co-financed (local budgets apart), by key."""
    cofinancing = figures["cofinancing"]
    return {
        "awarded": figures["headline"]["awarded"],
        "disbursed": figures["headline"]["disbursed"],
        "cofinancing_committed": cofinancing["total"]["committed"],
        "cofinancing_committed_local": cofinancing["local_budget"]["committed"],
        "cofinancing_received": cofinancing["total"]["received"],
        "cofinancing_received_local": cofinancing["local_budget"]["received"],
    }


def converted_money(figures: dict, rate: Decimal | None) -> dict[str, str]:
    """{measure: amount in the second currency}, empty without a rate."""
    if not rate:
        return {}
    return {key: convert(amount, rate) for key, amount in money_measures(figures).items()}


def _bounds(start: datetime.date, end: datetime.date):
    """Aware datetimes [start 00:00, end + 1 day 00:00) in the portal's time zone."""
    zone = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=zone),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone),
    )


_REGION_NAMES = ("name_en", "name_ru", "name_ky")


def _places_by_project(project_ids) -> dict[int, tuple[str, str]]:
    """{project id: (its places, their oblasts)} for the projects ``project_ids`` (ids or
    a subquery of them): each name once, in code order. One query, whatever the number
    of projects."""
    locations = (
        ProjectLocation.objects.filter(project_id__in=project_ids)
        .select_related("region__oblast")
        .only(
            "project_id",
            *(f"region__{name}" for name in ("code", "oblast", *_REGION_NAMES)),
            *(f"region__oblast__{name}" for name in ("code", *_REGION_NAMES)),
        )
        .order_by("region__code", "pk")
    )
    places: dict[int, list[str]] = {}
    oblasts: dict[int, list[str]] = {}
    for location in locations:
        region = location.region
        names = places.setdefault(location.project_id, [])
        if region.name not in names:
            names.append(region.name)
        oblast = (region.oblast or region).name
        names = oblasts.setdefault(location.project_id, [])
        if oblast not in names:
            names.append(oblast)
    return {
        project_id: (", ".join(names), ", ".join(oblasts.get(project_id, [])))
        for project_id, names in places.items()
    }


def summary_projects(*, programme, period_end) -> list[dict]:
    """The projects the figures count (started by the end of the period: the same set
    as ``reporting.figures.projects_in_scope``), with their state now, the amount awarded
    and what was paid up to the end of the period. Organisation names and places are
    public for funded projects; nothing about their people.

    Three queries whatever the number of projects: their values with what was paid (a
    subquery), their places, and the programme's themes."""
    from reporting.figures import projects_in_scope

    paid = (
        Tranche.objects.filter(
            project=OuterRef("pk"),
            state=TrancheState.PAID,
            paid_amount__isnull=False,
            paid_on__lte=period_end,
        )
        .order_by()
        .values("project")
        .annotate(total=Sum("paid_amount"))
        .values("total")
    )
    in_scope = projects_in_scope(programme=programme, period_end=period_end)
    projects = (
        in_scope.annotate(
            paid_total=Coalesce(
                Subquery(paid), Value(Decimal("0")), output_field=DecimalField(**MONEY)
            )
        )
        .order_by("agreement_number")
        .values(
            "pk",
            "agreement_number",
            "title",
            "organisation__name",
            "application__theme_id",
            "starts_on",
            "ends_on",
            "state",
            "amount_awarded",
            "paid_total",
        )
    )
    themes = {
        theme.pk: theme.name
        for theme in Theme.objects.filter(pk__in=in_scope.order_by().values("application__theme"))
    }
    places = _places_by_project(in_scope.order_by().values("pk"))
    states = dict(ProjectState.choices)
    rows = []
    for project in projects:
        project_places, project_oblasts = places.get(project["pk"], ("", ""))
        rows.append(
            {
                "agreement_number": project["agreement_number"],
                "title": project["title"],
                "organisation": project["organisation__name"],
                "places": project_places,
                "oblasts": project_oblasts,
                "theme": themes.get(project["application__theme_id"], ""),
                "starts_on": project["starts_on"].isoformat(),
                "ends_on": project["ends_on"].isoformat(),
                "state": project["state"],
                "state_label": str(states.get(project["state"], project["state"])),
                "awarded": _money(project["amount_awarded"]),
                "disbursed": _money(project["paid_total"]),
            }
        )
    return rows


def highlight_text(text: str) -> str:
    """A narrative trimmed to about 400 characters, contact details masked."""
    text = " ".join((text or "").split())
    text = _EMAIL.sub("[…]", text)
    text = _PHONE.sub("[…]", text)
    return Truncator(text).chars(HIGHLIGHT_LENGTH)


def summary_highlights(*, programme, period_start, period_end) -> list[dict]:
    """The achievements of the reports accepted in the period, each with its project's
    title and place; no one's name (only what the organisation wrote as achievements).
    Two queries whatever the number of reports: their values, and their projects'
    places."""
    since, until = _bounds(period_start, period_end)
    reports = (
        ProgressReport.objects.filter(
            project__application__call__programme=programme,
            state=ReportState.ACCEPTED,
            accepted_at__gte=since,
            accepted_at__lt=until,
        )
        .exclude(achievements="")
        .order_by("accepted_at", "pk")
    )
    places = _places_by_project(reports.order_by().values("project_id"))
    kinds = dict(ReportKind.choices)
    rows = []
    for report in reports.values(
        "project_id",
        "project__title",
        "project__agreement_number",
        "kind",
        "number",
        "accepted_at",
        "achievements",
    ):
        report_places, report_oblasts = places.get(report["project_id"], ("", ""))
        rows.append(
            {
                "project": report["project__title"],
                "agreement_number": report["project__agreement_number"],
                "places": report_places,
                "oblasts": report_oblasts,
                "report": f"{kinds.get(report['kind'], report['kind'])} {report['number']}",
                "accepted_on": timezone.localtime(report["accepted_at"]).date().isoformat(),
                "text": highlight_text(report["achievements"]),
            }
        )
    return rows


def can_see_summaries(user) -> bool:
    """Programme staff and donor viewers see the summaries; for anyone else they do not
    exist (a 404)."""
    return user.is_authenticated and (
        user.is_programme_staff or (user.is_active and user.role == ProgrammeRole.DONOR_VIEWER)
    )


def can_request_summaries(user) -> bool:
    return user.is_authenticated and user.is_programme_staff


def summaries_visible_to(user):
    queryset = DonorSummary.objects.select_related("programme")
    return queryset if can_see_summaries(user) else queryset.none()
