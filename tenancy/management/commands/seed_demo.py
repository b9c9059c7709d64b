"""Demo data for `make run`: two organisations, five people each, one team, and what every
other app adds for them (clients, accounts, a year of activities…). Idempotent.

Apps add their demo data by naming a function in their AppConfig's `demo_seed`
(accounts: accounts.demo.seed_portfolio), so tenancy imports none of them: the map's
dependencies point one way."""

import random

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

from tenancy import services
from tenancy.models import Membership, Organization, Role, Team, User
from tenancy.scope import tenant_scope

DEMO_ORGANIZATIONS = [
    {
        "slug": "porta",
        "name": "Porta Digital",
        "base_currency": "EUR",
        "time_zone": "Europe/Madrid",
        "default_language": "ca",
    },
    {
        "slug": "nordwind",
        "name": "Nordwind Components",
        "base_currency": "EUR",
        "time_zone": "Europe/Madrid",
        "default_language": "es",
    },
]
DEMO_PEOPLE = {
    "porta": [
        ("admin", "Montse Puig", [Role.ADMIN]),
        ("lead", "Jordi Vila", [Role.SALES_LEAD]),
        ("ae", "Laia Ferrer", [Role.ACCOUNT_EXECUTIVE]),
        ("ae2", "Pau Roca", [Role.ACCOUNT_EXECUTIVE]),
        ("finance", "Núria Soler", [Role.FINANCE]),
    ],
    "nordwind": [
        ("admin", "Carmen Ortega", [Role.ADMIN]),
        ("lead", "Javier Morales", [Role.SALES_LEAD]),
        ("ae", "Lucía Navarro", [Role.ACCOUNT_EXECUTIVE]),
        ("ae2", "Diego Romero", [Role.ACCOUNT_EXECUTIVE]),
        ("finance", "Elena Castro", [Role.FINANCE]),
    ],
}
TEAM_NAMES = {"porta": "Equip Barcelona", "nordwind": "Equipo Norte"}


def demo_logins() -> list[str]:
    return [
        f"{local}@{org['slug']}.example" for org in DEMO_ORGANIZATIONS for local, _n, _r in DEMO_PEOPLE[org["slug"]]
    ]


class Command(BaseCommand):
    help = "Create the demo organisations porta and nordwind with their people (development only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--people-only",
            action="store_true",
            help="Only the organisations, their people and teams (fast; for browser tests).",
        )

    @staticmethod
    def app_seeds():
        return [
            import_string(config.demo_seed) for config in apps.get_app_configs() if getattr(config, "demo_seed", None)
        ]

    def handle(self, *args, **options):
        password = settings.ACCOUNTDESK_DEMO_PASSWORD
        for spec in DEMO_ORGANIZATIONS:
            with transaction.atomic():
                organization = Organization.objects.filter(slug=spec["slug"]).first() or services.organization_create(
                    **spec
                )
                with tenant_scope(organization):
                    memberships = {}
                    for local, name, roles in DEMO_PEOPLE[spec["slug"]]:
                        email = f"{local}@{spec['slug']}.example"
                        existing = Membership.objects.filter(organization=organization, user__email=email).first()
                        if existing is None:
                            existing = services.membership_add(
                                organization=organization,
                                actor=None,
                                email=email,
                                full_name=name,
                                roles=[r.value for r in roles],
                                password=password,
                            )
                        memberships[local] = existing
                    if not Team.objects.filter(organization=organization, name=TEAM_NAMES[spec["slug"]]).exists():
                        services.team_create(
                            organization=organization,
                            actor=None,
                            name=TEAM_NAMES[spec["slug"]],
                            leads=[memberships["lead"]],
                            members=[memberships["ae"], memberships["ae2"]],
                        )
                    made = {}
                    for seed in [] if options["people_only"] else self.app_seeds():
                        # Each seed skips an organisation it already filled.
                        made |= (
                            seed(organization, memberships, random.Random(f"accountdesk-demo-{organization.slug}"))
                            or {}
                        )
            self.stdout.write(
                f"  {organization.name} (/o/{organization.slug}/)"
                + (": " + ", ".join(f"{n} {what}" for what, n in made.items()) if made else "")
            )
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Logins (password {password!r}, development only):"))
        for email in demo_logins():
            self.stdout.write(f"  {email}")
        if not User.objects.filter(is_superuser=True).exists():
            self.stdout.write("  (no superuser: `manage.py createsuperuser` for the Django admin)")
