"""Forms of the application sections. Plain forms: the services write the model.

Every section is a form (its fields), a formset (its rows), or both. Drafts may be
incomplete, so hardly anything is required here; completeness is checked at
submission (``grants.services.applications.application_problems``). A row, once
started, must be whole: a budget line needs its quantity and unit cost.
"""

from decimal import Decimal

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from grants.enums import BudgetCategory, PartnerKind
from grants.models import Application, Theme
from grants.services.applications import SECTION_FIELDS, SECTION_ROWS
from regions.forms import RegionField

ROWS_PREFIX = "rows"
MONTH = {"min_value": 1, "max_value": 36}
MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0")}


def _label(name: str) -> str:
    return str(Application._meta.get_field(name).verbose_name).capitalize()


class SectionForm(forms.Form):
    """A section's own fields; knows its application (for choices and limits)."""

    def __init__(self, *args, application: Application, **kwargs):
        self.application = application
        super().__init__(*args, **kwargs)


class SummaryForm(SectionForm):
    title = forms.CharField(label=_("Project title"), max_length=255, required=False)
    theme = forms.ModelChoiceField(
        label=_("Theme"), queryset=Theme.objects.none(), required=False, empty_label=_("Choose…")
    )
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What will the project do, with whom and where, in a few sentences."),
    )
    duration_months = forms.IntegerField(
        label=_("Duration (months)"),
        required=False,
        **MONTH,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = self.application.call.themes.all()


class ProblemForm(SectionForm):
    problem = forms.CharField(
        label=_("Problem"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The crime-prevention problem in your community and its causes."),
    )
    target_groups = forms.CharField(
        label=_("Target groups"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Who the project works with, for example young people aged 14-18."),
    )


class ObjectivesForm(SectionForm):
    objectives = forms.CharField(
        label=_("Objectives"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )


class BeneficiariesForm(SectionForm):
    beneficiaries_women = forms.IntegerField(label=_("Women"), min_value=0, initial=0)
    beneficiaries_men = forms.IntegerField(label=_("Men"), min_value=0, initial=0)
    beneficiaries_girls = forms.IntegerField(label=_("Girls"), min_value=0, initial=0)
    beneficiaries_boys = forms.IntegerField(label=_("Boys"), min_value=0, initial=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
            field.widget.attrs.update({"inputmode": "numeric", "data-beneficiaries": ""})

    def clean(self):
        cleaned = super().clean()
        for name in self.fields:
            if cleaned.get(name) is None and name not in self.errors:
                cleaned[name] = 0
        return cleaned


class CofinancingForm(SectionForm):
    cofinancing_local_budget = forms.DecimalField(
        label=_("Co-financing from the local budget"),
        required=False,
        **MONEY,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    cofinancing_other = forms.DecimalField(
        label=_("Co-financing from other sources"),
        required=False,
        **MONEY,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    cofinancing_sources = forms.CharField(
        label=_("Other sources"),
        max_length=300,
        required=False,
        help_text=_("Who else contributes, for example a business or a school."),
    )

    def clean(self):
        cleaned = super().clean()
        for name in ["cofinancing_local_budget", "cofinancing_other"]:
            if cleaned.get(name) is None and name not in self.errors:
                cleaned[name] = Decimal("0")
        return cleaned


class DeclarationForm(SectionForm):
    declaration_accepted = forms.BooleanField(
        label=_(
            "I declare that the information in this application is true, that our "
            "organisation is eligible for this call, and that we agree to report on the "
            "project's progress and spending as the programme requires."
        ),
        required=False,
    )


# --- rows -----------------------------------------------------------------------------


class RowForm(forms.Form):
    def __init__(self, *args, application: Application, **kwargs):
        self.application = application
        super().__init__(*args, **kwargs)


class ActivityForm(RowForm):
    activity = forms.CharField(label=_("Activity"), max_length=300)
    start_month = forms.IntegerField(
        label=_("From month"), **MONTH, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    end_month = forms.IntegerField(
        label=_("To month"), **MONTH, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_month"), cleaned.get("end_month")
        if start and end and end < start:
            self.add_error("end_month", _("The activity cannot end before it starts."))
        duration = self.application.duration_months
        if end and duration and end > duration:
            self.add_error(
                "end_month",
                _("The project lasts %(months)s months: choose a month up to %(months)s.")
                % {"months": duration},
            )
        return cleaned


class LocationForm(RowForm):
    region = RegionField(label=_("Place"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].within = self.application.call.eligible_regions.all()


class PartnerForm(RowForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=PartnerKind.choices)
    name = forms.CharField(label=_("Name"), max_length=255)
    role = forms.CharField(label=_("Role in the project"), max_length=500)


class BudgetLineForm(RowForm):
    category = forms.ChoiceField(label=_("Category"), choices=BudgetCategory.choices)
    description = forms.CharField(label=_("Description"), max_length=300)
    unit = forms.CharField(label=_("Unit"), max_length=50)
    quantity = forms.DecimalField(
        label=_("Quantity"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        widget=forms.NumberInput(
            attrs={"step": "0.01", "inputmode": "decimal", "data-budget": "quantity"}
        ),
    )
    unit_cost = forms.DecimalField(
        label=_("Unit cost"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        widget=forms.NumberInput(
            attrs={"step": "0.01", "inputmode": "decimal", "data-budget": "unit-cost"}
        ),
    )

    @property
    def line_total(self) -> Decimal | None:
        """The line's total from what is shown in the form (typed or saved)."""
        try:
            quantity = Decimal(str(self._value("quantity")))
            unit_cost = Decimal(str(self._value("unit_cost")))
        except (ArithmeticError, ValueError, TypeError):
            return None
        return (quantity * unit_cost).quantize(Decimal("0.01"))

    def _value(self, name):
        return self[name].value()


class BaseRowFormSet(forms.BaseFormSet):
    def __init__(self, *args, application: Application, **kwargs):
        self.application = application
        kwargs.setdefault("prefix", ROWS_PREFIX)
        kwargs["form_kwargs"] = {**kwargs.get("form_kwargs", {}), "application": application}
        super().__init__(*args, **kwargs)

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            application=self.application,
        )
        self.add_fields(form, None)
        return form

    def rows(self) -> list[dict]:
        """The kept rows' cleaned values, in order (deleted and empty rows left out)."""
        return [
            {name: value for name, value in form.cleaned_data.items() if name != "DELETE"}
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


def _formset(form):
    return forms.formset_factory(
        form, formset=BaseRowFormSet, extra=1, can_delete=True, max_num=100, validate_max=True
    )


ActivityFormSet = _formset(ActivityForm)
LocationFormSet = _formset(LocationForm)
PartnerFormSet = _formset(PartnerForm)
BudgetLineFormSet = _formset(BudgetLineForm)

ROWS_RELATED = {
    "workplan": "activities",
    "locations": "locations",
    "partners": "partners",
    "budget": "budget_lines",
}

# section -> (form class or None, formset class or None)
SECTION_FORMS = {
    "summary": (SummaryForm, None),
    "problem": (ProblemForm, None),
    "workplan": (ObjectivesForm, ActivityFormSet),
    "locations": (None, LocationFormSet),
    "partners": (None, PartnerFormSet),
    "beneficiaries": (BeneficiariesForm, None),
    "budget": (CofinancingForm, BudgetLineFormSet),
    "declaration": (DeclarationForm, None),
}


def section_initial(application: Application, section: str) -> tuple[dict, list[dict]]:
    """The saved values of a section: (fields, rows), as the forms take them."""
    fields = {name: getattr(application, name) for name in SECTION_FIELDS[section]}
    if "theme" in fields:
        fields["theme"] = application.theme_id
    rows = []
    if section in SECTION_ROWS:
        model, names = SECTION_ROWS[section]
        related = ROWS_RELATED[section]
        for row in getattr(application, related).all():
            values = {name: getattr(row, name) for name in names}
            if "region" in values:
                values["region"] = row.region_id
            rows.append(values)
    return fields, rows


def section_forms(application: Application, section: str, data=None):
    """(form, formset) for a section, bound to ``data`` or filled from the saved values."""
    form_class, formset_class = SECTION_FORMS[section]
    fields, rows = section_initial(application, section)
    form = formset = None
    if form_class is not None:
        form = form_class(data, application=application, initial=fields)
    if formset_class is not None:
        # Posted rows are judged on what was posted: compared with the saved rows, a new
        # row that autosave stored a moment ago looks "unchanged" and would be dropped.
        initial = (rows or None) if data is None else None
        formset = formset_class(data, application=application, initial=initial)
    return form, formset


# --- what changed under a conflict ---------------------------------------------------


def _display(value, field=None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, Decimal):
        return f"{value.quantize(Decimal('0.01')):,.2f}"
    choices = getattr(field, "choices", None)
    if choices is not None and not isinstance(field, forms.ModelChoiceField):
        return str(dict(choices).get(value, value))
    return str(value).strip()


def _row_display(row: dict, form) -> str:
    return " · ".join(_display(row.get(name), form.base_fields.get(name)) for name in row)


ROWS_LABELS = {
    "workplan": _("Work plan"),
    "locations": _("Locations"),
    "partners": _("Partners"),
    "budget": _("Budget lines"),
}


def section_differences(section: str, form, formset, saved: Application) -> list[dict]:
    """Where what the person typed differs from what is saved now:
    [{"label", "yours", "saved"}], fields first, then the rows as one entry."""
    differences = []
    if form is not None:
        for name, field in form.fields.items():
            yours = _display(form.cleaned_data.get(name), field)
            theirs = _display(getattr(saved, name), field)
            if yours != theirs:
                differences.append({"label": field.label, "yours": yours, "saved": theirs})
    if formset is not None:
        model, names = SECTION_ROWS[section]
        related = ROWS_RELATED[section]
        yours = [
            _row_display({name: row.get(name) for name in names}, formset.form)
            for row in formset.rows()
        ]
        theirs = [
            _row_display({name: getattr(row, name) for name in names}, formset.form)
            for row in getattr(saved, related).all()
        ]
        if yours != theirs:
            differences.append(
                {
                    "label": ROWS_LABELS[section],
                    "yours": "; ".join(yours) or "—",
                    "saved": "; ".join(theirs) or "—",
                }
            )
    return differences


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the application withdrawn?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StartForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Apply on behalf of"), queryset=None, widget=forms.RadioSelect, empty_label=None
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if len(organisations) == 1:
            self.fields["organisation"].initial = organisations[0].pk
