"""The programme's figures: what the staff and donor dashboards, the public projects
page and the donor summaries show, computed in one place.

``programme_figures(...)`` returns a JSON-serialisable dict (a donor summary stores it
as its snapshot). Every figure is aggregated in the database (``Sum``/``Count`` with
``filter=``, GROUP BY through ``values().annotate()``): the number of queries is fixed
whatever the number of rows (15).

Conventions of the dict
-----------------------
- Money is a **string with two decimals** ("1250000.00"), in ``currency``. Convert
  with ``Decimal(value)``; ``money_to_decimal`` does it for nested rows.
- Counts of people, projects, applications and reports are ``int``.
- Percentages are ``float`` rounded to one decimal, or ``None`` when the target is 0.
- Dates are ISO strings ("2018-01-15"), moments ISO strings with the offset.
- Names of themes and oblasts are given in the active language (``name``) and in
  every language (``names``: {"en", "ru", "ky"}), so a stored snapshot can be shown
  in any language.

Scope (the keyword arguments)
-----------------------------
- ``programme``, ``call``: limit to the calls of a programme / to one call.
- ``year``: the year (Asia/Bishkek) in which the call opened.
- ``oblast``: a root ``Region`` (oblast or republican city). Applications and projects
  with at least one location in it count, in full; calls are not narrowed by place.
- ``period_start``, ``period_end`` (dates): with ``period_end``, figures are "as of"
  the end of that day: applications submitted by then, projects started by then,
  tranches paid by then, reports accepted by then (their indicator values and
  co-financing received), calls open at some moment in the period. With
  ``period_start`` too, ``period`` adds what happened inside the period, and report
  compliance covers the reports due in the period. States are the states recorded
  now (a state's history is on the timeline, not used here).
- ``today``: the day against which reports are overdue (default: today in Bishkek;
  ``period_end`` when given).
Draft calls never count. Terminated projects count in the money and the counts (the
money was awarded and paid), but their unfinished reports are not "overdue".

Definitions
-----------
- Applications *received*: submitted or later (submitted, eligible, ineligible,
  approved, waitlisted, rejected) and those withdrawn after submission. *Eligible*:
  passed screening (eligible, approved, waitlisted, rejected). *Funded*: approved.
- *Requested*: sum of ``requested_amount`` of the received applications.
  *Awarded*: sum of the projects' ``amount_awarded``; *approved*: sum of the amounts
  of approval decisions (it exceeds *awarded* while projects are still being made).
  *Disbursed*: sum of ``paid_amount`` of paid tranches.
- Co-financing *committed*: the projects' committed co-financing; *received*: the
  receipts in accepted reports. Local budgets are shown apart from other sources.
- People reached: the standard indicator ``people_reached``; *achieved* is the sum of
  its values in accepted reports, *target* the sum of its targets, with women, men,
  girls and boys.
- Reports (of the day ``as_of``): *on time* submitted (now submitted or accepted) on
  or before the due day (Bishkek); *late* submitted after it; *overdue* past due and
  not submitted by ``as_of`` (pending or returned); *not yet due* the rest.
- By oblast: a project counts once in every oblast its locations touch; its money
  and people are split evenly between those oblasts (so a column's sum equals the
  total, give or take rounding of a cent or a person).

Keys
----
::

    version: 1
    generated_at: ISO moment
    as_of: ISO date (period_end or today)
    currency: "KGS" (the programme's; "" if the scope mixes currencies)
    scope: {programme: {id, name} | None, call: {id, title} | None, year: int | None,
            oblast: {code, name} | None, period_start: ISO date | None,
            period_end: ISO date | None}
    headline: {calls_open, applications_received, applications_eligible,
               applications_funded, projects, requested, awarded, disbursed,
               cofinancing_committed, cofinancing_received, people_reached,
               people_target, people_reached_percent, reports_on_time, reports_late,
               reports_overdue}
    calls_open: {count, calls: [{id, title, slug, opens_at, closes_at}]}
    funnel: [{call_id, title, opens_at, received, eligible, funded, requested}]
            (one row per call in scope, newest first)
    applications: {received, eligible, funded, requested}
    money: {requested, approved, awarded, disbursed, undisbursed, disbursed_percent}
    projects: {total, by_state: [{state, label, count}]}
    cofinancing: {local_budget: {committed, received},
                  other: {committed, received},
                  total: {committed, received},
                  by_source: [{source, label, committed, received}]}
    people: {achieved, target, percent,
             by_group: [{group: "women"|"men"|"girls"|"boys", label, achieved, target,
                         percent}]}
    reports: {total, on_time, late, overdue, not_yet_due, on_time_percent}
             (on_time_percent: on time among those submitted or overdue)
    indicators: [{standard, label, projects, target, achieved, percent}]
                (every standard indicator, in StandardIndicator order; target and
                achieved as strings with two decimals)
    by_theme: [{theme_id, name, names, projects, awarded, disbursed, people_reached}]
    by_oblast: [{code, name, names, projects, awarded, disbursed, people_reached}]
               (oblasts with at least one project, by code)
    period: None, or with period_start and period_end:
            {start, end, applications_received, disbursed, cofinancing_received,
             people_reached, reports_accepted}
"""

from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone, translation

from grants.enums import ApplicationState, CallState, DecisionOutcome
from grants.models import Application, Call, Decision, Programme
from projects.enums import CofinancingSource, ProjectState, StandardIndicator
from projects.models import Cofinancing, Indicator, Project, Tranche
from reporting.enums import ReportState
from reporting.figures_breakdowns import by_oblast, by_theme, period_figures
from reporting.figures_scope import (
    GROUPS,
    MONEY_OUTPUT,
    PUBLIC_PROJECT_STATES,
    ZERO,
    Scope,
    money,
    money_to_decimal,
    percent,
    start_of,
)
from reporting.models import CofinancingReceipt, IndicatorProgress, ProgressReport

__all__ = [
    "PUBLIC_PROJECT_STATES",
    "money",
    "money_to_decimal",
    "percent",
    "programme_figures",
    "projects_in_scope",
    "public_figures",
]

FIGURES_VERSION = 1


def projects_in_scope(
    *, programme=None, call=None, year=None, oblast=None, period_end=None, states=None
) -> QuerySet[Project]:
    """The projects the figures count, for lists beside them (``states`` narrows)."""
    scope = Scope(
        programme=programme,
        call=call,
        year=year,
        oblast=oblast,
        period_start=None,
        period_end=period_end,
        today=None,
        project_states=states,
    )
    return scope.project_queryset()


def public_figures(*, programme=None) -> dict:
    """The public page's totals over the projects the public sees (active, suspended
    and completed; terminated ones are left out): {currency, projects, awarded,
    people_reached, by_oblast} with ``by_oblast`` as in ``programme_figures``.
    Four queries."""
    scope = Scope(
        programme=programme,
        call=None,
        year=None,
        oblast=None,
        period_start=None,
        period_end=None,
        today=None,
        project_states=PUBLIC_PROJECT_STATES,
    )
    totals = scope.project_queryset().aggregate(
        projects=Count("pk"),
        awarded=Coalesce(Sum("amount_awarded"), Value(ZERO), output_field=MONEY_OUTPUT),
    )
    people = IndicatorProgress.objects.filter(
        scope.projects("indicator__project__"),
        scope.accepted("report__"),
        indicator__standard=StandardIndicator.PEOPLE_REACHED,
    ).aggregate(total=Sum("value"))["total"]
    return {
        "currency": _currency(scope),
        "projects": totals["projects"],
        "awarded": money(totals["awarded"]),
        "people_reached": int(people or 0),
        "by_oblast": by_oblast(scope),
    }


# --- the figures ----------------------------------------------------------------------


def programme_figures(
    *,
    programme=None,
    call=None,
    year=None,
    oblast=None,
    period_start=None,
    period_end=None,
    today=None,
) -> dict:
    """Every figure of the programme in the scope given (see the module docstring for
    the keys and their definitions)."""
    if period_start is not None and period_end is None:
        raise ValueError("period_start needs period_end")
    scope = Scope(
        programme=programme,
        call=call,
        year=year,
        oblast=oblast,
        period_start=period_start,
        period_end=period_end,
        today=today,
    )
    funnel, applications, currencies = _funnel(scope)
    money_figures, projects = _money_and_projects(scope, requested=applications["requested"])
    cofinancing = _cofinancing(scope)
    indicators, people = _indicators_and_people(scope)
    reports = _reports(scope)
    calls_open = _calls_open(scope)
    headline = {
        "calls_open": calls_open["count"],
        "applications_received": applications["received"],
        "applications_eligible": applications["eligible"],
        "applications_funded": applications["funded"],
        "projects": projects["total"],
        "requested": applications["requested"],
        "awarded": money_figures["awarded"],
        "disbursed": money_figures["disbursed"],
        "cofinancing_committed": cofinancing["total"]["committed"],
        "cofinancing_received": cofinancing["total"]["received"],
        "people_reached": people["achieved"],
        "people_target": people["target"],
        "people_reached_percent": people["percent"],
        "reports_on_time": reports["on_time"],
        "reports_late": reports["late"],
        "reports_overdue": reports["overdue"],
    }
    return {
        "version": FIGURES_VERSION,
        "generated_at": timezone.now().isoformat(),
        "as_of": scope.as_of.isoformat(),
        "currency": _currency(scope, currencies),
        "scope": scope.as_dict(),
        "headline": headline,
        "calls_open": calls_open,
        "funnel": funnel,
        "applications": applications,
        "money": money_figures,
        "projects": projects,
        "cofinancing": cofinancing,
        "people": people,
        "reports": reports,
        "indicators": indicators,
        "by_theme": by_theme(scope),
        "by_oblast": by_oblast(scope),
        "period": period_figures(scope) if period_start is not None else None,
    }


def _currency(scope: Scope, currencies: set | None = None) -> str:
    """The programme's currency; "" when the scope mixes currencies. ``currencies``:
    those of the calls in scope when the caller has read them already."""
    if scope.programme is not None:
        return scope.programme.currency
    if scope.call is not None:
        return scope.call.programme.currency
    if currencies is None:
        currencies = set(
            Programme.objects.filter(calls__in=Call.objects.filter(scope.calls()))
            .values_list("currency", flat=True)
            .distinct()
            .order_by()
        )
    if len(currencies) == 1:
        return next(iter(currencies))
    return "" if currencies else "KGS"


def _calls_open(scope: Scope) -> dict:
    """Open now on the dashboard; open at some moment of the period (or of the day
    ``as_of``) otherwise."""
    calls = Call.objects.filter(scope.calls())
    if scope.period_end is None:
        now = timezone.now()
        calls = calls.filter(state=CallState.PUBLISHED, opens_at__lte=now, closes_at__gt=now)
    else:
        start = start_of(scope.period_start or scope.period_end)
        calls = calls.filter(opens_at__lt=scope.end, closes_at__gt=start)
    rows = [
        {
            "id": call.pk,
            "title": call.title,
            "slug": call.slug,
            "opens_at": call.opens_at.isoformat(),
            "closes_at": call.closes_at.isoformat(),
        }
        for call in calls.only("pk", "title", "slug", "opens_at", "closes_at").order_by(
            "closes_at", "pk"
        )
    ]
    return {"count": len(rows), "calls": rows}


def _application_counts(prefix: str = "") -> dict:
    received = Q(**{f"{prefix}state__in": ApplicationState.submitted_states()}) | Q(
        **{f"{prefix}state": ApplicationState.WITHDRAWN, f"{prefix}submitted_at__isnull": False}
    )
    eligible = Q(
        **{
            f"{prefix}state__in": [
                ApplicationState.ELIGIBLE,
                *ApplicationState.decided(),
            ]
        }
    )
    funded = Q(**{f"{prefix}state": ApplicationState.APPROVED})
    return {
        "received": Count("pk", filter=received),
        "eligible": Count("pk", filter=eligible),
        "funded": Count("pk", filter=funded),
        "requested": Coalesce(
            Sum(f"{prefix}requested_amount", filter=received),
            Value(ZERO),
            output_field=MONEY_OUTPUT,
        ),
    }


def _funnel(scope: Scope) -> tuple[list, dict, set]:
    """The funnel's rows, their totals and the currencies of the calls in scope."""
    per_call = {
        row["call_id"]: row
        for row in Application.objects.filter(scope.applications())
        .order_by()
        .values("call_id")
        .annotate(**_application_counts())
    }
    rows = []
    currencies = set()
    for call in (
        Call.objects.filter(scope.calls())
        .select_related("programme")
        .only("pk", "title", "opens_at", "programme__currency")
        .order_by("-opens_at", "pk")
    ):
        currencies.add(call.programme.currency)
        counts = per_call.get(call.pk, {})
        rows.append(
            {
                "call_id": call.pk,
                "title": call.title,
                "opens_at": call.opens_at.isoformat(),
                "received": counts.get("received", 0),
                "eligible": counts.get("eligible", 0),
                "funded": counts.get("funded", 0),
                "requested": money(counts.get("requested")),
            }
        )
    totals = {
        "received": sum(row["received"] for row in rows),
        "eligible": sum(row["eligible"] for row in rows),
        "funded": sum(row["funded"] for row in rows),
        "requested": money(sum((Decimal(row["requested"]) for row in rows), ZERO)),
    }
    return rows, totals, currencies


def _money_and_projects(scope: Scope, *, requested: str) -> tuple[dict, dict]:
    projects = scope.project_queryset()
    # One GROUP BY gives the count per state and, summed, the amount awarded.
    per_state = list(
        projects.order_by().values("state").annotate(n=Count("pk"), awarded=Sum("amount_awarded"))
    )
    by_state = {row["state"]: row["n"] for row in per_state}
    awarded = sum((row["awarded"] or ZERO for row in per_state), ZERO)
    disbursed = Tranche.objects.filter(scope.paid(), scope.projects("project__")).aggregate(
        total=Coalesce(Sum("paid_amount"), Value(ZERO), output_field=MONEY_OUTPUT)
    )["total"]
    approved_decisions = Decision.objects.filter(
        scope.applications("application__"),
        outcome=DecisionOutcome.APPROVE,
        application__state=ApplicationState.APPROVED,
    )
    if scope.end is not None:
        approved_decisions = approved_decisions.filter(at__lt=scope.end)
    approved = approved_decisions.aggregate(
        total=Coalesce(Sum("amount"), Value(ZERO), output_field=MONEY_OUTPUT)
    )["total"]
    money_figures = {
        "requested": requested,
        "approved": money(approved),
        "awarded": money(awarded),
        "disbursed": money(disbursed),
        "undisbursed": money(Decimal(awarded) - Decimal(disbursed)),
        "disbursed_percent": percent(disbursed, awarded),
    }
    project_figures = {
        "total": sum(by_state.values()),
        "by_state": [
            {"state": state, "label": str(label), "count": by_state.get(state, 0)}
            for state, label in ProjectState.choices
        ],
    }
    return money_figures, project_figures


def _cofinancing(scope: Scope) -> dict:
    committed = dict(
        Cofinancing.objects.filter(scope.projects("project__"))
        .order_by()
        .values("source")
        .annotate(total=Sum("committed"))
        .values_list("source", "total")
    )
    received = dict(
        CofinancingReceipt.objects.filter(
            scope.projects("cofinancing__project__"), scope.accepted("report__")
        )
        .order_by()
        .values("cofinancing__source")
        .annotate(total=Sum("amount"))
        .values_list("cofinancing__source", "total")
    )

    def total(values, sources):
        return sum((Decimal(values.get(source) or 0) for source in sources), ZERO)

    local = [CofinancingSource.LOCAL_BUDGET]
    other = [source for source in CofinancingSource.values if source not in local]
    every = CofinancingSource.values
    return {
        "local_budget": {
            "committed": money(total(committed, local)),
            "received": money(total(received, local)),
        },
        "other": {
            "committed": money(total(committed, other)),
            "received": money(total(received, other)),
        },
        "total": {
            "committed": money(total(committed, every)),
            "received": money(total(received, every)),
        },
        "by_source": [
            {
                "source": source,
                "label": str(label),
                "committed": money(committed.get(source)),
                "received": money(received.get(source)),
            }
            for source, label in CofinancingSource.choices
        ],
    }


def _indicators_and_people(scope: Scope) -> tuple[list, dict]:
    targets = {
        row["standard"]: row
        for row in Indicator.objects.filter(scope.projects("project__"))
        .exclude(standard="")
        .order_by()
        .values("standard")
        .annotate(
            projects=Count("project", distinct=True),
            target_total=Sum("target"),
            **{f"target_{group}": Coalesce(Sum(f"target_{group}"), 0) for group in GROUPS},
        )
    }
    achieved = {
        row["indicator__standard"]: row
        for row in IndicatorProgress.objects.filter(
            scope.projects("indicator__project__"), scope.accepted("report__")
        )
        .exclude(indicator__standard="")
        .order_by()
        .values("indicator__standard")
        .annotate(
            value_total=Sum("value"),
            **{f"value_{group}": Coalesce(Sum(group), 0) for group in GROUPS},
        )
    }
    indicators = []
    for standard, label in StandardIndicator.choices:
        target = Decimal(targets.get(standard, {}).get("target_total") or 0)
        value = Decimal(achieved.get(standard, {}).get("value_total") or 0)
        indicators.append(
            {
                "standard": standard,
                "label": str(label),
                "projects": targets.get(standard, {}).get("projects", 0),
                "target": money(target),
                "achieved": money(value),
                "percent": percent(value, target),
            }
        )
    people_targets = targets.get(StandardIndicator.PEOPLE_REACHED, {})
    people_achieved = achieved.get(StandardIndicator.PEOPLE_REACHED, {})
    people_target = int(people_targets.get("target_total") or 0)
    people_value = int(people_achieved.get("value_total") or 0)
    labels = {
        "women": translation.gettext("Women"),
        "men": translation.gettext("Men"),
        "girls": translation.gettext("Girls"),
        "boys": translation.gettext("Boys"),
    }
    people = {
        "achieved": people_value,
        "target": people_target,
        "percent": percent(people_value, people_target),
        "by_group": [
            {
                "group": group,
                "label": labels[group],
                "achieved": int(people_achieved.get(f"value_{group}") or 0),
                "target": int(people_targets.get(f"target_{group}") or 0),
                "percent": percent(
                    people_achieved.get(f"value_{group}") or 0,
                    people_targets.get(f"target_{group}") or 0,
                ),
            }
            for group in GROUPS
        ],
    }
    return indicators, people


def _reports(scope: Scope) -> dict:
    reports = ProgressReport.objects.filter(scope.projects("project__"))
    if scope.period_start is not None:
        reports = reports.filter(due_on__gte=scope.period_start, due_on__lte=scope.period_end)
    elif scope.period_end is not None:
        reports = reports.filter(due_on__lte=scope.period_end)
    reports = reports.annotate(
        submitted_on=TruncDate("submitted_at", tzinfo=timezone.get_default_timezone())
    )
    as_of = scope.as_of
    handed_in = Q(
        state__in=[ReportState.SUBMITTED, ReportState.ACCEPTED],
        submitted_on__isnull=False,
        submitted_on__lte=as_of,
    )
    on_time = handed_in & Q(submitted_on__lte=F("due_on"))
    late = handed_in & Q(submitted_on__gt=F("due_on"))
    overdue = (
        ~handed_in
        & Q(due_on__lt=as_of)
        & ~Q(project__state=ProjectState.TERMINATED, state__in=ReportState.editable())
    )
    figures = reports.aggregate(
        total=Count("pk"),
        on_time=Count("pk", filter=on_time),
        late=Count("pk", filter=late),
        overdue=Count("pk", filter=overdue),
    )
    figures["not_yet_due"] = (
        figures["total"] - figures["on_time"] - figures["late"] - figures["overdue"]
    )
    figures["on_time_percent"] = percent(
        figures["on_time"], figures["on_time"] + figures["late"] + figures["overdue"]
    )
    return figures
