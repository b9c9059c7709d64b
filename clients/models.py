"""Client companies, what each values most, and their contacts."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from clients.reference import CONTACT_LANGUAGE_CHOICES, COUNTRY_CHOICES
from tenancy.models import TenantOwned


class Sector(models.TextChoices):
    TECHNOLOGY = "technology", _("Technology")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    RETAIL = "retail", _("Retail")
    HOSPITALITY = "hospitality", _("Hospitality and tourism")
    HEALTHCARE = "healthcare", _("Healthcare")
    EDUCATION = "education", _("Education")
    FINANCE = "finance", _("Financial services")
    PUBLIC = "public", _("Public sector")
    LOGISTICS = "logistics", _("Logistics and transport")
    MEDIA = "media", _("Media and marketing")
    ENERGY = "energy", _("Energy and utilities")
    CONSTRUCTION = "construction", _("Construction and real estate")
    FOOD = "food", _("Food and beverages")
    PROFESSIONAL = "professional", _("Professional services")
    OTHER = "other", _("Other")


class SizeBand(models.TextChoices):
    MICRO = "micro", _("1–9 people")
    SMALL = "small", _("10–49 people")
    MEDIUM = "medium", _("50–249 people")
    LARGE = "large", _("250–999 people")
    ENTERPRISE = "enterprise", _("1,000 people or more")


class ClientStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ACTIVE = "active", _("Active")
    FORMER = "former", _("Former")


VALUE_DRIVERS = [
    ("weight_price", _("Price")),
    ("weight_time_to_market", _("Time to market")),
    ("weight_delivery_time", _("Delivery time")),
    ("weight_quality", _("Quality")),
]


class Client(TenantOwned):
    legal_name = models.CharField(_("legal name"), max_length=200)
    trade_name = models.CharField(_("trade name"), max_length=200, blank=True)
    tax_id = models.CharField(_("tax id"), max_length=32)
    country = models.CharField(_("country"), max_length=2, choices=COUNTRY_CHOICES, default="ES")
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices, default=Sector.OTHER)
    size_band = models.CharField(_("size"), max_length=12, choices=SizeBand.choices, default=SizeBand.SMALL)
    city = models.CharField(_("city"), max_length=100, blank=True)
    website = models.URLField(_("website"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ClientStatus.choices, default=ClientStatus.PROSPECT)
    notes = models.TextField(_("notes on their business"), max_length=5000, blank=True)
    # What the client values most, in percent; the four always add up to 100.
    weight_price = models.PositiveSmallIntegerField(_("price"), default=25)
    weight_time_to_market = models.PositiveSmallIntegerField(_("time to market"), default=25)
    weight_delivery_time = models.PositiveSmallIntegerField(_("delivery time"), default=25)
    weight_quality = models.PositiveSmallIntegerField(_("quality"), default=25)
    search_text = models.TextField(default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["legal_name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "tax_id"], name="client_org_tax_id_unique"),
            models.CheckConstraint(
                condition=Exact(
                    F("weight_price") + F("weight_time_to_market") + F("weight_delivery_time") + F("weight_quality"),
                    100,
                ),
                name="client_weights_sum_100",
            ),
        ]
        indexes = [models.Index(fields=["organization", "legal_name"], name="client_org_name_idx")]
        verbose_name = _("client")
        verbose_name_plural = _("clients")

    def __str__(self) -> str:
        return self.trade_name or self.legal_name

    @property
    def display_name(self) -> str:
        return self.trade_name or self.legal_name

    @property
    def value_drivers(self) -> list[tuple[str, str, int]]:
        """[(field, label, weight)] largest first: what to lead with in an offer."""
        return sorted(
            ((field, str(label), getattr(self, field)) for field, label in VALUE_DRIVERS), key=lambda d: -d[2]
        )


class BuyingRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    USER = "user", _("User")
    FINANCE = "finance", _("Finance")
    TECHNICAL = "technical", _("Technical")


class Contact(TenantOwned):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("client"))
    full_name = models.CharField(_("name"), max_length=150)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    buying_role = models.CharField(_("buying role"), max_length=20, choices=BuyingRole.choices, default=BuyingRole.USER)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=CONTACT_LANGUAGE_CHOICES, default="es")
    is_primary = models.BooleanField(_("primary contact"), default=False)
    search_text = models.TextField(default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "client"], condition=Q(is_primary=True), name="contact_one_primary_per_client"
            ),
        ]
        indexes = [models.Index(fields=["organization", "client"], name="contact_org_client_idx")]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.full_name
