"""Build the benchmark tenants: `small` and `large`, side by side in one database.

Idempotent: an organisation that exists keeps its people, and a portfolio is built only for an
organisation without clients. Sizes are in SIZES; later apps add their own rows to
`build_portfolio` (or a function beside it).

People come through the services (there are few). The portfolio is written with bulk_create
in batches inside the tenant scope (row-level security needs `app.organization_id` in the
transaction), never one service call per row, with the same derived values the services
write: `search_text` from `tenancy.text.search_normalize` over the same fields, and each
account's `last_activity_at` the latest `occurred_at` of its activities. Every created row
gets the audit event its service would have written.
"""

from __future__ import annotations

import random
import time
import unicodedata
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connections, transaction
from django.utils import timezone

from accounts.demo import make_cif
from accounts.models import (
    Account,
    AccountTeamMember,
    Activity,
    ActivityContact,
    Incident,
    Metric,
    Objective,
    ObjectiveActual,
    PortfolioSettings,
)
from accounts.services import ACCOUNT_FIELDS, INCIDENT_AUDIT, OBJECTIVE_FIELDS
from clients.models import Client, Contact
from clients.services import CLIENT_FIELDS, CONTACT_FIELDS
from tenancy import services
from tenancy.models import AuditEvent, Membership, Organization, TeamMember
from tenancy.scope import tenant_scope
from tenancy.services import audit_snapshot
from tenancy.text import search_normalize

SIZES = {
    # About an eightieth of the large tenant: the page goal compares the two.
    "small": {
        "account_executives": 2,
        "leads": 1,
        "teams": 1,
        "others": 2,
        "clients": 25,
        "contacts": 75,
        "accounts": 62,
        "activities": 2500,
        "incidents": 25,
        "objective_accounts": 12,
        "busiest_share": 0.01,
    },
    "large": {
        "account_executives": 20,
        "leads": 4,
        "teams": 4,
        "others": 30,
        "clients": 2000,
        "contacts": 6000,
        "accounts": 5000,
        "activities": 200_000,
        "incidents": 2000,
        "objective_accounts": 1000,
        # One account with about 2,000 activities: the account 360 page's worst case.
        "busiest_share": 0.01,
    },
}
PASSWORD = "bench-password"
BATCH = 2000
TZ = ZoneInfo("Europe/Madrid")


def build_organization(slug: str, size: dict, rng: random.Random) -> Organization:
    organization = Organization.objects.filter(slug=slug).first()
    if organization is not None:
        return organization
    with transaction.atomic():
        organization = services.organization_create(name=f"Bench {slug}", slug=slug)
        with tenant_scope(organization):
            admin = services.membership_add(
                organization=organization,
                actor=None,
                email=f"admin@{slug}.bench",
                full_name=f"Admin {slug}",
                roles=["admin", "finance"],
                password=PASSWORD,
            )
            leads = [
                services.membership_add(
                    organization=organization,
                    actor=None,
                    email=f"lead{i}@{slug}.bench",
                    full_name=f"Lead {i}",
                    roles=["sales_lead"],
                    password=PASSWORD,
                )
                for i in range(size["leads"])
            ]
            aes = [
                services.membership_add(
                    organization=organization,
                    actor=None,
                    email=f"ae{i}@{slug}.bench",
                    full_name=f"Account Executive {i}",
                    roles=["account_executive"],
                    password=PASSWORD,
                )
                for i in range(size["account_executives"])
            ]
            for i in range(size["others"]):
                services.membership_add(
                    organization=organization,
                    actor=None,
                    email=f"person{i}@{slug}.bench",
                    full_name=f"Person {i}",
                    roles=[rng.choice(["finance", "account_executive"])],
                    password=PASSWORD,
                )
            for t in range(size["teams"]):
                members = aes[t :: size["teams"]]
                services.team_create(
                    organization=organization,
                    actor=admin,
                    name=f"Team {t}",
                    leads=[leads[t % len(leads)]],
                    members=members,
                )
    return organization


# --- The portfolio -------------------------------------------------------------------------------

# Trade names are "<place> <trade>": 40 x 50 distinct pairs, so a client's full trade name is a
# search that matches a few rows (its client, its contacts by email domain, its accounts).
PLACES = [
    "Vallbona",
    "Montsant",
    "Garrotxa",
    "Empordà",
    "Cerdanya",
    "Priorat",
    "Berguedà",
    "Osona",
    "Segarra",
    "Urgell",
    "Pallars",
    "Ribagorça",
    "Aneto",
    "Moncayo",
    "Gredos",
    "Urbasa",
    "Aralar",
    "Gorbea",
    "Anboto",
    "Somiedo",
    "Bierzo",
    "Sanabria",
    "Tormes",
    "Jarama",
    "Henares",
    "Tajuña",
    "Alberche",
    "Cabriel",
    "Mijares",
    "Palancia",
    "Genil",
    "Darro",
    "Odiel",
    "Guadiaro",
    "Almanzora",
    "Andarax",
    "Montseny",
    "Lluçanès",
    "Matarraña",
    "Maestrat",
]
TRADES = [
    "Industrial",
    "Logística",
    "Components",
    "Recambios",
    "Metalúrgica",
    "Alimentària",
    "Hotels",
    "Clínica",
    "Software",
    "Energía",
    "Construcciones",
    "Transportes",
    "Distribució",
    "Tallers",
    "Plàstics",
    "Químicas",
    "Tèxtil",
    "Gràfiques",
    "Mobles",
    "Envases",
    "Cerámica",
    "Agrícola",
    "Motors",
    "Electrònica",
    "Automoción",
    "Ferreteria",
    "Papelera",
    "Fundición",
    "Mecanitzats",
    "Hidráulica",
    "Neumàtica",
    "Vins",
    "Conservas",
    "Làctics",
    "Farmacèutica",
    "Laboratoris",
    "Serveis",
    "Consultoría",
    "Enginyeria",
    "Arquitectura",
    "Sistemes",
    "Dades",
    "Robòtica",
    "Solar",
    "Aigües",
    "Cables",
    "Vidres",
    "Fustes",
    "Pintures",
    "Embalatges",
]
CITIES = [
    "Barcelona",
    "Girona",
    "Lleida",
    "Tarragona",
    "Sabadell",
    "Terrassa",
    "Bilbao",
    "Zaragoza",
    "Valencia",
    "Sevilla",
    "Málaga",
    "Valladolid",
    "Sants-Montjuïc",
]
PROVINCES = ["08", "17", "25", "43", "48", "50", "46", "41", "29", "47"]
SECTORS = [
    "technology",
    "manufacturing",
    "retail",
    "hospitality",
    "healthcare",
    "logistics",
    "media",
    "energy",
    "construction",
    "food",
    "professional",
]
FIRST_NAMES = [
    "Marta",
    "Jordi",
    "Laia",
    "Pau",
    "Núria",
    "Joan",
    "Lucía",
    "Javier",
    "Elena",
    "Diego",
    "Carmen",
    "Oriol",
    "Ainhoa",
    "Iñaki",
    "Rocío",
    "Álvaro",
    "Mireia",
    "Arnau",
    "Beatriz",
    "Sergi",
]
SURNAMES = [
    "Puig",
    "Vila",
    "Soler",
    "Ferrer",
    "Roca",
    "García",
    "López",
    "Martínez",
    "Navarro",
    "Romero",
    "Castro",
    "Ortega",
    "Echeverría",
    "Aguirre",
    "Riera",
    "Camps",
    "Bosch",
    "Vidal",
    "Moreno",
    "Gil",
]
JOB_TITLES = [
    ("Purchasing manager", "decision_maker"),
    ("Chief financial officer", "finance"),
    ("Plant manager", "influencer"),
    ("Maintenance lead", "technical"),
    ("Buyer", "user"),
    ("Accountant", "finance"),
    ("Marketing manager", "influencer"),
]
LINES = [
    "Supply",
    "Spare parts",
    "Maintenance",
    "Framework contract",
    "Consignment stock",
    "Digital campaign",
    "Social media",
    "Web",
    "Bearings",
    "Power transmission",
    "Tooling",
    "Lubrication",
    "Fasteners",
    "Electrical",
    "Packaging line",
]
KINDS = [("email", 0), ("call", 15), ("meeting", 60), ("visit", 90), ("note", 0)]
SUMMARIES = [
    "Followed up on the open offer with {contact}; they need the revised delivery dates before committing.",
    "Quarterly review: volumes are up, they ask for better payment terms on the next framework contract.",
    "Call about a late delivery; agreed to ship the remaining parts from the central warehouse.",
    "Sent the updated price list and the technical sheets they asked for.",
    "Visit to the plant with maintenance to review consumption and the consignment stock.",
    "Internal note: a competitor offered them a lower price on standard references.",
]
OUTCOMES = ["Order confirmed.", "Waiting for their approval.", "They want a second offer.", "No decision yet.", ""]
NEXT_STEPS = [
    "Send the revised offer",
    "Confirm the delivery date",
    "Call to close the order",
    "Prepare next year's prices",
    "Review the consignment stock",
]
INCIDENT_TITLES = [
    "Wrong reference delivered",
    "Late delivery",
    "Damaged goods",
    "Duplicate invoice",
    "Missing items in the delivery",
    "Quality certificate missing",
]


def _ascii(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.lower()) if ch.isascii() and ch.isalnum())


def _working_moment(rng: random.Random, day: date) -> datetime:
    minutes = rng.randrange(8 * 60 + 30, 19 * 60, 15)
    return datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=TZ)


def _bulk(model, rows: list) -> list:
    return model.objects.bulk_create(rows, batch_size=BATCH)


def _audit(
    organization: Organization, actor_user_ids: list[int], action: str, objects: list, fields: list[str]
) -> None:
    """The audit event each object's create service would have written, in bulk."""
    _bulk(
        AuditEvent,
        [
            AuditEvent(
                organization=organization,
                actor_id=actor,
                action=action,
                object_type=obj._meta.label_lower,
                object_id=obj.pk,
                object_repr=str(obj)[:200],
                changes={k: [None, v] for k, v in audit_snapshot(obj, fields).items()},
            )
            for obj, actor in zip(objects, actor_user_ids, strict=True)
        ],
    )


class _Portfolio:
    def __init__(self, organization: Organization, size: dict, rng: random.Random):
        self.org, self.size, self.rng = organization, size, rng
        self.now = timezone.now()
        self.today = timezone.localdate(self.now, TZ)
        people = list(Membership.objects.filter(organization=organization).select_related("user").order_by("pk"))
        by_local = {m.user.email.split("@")[0]: m for m in people}
        self.admin = by_local["admin"]
        self.aes = [by_local[f"ae{i}"] for i in range(size["account_executives"])]
        self.finance = [m for m in people if m.is_finance]
        self.specialists = [m for m in people if m.is_account_executive]
        teams = {
            tm.membership_id: tm.team_id for tm in TeamMember.objects.filter(organization=organization, is_lead=False)
        }
        self.team_of = {ae.pk: teams.get(ae.pk) for ae in self.aes}

    def build(self) -> dict[str, int]:
        clients = self.clients()
        contacts = self.contacts(clients)
        accounts, draws = self.accounts(clients)
        self.account_teams(accounts)
        activities = self.activities(accounts, draws, contacts)
        objectives = self.objectives(accounts)
        incidents = self.incidents(accounts)
        return {
            "clients": len(clients),
            "contacts": sum(len(c) for c in contacts.values()),
            "accounts": len(accounts),
            "activities": activities,
            "objectives": objectives,
            "incidents": incidents,
        }

    def clients(self) -> list[Client]:
        rng, n = self.rng, self.size["clients"]
        pairs = [(p, t) for p in PLACES for t in TRADES]
        rng.shuffle(pairs)
        rows = []
        for i, (place, trade) in enumerate(pairs[:n]):
            trade_name = f"{place} {trade}"
            legal_form, letter = ("SA", "A") if rng.random() < 0.2 else ("SL", "B")
            weights = rng.choice([(25, 25, 25, 25), (40, 20, 20, 20), (10, 30, 30, 30), (20, 10, 40, 30)])
            client = Client(
                organization=self.org,
                legal_name=f"{trade_name}, {legal_form}",
                trade_name=trade_name,
                tax_id=make_cif(letter, PROVINCES[i % len(PROVINCES)], 10000 + i),
                country="ES",
                sector=rng.choice(SECTORS),
                size_band=rng.choice(["micro", "small", "small", "medium", "medium", "large"]),
                city=rng.choice(CITIES),
                website=f"https://www.{_ascii(trade_name)}.example",
                status=rng.choices(["active", "prospect", "former"], weights=[85, 10, 5])[0],
                notes="Buys by framework contract; reviews prices every November.",
                weight_price=weights[0],
                weight_time_to_market=weights[1],
                weight_delivery_time=weights[2],
                weight_quality=weights[3],
            )
            # As clients.services writes it.
            client.search_text = search_normalize(client.legal_name, client.trade_name, client.city, client.tax_id)
            rows.append(client)
        clients = _bulk(Client, rows)
        _audit(self.org, [self.admin.user_id] * len(clients), "client.create", clients, CLIENT_FIELDS)
        return clients

    def contacts(self, clients: list[Client]) -> dict[int, list[int]]:
        rng = self.rng
        per_client = [1] * len(clients)
        for _ in range(self.size["contacts"] - len(clients)):
            per_client[rng.randrange(len(clients))] += 1
        rows = []
        for client, count in zip(clients, per_client, strict=True):
            domain = f"{_ascii(client.trade_name)}.example"
            for index in range(count):
                first, surname = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
                title, role = JOB_TITLES[0] if index == 0 else rng.choice(JOB_TITLES[1:])
                contact = Contact(
                    organization=self.org,
                    client=client,
                    full_name=f"{first} {surname}",
                    job_title=title,
                    buying_role=role,
                    email=f"{_ascii(first)}.{_ascii(surname)}{index}@{domain}",
                    phone=f"+34 93 {rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                    language=rng.choice(["ca", "es", "es", "en"]),
                    is_primary=index == 0,
                )
                # As clients.services writes it.
                contact.search_text = search_normalize(contact.full_name, contact.email, contact.job_title)
                rows.append(contact)
        contacts = _bulk(Contact, rows)
        _audit(self.org, [self.admin.user_id] * len(contacts), "contact.create", contacts, CONTACT_FIELDS)
        by_client: dict[int, list[int]] = defaultdict(list)
        for contact in contacts:
            by_client[contact.client_id].append(contact.pk)
        return by_client

    def accounts(self, clients: list[Client]) -> tuple[list[Account], list[tuple[int, datetime]]]:
        """Accounts, and the (account index, moment) of every activity to come: planned first so
        each account is written once with its `last_activity_at`."""
        rng, size, today = self.rng, self.size, self.today
        n = size["accounts"]
        # Account 0 is the busiest, owned by ae0; the rest follow a long tail.
        weights = [rng.paretovariate(1.3) for _ in range(n)]
        weights[0] = sum(weights[1:]) * size["busiest_share"] / (1 - size["busiest_share"])
        draws = []
        for index in rng.choices(range(n), weights=weights, k=size["activities"]):
            # Half of the activity in the last quarter, the rest over the year before.
            days = rng.randint(0, 90) if rng.random() < 0.5 else rng.randint(0, 364)
            moment = _working_moment(rng, today - timedelta(days=days))
            draws.append((index, min(moment, self.now - timedelta(minutes=5))))
        draws.sort(key=lambda d: d[1])
        latest: dict[int, datetime] = {}
        for index, moment in draws:
            latest[index] = moment
        rows, used_names = [], set()
        for i in range(n):
            owner = self.aes[0] if i == 0 else self.aes[i % len(self.aes)]
            client = clients[0] if i == 0 else rng.choice(clients)
            name = f"{client.trade_name} {rng.choice(LINES)}"
            while (client.pk, name) in used_names:
                name = f"{client.trade_name} {rng.choice(LINES)} {rng.randint(2, 99)}"
            used_names.add((client.pk, name))
            account = Account(
                organization=self.org,
                client=client,
                name=name,
                owner=owner,
                sales_team_id=None if rng.random() < 0.02 else self.team_of[owner.pk],
                currency="EUR",
                payment_terms_days=rng.choice([30, 45, 60]),
                credit_limit=Decimal(rng.randrange(5000, 200000, 500)),
                risk_rating=rng.choices(["unrated", "low", "medium", "high", "very_high"], weights=[50, 25, 15, 8, 2])[
                    0
                ],
                tier=rng.choices(["strategic", "key", "growth", "standard"], weights=[5, 20, 30, 45])[0],
                status=rng.choices(["active", "at_risk", "dormant", "onboarding", "closed"], weights=[75, 8, 8, 5, 4])[
                    0
                ],
                start_date=today - timedelta(days=rng.randint(400, 3000)),
                last_activity_at=latest.get(i),
            )
            # As accounts.services writes it.
            account.search_text = search_normalize(account.name)
            rows.append(account)
        accounts = _bulk(Account, rows)
        _audit(self.org, [a.owner.user_id for a in accounts], "account.create", accounts, ACCOUNT_FIELDS)
        return accounts, draws

    def account_teams(self, accounts: list[Account]) -> None:
        rng, rows = self.rng, []
        for account in accounts:
            if rng.random() < 0.1:
                other = rng.choice(self.specialists)
                if other.pk != account.owner_id:
                    rows.append(
                        AccountTeamMember(
                            organization=self.org, account=account, membership=other, role="technical_specialist"
                        )
                    )
            if rng.random() < 0.05 and self.finance:
                rows.append(
                    AccountTeamMember(
                        organization=self.org,
                        account=account,
                        membership=rng.choice(self.finance),
                        role="finance_contact",
                    )
                )
        _bulk(AccountTeamMember, rows)

    def activities(
        self, accounts: list[Account], draws: list[tuple[int, datetime]], contacts: dict[int, list[int]]
    ) -> int:
        rng, today = self.rng, self.today
        for start in range(0, len(draws), BATCH):
            rows = []
            for index, moment in draws[start : start + BATCH]:
                account = accounts[index]
                kind, duration = rng.choice(KINDS)
                activity = Activity(
                    organization=self.org,
                    account=account,
                    kind=kind,
                    occurred_at=moment,
                    duration_minutes=duration,
                    summary=rng.choice(SUMMARIES).format(contact=rng.choice(FIRST_NAMES)),
                    outcome="" if kind == "note" else rng.choice(OUTCOMES),
                    created_by_id=account.owner_id,
                )
                if rng.random() < 0.15:
                    age = (today - moment.date()).days
                    activity.next_step = rng.choice(NEXT_STEPS)
                    activity.next_step_due = moment.date() + timedelta(days=rng.randint(1, 21))
                    activity.next_step_owner_id = account.owner_id
                    # Recent next steps are still open (some overdue); older ones were done,
                    # except the few everyone forgets.
                    if age > 30 and rng.random() > 0.03:
                        activity.next_step_done_at = min(moment + timedelta(days=rng.randint(1, 10)), self.now)
                rows.append(activity)
            created = Activity.objects.bulk_create(rows)
            links = [
                ActivityContact(
                    organization=self.org,
                    activity=activity,
                    contact_id=rng.choice(contacts[activity.account.client_id]),
                )
                for activity in created
                if activity.kind != "note" and rng.random() < 0.6
            ]
            ActivityContact.objects.bulk_create(links)
        return len(draws)

    def objectives(self, accounts: list[Account]) -> int:
        rng, today = self.rng, self.today
        quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        quarter_end = (quarter_start + timedelta(days=95)).replace(day=1) - timedelta(days=1)
        year_start, year_end = date(today.year, 1, 1), date(today.year, 12, 31)
        chosen = rng.sample(accounts, min(self.size["objective_accounts"], len(accounts)))
        rows = []
        for account in chosen:
            yearly = Decimal(rng.randrange(20000, 500000, 1000))
            # One objective per metric at any day (accounts.models.ObjectivePeriodsDoNotOverlap):
            # the quarter's amount collected, the year's revenue invoiced.
            rows.append(
                Objective(
                    organization=self.org,
                    account=account,
                    metric=Metric.AMOUNT_COLLECTED,
                    period_start=quarter_start,
                    period_end=quarter_end,
                    target=yearly / 4,
                    created_by_id=account.owner_id,
                )
            )
            rows.append(
                Objective(
                    organization=self.org,
                    account=account,
                    metric=Metric.REVENUE_INVOICED,
                    period_start=year_start,
                    period_end=year_end,
                    target=yearly,
                    created_by_id=account.owner_id,
                )
            )
            if rng.random() < 0.5:
                rows.append(
                    Objective(
                        organization=self.org,
                        account=account,
                        metric=Metric.WON_OFFERS,
                        period_start=quarter_start,
                        period_end=quarter_end,
                        target=Decimal(rng.randint(2, 8)),
                        created_by_id=account.owner_id,
                    )
                )
            if rng.random() < 0.3:
                rows.append(
                    Objective(
                        organization=self.org,
                        account=account,
                        metric=Metric.ON_TIME_PAYMENT,
                        period_start=year_start,
                        period_end=year_end,
                        target=Decimal(95),
                        created_by_id=account.owner_id,
                    )
                )
        objectives = _bulk(Objective, rows)
        _audit(
            self.org, [o.account.owner.user_id for o in objectives], "objective.create", objectives, OBJECTIVE_FIELDS
        )
        actuals = []
        yesterday = today - timedelta(days=1)
        for objective in objectives:
            if yesterday < objective.period_start:
                continue
            span = (objective.period_end - objective.period_start).days + 1
            days = sorted(
                {
                    objective.period_start + timedelta(days=rng.randint(0, (yesterday - objective.period_start).days))
                    for _ in range(3)
                }
            )
            performance = rng.uniform(0.6, 1.3)
            for day in days:
                if objective.metric == Metric.ON_TIME_PAYMENT:
                    value = Decimal(min(100, rng.randint(70, 100)))
                else:
                    value = (
                        objective.target * Decimal(((day - objective.period_start).days + 1) / span * performance)
                    ).quantize(Decimal("1"))
                actuals.append(
                    ObjectiveActual(
                        organization=self.org,
                        objective=objective,
                        as_of=day,
                        value=value,
                        entered_by_id=objective.created_by_id,
                    )
                )
        _bulk(ObjectiveActual, actuals)
        return len(objectives)

    def incidents(self, accounts: list[Account]) -> int:
        rng, now = self.rng, self.now
        settings = PortfolioSettings.objects.filter(organization=self.org).first() or PortfolioSettings(
            organization=self.org
        )
        rows = []
        for _ in range(self.size["incidents"]):
            account = rng.choice(accounts)
            severity = rng.choices(["low", "normal", "high", "critical"], weights=[20, 45, 25, 10])[0]
            is_open = rng.random() < 0.2
            # Open ones are recent, a share of them past their SLA; the rest over the year.
            opened = now - timedelta(hours=rng.randint(1, 24 * 14) if is_open else rng.randint(24 * 7, 24 * 365))
            hours = settings.sla_hours(severity)
            status = (
                rng.choice(["open", "in_progress", "waiting_on_client"])
                if is_open
                else rng.choice(["resolved", "closed"])
            )
            rows.append(
                Incident(
                    organization=self.org,
                    account=account,
                    title=rng.choice(INCIDENT_TITLES),
                    description="Reported by the client's plant.",
                    severity=severity,
                    status=status,
                    assignee_id=account.owner_id if rng.random() < 0.85 else None,
                    opened_at=opened,
                    resolved_at=None if is_open else opened + timedelta(hours=hours * rng.uniform(0.2, 2.0)),
                    # As accounts.services computes it.
                    sla_due_at=opened + timedelta(hours=hours),
                    created_by_id=account.owner_id,
                )
            )
        incidents = _bulk(Incident, rows)
        _audit(self.org, [i.account.owner.user_id for i in incidents], "incident.open", incidents, INCIDENT_AUDIT)
        return len(incidents)


def build_portfolio(organization: Organization, size: dict, rng: random.Random) -> dict[str, int] | None:
    """Clients, contacts, accounts, account teams, activities, objectives and incidents, in one
    transaction; nothing when the organisation already has clients."""
    with transaction.atomic(), tenant_scope(organization):
        if Client.objects.filter(organization=organization).exists():
            return None
        return _Portfolio(organization, size, rng).build()


def analyze() -> None:
    """What autovacuum does to a running database minutes after a bulk load, done now: planner
    statistics (without them the planner, guessing a handful of rows where there are thousands,
    picks nested loops that no production database would) and the visibility map (without it
    an index-only scan still reads every row's page). Otherwise the bench would measure
    whether autovacuum happened to pass, not the pages. VACUUM needs the tables' owner and no
    transaction; RLS does not apply to it."""
    connection = connections["owner"] if "owner" in connections.settings else connections["default"]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def generate() -> dict[str, Organization]:
    rng = random.Random(42)
    built = {}
    for name, size in SIZES.items():
        started = time.monotonic()
        built[name] = build_organization(f"bench-{name}", size, rng)
        portfolio = build_portfolio(built[name], size, random.Random(f"bench-{name}"))
        made = f": {', '.join(f'{n} {what}' for what, n in portfolio.items())}" if portfolio else ""
        print(f"# tenant bench-{name} ready in {time.monotonic() - started:.1f}s{made}", flush=True)
    started = time.monotonic()
    analyze()
    print(f"# vacuumed and analyzed in {time.monotonic() - started:.1f}s", flush=True)
    return built
