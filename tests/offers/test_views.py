"""The offer pages: the pipeline with its stages and exports, a new offer, an offer's page and
what it lets each person do."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from offers import services
from offers.models import Offer, OfferLine
from tenancy.models import AuditEvent
from tenancy.scope import tenant_scope
from tests.factories import post_unchanged, signed_in


def _rows(text: str) -> list[str]:
    return re.findall(r'data-testid="offer-row" data-offer-id="(\d+)"', text)


def _more_offers(o, count: int) -> list[Offer]:
    with tenant_scope(o.org):
        return [
            services.offer_create(
                organization=o.org,
                actor=o.ae,
                account=o.account,
                title=f"Offer {n}",
                lines=[{"product": o.product, "quantity": D("1")}],
            )
            for n in range(count)
        ]


def test_the_pipeline_shows_the_offers_one_sees_with_each_stage_and_the_weighted_total(world):
    p = world.porta
    _more_offers(p, 2)  # two drafts besides the world's approved offer
    text = signed_in(p.ae).get("/o/porta/offers/").content.decode()
    with tenant_scope(p.org):
        ids = [str(pk) for pk in Offer.objects.order_by("-created_at", "-id").values_list("pk", flat=True)]
    assert _rows(text) == ids
    assert re.search(r'data-testid="stage-draft">2<', text)
    assert re.search(r'data-testid="stage-approved">1<', text)
    # 2 drafts of 120.00 at 10 % and the approved 1,090.00 at 30 %: 24.00 + 327.00
    assert re.search(r'data-testid="weighted-total"><div>€351.00</div><', text)
    # another organisation's offers are not there, nor is its number
    assert world.nordwind.offer.title not in text


@pytest.mark.parametrize("count", [1, 50])
def test_the_pipeline_takes_the_same_queries_with_1_and_with_50_offers(world, count):
    p = world.porta
    _more_offers(p, count - 1)
    browser = signed_in(p.lead)
    browser.get("/o/porta/offers/")
    with CaptureQueriesContext(connection) as queries:
        response = browser.get("/o/porta/offers/?sort=-net")
    assert (response.status_code, len(queries)) == (200, 12)


def test_the_pipeline_filters_by_stage_and_exports_exactly_what_it_shows(world):
    p = world.porta
    _more_offers(p, 1)
    text = signed_in(p.ae).get("/o/porta/offers/?status=approved").content.decode()
    assert _rows(text) == [str(p.offer.pk)]
    response = signed_in(p.ae).get("/o/porta/offers/export.csv?status=approved")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Number", "Title", "Stage", "Grade"]
    assert [row[:4] for row in rows[1:]] == [[p.offer.number, "Porta sensors", "Approved", "B"]]


def test_the_pipeline_search_finds_offers_by_number_title_account_and_client_every_term(world):
    p = world.porta
    (other,) = _more_offers(p, 1)
    browser = signed_in(p.ae)

    def found(query: str) -> list[str]:
        return _rows(browser.get("/o/porta/offers/", {"q": query}).content.decode())

    with tenant_scope(p.org):
        every = [str(pk) for pk in Offer.objects.order_by("-created_at", "-id").values_list("pk", flat=True)]
    assert found(other.number) == [str(other.pk)]
    assert found("sensors") == [str(p.offer.pk)]
    # the client's trade name ("Porta Client") and the account's name ("Porta Account")
    assert found("porta client") == every
    assert found("porta account") == every
    # every term: the title and the client's
    assert found("sensors client") == [str(p.offer.pk)]
    # another organisation's client
    assert found("nordwind") == []


def test_an_ae_drafts_an_offer_adds_a_line_and_submits_it(world):
    p = world.porta
    browser = signed_in(p.ae)
    valid = (timezone.localdate().replace(day=1) + timezone.timedelta(days=62)).isoformat()
    response = browser.post(
        "/o/porta/offers/new/", {"account": p.account.pk, "title": "Gateway roll-out", "valid_until": valid}
    )
    with tenant_scope(p.org):
        offer = Offer.objects.get(title="Gateway roll-out")
    assert response.status_code == 302 and response["Location"] == f"/o/porta/offers/{offer.pk}/"
    response = browser.post(
        f"/o/porta/offers/{offer.pk}/lines/",
        {"add-product": p.product.pk, "add-quantity": "4", "add-discount_percent": "25", "add-lead_time_days": "10"},
    )
    assert response.status_code == 302
    text = browser.get(f"/o/porta/offers/{offer.pk}/").content.decode()
    assert "Discount 25 % on line 1; the policy allows 15 %." in text
    assert browser.post(f"/o/porta/offers/{offer.pk}/submit/").status_code == 302
    with tenant_scope(p.org):
        offer.refresh_from_db()
        line = OfferLine.objects.get(revision__offer=offer)
    assert (offer.status, offer.grade, line.net, line.lead_time_days) == ("submitted", "B", D("360.00"), 10)


def test_a_bad_line_comes_back_under_its_field_and_nothing_is_written(world):
    p = world.porta
    response, unchanged = post_unchanged(
        p.ae,
        f"/o/porta/offers/{p.offer.pk}/lines/",
        {"add-product": p.product.pk, "add-quantity": "1", "add-discount_percent": "120"},
    )
    assert (response.status_code, unchanged) == (400, True)
    assert "A discount is a percentage from 0 to 100." in response.content.decode()


def test_the_lead_sees_the_approval_form_and_the_ae_does_not(world):
    p = world.porta
    offer = _more_offers(p, 1)[0]
    with tenant_scope(p.org):
        services.offer_line_update(
            organization=p.org,
            actor=p.ae,
            line=OfferLine.objects.get(revision__offer=offer),
            discount_percent=D("30"),
        )
        services.offer_submit(organization=p.org, actor=p.ae, offer=offer)
    url = f"/o/porta/offers/{offer.pk}/"
    assert 'data-testid="decide-commercial"' not in signed_in(p.ae).get(url).content.decode()
    assert 'data-testid="decide-commercial"' in signed_in(p.lead).get(url).content.decode()
    # the lead rejects it without a word: refused, nothing written
    response, unchanged = post_unchanged(
        p.lead,
        f"{url}decide/",
        {
            "kind": "commercial",
            "commercial-kind": "commercial",
            "commercial-grade_seen": "B",
            "commercial-decision": "rejected",
        },
    )
    assert (response.status_code, unchanged) == (400, True)
    assert "Say why you reject it." in response.content.decode()
    # then approves it
    response = signed_in(p.lead).post(
        f"{url}decide/",
        {
            "kind": "commercial",
            "commercial-kind": "commercial",
            "commercial-grade_seen": "B",
            "commercial-decision": "approved",
        },
    )
    with tenant_scope(p.org):
        offer.refresh_from_db()
    assert (response.status_code, offer.status) == (302, "approved")


def test_finance_reads_an_offer_but_may_not_submit_it(world):
    p = world.porta
    offer = _more_offers(p, 1)[0]
    assert signed_in(p.finance).get(f"/o/porta/offers/{offer.pk}/").status_code == 200
    response, unchanged = post_unchanged(p.finance, f"/o/porta/offers/{offer.pk}/submit/", {})
    assert (response.status_code, unchanged) == (403, True)


@pytest.mark.parametrize("count", [1, 50])
def test_an_offers_page_takes_the_same_queries_with_1_and_with_50_lines(world, count):
    p = world.porta
    offer = _more_offers(p, 1)[0]
    with tenant_scope(p.org):
        for _ in range(count - 1):
            services.offer_line_add(organization=p.org, actor=p.ae, offer=offer, product=p.product2, quantity=D("1"))
    browser = signed_in(p.ae)
    browser.get(f"/o/porta/offers/{offer.pk}/")
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(f"/o/porta/offers/{offer.pk}/")
    assert (response.status_code, len(queries)) == (200, 13)


def test_the_approvals_queue_shows_each_approver_what_waits_for_them(world):
    # given three submitted offers: over the discount (B), over the credit limit (C), both (D)
    p = world.porta
    with tenant_scope(p.org):
        made = {}
        for name, lines in {
            "B": [{"product": p.product, "quantity": D("1"), "discount_percent": D("30")}],
            "C": [{"product": p.product, "quantity": D("150")}],
            "D": [{"product": p.product, "quantity": D("150"), "discount_percent": D("16")}],
        }.items():
            offer = services.offer_create(organization=p.org, actor=p.ae, account=p.account, title=name, lines=lines)
            made[name] = services.offer_submit(organization=p.org, actor=p.ae, offer=offer)
        # finance has decided on D's financial risk already
        services.offer_decide(
            organization=p.org, actor=p.finance, offer=made["D"], kind="financial", decision="approved", grade_seen="D"
        )

    def queue(membership):
        text = signed_in(membership).get("/o/porta/offers/approvals/").content.decode()
        return re.findall(r'data-testid="approval-row" data-offer-id="(\d+)"', text)

    # then the lead sees B and D (commercial), finance C only, the ae nothing
    assert [made[k].grade for k in "BCD"] == ["B", "C", "D"]
    assert queue(p.lead) == [str(made["B"].pk), str(made["D"].pk)]
    assert queue(p.finance) == [str(made["C"].pk)]
    assert queue(p.ae) == []


def test_an_offers_page_shows_what_changed_between_two_revisions(world):
    # given the world's offer sent, revised: line 1 at 10 % instead of 20 %, line 2 removed, a line added
    p = world.porta
    with tenant_scope(p.org):
        services.offer_send(organization=p.org, actor=p.ae, offer=p.offer)
        revision = services.offer_revise(organization=p.org, actor=p.ae, offer=p.offer)
        first, second = OfferLine.objects.filter(revision=revision).order_by("position")
        services.offer_line_update(organization=p.org, actor=p.ae, line=first, discount_percent=D("10"))
        services.offer_line_remove(organization=p.org, actor=p.ae, line=second)
        services.offer_line_add(
            organization=p.org, actor=p.ae, offer=p.offer, description="Training", quantity=D("1"), unit_price=D("300")
        )
    text = signed_in(p.ae).get(f"/o/porta/offers/{p.offer.pk}/").content.decode()
    diff = re.search(r'data-testid="revision-diff">(.*?)</ul>', text, re.S).group(1)
    items = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip()
        for item in re.findall(r"<li[^>]*>(.*?)</li>", diff, re.S)
    ]
    assert items == [
        "1. Sensor kit: Discount 20.00 → 10.00; Net 960.00 → 1080.00",
        "2. Installation: removed",
        "2. Training: added",
    ]


@pytest.mark.parametrize(
    ("weights", "line", "expected"),
    [
        # what the client values is even: nothing to say
        ((25, 25, 25, 25), {"quantity": D("1")}, []),
        # price leads and the offer has no discount
        (
            (40, 20, 20, 20),
            {"quantity": D("1")},
            ["The client values price most (40 %) and the offer has no discount."],
        ),
        ((40, 20, 20, 20), {"quantity": D("1"), "discount_percent": D("5")}, []),
        # delivery time leads: a lead time over the 30 days that warn, not one of 30
        (
            (20, 20, 40, 20),
            {"quantity": D("1"), "lead_time_days": 45},
            ["The client values delivery time most (40 %): line 1 takes 45 days, over the 30 days that warn."],
        ),
        ((20, 20, 40, 20), {"quantity": D("1"), "lead_time_days": 30}, []),
    ],
)
def test_an_offers_page_shows_what_the_client_values_and_warns_where_the_offer_works_against_it(
    world, weights, line, expected
):
    from clients import services as clients_services

    p = world.porta
    price, time_to_market, delivery_time, quality = weights
    with tenant_scope(p.org):
        clients_services.client_update(
            organization=p.org,
            actor=p.admin,
            client=p.client,
            weight_price=price,
            weight_time_to_market=time_to_market,
            weight_delivery_time=delivery_time,
            weight_quality=quality,
        )
        offer = services.offer_create(
            organization=p.org, actor=p.ae, account=p.account, title="Fit", lines=[{"product": p.product, **line}]
        )
    text = signed_in(p.ae).get(f"/o/porta/offers/{offer.pk}/").content.decode()
    warnings = [
        re.sub(r"<[^>]+>", "", w).strip() for w in re.findall(r'data-testid="value-warning">(.*?)</div>', text, re.S)
    ]
    assert 'data-testid="value-drivers"' in text
    assert warnings == expected


def test_the_offer_pdf_is_in_the_language_of_the_clients_contact(world, tmp_path):
    import subprocess

    p = world.porta
    response = signed_in(p.ae).get(f"/o/porta/offers/{p.offer.pk}/offer.pdf")
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    pdf = tmp_path / "offer.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    # the world's contact reads Spanish: the title, the lines and the total (1,318.90 with tax) in Spanish
    assert f"Oferta {p.offer.number}" in text
    assert "Kit de sensores" in text or "Sensor kit" in text
    assert "1318,90" in text.replace(".", "").replace("\xa0", "")
    # another organisation's offer is not found
    assert signed_in(p.ae).get(f"/o/porta/offers/{world.nordwind.offer.pk}/offer.pdf").status_code == 404


def test_an_admin_sets_the_probabilities_and_the_pipeline_weighs_with_them(world):
    p = world.porta
    browser = signed_in(p.admin)
    with CaptureQueriesContext(connection) as queries:
        page = browser.get("/o/porta/offers/settings/")
    assert (page.status_code, len(queries)) == (200, 8)
    assert 'name="probability_approved" value="30"' in page.content.decode()
    data = {
        "probability_draft": "5",
        "probability_submitted": "20",
        "probability_approved": "50",
        "probability_sent": "60",
        "probability_negotiation": "70",
        "valid_days": "45",
        "lead_time_warning_days": "20",
    }
    response = browser.post("/o/porta/offers/settings/", data)
    assert (response.status_code, response["Location"]) == (302, "/o/porta/offers/settings/")
    with tenant_scope(p.org):
        settings = services.offer_settings(organization=p.org)
        audit = AuditEvent.objects.filter(action="settings.offers").latest("id")
    assert (settings.probability_approved, settings.valid_days, settings.lead_time_warning_days) == (50, 45, 20)
    assert audit.changes["probability_approved"] == [30, 50]
    text = browser.get("/o/porta/offers/").content.decode()
    assert 'data-testid="offer-settings-link"' in text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("probability_sent", "101", "A probability is a percentage from 0 to 100."),
        ("valid_days", "0", "From 1 to 365 days."),
    ],
)
def test_a_setting_out_of_range_is_refused_and_nothing_changes(world, field, value, message):
    p = world.porta
    data = {name: "30" for name in services.SETTINGS_FIELDS} | {field: value}
    response, unchanged = post_unchanged(p.admin, "/o/porta/offers/settings/", data)
    assert (response.status_code, unchanged) == (400, True)
    assert message in response.content.decode()


@pytest.mark.parametrize("person", ["ae", "lead", "finance"])
def test_only_an_admin_changes_the_offer_settings(world, person):
    p = world.porta
    data = {name: "30" for name in services.SETTINGS_FIELDS}
    assert signed_in(getattr(p, person)).get("/o/porta/offers/settings/").status_code == 403
    response, unchanged = post_unchanged(getattr(p, person), "/o/porta/offers/settings/", data)
    assert (response.status_code, unchanged) == (403, True)
