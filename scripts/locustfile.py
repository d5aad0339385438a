"""Simulated users of the load test (scripts/loadtest.py starts locust with this file).

Applicants sign in with a real login (CSRF token and all), open their applications
and the form, then submit a complete draft through the submit page, one draft after
another from the pool the driver prepared; committee members, staff, a donor viewer
and anonymous visitors browse their pages meanwhile. Every response status is counted,
and every submission the portal confirmed is written to the results file, for the
driver to compare with the rows in the database.

The plan (drafts, sessions, paths) comes from the JSON file named by ``LOADTEST_PLAN``.
"""

import itertools
import json
import os
import re
from collections import Counter
from http.cookiejar import DefaultCookiePolicy

from locust import HttpUser, between, events, task

PLAN = json.loads(open(os.environ["LOADTEST_PLAN"]).read())  # noqa: SIM115
DRAFTS = list(PLAN["drafts"])  # [[email, application id], ...], each handed out once
STATUSES: Counter = Counter()
SERVER_ERRORS: list[str] = []
SUBMITTED: list[int] = []
REFUSED: list[str] = []
# Each simulated person comes from their own address, as the TLS proxy would tell the
# portal in X-Forwarded-For (documentation addresses, RFC 5737: no traffic goes there).
ADDRESSES = (
    f"198.51.100.{n % 250 + 1}" if n < 250 else f"203.0.113.{n % 250 + 1}"
    for n in itertools.count()
)
REFERENCE = re.compile(r"data-reference>([^<]+)<")


def _loopback_is_secure(policy, cookie, request):
    """Production cookies are Secure; loopback stands in for the TLS proxy here, so they
    go back over plain HTTP (as browsers do for http://localhost). Set on the class:
    requests copies the session's cookies into a jar of the default policy."""
    return True


DefaultCookiePolicy.return_ok_secure = _loopback_is_secure


@events.request.add_listener
def count_status(request_type, name, response, exception, **kwargs):
    status = getattr(response, "status_code", 0) or 0
    STATUSES[str(status)] += 1
    if status >= 500:
        SERVER_ERRORS.append(f"{status} {request_type} {name}")


@events.quitting.add_listener
def write_results(environment, **kwargs):
    with open(PLAN["results"], "w") as results:
        json.dump(
            {
                "statuses": dict(STATUSES),
                "server_error_requests": SERVER_ERRORS,
                "submitted": SUBMITTED,
                "refused": REFUSED,
                "requests": environment.stats.total.num_requests,
                "failures": environment.stats.total.num_failures,
                "rps": round(environment.stats.total.total_rps, 1),
                "p50_ms": environment.stats.total.get_response_time_percentile(0.5),
                "p95_ms": environment.stats.total.get_response_time_percentile(0.95),
                "p99_ms": environment.stats.total.get_response_time_percentile(0.99),
                "drafts_left": len(DRAFTS),
            },
            results,
        )


class Person(HttpUser):
    abstract = True
    wait_time = between(0.5, 2)

    def on_start(self):
        self.client.headers["X-Forwarded-For"] = next(ADDRESSES)

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")


class Applicant(Person):
    """Signs in, looks at the organisation's applications, submits a draft; then the
    next draft of the pool, signing in as its owner."""

    weight = 6

    def on_start(self):
        super().on_start()
        self.email = None

    def sign_in(self, email: str) -> bool:
        if self.email is not None:
            self.client.post(
                "/accounts/logout/", {"csrfmiddlewaretoken": self.csrf()}, name="/accounts/logout/"
            )
            self.client.cookies.clear()
        self.client.get("/accounts/login/")
        with self.client.post(
            "/accounts/login/",
            {"login": email, "password": PLAN["password"], "csrfmiddlewaretoken": self.csrf()},
            catch_response=True,
        ) as response:
            if "sessionid" not in self.client.cookies:
                response.failure(f"login of {email} refused ({response.status_code})")
                return False
        self.email = email
        return True

    @task
    def submit_next_draft(self):
        if not DRAFTS:
            self.client.get("/calls/")
            if self.email:
                self.client.get("/applications/")
            return
        email, pk = DRAFTS.pop()
        if email != self.email and not self.sign_in(email):
            REFUSED.append(f"{pk}: login refused")
            return
        self.client.get("/applications/")
        self.client.get(f"/applications/{pk}/", name="/applications/[id]/")
        self.client.get(
            f"/applications/{pk}/edit/summary/", name="/applications/[id]/edit/summary/"
        )
        self.client.get(f"/applications/{pk}/submit/", name="/applications/[id]/submit/")
        with self.client.post(
            f"/applications/{pk}/submit/",
            {"csrfmiddlewaretoken": self.csrf()},
            name="/applications/[id]/submit/",
            catch_response=True,
        ) as response:
            found = REFERENCE.search(response.text or "")
            landed = response.url.rstrip("/").endswith(f"/applications/{pk}")
            if response.status_code == 200 and landed and found:
                SUBMITTED.append(pk)
            else:
                REFUSED.append(f"{pk}: {response.status_code} at {response.url}")
                response.failure(f"submission of {pk} not confirmed")


class SignedInBrowser(Person):
    """Someone with a session made by the driver (committee, staff, donor: accounts with
    an authenticator are signed in as allauth leaves them after the TOTP step)."""

    abstract = True
    who = ""
    paths: list[str] = []

    def on_start(self):
        super().on_start()
        self.client.cookies.set("sessionid", PLAN["sessions"][self.who])

    @task
    def browse(self):
        for path in self.paths:
            self.client.get(path, name=re.sub(r"/\d+/", "/[id]/", path))


class CommitteeMember(SignedInBrowser):
    weight = 1
    who = "member"
    paths = PLAN["paths"]["member"]


class Staff(SignedInBrowser):
    weight = 1
    who = "staff"
    paths = PLAN["paths"]["staff"]


class Donor(SignedInBrowser):
    weight = 1
    who = "donor"
    paths = PLAN["paths"]["donor"]


class Visitor(Person):
    weight = 1
    paths = PLAN["paths"]["public"]

    @task
    def browse(self):
        for path in self.paths:
            self.client.get(path)
