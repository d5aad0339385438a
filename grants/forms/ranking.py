"""Forms of the ranking page: the call's ranking settings, moving an application across
the funding line, one decision, and decisions in bulk. The rules live in
``grants.services.decisions``; its field errors come back keyed like these fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from grants.enums import ApplicationState, DecisionOutcome
from grants.models import CallReviewSettings
from grants.ranking import DECIDABLE_STATES

# How the page says which application in which state a bulk action is about:
# "<id>:<state>", so each decision carries the state its row showed.
SELECTION_SEPARATOR = ":"


class RankingSettingsForm(forms.ModelForm):
    class Meta:
        model = CallReviewSettings
        fields = ["ranking_method", "pass_mark", "disagreement_threshold", "oblast_cap"]
        widgets = {"ranking_method": forms.RadioSelect}
        help_texts = {
            "pass_mark": _("Applications scoring below it are not proposed for funding."),
            "disagreement_threshold": _(
                "Flag an application when its highest and lowest totals differ by more."
            ),
        }


class RankingFilterForm(forms.Form):
    """Which rows of the ranking the table shows (the order and the line stay those of
    the whole ranking)."""

    ALL, FUNDED, BELOW, TO_DECIDE, DISAGREEMENT = "", "funded", "below", "to_decide", "disagreement"

    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            (ALL, _("All applications")),
            (FUNDED, _("Above the funding line")),
            (BELOW, _("Below the funding line")),
            (TO_DECIDE, _("Still to decide")),
            (DISAGREEMENT, _("Reviewers disagree")),
        ],
    )

    def rows(self, rows):
        """``rows`` narrowed to the chosen ones; all of them when the choice is invalid."""
        show = self.cleaned_data.get("show", "") if self.is_valid() else ""
        keep = {
            self.FUNDED: lambda row: row.funded,
            self.BELOW: lambda row: not row.funded,
            self.TO_DECIDE: lambda row: row.decidable,
            self.DISAGREEMENT: lambda row: row.disagreement,
        }.get(show)
        return rows if keep is None else [row for row in rows if keep(row)]


class FundingOverrideForm(forms.Form):
    include = forms.TypedChoiceField(
        label=_("Move"),
        choices=[("1", _("Above the line: fund it")), ("0", _("Below the line: do not fund it"))],
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=_("Reason for moving it across the line"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the application is moved across the line.")},
    )


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=DecisionOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose approve, waitlist or reject.")},
    )
    amount = forms.DecimalField(
        label=_("Amount awarded"),
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=_("Only when approving: at most the requested amount."),
    )
    conditions = forms.CharField(
        label=_("Conditions"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only when approving; the applicant reads them."),
    )
    reason = forms.CharField(
        label=_("Reason shown to the applicant"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when rejecting; optional when waitlisting."),
    )
    expected_state = forms.ChoiceField(choices=ApplicationState.choices, widget=forms.HiddenInput)


class BulkDecisionForm(forms.Form):
    """Several applications at once: the ticked ones, all those proposed for funding
    (approved with their requested amounts), or all eligible ones below the line
    (rejected with one reason). For the last two the page sends the fingerprint of the
    set it showed (``grants.ranking.selection_fingerprint``) rather than every id."""

    SELECTED, PROPOSED, BELOW = "selected", "proposed", "below"

    action = forms.ChoiceField(
        choices=[(SELECTED, SELECTED), (PROPOSED, PROPOSED), (BELOW, BELOW)],
        widget=forms.HiddenInput,
    )
    applications = forms.MultipleChoiceField(label=_("Applications"), required=False)
    fingerprint = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label=_("Decision for the ticked applications"),
        choices=DecisionOutcome.choices,
        required=False,
    )
    conditions = forms.CharField(
        label=_("Conditions (when approving)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reason = forms.CharField(
        label=_("Reason shown to the applicants"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when rejecting."),
    )

    def __init__(self, *args, application_ids=(), **kwargs):
        """``application_ids``: the applications of the call that may still be decided.
        Any state they could have been shown in is accepted: if someone else changed
        it meanwhile, the service refuses that one decision and says why."""
        super().__init__(*args, **kwargs)
        self.fields["applications"].choices = [
            (f"{pk}{SELECTION_SEPARATOR}{state}", str(pk))
            for pk in application_ids
            for state in DECIDABLE_STATES
        ]

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if action == self.PROPOSED:
            cleaned["outcome"] = DecisionOutcome.APPROVE
        elif action == self.BELOW:
            cleaned["outcome"] = DecisionOutcome.REJECT
        elif action == self.SELECTED and not cleaned.get("outcome"):
            self.add_error("outcome", _("Choose approve, waitlist or reject."))
        if action == self.SELECTED and "applications" in cleaned and not cleaned["applications"]:
            self.add_error("applications", _("Tick at least one application."))
        if action in (self.PROPOSED, self.BELOW) and not cleaned.get("fingerprint"):
            self.add_error(None, _("The page sent no funding line: reload it and try again."))
        if (
            cleaned.get("outcome") == DecisionOutcome.REJECT
            and not cleaned.get("reason", "").strip()
        ):
            self.add_error(
                "reason", _("Give the reason for the rejection: the applicants will read it.")
            )
        return cleaned

    @property
    def selection(self) -> list[tuple[int, str]]:
        """The chosen applications as (id, state the page showed) pairs."""
        pairs = []
        for value in self.cleaned_data["applications"]:
            pk, state = value.split(SELECTION_SEPARATOR)
            pairs.append((int(pk), state))
        return pairs
