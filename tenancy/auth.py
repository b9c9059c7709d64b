"""Email sign-in, throttled so that guessing is slow and knowing one's password always works.

Two counters of wrong passwords, each for a window of LOGIN_THROTTLE_WINDOW_SECONDS:

- per account: past LOGIN_THROTTLE_PER_ACCOUNT the account waits, even for its right password
  (whoever is guessing it does not learn when they got it right). Signing in resets it.
- per client address: past LOGIN_THROTTLE_PER_ADDRESS its wrong guesses are answered "too many
  attempts", but a right password still signs in: an office behind one address is not locked
  out because someone there (or someone spraying guesses through it) mistyped. What bounds
  guessing is the per-account limit, wherever the guesses come from.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from tenancy.models import User

# When this session signed in (a timestamp): a membership reactivated after it does not accept it.
SIGNED_IN_AT = "signed_in_at"


class LoginThrottled(PermissionDenied):
    pass


def _account_key(email: str) -> str:
    return f"login-fail:account:{email.strip().lower()}"


def _address_key(address: str) -> str:
    return f"login-fail:address:{address}"


def client_address(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a proxy we trust rewrites it.
    return (request.META.get("REMOTE_ADDR") if request is not None else None) or "unknown"


def account_is_throttled(email: str) -> bool:
    return cache.get(_account_key(email), 0) >= settings.LOGIN_THROTTLE_PER_ACCOUNT


def address_is_throttled(address: str) -> bool:
    return cache.get(_address_key(address), 0) >= settings.LOGIN_THROTTLE_PER_ADDRESS


def login_failed(email: str, address: str) -> None:
    for key in (_account_key(email), _address_key(address)):
        cache.add(key, 0, settings.LOGIN_THROTTLE_WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, settings.LOGIN_THROTTLE_WINDOW_SECONDS)


def login_succeeded(email: str) -> None:
    cache.delete(_account_key(email))


def login_refusal(email: str, address: str) -> str:
    """What a refused sign-in says: the same whether the account exists or not."""
    if account_is_throttled(email) or address_is_throttled(address):
        return _("Too many failed attempts. Wait a few minutes and try again.")
    return _("The email or the password is not right.")


def mark_signed_in(request) -> None:
    request.session[SIGNED_IN_AT] = time.time()


class ThrottledEmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        email = (username or kwargs.get("email") or "").strip()
        if not email or password is None:
            return None
        if account_is_throttled(email):
            raise LoginThrottled(_("Too many failed attempts. Wait a few minutes and try again."))
        address = client_address(request)
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            User().set_password(password)  # same time whether or not the account exists
            login_failed(email, address)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            login_succeeded(email)
            return user
        login_failed(email, address)
        return None
