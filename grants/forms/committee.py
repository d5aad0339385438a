"""Staff's forms for a call's committee: add a member, and how many review each application."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Case, Q, Value, When
from django.utils.translation import gettext_lazy as _

from accounts.enums import Affiliation, ProgrammeRole


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        label = f"{user.get_full_name()} <{user.email}>"
        if user.role == ProgrammeRole.APPLICANT:
            return _("%(label)s (applicant account)") % {"label": label}
        return label


# The select offers at most this many people (committee members first), never every
# account: a portal with thousands of applicants' accounts would send them all.
CANDIDATES_SHOWN = 50


class _ShownCandidates:
    """The select's options, read when the form is rendered (never when it is only
    validated): the empty choice, then the first ``CANDIDATES_SHOWN`` candidates
    matching the search."""

    def __init__(self, field, queryset):
        self.field, self.queryset = field, queryset
        self._options = None

    def __iter__(self):
        if self._options is None:  # rendering walks the options more than once
            self._options = [("", self.field.empty_label)] + [
                (user.pk, self.field.label_from_instance(user))
                for user in self.queryset[:CANDIDATES_SHOWN]
            ]
        return iter(self._options)


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

    def __init__(self, *args, call, find: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        candidates = (
            get_user_model().objects.filter(is_active=True).exclude(committee_seats__call=call)
        )
        field = self.fields["user"]
        # Validation looks the chosen person up by primary key among every candidate.
        field.queryset = candidates.order_by("full_name", "email")
        find = find.strip()
        if find:
            candidates = candidates.filter(Q(full_name__icontains=find) | Q(email__icontains=find))
        shown = candidates.order_by(
            Case(When(role=ProgrammeRole.COMMITTEE_MEMBER, then=Value(0)), default=Value(1)),
            "full_name",
            "email",
        )
        field.widget.choices = _ShownCandidates(field, shown)


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
