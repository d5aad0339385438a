from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        # Connects the cache of "has an authenticator app" and the deployment check.
        from accounts import two_factor  # noqa: F401
