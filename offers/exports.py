"""The pipeline's export: the same rows, in the same order, as the pipeline page shows, for
the person who asked (only the accounts they see). Registered by OffersConfig.ready."""

from __future__ import annotations

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from offers import selectors
from offers.filters import OfferFilter
from offers.models import OfferStatus
from tenancy.exports import ExportRows
from tenancy.models import Membership, Organization
from tenancy.text import choice_labels

OFFER_HEADER = [
    gettext_noop("Number"),
    gettext_noop("Title"),
    gettext_noop("Stage"),
    gettext_noop("Grade"),
    gettext_noop("Account"),
    gettext_noop("Client"),
    gettext_noop("Account executive"),
    gettext_noop("Valid until"),
    gettext_noop("Expected close"),
    gettext_noop("Currency"),
    gettext_noop("Net"),
    gettext_noop("Total"),
    gettext_noop("Cost"),
]


def offer_filter(*, organization: Organization, membership: Membership, query: QueryDict) -> OfferFilter:
    offers = selectors.offer_list(organization=organization, membership=membership)
    return OfferFilter(query, queryset=offers, organization=organization, membership=membership)


def offer_rows(*, organization: Organization, membership: Membership, query: QueryDict) -> ExportRows:
    offers = offer_filter(organization=organization, membership=membership, query=query).qs
    total = offers.count()
    stages = choice_labels(OfferStatus)
    rows = (
        [
            number,
            title,
            stages[status],
            grade,
            account,
            trade_name or legal_name,
            owner,
            valid_until,
            expected_close,
            currency,
            net,
            gross,
            cost,
        ]
        for number, title, status, grade, account, legal_name, trade_name, owner, valid_until, expected_close, currency, net, gross, cost in offers.values_list(
            "number",
            "title",
            "status",
            "grade",
            "account__name",
            "account__client__legal_name",
            "account__client__trade_name",
            "owner__user__full_name",
            "valid_until",
            "expected_close",
            "currency",
            "net_total",
            "total",
            "cost_total",
        ).iterator(chunk_size=2000)
    )
    filename = f"offers-{organization.slug}-{timezone.localdate().isoformat()}"
    return ExportRows(filename, _("Offers"), [_(h) for h in OFFER_HEADER], total, rows)
