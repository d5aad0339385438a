from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config.views import healthz

admin.site.site_header = _("Grant portal administration")
admin.site.site_title = _("Grant portal")
# Administrators sign in through the portal's login, which asks for their second factor.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("regions/", include("regions.urls")),
    path("", include("grants.urls")),
    path("", include("accounts.urls")),
    path("", include("projects.urls")),
    path("", include("reporting.urls")),
    path("", include("reporting.urls_dashboards")),
    path("", include("reporting.urls_summaries")),
    path("", include("reporting.urls_opendata")),
    path("", include("reporting.urls_exports")),
]
