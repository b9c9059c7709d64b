"""Offers' reads: the pipeline of the offers a person may see (the accounts they see), one offer
with its current revision's lines, its revisions and approvals, and the pipeline's totals per
stage, weighted by the organisation's probabilities."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Prefetch, QuerySet, Subquery, Sum

from accounts.selectors import visible_accounts
from billing.totals import ZERO, cents
from offers.models import OPEN, Offer, OfferApproval, OfferLine, OfferRevision, OfferSettings, OfferStatus
from tenancy.models import Membership, Organization


def _current_revision(column: str) -> Subquery:
    return Subquery(OfferRevision.objects.filter(offer=OuterRef("pk"), number=OuterRef("revision")).values(column)[:1])


def offer_list(*, organization: Organization, membership: Membership) -> QuerySet[Offer]:
    """The offers of the accounts the person sees, with their account, client and owner, and
    their current revision's `net_total`, `total` and `cost_total`; newest first."""
    accounts = visible_accounts(organization=organization, membership=membership).values("pk")
    return (
        Offer.objects.filter(organization=organization, account__in=accounts)
        .select_related("account__client", "owner__user")
        .annotate(
            net_total=_current_revision("net_total"),
            total=_current_revision("total"),
            cost_total=_current_revision("cost_total"),
        )
        .order_by("-created_at", "-id")
    )


def offer_get(*, organization: Organization, membership: Membership, offer_id: int) -> Offer:
    """One offer the person may see (Offer.DoesNotExist, a 404, otherwise), with its revisions
    (`all_revisions`, oldest first), its current revision's lines (`current_lines`, with their
    products) and its approvals (with who decided)."""
    offer = (
        offer_list(organization=organization, membership=membership)
        .select_related("technical_contact__user")
        .prefetch_related(
            Prefetch("revisions", OfferRevision.objects.order_by("number"), to_attr="all_revisions"),
            Prefetch(
                "approvals", OfferApproval.objects.select_related("decided_by__user").order_by("decided_at", "id")
            ),
        )
        .get(pk=offer_id)
    )
    offer.current = next(r for r in offer.all_revisions if r.number == offer.revision)
    offer.current_lines = list(
        OfferLine.objects.filter(organization=organization, revision=offer.current)
        .select_related("product")
        .order_by("position")
    )
    return offer


@dataclass(frozen=True)
class Stage:
    status: str
    label: str
    count: int
    totals: dict[str, Decimal]  # net per currency
    probability: int
    weighted: dict[str, Decimal]


def pipeline_stages(*, offers: QuerySet[Offer], settings: OfferSettings) -> list[Stage]:
    """The open stages of `offers` (a filtered pipeline): how many, their net per currency, and
    that net weighted by the stage's probability. One query."""
    probabilities = {
        OfferStatus.DRAFT: settings.probability_draft,
        OfferStatus.SUBMITTED: settings.probability_submitted,
        OfferStatus.REJECTED: settings.probability_draft,
        OfferStatus.APPROVED: settings.probability_approved,
        OfferStatus.SENT: settings.probability_sent,
        OfferStatus.NEGOTIATION: settings.probability_negotiation,
    }
    rows = (
        offers.filter(status__in=OPEN)
        .order_by()
        .values("status", "currency")
        .annotate(n=Count("pk"), net=Sum(F("net_total")))
    )
    counts: dict[str, int] = {}
    totals: dict[str, dict[str, Decimal]] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + row["n"]
        totals.setdefault(row["status"], {})[row["currency"]] = row["net"] or ZERO
    stages = []
    for status in OPEN:
        per_currency = totals.get(status, {})
        probability = probabilities[status]
        stages.append(
            Stage(
                status=status.value,
                label=status.label,
                count=counts.get(status, 0),
                totals=per_currency,
                probability=probability,
                weighted={c: cents(amount * probability / 100) for c, amount in per_currency.items()},
            )
        )
    return stages


def weighted_total(stages: list[Stage]) -> dict[str, Decimal]:
    total: dict[str, Decimal] = {}
    for stage in stages:
        for currency, amount in stage.weighted.items():
            total[currency] = total.get(currency, ZERO) + amount
    return dict(sorted(total.items()))
