from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        # Connects the cache of "has an authenticator app" and the deployment check.
        from django.db.backends.signals import connection_created

        # security connects the idle clock's start to user_logged_in: imported here, not
        # only by the middleware on the first request, so a login that comes first
        # (force_login in tests, a shell) starts the clock too.
        from accounts import security, two_factor  # noqa: F401
        from config import page_cache

        # Every database connection reports the tables it writes to the page cache.
        connection_created.connect(page_cache.install, dispatch_uid="page_cache_install")
