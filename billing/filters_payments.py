"""The payments' FilterSets: the same parameters filter the page, the API list and the exports."""

from __future__ import annotations

import django_filters
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.filters import YES_NO_ANY, DayFilter, SortFilter, TenantFilterSet
from accounts.models import Account
from accounts.permissions import account_visibility
from billing.models import Allocation, Payment, PaymentMethod
from tenancy.forms import NativeDateInput

PAYMENT_ORDERS = {
    "received_on": ("received_on", "id"),
    "account": ("account__name", "-received_on", "-id"),
    "amount": ("amount", "-received_on", "-id"),
    "method": ("method", "-received_on", "-id"),
    "unallocated": (F("unallocated").asc(), "-received_on", "-id"),
}


def _no_accounts(request):
    # Each form gets the accounts its reader sees (PaymentFilter.__init__).
    return Account.objects.none()


class PaymentStatus:
    ACTIVE, REVERSED = "active", "reversed"
    choices = [(ACTIVE, _("Active")), (REVERSED, _("Reversed"))]


class PaymentFilter(TenantFilterSet):
    account = django_filters.ModelChoiceFilter(queryset=_no_accounts, label=_("Account"), empty_label=_("Any account"))
    method = django_filters.ChoiceFilter(choices=PaymentMethod.choices, label=_("Method"), empty_label=_("Any method"))
    received_from = DayFilter(
        field_name="received_on", lookup_expr="gte", label=_("Received from"), widget=NativeDateInput()
    )
    received_to = DayFilter(
        field_name="received_on", lookup_expr="lte", label=_("Received until"), widget=NativeDateInput()
    )
    status = django_filters.ChoiceFilter(
        method="filter_status", choices=PaymentStatus.choices, label=_("Status"), empty_label=_("Any status")
    )
    unallocated = django_filters.BooleanFilter(
        method="filter_unallocated", label=_("Something left to allocate"), widget=YES_NO_ANY
    )
    sort = SortFilter(
        orders=PAYMENT_ORDERS,
        choices=[
            ("-received_on", _("Newest first")),
            ("received_on", _("Oldest first")),
            ("account", _("Account, A to Z")),
            ("-account", _("Account, Z to A")),
            ("-amount", _("Largest first")),
            ("amount", _("Smallest first")),
            ("method", _("Method")),
            ("-method", _("Method, reversed")),
            ("-unallocated", _("Most left to allocate first")),
            ("unallocated", _("Least left to allocate first")),
        ],
        label=_("Sort"),
        empty_label=None,
    )

    class Meta:
        model = Payment
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.form.fields["account"]
        if self.membership is not None:
            # Only the accounts this person sees: naming another is "not one of the choices".
            field.queryset = field.queryset.filter(account_visibility(self.membership)).order_by("name", "pk")

    def filter_status(self, queryset, name, value):
        if value == PaymentStatus.ACTIVE:
            return queryset.filter(reversed_on__isnull=True)
        if value == PaymentStatus.REVERSED:
            return queryset.filter(reversed_on__isnull=False)
        return queryset

    def filter_unallocated(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(Q(unallocated__gt=0) if value else Q(unallocated=0))

    def offer_choices(self) -> PaymentFilter:
        """For the page: the accounts from one values() query, without model instances."""
        field = self.form.fields["account"]
        field.widget.choices = [("", field.empty_label)] + list(field.queryset.values_list("pk", "name"))
        return self


class AllocationFilter(TenantFilterSet):
    """The API's: the allocations of one payment, or to one invoice."""

    payment = django_filters.NumberFilter(field_name="payment_id", label=_("Payment"))
    invoice = django_filters.NumberFilter(field_name="invoice_id", label=_("Invoice"))
    active = django_filters.BooleanFilter(
        field_name="reversed_at",
        lookup_expr="isnull",
        label=_("Still counts (not ended by a reversal or a credit note)"),
    )

    class Meta:
        model = Allocation
        fields = []
