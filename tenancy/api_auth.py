"""DRF authentication that trusts only what TenantMiddleware resolved."""

from rest_framework.authentication import BaseAuthentication, SessionAuthentication


class MembershipTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`: the middleware found the token inside the URL's
    organisation; here DRF is told who it belongs to."""

    def authenticate(self, request):
        token = getattr(request._request, "api_token", None)
        if token is None:
            return None
        return (request._request.membership.user, token)

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class CsrfSessionAuthentication(SessionAuthentication):
    """Browser sessions, with DRF's CSRF enforcement for unsafe methods."""
