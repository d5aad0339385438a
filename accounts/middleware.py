"""Middleware of the accounts app: language, idle sessions, signed-out scripts, and
two-factor authentication for staff."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect, resolve_url
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.security import LAST_SEEN_KEY, LAST_SEEN_REFRESH, now_seconds, wants_json
from accounts.two_factor import has_active_totp, two_factor_required


class UserLanguageMiddleware:
    """Serve a signed-in user in the language saved on their account.

    Runs after LocaleMiddleware (which reads the cookie and the browser's wish), so
    the choice follows the person to any device they sign in from.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class SessionIdleTimeoutMiddleware:
    """Sign out a session left idle longer than ``SESSION_IDLE_TIMEOUT`` seconds.

    Runs after MessageMiddleware, so the login page can say why. The idle clock is
    written at most once a minute (see ``accounts.security``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = now_seconds()
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(
                    request,
                    _(
                        "You were signed out after %(minutes)s minutes without activity. "
                        "Sign in again to continue."
                    )
                    % {"minutes": settings.SESSION_IDLE_TIMEOUT // 60},
                )
            elif last_seen is None or now - last_seen >= LAST_SEEN_REFRESH:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


class ScriptLoginRedirectMiddleware:
    """Answer a signed-out autosave (or other htmx request) with 401 and JSON.

    A script following the redirect to the login page would get a 200 page and take
    it for a saved draft. The JSON carries the login address (which comes back to the
    form) and translated messages for the script to show.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 302
            and wants_json(request)
            and not request.user.is_authenticated
            and urlsplit(response["Location"]).path == resolve_url(settings.LOGIN_URL)
        ):
            return JsonResponse(
                {
                    "status": "signed_out",
                    "message": _(
                        "Not saved: you have been signed out. What you typed is kept "
                        "in this browser."
                    ),
                    "link": response["Location"],
                    "link_text": _("Sign in again to save it"),
                    "restored": _(
                        "Welcome back. We restored what you typed and are saving it now."
                    ),
                },
                status=401,
            )
        return response


class StaffTwoFactorMiddleware:
    """Send staff and administrators without an authenticator app to set one up.

    Every page is closed to them until they do (the admin too), except the two-factor
    pages themselves, re-authentication, sign-out, the language switch, static and
    media files and the health check.
    """

    EXEMPT_URL_NAMES = {
        "account_logout",
        "account_reauthenticate",
        "mfa_reauthenticate",
        "language_switch",
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def _exempt(self, request) -> bool:
        match = request.resolver_match
        if match is not None and (
            match.url_name in self.EXEMPT_URL_NAMES or (match.url_name or "").startswith("mfa_")
        ):
            return True
        prefixes = [settings.STATIC_URL, settings.MEDIA_URL, "/healthz"]
        return request.path_info.startswith(tuple(prefix for prefix in prefixes if prefix))

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not two_factor_required(user) or self._exempt(request) or has_active_totp(user):
            return None
        if request.method == "GET" and not wants_json(request):
            messages.warning(
                request,
                _(
                    "Programme staff and administrators must use two-factor "
                    "authentication. Set up an authenticator app to continue."
                ),
            )
        return redirect("mfa_activate_totp")
