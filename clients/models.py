"""Client companies, what each values most, and their contacts.

Every rule one row can state is here, and `full_clean()` states it: lengths, choices, the tax
id for its country, the weights from 0 to 100 that add up to 100, the phone as people write
one. The services call it before saving; the forms and the API only parse."""

from __future__ import annotations

import re

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, URLValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from clients.reference import CONTACT_LANGUAGE_CHOICES, country_choices, country_name, normalize_tax_id
from tenancy.models import TenantOwned

# What people read when a text is too long or a choice is not one of the list's.
TEXT = {"max_length": _("At most %(limit_value)d characters (this has %(show_value)d).")}
REQUIRED = {"blank": _("This field is required.")}
CHOICE = {"invalid_choice": _("Choose a value from the list.")}
WEIGHT = {
    "min_value": _("Each weight is a whole number from 0 to 100."),
    "max_value": _("Each weight is a whole number from 0 to 100."),
}


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
WEIGHT_FIELDS = [field for field, _label in VALUE_DRIVERS]


def _strip(instance: models.Model, *names: str) -> None:
    """What people typed, without the spaces around it, before it is checked."""
    for name in names:
        setattr(instance, name, getattr(instance, name).strip())


class Client(TenantOwned):
    legal_name = models.CharField(_("legal name"), max_length=200, error_messages=TEXT | REQUIRED)
    trade_name = models.CharField(_("trade name"), max_length=200, blank=True, error_messages=TEXT)
    # Stored compact and validated for its country (clean()): "es b-12345674" is B12345674.
    tax_id = models.CharField(_("tax id"), max_length=32, error_messages=TEXT | {"blank": _("Enter the tax id.")})
    country = models.CharField(
        _("country"),
        max_length=2,
        choices=country_choices,
        default="ES",
        error_messages={"invalid_choice": _("Choose a country from the list.")},
    )
    sector = models.CharField(
        _("sector"), max_length=20, choices=Sector.choices, default=Sector.OTHER, error_messages=CHOICE
    )
    size_band = models.CharField(
        _("size"), max_length=12, choices=SizeBand.choices, default=SizeBand.SMALL, error_messages=CHOICE
    )
    city = models.CharField(_("city"), max_length=100, blank=True, error_messages=TEXT)
    website = models.URLField(
        _("website"),
        max_length=200,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        error_messages=TEXT | {"invalid": _("Enter a full web address, like https://example.com.")},
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ClientStatus.choices, default=ClientStatus.PROSPECT, error_messages=CHOICE
    )
    notes = models.TextField(
        _("notes on their business"),
        max_length=5000,
        blank=True,
        validators=[MaxLengthValidator(5000)],  # a TextField's max_length only sizes the form's box
        error_messages=TEXT,
    )
    # What the client values most, in percent; the four always add up to 100.
    weight_price = models.PositiveSmallIntegerField(
        _("price"), default=25, validators=[MaxValueValidator(100)], error_messages=WEIGHT
    )
    weight_time_to_market = models.PositiveSmallIntegerField(
        _("time to market"), default=25, validators=[MaxValueValidator(100)], error_messages=WEIGHT
    )
    weight_delivery_time = models.PositiveSmallIntegerField(
        _("delivery time"), default=25, validators=[MaxValueValidator(100)], error_messages=WEIGHT
    )
    weight_quality = models.PositiveSmallIntegerField(
        _("quality"), default=25, validators=[MaxValueValidator(100)], error_messages=WEIGHT
    )
    search_text = models.TextField(default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["legal_name"]
        constraints = [
            # Tax ids are stored compact in upper case (clean()), so an exact match is the
            # case-insensitive one.
            models.UniqueConstraint(
                fields=["organization", "tax_id"],
                name="client_org_tax_id_unique",
                violation_error_code="tax_id_taken",
                violation_error_message=_("A client with this tax id already exists."),
            ),
            models.CheckConstraint(
                condition=Exact(
                    F("weight_price") + F("weight_time_to_market") + F("weight_delivery_time") + F("weight_quality"),
                    100,
                ),
                name="client_weights_sum_100",
                violation_error_code="weights_sum",
                violation_error_message=_("The four weights must add up to 100."),
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
    def country_name(self) -> str:
        return country_name(self.country)

    @property
    def value_drivers(self) -> list[tuple[str, str, int]]:
        """[(field, label, weight)] largest first: what to lead with in an offer."""
        return sorted(
            ((field, str(label), getattr(self, field)) for field, label in VALUE_DRIVERS), key=lambda d: -d[2]
        )

    def clean_fields(self, exclude=None) -> None:
        _strip(self, "legal_name", "trade_name", "tax_id", "city", "notes")
        super().clean_fields(exclude)

    def clean(self) -> None:
        if self.tax_id:  # an empty one is the field's own refusal
            try:
                self.tax_id = normalize_tax_id(self.country, self.tax_id)
            except ValidationError as error:
                raise ValidationError({"tax_id": error}) from None

    def full_clean(self, exclude=None, validate_unique=True, validate_constraints=True) -> None:
        """Django's, with each refusal where people correct it: the four weights are one control
        (a weight out of range, or a sum that is not 100, with what they add up to), and the tax
        id's uniqueness, a constraint with the organisation, is the tax id's."""
        try:
            super().full_clean(exclude, validate_unique, validate_constraints)
        except ValidationError as error:
            errors = dict(error.error_dict)
            if [errors.pop(name) for name in WEIGHT_FIELDS if name in errors]:
                errors["weights"] = [WEIGHT["max_value"]]
            for refusal in errors.pop(NON_FIELD_ERRORS, []):
                if refusal.code == "weights_sum":
                    total = sum(getattr(self, name) for name in WEIGHT_FIELDS)
                    message = _("The four weights must add up to 100 (they add up to %(total)s).")
                    errors["weights"] = [message % {"total": total}]
                elif refusal.code == "tax_id_taken":
                    errors["tax_id"] = [refusal]
                else:
                    errors.setdefault(NON_FIELD_ERRORS, []).append(refusal)
            raise ValidationError(errors) from None


class BuyingRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    USER = "user", _("User")
    FINANCE = "finance", _("Finance")
    TECHNICAL = "technical", _("Technical")


# A phone as people write one: "+34 973 12 34 56", "(93) 123-45-67", "973.123.456"; at least six digits.
_PHONE = re.compile(r"\+?[0-9(][0-9 ().\-/]*")


def validate_phone(value: str) -> None:
    if not (_PHONE.fullmatch(value) and sum(ch.isdigit() for ch in value) >= 6):
        raise ValidationError(_("Enter a phone number: digits, spaces and + ( ) - . only."), code="invalid_phone")


class Contact(TenantOwned):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("client"))
    full_name = models.CharField(_("name"), max_length=150, error_messages=TEXT | REQUIRED)
    job_title = models.CharField(_("job title"), max_length=120, blank=True, error_messages=TEXT)
    buying_role = models.CharField(
        _("buying role"), max_length=20, choices=BuyingRole.choices, default=BuyingRole.USER, error_messages=CHOICE
    )
    # Stored in lower case (clean_fields()): addresses are compared and searched that way.
    email = models.EmailField(_("email"), max_length=254, blank=True, error_messages=TEXT)
    phone = models.CharField(_("phone"), max_length=40, blank=True, validators=[validate_phone], error_messages=TEXT)
    language = models.CharField(
        _("language"), max_length=8, choices=CONTACT_LANGUAGE_CHOICES, default="es", error_messages=CHOICE
    )
    is_primary = models.BooleanField(_("primary contact"), default=False)
    search_text = models.TextField(default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "client"],
                condition=Q(is_primary=True),
                name="contact_one_primary_per_client",
                violation_error_message=_("A client has one primary contact."),
            ),
        ]
        indexes = [models.Index(fields=["organization", "client"], name="contact_org_client_idx")]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.full_name

    def clean_fields(self, exclude=None) -> None:
        _strip(self, "full_name", "job_title", "phone")
        self.email = self.email.strip().lower()
        super().clean_fields(exclude)
