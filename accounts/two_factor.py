"""Two-factor authentication: who must use it, and whether they have set it up.

Programme staff and administrators (a superuser or anyone who may use the admin) must
sign in with an authenticator app (TOTP, through django-allauth's MFA); everyone else
may. allauth asks for the code at every login of a user who has an authenticator, so
"has an active TOTP authenticator" is all the enforcement middleware needs to know.

That answer is kept in the cache, so a staff page costs no extra database query: it is
written whenever an authenticator is saved or deleted (allauth's views, the admin, a
deleted user), and re-read from the database when the cache has forgotten it. A save or
delete forgets the answer at once and writes the new one only when its transaction
commits: a rolled-back change leaves nothing behind but a re-read, and a reader in
between (another request, seeing the old rows) is overwritten by the commit.
"""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

CACHE_TIMEOUT = 60 * 60


def _cache_key(user_id) -> str:
    return f"accounts:totp-active:{user_id}"


def two_factor_required(user) -> bool:
    """Staff and administrators must use two-factor authentication."""
    if not settings.MFA_REQUIRED_FOR_STAFF or not user.is_authenticated:
        return False
    return user.is_programme_staff or user.is_staff or user.is_superuser


def has_active_totp(user) -> bool:
    key = _cache_key(user.pk)
    active = cache.get(key)
    if active is None:
        active = Authenticator.objects.filter(
            user_id=user.pk, type=Authenticator.Type.TOTP
        ).exists()
        cache.set(key, active, CACHE_TIMEOUT)
    return active


def _remember_on_commit(instance, active: bool, using) -> None:
    key = _cache_key(instance.user_id)
    cache.delete(key)
    # Run at once outside a transaction; discarded if the transaction is rolled back.
    transaction.on_commit(lambda: cache.set(key, active, CACHE_TIMEOUT), using=using)


@receiver(post_save, sender=Authenticator, dispatch_uid="accounts_totp_saved")
def _remember_totp_saved(sender, instance, using, **kwargs):
    if instance.type == Authenticator.Type.TOTP:
        _remember_on_commit(instance, True, using)


@receiver(post_delete, sender=Authenticator, dispatch_uid="accounts_totp_deleted")
def _remember_totp_deleted(sender, instance, using, **kwargs):
    if instance.type == Authenticator.Type.TOTP:
        _remember_on_commit(instance, False, using)


@checks.register(checks.Tags.security, deploy=True)
def check_two_factor_required(app_configs, **kwargs):
    """Turning the requirement off is for the local demo only."""
    if settings.MFA_REQUIRED_FOR_STAFF:
        return []
    return [
        checks.Warning(
            "MFA_REQUIRED_FOR_STAFF is False: staff and administrators may sign in "
            "without two-factor authentication.",
            hint="Unset MFA_REQUIRED_FOR_STAFF (it defaults to True) in production.",
            id="accounts.W001",
        )
    ]
