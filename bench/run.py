"""`make bench`: generate (once) the small and large tenants, then print one JSON line per page
and size. Run as `python -m bench.run [--requests N]` with DJANGO_SETTINGS_MODULE=config.settings.bench."""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402

from bench.generate import generate  # noqa: E402
from bench.measure import measure_page, print_line  # noqa: E402
from tenancy.models import User  # noqa: E402

PAGES = [
    # (name, path under /o/<slug>/, who asks)
    ("home", "", "admin"),
    ("people", "people/", "admin"),
    ("teams", "teams/", "admin"),
    ("api_memberships", "", "admin"),
]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--pages", nargs="*", default=None)
    args = parser.parse_args(argv)
    tenants = generate()
    for size, organization in tenants.items():
        slug = organization.slug
        for name, path, who in PAGES:
            if args.pages and name not in args.pages:
                continue
            client = Client()
            client.force_login(User.objects.get(email=f"{who}@{slug}.bench"))
            url = f"/api/v1/o/{slug}/memberships/" if name == "api_memberships" else f"/o/{slug}/{path}"
            print_line(measure_page(name=name, size=size, client=client, url=url, organization_id=organization.pk, requests=args.requests))


if __name__ == "__main__":
    main(sys.argv[1:])
