"""The staff's list of applications: its queryset, its filters and its sort.

The list page and both exports read through ``staff_applications`` and
``ApplicationFilter``, so an export always holds exactly the rows the list shows
(all pages of them, in the same order).

Where an application "is" for the oblast and district filters: where the project
takes place (its locations), not where the organisation is registered. An
organisation from Bishkek running a project in Batken counts for Batken, which is
what the programme reports by oblast. The district filter matches a location that
is the district itself or lies under it (a town or ayil aimak of the district). Both
are ``EXISTS`` subqueries, so an application with several locations in the same
area is listed once.
"""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grants.enums import ApplicationState
from grants.models import Application, ApplicationLocation, Call, Theme
from grants.rules import is_programme_staff
from grants.selectors import applications_for_user
from regions.models import Region

PAGE_SIZE = 25

# The states a staff list offers. Drafts are the applicant's business; withdrawn ones
# are listed only when asked for by name.
LISTED_STATES = [*ApplicationState.submitted_states(), ApplicationState.WITHDRAWN]

# ?sort= value -> the ORDER BY it stands for; anything else falls back to the default.
SORTS = {
    "reference": ("reference",),
    "title": ("title",),
    "organisation": ("organisation__name",),
    "requested_amount": ("requested_amount",),
    "submitted_at": ("submitted_at",),
    "state": ("state",),
}
SORT_LABELS = {
    "reference": _("Reference"),
    "title": _("Title"),
    "organisation": _("Organisation"),
    "requested_amount": _("Requested amount"),
    "submitted_at": pgettext_lazy("application", "Submitted"),
    "state": _("State"),
}
DEFAULT_SORT = "-submitted_at"


def sort_choices() -> list[tuple[str, str]]:
    choices = []
    for key, label in SORT_LABELS.items():
        choices.append((key, label))
        choices.append((f"-{key}", _("%(column)s (descending)") % {"column": label}))
    return choices


def staff_applications(user) -> QuerySet[Application]:
    """Every application that has been submitted, for programme staff; nothing for others.

    Joins what a row of the list or the export shows: call and programme (currency),
    organisation, theme in one query; the locations with their district and oblast in
    one more.
    """
    if not is_programme_staff(user):
        return Application.objects.none()
    return (
        applications_for_user(user)
        .prefetch_related(None)  # the organisation's members are not shown here
        .select_related(None)
        .select_related("call__programme", "organisation", "theme")
        .prefetch_related(
            Prefetch(
                "locations",
                queryset=ApplicationLocation.objects.select_related(
                    "region__parent", "region__oblast"
                ).order_by("region__code"),
            )
        )
        .exclude(state=ApplicationState.DRAFT)
    )


def application_oblasts(application) -> list[str]:
    """The oblasts (or republican cities) the project's locations lie in, each once."""
    names = []
    for location in application.locations.all():
        oblast = location.region.oblast or location.region
        if oblast.name not in names:
            names.append(oblast.name)
    return names


def application_places(application) -> list[str]:
    """Each location with the district it lies in: "Kyzyl-Tuu ayil aimak, Suzak District"."""
    places = []
    for location in application.locations.all():
        region = location.region
        parent = region.parent
        if parent is not None and parent.pk != region.oblast_id:
            places.append(f"{region.name}, {parent.name}")
        else:
            places.append(region.name)
    return places


class ApplicationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        help_text=_("Reference, title or organisation name."),
    )
    call = django_filters.ModelChoiceFilter(
        label=_("Call"), queryset=Call.objects.order_by("-opens_at", "pk"), empty_label=_("All")
    )
    state = django_filters.MultipleChoiceFilter(
        label=_("State"),
        choices=[(state, ApplicationState(state).label) for state in LISTED_STATES],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Withdrawn applications are listed only when chosen here."),
    )
    oblast = django_filters.ModelChoiceFilter(
        label=_("Oblast"),
        queryset=Region.objects.current().roots(),
        method="filter_oblast",
        empty_label=_("All"),
        help_text=_("Where the project takes place."),
    )
    district = django_filters.ModelChoiceFilter(
        label=_("District"),
        queryset=Region.objects.current().filter(parent__isnull=False, parent__parent__isnull=True),
        method="filter_district",
        empty_label=_("All"),
        help_text=_("Where the project takes place."),
    )
    theme = django_filters.ModelChoiceFilter(
        label=_("Theme"), queryset=Theme.objects.all(), empty_label=_("All")
    )
    organisation = django_filters.CharFilter(
        label=_("Organisation"), field_name="organisation__name", lookup_expr="icontains"
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=sort_choices,
        method="filter_sort",
        empty_label=_("Newest submitted first"),
    )

    class Meta:
        model = Application
        fields = ["q", "call", "state", "oblast", "district", "theme", "organisation", "sort"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.form.fields
        fields["sort"].required = False
        fields["oblast"].queryset = fields["oblast"].queryset.order_by_name()
        # Once an oblast is chosen, its districts are the only ones worth offering.
        oblast = self.data.get("oblast") if self.data else None
        districts = fields["district"].queryset
        if oblast and str(oblast).isdigit():
            districts = districts.filter(parent_id=oblast)
        fields["district"].queryset = districts.order_by_name()

    # A filter method receives (queryset, name, value) from django-filter.
    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value)
            | Q(title__icontains=value)
            | Q(organisation__name__icontains=value)
        )

    def filter_oblast(self, queryset, name, value):
        located = ApplicationLocation.objects.filter(
            application=OuterRef("pk"), region__oblast=value
        )
        return queryset.filter(Exists(located))

    def filter_district(self, queryset, name, value):
        located = ApplicationLocation.objects.filter(application=OuterRef("pk")).filter(
            Q(region=value) | Q(region__parent=value) | Q(region__parent__parent=value)
        )
        return queryset.filter(Exists(located))

    def filter_sort(self, queryset, name, value):
        return queryset  # applied last, in filter_queryset, so that it always applies

    @property
    def sort_in_force(self) -> str:
        """The sort asked for when it is one of ``SORTS``, otherwise the default."""
        self.form.is_valid()  # fills cleaned_data with the fields that are valid
        return self.form.cleaned_data.get("sort") or DEFAULT_SORT

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("state"):
            queryset = queryset.exclude(state=ApplicationState.WITHDRAWN)
        sort = self.sort_in_force
        descending = sort.startswith("-")
        fields = SORTS[sort.lstrip("-")]
        ordering = [f"-{field}" if descending else field for field in fields]
        # The primary key breaks ties so that pages never repeat or skip a row.
        return queryset.order_by(*ordering, "-pk" if descending else "pk")
