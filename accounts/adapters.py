from allauth.account.adapter import DefaultAccountAdapter
from django.utils import translation


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        """New accounts keep the language they signed up in."""
        user = super().save_user(request, user, form, commit=False)
        if not user.language:
            user.language = (translation.get_language() or "")[:2]
        if commit:
            user.save()
        return user
