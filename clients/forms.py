"""Forms of the client pages. They only parse what the browser sends, into the fields the models
declare (labels, lengths, choices and initial values are the model fields'); the rules are
the models', and `config.forms.submit` puts a refusal on the field it names."""

from __future__ import annotations

from django import forms
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from clients.models import TEXT, WEIGHT_FIELDS, Client, Contact
from clients.reference import CONTACT_LANGUAGE_CHOICES, country_choices


def _field(model: type[models.Model], name: str, **kwargs) -> forms.Field:
    """The model field's form field, not required: an empty value goes on to the model, whose
    own message ("This field is required.", "Enter the tax id.") says what is missing."""
    return model._meta.get_field(name).formfield(required=False, error_messages=TEXT, **kwargs)


class RangeInput(forms.NumberInput):
    input_type = "range"


def _weight(name: str) -> forms.IntegerField:
    attrs = {"class": "form-range", "min": 0, "max": 100, "step": 1, "data-weight": ""}
    return _field(Client, name, widget=RangeInput(attrs=attrs))


class ClientForm(forms.Form):
    # The four sliders are one control: a refusal of their range or sum ("weights") shows
    # under them, with the first slider's errors.
    refusal_aliases = {"weights": "weight_price"}

    legal_name = _field(Client, "legal_name")
    trade_name = _field(Client, "trade_name")
    tax_id = _field(Client, "tax_id", help_text=_("For Spain, the NIF or CIF; elsewhere in the EU, the VAT number."))
    country = _field(Client, "country", choices=country_choices)
    sector = _field(Client, "sector")
    size_band = _field(Client, "size_band")
    city = _field(Client, "city")
    # Text, not a URLField: that would make "example.com" into "https://example.com" unasked.
    website = _field(
        Client, "website", form_class=forms.CharField, widget=forms.URLInput(attrs={"placeholder": "https://"})
    )
    status = _field(Client, "status")
    notes = _field(Client, "notes", widget=forms.Textarea(attrs={"rows": 4}))
    weight_price = _weight("weight_price")
    weight_time_to_market = _weight("weight_time_to_market")
    weight_delivery_time = _weight("weight_delivery_time")
    weight_quality = _weight("weight_quality")

    @classmethod
    def initial_for(cls, client: Client) -> dict:
        return {name: getattr(client, name) for name in cls.base_fields}

    @cached_property
    def weights(self) -> list[dict]:
        """The four sliders with the value each shows now (posted, else initial)."""
        invalid = bool(self.weight_errors)
        rows = []
        for name in WEIGHT_FIELDS:
            bound = self[name]
            try:
                value = min(100, max(0, int(bound.value())))
            except (TypeError, ValueError):
                value = 0
            attrs = {"class": "form-range is-invalid", "aria-invalid": "true"} if invalid else {}
            rows.append({"field": bound, "name": name, "value": value, "widget": bound.as_widget(attrs=attrs)})
        return rows

    @property
    def weights_total(self) -> int:
        return sum(row["value"] for row in self.weights)

    @cached_property
    def weight_errors(self) -> list[str]:
        """The sliders' messages, each once: their range, their sum, or a value unread."""
        return list(dict.fromkeys(message for name in WEIGHT_FIELDS for message in self.errors.get(name, [])))


class ContactForm(forms.Form):
    full_name = _field(Contact, "full_name")
    job_title = _field(Contact, "job_title")
    buying_role = _field(Contact, "buying_role")
    # Text: the model checks the address, beside what else is wrong, as it does for the API.
    email = _field(Contact, "email", form_class=forms.CharField, widget=forms.EmailInput())
    phone = _field(Contact, "phone", widget=forms.TextInput(attrs={"type": "tel"}))
    language = _field(Contact, "language")
    is_primary = _field(Contact, "is_primary")

    @classmethod
    def initial_for(cls, contact: Contact | None, *, language: str = "es") -> dict:
        if contact is None:
            return {"language": language if language in dict(CONTACT_LANGUAGE_CHOICES) else "es"}
        return {name: getattr(contact, name) for name in cls.base_fields}
