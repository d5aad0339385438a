"""The authentication backends, reading the signed-in user through the cache.

Every signed-in request loads its user; from the database that is a query and its
compilation, the largest part of serving a stored page (config/page_cache.py). The
user's row is kept in the cache under the version of the users table, so any
committed change to any user (a new password, deactivation, a new role, a login's
``last_login``) makes the next request read it from the database again.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from config import page_cache


class CachedUserMixin:
    def get_user(self, user_id):
        from django.contrib.auth import get_user_model

        User = get_user_model()  # noqa: N806 - Django's own spelling
        user = page_cache.cached_row(User, user_id, lambda: _load(User, user_id))
        return user if user is not None and self.user_can_authenticate(user) else None


def _load(User, user_id):  # noqa: N803
    try:
        return User._default_manager.get(pk=user_id)
    except User.DoesNotExist:
        return None


class ModelBackend(CachedUserMixin, DjangoModelBackend):
    """Django's backend (the admin's and ``force_login``'s), with the user cached."""


class AuthenticationBackend(CachedUserMixin, AllauthBackend):
    """allauth's backend (sign-in by e-mail), with the user cached."""
