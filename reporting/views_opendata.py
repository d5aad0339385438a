"""Open data at stable public addresses: ``/open-data/iati.xml`` (IATI 2.03) and
``/open-data/360giving.json`` (360Giving 1.4).

Public: no sign-in, the same file for everyone, with nothing about people (see
``reporting.opendata``). Each is cached for ten minutes (server side and in the
``Cache-Control`` header) and may be fetched from other sites' scripts (CORS).
"""

import json

from django.http import HttpResponse
from django.views.decorators.cache import cache_page
from django.views.decorators.http import require_safe

from reporting.opendata.iati import iati_activities
from reporting.opendata.threesixty import threesixty_giving_package

CACHE_SECONDS = 600


def _public(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
@cache_page(CACHE_SECONDS)
def open_data_iati(request):
    return _public(
        HttpResponse(iati_activities(), content_type="application/xml; charset=utf-8"),
        "iati.xml",
    )


@require_safe
@cache_page(CACHE_SECONDS)
def open_data_360giving(request):
    package = threesixty_giving_package(base_url=request.build_absolute_uri("/").rstrip("/"))
    body = json.dumps(package, ensure_ascii=False, indent=2) + "\n"
    return _public(HttpResponse(body.encode(), content_type="application/json"), "360giving.json")
