"""Forms of the project pages: the staff list's filters, the call's funding terms
(with a formset of tranche rules), a tranche payment, a change of state and the
indicator editor. They parse and check what is typed; ``projects.services`` saves
and re-checks everything that matters."""

from decimal import Decimal

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grants.models import Call
from projects.enums import PROJECT_TRANSITIONS, ProjectState, TrancheCondition
from projects.models import FundingTerms, Indicator, Project, Tranche, TrancheRule
from projects.selectors import projects_in_oblast
from projects.services import STANDARD_EDITABLE_FIELDS, funding_terms_problems
from regions.models import Region

PAGE_SIZE = 25


def _model_field(model, name, **kwargs):
    return model._meta.get_field(name).formfield(**kwargs)


class ProjectFilter(django_filters.FilterSet):
    """Staff's filters of the project list. The oblast is where the project takes
    place (any of its locations), as in the applications list."""

    call = django_filters.ModelChoiceFilter(
        label=_("Call"),
        field_name="application__call",
        queryset=Call.objects.order_by("-opens_at", "pk"),
        empty_label=_("All"),
    )
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=ProjectState.choices, empty_label=_("All")
    )
    oblast = django_filters.ModelChoiceFilter(
        label=_("Oblast"),
        queryset=Region.objects.current().roots(),
        method="filter_oblast",
        empty_label=_("All"),
        help_text=_("Where the project takes place."),
    )

    class Meta:
        model = Project
        fields = ["call", "state", "oblast"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        oblast = self.form.fields["oblast"]
        oblast.queryset = oblast.queryset.order_by_name()

    def filter_oblast(self, queryset, name, value):
        return projects_in_oblast(queryset, value)


# --- funding terms --------------------------------------------------------------------


class FundingTermsForm(forms.ModelForm):
    class Meta:
        model = FundingTerms
        fields = ["report_every_months", "grace_days"]


class TrancheRuleForm(forms.Form):
    percent = _model_field(TrancheRule, "percent")
    # A blank first choice, so that the spare rows of the page stay empty (and skipped).
    condition = forms.ChoiceField(
        label=_("Released"), choices=[("", "---------"), *TrancheCondition.choices]
    )
    report_number = _model_field(TrancheRule, "report_number", min_value=1)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("condition") == TrancheCondition.INTERIM_REPORT:
            if not cleaned.get("report_number"):
                self.add_error(
                    "report_number", _("Say which interim report releases this tranche.")
                )
        elif cleaned.get("condition"):
            cleaned["report_number"] = None
        return cleaned


RULE_FIELDS = ("percent", "condition", "report_number")


class BaseTrancheRuleFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this tranche")

    def rows(self) -> list[dict]:
        """The kept rules' values, in order (removed and empty rows left out)."""
        return [
            {
                name: form.cleaned_data.get(name)
                for name in ("percent", "condition", "report_number")
            }
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]

    def clean(self):
        if any(self.errors):
            return
        problems = funding_terms_problems(self.rows())
        if problems:
            raise forms.ValidationError(problems)


TrancheRuleFormSet = forms.formset_factory(
    TrancheRuleForm,
    formset=BaseTrancheRuleFormSet,
    extra=2,
    can_delete=True,
    max_num=12,
    validate_max=True,
)


def tranche_rules_initial(terms) -> list[dict]:
    return [
        {
            "percent": rule.percent,
            "condition": rule.condition,
            "report_number": rule.report_number,
        }
        for rule in terms.rules_list
    ]


# --- tranches and states --------------------------------------------------------------


class TranchePaymentForm(forms.Form):
    paid_on = forms.DateField(
        label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    amount = _model_field(Tranche, "paid_amount", required=True, min_value=Decimal("0.01"))
    reference = _model_field(
        Tranche,
        "payment_reference",
        required=True,
        help_text=_("The bank's transfer number, to find the payment again."),
    )

    def __init__(self, *args, tranche: Tranche, **kwargs):
        kwargs.setdefault("initial", {"paid_on": timezone.localdate(), "amount": tranche.amount})
        super().__init__(*args, **kwargs)


class ProjectStateForm(forms.Form):
    to_state = forms.ChoiceField(label=_("New state"))
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to suspend, complete or terminate; kept on the timeline."),
    )
    # The state the page showed: if someone else changed it meanwhile, the save is refused.
    expected_state = forms.ChoiceField(choices=ProjectState.choices, widget=forms.HiddenInput)

    def __init__(self, *args, project: Project, **kwargs):
        kwargs.setdefault("initial", {"expected_state": project.state})
        super().__init__(*args, **kwargs)
        # The page offers the moves allowed now; a posted form accepts any state, so
        # that a page gone stale gets the service's "someone else changed this".
        allowed = PROJECT_TRANSITIONS.get(project.state, [])
        labels = dict(ProjectState.choices)
        self.fields["to_state"].choices = (
            ProjectState.choices if self.is_bound else [(state, labels[state]) for state in allowed]
        )


# --- indicators ---------------------------------------------------------------------------


class LocationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.region.name


class IndicatorForm(forms.ModelForm):
    """A project-specific indicator; ``STANDARD_FIELDS`` only for a standard one."""

    STANDARD_FIELDS = STANDARD_EDITABLE_FIELDS

    location = LocationChoiceField(
        label=_("Location"),
        queryset=None,
        required=False,
        empty_label=_("The whole project"),
        help_text=_("Optional: an indicator measured in one of the project's places."),
    )

    class Meta:
        model = Indicator
        fields = [
            "name",
            "unit",
            "baseline",
            "target",
            "disaggregated",
            "target_women",
            "target_men",
            "target_girls",
            "target_boys",
            "location",
        ]

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = project.locations.select_related("region").order_by(
            "region__code"
        )
        self.fields["baseline"].required = False  # empty means 0
        if self.instance.pk and self.instance.standard:
            for name in list(self.fields):
                if name not in self.STANDARD_FIELDS:
                    del self.fields[name]
            if not self.instance.disaggregated:
                for name in ("target_women", "target_men", "target_girls", "target_boys"):
                    del self.fields[name]

    def _post_clean(self):
        # The service checks and saves; the form only parses (no model validation
        # here, so that the service's messages are the ones shown).
        pass

    @property
    def values(self) -> dict:
        return dict(self.cleaned_data)
