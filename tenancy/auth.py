"""Email login with throttling per account and per client address."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from tenancy.models import User


class LoginThrottled(PermissionDenied):
    pass


def _keys(email: str, address: str) -> tuple[str, str]:
    return f"login-fail:account:{email.strip().lower()}", f"login-fail:address:{address}"


def client_address(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a proxy we trust rewrites it.
    return (request.META.get("REMOTE_ADDR") if request is not None else None) or "unknown"


def login_is_throttled(email: str, address: str) -> bool:
    account_key, address_key = _keys(email, address)
    return (cache.get(account_key, 0) >= settings.LOGIN_THROTTLE_PER_ACCOUNT) or (
        cache.get(address_key, 0) >= settings.LOGIN_THROTTLE_PER_ADDRESS
    )


def login_failed(email: str, address: str) -> None:
    for key in _keys(email, address):
        cache.add(key, 0, settings.LOGIN_THROTTLE_WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, settings.LOGIN_THROTTLE_WINDOW_SECONDS)


def login_succeeded(email: str) -> None:
    cache.delete(_keys(email, "")[0])


class ThrottledEmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        email = (username or kwargs.get("email") or "").strip()
        if not email or password is None:
            return None
        address = client_address(request)
        if login_is_throttled(email, address):
            raise LoginThrottled(_("Too many failed attempts. Wait a few minutes and try again."))
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
