"""The dashboards' filters, read from the query string (GET): programme, call, year of
the call's opening and oblast, plus which measure shades the map."""

from django import forms
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from grants.enums import CallState
from grants.models import Call, Programme
from regions.models import Region

MAP_PROJECTS = "projects"
MAP_MONEY = "money"
MAP_CHOICES = [
    (MAP_PROJECTS, _("Number of projects")),
    (MAP_MONEY, _("Amount awarded")),
]


class DashboardFilterForm(forms.Form):
    """Every field is optional: an empty form is the whole portfolio. Four queries to
    render (the choices of programme, call, year and oblast)."""

    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.order_by("-starts_on", "pk"),
        required=False,
        empty_label=_("All"),
    )
    call = forms.ModelChoiceField(
        label=_("Call"),
        queryset=Call.objects.exclude(state=CallState.DRAFT).order_by("-opens_at", "pk"),
        required=False,
        empty_label=_("All"),
    )
    year = forms.TypedChoiceField(
        label=_("Year"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("The year in which the call opened."),
    )
    oblast = forms.ModelChoiceField(
        label=_("Oblast"),
        queryset=Region.objects.current().roots(),
        required=False,
        empty_label=_("All"),
        help_text=_("Where the projects take place."),
    )
    map = forms.ChoiceField(
        label=_("Shade the map by"),
        choices=MAP_CHOICES,
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["oblast"].queryset = self.fields["oblast"].queryset.order_by_name()
        # Once here: a callable would run its query at every validation and rendering.
        self.fields["year"].choices = year_choices()

    def clean(self):
        cleaned = super().clean()
        programme, call = cleaned.get("programme"), cleaned.get("call")
        if programme and call and call.programme_id != programme.pk:
            self.add_error("call", _("This call belongs to another programme."))
        return cleaned

    def filters(self) -> dict:
        """Keyword arguments of ``programme_figures`` from the valid fields (all of them
        are left out when the form is not valid)."""
        if not self.is_valid():
            return {}
        return {
            name: self.cleaned_data.get(name)
            for name in ("programme", "call", "year", "oblast")
            if self.cleaned_data.get(name)
        }

    def is_filtered(self) -> bool:
        """Whether any filter was typed (the map's measure is not a filter)."""
        return any(self.data.get(name) for name in ("programme", "call", "year", "oblast"))

    def map_measure(self) -> str:
        if self.is_valid() and self.cleaned_data.get("map") == MAP_MONEY:
            return MAP_MONEY
        return MAP_PROJECTS


def year_choices() -> list:
    """The years in which calls opened (Bishkek time), newest first, after "All"."""
    years = (
        Call.objects.exclude(state=CallState.DRAFT)
        .annotate(year=ExtractYear("opens_at"))
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )
    return [("", _("All")), *((year, str(year)) for year in years)]
