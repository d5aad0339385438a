"""Forms of progress reports. Plain forms: the services write the models.

A report's table sections (indicators, spending, co-financing) have one row per row of
the project (indicator, budget line, committed source), each a small form with its own
prefix (``indicator-12-value``). A blank row is "not reported yet"; 0 is a figure.
"""

from decimal import Decimal

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grants.models import Call
from reporting.enums import ReportSection, ReportState, ReportStatus
from reporting.models import ProgressReport
from reporting.selectors import status_filter
from reporting.services.reports import (
    DISAGGREGATION,
    NARRATIVE_FIELDS,
    SECTION_TITLES,
    indicator_row_errors,
)

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0")}
DECIMAL_INPUT = {"step": "0.01", "inputmode": "decimal"}


class NarrativeForm(forms.Form):
    achievements = forms.CharField(
        label=_("Achievements"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the project did and achieved in the period."),
    )
    challenges = forms.CharField(
        label=_("Challenges"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What got in the way, and what you did about it."),
    )
    lessons = forms.CharField(
        label=_("Lessons learnt"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    next_steps = forms.CharField(
        label=_("Next steps"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What comes in the next period."),
    )


class IndicatorRowForm(forms.Form):
    """One indicator's figures for the period. For an indicator split by sex and age the
    value must be women + men + girls + boys (left blank, it is filled in as their sum)."""

    value = forms.DecimalField(
        label=_("Achieved in the period"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        widget=forms.NumberInput(attrs={**DECIMAL_INPUT, "data-indicator-value": ""}),
    )
    women = forms.IntegerField(label=_("Women"), required=False, min_value=0)
    men = forms.IntegerField(label=_("Men"), required=False, min_value=0)
    girls = forms.IntegerField(label=_("Girls"), required=False, min_value=0)
    boys = forms.IntegerField(label=_("Boys"), required=False, min_value=0)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=500)

    def __init__(self, *args, indicator, **kwargs):
        self.indicator = indicator
        kwargs.setdefault("prefix", f"indicator-{indicator.pk}")
        super().__init__(*args, **kwargs)
        for name in DISAGGREGATION:
            if indicator.disaggregated:
                self.fields[name].widget.attrs.update(
                    {"inputmode": "numeric", "data-indicator-part": ""}
                )
            else:
                del self.fields[name]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        value = cleaned.get("value")
        if self.indicator.disaggregated:
            parts = [cleaned.get(name) for name in DISAGGREGATION]
            if value is None and any(part is not None for part in parts):
                cleaned["value"] = value = Decimal(sum(part or 0 for part in parts))
            if value is not None:
                for name in DISAGGREGATION:
                    cleaned[name] = cleaned.get(name) or 0
                for error in indicator_row_errors(self.indicator, cleaned):
                    self.add_error("value", error)
        if value is None and cleaned.get("comment"):
            self.add_error("value", _("Give the figure (0 if there was none)."))
        return cleaned

    def row_values(self) -> dict | None:
        if self.cleaned_data.get("value") is None:
            return None
        return {
            "value": self.cleaned_data["value"],
            "comment": self.cleaned_data.get("comment") or "",
            **{name: self.cleaned_data.get(name) for name in DISAGGREGATION},
        }


class AmountRowForm(forms.Form):
    """Money for one row of the project: spent on a budget line, received from a source."""

    amount = forms.DecimalField(
        label=_("Amount"),
        required=False,
        **MONEY,
        widget=forms.NumberInput(attrs={**DECIMAL_INPUT, "data-amount": ""}),
    )

    def __init__(self, *args, parent, label, **kwargs):
        self.parent = parent
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = label

    def row_values(self):
        return self.cleaned_data.get("amount")


class RowForms:
    """The rows of a table section, validated and read together."""

    def __init__(self, forms_list):
        self.forms = forms_list

    def __iter__(self):
        return iter(self.forms)

    def __len__(self):
        return len(self.forms)

    def is_valid(self) -> bool:
        results = [form.is_valid() for form in self.forms]  # every row shows its errors
        return all(results)

    @property
    def total_error_count(self) -> int:
        return sum(len(form.errors) for form in self.forms)

    def rows(self) -> dict:
        return {self._key(form): form.row_values() for form in self.forms}

    @staticmethod
    def _key(form) -> int:
        return form.indicator.pk if hasattr(form, "indicator") else form.parent.pk


def _indicator_initial(row) -> dict:
    if row is None:
        return {}
    return {
        "value": row.value,
        "comment": row.comment,
        **{name: getattr(row, name) for name in DISAGGREGATION},
    }


def section_forms(report, section: str, data=None):
    """(form, rows) of a section, bound to ``data`` or filled from the saved values.

    Reads the report's and the project's rows through ``.all()`` (prefetched by
    ``report_with_everything``)."""
    project = report.project
    if section == ReportSection.NARRATIVE:
        initial = {name: getattr(report, name) for name in NARRATIVE_FIELDS}
        return NarrativeForm(data, initial=initial), None
    if section == ReportSection.INDICATORS:
        saved = {row.indicator_id: row for row in report.indicator_values.all()}
        return None, RowForms(
            [
                IndicatorRowForm(
                    data, indicator=indicator, initial=_indicator_initial(saved.get(indicator.pk))
                )
                for indicator in project.indicators.all()
            ]
        )
    if section == ReportSection.SPENDING:
        saved = {row.budget_line_id: row.amount for row in report.spending.all()}
        parents = [
            (line, f"line-{line.pk}", line.description) for line in project.budget_lines.all()
        ]
    elif section == ReportSection.COFINANCING:
        saved = {row.cofinancing_id: row.amount for row in report.cofinancing_received.all()}
        parents = [
            (source, f"cofinancing-{source.pk}", source.source_name)
            for source in project.cofinancing.all()
        ]
    else:
        raise ValueError(f"No form for the section {section!r}")
    return None, RowForms(
        [
            AmountRowForm(
                data,
                parent=parent,
                label=label,
                prefix=prefix,
                initial={"amount": saved.get(parent.pk)},
            )
            for parent, prefix, label in parents
        ]
    )


def _display(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, Decimal):
        return f"{value.quantize(Decimal('0.01')):,.2f}"
    return str(value).strip()


def section_differences(section: str, form, rows, saved) -> list[dict]:
    """Where what the person typed differs from what is saved now: [{label, yours, saved}]."""
    differences = []
    if form is not None:
        for name, field in form.fields.items():
            yours, theirs = _display(form.cleaned_data.get(name)), _display(getattr(saved, name))
            if yours != theirs:
                differences.append({"label": field.label, "yours": yours, "saved": theirs})
        return differences
    _form, saved_rows = section_forms(saved, section)
    saved_by_key = {RowForms._key(row): row.initial for row in saved_rows}
    for row in rows:
        key = RowForms._key(row)
        label = row.indicator.name if hasattr(row, "indicator") else row.fields["amount"].label
        names = [name for name in row.fields if name in row.cleaned_data]
        yours = " · ".join(_display(row.cleaned_data.get(name)) for name in names)
        theirs = " · ".join(_display(saved_by_key.get(key, {}).get(name)) for name in names)
        if yours != theirs:
            differences.append({"label": label, "yours": yours, "saved": theirs})
    return differences


class ReportFileForm(forms.Form):
    file = forms.FileField(label=_("Photo or document"))
    caption = forms.CharField(
        label=_("Caption"),
        required=False,
        max_length=300,
        help_text=_("What it shows, for example “Round table in Kyzyl-Tuu, 12 May”."),
    )


class OfflineUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Filled-in spreadsheet (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )


class ReturnForm(forms.Form):
    """Staff's comments by section; at least one is needed to return a report."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for section, title in SECTION_TITLES.items():
            self.fields[f"comment_{section}"] = forms.CharField(
                label=title,
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def clean(self):
        cleaned = super().clean()
        if not any((cleaned.get(name) or "").strip() for name in self.fields):
            raise forms.ValidationError(
                _("Write at least one comment: tell the organisation what to change.")
            )
        return cleaned

    def comments(self) -> dict[str, str]:
        return {
            section: self.cleaned_data.get(f"comment_{section}", "") for section in SECTION_TITLES
        }


class StaffReportFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        help_text=_("Agreement number, project title or organisation."),
    )
    call = django_filters.ModelChoiceFilter(
        label=_("Call"),
        field_name="project__application__call",
        queryset=Call.objects.order_by("-opens_at", "pk"),
        empty_label=_("All"),
    )
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"),
        choices=ReportStatus.choices,
        method="filter_status",
        widget=forms.CheckboxSelectMultiple,
    )
    overdue = django_filters.BooleanFilter(
        label=_("Late: not submitted by the due date"),
        method="filter_overdue",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = ProgressReport
        fields = ["q", "call", "status", "overdue"]

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(project__agreement_number__icontains=value)
            | Q(project__title__icontains=value)
            | Q(project__organisation__name__icontains=value)
        )

    def filter_status(self, queryset, name, value):
        if not value:
            return queryset
        today = timezone.localdate()
        condition = Q()
        for status in value:
            condition |= status_filter(status, today)
        return queryset.filter(condition)

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(state__in=ReportState.editable(), due_on__lt=timezone.localdate())
