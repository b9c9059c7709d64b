"""Products that change (issue 13, point 6): an obsolete product's accounts to move, with a
one-click draft offer of its successor, and a launched product's accounts to tell, with an
activity logged once. Exact rows and values, role visibility, refusals that write nothing,
another organisation's ids, and the pages' query counts at 1 and 50 rows."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import Activity
from billing import services as billing_services
from catalog import services as catalog_services
from offers import selectors_products, services, services_orders, services_products
from offers.models import Offer, OfferLine, Order, ProductLaunchNotice
from tenancy.models import AuditEvent
from tenancy.scope import tenant_scope
from tests.factories import add_client, post_unchanged, signed_in


def _product(o, sku: str, name: str, price: str = "10.00", category=None):
    product = catalog_services.product_create(
        organization=o.org, actor=o.admin, sku=sku, name=name, category=category, tax_rate=o.vat21
    )
    catalog_services.product_price_set(
        organization=o.org, actor=o.admin, product=product, currency="EUR", list_price=D(price), unit_cost=D("5.00")
    )
    return product


def _account(o, n: int, owner):
    client = add_client(o, n)
    with tenant_scope(o.org):
        return accounts_services.account_create(
            organization=o.org, actor=o.admin, client=client, name=f"Account {n:03d}", owner=owner, sales_team=o.team
        )


def _invoice(o, account, product, quantity: str, days_ago: int, credit: str | None = None):
    issued_on = timezone.localdate() - timedelta(days=days_ago)
    invoice = billing_services.invoice_create(
        organization=o.org,
        actor=o.finance,
        account=account,
        issue_date=issued_on,
        lines=[{"product": product, "quantity": D(quantity)}],
    )
    invoice = billing_services.invoice_issue(organization=o.org, actor=o.finance, invoice=invoice)
    if credit:
        billing_services.credit_note_create(
            organization=o.org,
            actor=o.finance,
            invoice=invoice,
            reason="Returned.",
            lines=[(invoice.lines.get(), D(credit))],
            issue_date=issued_on,
        )
    return invoice


def _old_kit(o):
    """`old`: a kit the account has everything of (a draft offer of 4, an order of 5 with 2
    delivered, an invoice of 6 at 10.00 thirty days ago with 1 credited, and one of 2 four
    hundred days ago), then made obsolete, replaced by the world's sensor kit."""
    with tenant_scope(o.org):
        old = _product(o, "KIT-OLD", "Old kit", category=o.category)
        services.offer_create(
            organization=o.org,
            actor=o.ae,
            account=o.account,
            title="Kits",
            lines=[{"product": old, "quantity": D("4")}],
        )
        won = services.offer_create(
            organization=o.org,
            actor=o.ae,
            account=o.account,
            title="Kits",
            lines=[{"product": old, "quantity": D("5")}],
        )
        services.offer_submit(organization=o.org, actor=o.ae, offer=won)
        services.offer_send(organization=o.org, actor=o.ae, offer=won)
        services.offer_win(organization=o.org, actor=o.ae, offer=won)
        order = Order.objects.get(organization=o.org, offer=won)
        services_orders.delivery_record(
            organization=o.org,
            actor=o.ae,
            order_line=order.lines.get(),
            delivered_on=timezone.localdate(),
            quantity=D("2"),
        )
        _invoice(o, o.account, old, "2", 400)
        _invoice(o, o.account, old, "6", 30, credit="1")
        return catalog_services.product_make_obsolete(
            organization=o.org, actor=o.admin, product=old, replaced_by=o.product, obsolete_on=timezone.localdate()
        )


def _rows(o, membership, product):
    with tenant_scope(o.org):
        return [
            (
                a.name,
                a.open_offers,
                a.open_order_quantity,
                a.last_purchase,
                a.quantity_12m,
                a.amount_12m,
            )
            for a in selectors_products.obsolete_product_accounts(
                organization=o.org, membership=membership, product=product
            )
        ]


# --- An obsolete product's accounts ---------------------------------------------------------


def test_an_obsolete_products_accounts_say_what_each_has_of_it(world):
    # given the old kit on the world's account, and an account of ae2 that bought 3 of it
    p = world.porta
    old = _old_kit(p)
    other = _account(p, 201, p.ae2)
    with tenant_scope(p.org):
        catalog_services.product_reactivate(organization=p.org, actor=p.admin, product=old)
        _invoice(p, other, old, "3", 10)
        old = catalog_services.product_make_obsolete(
            organization=p.org, actor=p.admin, product=old, replaced_by=p.product, obsolete_on=timezone.localdate()
        )
    today = timezone.localdate()
    mine = (p.account.name, 1, D("3.000"), today - timedelta(days=30), D("5.000"), D("50.00"))
    theirs = ("Account 201", 0, D("0"), today - timedelta(days=10), D("3.000"), D("30.00"))
    # when each role reads the list / then the ae sees their account, finance and the lead both
    assert _rows(p, p.ae, old) == [mine]
    assert _rows(p, p.ae2, old) == [theirs, mine]  # ae2 is on the world account's team
    assert _rows(p, p.finance, old) == [theirs, mine]
    assert _rows(p, p.lead, old) == [theirs, mine]


def test_a_replacement_takes_its_quantity_from_the_newest_open_offer_then_the_last_purchase(world):
    # given the old kit (an open offer of 4, 3 to deliver, a last purchase of 6)
    p = world.porta
    old = _old_kit(p)
    with tenant_scope(p.org):
        row = selectors_products.replacement_account(
            organization=p.org, membership=p.ae, product=old, account=p.account
        )
        outsider = selectors_products.replacement_account(
            organization=p.org, membership=p.ae, product=p.old_product, account=p.account
        )
    # then
    assert (row.offer_quantity, row.open_order_quantity, row.last_purchase_quantity) == (
        D("4.000"),
        D("3.000"),
        D("6.000"),
    )
    assert selectors_products.replacement_quantity(row) == D("4.000")
    assert outsider is None


def test_purchases_older_than_12_months_or_credited_in_full_do_not_list_an_account(world):
    # given an account whose only purchase was 400 days ago, and one whose purchase was credited
    p = world.porta
    with tenant_scope(p.org):
        old = _product(p, "KIT-OLD", "Old kit")
    long_ago, credited = _account(p, 202, p.ae), _account(p, 203, p.ae)
    with tenant_scope(p.org):
        _invoice(p, long_ago, old, "2", 400)
        _invoice(p, credited, old, "2", 20, credit="2")
        old = catalog_services.product_make_obsolete(
            organization=p.org, actor=p.admin, product=old, replaced_by=p.product, obsolete_on=timezone.localdate()
        )
    # then
    assert _rows(p, p.finance, old) == []


def test_the_replacements_page_shows_each_account_with_its_draft_button(world):
    # given
    p = world.porta
    old = _old_kit(p)
    # when
    page = signed_in(p.ae).get(f"/o/porta/offers/products/{old.pk}/replacements/").content.decode()
    # then
    assert re.findall(r'data-testid="open-offers">([^<]+)<', page) == ["1"]
    assert re.findall(r'data-testid="open-order-quantity">([^<]+)<', page) == ["3"]
    assert re.findall(r'data-testid="amount-12m">([^<]+)<', page) == ["€50.00"]
    assert page.count('data-testid="draft-replacement"') == 1
    assert f"{p.product.sku} · {p.product.name}" in page
    assert re.findall(r'data-testid="successor-offer">([^<]+)<', page) == [f"Offered in {p.offer.number}"]


def test_the_replacements_filter_keeps_the_accounts_with_what_was_asked(world):
    # given the old kit (the account has offers, orders and purchases) and an account with purchases only
    p = world.porta
    old = _old_kit(p)
    other = _account(p, 204, p.ae)
    with tenant_scope(p.org):
        catalog_services.product_reactivate(organization=p.org, actor=p.admin, product=old)
        _invoice(p, other, old, "1", 5)
        catalog_services.product_make_obsolete(
            organization=p.org, actor=p.admin, product=old, replaced_by=p.product, obsolete_on=timezone.localdate()
        )
    browser = signed_in(p.ae)
    url = f"/o/porta/offers/products/{old.pk}/replacements/"
    # when
    orders = browser.get(url, {"has": "orders"}).content.decode()
    purchases = browser.get(url, {"has": "purchases", "sort": "-amount"}).content.decode()
    # then
    assert re.findall(r'data-account-id="(\d+)"', orders) == [str(p.account.pk)]
    assert re.findall(r'data-account-id="(\d+)"', purchases) == [str(p.account.pk), str(other.pk)]


def _queries(membership, url: str) -> int:
    browser = signed_in(membership)
    browser.get(url)  # the session and the caches warm
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("rows", [1, 50])
def test_the_replacements_page_reads_a_fixed_number_of_queries(world, rows):
    # given `rows` accounts of the ae, each having bought the old kit
    p = world.porta
    with tenant_scope(p.org):
        old = _product(p, "KIT-OLD", "Old kit")
    for n in range(rows):
        account = _account(p, 300 + n, p.ae)
        with tenant_scope(p.org):
            _invoice(p, account, old, "1", 3)
    with tenant_scope(p.org):
        old = catalog_services.product_make_obsolete(
            organization=p.org, actor=p.admin, product=old, replaced_by=p.product, obsolete_on=timezone.localdate()
        )
    url = f"/o/porta/offers/products/{old.pk}/replacements/?sort=-amount"
    page = signed_in(p.ae).get(url).content.decode()
    # then
    assert page.count('data-testid="replacement-row"') == min(rows, 25)
    assert _queries(p.ae, url) == 11


def test_drafting_a_replacement_offer_puts_the_successor_on_one_line(world):
    # given the old kit (the account's newest open offer has 4 of it)
    p = world.porta
    old = _old_kit(p)
    with tenant_scope(p.org):
        before = set(Offer.objects.filter(organization=p.org).values_list("pk", flat=True))
    # when the ae drafts the replacement in one click
    response = signed_in(p.ae).post(f"/o/porta/offers/products/{old.pk}/replacements/{p.account.pk}/draft/")
    # then a draft offer of 4 sensor kits at their list price, audited, and its page next
    with tenant_scope(p.org):
        (offer,) = Offer.objects.filter(organization=p.org).exclude(pk__in=before)
        lines = list(
            OfferLine.objects.filter(organization=p.org, revision__offer=offer).values_list(
                "product_id", "quantity", "unit_price"
            )
        )
        audit = AuditEvent.objects.get(organization=p.org, action="offer.replace_product", object_id=offer.pk)
    assert response.status_code == 302 and response["Location"] == f"/o/porta/offers/{offer.pk}/"
    assert (offer.status, offer.owner_id, offer.account_id, offer.title) == (
        "draft",
        p.ae.pk,
        p.account.pk,
        "Sensor kit to replace Old kit",
    )
    assert lines == [(p.product.pk, D("4.000"), D("120.00"))]
    assert audit.changes == {"product": [old.pk, p.product.pk], "quantity": [None, "4.000"]}
    # and the list says which offer has the successor now (the world's offer had it before)
    page = signed_in(p.ae).get(f"/o/porta/offers/products/{old.pk}/replacements/").content.decode()
    assert re.findall(r'data-testid="successor-offer">([^<]+)<', page) == [f"Offered in {offer.number}"]


def test_without_open_offers_the_replacement_takes_the_last_purchase_quantity(world):
    # given an account that only bought 7 of the old kit
    p = world.porta
    with tenant_scope(p.org):
        old = _product(p, "KIT-OLD", "Old kit")
    account = _account(p, 205, p.ae)
    with tenant_scope(p.org):
        _invoice(p, account, old, "7", 8)
        old = catalog_services.product_make_obsolete(
            organization=p.org, actor=p.admin, product=old, replaced_by=p.product, obsolete_on=timezone.localdate()
        )
        # when
        offer = services_products.product_replacement_offer_draft(
            organization=p.org, actor=p.ae, product=old, account=account
        )
        # then
        assert list(
            OfferLine.objects.filter(organization=p.org, revision__offer=offer).values_list("product_id", "quantity")
        ) == [(p.product.pk, D("7.000"))]


def test_a_product_nothing_replaces_offers_no_button_and_refuses_the_draft(world):
    # given the old kit made obsolete with no replacement
    p = world.porta
    old = _old_kit(p)
    with tenant_scope(p.org):
        old = catalog_services.product_make_obsolete(
            organization=p.org, actor=p.admin, product=old, replaced_by=None, obsolete_on=timezone.localdate()
        )
    url = f"/o/porta/offers/products/{old.pk}/replacements/"
    # when
    page = signed_in(p.ae).get(url).content.decode()
    response, unchanged = post_unchanged(p.ae, f"{url}{p.account.pk}/draft/", {}, HTTP_REFERER=url)
    # then
    assert 'data-testid="no-successor"' in page and 'data-testid="draft-replacement"' not in page
    assert (response.status_code, unchanged) == (302, True)
    followed = signed_in(p.ae).get(url)
    assert followed.status_code == 200


def test_the_draft_refusal_says_why(world):
    p = world.porta
    old = _old_kit(p)
    with tenant_scope(p.org):
        old = catalog_services.product_make_obsolete(
            organization=p.org, actor=p.admin, product=old, replaced_by=None, obsolete_on=timezone.localdate()
        )
        with pytest.raises(Exception) as refusal:
            services_products.product_replacement_offer_draft(
                organization=p.org, actor=p.ae, product=old, account=p.account
            )
    assert refusal.value.message == "No active product replaces KIT-OLD Old kit: there is nothing to offer instead."


@pytest.mark.parametrize("who, status", [("finance", 403), ("ae2", 302)])
def test_who_may_draft_the_replacement(world, who, status):
    # given the old kit; ae2 is on the account's team, finance sees it but drafts no offers
    p = world.porta
    old = _old_kit(p)
    url = f"/o/porta/offers/products/{old.pk}/replacements/{p.account.pk}/draft/"
    # when
    response, unchanged = post_unchanged(getattr(p, who), url, {})
    # then
    assert (response.status_code, unchanged) == (status, status != 302)


def test_an_account_without_the_product_or_unseen_is_not_found_and_nothing_is_drafted(world):
    # given the old kit, an account of ae2's without it, and the ae who does not see it
    p = world.porta
    old = _old_kit(p)
    other = _account(p, 206, p.ae2)
    url = f"/o/porta/offers/products/{old.pk}/replacements/"
    # when
    unseen, unseen_unchanged = post_unchanged(p.ae, f"{url}{other.pk}/draft/", {})
    without, without_unchanged = post_unchanged(p.ae2, f"{url}{other.pk}/draft/", {})
    # then
    assert (unseen.status_code, unseen_unchanged) == (404, True)
    assert (without.status_code, without_unchanged) == (404, True)


def test_another_organisations_ids_are_not_found(world):
    # given nordwind's product and account
    p, n = world.porta, world.nordwind
    old = _old_kit(p)
    pages = [
        f"/o/porta/offers/products/{n.old_product.pk}/replacements/",
        f"/o/porta/offers/products/{n.product.pk}/launch/",
    ]
    posts = [
        f"/o/porta/offers/products/{n.old_product.pk}/replacements/{p.account.pk}/draft/",
        f"/o/porta/offers/products/{old.pk}/replacements/{n.account.pk}/draft/",
        f"/o/porta/offers/products/{n.product.pk}/launch/{p.account.pk}/inform/",
        f"/o/porta/offers/products/{p.product.pk}/launch/{n.account.pk}/inform/",
    ]
    # when / then
    assert [signed_in(p.admin).get(url).status_code for url in pages] == [404, 404]
    for url in posts:
        response, unchanged = post_unchanged(p.ae, url, {"kind": "email"})
        assert (url, response.status_code, unchanged) == (url, 404, True)


# --- A launched product's accounts ------------------------------------------------------------


def _new_kit(o):
    with tenant_scope(o.org):
        return _product(o, "KIT-NEW", "New kit", category=o.category)


def test_a_launched_products_accounts_are_those_that_bought_in_its_category(world):
    # given a new hardware kit; the world's account bought 3 sensor kits 45 days ago, 1 credited;
    # an account of ae2's bought one 400 days ago, another of ae2's installation hours only
    p = world.porta
    new = _new_kit(p)
    long_ago, services_only = _account(p, 207, p.ae2), _account(p, 208, p.ae2)
    with tenant_scope(p.org):
        _invoice(p, long_ago, p.product, "1", 400)
        _invoice(p, services_only, p.product2, "1", 4)
        rows = {
            who: [
                (a.name, a.category_amount_12m, a.last_category_purchase, a.is_informed)
                for a in selectors_products.launch_accounts(organization=p.org, membership=getattr(p, who), product=new)
            ]
            for who in ("ae", "finance")
        }
    # then
    expected = [(p.account.name, D("240.00"), timezone.localdate() - timedelta(days=45), False)]
    assert rows == {"ae": expected, "finance": expected}


def test_informing_an_account_logs_an_activity_once(world):
    # given the new kit's page
    p = world.porta
    new = _new_kit(p)
    url = f"/o/porta/offers/products/{new.pk}/launch/"
    browser = signed_in(p.ae)
    assert browser.get(url).content.decode().count('data-testid="inform-form"') == 1
    # when the ae informs the account by a call
    response = browser.post(f"{url}{p.account.pk}/inform/", {"kind": "call"})
    # then an activity on the account, the notice, the audit, and the page says so
    with tenant_scope(p.org):
        notice = ProductLaunchNotice.objects.get(organization=p.org, product=new)
        activity = Activity.objects.get(organization=p.org, pk=notice.activity_id)
        audit = AuditEvent.objects.get(organization=p.org, action="product.launch_inform", object_id=notice.pk)
    assert response.status_code == 302 and response["Location"] == url
    assert (notice.account_id, notice.informed_by_id) == (p.account.pk, p.ae.pk)
    assert (activity.account_id, activity.kind, activity.summary, activity.created_by_id) == (
        p.account.pk,
        "call",
        "Informed about the launch of KIT-NEW New kit.",
        p.ae.pk,
    )
    assert audit.changes == {
        "product": [None, new.pk],
        "account": [None, p.account.pk],
        "activity": [None, activity.pk],
    }
    page = browser.get(url).content.decode()
    assert 'data-testid="inform-form"' not in page
    assert re.findall(r'data-testid="informed">([^<]+)<', page) == [
        f"{timezone.localdate().strftime('%d/%m/%Y')} by {p.ae.user.full_name}"
    ]
    # when they inform it again / then refused, nothing written, and the message says who did
    again, unchanged = post_unchanged(p.ae2, f"{url}{p.account.pk}/inform/", {"kind": "email"}, HTTP_REFERER=url)
    assert (again.status_code, unchanged) == (302, True)
    with tenant_scope(p.org):
        with pytest.raises(Exception) as refusal:
            services_products.product_launch_inform(organization=p.org, actor=p.ae2, product=new, account=p.account)
    assert refusal.value.message == (
        f"{p.account.name} was informed of KIT-NEW New kit on {day(timezone.localdate())} by {p.ae.user.full_name}."
    )


def day(value: date) -> str:
    return f"{value.day} {value.strftime('%B')} {value.year}"


@pytest.mark.parametrize("kind", ["note", "nonsense"])
def test_informing_takes_only_what_was_done(world, kind):
    p = world.porta
    new = _new_kit(p)
    response, unchanged = post_unchanged(
        p.ae, f"/o/porta/offers/products/{new.pk}/launch/{p.account.pk}/inform/", {"kind": kind}
    )
    assert (response.status_code, unchanged) == (302, True)


def test_an_obsolete_product_is_not_announced(world):
    p = world.porta
    response, unchanged = post_unchanged(
        p.ae, f"/o/porta/offers/products/{p.old_product.pk}/launch/{p.account.pk}/inform/", {"kind": "email"}
    )
    assert (response.status_code, unchanged) == (302, True)


def test_an_account_the_person_does_not_see_is_not_informed(world):
    p = world.porta
    new = _new_kit(p)
    other = _account(p, 209, p.ae2)
    response, unchanged = post_unchanged(
        p.ae, f"/o/porta/offers/products/{new.pk}/launch/{other.pk}/inform/", {"kind": "email"}
    )
    assert (response.status_code, unchanged) == (404, True)


def test_the_launch_filter_keeps_the_accounts_informed_or_not(world):
    p = world.porta
    new = _new_kit(p)
    other = _account(p, 210, p.ae)
    with tenant_scope(p.org):
        _invoice(p, other, p.product, "1", 2)
        services_products.product_launch_inform(organization=p.org, actor=p.ae, product=new, account=other)
    browser = signed_in(p.ae)
    url = f"/o/porta/offers/products/{new.pk}/launch/"
    informed = browser.get(url, {"informed": "true"}).content.decode()
    not_informed = browser.get(url, {"informed": "false"}).content.decode()
    assert re.findall(r'data-account-id="(\d+)"', informed) == [str(other.pk)]
    assert re.findall(r'data-account-id="(\d+)"', not_informed) == [str(p.account.pk)]


@pytest.mark.parametrize("rows", [1, 50])
def test_the_launch_page_reads_a_fixed_number_of_queries(world, rows):
    # given `rows` accounts of the ae that bought a sensor kit (the world's account is one)
    p = world.porta
    new = _new_kit(p)
    for n in range(rows - 1):
        account = _account(p, 400 + n, p.ae)
        with tenant_scope(p.org):
            _invoice(p, account, p.product, "1", 3)
            if n % 2:
                services_products.product_launch_inform(organization=p.org, actor=p.ae, product=new, account=account)
    url = f"/o/porta/offers/products/{new.pk}/launch/?sort=-amount"
    page = signed_in(p.ae).get(url).content.decode()
    # then
    assert page.count('data-testid="launch-row"') == min(rows, 25)
    assert _queries(p.ae, url) == 11


# --- The catalogue's product page -------------------------------------------------------------


def test_the_product_page_points_to_the_accounts_to_move_or_to_tell(world):
    p = world.porta
    new = _new_kit(p)
    browser = signed_in(p.ae)
    obsolete = browser.get(f"/o/porta/catalog/{p.old_product.pk}/").content.decode()
    launched = browser.get(f"/o/porta/catalog/{new.pk}/").content.decode()
    assert f'href="/o/porta/offers/products/{p.old_product.pk}/replacements/"' in obsolete
    assert 'data-testid="launch-link"' not in obsolete
    assert f'href="/o/porta/offers/products/{new.pk}/launch/"' in launched
    assert 'data-testid="replacements-link"' not in launched


def test_twelve_months_before_a_leap_day_is_the_28th():
    assert selectors_products.twelve_months_before(date(2028, 2, 29)) == date(2027, 2, 28)
    assert selectors_products.twelve_months_before(date(2026, 12, 6)) == date(2025, 12, 6)


# --- Exports ------------------------------------------------------------------------------------


def test_the_replacements_export_has_the_rows_the_page_shows(world):
    # given the old kit
    p = world.porta
    old = _old_kit(p)
    # when the ae exports the list
    response = signed_in(p.ae).post(f"/o/porta/offers/products/{old.pk}/replacements/export.csv?has=orders")
    # then
    lines = response.content.decode("utf-8-sig").splitlines()
    assert response.status_code == 200
    assert lines == [
        "Account,Client,Account executive,Open offers,To deliver,Last purchase,Quantity in 12 months,Currency,Bought in 12 months",
        f"{p.account.name},{p.client.display_name},{p.ae.user.full_name},1,3.000,"
        f"{(timezone.localdate() - timedelta(days=30)).isoformat()},5.000,EUR,50.00",
    ]


def test_the_launch_export_has_the_rows_the_page_shows(world):
    p = world.porta
    new = _new_kit(p)
    response = signed_in(p.finance).post(f"/o/porta/offers/products/{new.pk}/launch/export.xlsx")
    csv = signed_in(p.finance).get(f"/o/porta/offers/products/{new.pk}/launch/export.csv")
    assert (response.status_code, response["Content-Type"]) == (
        200,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    assert csv.content.decode("utf-8-sig").splitlines()[1:] == [
        f"{p.account.name},{p.client.display_name},{p.ae.user.full_name},"
        f"{(timezone.localdate() - timedelta(days=45)).isoformat()},EUR,240.00,,"
    ]


def test_an_export_of_another_organisations_product_is_not_found(world):
    p, n = world.porta, world.nordwind
    assert [
        signed_in(p.admin).get(url).status_code
        for url in (
            f"/o/porta/offers/products/{n.old_product.pk}/replacements/export.csv",
            f"/o/porta/offers/products/{n.product.pk}/launch/export.xlsx",
            f"/o/porta/offers/products/replacements/?product={n.old_product.pk}",
            "/o/porta/offers/products/launch/?product=x",
        )
    ] == [404, 404, 404, 404]


def test_the_lists_known_by_their_query_lead_to_the_products_page(world):
    p = world.porta
    response = signed_in(p.ae).get(f"/o/porta/offers/products/launch/?product={p.product.pk}&informed=false")
    assert (response.status_code, response["Location"]) == (
        302,
        f"/o/porta/offers/products/{p.product.pk}/launch/?informed=false",
    )


def test_a_list_known_by_its_query_without_a_product_leads_to_the_catalogue(world):
    response = signed_in(world.porta.ae).get("/o/porta/offers/products/replacements/")
    assert (response.status_code, response["Location"]) == (302, "/o/porta/catalog/")


def test_a_product_without_a_category_has_no_accounts_to_inform_and_says_why(world):
    # given the installation service, which has no category
    p = world.porta
    # when
    page = signed_in(p.ae).get(f"/o/porta/offers/products/{p.product2.pk}/launch/").content.decode()
    card = signed_in(p.ae).get(f"/o/porta/catalog/{p.product2.pk}/").content.decode()
    # then
    assert 'data-testid="no-category"' in page and 'data-testid="launch-row"' not in page
    assert "It has no category: give it one to find the accounts that buy in it." in card
    assert 'data-testid="launch-link"' not in card


def test_a_replacement_of_long_names_keeps_the_title_that_fits(world):
    # given an old product and its successor, both named with 200 characters
    p = world.porta
    with tenant_scope(p.org):
        successor = _product(p, "KIT-LONG-NEW", "N" * 200)
        old = _product(p, "KIT-LONG-OLD", "O" * 200)
        _invoice(p, p.account, old, "1", 2)
        old = catalog_services.product_make_obsolete(
            organization=p.org, actor=p.admin, product=old, replaced_by=successor, obsolete_on=timezone.localdate()
        )
        # when
        offer = services_products.product_replacement_offer_draft(
            organization=p.org, actor=p.ae, product=old, account=p.account
        )
    # then
    assert offer.title == ("N" * 200 + " to replace " + "O" * 200)[:200]
