"""Test data, built through factories for rows without rules and services for the rest."""

from __future__ import annotations

from types import SimpleNamespace

import factory
from django.db import transaction

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
    """An organisation with admin, lead, ae, ae2 and finance, a team (lead + both AEs) and one
    API token for the admin."""
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
            organization=organization, actor=None, name=f"Team {name}", lead_ids=[people["lead"].pk], member_ids=[people["ae"].pk, people["ae2"].pk]
        )
        token, secret = services.api_token_create(organization=organization, membership=people["admin"], name="ci")
    return SimpleNamespace(org=organization, team=team, token=token, token_secret=secret, **people)
