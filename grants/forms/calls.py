"""Forms for calls (the staff editor and its formsets) and for questions about a call.

The staff editor is one page: ``CallForm`` plus three formsets (eligible regions, the
scoring rubric, required documents). The forms only parse and check what is typed;
``grants.services.calls`` saves. Moments are typed in Asia/Bishkek time
(``LocalDateTimeField``) whatever time zone is active.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.forms.utils import ErrorDict, ErrorList
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.enums import LegalForm
from accounts.models import Organisation
from grants.models import Call, Criterion, Programme, Question, RequiredDocument, Theme
from grants.services.calls import CALL_TERM_FIELDS, call_terms_problems, rubric_problems
from grants.services.questions import QUESTION_MAX_LENGTH
from regions.forms import RegionField

# Calls open and close at moments in the programme's country; settings.TIME_ZONE is
# Asia/Bishkek, and the editor says so next to every moment.
CALL_TIME_ZONE = ZoneInfo(settings.TIME_ZONE)
DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class LocalDateTimeField(forms.DateTimeField):
    """A ``datetime-local`` input read and shown in Asia/Bishkek time, so that
    2017-05-31T18:00 is stored as 12:00 UTC whoever types it and wherever."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT)

    def to_python(self, value):
        with timezone.override(CALL_TIME_ZONE):
            return super().to_python(value)

    def prepare_value(self, value):
        if isinstance(value, datetime) and timezone.is_aware(value):
            return timezone.localtime(value, CALL_TIME_ZONE)
        return value


class HoldErrorsMixin:
    """Lets a view re-show a bound form without judging it yet: after "add another row"
    the typed values come back, without "this field is required" all over the page."""

    hold_errors = False

    @property
    def errors(self):
        if self.hold_errors:
            return ErrorDict()
        return super().errors


class EditorFormSetMixin:
    """Formsets of the call editor: errors can be held (see ``HoldErrorsMixin``) and the
    removal box says what it does."""

    hold_errors = False

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this row")

    @property
    def errors(self):
        if self.hold_errors:
            return [ErrorDict() for _form in self.forms]
        return super().errors

    def non_form_errors(self):
        if self.hold_errors:
            return ErrorList()
        return super().non_form_errors()

    def hold(self):
        self.hold_errors = True
        for form in self.forms:
            form.hold_errors = True


def _model_field(model, name, **kwargs):
    return model._meta.get_field(name).formfield(**kwargs)


class ThemeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        if self.show_programme:
            return f"{obj.name} ({obj.programme.name})"
        return obj.name


class CallForm(HoldErrorsMixin, forms.Form):
    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=Programme.objects.all(), empty_label=None
    )
    title = _model_field(Call, "title")
    slug = _model_field(
        Call,
        "slug",
        required=False,
        help_text=_(
            "The end of the call's web address, for example small-grants-2017. "
            "Leave it empty to make one from the title."
        ),
    )
    description = _model_field(Call, "description", widget=forms.Textarea(attrs={"rows": 6}))
    themes = ThemeChoiceField(
        label=_("Themes"),
        queryset=Theme.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one theme.")},
    )
    eligible_legal_forms = forms.MultipleChoiceField(
        label=_("Eligible organisation forms"),
        choices=LegalForm.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one eligible organisation form.")},
    )
    total_budget = _model_field(Call, "total_budget")
    min_grant = _model_field(Call, "min_grant")
    max_grant = _model_field(Call, "max_grant")
    cofinancing_min_percent = _model_field(Call, "cofinancing_min_percent")
    cofinancing_note = _model_field(
        Call, "cofinancing_note", widget=forms.Textarea(attrs={"rows": 2})
    )
    opens_at = LocalDateTimeField(
        label=_("Opens at"), help_text=_("Date and time in Bishkek (Asia/Bishkek).")
    )
    closes_at = LocalDateTimeField(
        label=_("Closes at (deadline)"),
        help_text=_("Date and time in Bishkek (Asia/Bishkek). Submissions after it are refused."),
    )
    questions_until = LocalDateTimeField(
        label=_("Questions accepted until"),
        required=False,
        help_text=_("Date and time in Bishkek (Asia/Bishkek). Empty: until the deadline."),
    )
    contact_name = _model_field(Call, "contact_name")
    contact_email = _model_field(Call, "contact_email")

    def __init__(self, *args, call: Call | None = None, **kwargs):
        self.call = call
        if call is not None and "initial" not in kwargs:
            kwargs["initial"] = call_form_initial(call)
        super().__init__(*args, **kwargs)
        themes = Theme.objects.filter(is_active=True)
        if call is not None:
            themes = themes | Theme.objects.filter(calls=call)
        self.fields["themes"].queryset = (
            themes.distinct().select_related("programme").order_by("programme", "order", "name_en")
        )
        self.fields["themes"].show_programme = Programme.objects.count() > 1
        if call is None and not self.is_bound:
            programmes = list(Programme.objects.all()[:2])
            if len(programmes) == 1:
                self.fields["programme"].initial = programmes[0]

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if (
            slug
            and Call.objects.filter(slug=slug).exclude(pk=getattr(self.call, "pk", None)).exists()
        ):
            raise forms.ValidationError(
                _("Another call already uses this address; choose another.")
            )
        return slug

    def clean(self):
        data = super().clean()
        for field, messages in call_terms_problems(
            **{name: data.get(name) for name in CALL_TERM_FIELDS}
        ).items():
            for message in messages:
                self.add_error(field, message)
        programme, themes = data.get("programme"), data.get("themes")
        if programme and themes:
            foreign = [theme for theme in themes if theme.programme_id != programme.pk]
            if foreign:
                self.add_error(
                    "themes",
                    _("“%(theme)s” is a theme of another programme.") % {"theme": foreign[0].name},
                )
        return data


def call_form_initial(call: Call) -> dict:
    return {
        "programme": call.programme_id,
        "title": call.title,
        "slug": call.slug,
        "description": call.description,
        "themes": list(call.themes.values_list("pk", flat=True)),
        "eligible_legal_forms": list(call.eligible_legal_forms),
        "total_budget": call.total_budget,
        "min_grant": call.min_grant,
        "max_grant": call.max_grant,
        "cofinancing_min_percent": call.cofinancing_min_percent,
        "cofinancing_note": call.cofinancing_note,
        "opens_at": call.opens_at,
        "closes_at": call.closes_at,
        "questions_until": call.questions_until,
        "contact_name": call.contact_name,
        "contact_email": call.contact_email,
    }


# --- formsets -------------------------------------------------------------------------


class RegionRowForm(HoldErrorsMixin, forms.Form):
    region = RegionField(
        label=_("Eligible region"),
        required=False,
        help_text=_("An oblast, a district or city, or a town or ayil aimak, with all inside it."),
    )


class RegionFormSetBase(EditorFormSetMixin, forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not self.regions():
            raise forms.ValidationError(
                _("Choose at least one eligible region (an oblast opens the call to all of it)."),
                code="no_region",
            )

    def regions(self) -> list:
        """The chosen units, each once, in the order given."""
        chosen = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            region = data.get("region")
            if region is not None and not data.get("DELETE") and region not in chosen:
                chosen.append(region)
        return chosen


RegionFormSet = forms.formset_factory(
    RegionRowForm, formset=RegionFormSetBase, extra=1, can_delete=True
)


class RowFormSetBase(EditorFormSetMixin, forms.BaseFormSet):
    def rows(self) -> list[dict]:
        """The rows kept (filled in and not marked for removal), as the services take them."""
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE"):
                continue
            rows.append({name: value for name, value in data.items() if name != "DELETE"})
        return rows


class CriterionForm(HoldErrorsMixin, forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = _model_field(Criterion, "name")
    description = _model_field(Criterion, "description", widget=forms.Textarea(attrs={"rows": 2}))
    weight = _model_field(Criterion, "weight")
    max_points = _model_field(Criterion, "max_points")
    order = _model_field(Criterion, "order", required=False, initial=None)


class CriterionFormSetBase(RowFormSetBase):
    def clean(self):
        if any(self.errors):
            # Still say what the weights add up to, so every problem shows at once.
            rows = [
                form.cleaned_data
                for form in self.forms
                if getattr(form, "cleaned_data", None)
                and form.cleaned_data.get("weight") is not None
                and not form.cleaned_data.get("DELETE")
            ]
            problems = rubric_problems(rows) if rows else []
        else:
            problems = rubric_problems(self.rows())
        if problems:
            raise forms.ValidationError(problems, code="rubric")


CriterionFormSet = forms.formset_factory(
    CriterionForm, formset=CriterionFormSetBase, extra=1, can_delete=True
)


class DocumentForm(HoldErrorsMixin, forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = _model_field(RequiredDocument, "name")
    description = _model_field(RequiredDocument, "description")
    is_mandatory = _model_field(RequiredDocument, "is_mandatory", required=False)
    order = _model_field(RequiredDocument, "order", required=False, initial=None)


DocumentFormSet = forms.formset_factory(
    DocumentForm, formset=RowFormSetBase, extra=1, can_delete=True
)


def criteria_initial(call: Call) -> list[dict]:
    return list(call.criteria.values("id", "name", "description", "weight", "max_points", "order"))


def documents_initial(call: Call) -> list[dict]:
    return list(call.documents.values("id", "name", "description", "is_mandatory", "order"))


def regions_initial(call: Call) -> list[dict]:
    return [{"region": pk} for pk in call.eligible_regions.values_list("pk", flat=True)]


# --- state and questions --------------------------------------------------------------


class CallStateForm(forms.Form):
    to_state = forms.ChoiceField(choices=Call._meta.get_field("state").choices)
    expected_state = forms.ChoiceField(choices=Call._meta.get_field("state").choices)


class QuestionForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("On behalf of"), queryset=Organisation.objects.none(), empty_label=None
    )
    text = forms.CharField(
        label=_("Your question"),
        max_length=QUESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Staff answer here; published answers appear on this page without your name "
            "or your organisation's."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(
            memberships__user=user
        ).order_by("name")


class AnswerForm(forms.Form):
    answer = _model_field(
        Question,
        "answer",
        required=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write an answer first.")},
    )
    publish = forms.BooleanField(
        label=_(
            "Publish on the call page and tell every organisation that has started an application"
        ),
        required=False,
    )
