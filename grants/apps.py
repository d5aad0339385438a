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
        self._connect_ranking_cache()

    def _connect_ranking_cache(self):
        from django.apps import apps
        from django.db.models.signals import post_delete, post_save

        from grants.ranking import RANKING_SOURCES, ranking_changed

        for label in RANKING_SOURCES:
            model = apps.get_model(label)
            post_save.connect(ranking_changed, sender=model, dispatch_uid=f"ranking:{label}")
            post_delete.connect(ranking_changed, sender=model, dispatch_uid=f"ranking:{label}:d")
