"""offers.services: drafting with the catalogue's prices, grading on every change, the role
matrix of approvals, the lifecycle, expiry, and refusals that write nothing."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from accounts import services as accounts_services
from billing.models import RiskPolicy
from config.errors import ApplicationError, refusal_messages
from offers import services
from offers.grading import reason_text
from offers.models import Offer, OfferApproval, OfferLine, OfferRevision
from tenancy.scope import tenant_scope
from tests.tenancy.isolation import snapshot


def _refused(org, call):
    """(status, message, fields) of a refused call, and whether the database is as it was."""
    before = snapshot()
    with pytest.raises((ApplicationError, ValidationError)) as error, tenant_scope(org):
        call()
    refusal = error.value
    if isinstance(refusal, ValidationError):
        refusal = ApplicationError(*refusal_messages(refusal))
    return (refusal.status, str(refusal.message), refusal.extra or None), snapshot() == before


def _said(offer) -> list[str]:
    return [reason_text(reason) for reason in offer.grade_reasons]


def _draft(o, actor=None, **fields):
    with tenant_scope(o.org):
        return services.offer_create(
            organization=o.org,
            actor=actor or o.ae,
            account=fields.pop("account", o.account),
            title=fields.pop("title", "Sensors for the new plant"),
            lines=fields.pop("lines", [{"product": o.product, "quantity": D("5")}]),
            **fields,
        )


def test_the_world_offer_has_the_catalogues_prices_its_totals_and_grade_b_with_its_reasons(world):
    p = world.porta
    year = timezone.localdate().year
    with tenant_scope(p.org):
        revision = OfferRevision.objects.get(offer=p.offer, number=1)
        lines = [
            (x.position, x.description, x.quantity, x.list_price, x.unit_cost, x.unit_price, x.discount_percent, x.net)
            for x in p.offer_lines
        ]
    assert (p.offer.number, p.offer.currency, p.offer.status, p.offer.revision) == (
        f"O{year}-000001",
        "EUR",
        "approved",
        1,
    )
    assert lines == [
        (1, "Sensor kit", D("10.000"), D("120.00"), D("70.00"), D("120.00"), D("20.00"), D("960.00")),
        (2, "Installation", D("2.000"), D("65.00"), D("30.00"), D("65.00"), D("0.00"), D("130.00")),
    ]
    assert (revision.list_total, revision.net_total, revision.cost_total, revision.tax_total, revision.total) == (
        D("1330.00"),
        D("1090.00"),
        D("760.00"),
        D("228.90"),
        D("1318.90"),
    )
    assert (p.offer.grade, p.offer.policy_version, _said(p.offer)) == (
        "B",
        1,
        [
            "Discount 20 % on line 1; the policy allows 15 %.",
            "Overall discount 18.1 %; the policy allows 10 %.",
        ],
    )
    assert (p.offer_approval.kind, p.offer_approval.decided_by_id, p.offer_approval.grade) == (
        "commercial",
        p.lead.pk,
        "B",
    )


@pytest.mark.parametrize(
    ("who", "allowed"), [("ae", True), ("ae2", True), ("lead", True), ("finance", False), ("admin", False)]
)
def test_who_drafts_an_offer_on_the_account(world, who, allowed):
    p = world.porta
    if allowed:
        offer = _draft(p, actor=getattr(p, who))
        assert (offer.owner_id, offer.grade, offer.status) == (getattr(p, who).pk, "A", "draft")
    else:
        refusal, unchanged = _refused(p.org, lambda: _draft_call(p, getattr(p, who)))
        assert (refusal[0], refusal[1], unchanged) == (
            403,
            "Only the account's executives and its sales lead draft offers.",
            True,
        )


def _draft_call(o, actor):
    return services.offer_create(
        organization=o.org,
        actor=actor,
        account=o.account,
        title="X",
        lines=[{"product": o.product, "quantity": D("1")}],
    )


def test_an_account_of_another_organisation_is_not_found_and_nothing_is_written(world):
    p, n = world.porta, world.nordwind
    refusal, unchanged = _refused(
        p.org, lambda: services.offer_create(organization=p.org, actor=p.ae, account=n.account, title="X")
    )
    assert (refusal[0], unchanged) == (404, True)


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ({"quantity": D("-1")}, "lines.0.quantity", "The quantity must be more than zero."),
        (
            {"quantity": D("1"), "discount_percent": D("100.01")},
            "lines.0.discount_percent",
            "A discount is a percentage from 0 to 100.",
        ),
        ({"quantity": D("1"), "lead_time_days": -1}, "lines.0.lead_time_days", "A lead time is from 0 to 3650 days."),
    ],
)
def test_a_bad_line_is_refused_under_its_field_and_nothing_is_written(world, line, field, message):
    p = world.porta
    refusal, unchanged = _refused(
        p.org,
        lambda: services.offer_create(
            organization=p.org, actor=p.ae, account=p.account, title="X", lines=[{"product": p.product, **line}]
        ),
    )
    assert (refusal[0], refusal[2], unchanged) == (400, {field: message}, True)


def test_an_obsolete_product_is_refused_naming_its_replacement(world):
    p = world.porta
    draft = _draft(p)
    refusal, unchanged = _refused(
        p.org,
        lambda: services.offer_line_add(
            organization=p.org, actor=p.ae, offer=draft, product=p.old_product, quantity=D("1")
        ),
    )
    assert (refusal[2], unchanged) == (
        {
            "product": f"{p.old_product.sku} {p.old_product.name} is obsolete since 3 March 2025: use {p.product.sku} Sensor kit."
        },
        True,
    )


def test_a_valid_until_in_the_past_is_refused(world):
    p = world.porta
    yesterday = timezone.localdate() - timedelta(days=1)
    refusal, unchanged = _refused(
        p.org,
        lambda: services.offer_create(
            organization=p.org, actor=p.ae, account=p.account, title="X", valid_until=yesterday
        ),
    )
    assert (refusal[2], unchanged) == ({"valid_until": "An offer is valid until today or later."}, True)


def test_nobody_approves_their_own_offer_and_each_kind_is_decided_by_its_role(world):
    # given a draft over the line discount (commercial) of an account over its credit limit (financial)
    p = world.porta
    offer = _draft(p, actor=p.lead, lines=[{"product": p.product, "quantity": D("200"), "discount_percent": D("16")}])
    with tenant_scope(p.org):
        services.offer_submit(organization=p.org, actor=p.lead, offer=offer)
        offer.refresh_from_db()
    assert (offer.status, offer.grade) == ("submitted", "D")

    def decide(actor, kind):
        return lambda: services.offer_decide(
            organization=p.org, actor=actor, offer=offer, kind=kind, decision="approved", grade_seen="D"
        )

    # then its own lead may not approve it, nor the ae the commercial terms, nor finance them
    assert _refused(p.org, decide(p.lead, "commercial")) == ((403, "Nobody approves their own offer.", None), True)
    expected = (403, "Only the account's sales lead approves commercial terms, and finance financial risk.", None)
    assert _refused(p.org, decide(p.ae, "commercial")) == (expected, True)
    assert _refused(p.org, decide(p.finance, "commercial")) == (expected, True)
    # and finance approves the financial risk: the offer still waits for the commercial approval
    with tenant_scope(p.org):
        decide(p.finance, "financial")()
        offer.refresh_from_db()
        kinds = list(OfferApproval.objects.filter(offer=offer).values_list("kind", "decision", "decided_by_id"))
    assert (offer.status, kinds) == ("submitted", [("financial", "approved", p.finance.pk)])


def test_a_rejection_says_why_and_sends_the_offer_back_to_be_changed(world):
    p = world.porta
    offer = _draft(p, lines=[{"product": p.product, "quantity": D("1"), "discount_percent": D("30")}])
    with tenant_scope(p.org):
        services.offer_submit(organization=p.org, actor=p.ae, offer=offer)
    reject = lambda comment: services.offer_decide(  # noqa: E731
        organization=p.org,
        actor=p.lead,
        offer=offer,
        kind="commercial",
        decision="rejected",
        grade_seen="B",
        comment=comment,
    )
    assert _refused(p.org, lambda: reject("")) == (
        (400, "Say why you reject it.", {"comment": "Say why you reject it."}),
        True,
    )
    with tenant_scope(p.org):
        reject("30 % is too much for one kit.")
        offer.refresh_from_db()
        services.offer_line_update(
            organization=p.org, actor=p.ae, line=OfferLine.objects.get(revision__offer=offer), discount_percent=D("5")
        )
        services.offer_submit(organization=p.org, actor=p.ae, offer=offer)
        offer.refresh_from_db()
    assert (offer.status, offer.grade, offer.approval_round) == ("approved", "A", 2)


def test_a_change_after_approval_that_changes_the_grade_goes_back_for_approval(world):
    p = world.porta  # the world's offer: approved with grade B
    with tenant_scope(p.org):
        # a change that keeps grade B keeps the approval
        services.offer_line_update(organization=p.org, actor=p.ae, line=p.offer_lines[1], quantity=D("3"))
        p.offer.refresh_from_db()
        kept = (p.offer.status, p.offer.grade, p.offer.approval_round)
        # one that makes it D (the account's credit limit is 15,000) sends it back
        services.offer_line_update(organization=p.org, actor=p.ae, line=p.offer_lines[0], quantity=D("200"))
        p.offer.refresh_from_db()
    assert kept == ("approved", "B", 1)
    assert (p.offer.status, p.offer.grade, p.offer.approval_round) == ("submitted", "D", 2)
    # and the lead's approval of round 1 does not count for round 2
    refusal, unchanged = _refused(
        p.org,
        lambda: services.offer_send(organization=p.org, actor=p.ae, offer=p.offer),
    )
    assert (refusal[:2], unchanged) == ((409, "This offer waits for approval: it cannot be sent yet."), True)


def test_approving_an_offer_graded_differently_since_it_was_seen_is_refused(world):
    p = world.porta
    offer = _draft(p, lines=[{"product": p.product, "quantity": D("1"), "discount_percent": D("30")}])
    with tenant_scope(p.org):
        services.offer_submit(organization=p.org, actor=p.ae, offer=offer)
        # finance lowers the account's credit limit: the offer would be graded D now
        accounts_services.account_update(organization=p.org, actor=p.admin, account=p.account, credit_limit=D("0.00"))
    refusal, unchanged = _refused(
        p.org,
        lambda: services.offer_decide(
            organization=p.org, actor=p.lead, offer=offer, kind="commercial", decision="approved", grade_seen="B"
        ),
    )
    assert (refusal[:2], unchanged) == (
        (409, "The offer changed since it was graded: it is graded D now. Look at it again."),
        True,
    )


def test_a_sent_offer_is_negotiated_in_a_new_revision_and_the_earlier_one_stays_as_it_was(world):
    p = world.porta
    with tenant_scope(p.org):
        services.offer_send(organization=p.org, actor=p.ae, offer=p.offer)
        revision = services.offer_revise(organization=p.org, actor=p.ae, offer=p.offer)
        p.offer.refresh_from_db()
        new_lines = list(OfferLine.objects.filter(revision=revision).order_by("position"))
        services.offer_line_update(organization=p.org, actor=p.ae, line=new_lines[0], discount_percent=D("10"))
        first = list(
            OfferLine.objects.filter(revision__number=1, revision__offer=p.offer).values_list(
                "discount_percent", flat=True
            )
        )
        second = list(OfferLine.objects.filter(revision=revision).values_list("discount_percent", flat=True))
        p.offer.refresh_from_db()
    assert (p.offer.status, p.offer.revision, first, second) == (
        "negotiation",
        2,
        [D("20.00"), D("0.00")],
        [D("10.00"), D("0.00")],
    )
    # the earlier revision cannot change
    refusal, unchanged = _refused(
        p.org,
        lambda: services.offer_line_update(organization=p.org, actor=p.ae, line=p.offer_lines[0], quantity=D("1")),
    )
    assert (refusal[:2], unchanged) == ((409, "An earlier revision cannot change."), True)


def test_won_lost_and_withdrawn_close_an_offer_and_a_loss_says_why(world):
    p = world.porta
    with tenant_scope(p.org):
        services.offer_send(organization=p.org, actor=p.ae, offer=p.offer)
    refusal, unchanged = _refused(
        p.org, lambda: services.offer_lose(organization=p.org, actor=p.ae, offer=p.offer, reason="")
    )
    assert (refusal[2], unchanged) == ({"lost_reason": "Say why the offer was lost."}, True)
    with tenant_scope(p.org):
        lost = services.offer_lose(organization=p.org, actor=p.ae, offer=p.offer, reason="Price", lost_to="Acme")
    assert (lost.status, lost.lost_reason, lost.lost_to, lost.closed_at is not None) == ("lost", "Price", "Acme", True)
    refusal, unchanged = _refused(p.org, lambda: services.offer_withdraw(organization=p.org, actor=p.ae, offer=p.offer))
    assert (refusal[:2], unchanged) == ((409, "This offer is closed already."), True)


def test_expiry_closes_open_offers_past_their_date_once(world):
    p = world.porta
    today = timezone.localdate()
    draft = _draft(p, valid_until=today)
    with tenant_scope(p.org):
        # tomorrow both open offers are past their valid-until date (the world's is valid 30 days)
        first = services.offers_expire(organization=p.org, today=today + timedelta(days=1))
        before = snapshot()
        second = services.offers_expire(organization=p.org, today=today + timedelta(days=1))
        unchanged = snapshot() == before
        statuses = dict(Offer.objects.values_list("pk", "status"))
    assert (first, second, unchanged) == (1, 0, True)
    assert statuses == {p.offer.pk: "approved", p.won_offer.pk: "won", draft.pk: "expired"}


@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_one_decision_counts(tworld):
    # given an offer graded C (financial only): the account has no credit limit
    p = tworld.porta
    with tenant_scope(p.org):
        accounts_services.account_update(organization=p.org, actor=p.admin, account=p.account, credit_limit=D("0.00"))
    offer = _draft(p, lines=[{"product": p.product, "quantity": D("1")}])
    with tenant_scope(p.org):
        services.offer_submit(organization=p.org, actor=p.ae, offer=offer)
        second_finance = _second_finance(p)
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def decide(index, actor, decision):
        try:
            barrier.wait(timeout=30)
            with tenant_scope(p.org):
                results[index] = services.offer_decide(
                    organization=p.org,
                    actor=actor,
                    offer=offer,
                    kind="financial",
                    decision=decision,
                    grade_seen="C",
                    comment="Too risky." if decision == "rejected" else "",
                ).decision
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(0, p.finance, "approved")),
        threading.Thread(target=decide, args=(1, second_finance, "rejected")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # then one decided and the other was told the offer no longer waits for it
    decided = [r for r in results if isinstance(r, str)]
    refused = [str(r.message) for r in results if isinstance(r, ApplicationError)]
    with tenant_scope(p.org):
        rows = list(OfferApproval.objects.filter(offer=offer).values_list("decision", flat=True))
        offer.refresh_from_db()
    assert (len(decided), refused, rows) == (1, ["This offer does not wait for this approval."], decided)
    assert offer.status == {"approved": "approved", "rejected": "rejected"}[decided[0]]


def _second_finance(o):
    from tests.factories import add_member

    return add_member(o.org, "finance2", ["finance"])


def test_the_policy_version_an_offer_was_graded_with_is_kept(world):
    p = world.porta
    with tenant_scope(p.org):
        version = (
            RiskPolicy.objects.filter(organization=p.org).order_by("-version").values_list("version", flat=True)[0]
        )
    assert p.offer.policy_version == version
