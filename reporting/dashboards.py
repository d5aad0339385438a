"""What the dashboard pages make of ``programme_figures``: the charts' data (embedded
with ``json_script`` and drawn by ``static/js/charts.js``), the map's values and the
figures with their money turned back into ``Decimal`` for the templates."""

import datetime
from decimal import Decimal

from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config import page_cache
from reporting.figures import money_to_decimal, programme_figures, public_figures
from reporting.forms_dashboards import MAP_MONEY

# The dashboards' figures are fifteen GROUP BY queries over every application,
# project, tranche and report in scope: kept in the cache per scope and language, so
# that a dashboard opened again (or by a colleague) costs none of them. They can never
# show stale money: their key holds the version of every table they read, which every
# committed write changes (config/page_cache.py), so the next page computes them
# afresh. The time limit is a backstop.
FIGURES_CACHE_SECONDS = 60 * 10


def figures_version() -> str:
    """The version of every table the figures read (``FIGURES_SOURCES`` and the
    regions): any committed write to one of them changes it."""
    from django.apps import apps

    from reporting.apps import ReportingConfig

    return page_cache.tables_version(
        *(apps.get_model(label) for label in ReportingConfig.FIGURES_SOURCES),
        apps.get_model("regions.Region"),
    )


def cached_programme_figures(filters: dict) -> dict:
    """``programme_figures(**filters)``, kept in the cache until the data changes; keyed
    by the scope, the language (names and labels are translated) and the day in Bishkek."""
    scope = ":".join(
        f"{name}={getattr(filters.get(name), 'pk', filters.get(name)) or ''}"
        for name in ("programme", "call", "year", "oblast")
    )
    language, day = translation.get_language(), timezone.localdate()
    key = f"dashboard-figures:{figures_version()}:{language}:{day}:{scope}"
    figures = cache.get(key)
    if figures is None:
        figures = programme_figures(**filters)
        cache.set(key, figures, FIGURES_CACHE_SECONDS)
    return figures


def cached_public_figures() -> dict:
    """``public_figures()`` for the public projects page, kept in the cache until the data
    changes, per language: the page every visitor opens, over every funded project."""
    language, day = translation.get_language(), timezone.localdate()
    key = f"public-figures:{figures_version()}:{language}:{day}"
    figures = cache.get(key)
    if figures is None:
        figures = public_figures()
        cache.set(key, figures, FIGURES_CACHE_SECONDS)
    return figures


def dashboard_figures(form) -> dict:
    """The page's context from a bound ``DashboardFilterForm``: figures (with Decimal
    money), the day they hold for, the charts' JSON, the map's values and caption."""
    figures = cached_programme_figures(form.filters())
    measure = form.map_measure()
    return {
        "figures": money_to_decimal(figures),
        "as_of": datetime.date.fromisoformat(figures["as_of"]),
        "charts": chart_data(figures),
        "map_measure": measure,
        "map_values": map_values(figures["by_oblast"], measure),
        "map_caption": map_caption(measure, figures["currency"]),
    }


def map_values(by_oblast: list, measure: str) -> dict:
    """{oblast code: number of projects} or {oblast code: amount awarded}."""
    if measure == MAP_MONEY:
        return {row["code"]: Decimal(row["awarded"]) for row in by_oblast}
    return {row["code"]: row["projects"] for row in by_oblast}


def map_caption(measure: str, currency: str) -> str:
    if measure == MAP_MONEY:
        return _("Amount awarded (%(currency)s)") % {"currency": currency}
    return _("Projects")


def _number(value) -> float:
    return float(Decimal(value)) if isinstance(value, str) else value


def chart_data(figures: dict) -> dict:
    """One entry per chart: {type, labels, datasets: [{label, data}], horizontal?}.
    Every figure here is also in a table on the page."""
    currency = figures["currency"]
    amount = _("Amount (%(currency)s)") % {"currency": currency}
    money_figures = figures["money"]
    cofinancing = figures["cofinancing"]
    funnel = list(reversed(figures["funnel"]))  # oldest call first, like a time axis
    return {
        "funnel": {
            "type": "bar",
            "labels": [row["title"] for row in funnel],
            "datasets": [
                {"label": _("Received"), "data": [row["received"] for row in funnel]},
                {"label": _("Eligible"), "data": [row["eligible"] for row in funnel]},
                {"label": _("Funded"), "data": [row["funded"] for row in funnel]},
            ],
        },
        "money": {
            "type": "bar",
            "labels": [_("Requested"), _("Approved"), _("Awarded"), _("Disbursed")],
            "datasets": [
                {
                    "label": amount,
                    "data": [
                        _number(money_figures[key])
                        for key in ("requested", "approved", "awarded", "disbursed")
                    ],
                }
            ],
        },
        "cofinancing": {
            "type": "bar",
            "labels": [_("Local budgets"), _("Other sources")],
            "datasets": [
                {
                    "label": _("Committed"),
                    "data": [
                        _number(cofinancing["local_budget"]["committed"]),
                        _number(cofinancing["other"]["committed"]),
                    ],
                },
                {
                    "label": _("Received"),
                    "data": [
                        _number(cofinancing["local_budget"]["received"]),
                        _number(cofinancing["other"]["received"]),
                    ],
                },
            ],
        },
        "people": {
            "type": "bar",
            "labels": [row["label"] for row in figures["people"]["by_group"]],
            "datasets": [
                {
                    "label": _("Reached"),
                    "data": [row["achieved"] for row in figures["people"]["by_group"]],
                },
                {
                    "label": _("Target"),
                    "data": [row["target"] for row in figures["people"]["by_group"]],
                },
            ],
        },
        "reports": {
            "type": "doughnut",
            "labels": [_("On time"), _("Late"), _("Overdue"), _("Not yet due")],
            "datasets": [
                {
                    "label": _("Reports"),
                    "data": [
                        figures["reports"][key]
                        for key in ("on_time", "late", "overdue", "not_yet_due")
                    ],
                }
            ],
        },
        "indicators": {
            "type": "bar",
            "horizontal": True,
            "labels": [row["label"] for row in figures["indicators"]],
            "datasets": [
                {
                    "label": _("Achieved (percent of target)"),
                    "data": [row["percent"] or 0 for row in figures["indicators"]],
                }
            ],
        },
        "themes": _breakdown_chart(figures["by_theme"], amount),
        "oblasts": _breakdown_chart(figures["by_oblast"], amount),
    }


def _breakdown_chart(rows: list, amount_label: str) -> dict:
    return {
        "type": "bar",
        "horizontal": True,
        "labels": [row["name"] for row in rows],
        "datasets": [
            {
                "label": _("Awarded") + " · " + amount_label,
                "data": [_number(row["awarded"]) for row in rows],
            },
            {
                "label": _("Disbursed") + " · " + amount_label,
                "data": [_number(row["disbursed"]) for row in rows],
            },
        ],
    }
