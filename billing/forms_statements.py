"""The forms of the statement pages: the period (and, for a product statement, the product or
the category), and a batch of statements. They parse; billing.statements reads and
billing.services_statements decides."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import StatementFormat
from billing.statements import year_to_date
from catalog.models import Category, Product
from config.validators import sane_date
from tenancy.forms import NativeDateInput
from tenancy.models import Organization

PERIOD_IN_ORDER = _("The period ends on or after the day it starts.")
A_DATE = {"invalid": _("Enter a valid date."), "required": _("Enter a date.")}


class StatementPeriodForm(forms.Form):
    """From and to, both days included; this year to date unless the address says otherwise."""

    start = forms.DateField(label=_("From"), widget=NativeDateInput(), validators=sane_date, error_messages=A_DATE)
    end = forms.DateField(label=_("To"), widget=NativeDateInput(), validators=sane_date, error_messages=A_DATE)

    def __init__(self, query, *, today: date, bound: bool = True, **kwargs):
        """`query`: the address's parameters; the period not given is the year to date. Not
        `bound`, the form only shows them (nothing is asked yet: no errors to show)."""
        start, end = year_to_date(today)
        data = {"start": start.isoformat(), "end": end.isoformat()} | {
            name: query[name] for name in self.base_fields if query.get(name)
        }
        if bound:
            super().__init__(data, **kwargs)
        else:
            super().__init__(initial=data, **kwargs)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", PERIOD_IN_ORDER)
        return cleaned


class ProductStatementForm(StatementPeriodForm):
    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=None,
        required=False,
        empty_label=_("Any product of the category"),
        error_messages={"invalid_choice": _("Choose a product of the catalogue.")},
    )
    category = forms.ModelChoiceField(
        label=_("Or a category"),
        queryset=None,
        required=False,
        empty_label=_("No category"),
        error_messages={"invalid_choice": _("Choose a category of the catalogue.")},
    )

    def __init__(self, query, *, today: date, organization: Organization, **kwargs):
        super().__init__(query, today=today, bound=bool(query.get("product") or query.get("category")), **kwargs)
        self.fields["product"].queryset = Product.objects.filter(organization=organization).order_by("sku", "id")
        self.fields["category"].queryset = Category.objects.filter(organization=organization).order_by("name", "id")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("product") and cleaned.get("category"):
            self.add_error("category", _("Choose a product or a category, not both."))
        elif "product" in cleaned and "category" in cleaned and not (cleaned["product"] or cleaned["category"]):
            self.add_error("product", _("Choose a product or a category."))
        return cleaned


class StatementBatchForm(forms.Form):
    """The statements of every account of a team, or of everyone (no team), for a period."""

    team = forms.ModelChoiceField(
        label=_("Accounts"),
        queryset=None,
        required=False,
        empty_label=_("Every account"),
        error_messages={"invalid_choice": _("Choose a team of this organisation.")},
    )
    start = forms.DateField(label=_("From"), widget=NativeDateInput(), validators=sane_date, error_messages=A_DATE)
    end = forms.DateField(label=_("To"), widget=NativeDateInput(), validators=sane_date, error_messages=A_DATE)
    file_format = forms.ChoiceField(
        label=_("Format"),
        choices=StatementFormat.choices,
        initial=StatementFormat.PDF,
        error_messages={"invalid_choice": _("Choose a value from the list.")},
    )

    def __init__(self, *args, teams, today: date, **kwargs):
        """`teams`: those whose statements the person may ask for (all, or the ones they lead)."""
        start, end = year_to_date(today)
        kwargs.setdefault("initial", {"start": start, "end": end, "file_format": StatementFormat.PDF})
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", PERIOD_IN_ORDER)
        return cleaned
