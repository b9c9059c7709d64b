"""Forms of the client pages. They only parse what the browser sends; every rule (lengths,
choices, tax ids, weights adding up to 100) is the services', whose refusals the forms show
on their fields."""

from __future__ import annotations

from django import forms
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from clients.filters import ClientFilter
from clients.models import VALUE_DRIVERS, BuyingRole, Client, ClientStatus, Contact, Sector, SizeBand
from clients.reference import CONTACT_LANGUAGE_CHOICES, COUNTRY_CHOICES
from config.errors import ApplicationError

WEIGHT_FIELDS = [field for field, _label in VALUE_DRIVERS]

# The keys are clients.filters.CLIENT_SORTS'; these are only their labels for people.
CLIENT_SORT_CHOICES = [
    ("name", _("Name, A to Z")),
    ("-name", _("Name, Z to A")),
    ("city", _("City, A to Z")),
    ("-city", _("City, Z to A")),
    ("status", _("Status")),
    ("-created", _("Newest first")),
    ("created", _("Oldest first")),
]


def label_client_filter(filterset: ClientFilter) -> ClientFilter:
    """Give the shared FilterSet's form the labels a page needs (the API needs none)."""
    fields = filterset.form.fields
    fields["sort"].choices = CLIENT_SORT_CHOICES
    fields["status"].empty_label = _("Any status")
    fields["sector"].empty_label = _("Any sector")
    fields["size_band"].empty_label = _("Any size")
    fields["country"].empty_label = _("Any country")
    return filterset


def _text(model, name: str, *, label=None, widget=None) -> forms.CharField:
    """A text field whose length the browser limits and the service checks."""
    field = model._meta.get_field(name)
    widget = widget or forms.TextInput()
    if getattr(field, "max_length", None):
        widget.attrs.setdefault("maxlength", field.max_length)
    return forms.CharField(label=label or capfirst(field.verbose_name), required=False, widget=widget)


def _choice(model, name: str, choices) -> forms.ChoiceField:
    return forms.ChoiceField(label=capfirst(model._meta.get_field(name).verbose_name), choices=choices, required=False)


class RangeInput(forms.NumberInput):
    input_type = "range"


class ApplicationErrorForm(forms.Form):
    """A form that shows a service's ApplicationError on its fields, and on top what fits no field."""

    # Service keys that are not fields of the form but have a place on the page.
    error_groups: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.group_errors: dict[str, list[str]] = {group: [] for group in self.error_groups}

    def add_application_error(self, error: ApplicationError) -> None:
        placed: list[str] = []
        for key, message in error.extra.items():
            message = str(message)
            if key in self.fields:
                self.add_error(key, message)
            elif key in self.group_errors:
                self.group_errors[key].append(message)
            else:
                continue
            placed.append(message)
        if not placed or len(placed) < len(error.extra) or error.message not in placed:
            self.add_error(None, error.message)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(self.group_errors.values())


class ClientForm(ApplicationErrorForm):
    error_groups = ("weights",)

    legal_name = _text(Client, "legal_name", label=_("Legal name"))
    trade_name = _text(Client, "trade_name", label=_("Trade name"))
    tax_id = _text(Client, "tax_id", label=_("Tax id"))
    country = _choice(Client, "country", COUNTRY_CHOICES)
    sector = _choice(Client, "sector", Sector.choices)
    size_band = _choice(Client, "size_band", SizeBand.choices)
    city = _text(Client, "city", label=_("City"))
    website = _text(Client, "website", label=_("Website"), widget=forms.URLInput(attrs={"placeholder": "https://"}))
    status = _choice(Client, "status", ClientStatus.choices)
    notes = _text(Client, "notes", label=_("Notes on their business"), widget=forms.Textarea(attrs={"rows": 4}))
    weight_price = forms.IntegerField(label=_("Price"), required=False, widget=RangeInput())
    weight_time_to_market = forms.IntegerField(label=_("Time to market"), required=False, widget=RangeInput())
    weight_delivery_time = forms.IntegerField(label=_("Delivery time"), required=False, widget=RangeInput())
    weight_quality = forms.IntegerField(label=_("Quality"), required=False, widget=RangeInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tax_id"].help_text = _("For Spain, the NIF or CIF; elsewhere in the EU, the VAT number.")
        for name in WEIGHT_FIELDS:
            self.fields[name].widget.attrs.update(
                {"class": "form-range", "min": 0, "max": 100, "step": 1, "data-weight": ""}
            )

    @classmethod
    def initial_for(cls, client: Client | None) -> dict:
        if client is None:
            return {
                "country": "ES",
                "sector": Sector.OTHER,
                "size_band": SizeBand.SMALL,
                "status": ClientStatus.PROSPECT,
                **{name: 25 for name in WEIGHT_FIELDS},
            }
        return {name: getattr(client, name) for name in cls.base_fields}

    @cached_property
    def weights(self) -> list[dict]:
        """The four sliders with the value each shows now (posted, else initial)."""
        rows = []
        for name in WEIGHT_FIELDS:
            bound = self[name]
            try:
                value = min(100, max(0, int(bound.value())))
            except (TypeError, ValueError):
                value = 0
            invalid = bool(self.group_errors["weights"]) or name in self.errors
            attrs = {"class": "form-range is-invalid", "aria-invalid": "true"} if invalid else {}
            rows.append({"field": bound, "name": name, "value": value, "widget": bound.as_widget(attrs=attrs)})
        return rows

    @property
    def weights_total(self) -> int:
        return sum(row["value"] for row in self.weights)

    @property
    def weight_errors(self) -> list[str]:
        """The weights' own messages: the service's, then any a slider could not parse."""
        errors = list(self.group_errors["weights"])
        for name in WEIGHT_FIELDS:
            errors += [f"{self.fields[name].label}: {message}" for message in self.errors.get(name, [])]
        return errors


class ContactForm(ApplicationErrorForm):
    full_name = _text(Contact, "full_name", label=_("Name"))
    job_title = _text(Contact, "job_title", label=_("Job title"))
    buying_role = _choice(Contact, "buying_role", BuyingRole.choices)
    email = _text(Contact, "email", label=_("Email"), widget=forms.EmailInput())
    phone = _text(Contact, "phone", label=_("Phone"), widget=forms.TextInput(attrs={"type": "tel"}))
    language = _choice(Contact, "language", CONTACT_LANGUAGE_CHOICES)
    is_primary = forms.BooleanField(label=_("Primary contact"), required=False)

    @classmethod
    def initial_for(cls, contact: Contact | None, *, language: str = "es") -> dict:
        if contact is None:
            return {
                "buying_role": BuyingRole.USER,
                "language": language if language in dict(CONTACT_LANGUAGE_CHOICES) else "es",
            }
        return {name: getattr(contact, name) for name in cls.base_fields}
