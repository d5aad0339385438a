"""Open data about the programme's funded projects, published at stable public URLs:
``/open-data/iati.xml`` (IATI Activity Standard 2.03, ``iati.py``) and
``/open-data/360giving.json`` (360Giving Data Standard 1.4, ``threesixty.py``).

What goes out is what the public may know about a funded project: its title and
summary, the organisation's NAME, the places, the theme, the money awarded, planned
and paid, and the figures of accepted reports. Nothing about people (no names,
emails or phones of users or contacts) and nothing of an organisation's contact or
registration data (phone, email, address, registration or taxpayer number).

The identifiers are configurable (see ``Publisher``); the defaults are placeholders
that must be replaced by the registered ones before the files are published.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Max, Min, Prefetch, QuerySet, Sum
from django.utils import timezone

from grants.models import Transition
from projects.enums import ProjectState
from projects.models import Indicator, Project, ProjectLocation, Tranche
from reporting.enums import ReportState
from reporting.models import IndicatorProgress

CENT = Decimal("0.01")

# Defaults of the settings below. UNODC's IATI organisation identifier is
# XM-DAC-41146 (OECD DAC code 41146); the donor's and 360Giving's must be checked
# and configured by the programme before publication.
DEFAULT_REPORTING_ORG_REF = "XM-DAC-41146"
DEFAULT_REPORTING_ORG_NAME = "United Nations Office on Drugs and Crime"
DEFAULT_DONOR_REF = "US-GOV-11"
DEFAULT_DONOR_NAME = (
    "United States Department of State, "
    "Bureau of International Narcotics and Law Enforcement Affairs (INL)"
)
# OECD DAC 15130 "Legal and judicial development": the closest purpose code for
# community crime prevention (16063 "Narcotics control" fits drug projects better).
DEFAULT_SECTOR_CODE = "15130"
DEFAULT_THREESIXTY_GIVING_PREFIX = "360G-UNODC-PIA"


@dataclass(frozen=True)
class Publisher:
    """Who publishes the open data and the identifiers it uses, from the settings."""

    reporting_org_ref: str
    reporting_org_name: str
    activity_prefix: str
    donor_ref: str
    donor_name: str
    sector_code: str
    threesixty_prefix: str

    @classmethod
    def from_settings(cls) -> "Publisher":
        reporting_org_ref = getattr(settings, "IATI_REPORTING_ORG_REF", DEFAULT_REPORTING_ORG_REF)
        return cls(
            reporting_org_ref=reporting_org_ref,
            reporting_org_name=getattr(
                settings, "IATI_REPORTING_ORG_NAME", DEFAULT_REPORTING_ORG_NAME
            ),
            activity_prefix=getattr(settings, "IATI_ACTIVITY_PREFIX", f"{reporting_org_ref}-PIA"),
            donor_ref=getattr(settings, "IATI_DONOR_REF", DEFAULT_DONOR_REF),
            donor_name=getattr(settings, "IATI_DONOR_NAME", DEFAULT_DONOR_NAME),
            sector_code=getattr(settings, "IATI_SECTOR_CODE", DEFAULT_SECTOR_CODE),
            threesixty_prefix=getattr(
                settings, "THREESIXTY_GIVING_PREFIX", DEFAULT_THREESIXTY_GIVING_PREFIX
            ),
        )


def identifier_part(text: str) -> str:
    """``PIA/2017/001`` -> ``PIA-2017-001``: only letters, digits, ``-``, ``_`` and ``.``
    (IATI identifiers may not hold ``/``, ``&``, ``|``, ``?`` or spaces)."""
    return re.sub(r"[^A-Za-z0-9_.]+", "-", text).strip("-")


def published_projects() -> QuerySet[Project]:
    """Every funded project (projects are made only from approved applications),
    with what both standards show joined or prefetched: a fixed number of queries."""
    return (
        Project.objects.select_related(
            "application__call__programme",
            "application__theme",
            "application__decision",
            "organisation",
        )
        .prefetch_related(
            Prefetch(
                "locations",
                queryset=ProjectLocation.objects.select_related("region__oblast").order_by(
                    "region__code"
                ),
            ),
            Prefetch("tranches", queryset=Tranche.objects.order_by("order")),
        )
        .order_by("agreement_number", "pk")
    )


def local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment is not None else None


def agreement_date(project: Project) -> datetime.date:
    """When the grant was committed: the day the project (its agreement) was made in
    the portal, or its start if that came first (projects entered afterwards)."""
    return min(local_date(project.created_at) or project.starts_on, project.starts_on)


def award_date(project: Project) -> datetime.date:
    """The day of the funding decision; the agreement date if no decision is recorded."""
    decision = getattr(project.application, "decision", None)
    if decision is not None and decision.at is not None:
        return local_date(decision.at)
    return agreement_date(project)


def ended_on(projects: list[Project]) -> dict[int, datetime.date]:
    """{project id: day it was completed or terminated} from the state timeline, in one
    query; a finished project without a recorded change falls back to the earlier of its
    end date and today."""
    finished = [
        project.pk
        for project in projects
        if project.state in (ProjectState.COMPLETED, ProjectState.TERMINATED)
    ]
    if not finished:
        return {}
    rows = (
        Transition.objects.filter(
            # By name rather than ContentType.get_for_model, whose cache would make
            # the number of queries depend on what ran before.
            content_type__app_label=Project._meta.app_label,
            content_type__model=Project._meta.model_name,
            object_id__in=finished,
            to_state__in=[ProjectState.COMPLETED, ProjectState.TERMINATED],
        )
        .values("object_id")
        .annotate(at=Max("at"))
    )
    recorded = {row["object_id"]: local_date(row["at"]) for row in rows}
    today = timezone.localdate()
    by_project = {project.pk: project for project in projects}
    return {pk: recorded.get(pk) or min(by_project[pk].ends_on, today) for pk in finished}


@dataclass
class IndicatorFigures:
    """A standard indicator of a project: baselines and targets summed over its rows
    (a standard indicator may be set per location), and what accepted reports achieved
    (None when no accepted report gave a figure)."""

    standard: str
    baseline: Decimal
    target: Decimal
    actual: Decimal | None


def standard_indicator_figures(projects: list[Project]) -> dict[int, list[IndicatorFigures]]:
    """{project id: [figures per standard indicator]} in two grouped queries (targets
    and achievements are summed separately, so neither is multiplied by the join)."""
    ids = [project.pk for project in projects]
    if not ids:
        return {}
    planned = (
        Indicator.objects.filter(project_id__in=ids)
        .exclude(standard="")
        .order_by()
        .values("project_id", "standard")
        .annotate(baseline=Sum("baseline"), target=Sum("target"), first=Min("order"))
        .order_by("project_id", "first", "standard")
    )
    achieved = (
        IndicatorProgress.objects.filter(
            indicator__project_id__in=ids, report__state=ReportState.ACCEPTED
        )
        .exclude(indicator__standard="")
        .order_by()
        .values("indicator__project_id", "indicator__standard")
        .annotate(actual=Sum("value"))
    )
    actuals = {
        (row["indicator__project_id"], row["indicator__standard"]): row["actual"]
        for row in achieved
    }
    figures: dict[int, list[IndicatorFigures]] = {}
    for row in planned:
        figures.setdefault(row["project_id"], []).append(
            IndicatorFigures(
                standard=row["standard"],
                baseline=row["baseline"] or Decimal("0"),
                target=row["target"] or Decimal("0"),
                actual=actuals.get((row["project_id"], row["standard"])),
            )
        )
    return figures


def paid_tranches(project: Project) -> list[Tranche]:
    """Tranches paid on or before today (a payment is never recorded in the future;
    this keeps the files right even if one were)."""
    today = timezone.localdate()
    return [
        tranche
        for tranche in project.tranches.all()
        if tranche.paid_on is not None
        and tranche.paid_amount is not None
        and tranche.paid_on <= today
    ]


def unpaid_tranches(project: Project) -> list[Tranche]:
    """Tranches still to be paid, for running projects only (a completed or terminated
    project pays nothing more)."""
    if project.state not in ProjectState.running():
        return []
    return [tranche for tranche in project.tranches.all() if tranche.paid_on is None]


def money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def place_name(location: ProjectLocation) -> str:
    """``Jety-Oguz District, Issyk-Kul Oblast`` (the oblast once if the place is one)."""
    region = location.region
    oblast = region.oblast
    if oblast is None or oblast.pk == region.pk:
        return region.name
    return f"{region.name}, {oblast.name}"


def project_description(project: Project) -> str:
    """The application's summary; a sentence naming the programme and call without one."""
    application = project.application
    summary = (application.summary or "").strip()
    if summary:
        return summary
    return (
        f"{project.title}: a grant of the {application.call.programme.name} programme "
        f"(call “{application.call.title}”)."
    )
