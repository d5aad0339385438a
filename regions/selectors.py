"""Reads of the region tree that are more than a ``get``."""

from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet

from regions.enums import RegionLevel
from regions.models import Region


def picker_units() -> QuerySet[Region]:
    """Every unit a region picker may offer: current, above the village level."""
    return Region.objects.for_picker().current()


def within_filter(within_ids: Iterable[int]) -> Q:
    """These units and everything under them (the picker's tree is at most 3 levels deep)."""
    ids = list(within_ids)
    return (
        Q(pk__in=ids)
        | Q(parent__in=ids)
        | Q(parent__parent__in=ids)
        | Q(parent__parent__parent__in=ids)
    )


def with_ancestors(allowed: QuerySet[Region]) -> Q:
    """The allowed units and their ancestors: what a restricted picker must list so that
    a user can walk down to an allowed unit. Subqueries, so still one query per list."""
    return (
        Q(pk__in=allowed.values("pk"))
        | Q(pk__in=allowed.values("parent"))
        | Q(pk__in=allowed.values("parent__parent"))
    )


def picker_listed(allowed: QuerySet[Region]) -> QuerySet[Region]:
    """The units a picker limited to ``allowed`` lists: those and their ancestors."""
    return picker_units().filter(with_ancestors(allowed))


def picker_options(units: QuerySet[Region], *, parent_id: int | None) -> QuerySet[Region]:
    """The ``units`` under ``parent_id`` (the roots for None), by name in the active language."""
    units = units.filter(parent_id=parent_id) if parent_id else units.roots()
    return units.only("pk", "code", "name_en", "name_ru", "name_ky").order_by_name()


def picker_options_within(
    *, parent_id: int | None, within_ids: Iterable[int] = ()
) -> QuerySet[Region]:
    """The options endpoint's list: ``within_ids`` limits it to those units, their
    ancestors and descendants; without it every current unit is listed."""
    within_ids = list(within_ids)
    units = picker_units()
    if within_ids:
        units = picker_listed(units.filter(within_filter(within_ids)))
    return picker_options(units, parent_id=parent_id)


def local_units_per_oblast() -> dict[str, int]:
    """Current towns and ayil aimaks per oblast (and republican city) code: one GROUP BY."""
    rows = (
        Region.objects.current()
        .filter(level__in=RegionLevel.local())
        .values("oblast__code")
        .annotate(total=Count("id"))
        .order_by()
    )
    return {row["oblast__code"]: row["total"] for row in rows if row["oblast__code"]}


def region_for_detail(code: str) -> QuerySet[Region]:
    """One unit with its ancestors (up to the root) and successor in the same query."""
    return Region.objects.filter(code=code).select_related("parent__parent__parent", "successor")


def region_children(region: Region) -> QuerySet[Region]:
    return region.children.order_by_name()
