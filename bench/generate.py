"""Build the benchmark tenants: `small` and `large`, side by side in one database.

Idempotent: an organisation that exists is left as it is. Sizes are in SIZES; later
apps add their own rows to `build_organization`.
"""

from __future__ import annotations

import random
import time

from django.db import transaction

from tenancy import services
from tenancy.models import Membership, Organization, Team, TeamMember, User
from tenancy.scope import tenant_scope

SIZES = {
    "small": {"account_executives": 2, "leads": 1, "teams": 1, "others": 2},
    "large": {"account_executives": 20, "leads": 4, "teams": 4, "others": 30},
}
PASSWORD = "bench-password"


def build_organization(slug: str, size: dict, rng: random.Random) -> Organization:
    organization = Organization.objects.filter(slug=slug).first()
    if organization is not None:
        return organization
    with transaction.atomic():
        organization = services.organization_create(name=f"Bench {slug}", slug=slug)
        with tenant_scope(organization):
            admin = services.membership_add(organization=organization, actor=None, email=f"admin@{slug}.bench", full_name=f"Admin {slug}", roles=["admin", "finance"], password=PASSWORD)
            leads = [
                services.membership_add(organization=organization, actor=None, email=f"lead{i}@{slug}.bench", full_name=f"Lead {i}", roles=["sales_lead"], password=PASSWORD)
                for i in range(size["leads"])
            ]
            aes = [
                services.membership_add(organization=organization, actor=None, email=f"ae{i}@{slug}.bench", full_name=f"Account Executive {i}", roles=["account_executive"], password=PASSWORD)
                for i in range(size["account_executives"])
            ]
            for i in range(size["others"]):
                services.membership_add(organization=organization, actor=None, email=f"person{i}@{slug}.bench", full_name=f"Person {i}", roles=[rng.choice(["finance", "account_executive"])], password=PASSWORD)
            for t in range(size["teams"]):
                members = aes[t :: size["teams"]]
                services.team_create(organization=organization, actor=admin, name=f"Team {t}", lead_ids=[leads[t % len(leads)].pk], member_ids=[m.pk for m in members])
    return organization


def generate() -> dict[str, Organization]:
    rng = random.Random(42)
    built = {}
    for name, size in SIZES.items():
        started = time.monotonic()
        built[name] = build_organization(f"bench-{name}", size, rng)
        print(f"# tenant bench-{name} ready in {time.monotonic() - started:.1f}s")
    return built
