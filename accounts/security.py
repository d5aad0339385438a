"""Sessions that end when idle, and answers a script can understand when they have.

The idle clock is a timestamp in the session (``time.time()``, which tests that move
the programme's clock through ``timezone.now`` do not touch). It is set at login and
refreshed at most once a minute, so an active user's session is written once a minute
at most, never on every request. ``SessionIdleTimeoutMiddleware`` signs out a session
idle for longer than ``SESSION_IDLE_TIMEOUT`` seconds.
"""

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.csrf import csrf_failure as django_csrf_failure

LAST_SEEN_KEY = "accounts_last_seen"
# Seconds between two writes of the idle clock.
LAST_SEEN_REFRESH = 60


def now_seconds() -> int:
    return int(time.time())


@receiver(user_logged_in, dispatch_uid="accounts_start_idle_clock")
def _start_idle_clock(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN_KEY] = now_seconds()


def wants_json(request) -> bool:
    """Autosave and htmx requests: they need an answer they can read, not a page."""
    return request.headers.get("HX-Request") == "true"


def csrf_failure(request, reason=""):
    """A refused form token. An autosave whose page is older than the latest sign-in
    (the token changes at every login) is told to reload the page; the script keeps
    what was typed. Other requests get Django's page."""
    if wants_json(request):
        return JsonResponse(
            {
                "status": "stale_page",
                "message": _(
                    "Not saved: this page is out of date because you signed in again. "
                    "What you typed is kept in this browser."
                ),
                "link": request.get_full_path(),
                "link_text": _("Reload the page to save it"),
                "restored": _("We restored what you typed and are saving it now."),
            },
            status=403,
        )
    return django_csrf_failure(request, reason=reason)
