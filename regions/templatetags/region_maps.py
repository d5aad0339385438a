from itertools import count

from django import template
from django.db.models import Q
from django.utils import translation

from regions.maps import legend, oblast_map_shapes, shade_class
from regions.models import Region

register = template.Library()
_map_numbers = count(1)


@register.inclusion_tag("regions/oblast_map.html")
def oblast_map(values, caption):
    """An oblast choropleth of ``values`` ({oblast SOATE code: number}) with a table
    beside it. ``caption`` names the measure ("Organisations"). Without the shapes file
    only the table is shown, with a note."""
    values = {str(code): number for code, number in (values or {}).items() if code}
    language = (translation.get_language() or "en")[:2]
    shapes = oblast_map_shapes()
    codes = [shape.code for shape in shapes.shapes] if shapes else []
    # One query for the names (and, without the shapes file, for the rows themselves).
    units = Region.objects.only("code", "name_en", "name_ru", "name_ky")
    if shapes:
        units = units.filter(code__in=codes)
    else:
        units = units.filter(Q(parent__isnull=True) | Q(code__in=values))
    names = {unit.code: unit.name for unit in units}
    if shapes:
        for shape in shapes.shapes:
            names.setdefault(shape.code, shape.name_in(language))
    else:
        codes = sorted(set(names) | set(values))
    maximum = max((number for number in values.values() if number), default=0)
    rows = sorted(
        (
            {
                "code": code,
                "name": names.get(code, code),
                "value": values.get(code) or 0,
                "css_class": shade_class(values.get(code), maximum),
            }
            for code in codes
        ),
        key=lambda row: (row["name"].casefold(), row["code"]),
    )
    by_code = {row["code"]: row for row in rows}
    return {
        "caption": caption,
        "map": shapes,
        "paths": [{"shape": shape, **by_code[shape.code]} for shape in shapes.shapes]
        if shapes
        else [],
        "rows": rows,
        "legend": legend(maximum),
        "map_id": f"oblast-map-{next(_map_numbers)}",
    }
