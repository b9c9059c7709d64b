"""How the API's authentication appears in the OpenAPI document."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "tenancy.api_auth.MembershipTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token of one membership (create it under API tokens). Valid only on its organisation's URLs.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "tenancy.api_auth.CsrfSessionAuthentication"
    name = "sessionCookie"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "The browser session; unsafe methods also need the X-CSRFToken header.",
        }
