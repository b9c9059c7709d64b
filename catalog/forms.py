"""Forms of the catalogue pages. They only parse what the browser sends, into the fields the
models declare (labels, lengths and choices are the model fields'); the rules are the models'
and the services', and `config.forms.submit` puts a refusal on the field it names."""

from __future__ import annotations

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, Product, TaxRate
from clients.reference import CURRENCY_CHOICES
from tenancy.fields import AmountField
from tenancy.forms import NativeDateInput
from tenancy.models import Organization


def _field(model: type[models.Model], name: str, **kwargs) -> forms.Field:
    """The model field's form field, not required: an empty value goes on to the model, whose
    own message says what is missing."""
    return model._meta.get_field(name).formfield(required=False, **kwargs)


class _Named(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class _Sku(forms.ModelChoiceField):
    def label_from_instance(self, product: Product) -> str:
        return f"{product.sku} · {product.name}"


class ProductForm(forms.Form):
    sku = _field(Product, "sku")
    name = _field(Product, "name")
    description = _field(Product, "description", widget=forms.Textarea(attrs={"rows": 3}))
    kind = _field(Product, "kind")
    unit = _field(Product, "unit")
    category = _Named(label=_("Category"), queryset=None, required=False, empty_label=_("No category"))
    tax_rate = _Named(label=_("Tax rate"), queryset=None, required=False, empty_label=_("Choose a tax rate"))
    # A new product's first price, in the organisation's base currency (more on its page).
    list_price = AmountField(label=_("List price"), required=False)
    unit_cost = AmountField(label=_("Unit cost"), required=False)

    def __init__(self, *args, organization: Organization, product: Product | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["category"].queryset = Category.objects.filter(organization=organization).order_by("name")
        # The active rates, and the product's own even when retired: saving it unchanged keeps it.
        rates = TaxRate.objects.filter(organization=organization).order_by("-rate", "name")
        in_use = models.Q(is_active=True)
        if product is not None:
            in_use |= models.Q(pk=product.tax_rate_id)
        self.fields["tax_rate"].queryset = rates.filter(in_use)
        if product is None:
            # Most of what Spain sells carries the general rate: the highest active one.
            self.fields["tax_rate"].initial = (
                rates.filter(is_active=True, is_exempt=False).values_list("pk", flat=True).first()
            )
        if product is not None:
            del self.fields["list_price"], self.fields["unit_cost"]
            self.initial = {name: getattr(product, name) for name in ("sku", "name", "description", "kind", "unit")} | {
                "category": product.category_id,
                "tax_rate": product.tax_rate_id,
            }
        else:
            base = organization.base_currency
            self.fields["list_price"].label = _("List price (%(currency)s)") % {"currency": base}
            self.fields["unit_cost"].label = _("Unit cost (%(currency)s)") % {"currency": base}

    def service_data(self) -> dict:
        """The service's arguments: a new product's price as its `prices`."""
        data = dict(self.cleaned_data)
        list_price, unit_cost = data.pop("list_price", None), data.pop("unit_cost", None)
        if "list_price" in self.fields and (list_price is not None or unit_cost is not None):
            price = {"currency": self.organization.base_currency, "list_price": list_price}
            data["prices"] = [price | ({"unit_cost": unit_cost} if unit_cost is not None else {})]
        return data


class PriceForm(forms.Form):
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES)
    list_price = AmountField(label=_("List price"), required=False)
    unit_cost = AmountField(
        label=_("Unit cost"), required=False, help_text=_("Left empty: as it was (0 for a new currency).")
    )


class ObsoleteForm(forms.Form):
    replaced_by = _Sku(label=_("Replaced by"), queryset=None, required=False, empty_label=_("Nothing replaces it"))
    obsolete_on = forms.DateField(
        label=_("Obsolete since"), required=False, initial=timezone.localdate, widget=NativeDateInput()
    )

    def __init__(self, *args, choices, **kwargs):
        """`choices`: the products that may replace it (catalog.selectors.replacement_choices)."""
        super().__init__(*args, **kwargs)
        self.fields["replaced_by"].queryset = choices


class TaxRateForm(forms.Form):
    name = _field(TaxRate, "name")
    rate = AmountField(label=_("Rate (%)"), max_digits=5, required=False)
    is_exempt = _field(TaxRate, "is_exempt")
    exemption_reason = _field(
        TaxRate, "exemption_reason", help_text=_("For an exempt rate: the legal reason the invoice prints.")
    )
    is_active = _field(TaxRate, "is_active", help_text=_("A retired rate is kept for what was sold with it."))

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["is_active"]


class CategoryForm(forms.Form):
    name = _field(Category, "name")
