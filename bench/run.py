"""`make bench`: generate (once) the small and large tenants, then print one JSON line per page
and size, one line per page against the goal (p95 ≤ 60 ms at the large tenant and ≤ 3× the
small tenant's; the same query count at both), and one per batch job against its SQL floor. Run as `python -m bench.run [--requests N] [--pages NAME ...]` with
DJANGO_SETTINGS_MODULE=config.settings.bench.

A page whose URL answers 404 prints {"page", "size", "skipped": "not found"} instead of a
measurement, so the bench runs before a page exists as well as after.
"""

from __future__ import annotations

import argparse
import os
import sys
from urllib.parse import quote_plus

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import Resolver404, resolve  # noqa: E402

from accounts.models import Account, Activity  # noqa: E402
from bench.generate import generate  # noqa: E402
from bench.measure import measure_batch, measure_page, page_goal, print_line  # noqa: E402
from tenancy.exports import EXPORT_KINDS, export_bytes  # noqa: E402
from tenancy.models import Membership, Organization, User  # noqa: E402
from tenancy.scope import tenant_scope  # noqa: E402

PAGES = [
    # (name, path under /o/<slug>/ with {placeholders} from page_context, who asks)
    ("home", "", "admin"),
    ("people", "people/", "admin"),
    ("teams", "teams/", "admin"),
    ("api_memberships", "", "admin"),
    ("clients", "clients/", "ae0"),
    ("incidents", "incidents/", "ae0"),
    ("portfolio_ae", "portfolio/", "ae0"),
    ("portfolio_lead", "portfolio/", "lead0"),
    ("portfolio_admin", "portfolio/", "admin"),
    ("account_360", "accounts/{busiest_account_id}/", "ae0"),
    ("my_day", "my-day/", "ae0"),
    ("search", "search/?q={search_query}", "ae0"),
]


def page_context(organization: Organization) -> dict[str, str]:
    """What the paths need: ae0's account with the most activities, and a search that matches
    a few rows (that account's client's trade name: the client, its contacts by their email
    domain, its accounts)."""
    with transaction.atomic(), tenant_scope(organization):
        ae = Membership.objects.get(organization=organization, user__email=f"ae0@{organization.slug}.bench")
        busiest = (
            Activity.objects.filter(organization=organization, account__owner=ae)
            .values("account_id")
            .annotate(n=Count("id"))
            .order_by("-n", "account_id")
            .first()
        )
        account = Account.objects.select_related("client").get(organization=organization, pk=busiest["account_id"])
        return {"busiest_account_id": str(account.pk), "search_query": quote_plus(account.client.trade_name)}


def _route_exists(url: str) -> bool:
    try:
        resolve(url.split("?")[0])
    except Resolver404:
        return False
    return True


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--pages", nargs="*", default=None)
    args = parser.parse_args(argv)
    tenants = generate()
    measured: dict[tuple[str, str], dict] = {}
    for size, organization in tenants.items():
        slug = organization.slug
        context = page_context(organization)
        for name, path, who in PAGES:
            if args.pages and name not in args.pages:
                continue
            client = Client()
            client.force_login(User.objects.get(email=f"{who}@{slug}.bench"))
            url = (
                f"/api/v1/o/{slug}/memberships/" if name == "api_memberships" else f"/o/{slug}/{path.format(**context)}"
            )
            if client.get(url).status_code == 404:
                if _route_exists(url):
                    # The page exists but refused: a wrong id or visibility, not a page to come.
                    print(f"# {name} ({size}): {url} is routed but answered 404", file=sys.stderr, flush=True)
                print_line({"page": name, "size": size, "skipped": "not found"})
                continue
            line = measure_page(
                name=name, size=size, client=client, url=url, organization_id=organization.pk, requests=args.requests
            )
            measured[(name, size)] = line
            print_line(line)
    for name, _path, _who in PAGES:
        if (name, "small") in measured and (name, "large") in measured:
            print_line(page_goal(measured[(name, "small")], measured[(name, "large")]))
    if not args.pages or "exports" in args.pages:
        for size, organization in tenants.items():
            for kind in ("portfolio", "incidents"):
                print_line(measure_export(organization, size, kind))


def measure_export(organization: Organization, size: str, kind: str) -> dict:
    """The whole tenant's list exported as an admin (CSV), against its SQL floor."""

    def work() -> bytes:
        rows = EXPORT_KINDS[kind].build(organization=organization, membership=admin, query=QueryDict())
        return export_bytes("csv", rows.header, rows.rows, rows.sheet)

    with transaction.atomic(), tenant_scope(organization):
        admin = Membership.objects.get(organization=organization, user__email=f"admin@{organization.slug}.bench")
        return measure_batch(name=f"export_{kind}_csv", size=size, work=work, organization_id=organization.pk)


if __name__ == "__main__":
    main(sys.argv[1:])
