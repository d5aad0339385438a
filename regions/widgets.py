from urllib.parse import urlencode

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from regions.models import Region
from regions.selectors import picker_options, picker_units

LEVELS = 3
LEVEL_LABELS = {
    1: _("Oblast or city of republican significance"),
    2: _("District or city"),
    3: _("Town or ayil aimak"),
}


class PickerValue(str):
    """The submitted unit's primary key (or ""), remembering whether the no-JavaScript
    "Show the places in this area" button sent the form."""

    refine = False


def _as_pk(value) -> int | None:
    value = getattr(value, "pk", value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():  # not "²" or "١"
        return int(value)
    return None


class RegionPickerWidget(forms.Widget):
    """Up to three selects, one per level of the tree; the value is the deepest chosen unit.

    The first select lists the roots; each lower one the children of the unit chosen
    above it. With htmx a change refills the next select from ``region_options``; without
    JavaScript a submit button (``<name>_refine``) posts the form so that the view
    re-renders it with the lower lists filled (see ``regions.forms.RegionField``).
    """

    template_name = "regions/widgets/region_picker.html"
    use_fieldset = True

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = ()  # Set by ModelChoiceField; unused: the lists are built per level.
        self.listed = picker_units()
        self.within_ids: tuple[int, ...] = ()

    @staticmethod
    def level_name(name: str, level: int) -> str:
        return f"{name}_{level}"

    @staticmethod
    def refine_name(name: str) -> str:
        return f"{name}_refine"

    def id_for_label(self, id_):
        return f"{id_}_1" if id_ else id_

    def value_omitted_from_data(self, data, files, name):
        return name not in data and all(
            self.level_name(name, level) not in data for level in range(1, LEVELS + 1)
        )

    def value_from_datadict(self, data, files, name):
        levels = [self.level_name(name, level) for level in range(1, LEVELS + 1)]
        if name in data and not any(level in data for level in levels):
            # A client posting the unit directly (``<name>=<pk>``), as a plain select would.
            value = PickerValue(data.get(name) or "")
        else:
            chosen = [_as_pk(data.get(level)) for level in levels]
            value = PickerValue(self._deepest_consistent(chosen) or "")
        value.refine = self.refine_name(name) in data
        return value

    def _deepest_consistent(self, chosen: list[int | None]) -> int | None:
        """The deepest chosen unit whose parent is the unit chosen above it. Without
        JavaScript, a lower select still shows the lists of an earlier higher choice."""
        if chosen[0] is None:
            return None
        deepest = chosen[0]
        lower = [pk for pk in chosen[1:] if pk is not None]
        if not lower:
            return deepest
        parents = dict(
            Region.objects.filter(pk__in=lower).values_list("pk", "parent_id").order_by()
        )
        for pk in chosen[1:]:
            if pk is None or parents.get(pk) != deepest:
                break
            deepest = pk
        return deepest

    def _chain(self, pk: int | None) -> list[int]:
        """The primary keys from the root down to ``pk`` (at most three levels)."""
        if pk is None:
            return []
        row = (
            Region.objects.filter(pk=pk)
            .values_list("parent__parent__parent", "parent__parent", "parent", "pk")
            .first()
        )
        return [item for item in row or () if item is not None][:LEVELS]

    def options_url(self, name: str, level: int) -> str:
        params = {"parent_param": self.level_name(name, level)}
        if self.within_ids:
            params["within"] = ",".join(str(pk) for pk in self.within_ids)
        return f"{reverse('region_options')}?{urlencode(params)}"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        attrs = context["widget"]["attrs"]
        base_id = attrs.get("id") or f"id_{name}"
        chain = self._chain(_as_pk(value))
        levels = []
        parent = None
        clear_lowest = {
            # Choosing another root empties the lowest list (the middle one is refilled).
            "hx-get": reverse("region_options"),
            "hx-trigger": f"change from:#{base_id}_1",
            "hx-params": "none",
        }
        for level in range(1, LEVELS + 1):
            options = []
            if level == 1 or parent is not None:
                options = list(picker_options(self.listed, parent_id=parent and parent.pk))
            selected = chain[level - 1] if len(chain) >= level else None
            levels.append(
                {
                    "level": level,
                    "name": self.level_name(name, level),
                    "id": f"{base_id}_{level}",
                    "label": LEVEL_LABELS[level],
                    "options": options,
                    "parent": parent,
                    "selected": selected,
                    "htmx": {
                        "hx-get": self.options_url(name, level),
                        "hx-trigger": "change",
                        "hx-target": f"#{base_id}_{level + 1}",
                    }
                    if level < LEVELS
                    else clear_lowest,
                }
            )
            parent = next((unit for unit in options if unit.pk == selected), None)
        context["widget"].update(
            {
                "levels": levels,
                "refine_name": self.refine_name(name),
                "invalid": "is-invalid" in attrs.get("class", "")
                or attrs.get("aria-invalid") == "true",
                "disabled": bool(attrs.get("disabled")),
                "describedby": attrs.get("aria-describedby", ""),
            }
        )
        return context
