"""Forms of the offer pages: they parse what the browser sends into what offers.services
takes; the rules are the models' and the services'."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from billing.forms import QuantityField, amount_field, date_field
from catalog.models import Product, ProductStatus
from offers.models import Decision, Offer, OfferLine, OfferSettings
from tenancy.models import Organization


class OfferForm(forms.Form):
    """A new offer: its account (of those the person may draft on) and its terms."""

    account = forms.ModelChoiceField(
        label=_("Account"),
        queryset=None,
        error_messages={"invalid_choice": Offer._meta.get_field("account").error_messages["invalid"]},
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    valid_until = date_field(
        _("Valid until"), help_text=_("Left empty: the organisation's days of validity from today.")
    )
    expected_close = date_field(_("Expected close"))
    value_proposition = forms.CharField(
        label=_("Value proposition"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the offer does for what this client values."),
    )
    competitors = forms.CharField(label=_("Competitors"), required=False, max_length=500)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts


class OfferLineForm(forms.Form):
    """A line: a product of the catalogue (its list price and cost come with it; the unit price
    left empty is the list price) or a description, a quantity, a discount and a lead time."""

    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=None,
        required=False,
        empty_label=_("Free text"),
        error_messages={"invalid_choice": OfferLine._meta.get_field("product").error_messages["invalid"]},
    )
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    quantity = amount_field(OfferLine, "quantity", field_class=QuantityField, label=_("Quantity"))
    unit_price = amount_field(OfferLine, "unit_price", label=_("Unit price"))
    discount_percent = amount_field(OfferLine, "discount_percent", label=_("Discount %"))
    lead_time_days = forms.IntegerField(label=_("Lead time (days)"), required=False, min_value=0, max_value=3650)

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        products = Product.objects.filter(organization=organization)
        self.fields["product"].queryset = products
        chosen = str(self["product"].value() or "")
        self.fields["product"].widget.choices = [("", _("Free text"))] + [
            (pk, f"{sku} · {name}")
            for pk, sku, name, status in products.order_by("name", "sku", "id").values_list(
                "pk", "sku", "name", "status"
            )
            if status == ProductStatus.ACTIVE or str(pk) == chosen
        ]
        self.fields["unit_price"].widget.attrs["placeholder"] = _("List price")
        self.fields["discount_percent"].widget.attrs["placeholder"] = "0"
        self.fields["lead_time_days"].widget.attrs["placeholder"] = "0"

    def line(self) -> dict:
        data = self.cleaned_data
        line = {"product": data["product"], "description": data["description"], "quantity": data["quantity"]}
        for name in ("unit_price", "discount_percent", "lead_time_days"):
            if data[name] is not None:
                line[name] = data[name]
        return line


class OfferLineChangeForm(forms.Form):
    """A line changed where it stands on the offer's page (prefixed by its id): its quantity,
    unit price, discount and lead time. A discount or lead time left empty is none."""

    quantity = amount_field(OfferLine, "quantity", field_class=QuantityField, label=_("Quantity"))
    unit_price = amount_field(OfferLine, "unit_price", label=_("Unit price"))
    discount_percent = amount_field(OfferLine, "discount_percent", label=_("Discount %"))
    lead_time_days = forms.IntegerField(label=_("Lead time (days)"), required=False, min_value=0, max_value=3650)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("quantity", "unit_price"):
            self.fields[name].required = True
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control-sm text-end"

    def changes(self) -> dict:
        data = self.cleaned_data
        return {
            "quantity": data["quantity"],
            "unit_price": data["unit_price"],
            "discount_percent": data["discount_percent"] or Decimal(0),
            "lead_time_days": data["lead_time_days"] or 0,
        }


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    kind = forms.CharField(widget=forms.HiddenInput)
    grade_seen = forms.CharField(widget=forms.HiddenInput, max_length=1)


class SendForm(forms.Form):
    """Mail the offer: to whom (the client's contact by default), in which language, with a
    message. Left without an address, the offer is only marked as sent."""

    email = forms.EmailField(label=_("Email"), required=False, max_length=254)
    language = forms.ChoiceField(label=_("Language of the offer"), choices=settings.LANGUAGES, required=False)
    message = forms.CharField(
        label=_("Message"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, mailing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = mailing


class LoseForm(forms.Form):
    reason = forms.CharField(label=_("Why it was lost"), max_length=500, required=False)
    lost_to = forms.CharField(label=_("Lost to (competitor)"), max_length=200, required=False)


def draftable_accounts(*, organization: Organization, membership) -> forms.models.QuerySet[Account]:
    from accounts.selectors import visible_accounts

    return visible_accounts(organization=organization, membership=membership).select_related("client").order_by("name")


class OfferSettingsForm(forms.ModelForm):
    """Parses the settings page; the ranges are the model's."""

    class Meta:
        model = OfferSettings
        fields = [
            "probability_draft",
            "probability_submitted",
            "probability_approved",
            "probability_sent",
            "probability_negotiation",
            "valid_days",
            "lead_time_warning_days",
        ]
