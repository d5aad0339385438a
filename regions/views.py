from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from regions.models import Region
from regions.selectors import (
    local_units_per_oblast,
    picker_options_within,
    picker_units,
    region_children,
    region_for_detail,
)

CHILDREN_PER_PAGE = 50


def _pk_or_none(value) -> int | None:
    return int(value) if value and value.isdigit() else None


@require_GET
def region_options(request):
    """The ``<option>`` list of a unit's children for the region picker (htmx).

    ``?parent=<pk>``; a picker's select sends its own value under its own name, so it
    names that parameter instead: ``?parent_param=region_1&region_1=<pk>``. ``within``
    (comma-separated primary keys) limits the list as ``RegionField(within=...)`` does.
    No parent, or one that is unknown, gives only the placeholder option (a 200, so that
    htmx still swaps and empties the select).
    """
    parent_id = _pk_or_none(request.GET.get(request.GET.get("parent_param") or "parent"))
    within_ids = [int(pk) for pk in request.GET.get("within", "").split(",") if pk.isdigit()]
    parent = None
    options = []
    if parent_id:
        parent = picker_units().filter(pk=parent_id).only("name_en", "name_ru", "name_ky").first()
    if parent is not None:
        options = list(picker_options_within(parent_id=parent.pk, within_ids=within_ids))
    return render(
        request,
        "regions/widgets/region_options.html",
        {"parent": parent, "options": options, "first": False},
    )


@require_GET
def regions_index(request):
    roots = Region.objects.roots().current().order_by_name()
    return render(
        request,
        "regions/index.html",
        {"roots": roots, "units_per_oblast": local_units_per_oblast()},
    )


@require_GET
def region_detail(request, code):
    region = get_object_or_404(region_for_detail(code))
    ancestors = []
    parent = region.parent
    while parent is not None:
        ancestors.insert(0, parent)
        parent = parent.parent
    page = Paginator(region_children(region), CHILDREN_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "regions/detail.html",
        {"region": region, "ancestors": ancestors, "page": page},
    )
