from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    name = "grants"
    verbose_name = _("Grants")

    def ready(self):
        # What grants holds about a person, for their copy and their anonymisation
        # (accounts cannot import grants, so grants registers itself).
        from accounts.personal_data import register_personal_data_source
        from grants.personal_data import source

        register_personal_data_source(source)
