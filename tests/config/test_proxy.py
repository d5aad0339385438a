"""Behind the TLS proxy, the portal tells people apart by the address the proxy reports:
allauth's login and sign-up rate limits (30 logins a minute per address) would
otherwise count everyone as the proxy, and lock the whole site out at a busy hour."""

from tests.config.test_settings import _run

PROBE = (
    "import django; django.setup(); "
    "from allauth.account.adapter import get_adapter; "
    "from django.test import RequestFactory; "
    "request = RequestFactory().get('/', HTTP_X_FORWARDED_FOR='203.0.113.7', "
    "REMOTE_ADDR='127.0.0.1'); "
    "print(get_adapter().get_client_ip(request))"
)
PRODUCTION = {
    "DJANGO_DEBUG": "False",
    "DJANGO_SECRET_KEY": "x" * 50,
    "DJANGO_ALLOWED_HOSTS": "testserver",
}


def test_behind_the_proxy_rate_limits_count_the_address_the_proxy_reports():
    result = _run(PROBE, **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "203.0.113.7"


def test_without_a_proxy_a_forwarded_address_is_not_believed():
    result = _run(PROBE, **PRODUCTION, DJANGO_BEHIND_TLS_PROXY="False")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "127.0.0.1"
