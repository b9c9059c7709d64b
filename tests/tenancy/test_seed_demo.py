from io import StringIO

from django.core.management import call_command
from django.db import transaction

from accounts.models import Account, Activity, Incident
from clients.models import Client, Contact
from tenancy.models import Membership, Organization, TeamMember
from tenancy.scope import tenant_scope


def _counts() -> dict:
    counts = {}
    for org in Organization.objects.order_by("slug"):
        with transaction.atomic(), tenant_scope(org):
            counts[org.slug] = [
                m.objects.count() for m in (Membership, TeamMember, Client, Contact, Account, Activity, Incident)
            ]
    return counts


def test_seed_demo_builds_both_organisations_once(db):
    # when the seed runs twice
    call_command("seed_demo", stdout=StringIO())
    first = _counts()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    # then the second run adds nothing, and each organisation has its people and portfolio
    assert _counts() == first
    assert first == {"nordwind": [5, 3, 40, 150, 60, 600, 30], "porta": [5, 3, 40, 150, 60, 600, 30]}
    assert "ae@porta.example" in out.getvalue() and "accountdesk-demo" in out.getvalue()
    porta = Organization.objects.get(slug="porta")
    with transaction.atomic(), tenant_scope(porta):
        assert Client.objects.filter(search_text__contains="sants montjuic").exists()
        assert Account.objects.filter(owner__user__email="ae@porta.example").exists()
