"""Writes for clients and contacts: keyword-only and typed, validated by the models'
`full_clean()`, atomic, audited. What is left here is what no field can say: who may change
the directory, which contact is a client's primary one, and the text search reads."""

from __future__ import annotations

from typing import TypedDict, Unpack

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from clients.models import BuyingRole, Client, ClientStatus, Contact, Sector, SizeBand
from clients.permissions import can_change_clients
from config.errors import ApplicationError
from tenancy.models import Membership, Organization
from tenancy.services import audit_changes, audit_created, audit_snapshot
from tenancy.text import search_normalize

# The fields the audit trail follows (bench.generate writes the same).
CLIENT_FIELDS = [
    "legal_name",
    "trade_name",
    "tax_id",
    "country",
    "sector",
    "size_band",
    "city",
    "website",
    "status",
    "notes",
    "weight_price",
    "weight_time_to_market",
    "weight_delivery_time",
    "weight_quality",
]
CONTACT_FIELDS = ["full_name", "job_title", "buying_role", "email", "phone", "language", "is_primary"]


# What an update takes: a field given as None stays as it is.
class ClientChanges(TypedDict, total=False):
    legal_name: str | None
    tax_id: str | None
    trade_name: str | None
    country: str | None
    sector: str | None
    size_band: str | None
    city: str | None
    website: str | None
    status: str | None
    notes: str | None
    weight_price: int | None
    weight_time_to_market: int | None
    weight_delivery_time: int | None
    weight_quality: int | None


class ContactChanges(TypedDict, total=False):
    full_name: str | None
    job_title: str | None
    buying_role: str | None
    email: str | None
    phone: str | None
    language: str | None
    is_primary: bool | None


def _refuse_unless_keeper(actor: Membership) -> None:
    if not can_change_clients(actor):
        raise ApplicationError(
            _("Your role may read clients but not change them."), code="permission_denied", status=403
        )


def _save(instance: Client | Contact) -> None:
    """Save a row `full_clean()` accepted. A concurrent request may have saved a row that breaks
    a unique constraint with this one since: the database refuses this one, and `full_clean()`,
    which sees that row now, says why in the constraint's own words."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        instance.full_clean()
        raise


def _lock_and_apply(organization: Organization, instance, changes: dict, fields: list[str]):
    """The row locked for an update, with what is given of `fields` set on it (None: unchanged;
    any other name is a caller's mistake), and its audited fields as they were before."""
    if unknown := set(changes) - set(fields):
        raise TypeError(f"Unexpected changes: {', '.join(sorted(unknown))}")
    row = type(instance).objects.select_for_update().get(organization=organization, pk=instance.pk)
    before = audit_snapshot(row, fields)
    for name, value in changes.items():
        if value is not None:
            setattr(row, name, value)
    return row, before


def _clean_and_save(instance: Client | Contact, search_text) -> None:
    """`full_clean()`, then the text search reads (`search_text(instance)`), then `_save`."""
    instance.full_clean()
    instance.search_text = search_text(instance)
    _save(instance)


# --- Clients ------------------------------------------------------------------------------------


def _client_search_text(client: Client) -> str:
    return search_normalize(client.legal_name, client.trade_name, client.city, client.tax_id)


@transaction.atomic
def client_create(
    *,
    organization: Organization,
    actor: Membership,
    legal_name: str,
    tax_id: str,
    trade_name: str = "",
    country: str = "ES",
    sector: str = Sector.OTHER,
    size_band: str = SizeBand.SMALL,
    city: str = "",
    website: str = "",
    status: str = ClientStatus.PROSPECT,
    notes: str = "",
    weight_price: int = 25,
    weight_time_to_market: int = 25,
    weight_delivery_time: int = 25,
    weight_quality: int = 25,
) -> Client:
    _refuse_unless_keeper(actor)
    client = Client(
        organization=organization,
        legal_name=legal_name,
        tax_id=tax_id,
        trade_name=trade_name,
        country=country,
        sector=sector,
        size_band=size_band,
        city=city,
        website=website,
        status=status,
        notes=notes,
        weight_price=weight_price,
        weight_time_to_market=weight_time_to_market,
        weight_delivery_time=weight_delivery_time,
        weight_quality=weight_quality,
    )
    _clean_and_save(client, _client_search_text)
    audit_created(organization=organization, actor=actor.user, obj=client, fields=CLIENT_FIELDS)
    return client


@transaction.atomic
def client_update(
    *, organization: Organization, actor: Membership, client: Client, **changes: Unpack[ClientChanges]
) -> Client:
    """Changes what is given (None: unchanged); a weight is checked with the other three."""
    _refuse_unless_keeper(actor)
    client, before = _lock_and_apply(organization, client, changes, CLIENT_FIELDS)
    _clean_and_save(client, _client_search_text)
    audit_changes(organization=organization, actor=actor.user, action="client.update", obj=client, before=before)
    return client


# --- Contacts -----------------------------------------------------------------------------------


def _contact_search_text(contact: Contact) -> str:
    return search_normalize(contact.full_name, contact.email, contact.job_title)


def _make_primary(organization: Organization, contact: Contact) -> None:
    """The client's other primary contact steps down: a client has one."""
    Contact.objects.filter(organization=organization, client_id=contact.client_id, is_primary=True).exclude(
        pk=contact.pk
    ).update(is_primary=False)


@transaction.atomic
def contact_create(
    *,
    organization: Organization,
    actor: Membership,
    client: Client,
    full_name: str,
    job_title: str = "",
    buying_role: str = BuyingRole.USER,
    email: str = "",
    phone: str = "",
    language: str = "es",
    is_primary: bool = False,
) -> Contact:
    """A client's first contact is its primary one; a new primary contact replaces the old."""
    _refuse_unless_keeper(actor)
    # Locked: two contacts added at once must not both become the first, and primary.
    client = Client.objects.select_for_update().get(organization=organization, pk=client.pk)
    contact = Contact(
        organization=organization,
        client=client,
        full_name=full_name,
        job_title=job_title,
        buying_role=buying_role,
        email=email,
        phone=phone,
        language=language,
        is_primary=is_primary or not Contact.objects.filter(organization=organization, client=client).exists(),
    )
    if contact.is_primary:
        _make_primary(organization, contact)
    _clean_and_save(contact, _contact_search_text)
    audit_created(organization=organization, actor=actor.user, obj=contact, fields=CONTACT_FIELDS)
    return contact


@transaction.atomic
def contact_update(
    *, organization: Organization, actor: Membership, contact: Contact, **changes: Unpack[ContactChanges]
) -> Contact:
    """Changes what is given (None: unchanged). Making a contact primary unmakes the other."""
    _refuse_unless_keeper(actor)
    contact, before = _lock_and_apply(organization, contact, changes, CONTACT_FIELDS)
    if contact.is_primary:
        _make_primary(organization, contact)
    _clean_and_save(contact, _contact_search_text)
    audit_changes(organization=organization, actor=actor.user, action="contact.update", obj=contact, before=before)
    return contact
