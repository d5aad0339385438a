"""The call page and the application form are light on a slow rural link: at most 250 KB
over the wire on a first visit and at most 50 KB on a repeat visit.

Static files are served as in production: collected with WhiteNoise's
``CompressedManifestStaticFilesStorage`` (hashed names, ``.gz`` copies made at build
time) and served by WhiteNoise's middleware, which sends the gzip copy to a browser that
accepts it and marks hashed names ``Cache-Control: max-age=315360000, immutable``. So a
repeat visit downloads only the HTML.

We count static files gzip-compressed: the production image has no ``Brotli`` package,
so WhiteNoise makes ``.gz`` copies only (brotli would be smaller still). We count the
HTML **uncompressed**: the portal does not compress its pages itself (no
``GZipMiddleware``: compressing pages that carry secrets invites BREACH-style attacks,
and the TLS proxy in front may compress them anyway), so the bound must hold without
it. The gzip size of the HTML is recorded for information.

The measured numbers go to ``artifacts/page-weights.json`` for the closing note.
"""

import gzip
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from accounts.models import User
from grants.enums import ApplicationState
from grants.models import Application

KB = 1024
FIRST_VISIT_LIMIT = 250 * KB
REPEAT_VISIT_LIMIT = 50 * KB
ONE_YEAR = 365 * 24 * 60 * 60
ARTIFACT = Path(__file__).resolve().parents[1] / "artifacts" / "page-weights.json"
APPLICATION_SECTIONS = [
    "summary",
    "problem",
    "workplan",
    "locations",
    "partners",
    "beneficiaries",
    "budget",
    "documents",
    "declaration",
]
PRODUCTION_STATIC = {
    "STORAGES": {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    },
    # Serve only what collectstatic wrote, as production does (these default to DEBUG).
    "WHITENOISE_USE_FINDERS": False,
    "WHITENOISE_AUTOREFRESH": False,
}
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


class AssetLinks(HTMLParser):
    """The URLs of the stylesheets, scripts, icons and images a page makes a browser load."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        rel = (attrs.get("rel") or "").split()
        if tag == "link" and {"stylesheet", "icon", "preload", "modulepreload"} & set(rel):
            self.urls.append(attrs["href"])
        elif tag in {"script", "img"} and attrs.get("src"):
            self.urls.append(attrs["src"])


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    """collectstatic once for the module, with the production storage (the admin's own
    files are skipped: no page measured here uses them, and they are slow to compress)."""
    root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(STATIC_ROOT=root, **PRODUCTION_STATIC):
        call_command("collectstatic", interactive=False, verbosity=0, ignore_patterns=["admin"])
    return root


@pytest.fixture
def production_static(settings, static_root):
    settings.STATIC_ROOT = static_root
    for name, value in PRODUCTION_STATIC.items():
        setattr(settings, name, value)


def body(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def fetch_assets(client, html):
    """Every static file the page loads (and the files its stylesheets load), each as a
    browser would fetch it: (url, bytes over the wire, Cache-Control)."""
    parser = AssetLinks()
    parser.feed(html)
    pending, seen, assets = list(parser.urls), set(), []
    while pending:
        url = pending.pop(0)
        if url in seen or url.startswith("data:"):
            continue
        seen.add(url)
        response = client.get(url, headers={"accept-encoding": "gzip"})
        assert response.status_code == 200, url
        content = body(response)
        assets.append((url, len(content), response.headers.get("Cache-Control", "")))
        if url.endswith(".css"):
            text = content
            if response.headers.get("Content-Encoding") == "gzip":
                text = gzip.decompress(content)
            pending += [urljoin(url, found) for found in CSS_URL.findall(text.decode())]
        # Text files go out compressed; images such as PNG are compressed already.
        if re.search(r"\.(css|js|svg)$", url):
            assert response.headers.get("Content-Encoding") == "gzip", url
    return assets


def weigh(client, path):
    response = client.get(path, headers={"accept-encoding": "gzip"})
    assert response.status_code == 200, path
    html = response.content
    assets = fetch_assets(client, html.decode())
    static_bytes = sum(size for _url, size, _cache in assets)
    return {
        "html_bytes": len(html),
        "html_gzip_bytes": len(gzip.compress(html, compresslevel=6)),
        "static_gzip_bytes": static_bytes,
        "first_visit_bytes": len(html) + static_bytes,
        "repeat_visit_bytes": len(html),
        "static": {url: {"bytes": size, "cache_control": cache} for url, size, cache in assets},
    }


@pytest.mark.django_db
def test_call_page_and_application_form_are_light_on_first_and_repeat_visits(production_static):
    call_command("seed_demo", stdout=io.StringIO())
    draft = Application.objects.select_related("call").get(state=ApplicationState.DRAFT)
    applicant = User.objects.get(email="ainura.jetyoguz@demo.example.org")

    visitor = Client()
    weights = {f"/calls/{draft.call.slug}/": weigh(visitor, f"/calls/{draft.call.slug}/")}
    signed_in = Client()
    signed_in.force_login(applicant)
    for section in APPLICATION_SECTIONS:
        path = f"/applications/{draft.pk}/edit/{section}/"
        weights[path] = weigh(signed_in, path)

    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(json.dumps(weights, indent=2) + "\n")

    for path, weight in weights.items():
        assert weight["first_visit_bytes"] <= FIRST_VISIT_LIMIT, (path, weight)
        assert weight["repeat_visit_bytes"] <= REPEAT_VISIT_LIMIT, (path, weight)
        # A repeat visit costs only the HTML: every static file is hashed and cached
        # for a year without revalidation.
        for url, asset in weight["static"].items():
            max_age = re.search(r"max-age=(\d+)", asset["cache_control"])
            assert max_age and int(max_age[1]) >= ONE_YEAR, (url, asset)
            assert "immutable" in asset["cache_control"], (url, asset)
            assert re.search(r"\.[0-9a-f]{12}\.\w+$", url), url
