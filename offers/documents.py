"""The offer as a document for the client: an A4 PDF (WeasyPrint) in the language of the client's
contact it is for."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, IntegerField, Value, When
from django.template.loader import render_to_string
from django.utils import timezone, translation

from billing.documents import css_string
from clients.models import Contact
from offers.models import Offer
from tenancy.models import Organization


@dataclass(frozen=True)
class OfferReader:
    """Who the offer is for: the client's primary contact, else its decision maker, else its first
    contact; their language when the application speaks it, else the organisation's."""

    name: str
    email: str
    language: str


def offer_reader(*, organization: Organization, offer: Offer) -> OfferReader:
    """One query."""
    contact = (
        Contact.objects.filter(organization=organization, client_id=offer.account.client_id)
        .annotate(
            rank=Case(
                When(is_primary=True, then=Value(0)),
                When(buying_role="decision_maker", then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "full_name", "id")
        .values("full_name", "email", "language")
        .first()
    )
    spoken = {code for code, _name in settings.LANGUAGES}
    if contact is None:
        return OfferReader("", "", organization.default_language)
    language = contact["language"] if contact["language"] in spoken else organization.default_language
    return OfferReader(contact["full_name"], contact["email"], language)


def offer_pdf(*, organization: Organization, offer: Offer, language: str) -> bytes:
    """The offer's current revision as an A4 PDF in `language`. `offer` as offers.selectors.offer_get
    reads it (its lines and revisions)."""
    from weasyprint import HTML  # imported on use: it loads Pango and fonts

    with translation.override(language):
        context = {
            "offer": offer,
            "organization": organization,
            "client": offer.account.client,
            "lines": offer.current_lines,
            "revision": offer.current,
            "printed_on": timezone.localdate(),
            "language": language,
            "css": {
                "organisation": css_string(organization.name),
                "title": css_string(f"{offer.number} · {offer.title}"),
            },
        }
        html = render_to_string("offers/offer_pdf.html", context)
    return HTML(string=html).write_pdf()
