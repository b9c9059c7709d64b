"""Reads for clients. The client directory is shared by everyone in the organisation;
what is private per person is the accounts (see accounts.selectors)."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from clients.models import Client, Contact
from tenancy.models import Organization
from tenancy.text import search_terms


def client_list(*, organization: Organization) -> QuerySet[Client]:
    """The directory by name (ClientFilter sorts it otherwise), with each client's number of
    contacts. No count of accounts: it would tell everyone how many private accounts a client has.

    The number of contacts is a subquery per client shown rather than a join grouped over
    the whole directory: a page of 25 reads 25 clients' contacts, and counting the
    directory's rows does not read contacts at all."""
    contacts = (
        Contact.objects.filter(organization=organization, client=OuterRef("pk"))
        .order_by()
        .values("client")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Client.objects.filter(organization=organization)
        .annotate(contact_count=Coalesce(Subquery(contacts), 0))
        .order_by("legal_name", "id")
    )


def client_get(*, organization: Organization, client_id: int) -> Client:
    return (
        Client.objects.filter(organization=organization)
        .prefetch_related(Prefetch("contacts", queryset=Contact.objects.filter(organization=organization)))
        .get(pk=client_id)
    )


def contact_list(*, organization: Organization) -> QuerySet[Contact]:
    return Contact.objects.filter(organization=organization).select_related("client")


def contact_get(*, organization: Organization, contact_id: int) -> Contact:
    return contact_list(organization=organization).get(pk=contact_id)


def matching(queryset: QuerySet, query: str) -> QuerySet:
    """Rows whose normalised search text contains every term of `query`."""
    condition = Q()
    for term in search_terms(query):
        condition &= Q(search_text__contains=term)
    return queryset.filter(condition)
