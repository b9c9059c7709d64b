"""What the isolation suites need to know about each route and table, and nothing else.

A new URL parameter, API list or tenant-owned model that is not described here makes
the isolation suites fail: describing it is how a new route or table gets covered.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.apps import apps
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver

from tenancy.models import TenantOwned
from tenancy.scope import cross_tenant_scope_dangerously

# URL kwarg -> how to find an object of that kind in an organisation built by tests.factories.
ID_SOURCES = {
    "membership_id": lambda org: org.ae.pk,
    "team_id": lambda org: org.team.pk,
    "token_id": lambda org: org.token.pk,
    "client_id": lambda org: org.client.pk,
    "contact_id": lambda org: org.contact.pk,
    "account_id": lambda org: org.account.pk,
    "member_id": lambda org: org.account_member.pk,
    "objective_id": lambda org: org.objective.pk,
    "activity_id": lambda org: org.activity.pk,
    "incident_id": lambda org: org.incident.pk,
    "export_id": lambda org: org.export.pk,
    "invitation_id": lambda org: org.invitation.pk,
    "product_id": lambda org: org.product.pk,
    "tax_rate_id": lambda org: org.vat21.pk,
    "category_id": lambda org: org.category.pk,
    "payment_id": lambda org: org.payment.pk,
    "invoice_id": lambda org: org.invoice.pk,
    "line_id": lambda org: org.invoice_line.pk,
    "credit_note_id": lambda org: org.credit_note.pk,
    "batch_id": lambda org: org.statement_batch.pk,
    "offer_id": lambda org: org.offer.pk,
    "offer_line_id": lambda org: org.offer_lines[0].pk,
    "order_id": lambda org: org.order.pk,
    "order_line_id": lambda org: org.order_lines[0].pk,
    "delivery_id": lambda org: org.delivery.pk,
}

# API list operations (url name) -> the ids the asker's organisation must show, exactly.
API_LISTS = {
    "api-memberships": lambda org: sorted(m.pk for m in (org.admin, org.lead, org.ae, org.ae2, org.finance)),
    "api-teams": lambda org: [org.team.pk],
    "api-tokens": lambda org: [org.token.pk],  # the asker (admin) sees only their own tokens
    "api-clients": lambda org: [org.client.pk],
    "api-contacts": lambda org: [org.contact.pk],
    "api-accounts": lambda org: [org.account.pk],
    "api-account-team": lambda org: [org.account_member.pk],
    "api-objectives": lambda org: [org.objective.pk],
    "api-activities": lambda org: [org.activity.pk],
    "api-incidents": lambda org: [org.incident.pk],
    "api-products": lambda org: sorted([org.product.pk, org.product2.pk, org.old_product.pk]),
    "api-tax-rates": lambda org: sorted(rate.pk for rate in tax_rates_of(org)),
    "api-categories": lambda org: [org.category.pk],
    "api-payments": lambda org: [org.payment.pk],
    "api-allocations": lambda org: [org.allocation.pk],
    "api-invoices": lambda org: [org.invoice.pk],
    "api-credit-notes": lambda org: [org.credit_note.pk],
    "api-offers": lambda org: sorted([org.offer.pk, org.won_offer.pk]),
    "api-risk-policy-versions": lambda org: [org.risk_policy.pk],
    "api-orders": lambda org: [org.order.pk],
    "api-order-check": lambda org: [org.order_lines[0].pk],  # invoiced 3 (the world's invoice line), delivered 1
}
# reads of one report or row, not lists of rows
API_NOT_LISTS = {"api-me", "api-billing-aging", "api-billing-dso", "api-risk-policy"}


def tax_rates_of(org) -> list:
    """The organisation's tax rates (the defaults every organisation starts with)."""
    from catalog.models import TaxRate

    with transaction.atomic(), cross_tenant_scope_dangerously(user=SUPERUSER):
        return list(TaxRate.objects.filter(organization=org.org))


# Routes outside any organisation, and why they are safe there.
NON_TENANT_ROUTES = {
    "healthz": "status of database, broker and worker; no tenant data",
    "api-schema": "the OpenAPI document; no data",
    "api-docs": "the API documentation page; no data",
    "home": "lists the person's own organisations (membership policy on app.user_id)",
    "login": "sign in",
    "logout": "sign out",
    "set_language": "the person's language",
    "invitations": "the person's own invitations, before they belong (invitation policy on app.user_id)",
    "invitation_answer": "answers one of the person's own invitations; anyone else's is not found",
    "password_reset": "Django's password reset",
    "password_reset_done": "Django's password reset",
    "password_reset_confirm": "Django's password reset",
    "password_reset_complete": "Django's password reset",
}

SUPERUSER = SimpleNamespace(is_active=True, is_superuser=True)


def iter_patterns(resolver=None, prefix: str = "", namespace: str | None = None):
    """Yield (route, name, namespace, callback) for every URL pattern, nested includes too."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from iter_patterns(pattern, route, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.name, namespace, pattern.callback, pattern


def tenant_routes():
    return [
        (route, name, callback, pattern)
        for route, name, ns, callback, pattern in iter_patterns()
        if "<slug:org_slug>" in route
    ]


def tenant_models() -> list[type]:
    return [model for model in apps.get_models() if issubclass(model, TenantOwned)]


def snapshot() -> dict:
    """Every row of every tenant table and of organisations and people, across tenants."""
    from tenancy.models import Organization, User

    with transaction.atomic(), cross_tenant_scope_dangerously(user=SUPERUSER):
        rows = {
            model._meta.label: sorted(map(repr, model.objects.order_by("pk").values())) for model in tenant_models()
        }
    rows["Organization"] = sorted(map(repr, Organization.objects.values()))
    rows["User"] = sorted(map(repr, User.objects.values()))
    return rows


def fill_route(route: str, slug: str, org) -> str:
    """Turn 'o/<slug:org_slug>/teams/<int:team_id>/' into '/o/porta/teams/7/'."""
    import re

    def replace(match):
        name = match.group(2)
        if name == "org_slug":
            return slug
        if name not in ID_SOURCES:
            raise AssertionError(
                f"The URL parameter {name!r} in {route!r} is not in tests/tenancy/isolation.py ID_SOURCES"
            )
        return str(ID_SOURCES[name](org))

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", replace, route)


def secrets_of(org) -> list[str]:
    """Strings that only `org` has: if any shows up in another organisation's answer, it leaked."""
    people = (org.admin, org.lead, org.ae, org.ae2, org.finance)
    portfolio = [
        org.client.legal_name,
        org.contact.email,
        org.account.name,
        org.activity.summary,
        org.incident.title,
        org.activity.next_step,
        org.product.sku,
    ]
    books = [org.payment.reference]  # "PORTA-TRANSFER-1": invoice numbers repeat across organisations
    return (
        [m.user.email for m in people]
        + [org.team.name, org.token.prefix, org.org.name, org.invitation.email]
        + portfolio
        + books
    )


def body(response) -> bytes:
    """What a response sends, streamed (a file download) or not."""
    return b"".join(response.streaming_content) if response.streaming else response.content
