"""Bad input (issue 7): every form of the portal is posted random and hostile values by
the person who may use it, on the data set of the authorisation matrix. Whatever is
posted: never a server error, never a half-saved object, always a clear message, and
what is saved passes ``full_clean()`` (tests/fuzz/engine.py says how each is checked).

Budget. Hypothesis profiles (choose with ``HYPOTHESIS_PROFILE``):

- ``ci`` (default): ``FUZZ_EXAMPLES_CI`` (20) examples per form, derandomized (the
  same examples on every run, so CI is reproducible), no deadline (a first request
  can be slow), no example database. 58 forms x 20 examples = 1,160 posts: the file
  runs in about 2.5 minutes (1m36s of CPU) on two cores, on SQLite and on PostgreSQL.
- ``thorough``: 400 examples per form (``FUZZ_EXAMPLES`` to change), random, for a
  longer run before a release:
  ``HYPOTHESIS_PROFILE=thorough .venv/bin/pytest tests/test_fuzz_forms.py -p no:randomly``
  (``FUZZ_FORMS=application_section`` narrows it to forms whose id contains that text).

Isolation: the data set is built once per group of forms (pytest-django's ``db``,
rolled back at the end of the test); every example is posted inside a savepoint that
is rolled back after it is judged, tasks queued with ``on_commit`` run inside it.
"""

import copy
import inspect
import os
from collections import Counter

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.engine import Submission, draw_submission, post_and_judge
from tests.fuzz.forms import GROUPS, NOT_FUZZED, SPECS
from tests.test_authorization_matrix import world  # noqa: F401  (the shared data set)

pytestmark = pytest.mark.django_db

FUZZ_EXAMPLES_CI = 20
settings.register_profile(
    "ci",
    max_examples=FUZZ_EXAMPLES_CI,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "400")),
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")

# Django's admin is its own (trusted administrators, tested by Django); static and
# media files are served only in development.
NOT_OURS = ("admin/", "static/", "media/")
POST_READERS = ("request.POST", "request.FILES", "request.method")


# --- which URLs take a form ----------------------------------------------------------------


def walk(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern


def _allowed_methods(view):
    """The methods of ``require_http_methods`` (require_POST, require_GET...), if used."""
    while view is not None:
        closure = inspect.getclosurevars(view).nonlocals if view.__closure__ else {}
        if "request_method_list" in closure:
            return set(closure["request_method_list"])
        view = getattr(view, "__wrapped__", None)
    return None


def _reads_post(function, seen=None, depth=3) -> bool:
    """Whether a view, or a function of its module that it calls, reads a POST."""
    seen = seen if seen is not None else set()
    function = inspect.unwrap(function)
    if function in seen or depth < 0:
        return False
    seen.add(function)
    source = inspect.getsource(function)
    if any(reader in source for reader in POST_READERS):
        return True
    module = inspect.getmodule(function)
    for name in function.__code__.co_names:
        called = getattr(module, name, None)
        local = inspect.isfunction(called) and called.__module__ == module.__name__
        if local and _reads_post(called, seen, depth - 1):
            return True
    return False


def accepts_post(callback) -> bool:
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return hasattr(view_class, "post")
    methods = _allowed_methods(callback)
    if methods is not None:
        return "POST" in methods
    return _reads_post(callback)


def post_routes() -> set[str]:
    names = set()
    for route, pattern in walk(get_resolver().url_patterns):
        if route.lstrip("^").startswith(NOT_OURS):
            continue
        if accepts_post(pattern.callback):
            names.add(pattern.name)
    return names


def test_every_form_is_fuzzed():
    posted = post_routes()
    fuzzed = {spec.name for spec in SPECS}
    missing = sorted(posted - fuzzed - set(NOT_FUZZED))
    assert not missing, (
        "URLs that take a POST without a spec in tests/fuzz/forms.py (or a reasoned "
        f"entry in NOT_FUZZED): {missing}"
    )
    stale = sorted((fuzzed | set(NOT_FUZZED)) - posted)
    assert not stale, f"specs or exclusions of URLs that take no POST: {stale}"
    both = sorted(fuzzed & set(NOT_FUZZED))
    assert not both, f"both fuzzed and excluded: {both}"


def test_the_completeness_check_sees_forms_and_pages():
    posted = post_routes()
    # A page with a form, a POST-only action, an allauth page; a list and a download.
    assert {"organisation_edit", "staff_call_state", "account_login"} <= posted
    assert not {"call_list", "application_pdf", "open_data_iati"} & posted


# --- the fuzzing ----------------------------------------------------------------------------


def _fuzz(spec, data_set, client, request, login_path):
    if spec.actor != "anonymous":
        role = "admin_user" if spec.actor == "admin" else spec.actor
        client.force_login(request.getfixturevalue(role))
    if spec.prepare is not None:
        spec.prepare(data_set)
    url = reverse(spec.name, kwargs=spec.url_kwargs(data_set))
    cookies = copy.deepcopy(client.cookies)
    outcomes = Counter()

    @settings(settings.get_profile(PROFILE))
    @given(data=st.data())
    def post_one(data):
        client.cookies = copy.deepcopy(cookies)
        submission = draw_submission(data.draw, spec, data_set)
        outcome = post_and_judge(
            client, url, submission, login_path=login_path, exclude=spec.full_clean_exclude
        )
        outcomes[outcome] += 1

    post_one()
    return outcomes


def _selected(specs):
    only = os.environ.get("FUZZ_FORMS", "")
    return [spec for spec in specs if only in spec.id]


@pytest.mark.parametrize("group", list(GROUPS))
def test_forms_survive_hostile_input(group, world, client, request):  # noqa: F811
    """One data set per group; every form of the group fuzzed, every failure listed."""
    login_path = reverse("account_login")
    for role in ("applicant_a", "applicant_b", "committee_member", "staff"):
        setattr(world, role, request.getfixturevalue(role))
    failures = []
    for spec in _selected(GROUPS[group]):
        client.logout()
        try:
            outcomes = _fuzz(spec, world, client, request, login_path)
        except Exception as error:  # noqa: BLE001 - each form's failure is listed
            notes = "\n".join(getattr(error, "__notes__", []))
            failures.append(f"--- {spec.id} as {spec.actor}: {error!r}\n{notes}")
        else:
            # Shown with -s: how often each form saved and refused.
            print(f"{spec.id}: {dict(outcomes.most_common())}")  # noqa: T201
    assert not failures, "\n".join(failures)


# --- the harness notices what it is meant to ----------------------------------------------


@pytest.mark.urls("tests.fuzz.selftest_urls")
@pytest.mark.parametrize(
    ("path", "data", "complaint"),
    [
        ("/crashes/", {"number": "1e309"}, "ValueError"),
        ("/half-saves/", {"region": "{region}", "name": "<script>"}, "half-saved"),
        ("/silent/", {"name": "x"}, "without saying what is wrong"),
    ],
)
def test_the_harness_notices_a_crash_a_half_save_and_a_silent_refusal(
    path, data, complaint, client, oblast
):
    data = {key: value.format(region=oblast.pk) for key, value in data.items()}

    with pytest.raises(Exception) as noticed:  # noqa: PT011 - a crash or a Refused
        post_and_judge(client, path, Submission(data=data), login_path="/login/", exclude={})

    assert complaint in repr(noticed.value)
    oblast.refresh_from_db()
    assert oblast.name_en == "Issyk-Kul Oblast"  # the example was rolled back
