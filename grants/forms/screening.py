from django import forms
from django.utils.translation import gettext_lazy as _

from grants.enums import ApplicationState, IneligibilityReason


class ScreeningForm(forms.Form):
    """Staff's eligibility decision. The rules (a reason when ineligible, a note when
    reversing) live in ``grants.services.screening.application_screen``; its field
    errors come back keyed ``reason_code`` and ``note`` and land beside these fields."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (ApplicationState.ELIGIBLE, _("Eligible: goes to the committee")),
            (ApplicationState.INELIGIBLE, _("Ineligible: will not be reviewed")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose eligible or ineligible.")},
    )
    reason_code = forms.ChoiceField(
        label=_("Reason for ineligibility"),
        choices=[("", _("Choose a reason (only when ineligible)")), *IneligibilityReason.choices],
        required=False,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Required for “Other reason” and when changing an earlier decision. "
            "For an ineligible application the applicant sees the reason and this note."
        ),
    )
    # The state the page showed: if someone else screened meanwhile, the save is refused.
    expected_state = forms.ChoiceField(choices=ApplicationState.choices, widget=forms.HiddenInput)

    @property
    def eligible(self) -> bool:
        return self.cleaned_data["decision"] == ApplicationState.ELIGIBLE
