"""The region picker for forms.

Use ``RegionField`` like any ``ModelChoiceField``::

    region = RegionField(help_text=...)                  # any current unit above the villages
    region = RegionField(within=call.eligible_regions)   # those units and everything under them
    form.fields["region"].within = [batken, suzak]       # or set it in the form's __init__

The widget shows up to three selects (root, district or city, town or ayil aimak) and
submits the deepest unit chosen. With htmx each choice refills the next select. Without
JavaScript a "Show the places in this area" button posts the form; the field then fails
validation with the code ``"refine"`` and a message asking to choose in the lists below,
so a view written the usual way (``if form.is_valid(): save``) never saves on that
button and simply re-renders the form with the lower lists filled. A view that wants to
skip its "please correct the errors" message calls ``picker_refine_requested(form)``.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from regions.models import Region
from regions.selectors import picker_listed, picker_units, within_filter
from regions.widgets import RegionPickerWidget


class RegionField(forms.ModelChoiceField):
    """Choose one unit of the region tree, at any level above the villages.

    ``queryset`` limits the units that validate (default: every current unit above the
    villages); ``within`` (units or primary keys) limits them further to those units and
    everything under them. The lists always include the ancestors of allowed units so a
    user can walk down to them; the htmx-loaded lists honour ``within`` but not a custom
    ``queryset`` (which validation still enforces): prefer ``within``.
    """

    widget = RegionPickerWidget
    default_error_messages = {
        "invalid_choice": _("That place cannot be chosen here."),
        "outside": _("%(place)s is outside the eligible areas: choose a place within %(areas)s."),
        "refine": _(
            "Choose a place in the lists below, or save again to keep the area already chosen."
        ),
    }

    def __init__(self, *, queryset=None, within=None, **kwargs):
        kwargs.setdefault("label", _("Region"))
        self._base_queryset = queryset if queryset is not None else picker_units()
        self._within_ids: tuple[int, ...] = ()
        super().__init__(queryset=self._base_queryset, **kwargs)
        if within is not None:
            self.within = within

    def _get_queryset(self):
        return self._queryset

    def _set_queryset(self, queryset):
        super()._set_queryset(queryset)
        if queryset is not None:
            self.widget.listed = picker_listed(self._queryset)
        self.widget.within_ids = self._within_ids

    queryset = property(_get_queryset, _set_queryset)

    @property
    def within(self) -> tuple[int, ...]:
        return self._within_ids

    @within.setter
    def within(self, units):
        self._within_ids = tuple(getattr(unit, "pk", unit) for unit in units)
        self.queryset = self._base_queryset.filter(within_filter(self._within_ids))

    def clean(self, value):
        if getattr(value, "refine", False):
            raise ValidationError(self.error_messages["refine"], code="refine")
        return super().clean(value)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as error:
            if error.code != "invalid_choice" or not self._within_ids:
                raise
            raise self._outside_error(value) from error

    def _outside_error(self, value) -> ValidationError:
        # Only a plain number that can be a key is looked up: "abc", "²" or 10**20
        # would break the query.
        text = str(value)
        chosen = int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None
        names = {
            unit.pk: unit.name
            for unit in Region.objects.filter(pk__in=[*self._within_ids, chosen or 0]).only(
                "name_en", "name_ru", "name_ky"
            )
        }
        areas = ", ".join(names[pk] for pk in self._within_ids if pk in names)
        place = names.get(chosen) if chosen is not None else None
        return ValidationError(
            self.error_messages["outside"],
            code="outside",
            params={"place": place or _("This place"), "areas": areas},
        )


def picker_refine_requested(form) -> bool:
    """True when a region picker's no-JavaScript "Show the places in this area" button
    sent the form: the form is then invalid on purpose and is only to be re-rendered."""
    if not form.is_bound:
        return False
    return any(
        isinstance(field, RegionField)
        and RegionPickerWidget.refine_name(form.add_prefix(name)) in form.data
        for name, field in form.fields.items()
    )
