"""A committee member's forms: the conflict-of-interest declaration and the review.

The rules (a reason for a conflict, scores within range, everything scored before
submitting) are enforced by ``grants.services.reviews``; these forms parse, say
what is wrong beside each field, and keep what was typed.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from grants.enums import Recommendation
from grants.services.reviews import score_field

SAVE, SUBMIT = "save", "submit"


class DeclarationForm(forms.Form):
    conflict = forms.TypedChoiceField(
        label=_("Do you have a conflict of interest with this application?"),
        choices=[
            ("no", _("No conflict: I have no personal, financial or professional interest in it")),
            ("yes", _("Conflict: I have an interest in it and will not review it")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose “no conflict” or “conflict”.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Required for a conflict: for example, you work for or advise the organisation, "
            "or a relative does. Programme staff see it."
        ),
    )

    def clean(self):
        data = super().clean()
        if data.get("conflict") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say what the conflict of interest is."))
        return data


class ReviewForm(forms.Form):
    """A score and a comment per criterion (``score_<id>``, ``comment_<id>``), an
    overall comment and a recommendation. Each score input carries the criterion's
    weight and maximum for the live total (static/js/scoring.js)."""

    comment = forms.CharField(
        label=_("Overall comment"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    recommendation = forms.ChoiceField(
        label=_("Recommendation"),
        required=False,
        choices=Recommendation.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose one of the recommendations.")},
    )

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        rows = []
        for criterion in self.criteria:
            limits = {"criterion": criterion.name, "max": criterion.max_points}
            score = forms.IntegerField(
                label=criterion.name,
                required=False,
                help_text=_("From 0 to %(max)s points; weight %(weight)s%%.")
                % {"max": criterion.max_points, "weight": criterion.weight},
                min_value=0,
                max_value=criterion.max_points,
                error_messages={
                    "invalid": _("%(criterion)s: give a whole number.") % limits,
                    "min_value": _("%(criterion)s: the score must be between 0 and %(max)s.")
                    % limits,
                    "max_value": _("%(criterion)s: the score must be between 0 and %(max)s.")
                    % limits,
                },
                widget=forms.NumberInput(
                    attrs={
                        "class": "form-control scoring-points",
                        "inputmode": "numeric",
                        "step": "1",
                        "data-weight": criterion.weight,
                        "data-max": criterion.max_points,
                    }
                ),
            )
            comment = forms.CharField(
                label=_("Comment on “%(criterion)s”") % {"criterion": criterion.name},
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
            )
            self.fields[score_field(criterion)] = score
            self.fields[f"comment_{criterion.pk}"] = comment
            rows.append(criterion)
        # Criteria first, then the overall comment and the recommendation.
        self.order_fields(
            [
                name
                for criterion in rows
                for name in (score_field(criterion), f"comment_{criterion.pk}")
            ]
            + ["comment", "recommendation"]
        )

    @classmethod
    def initial_from(cls, review) -> dict:
        if review is None:
            return {}
        initial = {"comment": review.comment, "recommendation": review.recommendation}
        for score in review.scores.all():
            initial[f"score_{score.criterion_id}"] = score.points
            initial[f"comment_{score.criterion_id}"] = score.comment
        return initial

    def rubric_rows(self) -> list[dict]:
        """For the template: each criterion with its bound score and comment fields."""
        return [
            {
                "criterion": criterion,
                "score": self[score_field(criterion)],
                "comment": self[f"comment_{criterion.pk}"],
            }
            for criterion in self.criteria
        ]

    @property
    def points(self) -> dict:
        return {c.pk: self.cleaned_data.get(score_field(c)) for c in self.criteria}

    @property
    def comments(self) -> dict:
        return {c.pk: self.cleaned_data.get(f"comment_{c.pk}", "") for c in self.criteria}
