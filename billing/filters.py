"""Billing's FilterSets: the same parameters filter the pages, the API lists and the exports."""

from __future__ import annotations

import django_filters
from django.db.models import F, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.filters import YES_NO_ANY, DayFilter, SortFilter, TenantFilterSet
from accounts.models import Account
from accounts.selectors import visible_accounts
from billing.models import CreditNote, Invoice, InvoiceStatus

INVOICE_ORDERS = {
    "number": (F("number").asc(nulls_first=True), "-id"),
    "account": ("account__name", F("issue_date").desc(nulls_first=True), "-id"),
    "client": ("account__client__legal_name", F("issue_date").desc(nulls_first=True), "-id"),
    "issue_date": (F("issue_date").asc(nulls_last=True), "id"),
    "due_date": (F("due_date").asc(nulls_last=True), "id"),
    "total": ("total", "id"),
    "outstanding": ("outstanding", "id"),
    "status": ("status", F("issue_date").desc(nulls_first=True), "-id"),
}
CREDIT_NOTE_ORDERS = {
    "number": ("number", "id"),
    "invoice": ("invoice__number", "id"),
    "account": ("account__name", "-issue_date", "-id"),
    "issue_date": ("issue_date", "id"),
    "total": ("total", "id"),
}


# The most accounts a billing list's account filter lists (see BillingFilterSet.offer_choices).
ACCOUNT_CHOICES = 300


def _no_accounts(request):
    # Each form gets the accounts its person sees (BillingFilterSet); nothing is shared.
    return Account.objects.none()


def _every_term(queryset, fields: tuple[str, ...], value: str):
    """Rows where each word of `value` is in one of `fields`, whatever the case."""
    for term in value.split()[:6]:
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__icontains": term})
        queryset = queryset.filter(condition)
    return queryset


class BillingFilterSet(TenantFilterSet):
    """A billing list's filters: its `account` choices are the accounts the person sees, so
    that the list offers no name they may not read (another one is "not a valid choice")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.form.fields.get("account")
        if field is not None and self.organization is not None and self.membership is not None:
            field.queryset = visible_accounts(organization=self.organization, membership=self.membership).order_by(
                "name", "id"
            )

    def offer_choices(self) -> BillingFilterSet:
        """For the page: the accounts from one values() query, without model instances. A person
        who sees more than ACCOUNT_CHOICES accounts (finance, at a large tenant) gets only the
        account asked for: a list of thousands is of no use to pick from (the search box finds an
        account by name) and rendering it was most of the page's time."""
        super().offer_choices()
        field = self.form.fields["account"]
        bound = self.form["account"]
        asked = bound.value()
        asked = int(asked) if str(asked or "").isdigit() else None
        asked_name = Subquery(field.queryset.filter(pk=asked).values("name")[:1])
        options = list(
            field.queryset.order_by("name", "id")
            .annotate(asked_name=asked_name)
            .values_list("pk", "name", "asked_name")[: ACCOUNT_CHOICES + 1]
        )
        if len(options) > ACCOUNT_CHOICES:
            options = [(asked, options[0][2], None)] if options[0][2] is not None else []
            bound.help_text = _("Only the account asked for is listed: search for one by name.")
        field.widget.choices = [("", field.empty_label)] + [(pk, name) for pk, name, _asked in options]
        return self


class InvoiceFilter(BillingFilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"), max_length=100)
    status = django_filters.ChoiceFilter(choices=InvoiceStatus.choices, label=_("Status"), empty_label=_("Any status"))
    account = django_filters.ModelChoiceFilter(queryset=_no_accounts, label=_("Account"), empty_label=_("Any account"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"), widget=YES_NO_ANY)
    issued_from = DayFilter(field_name="issue_date", lookup_expr="gte", label=_("Issued from"))
    issued_to = DayFilter(field_name="issue_date", lookup_expr="lte", label=_("Issued until"))
    due_from = DayFilter(field_name="due_date", lookup_expr="gte", label=_("Due from"))
    due_to = DayFilter(field_name="due_date", lookup_expr="lte", label=_("Due until"))
    sort = SortFilter(
        orders=INVOICE_ORDERS,
        choices=[
            ("-issue_date", _("Newest first")),
            ("issue_date", _("Oldest first")),
            ("due_date", _("Due soonest first")),
            ("-due_date", _("Due latest first")),
            ("number", _("Number")),
            ("-number", _("Number, reversed")),
            ("account", _("Account, A to Z")),
            ("-account", _("Account, Z to A")),
            ("client", _("Client, A to Z")),
            ("-client", _("Client, Z to A")),
            ("-total", _("Total, highest first")),
            ("total", _("Total, lowest first")),
            ("-outstanding", _("Outstanding, highest first")),
            ("outstanding", _("Outstanding, lowest first")),
            ("status", _("Status")),
            ("-status", _("Status, reversed")),
        ],
        label=_("Sort"),
        empty_label=None,
    )

    class Meta:
        model = Invoice
        fields = []

    def filter_q(self, queryset, name, value):
        """The invoice's number, its account's name or its client's names."""
        fields = ("number", "account__name", "account__client__legal_name", "account__client__trade_name")
        return _every_term(queryset, fields, value) if value else queryset

    def filter_overdue(self, queryset, name, value):
        """Overdue now: something outstanding past the due date (selectors.invoice_list's
        `is_overdue`, derived at read time)."""
        if value is None:
            return queryset
        overdue = Q(outstanding__gt=0, due_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class CreditNoteFilter(BillingFilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"), max_length=100)
    account = django_filters.ModelChoiceFilter(queryset=_no_accounts, label=_("Account"), empty_label=_("Any account"))
    invoice = django_filters.NumberFilter(field_name="invoice_id", label=_("Invoice"))
    issued_from = DayFilter(field_name="issue_date", lookup_expr="gte", label=_("Issued from"))
    issued_to = DayFilter(field_name="issue_date", lookup_expr="lte", label=_("Issued until"))
    sort = SortFilter(
        orders=CREDIT_NOTE_ORDERS,
        choices=[
            ("-issue_date", _("Newest first")),
            ("issue_date", _("Oldest first")),
            ("number", _("Number")),
            ("-number", _("Number, reversed")),
            ("invoice", _("Invoice")),
            ("-invoice", _("Invoice, reversed")),
            ("account", _("Account, A to Z")),
            ("-account", _("Account, Z to A")),
            ("-total", _("Total, highest first")),
            ("total", _("Total, lowest first")),
        ],
        label=_("Sort"),
        empty_label=None,
    )

    class Meta:
        model = CreditNote
        fields = []

    def filter_q(self, queryset, name, value):
        """The credit note's number, its invoice's, its account's name, its client's names or its reason."""
        fields = (
            "number",
            "invoice__number",
            "account__name",
            "account__client__legal_name",
            "account__client__trade_name",
            "reason",
        )
        return _every_term(queryset, fields, value) if value else queryset
