"""Reads of funded projects, each with the joins and the database aggregates its page
needs.

Access is decided here, in the queryset: programme staff reach every project,
members of an organisation reach their organisation's projects, and nobody else
reaches any (committee members and donor viewers included: donor pages show
aggregates elsewhere). Whatever is not in the queryset is a 404 for the view.

Reported figures (indicator progress, spending, co-financing received) live in the
``reporting`` app, which sits above this one: projects never import it. The sums
below reach those rows through the reverse relations (``progress``, ``spending``,
``receipts``) and count only reports that staff accepted.
"""

from decimal import Decimal

from django.db.models import (
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.enums import ProgrammeRole
from grants.rules import is_programme_staff
from projects.enums import CofinancingSource, StandardIndicator, TrancheCondition, TrancheState
from projects.models import (
    Cofinancing,
    FundingTerms,
    Indicator,
    Project,
    ProjectBudgetLine,
    ProjectLocation,
    Tranche,
    TrancheRule,
)

# The stored state of a progress report once staff have accepted it
# (reporting.enums.ReportState.ACCEPTED). Written here once, as a plain string,
# because projects may not import reporting (the arrow runs reporting -> projects).
# Only accepted reports count in a project's totals.
REPORT_ACCEPTED = "accepted"

ZERO = Decimal("0.00")
_MONEY_OUTPUT = DecimalField(max_digits=14, decimal_places=2)

# The programme's standard funding terms, used for a call that has none of its own.
DEFAULT_REPORT_EVERY_MONTHS = 6
DEFAULT_GRACE_DAYS = 15
DEFAULT_TRANCHE_RULES = (
    # (percent, condition, report number)
    (Decimal("50"), TrancheCondition.ON_SIGNING, None),
    (Decimal("40"), TrancheCondition.INTERIM_REPORT, 1),
    (Decimal("10"), TrancheCondition.FINAL_REPORT, None),
)

# Units of the standard indicators, shown in the reader's language (the stored unit
# is in the portal's default language).
STANDARD_UNITS = {
    StandardIndicator.PEOPLE_REACHED: pgettext_lazy("indicator unit", "people"),
    StandardIndicator.EVENTS_HELD: pgettext_lazy("indicator unit", "events"),
    StandardIndicator.VOLUNTEERS: pgettext_lazy("indicator unit", "volunteers"),
    StandardIndicator.PLAN_ADOPTED: pgettext_lazy("indicator unit", "plan"),
}

# What people see for a report (reporting.enums.ReportStatus, repeated with the same
# words so the translations are shared; projects may not import reporting).
REPORT_STATUS_LABELS = {
    "not_yet_due": _("Not yet due"),
    "due": _("Due"),
    "overdue": _("Overdue"),
    "submitted": _("Submitted"),
    "returned": _("Returned for changes"),
    "accepted": _("Accepted"),
}


def _sum(expression, **kwargs):
    return Coalesce(Sum(expression, **kwargs), Value(ZERO), output_field=_MONEY_OUTPUT)


def projects_for_user(user) -> QuerySet[Project]:
    """Projects a user may open: staff all, members their organisations' ones."""
    queryset = Project.objects.select_related("application__call__programme", "organisation")
    if not user.is_authenticated:
        return queryset.none()
    if is_programme_staff(user):
        return queryset
    if user.role == ProgrammeRole.DONOR_VIEWER:
        return queryset.none()
    return queryset.filter(organisation__memberships__user=user)


def projects_for_list(queryset: QuerySet[Project]) -> QuerySet[Project]:
    """A list's rows: call and programme (currency) and organisation joined, the money
    paid so far summed in the database, locations with their oblast in one more query."""
    paid = (
        Tranche.objects.filter(project=OuterRef("pk"), paid_amount__isnull=False)
        .values("project")
        .annotate(total=Sum("paid_amount"))
        .values("total")
    )
    return (
        queryset.select_related("application__call__programme", "organisation")
        .annotate(paid_total=Coalesce(Subquery(paid), Value(ZERO), output_field=_MONEY_OUTPUT))
        .prefetch_related(
            Prefetch(
                "locations",
                queryset=ProjectLocation.objects.select_related("region__oblast").order_by(
                    "region__code"
                ),
            )
        )
    )


def project_oblasts(project) -> list[str]:
    """The oblasts (or republican cities) of the project's locations, each once."""
    names = []
    for location in project.locations.all():
        oblast = location.region.oblast or location.region
        if oblast.name not in names:
            names.append(oblast.name)
    return names


def projects_in_oblast(queryset: QuerySet[Project], oblast) -> QuerySet[Project]:
    located = ProjectLocation.objects.filter(project=OuterRef("pk"), region__oblast=oblast)
    return queryset.filter(Exists(located))


def project_with_everything(queryset: QuerySet[Project]) -> QuerySet[Project]:
    """What the project page shows, in one query per relation, with every reported
    figure summed in the database over accepted reports only."""
    accepted_progress = Q(progress__report__state=REPORT_ACCEPTED)
    indicators = (
        Indicator.objects.select_related("location__region")
        .annotate(
            achieved=_sum("progress__value", filter=accepted_progress),
            achieved_women=Coalesce(Sum("progress__women", filter=accepted_progress), 0),
            achieved_men=Coalesce(Sum("progress__men", filter=accepted_progress), 0),
            achieved_girls=Coalesce(Sum("progress__girls", filter=accepted_progress), 0),
            achieved_boys=Coalesce(Sum("progress__boys", filter=accepted_progress), 0),
        )
        .order_by("order", "pk")
    )
    budget_lines = (
        ProjectBudgetLine.objects.annotate(
            spent=_sum("spending__amount", filter=Q(spending__report__state=REPORT_ACCEPTED))
        )
        .annotate(left=ExpressionWrapper(F("amount") - F("spent"), output_field=_MONEY_OUTPUT))
        .order_by("order", "pk")
    )
    cofinancing = (
        Cofinancing.objects.select_related("region")
        .annotate(
            received=_sum("receipts__amount", filter=Q(receipts__report__state=REPORT_ACCEPTED))
        )
        .order_by("pk")
    )
    return queryset.select_related("application__call__programme", "organisation").prefetch_related(
        Prefetch(
            "locations",
            queryset=ProjectLocation.objects.select_related(
                "region__oblast", "region__parent"
            ).order_by("region__code"),
        ),
        Prefetch("indicators", queryset=indicators),
        Prefetch("budget_lines", queryset=budget_lines),
        Prefetch("tranches", queryset=Tranche.objects.select_related("paid_by").order_by("order")),
        Prefetch("cofinancing", queryset=cofinancing),
        "partners",
        "reports",
    )


def project_money(project) -> dict:
    """Totals of the (prefetched, database-aggregated) rows of the project page."""
    tranches = list(project.tranches.all())
    lines = list(project.budget_lines.all())
    cofinancing = list(project.cofinancing.all())
    local = [row for row in cofinancing if row.source == CofinancingSource.LOCAL_BUDGET]
    other = [row for row in cofinancing if row.source != CofinancingSource.LOCAL_BUDGET]
    paid = sum((t.paid_amount or ZERO for t in tranches), ZERO)
    budget = sum((line.amount for line in lines), ZERO)
    spent = sum((line.spent for line in lines), ZERO)
    return {
        "tranches_planned": sum((t.amount for t in tranches), ZERO),
        "tranches_ready": sum((t.amount for t in tranches if t.state == TrancheState.READY), ZERO),
        "paid": paid,
        "remaining": project.amount_awarded - paid,
        "budget": budget,
        "spent": spent,
        "budget_left": budget - spent,
        "local": local,
        "other": other,
        "local_committed": sum((row.committed for row in local), ZERO),
        "local_received": sum((row.received for row in local), ZERO),
        "other_committed": sum((row.committed for row in other), ZERO),
        "other_received": sum((row.received for row in other), ZERO),
    }


def project_map_values(project) -> dict[str, int]:
    """{oblast code: 1} for every oblast where the project has a location."""
    values = {}
    for location in project.locations.all():
        oblast = location.region.oblast or location.region
        values[oblast.code] = 1
    return values


def indicator_unit(indicator) -> str:
    """The unit in the reader's language for standard indicators, as stored otherwise."""
    return STANDARD_UNITS.get(indicator.standard, indicator.unit)


def funding_terms_for(call) -> FundingTerms:
    """The call's funding terms, or the programme's defaults (unsaved) when it has none.

    ``rules_list`` carries the tranche rules in order, saved or default (as unsaved
    ``TrancheRule`` objects), so callers read one attribute either way."""
    terms = FundingTerms.objects.filter(call=call).first()
    if terms is None:
        terms = FundingTerms(
            call=call,
            report_every_months=DEFAULT_REPORT_EVERY_MONTHS,
            grace_days=DEFAULT_GRACE_DAYS,
        )
        terms.rules_list = [
            TrancheRule(order=order, percent=percent, condition=condition, report_number=number)
            for order, (percent, condition, number) in enumerate(DEFAULT_TRANCHE_RULES, 1)
        ]
        return terms
    terms.rules_list = list(terms.tranche_rules.order_by("order", "pk"))
    return terms
