"""Shared machinery of the scale seed: the plan of counts, bulk inserts, timeline rows
and historic timestamps.

The seed writes rows directly (``bulk_create``) rather than through the services,
because the services do one thing at a time and a data set of this size must be made
in minutes. Every figure the services keep beside their rows (totals, states, dates,
references, timelines) is computed here with the services' own functions where they
expose one, so the rows read exactly as if the services had made them.
"""

import contextlib
import datetime
import math
import zoneinfo
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.utils import timezone

from grants.models import Transition

BISHKEK = zoneinfo.ZoneInfo("Asia/Bishkek")
BATCH_SIZE = 2000
EMAIL_DOMAIN = "scale.example.org"
PASSWORD = "scale-2026"  # noqa: S105 - a documented password of a synthetic data set
# The authenticator secret of the staff and admin accounts (base32), documented so
# that a tester can add it to an authenticator app.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105

# Full-scale counts (scale 1.0).
FULL = {
    "programmes": 3,
    "calls_per_programme": 10,
    "applications": 20_000,
    "largest_call": 2_000,
    "committee_members": 60,
    "reviewers_per_application": 5,
    "projects": 2_000,  # each with 4 reports: see calls.FUNDING_TERMS
    "organisations": 5_700,
}
# What the story needs whatever the scale: an open, a closed and an in-review call
# beside decided ones (one programme each), and a committee of more members than an
# application has reviewers, so that a conflict can be replaced.
MINIMUM = {
    "programmes": 3,
    "calls_per_programme": 3,
    "committee_members": 7,
}


@dataclass
class Plan:
    """How many of each thing to make."""

    scale: float
    programmes: int
    calls_per_programme: int
    applications: int
    largest_call: int
    committee_members: int
    projects: int
    organisations: int
    reviewers_per_application: int = FULL["reviewers_per_application"]

    @classmethod
    def for_scale(cls, scale: float) -> "Plan":
        def scaled(key):
            return max(MINIMUM.get(key, 1), round(FULL[key] * scale))

        programmes = scaled("programmes")
        per_programme = scaled("calls_per_programme")
        applications = scaled("applications")
        calls = programmes * per_programme
        # The in-review call is the largest, whatever the number of calls.
        largest = max(scaled("largest_call"), math.ceil(applications / calls * 1.6))
        return cls(
            scale=scale,
            programmes=programmes,
            calls_per_programme=per_programme,
            applications=applications,
            largest_call=min(largest, applications),
            committee_members=scaled("committee_members"),
            projects=scaled("projects"),
            organisations=max(scaled("organisations"), largest + 1),
        )


@dataclass
class Clock:
    """The seed's notion of now: everything it writes happened before it."""

    now: datetime.datetime
    today: datetime.date = field(init=False)

    def __post_init__(self):
        self.today = timezone.localdate(self.now)

    def at(self, day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
        """A moment of ``day`` in Bishkek time, never later than now."""
        moment = datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=BISHKEK)
        return min(moment, self.now)


def bishkek(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=BISHKEK)


def email(local_part: str) -> str:
    return f"{local_part}@{EMAIL_DOMAIN}"


def bulk(model, rows: list, *, batch_size: int = BATCH_SIZE) -> list:
    """Insert ``rows`` (unsaved instances) in batches; returns them with their keys.

    On PostgreSQL the rows go in as multi-row ``INSERT ... RETURNING id`` statements
    built straight from the instances' attributes: the same statement ``bulk_create``
    sends, without its per-value compilation, which costs more than the database's
    own work at this size. Elsewhere (SQLite in tests) ``bulk_create`` itself.
    """
    if not rows:
        return rows
    if connection.vendor != "postgresql":
        model.objects.bulk_create(rows, batch_size=min(batch_size, 500))
        return rows
    from psycopg2.extras import Json, execute_values

    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    # Table and column names come from the model; the values are parameters.
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES %s RETURNING {quote(meta.pk.column)}"  # noqa: E501, S608
    adapters = []
    for model_field in fields:
        if isinstance(model_field, models.JSONField):
            adapters.append(Json)
        elif isinstance(model_field, models.FileField):
            adapters.append(lambda value: str(value.name if hasattr(value, "name") else value))
        else:
            adapters.append(None)
    attnames = [f.attname for f in fields]
    pairs = list(zip(attnames, adapters, strict=True))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            chunk = rows[start : start + batch_size]
            values = [
                tuple(
                    adapt(getattr(row, name)) if adapt else getattr(row, name)
                    for name, adapt in pairs
                )
                for row in chunk
            ]
            keys = execute_values(cursor.cursor, sql, values, page_size=len(values), fetch=True)
            for row, (key,) in zip(chunk, keys, strict=True):
                row.pk = key
                row._state.adding = False
                row._state.db = connection.alias
    return rows


@contextlib.contextmanager
def historic_timestamps():
    """Let the seed write the creation and last-saved times of rows (``auto_now`` and
    ``auto_now_add`` would stamp them all with the moment of the seed).

    The fields are switched back however the block ends.
    """
    switched = []
    from django.apps import apps

    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.DateField) and (
                model_field.auto_now or model_field.auto_now_add
            ):
                switched.append((model_field, model_field.auto_now, model_field.auto_now_add))
                model_field.auto_now = model_field.auto_now_add = False
    try:
        yield
    finally:
        for model_field, auto_now, auto_now_add in switched:
            model_field.auto_now, model_field.auto_now_add = auto_now, auto_now_add


class Timeline:
    """Collects the ``Transition`` rows the state services would have written."""

    def __init__(self):
        self.rows: list[Transition] = []
        self._types: dict = {}

    def add(self, subject, from_state, to_state, *, at, by_id=None, reason=""):
        model = type(subject)
        if model not in self._types:
            self._types[model] = ContentType.objects.get_for_model(model).pk
        self.rows.append(
            Transition(
                content_type_id=self._types[model],
                object_id=subject.pk,
                from_state=from_state,
                to_state=to_state,
                by_id=by_id,
                at=at,
                reason=reason,
            )
        )

    def flush(self) -> int:
        count = len(self.rows)
        bulk(Transition, self.rows, batch_size=5000)
        self.rows = []
        return count
