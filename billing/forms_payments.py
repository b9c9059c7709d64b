"""Forms of the payment pages. They parse what the browser sends, amounts the way the person
writes them (tenancy.fields.AmountField); billing.services decides what is allowed, and
`config.forms.submit` puts its refusal on the field it names (an allocation's on the amount
box of its invoice)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from billing.models import Invoice, PaymentMethod
from tenancy.fields import AmountField
from tenancy.forms import NativeDateInput

INVOICE_PREFIX = "invoice_"


class _AllocationFields(forms.Form):
    """One amount box per open invoice (`invoice_<id>`), in the order given (oldest due first):
    what to allocate to it. Empty or 0: nothing."""

    def set_invoices(self, invoices: list[Invoice], proposed: dict[int, Decimal] | None = None) -> None:
        self.invoices = invoices
        for invoice in invoices:
            self.fields[f"{INVOICE_PREFIX}{invoice.pk}"] = AmountField(
                label=invoice.number,
                required=False,
                initial=(proposed or {}).get(invoice.pk),
                widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "text-end"}),
            )

    def invoice_rows(self) -> list[tuple[Invoice, forms.BoundField]]:
        return [(invoice, self[f"{INVOICE_PREFIX}{invoice.pk}"]) for invoice in self.invoices]

    def allocations(self) -> list[tuple[Invoice, Decimal]]:
        """(invoice, amount) for every box with an amount other than 0, oldest due first."""
        chosen = []
        for invoice in self.invoices:
            amount = self.cleaned_data.get(f"{INVOICE_PREFIX}{invoice.pk}")
            if amount is not None and amount != 0:
                chosen.append((invoice, amount))
        return chosen

    def aliases(self) -> dict[str, str]:
        """The service's `allocations.<i>.<field>` as the box of the i-th invoice given to it."""
        names = {}
        for index, (invoice, _amount) in enumerate(self.allocations()):
            for part in ("amount", "invoice"):
                names[f"allocations.{index}.{part}"] = f"{INVOICE_PREFIX}{invoice.pk}"
        return names


class _AccountChoice(forms.ModelChoiceField):
    def label_from_instance(self, account: Account) -> str:
        return f"{account.name} ({account.currency})"


class PaymentForm(_AllocationFields):
    account = _AccountChoice(
        label=_("Account"),
        queryset=None,
        empty_label=_("Choose an account"),
        error_messages={
            "required": _("Choose an account."),
            "invalid_choice": _("Choose an account of this organisation."),
        },
    )
    amount = AmountField(label=_("Amount"), required=False)
    received_on = forms.DateField(label=_("Received on"), initial=timezone.localdate, widget=NativeDateInput())
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices, initial=PaymentMethod.TRANSFER)
    reference = forms.CharField(
        label=_("Reference"), max_length=140, required=False, help_text=_("The bank's reference, a cheque number…")
    )
    rate_to_base = AmountField(
        label=_("Rate to the base currency"),
        max_digits=18,
        decimal_places=8,
        required=False,
        help_text=_("One unit of the account's currency in the organisation's base currency."),
    )

    def __init__(self, *args, accounts: QuerySet[Account], invoices_for: Callable[[Account], list[Invoice]], **kwargs):
        """`accounts`: those the person may record a payment for; `invoices_for(account)`: the
        account's open invoices, oldest due first (one box each)."""
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts
        self.chosen_account = self.chosen("account")
        self.set_invoices(invoices_for(self.chosen_account) if self.chosen_account is not None else [])

    def chosen(self, name: str):
        """The value of `name` as sent, parsed, or None when missing or invalid (for the
        proposal, before the whole form is validated)."""
        field = self.fields[name]
        raw = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
        if raw in (None, ""):
            raw = self.initial.get(name)
        try:
            return field.clean(raw) if raw not in (None, "") else None
        except ValidationError:
            return None

    def offer_accounts(self) -> PaymentForm:
        """The account choices from one values() query, without model instances."""
        field = self.fields["account"]
        options = field.queryset.values_list("pk", "name", "currency")
        field.widget.choices = [("", field.empty_label)] + [(pk, f"{name} ({cur})") for pk, name, cur in options]
        return self

    def needs_rate(self, base_currency: str) -> bool:
        return self.chosen_account is not None and self.chosen_account.currency != base_currency

    def service_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in ("account", "amount", "received_on", "method", "reference")}
        if self.cleaned_data.get("rate_to_base") is not None:
            data["rate_to_base"] = self.cleaned_data["rate_to_base"]
        data["allocations"] = self.allocations()
        return data


class AllocateForm(_AllocationFields):
    """What is left of a recorded payment, allocated to its account's open invoices."""

    def __init__(self, *args, invoices: list[Invoice], proposed: dict[int, Decimal], **kwargs):
        super().__init__(*args, **kwargs)
        self.set_invoices(invoices, proposed)


class ReverseForm(forms.Form):
    reversed_on = forms.DateField(
        label=_("Reversed on"), required=False, initial=timezone.localdate, widget=NativeDateInput()
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bounced, returned by the bank, recorded by mistake…"),
    )
