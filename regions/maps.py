"""The oblast map: OCHA COD-AB shapes projected once per process into SVG paths.

The projection is equirectangular with x scaled by the cosine of the mean latitude,
which for a country of Kyrgyzstan's size keeps the shapes honest without a GIS library.
"""

import json
import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext

OBLASTS_FILE = "kg_oblasts.geojson"
MAP_WIDTH = 800
MAP_MARGIN = 4
BINS = 5


@dataclass(frozen=True)
class MapShape:
    code: str
    level: str
    names: dict  # language code -> name, from the file's properties
    path: str  # the SVG path data

    def name_in(self, language: str) -> str:
        return self.names.get(language) or self.names.get("ru") or self.code


@dataclass(frozen=True)
class OblastMap:
    width: int
    height: int
    shapes: tuple  # of MapShape: the oblasts first, then the cities drawn on top


def oblast_map_shapes() -> OblastMap | None:
    """The projected oblast shapes from REGIONS_DATA_DIR, or None when the file is absent."""
    path = Path(settings.REGIONS_DATA_DIR) / OBLASTS_FILE
    try:
        modified = path.stat().st_mtime_ns
    except OSError:
        return None
    return _project(str(path), modified)


@lru_cache(maxsize=4)
def _project(path: str, modified: int) -> OblastMap:
    # ``modified`` is part of the cache key only: a replaced file is read again.
    with open(path, encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    polygons_by_feature = [_polygons(feature["geometry"]) for feature in features]
    points = [
        point
        for polygons in polygons_by_feature
        for polygon in polygons
        for ring in polygon
        for point in ring
    ]
    west = min(lon for lon, _lat in points)
    east = max(lon for lon, _lat in points)
    south = min(lat for _lon, lat in points)
    north = max(lat for _lon, lat in points)
    x_scale = math.cos(math.radians((south + north) / 2))
    scale = (MAP_WIDTH - 2 * MAP_MARGIN) / ((east - west) * x_scale)
    height = round((north - south) * scale + 2 * MAP_MARGIN)

    def project(lon: float, lat: float) -> tuple[float, float]:
        x = (lon - west) * x_scale * scale + MAP_MARGIN
        y = (north - lat) * scale + MAP_MARGIN
        return round(x, 1), round(y, 1)

    shapes = []
    for feature, polygons in zip(features, polygons_by_feature, strict=True):
        properties = feature["properties"]
        shapes.append(
            MapShape(
                code=str(properties["code"]),
                level=properties.get("level", ""),
                names={
                    language: properties.get(f"name_{language}", "")
                    for language in ("en", "ru", "ky")
                },
                path=_path_data(polygons, project),
            )
        )
    # The republican cities lie inside oblasts: draw them last so they stay visible.
    shapes.sort(key=lambda shape: shape.level == "city")
    return OblastMap(width=MAP_WIDTH, height=height, shapes=tuple(shapes))


def _polygons(geometry: dict) -> list:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    return []


def _path_data(polygons: list, project) -> str:
    parts = []
    for polygon in polygons:
        for ring in polygon:
            points = []
            for lon, lat, *_rest in ring:
                point = project(lon, lat)
                if not points or points[-1] != point:
                    points.append(point)
            if len(points) < 3:
                continue
            head, *tail = (f"{x:g},{y:g}" for x, y in points)
            parts.append(f"M{head}L{' '.join(tail)}Z")
    return "".join(parts)


@dataclass(frozen=True)
class LegendEntry:
    css_class: str
    label: str


def shade_class(value, maximum) -> str:
    """The CSS class of a value: ``map-bin-0`` (grey) for none or zero, else 1..5 in equal
    intervals of (0, maximum], so the largest value always gets the darkest class."""
    if not value or value <= 0 or not maximum or maximum <= 0:
        return "map-bin-0"
    share = Fraction(value) / Fraction(maximum)
    return f"map-bin-{min(BINS, max(1, math.ceil(share * BINS)))}"


def legend(maximum) -> list[LegendEntry]:
    """The classes' value ranges; for whole numbers only the classes that can hold one."""
    entries = [LegendEntry("map-bin-0", gettext("0 or no data"))]
    if not maximum or maximum <= 0:
        return entries
    whole = isinstance(maximum, int)
    previous = 0
    for index in range(1, BINS + 1):
        upper = Fraction(maximum) * index / BINS
        if whole:
            upper = math.floor(upper)
            if upper <= previous:
                continue
            lower = previous + 1
            label = str(upper) if lower == upper else f"{lower}–{upper}"
        else:
            label = gettext("over %(lower)s, up to %(upper)s") % {
                "lower": floatformat(float(previous), -2),
                "upper": floatformat(float(upper), -2),
            }
        entries.append(LegendEntry(f"map-bin-{index}", label))
        previous = upper
    return entries
