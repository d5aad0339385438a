"""Two-factor helpers for tests, built on allauth's own TOTP functions."""

import time

from allauth.mfa import app_settings
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)


def activate_totp(user, *, recovery_codes: bool = False) -> str:
    """Give ``user`` an active authenticator app; returns its secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    if recovery_codes:
        RecoveryCodes.activate(user)
    return secret


def totp_code(secret: str, *, periods_from_now: int = 0) -> str:
    """The code an authenticator app shows now (or that many periods away)."""
    counter = int(time.time()) // app_settings.TOTP_PERIOD + periods_from_now
    return format_hotp_value(hotp_value(secret, counter))
