"""Writes to the region tree: loading a SOATE classifier edition from the reference data."""

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from regions.enums import RegionLevel
from regions.models import Region

REGIONS_FILE = "kg_regions.csv"
VILLAGES_FILE = "kg_villages.csv"
DEFAULT_EDITION = "SOATE-2021"
# The fields the loader owns; validity and successor are an operator's (or a later
# edition's) business and are never touched here.
LOADED_FIELDS = ["level", "name_en", "name_ru", "name_ky", "edition", "parent", "oblast"]
# Deeper than oblast -> district -> ayil aimak -> village means a cycle in the file.
MAX_DEPTH = 6


class RegionDataMissing(Exception):
    """The reference data folder or its main file is absent."""


class RegionDataError(Exception):
    """The reference data is present but inconsistent (unknown level or parent)."""


def region_data_missing_message(data_dir: Path) -> str:
    return (
        f"The region reference data was not found: {Path(data_dir) / REGIONS_FILE} is missing. "
        "Get the reference data folder shared/data/kyrgyzstan (it sits beside the project's "
        "root, as ../shared/data/kyrgyzstan) and point REGIONS_DATA_DIR at it, or pass "
        "--data-dir <folder holding kg_regions.csv>."
    )


@dataclass
class RegionLoadReport:
    edition: str
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    # Units of this edition in the database that the files no longer list: left alone.
    missing: list = field(default_factory=list)
    skipped_files: list = field(default_factory=list)

    @property
    def levels(self) -> list[str]:
        seen = set(self.created) | set(self.updated) | set(self.unchanged)
        return [level for level in RegionLevel.values if level in seen]


@dataclass(frozen=True)
class _Row:
    code: str
    level: str
    name_en: str
    name_ru: str
    name_ky: str
    parent_code: str
    line: str


def _read_rows(path: Path, *, level: str | None = None) -> list[_Row]:
    rows = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for number, record in enumerate(csv.DictReader(handle), start=2):
            line = f"{path.name}:{number}"
            row_level = level or (record.get("level") or "").strip()
            if row_level not in RegionLevel.values:
                raise RegionDataError(f"{line}: unknown level {row_level!r}.")
            code = (record.get("code") or "").strip()
            if len(code) != 14 or not code.isdigit():
                raise RegionDataError(f"{line}: {code!r} is not a 14-digit SOATE code.")
            rows.append(
                _Row(
                    code=code,
                    level=row_level,
                    name_en=(record.get("name_en") or "").strip(),
                    name_ru=(record.get("name_ru") or "").strip(),
                    name_ky=(record.get("name_ky") or "").strip(),
                    parent_code=(record.get("parent_code") or "").strip(),
                    line=line,
                )
            )
    return rows


def region_rows_read(data_dir: Path) -> tuple[list[_Row], list[str]]:
    """The units in the data folder, and the optional files that were absent."""
    data_dir = Path(data_dir)
    if not (data_dir / REGIONS_FILE).is_file():
        raise RegionDataMissing(region_data_missing_message(data_dir))
    rows = _read_rows(data_dir / REGIONS_FILE)
    skipped = []
    if (data_dir / VILLAGES_FILE).is_file():
        rows += _read_rows(data_dir / VILLAGES_FILE, level=RegionLevel.VILLAGE)
    else:
        skipped.append(VILLAGES_FILE)
    return rows, skipped


def regions_load(*, data_dir: Path, edition: str = DEFAULT_EDITION) -> RegionLoadReport:
    """Create or update the units listed in the data folder, keyed on the SOATE code.

    Idempotent and never deleting: a unit in the database that the files no longer
    list is reported and left alone. New units are bulk-created level by level (a
    parent before its children), changed ones bulk-updated, all in one transaction.
    """
    rows, skipped = region_rows_read(data_dir)
    report = RegionLoadReport(edition=edition, skipped_files=skipped)
    by_code = {row.code: row for row in rows}
    if len(by_code) != len(rows):
        duplicates = [code for code, n in Counter(row.code for row in rows).items() if n > 1]
        raise RegionDataError(f"Codes listed twice: {', '.join(sorted(duplicates)[:10])}.")

    with transaction.atomic():
        existing = {region.code: region for region in Region.objects.all()}
        ids = {code: region.pk for code, region in existing.items()}
        codes_by_id = {pk: code for code, pk in ids.items()}
        depths = _depths(by_code, existing)
        roots = _roots(by_code, existing, codes_by_id)

        changed_fields: set[str] = set()
        to_update = []
        for depth in sorted(set(depths.values())):
            to_create = []
            for row in (row for row in rows if depths[row.code] == depth):
                values = {
                    "level": row.level,
                    "name_en": row.name_en,
                    "name_ru": row.name_ru,
                    "name_ky": row.name_ky,
                    "edition": edition,
                    "parent_id": ids[row.parent_code] if row.parent_code else None,
                    # A root's oblast is itself: known only once it has a primary key.
                    "oblast_id": ids.get(roots[row.code]),
                }
                region = existing.get(row.code)
                if region is None:
                    to_create.append(Region(code=row.code, **values))
                    report.created[row.level] += 1
                    continue
                changed = [name for name, value in values.items() if getattr(region, name) != value]
                if changed:
                    for name in changed:
                        setattr(region, name, values[name])
                    changed_fields.update(name.removesuffix("_id") for name in changed)
                    to_update.append(region)
                    report.updated[row.level] += 1
                else:
                    report.unchanged[row.level] += 1
            _create(to_create, ids)

        if to_update:
            Region.objects.bulk_update(to_update, sorted(changed_fields), batch_size=500)

        loaded_levels = {row.level for row in rows}
        report.missing = list(
            Region.objects.filter(edition=edition, level__in=loaded_levels)
            .exclude(code__in=by_code)
            .order_by("code")
        )
    return report


def _create(regions: list[Region], ids: dict[str, int]) -> None:
    if not regions:
        return
    Region.objects.bulk_create(regions, batch_size=500)
    if any(region.pk is None for region in regions):
        # A backend that cannot return primary keys from a bulk insert.
        created = dict(
            Region.objects.filter(code__in=[r.code for r in regions]).values_list("code", "pk")
        )
        for region in regions:
            region.pk = created[region.code]
    ids.update((region.code, region.pk) for region in regions)
    new_roots = [region for region in regions if region.parent_id is None]
    for region in new_roots:
        region.oblast_id = region.pk
    Region.objects.bulk_update(new_roots, ["oblast"])


def _depths(by_code: dict[str, _Row], existing: dict[str, Region]) -> dict[str, int]:
    """Each listed unit's distance from a root, counting units not in the files as roots."""
    depths: dict[str, int] = {}
    for code, row in by_code.items():
        chain = []
        current = row
        while current is not None and current.code not in depths:
            chain.append(current)
            if len(chain) > MAX_DEPTH:
                raise RegionDataError(f"{row.line}: the parent chain of {code} loops.")
            parent_code = current.parent_code
            if parent_code and parent_code not in by_code and parent_code not in existing:
                raise RegionDataError(
                    f"{current.line}: parent {parent_code} is neither in the files nor loaded."
                )
            current = by_code.get(parent_code) if parent_code else None
        base = depths[current.code] + 1 if current is not None else 0
        for offset, item in enumerate(reversed(chain)):
            depths[item.code] = base + offset
    return depths


def _roots(
    by_code: dict[str, _Row], existing: dict[str, Region], codes_by_id: dict[int, str]
) -> dict[str, str]:
    """Each listed unit's root (oblast or republican city) code, walked up the parent chain."""
    roots: dict[str, str] = {}

    def root_of(code: str) -> str:
        if code in roots:
            return roots[code]
        row = by_code.get(code)
        if row is None:
            # A parent loaded earlier but absent from the files: trust its stored oblast.
            region = existing[code]
            root = codes_by_id.get(region.oblast_id, code)
        elif not row.parent_code:
            root = code
        else:
            root = root_of(row.parent_code)
        roots[code] = root
        return root

    for code in by_code:
        root_of(code)
    return roots
