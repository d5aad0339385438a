"""Views of the site as a whole, outside any domain app."""

from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@require_safe
@never_cache
def healthz(request):
    """Liveness for load balancers and uptime checks: the process answers requests.

    It reads neither the database nor the session, so a check every few seconds costs
    nothing, and the benchmark uses it as the ceiling of the stack's throughput.
    """
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
