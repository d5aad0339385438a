"""The health check that load balancers poll: cheap, uncached, and reachable over HTTP."""

import pytest

from tests.config.test_settings import _run


@pytest.mark.django_db
def test_the_health_check_answers_ok_without_touching_the_database(
    client, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_the_health_check_refuses_writes(client):
    assert client.post("/healthz").status_code == 405


def test_in_production_the_health_check_answers_over_http_where_other_pages_redirect():
    # The production settings, in a fresh interpreter: a load balancer polls over HTTP.
    probe = (
        "import django; django.setup(); "
        "from django.middleware.security import SecurityMiddleware; "
        "from django.test import RequestFactory; "
        "m = SecurityMiddleware(lambda r: None); f = RequestFactory(); "
        "print(m.process_request(f.get('/healthz')), "
        "m.process_request(f.get('/calls/')).status_code)"
    )
    result = _run(
        probe,
        DJANGO_DEBUG="False",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="testserver",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["None", "301"]
