"""Writes for clients and contacts: keyword-only and typed, validated by the models'
`full_clean()`, atomic, audited. What is left here is what no field can say: who may change
the directory, which contact is a client's primary one, and the text search reads."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from clients.models import BuyingRole, Client, ClientStatus, Contact, Sector, SizeBand
from clients.permissions import can_change_clients
from config.errors import ApplicationError
from tenancy.models import Membership, Organization
from tenancy.services import audit_changes, audit_record, audit_snapshot
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


def _audit_created(organization: Organization, actor: Membership, obj: Client | Contact, fields: list[str]) -> None:
    changes = {name: [None, value] for name, value in audit_snapshot(obj, fields).items()}
    action = f"{obj._meta.model_name}.create"
    audit_record(organization=organization, actor=actor.user, action=action, obj=obj, changes=changes)


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
    client.full_clean()
    client.search_text = _client_search_text(client)
    _save(client)
    _audit_created(organization, actor, client, CLIENT_FIELDS)
    return client


@transaction.atomic
def client_update(
    *,
    organization: Organization,
    actor: Membership,
    client: Client,
    legal_name: str | None = None,
    tax_id: str | None = None,
    trade_name: str | None = None,
    country: str | None = None,
    sector: str | None = None,
    size_band: str | None = None,
    city: str | None = None,
    website: str | None = None,
    status: str | None = None,
    notes: str | None = None,
    weight_price: int | None = None,
    weight_time_to_market: int | None = None,
    weight_delivery_time: int | None = None,
    weight_quality: int | None = None,
) -> Client:
    """Changes what is given (None: unchanged); a weight is checked with the other three."""
    _refuse_unless_keeper(actor)
    client = Client.objects.select_for_update().get(organization=organization, pk=client.pk)
    before = audit_snapshot(client, CLIENT_FIELDS)
    changes = {
        "legal_name": legal_name,
        "tax_id": tax_id,
        "trade_name": trade_name,
        "country": country,
        "sector": sector,
        "size_band": size_band,
        "city": city,
        "website": website,
        "status": status,
        "notes": notes,
        "weight_price": weight_price,
        "weight_time_to_market": weight_time_to_market,
        "weight_delivery_time": weight_delivery_time,
        "weight_quality": weight_quality,
    }
    for name, value in changes.items():
        if value is not None:
            setattr(client, name, value)
    client.full_clean()
    client.search_text = _client_search_text(client)
    _save(client)
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
    contact.full_clean()
    contact.search_text = _contact_search_text(contact)
    _save(contact)
    _audit_created(organization, actor, contact, CONTACT_FIELDS)
    return contact


@transaction.atomic
def contact_update(
    *,
    organization: Organization,
    actor: Membership,
    contact: Contact,
    full_name: str | None = None,
    job_title: str | None = None,
    buying_role: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    language: str | None = None,
    is_primary: bool | None = None,
) -> Contact:
    """Changes what is given (None: unchanged). Making a contact primary unmakes the other."""
    _refuse_unless_keeper(actor)
    contact = Contact.objects.select_for_update().get(organization=organization, pk=contact.pk)
    before = audit_snapshot(contact, CONTACT_FIELDS)
    changes = {
        "full_name": full_name,
        "job_title": job_title,
        "buying_role": buying_role,
        "email": email,
        "phone": phone,
        "language": language,
        "is_primary": is_primary,
    }
    for name, value in changes.items():
        if value is not None:
            setattr(contact, name, value)
    if contact.is_primary:
        _make_primary(organization, contact)
    contact.full_clean()
    contact.search_text = _contact_search_text(contact)
    _save(contact)
    audit_changes(organization=organization, actor=actor.user, action="contact.update", obj=contact, before=before)
    return contact
