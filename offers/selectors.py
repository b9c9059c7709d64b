"""Offers' reads: the pipeline of the offers a person may see (the accounts they see), one offer
with its current revision's lines, its revisions and approvals, and the pipeline's totals per
stage, weighted by the organisation's probabilities."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.utils import timezone

from accounts.permissions import can_see_every_account
from accounts.selectors import visible_accounts
from billing.totals import ZERO, cents
from offers.models import OPEN, Offer, OfferApproval, OfferLine, OfferRevision, OfferSettings, OfferStatus
from offers.selectors_orders import AccountOrders, account_orders_summary
from tenancy.models import Membership, Organization


def _current_revision(column: str) -> Subquery:
    """`column` of the offer's current revision. `.order_by()`: OfferRevision is ordered by its
    offer, and a subquery that keeps the ordering joins the offer back and sorts by its
    `created_at` for each row (the pipeline's stage totals at 8,000 open offers: 64 ms; 46 ms
    without). A subquery, not a join: PostgreSQL evaluates it only for the rows a page shows,
    and for the totals probes the revision's index once per open offer, where a join of the
    same offers (a FilteredRelation) was planned as a hash join over every revision (150 ms)."""
    return Subquery(
        OfferRevision.objects.filter(offer=OuterRef("pk"), number=OuterRef("revision")).order_by().values(column)[:1]
    )


def offer_list(*, organization: Organization, membership: Membership) -> QuerySet[Offer]:
    """The offers of the accounts the person sees, with their account, client and owner, and
    their current revision's `net_total`, `total` and `cost_total`; newest first."""
    offers = Offer.objects.filter(organization=organization)
    if not can_see_every_account(membership):
        # Finance and admins see every account: a semi-join with all of them only costs (the
        # pipeline's count and stage totals at 50,000 offers: 10 ms each), as billing's lists know.
        offers = offers.filter(
            account__in=visible_accounts(organization=organization, membership=membership).values("pk")
        )
    return (
        offers.select_related("account__client", "owner__user")
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


def approvals_queue(*, organization: Organization, membership: Membership) -> QuerySet[Offer]:
    """The submitted offers waiting for a decision this person may make, oldest first: finance
    the financial risk of every account's offers, a sales lead the commercial terms of the
    accounts they lead; never their own offers, never a kind already decided in this round."""
    from django.db.models import Exists, Q

    from accounts.models import Account
    from accounts.permissions import led_accounts
    from offers.models import ApprovalKind, Grade

    decided = OfferApproval.objects.filter(offer=OuterRef("pk"), round=OuterRef("approval_round"))
    waiting = Q()
    if membership.is_finance:
        waiting |= Q(grade__in=(Grade.C, Grade.D)) & ~Exists(decided.filter(kind=ApprovalKind.FINANCIAL))
    if membership.is_sales_lead:
        led = Account.objects.filter(organization=organization).filter(led_accounts(membership)).values("pk")
        waiting |= Q(grade__in=(Grade.B, Grade.D), account__in=led) & ~Exists(
            decided.filter(kind=ApprovalKind.COMMERCIAL)
        )
    if not (membership.is_finance or membership.is_sales_lead):
        return offer_list(organization=organization, membership=membership).none()
    return (
        offer_list(organization=organization, membership=membership)
        .filter(status=OfferStatus.SUBMITTED)
        .exclude(owner=membership)
        .filter(waiting)
        .order_by("created_at", "id")
    )


def revision_lines(*, organization: Organization, revision: OfferRevision) -> list[OfferLine]:
    """A revision's lines in their order, with their products. One query."""
    return list(
        OfferLine.objects.filter(organization=organization, revision=revision)
        .select_related("product")
        .order_by("position")
    )


@dataclass(frozen=True)
class LineChange:
    position: int
    description: str
    change: str  # "added", "removed" or "changed"
    fields: list[tuple[str, object, object]]  # (field, before, after)


DIFF_FIELDS = ("description", "quantity", "unit_price", "discount_percent", "lead_time_days", "net")


def revision_diff(*, organization: Organization, offer: Offer, older: int, newer: int) -> list[LineChange]:
    """What changed in an offer's lines from revision `older` to revision `newer`, line by line
    (the same line through revisions: its `line_key`): lines removed and changed in their
    order, then those added, each changed field from → to. One query."""
    lines = OfferLine.objects.filter(
        organization=organization, revision__offer=offer, revision__number__in=(older, newer)
    ).values("revision__number", "line_key", "position", *DIFF_FIELDS)
    before = {row["line_key"]: row for row in lines if row["revision__number"] == older}
    after = {row["line_key"]: row for row in lines if row["revision__number"] == newer}
    changes = []
    for key in before.keys() | after.keys():
        a, b = before.get(key), after.get(key)
        if a is None:
            changes.append(LineChange(b["position"], b["description"], "added", []))
        elif b is None:
            changes.append(LineChange(a["position"], a["description"], "removed", []))
        else:
            fields = [(name, a[name], b[name]) for name in DIFF_FIELDS if a[name] != b[name]]
            if fields:
                changes.append(LineChange(b["position"], b["description"], "changed", fields))
    order = {"removed": 0, "changed": 1, "added": 2}
    return sorted(changes, key=lambda c: (order[c.change] == 2, c.position, order[c.change]))


@dataclass(frozen=True)
class AccountOffers:
    """An account's open offers for its page: the newest few, how many, and their net per currency."""

    open_offers: list[Offer]
    open_count: int
    open_net: dict[str, Decimal]
    orders: AccountOrders | None = None  # its open orders and late deliveries


ACCOUNT_OFFERS_SHOWN = 5


def account_offers_summary(*, organization: Organization, accounts: list) -> dict[int, AccountOffers]:
    """{account id: AccountOffers} of the accounts' open offers, in one query, with their open
    orders and late deliveries, in two more (the account page's hook,
    accounts.selectors.with_account_page_summaries)."""
    orders = account_orders_summary(
        organization=organization, account_ids=[a.pk for a in accounts], today=timezone.localdate()
    )
    offers = list(
        Offer.objects.filter(organization=organization, account__in=[a.pk for a in accounts], status__in=OPEN)
        .annotate(net_total=_current_revision("net_total"))
        .only("pk", "account_id", "number", "title", "status", "grade", "currency", "valid_until")
        .order_by("-created_at", "-id")
    )
    summaries = {}
    for account in accounts:
        own = [offer for offer in offers if offer.account_id == account.pk]
        net: dict[str, Decimal] = {}
        for offer in own:
            net[offer.currency] = net.get(offer.currency, ZERO) + (offer.net_total or ZERO)
        summaries[account.pk] = AccountOffers(own[:ACCOUNT_OFFERS_SHOWN], len(own), net, orders[account.pk])
    return summaries


def value_warnings(*, client, lines: list[OfferLine], settings: OfferSettings) -> list[str]:
    """Where the offer works against what the client values most (its largest weight, when one
    weight leads): a client who weighs delivery time or time to market most getting a lead time
    over the organisation's threshold; a price-driven client getting no discount."""
    from django.utils.translation import gettext as _

    drivers = client.value_drivers
    if len(drivers) < 2 or drivers[0][2] == drivers[1][2]:
        return []
    field, label, weight = drivers[0]
    warnings = []
    if field in ("weight_delivery_time", "weight_time_to_market"):
        threshold = settings.lead_time_warning_days
        for line in lines:
            if line.lead_time_days > threshold:
                warnings.append(
                    _(
                        "The client values %(driver)s most (%(weight)s %%): line %(line)s takes %(days)s days, "
                        "over the %(threshold)s days that warn."
                    )
                    % {
                        "driver": str(label).lower(),
                        "weight": weight,
                        "line": line.position,
                        "days": line.lead_time_days,
                        "threshold": threshold,
                    }
                )
    if field == "weight_price" and lines and not any(line.discount_percent for line in lines):
        warnings.append(
            _("The client values price most (%(weight)s %%) and the offer has no discount.") % {"weight": weight}
        )
    return warnings
