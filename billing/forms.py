"""Forms of the billing pages. They only parse what the browser sends into what the services
take (billing.services); the rules are the models' and the services'. A number too long, or
with too many decimals, is refused here with the model field's own sentence, so that a page
and the API say the same. A service's refusal of a line (`lines.<i>.<field>`) lands on that
line's fields (`submit_with_lines`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from billing.models import CreditNoteLine, Invoice, InvoiceLine
from catalog.models import Product, ProductStatus, TaxRate
from config.errors import ApplicationError, refusal_messages
from tenancy.fields import AmountField
from tenancy.forms import NativeDateInput
from tenancy.models import Organization
from tenancy.text import amount_text

NUMBER_MESSAGES = ("invalid", "max_digits", "max_whole_digits", "max_decimal_places")


def _model_messages(model, name: str) -> dict:
    """The model field's sentences for a number that cannot be one of its values."""
    messages = model._meta.get_field(name).error_messages
    return {key: messages[key] for key in NUMBER_MESSAGES if key in messages}


def amount_field(model, name: str, *, field_class: type[AmountField] = AmountField, **kwargs) -> AmountField:
    field = model._meta.get_field(name)
    return field_class(
        label=kwargs.pop("label", field.verbose_name.capitalize()),
        max_digits=field.max_digits,
        decimal_places=field.decimal_places,
        required=False,
        error_messages=_model_messages(model, name),
        **kwargs,
    )


class QuantityField(AmountField):
    """A quantity shown with the decimals it has (3, 1.5), not always three (3.000)."""

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return amount_text(value, max(0, -value.normalize().as_tuple().exponent))
        return super().prepare_value(value)


def date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=NativeDateInput(),
        error_messages={"invalid": _("Enter a valid date.")},
        **kwargs,
    )


class _AccountChoice(forms.ModelChoiceField):
    def label_from_instance(self, account: Account) -> str:
        return f"{account.name} · {account.client.display_name}"


class InvoiceHeaderForm(forms.Form):
    """What a draft says besides its lines: dates, notes and, in a currency other than the
    organisation's, its rate."""

    issue_date = date_field(_("Issue date"), help_text=_("Left empty: the day it is issued."))
    due_date = date_field(_("Due date"), help_text=_("Left empty: the issue date plus the account's payment terms."))
    rate_to_base = amount_field(Invoice, "rate_to_base", label=_("Rate to the base currency"))
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, organization: Organization, currency: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.currency = currency
        base = organization.base_currency
        self.fields["rate_to_base"].help_text = _("How many %(base)s one unit of the account's currency is worth.") % {
            "base": base
        }
        if currency == base:
            del self.fields["rate_to_base"]


class InvoiceEditForm(InvoiceHeaderForm):
    """A draft's header; the service is given only what changed (a due date left as it was
    follows a new issue date)."""

    def __init__(self, *args, invoice: Invoice, **kwargs):
        super().__init__(*args, organization=invoice.organization, currency=invoice.currency, **kwargs)
        self.initial = {
            "issue_date": invoice.issue_date,
            "due_date": invoice.due_date,
            "rate_to_base": invoice.rate_to_base,
            "notes": invoice.notes,
        }

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.changed_data}


class LineForm(forms.Form):
    """A line of an invoice: a product of the catalogue (whose price and tax rate it takes when
    they are left empty) or a description, a quantity, a price, a discount and a tax rate."""

    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=None,
        required=False,
        empty_label=_("Free text"),
        error_messages={"invalid_choice": InvoiceLine._meta.get_field("product").error_messages["invalid"]},
    )
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    quantity = amount_field(InvoiceLine, "quantity", field_class=QuantityField, label=_("Quantity"))
    unit_price = amount_field(InvoiceLine, "unit_price", label=_("Unit price"))
    discount_percent = amount_field(InvoiceLine, "discount_percent", label=_("Discount %"))
    tax_rate = forms.ModelChoiceField(
        label=_("Tax"),
        queryset=None,
        required=False,
        empty_label=_("Product's rate"),
        error_messages={"invalid_choice": InvoiceLine._meta.get_field("tax_rate").error_messages["invalid"]},
    )

    def __init__(self, *args, choices: LineChoices, **kwargs):
        super().__init__(*args, **kwargs)
        product, tax_rate = self.fields["product"], self.fields["tax_rate"]
        product.queryset = Product.objects.filter(organization=choices.organization)
        tax_rate.queryset = TaxRate.objects.filter(organization=choices.organization)
        # Offered from the lists read once for every line (no query per line); what the person
        # chose stays offered, an obsolete product too (the service says what replaces it).
        product.widget.choices = choices.products(self["product"].value())
        tax_rate.widget.choices = choices.tax_rates(self["tax_rate"].value())
        self.fields["unit_price"].widget.attrs["placeholder"] = _("Catalogue price")
        self.fields["discount_percent"].widget.attrs["placeholder"] = "0"
        self.fields["description"].widget.attrs["placeholder"] = _("The product's name")

    def line(self) -> dict:
        """The line as billing.services takes it (LineInput): empty price and tax rate are the
        product's (None), an empty discount none."""
        data = self.cleaned_data
        line = {
            "product": data["product"],
            "description": data["description"],
            "quantity": data["quantity"],
            "unit_price": data["unit_price"],
            "tax_rate": data["tax_rate"],
        }
        if data["discount_percent"] is not None:
            line["discount_percent"] = data["discount_percent"]
        return line

    def changes(self) -> dict:
        """What changed of an existing line, for invoice_line_update."""
        line = self.line() | {"discount_percent": self.cleaned_data["discount_percent"] or Decimal("0")}
        return {name: line[name] for name in self.changed_data}


class LineChoices:
    """The organisation's products and tax rates, read once (one query each) for every line
    form of a page."""

    def __init__(self, organization: Organization):
        self.organization = organization
        self._products = list(
            Product.objects.filter(organization=organization)
            .order_by("name", "sku", "id")
            .values_list("pk", "sku", "name", "status")
        )
        self._tax_rates = list(
            TaxRate.objects.filter(organization=organization)
            .order_by("-rate", "name", "id")
            .values_list("pk", "name", "is_active")
        )

    def products(self, chosen) -> list[tuple]:
        chosen = str(chosen or "")
        return [("", _("Free text"))] + [
            (pk, f"{sku} · {name}")
            for pk, sku, name, status in self._products
            if status == ProductStatus.ACTIVE or str(pk) == chosen
        ]

    def tax_rates(self, chosen) -> list[tuple]:
        chosen = str(chosen or "")
        return [("", _("Product's rate"))] + [
            (pk, name) for pk, name, is_active in self._tax_rates if is_active or str(pk) == chosen
        ]


class BaseLineFormSet(forms.BaseFormSet):
    def given(self) -> list[LineForm]:
        """The lines the person filled in, in order (rows left empty are not lines)."""
        return [form for form in self.forms if form.has_changed()]


LineFormSet = forms.formset_factory(LineForm, formset=BaseLineFormSet, extra=3, max_num=200, absolute_max=200)


class InvoiceCreateForm(InvoiceHeaderForm):
    """A new draft: the account (one the person sees), its dates, notes and lines."""

    account = _AccountChoice(
        label=_("Account"),
        queryset=None,
        empty_label=_("Choose an account"),
        error_messages={
            "required": _("Choose the account to invoice."),
            "invalid_choice": Invoice._meta.get_field("account").error_messages["invalid"],
        },
    )
    field_order = ["account", "issue_date", "due_date", "rate_to_base", "notes"]

    def __init__(self, data=None, *, organization: Organization, accounts, notes: str = "", account=None):
        """`accounts`: those the person sees (accounts.selectors.visible_accounts); `notes`
        and `account`: what an empty form starts with."""
        super().__init__(data, organization=organization, initial={"notes": notes, "account": account})
        self.fields["account"].queryset = accounts.select_related("client").order_by("name", "id")
        self.choices = LineChoices(organization)
        self.lines = LineFormSet(data, prefix="lines", form_kwargs={"choices": self.choices})

    def chosen_account(self) -> Account | None:
        """The account as the person chose it, valid or not yet validated (for its currency)."""
        if self.is_bound and hasattr(self, "cleaned_data"):
            return self.cleaned_data.get("account")
        value = self["account"].value()
        if not value:
            return None
        try:
            return self.fields["account"].clean(value)
        except ValidationError:
            return None

    def is_valid(self) -> bool:
        valid = super().is_valid()
        return self.lines.is_valid() and valid

    def clean(self):
        data = super().clean()
        account = data.get("account")
        base = self.organization.base_currency
        if account is not None and account.currency == base:
            data.pop("rate_to_base", None)
        return data

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["lines"] = [form.line() for form in self.lines.given()]
        if data.get("rate_to_base") is None:
            data.pop("rate_to_base", None)
        return data

    def place_refusal(self, error: ApplicationError | ValidationError) -> None:
        _place_refusal(self, error, self.lines.given())


def _place_refusal(form: forms.BaseForm, error, lines: list[LineForm]) -> None:
    """A service's refusal on the form: `lines.<i>.<field>` on the i-th line given, any other
    field on the form's own, and the sentence on top unless a field says it already."""
    message, fields = refusal_messages(error)
    placed = []
    for name, text in fields.items():
        match = re.fullmatch(r"lines\.(\d+)\.(\w+)", name)
        if match and int(match[1]) < len(lines) and match[2] in lines[int(match[1])].fields:
            lines[int(match[1])].add_error(match[2], text)
            placed.append(text)
        elif name in form.fields:
            form.add_error(name, text)
            placed.append(text)
    if message not in placed:
        form.add_error(None, message)


def submit_with_lines[T](form, action: Callable[[dict[str, Any]], T]) -> T | None:
    """config.forms.submit for a form with lines: `action(form.service_data())` when the form
    and its lines are valid; None when they or the service refused (the refusal is then on the
    line or field it names, and nothing was written)."""
    if not form.is_valid():
        return None
    try:
        return action(form.service_data())
    except (ApplicationError, ValidationError) as error:
        form.place_refusal(error)
        return None


class CreditForm(forms.Form):
    """Credit an issued invoice: the whole of what is left, or quantities of its lines."""

    whole = forms.BooleanField(label=_("Credit everything not credited yet"), required=False)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Printed on the credit note."),
    )
    issue_date = date_field(_("Date"), initial=timezone.localdate)

    def __init__(self, *args, lines: list[InvoiceLine], **kwargs):
        """`lines`: the invoice's lines with `left_to_credit` (billing.selectors.invoice_lines)."""
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[f"line_{line.pk}"] = amount_field(CreditNoteLine, "quantity", label=line.description)
            self.fields[f"line_{line.pk}"].widget.attrs["placeholder"] = "0"

    def line_fields(self):
        """(line, its quantity field) in the invoice's order, for the template."""
        return [(line, self[f"line_{line.pk}"]) for line in self.lines]

    def service_data(self) -> dict:
        data = self.cleaned_data
        lines = [(line, data[f"line_{line.pk}"]) for line in self.lines if data.get(f"line_{line.pk}") is not None]
        return {
            "reason": data["reason"],
            "whole": data["whole"],
            "lines": lines or None,
            "issue_date": data["issue_date"],
        }

    def place_refusal(self, error: ApplicationError | ValidationError) -> None:
        """`lines.<i>.<field>` is the i-th line given, i.e. of those with a quantity."""
        message, fields = refusal_messages(error)
        given = [line for line in self.lines if self.cleaned_data.get(f"line_{line.pk}") is not None]
        placed = []
        for name, text in fields.items():
            match = re.fullmatch(r"lines\.(\d+)\.\w+", name)
            target = f"line_{given[int(match[1])].pk}" if match and int(match[1]) < len(given) else name
            if target in self.fields:
                self.add_error(target, text)
                placed.append(text)
        if message not in placed:
            self.add_error(None, message)
