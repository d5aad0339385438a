"""The breakdowns of the programme's figures by theme and by oblast, and what
happened inside a period (see ``reporting.figures`` for the keys)."""

from django.db.models import (
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import translation

from grants.models import Application, Theme
from projects.enums import StandardIndicator
from projects.models import ProjectLocation, Tranche
from regions.models import Region
from reporting.figures_scope import (
    LANGUAGES,
    MONEY_OUTPUT,
    ZERO,
    Scope,
    money,
    names_of,
    start_of,
)
from reporting.models import CofinancingReceipt, IndicatorProgress, ProgressReport

NAME_FIELDS = ("name_en", "name_ru", "name_ky")


def _people_by_project_subquery(scope: Scope, project_ref: str):
    return Subquery(
        IndicatorProgress.objects.filter(
            scope.accepted("report__"),
            indicator__project=OuterRef(project_ref),
            indicator__standard=StandardIndicator.PEOPLE_REACHED,
        )
        .order_by()
        .values("indicator__project")
        .annotate(total=Sum("value"))
        .values("total")
    )


def by_theme(scope: Scope) -> list:
    projects = scope.project_queryset().order_by()
    # The theme's names and order come with the GROUP BY (one row per theme).
    theme_fields = [f"application__theme__{name}" for name in ("order", *NAME_FIELDS)]
    counts = {
        row["application__theme"]: row
        for row in projects.values("application__theme", *theme_fields).annotate(
            projects=Count("pk"), awarded=Sum("amount_awarded")
        )
    }
    disbursed = dict(
        Tranche.objects.filter(scope.paid(), scope.projects("project__"))
        .order_by()
        .values("project__application__theme")
        .annotate(total=Sum("paid_amount"))
        .values_list("project__application__theme", "total")
    )
    people = dict(
        IndicatorProgress.objects.filter(
            scope.projects("indicator__project__"),
            scope.accepted("report__"),
            indicator__standard=StandardIndicator.PEOPLE_REACHED,
        )
        .order_by()
        .values("indicator__project__application__theme")
        .annotate(total=Sum("value"))
        .values_list("indicator__project__application__theme", "total")
    )
    themes = sorted(
        (
            Theme(
                pk=pk,
                order=row["application__theme__order"],
                **{name: row[f"application__theme__{name}"] for name in NAME_FIELDS},
            )
            for pk, row in counts.items()
            if pk is not None
        ),
        key=lambda theme: (theme.order, theme.name_en, theme.pk),
    )
    rows = []
    for theme in themes:
        rows.append(_theme_row(theme.pk, theme.name, names_of(theme), counts, disbursed, people))
    if None in counts:
        no_theme = translation.gettext("No theme")
        names = dict.fromkeys(LANGUAGES, no_theme)
        rows.append(_theme_row(None, no_theme, names, counts, disbursed, people))
    return rows


def _theme_row(pk, name, names, counts, disbursed, people) -> dict:
    return {
        "theme_id": pk,
        "name": name,
        "names": names,
        "projects": counts[pk]["projects"],
        "awarded": money(counts[pk]["awarded"]),
        "disbursed": money(disbursed.get(pk)),
        "people_reached": int(people.get(pk) or 0),
    }


def by_oblast(scope: Scope) -> list:
    """One GROUP BY over the projects' locations, each location weighted so that a
    project's money and people are split evenly between the oblasts it touches:
    weight = 1 / (oblasts of the project x its locations in this oblast)."""
    oblasts_of_project = (
        ProjectLocation.objects.filter(project=OuterRef("project"))
        .order_by()
        .values("project")
        .annotate(n=Count("region__oblast", distinct=True))
        .values("n")
    )
    locations_here = (
        ProjectLocation.objects.filter(
            project=OuterRef("project"), region__oblast=OuterRef("region__oblast")
        )
        .order_by()
        .values("project")
        .annotate(n=Count("pk"))
        .values("n")
    )
    paid = (
        Tranche.objects.filter(scope.paid(), project=OuterRef("project"))
        .order_by()
        .values("project")
        .annotate(total=Sum("paid_amount"))
        .values("total")
    )
    weight = Value(1.0, output_field=FloatField()) / (
        Cast(Subquery(oblasts_of_project, output_field=IntegerField()), FloatField())
        * Cast(Subquery(locations_here, output_field=IntegerField()), FloatField())
    )

    def share(expression):
        return Coalesce(
            Sum(Cast(expression, FloatField()) * weight), Value(0.0), output_field=FloatField()
        )

    rows = list(
        ProjectLocation.objects.filter(scope.projects("project__"), region__oblast__isnull=False)
        .order_by()
        .values(
            "region__oblast",
            "region__oblast__code",
            "region__oblast__name_en",
            "region__oblast__name_ru",
            "region__oblast__name_ky",
        )
        .annotate(
            projects=Count("project", distinct=True),
            awarded=share(F("project__amount_awarded")),
            disbursed=share(Coalesce(Subquery(paid, output_field=MONEY_OUTPUT), Value(ZERO))),
            people=share(
                Coalesce(
                    _people_by_project_subquery(scope, "project"),
                    Value(ZERO),
                    output_field=MONEY_OUTPUT,
                )
            ),
        )
    )
    # The oblast's code and names come with the GROUP BY (one row per oblast).
    result = []
    for row in rows:
        oblast = Region(
            pk=row["region__oblast"],
            code=row["region__oblast__code"],
            name_en=row["region__oblast__name_en"],
            name_ru=row["region__oblast__name_ru"],
            name_ky=row["region__oblast__name_ky"],
        )
        result.append(
            {
                "code": oblast.code,
                "name": oblast.name,
                "names": names_of(oblast),
                "projects": row["projects"],
                "awarded": money(round(row["awarded"], 2)),
                "disbursed": money(round(row["disbursed"], 2)),
                "people_reached": round(row["people"]),
            }
        )
    return sorted(result, key=lambda row: row["code"])


def period_figures(scope: Scope) -> dict:
    start, end = scope.period_start, scope.period_end
    start_moment = start_of(start)
    received = Application.objects.filter(
        scope.applications(), submitted_at__gte=start_moment
    ).count()
    disbursed = Tranche.objects.filter(
        scope.paid(), scope.projects("project__"), paid_on__gte=start
    ).aggregate(total=Sum("paid_amount"))["total"]
    in_period = scope.accepted("report__") & Q(report__accepted_at__gte=start_moment)
    cofinancing = CofinancingReceipt.objects.filter(
        in_period, scope.projects("cofinancing__project__")
    ).aggregate(total=Sum("amount"))["total"]
    people = IndicatorProgress.objects.filter(
        in_period,
        scope.projects("indicator__project__"),
        indicator__standard=StandardIndicator.PEOPLE_REACHED,
    ).aggregate(total=Sum("value"))["total"]
    accepted = ProgressReport.objects.filter(
        scope.accepted(""), scope.projects("project__"), accepted_at__gte=start_moment
    ).count()
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "applications_received": received,
        "disbursed": money(disbursed),
        "cofinancing_received": money(cofinancing),
        "people_reached": int(people or 0),
        "reports_accepted": accepted,
    }
