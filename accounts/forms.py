from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.enums import MembershipRole
from accounts.models import Organisation, User
from regions.forms import RegionField


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "phone", "language"]
        widgets = {"language": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = list(settings.LANGUAGES)
        self.fields["language"].required = True


class OrganisationForm(forms.ModelForm):
    region = RegionField(
        help_text=_("Where the organisation is based: choose the oblast, then the district.")
    )

    class Meta:
        model = Organisation
        fields = [
            "name",
            "legal_form",
            "registration_number",
            "taxpayer_number",
            "region",
            "address",
            "phone",
            "email",
        ]
        widgets = {
            "taxpayer_number": forms.TextInput(attrs={"inputmode": "numeric"}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        }


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(
        label=_("Role in the organisation"),
        choices=MembershipRole.choices,
        initial=MembershipRole.EDITOR,
        widget=forms.RadioSelect,
        help_text=_(
            "Owners manage members; editors prepare applications and reports; viewers only read."
        ),
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False)
