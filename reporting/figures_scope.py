"""The scope of the programme's figures (see ``reporting.figures``): the filters as Q
objects for every model the figures reach, and the small conversions of the figures
dict (money as strings with two decimals, percentages, names in every language)."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from grants.enums import CallState
from grants.models import ApplicationLocation
from projects.enums import ProjectState, TrancheState
from projects.models import Project, ProjectLocation
from reporting.enums import ReportState

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MONEY_OUTPUT = DecimalField(max_digits=14, decimal_places=2)
LANGUAGES = ("en", "ru", "ky")
GROUPS = ("women", "men", "girls", "boys")
# Projects the public sees: funded and not terminated.
PUBLIC_PROJECT_STATES = [ProjectState.ACTIVE, ProjectState.SUSPENDED, ProjectState.COMPLETED]
# Keys whose string values are decimals (money, and the standard indicators' target
# and achieved), for ``money_to_decimal``.
MONEY_KEYS = frozenset(
    {
        "requested",
        "approved",
        "awarded",
        "disbursed",
        "undisbursed",
        "committed",
        "received",
        "cofinancing_committed",
        "cofinancing_received",
        "target",
        "achieved",
    }
)


# --- small conversions ----------------------------------------------------------------


def money(value) -> str:
    """A money figure as the dict carries it: a string with two decimals."""
    if value is None:
        value = ZERO
    return str(Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP))


def money_to_decimal(data):
    """A copy of ``data`` (a figures dict or part of one) with the money strings under
    ``MONEY_KEYS`` turned back into ``Decimal``."""
    if isinstance(data, dict):
        return {
            key: Decimal(value)
            if key in MONEY_KEYS and isinstance(value, str)
            else money_to_decimal(value)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [money_to_decimal(item) for item in data]
    return data


def percent(part, whole) -> float | None:
    if not whole:
        return None
    share = Decimal(str(part)) * 100 / Decimal(str(whole))
    return float(share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def names_of(obj) -> dict:
    return {language: getattr(obj, f"name_{language}", "") for language in LANGUAGES}


def start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def end_of(day: datetime.date) -> datetime.datetime:
    """The first moment after ``day`` in Bishkek (an exclusive bound)."""
    return start_of(day + datetime.timedelta(days=1))


# --- scope ----------------------------------------------------------------------------


class Scope:
    """The filters, as Q objects for each model reached (``prefix`` is the path from
    the model to the call, the application or the project)."""

    def __init__(
        self,
        *,
        programme,
        call,
        year,
        oblast,
        period_start,
        period_end,
        today,
        project_states=None,
    ):
        self.programme = programme
        self.project_states = project_states
        self.call = call
        self.year = year
        self.oblast = oblast
        self.period_start = period_start
        self.period_end = period_end
        self.as_of = period_end or today or timezone.localdate()
        self.end = end_of(self.as_of) if period_end else None

    def calls(self, prefix: str = "") -> Q:
        q = ~Q(**{f"{prefix}state": CallState.DRAFT})
        if self.programme is not None:
            q &= Q(**{f"{prefix}programme": self.programme})
        if self.call is not None:
            q &= Q(**{f"{prefix}pk": self.call.pk})
        if self.year:
            q &= Q(**{f"{prefix}opens_at__year": self.year})
        return q

    def applications(self, prefix: str = "") -> Q:
        q = self.calls(f"{prefix}call__")
        if self.oblast is not None:
            application = OuterRef(f"{prefix}pk" if prefix else "pk")
            q &= Q(
                Exists(
                    ApplicationLocation.objects.filter(
                        application=application, region__oblast=self.oblast
                    )
                )
            )
        if self.end is not None:
            q &= Q(**{f"{prefix}submitted_at__lt": self.end})
        return q

    def projects(self, prefix: str = "") -> Q:
        q = self.calls(f"{prefix}application__call__")
        if self.oblast is not None:
            project = OuterRef(f"{prefix}pk" if prefix else "pk")
            q &= Q(
                Exists(ProjectLocation.objects.filter(project=project, region__oblast=self.oblast))
            )
        if self.period_end is not None:
            q &= Q(**{f"{prefix}starts_on__lte": self.period_end})
        if self.project_states is not None:
            q &= Q(**{f"{prefix}state__in": self.project_states})
        return q

    def project_queryset(self) -> QuerySet[Project]:
        return Project.objects.filter(self.projects())

    def accepted(self, prefix: str) -> Q:
        """Reports (at ``prefix``) accepted by the end of the scope."""
        q = Q(**{f"{prefix}state": ReportState.ACCEPTED})
        if self.end is not None:
            q &= Q(**{f"{prefix}accepted_at__lt": self.end})
        return q

    def paid(self, prefix: str = "") -> Q:
        q = Q(**{f"{prefix}state": TrancheState.PAID, f"{prefix}paid_amount__isnull": False})
        if self.period_end is not None:
            q &= Q(**{f"{prefix}paid_on__lte": self.period_end})
        return q

    def as_dict(self) -> dict:
        return {
            "programme": {"id": self.programme.pk, "name": self.programme.name}
            if self.programme
            else None,
            "call": {"id": self.call.pk, "title": self.call.title} if self.call else None,
            "year": self.year or None,
            "oblast": {"code": self.oblast.code, "name": self.oblast.name} if self.oblast else None,
            "period_start": self.period_start.isoformat() if self.period_start else None,
            "period_end": self.period_end.isoformat() if self.period_end else None,
        }
