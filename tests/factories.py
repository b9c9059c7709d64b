"""Test data, built through factories for rows without rules and services for the rest."""

from __future__ import annotations

import json
from decimal import Decimal
from types import SimpleNamespace

import factory
from django.db import transaction
from django.utils import timezone

from tenancy import services
from tenancy.models import Organization, User
from tenancy.scope import tenant_scope

PASSWORD = "accountdesk-demo"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    name = factory.Faker("company")
    slug = factory.Sequence(lambda n: f"org{n}")
    base_currency = "EUR"
    time_zone = "Europe/Madrid"
    default_language = "en"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name")
    language = "en"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def add_member(organization: Organization, local: str, roles: list[str], full_name: str | None = None):
    with transaction.atomic(), tenant_scope(organization):
        return services.membership_add(
            organization=organization,
            actor=None,
            email=f"{local}@{organization.slug}.example",
            full_name=full_name or f"{local.title()} {organization.slug.title()}",
            roles=roles,
            password=PASSWORD,
        )


def build_organization(slug: str, name: str) -> SimpleNamespace:
    """An organisation with admin, lead, ae, ae2 and finance, a team (lead + both AEs), one
    API token for the admin and an invitation of someone from elsewhere."""
    organization = OrganizationFactory(slug=slug, name=name)
    people = {
        "admin": add_member(organization, "admin", ["admin"]),
        "lead": add_member(organization, "lead", ["sales_lead"]),
        "ae": add_member(organization, "ae", ["account_executive"]),
        "ae2": add_member(organization, "ae2", ["account_executive"]),
        "finance": add_member(organization, "finance", ["finance"]),
    }
    with transaction.atomic(), tenant_scope(organization):
        team = services.team_create(
            organization=organization,
            actor=None,
            name=f"Team {name}",
            leads=[people["lead"]],
            members=[people["ae"], people["ae2"]],
        )
        token, secret = services.api_token_create(organization=organization, membership=people["admin"], name="ci")
        # Someone who uses AccountDesk elsewhere, invited: the invitation waits for their answer.
        invitee = UserFactory(email=f"invitee@{slug}-elsewhere.example", full_name=f"Invitee of {name}")
        invitation = services.membership_add(
            organization=organization,
            actor=people["admin"],
            email=invitee.email,
            full_name="Invitee",
            roles=["finance"],
        )
    world = SimpleNamespace(
        org=organization, team=team, token=token, token_secret=secret, invitation=invitation, **people
    )
    build_portfolio(world)
    build_catalog(world)
    build_billing(world)
    build_statements(world)
    build_offers(world)
    return world


TAX_IDS = {"porta": "B12345674", "nordwind": "A58818501"}


def build_portfolio(world: SimpleNamespace) -> None:
    """One client with a contact, one account owned by `ae` in the team (with `ae2` on its
    account team), an objective with an actual, an activity with a next step for `ae`, an
    open incident, and the organisation's portfolio settings."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts import services as accounts_services
    from clients import services as clients_services

    org, slug = world.org, world.org.slug
    with transaction.atomic(), tenant_scope(org):
        world.client = clients_services.client_create(
            organization=org,
            actor=world.admin,
            legal_name=f"{world.org.name} Client SL",
            trade_name=f"{slug.title()} Client",
            tax_id=TAX_IDS.get(slug, "B12345674"),
            country="ES",
            sector="retail",
            city="Lleida",
            status="active",
        )
        world.contact = clients_services.contact_create(
            organization=org,
            actor=world.admin,
            client=world.client,
            full_name=f"Contact {slug.title()}",
            email=f"contact@{slug}-client.example",
            buying_role="decision_maker",
        )
        world.account = accounts_services.account_create(
            organization=org,
            actor=world.admin,
            client=world.client,
            name=f"{slug.title()} Account",
            owner=world.ae,
            sales_team=world.team,
            currency="EUR",
            payment_terms_days=30,
            credit_limit="15000.00",
            tier="key",
            status="active",
        )
        world.account_member = accounts_services.account_team_member_add(
            organization=org,
            actor=world.admin,
            account=world.account,
            membership=world.ae2,
            role="technical_specialist",
        )
        today = timezone.localdate()
        world.objective = accounts_services.objective_create(
            organization=org,
            actor=world.admin,
            account=world.account,
            metric="revenue_invoiced",
            period_start=today.replace(day=1),
            period_end=(today.replace(day=1) + timedelta(days=92)).replace(day=1) - timedelta(days=1),
            target="30000.00",
        )
        accounts_services.objective_actual_record(
            organization=org, actor=world.admin, objective=world.objective, as_of=today, value="4000.00"
        )
        world.activity = accounts_services.activity_log(
            organization=org,
            actor=world.ae,
            account=world.account,
            kind="visit",
            occurred_at=timezone.now() - timedelta(days=2),
            duration_minutes=60,
            summary=f"Visit to {slug} client",
            contact_ids=[world.contact.pk],
            next_step=f"Send {slug} proposal",
            next_step_due=today,
            next_step_owner=world.ae,
        )
        world.incident = accounts_services.incident_open(
            organization=org,
            actor=world.ae,
            account=world.account,
            title=f"{slug.title()} delivery late",
            severity="high",
            assignee=world.ae,
        )
        world.settings = accounts_services.portfolio_settings_update(
            organization=org, actor=world.admin, quiet_after_days=30
        )
        world.export = _prepared_export(world)


def build_catalog(world: SimpleNamespace) -> None:
    """The default tax rates (`vat21` among them), a category, two products and an obsolete
    one, through the services: `product` (a sensor kit, EUR 120.00, cost 70.00: `price`),
    `product2` (installation, a service by the hour, EUR 65.00, cost 30.00: `price2`) and
    `old_product` (the kit's previous model, obsolete since 3 March 2025, replaced by `product`)."""
    from datetime import date

    from catalog import services as catalog_services
    from catalog.models import TaxRate

    org, slug, admin = world.org, world.org.slug.upper(), world.admin
    with transaction.atomic(), tenant_scope(org):
        catalog_services.tax_rates_ensure_defaults(org)
        world.vat21 = TaxRate.objects.get(organization=org, rate=Decimal("21.00"), is_exempt=False)
        world.category = catalog_services.category_create(organization=org, actor=admin, name="Hardware")
        world.product = catalog_services.product_create(
            organization=org,
            actor=admin,
            sku=f"{slug}-001",
            name="Sensor kit",
            category=world.category,
            tax_rate=world.vat21,
        )
        world.price = catalog_services.product_price_set(
            organization=org,
            actor=admin,
            product=world.product,
            currency="EUR",
            list_price=Decimal("120.00"),
            unit_cost=Decimal("70.00"),
        )
        world.product2 = catalog_services.product_create(
            organization=org,
            actor=admin,
            sku=f"{slug}-002",
            name="Installation",
            kind="service",
            unit="hour",
            tax_rate=world.vat21,
        )
        world.price2 = catalog_services.product_price_set(
            organization=org,
            actor=admin,
            product=world.product2,
            currency="EUR",
            list_price=Decimal("65.00"),
            unit_cost=Decimal("30.00"),
        )
        old = catalog_services.product_create(
            organization=org,
            actor=admin,
            sku=f"{slug}-000",
            name="Sensor kit (2019)",
            category=world.category,
            tax_rate=world.vat21,
        )
        world.old_product = catalog_services.product_make_obsolete(
            organization=org, actor=admin, product=old, replaced_by=world.product, obsolete_on=date(2025, 3, 3)
        )


def build_billing(world: SimpleNamespace) -> None:
    """Finance's books for the account: the billing settings, version 1 of the risk policy (what
    every organisation starts with), an invoice of 3 × `product`
    (EUR 360.00 + 21 % = 435.60) issued 45 days ago (due 15 days ago), a credit note of one of
    them (145.20) and a payment of 200.00 allocated to it: 90.40 outstanding and overdue."""
    from datetime import timedelta

    from django.utils import timezone

    from billing import services as billing_services
    from billing import services_risk as risk_services

    org, finance = world.org, world.finance
    issued_on = timezone.localdate() - timedelta(days=45)
    with transaction.atomic(), tenant_scope(org):
        world.billing_settings = billing_services.billing_settings_update(
            organization=org, actor=finance, invoice_notes="Payment by bank transfer."
        )
        # What every organisation gets when created (tenancy's organisation set-up).
        world.risk_policy = risk_services.risk_policy_ensure_default(org)
        world.invoice = billing_services.invoice_create(
            organization=org,
            actor=finance,
            account=world.account,
            issue_date=issued_on,
            lines=[{"product": world.product, "quantity": Decimal("3")}],
        )
        world.invoice = billing_services.invoice_issue(organization=org, actor=finance, invoice=world.invoice)
        world.invoice_line = world.invoice.lines.get()
        world.credit_note = billing_services.credit_note_create(
            organization=org,
            actor=finance,
            invoice=world.invoice,
            reason="One kit returned.",
            lines=[(world.invoice_line, Decimal("1"))],
            issue_date=issued_on + timedelta(days=10),
        )
        world.payment = billing_services.payment_record(
            organization=org,
            actor=finance,
            account=world.account,
            amount=Decimal("200.00"),
            received_on=issued_on + timedelta(days=20),
            reference=f"{org.slug.upper()}-TRANSFER-1",
            allocations=[(world.invoice, Decimal("200.00"))],
        )
        world.allocation = world.payment.allocations.get()


def build_statements(world: SimpleNamespace) -> None:
    """A batch of statements the admin asked for, ready (its ZIP in the default storage), and
    the account's statement of last month sent by hand to its client by the account executive."""
    import io
    import zipfile
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from billing.models import StatementBatch, StatementSending

    org, today = world.org, timezone.localdate()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zip_file:
        zip_file.writestr(f"{world.client.legal_name}.csv", f"Date;Type\n{today.isoformat()};Invoice\n")
    name = default_storage.save(f"statements/{org.pk}/seed-{org.slug}.zip", ContentFile(archive.getvalue()))
    month_end = today.replace(day=1) - timedelta(days=1)
    with transaction.atomic(), tenant_scope(org):
        world.statement_batch = StatementBatch.objects.create(
            organization=org,
            requested_by=world.admin,
            scope="tenant",
            period_start=today.replace(month=1, day=1),
            period_end=today,
            file_format="csv",
            language="en",
            status="done",
            accounts_total=1,
            accounts_done=1,
            file=name,
            finished_at=timezone.now(),
        )
        world.statement_sending = StatementSending.objects.create(
            organization=org,
            account=world.account,
            period_start=month_end.replace(day=1),
            period_end=month_end,
            kind="by_hand",
            recipient_name=world.contact.full_name,
            recipient_email=world.contact.email,
            language="es",
            requested_by=world.ae,
            sent_at=timezone.now(),
        )


def _prepared_export(world: SimpleNamespace):
    """A portfolio export the admin asked for, ready, with its file in the default storage."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from tenancy.models import Export, ExportStatus

    name = default_storage.save(
        f"exports/{world.org.pk}/portfolio-{world.org.slug}.csv",
        ContentFile(f"Account\n{world.account.name}\n".encode()),
    )
    return Export.objects.create(
        organization=world.org,
        requested_by=world.admin,
        kind="portfolio",
        file_format="csv",
        language="en",
        time_zone="UTC",
        status=ExportStatus.DONE,
        rows_total=1,
        file=name,
        finished_at=timezone.now(),
    )


# --- Shared by the tests: signed-in browsers, JSON requests, clients in bulk -----------------

DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def signed_in(membership=None):
    """Django's test client, signed in as the membership's person (anonymous with None)."""
    from django.test import Client as Browser

    browser = Browser()
    if membership is not None:
        browser.force_login(membership.user)
    return browser


def post_unchanged(membership, url: str, data: dict, **headers):
    """`membership` posts `data` to `url`: the response, and whether the database is as it was
    before (tests.tenancy.isolation.snapshot), for a refusal that must write nothing."""
    from tests.tenancy.isolation import snapshot

    browser = signed_in(membership)  # signing in writes; the refusal must write nothing more
    before = snapshot()
    response = browser.post(url, data, **headers)
    return response, snapshot() == before


def send_json(browser, method: str, url: str, body=None, raw: str | None = None):
    """An API request with a JSON body (`raw` sends text as it is); no body, no content type."""
    if body is None and raw is None:
        return getattr(browser, method)(url)
    return getattr(browser, method)(
        url, data=raw if raw is not None else json.dumps(body), content_type="application/json"
    )


def build_offers(world: SimpleNamespace) -> None:
    """`offer`: the ae's offer on the account (10 sensor kits at 20 % off, line 1, over the
    policy's 15 % line discount, and 2 hours of installation: `offer_lines`), graded B, submitted
    and approved by the lead (`offer_approval`); the organisation's offer settings."""
    from offers import services as offers_services
    from offers import services_orders
    from offers.models import OfferLine, OfferSending, Order, OrderInvoiceLine, OrderLine, ProductLaunchNotice

    org = world.org
    with transaction.atomic(), tenant_scope(org):
        world.offer_settings = offers_services.offer_settings_update(organization=org, actor=world.admin)
        offer = offers_services.offer_create(
            organization=org,
            actor=world.ae,
            account=world.account,
            title=f"{org.slug.title()} sensors",
            lines=[
                {"product": world.product, "quantity": Decimal("10"), "discount_percent": Decimal("20.00")},
                {"product": world.product2, "quantity": Decimal("2"), "lead_time_days": 5},
            ],
        )
        offers_services.offer_submit(organization=org, actor=world.ae, offer=offer)
        world.offer_approval = offers_services.offer_decide(
            organization=org, actor=world.lead, offer=offer, kind="commercial", decision="approved", grade_seen="B"
        )
        offer.refresh_from_db()
        world.offer = offer
        world.offer_lines = list(OfferLine.objects.filter(organization=org, revision__offer=offer).order_by("position"))
        # A second offer, within the policy, sent and won: its order (`order`, `order_lines`),
        # with 1 of its 2 hours delivered (`delivery`).
        won = offers_services.offer_create(
            organization=org,
            actor=world.ae,
            account=world.account,
            title=f"{org.slug.title()} installation",
            lines=[{"product": world.product2, "quantity": Decimal("2")}],
        )
        offers_services.offer_submit(organization=org, actor=world.ae, offer=won)
        offers_services.offer_send(organization=org, actor=world.ae, offer=won)
        offers_services.offer_win(organization=org, actor=world.ae, offer=won)
        won.refresh_from_db()
        world.won_offer = won
        # It was mailed (the row as the delivery leaves it; no task is queued from the world).
        world.offer_sending = OfferSending.objects.create(
            organization=org,
            offer=won,
            revision=1,
            recipient_name=world.contact.full_name,
            recipient_email=world.contact.email,
            language="en",
            requested_by=world.ae,
            sent_at=timezone.now(),
        )
        world.order = Order.objects.get(organization=org, offer=won)
        world.order_lines = list(OrderLine.objects.filter(organization=org, order=world.order).order_by("position"))
        world.order_line = world.order_lines[0]
        world.delivery = services_orders.delivery_record(
            organization=org,
            actor=world.ae,
            order_line=world.order_lines[0],
            delivered_on=timezone.localdate(),
            quantity=Decimal("1"),
        )
        # Linked by hand to the world's invoice line (invoicing the order would add an invoice to
        # the world, which billing's tests count): the isolation suite sees a link in each org.
        world.order_invoice_line = OrderInvoiceLine.objects.create(
            organization=org, order_line=world.order_lines[0], invoice_line=world.invoice_line
        )
        # The account told of the installation service's launch (offers.models_products), with
        # the world's activity: a notice in each organisation for the isolation suites.
        world.launch_notice = ProductLaunchNotice.objects.create(
            organization=org,
            product=world.product2,
            account=world.account,
            activity=world.activity,
            informed_by=world.ae,
        )


def dni(number: int) -> str:
    """A valid Spanish DNI for a number."""
    return f"{number:08d}{DNI_LETTERS[number % 23]}"


def add_client(org_world, n: int, contacts: int = 0, **fields):
    """Client number `n` of an organisation (valid tax id, Girona, active), with `contacts` people."""
    from clients import services as clients_services

    data = {
        "legal_name": f"Client {n:03d} SL",
        "tax_id": dni(10_000_000 + n),
        "country": "ES",
        "city": "Girona",
        "status": "active",
        **fields,
    }
    with transaction.atomic(), tenant_scope(org_world.org):
        client = clients_services.client_create(organization=org_world.org, actor=org_world.admin, **data)
        for i in range(contacts):
            clients_services.contact_create(
                organization=org_world.org,
                actor=org_world.admin,
                client=client,
                full_name=f"Person {n}-{i}",
                email=f"p{n}-{i}@example.com",
            )
    return client
