"""Staff's forms for a call's committee: add a member, and how many review each application."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts.enums import Affiliation, ProgrammeRole


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        label = f"{user.get_full_name()} <{user.email}>"
        if user.role == ProgrammeRole.APPLICANT:
            return _("%(label)s (applicant account)") % {"label": label}
        return label


class CommitteeMemberAddForm(forms.Form):
    user = MemberChoiceField(
        label=_("Person"),
        queryset=get_user_model().objects.none(),
        help_text=_(
            "Any active account. Their programme role is not changed; an applicant's "
            "account can sit on a committee but never gets applications of its own "
            "organisations."
        ),
        error_messages={"required": _("Choose the person to add.")},
    )
    affiliation = forms.ChoiceField(
        label=_("Affiliation"),
        required=False,
        choices=[("", _("As on their profile")), *Affiliation.choices],
    )
    is_chair = forms.BooleanField(
        label=_("Chair of the committee"),
        required=False,
        help_text=_("The current chair, if any, stops chairing."),
    )

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            get_user_model()
            .objects.filter(is_active=True)
            .exclude(committee_seats__call=call)
            .order_by("full_name", "email")
        )


class AssignmentForm(forms.Form):
    reviewers_per_application = forms.IntegerField(
        label=_("Reviewers per application"),
        required=False,
        min_value=1,
        max_value=50,
        help_text=_(
            "Empty: every member reviews every eligible application. A number: each "
            "application gets that many reviewers, spreading the work evenly."
        ),
        error_messages={"min_value": _("At least one reviewer per application.")},
    )
