"""Two broken views for the fuzzing harness's own test (tests/test_fuzz_forms.py):
one that fails on a non-number, one that saves before it refuses."""

from django.http import HttpResponse
from django.urls import path

from regions.models import Region


def crashes_on_text(request):
    int(request.POST["number"])
    return HttpResponse('<div class="invalid-feedback">Never shown</div>')


def saves_then_refuses(request):
    Region.objects.filter(pk=int(request.POST["region"])).update(name_en=request.POST["name"])
    return HttpResponse('<div id="error-summary">The name is wrong.</div>')


def refuses_silently(request):
    return HttpResponse("<p>Thanks!</p>")


urlpatterns = [
    path("crashes/", crashes_on_text, name="fuzz_selftest_crashes"),
    path("half-saves/", saves_then_refuses, name="fuzz_selftest_half_saves"),
    path("silent/", refuses_silently, name="fuzz_selftest_silent"),
]
