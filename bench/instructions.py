"""`make bench-instructions`: the CPU instructions the application process spends per request,
counted by valgrind's callgrind. Run as `python -m bench.instructions [--requests N] [--pages NAME ...]`
with DJANGO_SETTINGS_MODULE=config.settings.bench, after `make bench` has built the tenants.

Milliseconds on a shared machine move by a quarter from one minute to the next; instruction
counts repeat to a fraction of a percent. They count only this process (Django, the templates,
the driver), not PostgreSQL's work, which is what the SQL floor measures: use them to compare
two versions of the Python side of a page. One JSON line per page and size.

Each measurement is a child process under callgrind with instrumentation off until the page
has been asked for a few times; then it is switched on around the measured requests only
(`callgrind_control -i on|off`), so Django's start-up does not count.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

SIZES = ("small", "large")


def _child(size: str, name: str, requests: int) -> None:
    """Inside callgrind: warm the page up, then ask it `requests` times with counting on."""
    import django

    django.setup()
    from django.test import Client

    from bench.run import PAGES, page_context
    from tenancy.models import Organization, User

    organization = Organization.objects.get(slug=f"bench-{size}")
    path, who = next((p, w) for n, p, w in PAGES if n == name)
    client = Client()
    client.force_login(User.objects.get(email=f"{who}@{organization.slug}.bench"))
    url = (
        f"/api/v1/o/{organization.slug}/memberships/"
        if name == "api_memberships"
        else f"/o/{organization.slug}/{path.format(**page_context(organization))}"
    )
    for _ in range(3):
        assert client.get(url).status_code == 200, url
    subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True, capture_output=True)
    for _ in range(requests):
        client.get(url)
    subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], check=True, capture_output=True)


def measure(size: str, name: str, requests: int) -> dict:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        "-m",
        "bench.instructions",
        "--child",
        size,
        name,
        "--requests",
        str(requests),
    ]
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    collected = re.search(r"Collected : (\d+)", finished.stderr)
    if finished.returncode != 0 or collected is None:
        raise RuntimeError(f"{name} ({size}) under callgrind failed:\n{finished.stderr[-2000:]}")
    return {
        "page": name,
        "size": size,
        "requests": requests,
        "instructions_per_request": round(int(collected.group(1)) / requests),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--pages", nargs="*", default=["portfolio_ae", "account_360", "my_day", "search"])
    parser.add_argument("--child", nargs=2, metavar=("SIZE", "PAGE"))
    args = parser.parse_args(argv)
    if args.child:
        _child(*args.child, args.requests)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: apt-get install -y valgrind")
    for size in SIZES:
        for name in args.pages:
            print(json.dumps(measure(size, name, args.requests)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
