"""Writes for clients and contacts. Atomic, validated, audited."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from clients.models import BuyingRole, Client, ClientStatus, Contact, Sector, SizeBand
from clients.reference import CONTACT_LANGUAGE_CHOICES, COUNTRY_CHOICES, TaxIdError, normalize_tax_id
from config.errors import ApplicationError
from tenancy.models import Membership, Organization
from tenancy.services import audit_changes, audit_record, audit_snapshot, check_lengths
from tenancy.text import search_normalize

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
WEIGHT_FIELDS = ["weight_price", "weight_time_to_market", "weight_delivery_time", "weight_quality"]
# A phone as people write one: "+34 973 12 34 56", "(93) 123-45-67", "973.123.456"; at least six digits.
PHONE = re.compile(r"\+?[0-9(][0-9 ().\-/]*")


def can_edit_clients(membership: Membership) -> bool:
    """Admins, sales leads and account executives keep the client directory; finance reads it."""
    return membership.is_active and (membership.is_admin or membership.is_sales_lead or membership.is_account_executive)


def _require_editor(membership: Membership) -> None:
    if not can_edit_clients(membership):
        raise ApplicationError(
            _("Your role may read clients but not change them."), code="permission_denied", status=403
        )


def _refuse_unknown(data: dict[str, Any], allowed: list[str]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ApplicationError(_("Unknown field: %(field)s.") % {"field": unknown[0]})


def _clean_client(organization: Organization, data: dict[str, Any], instance: Client | None) -> dict[str, Any]:
    check_lengths(Client, **{k: v for k, v in data.items() if isinstance(v, str) and k != "tax_id"})
    errors: dict[str, str] = {}
    if "legal_name" in data and not (data["legal_name"] or "").strip():
        errors["legal_name"] = _("This field is required.")
    country = data.get("country", instance.country if instance else "ES")
    if country not in dict(COUNTRY_CHOICES):
        errors["country"] = _("Choose a country from the list.")
    for field, choices in (
        ("sector", Sector.choices),
        ("size_band", SizeBand.choices),
        ("status", ClientStatus.choices),
    ):
        if field in data and data[field] not in dict(choices):
            errors[field] = _("Choose a value from the list.")
    if "website" in data and data["website"]:
        try:
            URLValidator(schemes=["http", "https"])(data["website"])
        except ValidationError:
            errors["website"] = _("Enter a full web address, like https://example.com.")
    if ("tax_id" in data or "country" in data) and "country" not in errors:
        try:
            data["tax_id"] = normalize_tax_id(country, data.get("tax_id", instance.tax_id if instance else ""))
        except TaxIdError as error:
            errors["tax_id"] = str(error)
    if any(field in data for field in WEIGHT_FIELDS):
        weights = {field: data.get(field, getattr(instance, field) if instance else 25) for field in WEIGHT_FIELDS}
        if any(not isinstance(w, int) or isinstance(w, bool) or not 0 <= w <= 100 for w in weights.values()):
            errors["weights"] = _("Each weight is a whole number from 0 to 100.")
        elif sum(weights.values()) != 100:
            errors["weights"] = _("The four weights must add up to 100 (they add up to %(total)s).") % {
                "total": sum(weights.values())
            }
    if errors:
        first = next(iter(errors.values()))
        raise ApplicationError(first if len(errors) == 1 else _("Some fields need attention."), errors)
    tax_id = data.get("tax_id")
    if (
        tax_id
        and Client.objects.filter(organization=organization, tax_id=tax_id)
        .exclude(pk=instance.pk if instance else None)
        .exists()
    ):
        raise ApplicationError(
            _("A client with this tax id already exists."), {"tax_id": _("A client with this tax id already exists.")}
        )
    for key in ("legal_name", "trade_name", "city", "notes"):
        if key in data and isinstance(data[key], str):
            data[key] = data[key].strip()
    return data


def _client_search_text(client: Client) -> str:
    return search_normalize(client.legal_name, client.trade_name, client.city, client.tax_id)


@transaction.atomic
def client_create(*, organization: Organization, actor: Membership, **data: Any) -> Client:
    _require_editor(actor)
    _refuse_unknown(data, CLIENT_FIELDS)
    data.setdefault("legal_name", "")
    data.setdefault("tax_id", "")
    data = _clean_client(organization, data, None)
    client = Client(organization=organization, **data)
    client.search_text = _client_search_text(client)
    client.save()
    audit_record(
        organization=organization,
        actor=actor.user,
        action="client.create",
        obj=client,
        changes={k: [None, v] for k, v in audit_snapshot(client, CLIENT_FIELDS).items()},
    )
    return client


@transaction.atomic
def client_update(*, organization: Organization, actor: Membership, client: Client, **data: Any) -> Client:
    _require_editor(actor)
    _refuse_unknown(data, CLIENT_FIELDS)
    client = Client.objects.select_for_update().get(organization=organization, pk=client.pk)
    data = _clean_client(organization, dict(data), client)
    before = audit_snapshot(client, CLIENT_FIELDS)
    for key, value in data.items():
        setattr(client, key, value)
    client.search_text = _client_search_text(client)
    client.save()
    audit_changes(organization=organization, actor=actor.user, action="client.update", obj=client, before=before)
    return client


def _clean_contact(data: dict[str, Any]) -> dict[str, Any]:
    if isinstance(data.get("email"), str):
        data["email"] = data["email"].strip().lower()
    check_lengths(Contact, **{k: v for k, v in data.items() if isinstance(v, str)})
    errors = {}
    if "full_name" in data and not (data["full_name"] or "").strip():
        errors["full_name"] = _("This field is required.")
    if data.get("email"):
        try:
            validate_email(data["email"])
        except ValidationError:
            errors["email"] = _("Enter a valid email address.")
    phone = data.get("phone")
    phone = phone.strip() if isinstance(phone, str) else phone
    if phone and not (isinstance(phone, str) and PHONE.fullmatch(phone) and sum(c.isdigit() for c in phone) >= 6):
        errors["phone"] = _("Enter a phone number: digits, spaces and + ( ) - . only.")
    if "buying_role" in data and data["buying_role"] not in dict(BuyingRole.choices):
        errors["buying_role"] = _("Choose a value from the list.")
    if "language" in data and data["language"] not in dict(CONTACT_LANGUAGE_CHOICES):
        errors["language"] = _("Choose a value from the list.")
    if errors:
        raise ApplicationError(
            next(iter(errors.values())) if len(errors) == 1 else _("Some fields need attention."), errors
        )
    for key in ("full_name", "job_title", "phone"):
        if isinstance(data.get(key), str):
            data[key] = data[key].strip()
    return data


def _make_primary(organization: Organization, contact: Contact) -> None:
    Contact.objects.filter(organization=organization, client_id=contact.client_id, is_primary=True).exclude(
        pk=contact.pk
    ).update(is_primary=False)


@transaction.atomic
def contact_create(*, organization: Organization, actor: Membership, client: Client, **data: Any) -> Contact:
    _require_editor(actor)
    _refuse_unknown(data, CONTACT_FIELDS)
    data.setdefault("full_name", "")
    data = _clean_contact(data)
    client = Client.objects.select_for_update().get(organization=organization, pk=client.pk)
    contact = Contact(organization=organization, client=client, **data)
    contact.search_text = search_normalize(contact.full_name, contact.email, contact.job_title)
    if contact.is_primary or not Contact.objects.filter(organization=organization, client=client).exists():
        contact.is_primary = True
        _make_primary(organization, contact)
    contact.save()
    audit_record(
        organization=organization,
        actor=actor.user,
        action="contact.create",
        obj=contact,
        changes={k: [None, v] for k, v in audit_snapshot(contact, CONTACT_FIELDS).items()},
    )
    return contact


@transaction.atomic
def contact_update(*, organization: Organization, actor: Membership, contact: Contact, **data: Any) -> Contact:
    _require_editor(actor)
    _refuse_unknown(data, CONTACT_FIELDS)
    data = _clean_contact(dict(data))
    contact = Contact.objects.select_for_update().get(organization=organization, pk=contact.pk)
    before = audit_snapshot(contact, CONTACT_FIELDS)
    for key, value in data.items():
        setattr(contact, key, value)
    contact.search_text = search_normalize(contact.full_name, contact.email, contact.job_title)
    if data.get("is_primary"):
        _make_primary(organization, contact)
    contact.save()
    audit_changes(organization=organization, actor=actor.user, action="contact.update", obj=contact, before=before)
    return contact
