"""The billing bench (`make bench-billing`, and `make bench` after the other pages): build the
`bench-billing` tenant once (bench/billing.py), check a sample of it against billing's own
arithmetic, then print one JSON line per measurement:

- the invoices list (finance and an account executive) and the receivables page: p50/p95 of
  server time, query count and SQL floor (bench.measure.measure_page); goal p95 ≤ 60 ms;
- the tenant's aging (billing.selectors.aging, for the tenant and per account) against a
  set-based SQL floor written by hand — one GROUP BY over the invoices joined to their credit
  notes and allocations summed per invoice — which must give the same amounts; goal ≤ 1.5×;
- the busiest account's statement of 10,000 ledger lines: the HTML page (≤ 300 ms), the PDF
  (≤ 3 s), and the CSV streamed, with the peak RSS of a fresh process for 1,000 and for 10,000
  lines (memory flat); when the statement pages are not there yet, the statement selector
  itself (the entries read, and streamed to CSV), said so in the line;
- the bulk statements of every account (one Celery task run in this process, as one worker
  with a solo pool runs it): time per statement; skipped while the task does not exist.

A page whose URL answers 404 prints {"page", "skipped": "not found"}, as bench/run.py does, so
the bench runs before the pages exist and measures them once they do.

    DJANGO_SETTINGS_MODULE=config.settings.bench python -m bench.billing_run [--requests N]
        [--only invoices receivables aging statement bulk]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import Resolver404, resolve  # noqa: E402

from bench.billing import SLUG, BillingTenant, generate_billing, tenant_facts, verify  # noqa: E402
from bench.measure import BATCH_GOAL_RATIO, PAGE_GOAL_MS, measure_page, print_line  # noqa: E402
from billing.selectors import BUCKETS, aging, statement  # noqa: E402
from billing.totals import ZERO, cents  # noqa: E402
from tenancy.models import Membership, Organization, User  # noqa: E402
from tenancy.scope import tenant_scope  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
STATEMENT_HTML_GOAL_MS = 300.0
STATEMENT_PDF_GOAL_MS = 3000.0
SIZE = "2000 accounts"


def _routed(url: str) -> bool:
    try:
        resolve(url.split("?")[0])
    except Resolver404:
        return False
    return True


def _client(email: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(email=email))
    return client


def _page(name: str, client: Client, url: str, tenant: BillingTenant, requests: int) -> dict | None:
    if not _routed(url) or client.get(url).status_code == 404:
        print_line({"page": name, "size": SIZE, "url": url, "skipped": "not found"})
        return None
    line = measure_page(
        name=name, size=SIZE, client=client, url=url, organization_id=tenant.organization.pk, requests=requests
    )
    line["within_goal"] = line["p95_ms"] <= PAGE_GOAL_MS
    print_line(line)
    return line


# --- Pages ---------------------------------------------------------------------------------------


def measure_lists(tenant: BillingTenant, requests: int) -> None:
    base = f"/o/{SLUG}/billing"
    admin, ae = _client(tenant.finance_email), _client(f"ae0@{SLUG}.bench")
    _page("billing_invoices_finance", admin, f"{base}/invoices/", tenant, requests)
    _page("billing_invoices_ae", ae, f"{base}/invoices/", tenant, requests)
    _page("billing_receivables", admin, f"{base}/receivables/", tenant, requests)


# --- Aging against its SQL floor -----------------------------------------------------------------

# What is outstanding on a day per invoice, the way billing.selectors reads it (credit notes dated
# by then; allocations made by then and not ended by then; never below zero), in six buckets by
# days past the due date, in the invoice's currency and in the base currency at its rate: the
# same sums as the selector's.
AGING_FLOOR = """
WITH credited AS (
    SELECT invoice_id, sum(total) AS s FROM billing_creditnote
    WHERE organization_id = %(org)s AND issue_date <= %(day)s GROUP BY invoice_id
), paid AS (
    SELECT invoice_id, sum(amount) AS s FROM billing_allocation
    WHERE organization_id = %(org)s AND allocated_on <= %(day)s AND (reversed_on IS NULL OR reversed_on > %(day)s)
    GROUP BY invoice_id
), open AS (
    SELECT {inner} b.currency, b.due_date, b.rate_to_base,
           greatest(b.total - coalesce(c.s, 0) - coalesce(p.s, 0), 0) AS outstanding
    FROM billing_invoice b
    LEFT JOIN credited c ON c.invoice_id = b.id
    LEFT JOIN paid p ON p.invoice_id = b.id
    WHERE b.organization_id = %(org)s AND b.status = 'issued' AND b.issue_date <= %(day)s
)
SELECT {outer} currency, {buckets}
FROM open GROUP BY {outer} currency HAVING sum(outstanding) > 0
"""


BUCKET_FILTERS = [
    "due_date >= %(day)s",
    "due_date < %(day)s AND due_date >= %(day)s - 30",
    "due_date < %(day)s - 30 AND due_date >= %(day)s - 60",
    "due_date < %(day)s - 60 AND due_date >= %(day)s - 90",
    "due_date < %(day)s - 90 AND due_date >= %(day)s - 120",
    "due_date < %(day)s - 120",
]
# Each bucket in the invoices' currency and, at each invoice's rate, in the base currency.
BUCKET_SUMS = ", ".join(
    [f"sum(outstanding) FILTER (WHERE {f})" for f in BUCKET_FILTERS]
    + [f"sum(outstanding * rate_to_base) FILTER (WHERE {f})" for f in BUCKET_FILTERS]
)


def _floor_rows(group_by: str, organization: Organization, day: date) -> dict:
    by_account = group_by == "account"
    sql = AGING_FLOOR.format(
        inner="b.account_id AS account_id," if by_account else "",
        outer="account_id," if by_account else "",
        buckets=BUCKET_SUMS,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"org": organization.pk, "day": day})
        rows = cursor.fetchall()
    if by_account:
        return {(r[0], r[1]): tuple(cents(v or ZERO) for v in r[2:8]) for r in rows}
    return {(None, r[0]): tuple(cents(v or ZERO) for v in r[1:7]) for r in rows}


def _selector_rows(group_by: str, organization: Organization, membership: Membership, day: date) -> dict:
    return {
        (row.key, row.currency): tuple(getattr(row.amounts, b) for b in BUCKETS)
        for row in aging(organization=organization, membership=membership, as_of=day, group_by=group_by)
    }


def measure_aging(tenant: BillingTenant, runs: int = 9) -> None:
    organization, day = tenant.organization, tenant.today
    with transaction.atomic(), tenant_scope(organization):
        finance = Membership.objects.get(organization=organization, user__email=tenant.finance_email)
        for group_by in ("tenant", "account"):
            same = _selector_rows(group_by, organization, finance, day) == _floor_rows(group_by, organization, day)
            took, floor = [], []
            for _ in range(runs):  # alternated, so the machine's other work weighs on both alike
                started = time.perf_counter()
                _selector_rows(group_by, organization, finance, day)
                took.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                _floor_rows(group_by, organization, day)
                floor.append((time.perf_counter() - started) * 1000)
            p50, floor50 = statistics.median(took), statistics.median(floor)
            print_line(
                {
                    "batch": f"aging_{group_by}",
                    "size": SIZE,
                    "runs": runs,
                    "p50_ms": round(p50, 2),
                    "sql_floor_ms": round(floor50, 2),
                    "ratio": round(p50 / floor50, 2),
                    "same_amounts_as_floor": same,
                    "within_goal": same and p50 <= BATCH_GOAL_RATIO * floor50,
                }
            )


# --- Statements ------------------------------------------------------------------------------------


def _statement_url(tenant: BillingTenant, start: date, fmt: str = "") -> str:
    query = f"start={start.isoformat()}&end={tenant.today.isoformat()}" + (f"&format={fmt}" if fmt else "")
    return f"/o/{SLUG}/billing/accounts/{tenant.busiest_account_id}/statement/?{query}"


def _timed_get(client: Client, url: str, runs: int) -> tuple[list[float], int, int]:
    timings, size, status = [], 0, 0
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        timings.append((time.perf_counter() - started) * 1000)
        size, status = len(body), response.status_code
    return timings, size, status


def measure_statement(tenant: BillingTenant, requests: int) -> None:
    client = _client(tenant.finance_email)
    lines = tenant.busiest_ledger_lines
    html_url = _statement_url(tenant, tenant.first_day)
    if _routed(html_url) and client.get(html_url).status_code != 404:
        html = _page("statement_html", client, html_url, tenant, max(20, requests // 5))
        if html is not None:
            print_line(
                {
                    "page": "statement_html",
                    "goal": "statement",
                    "lines": lines,
                    "p95_ms": html["p95_ms"],
                    "limit_ms": STATEMENT_HTML_GOAL_MS,
                    "within_goal": html["p95_ms"] <= STATEMENT_HTML_GOAL_MS,
                }
            )
        timings, size, status = _timed_get(client, _statement_url(tenant, tenant.first_day, "pdf"), 3)
        print_line(
            {
                "batch": "statement_pdf",
                "size": SIZE,
                "lines": lines,
                "status": status,
                "bytes": size,
                "p50_ms": round(statistics.median(timings), 1),
                "limit_ms": STATEMENT_PDF_GOAL_MS,
                "within_goal": status == 200 and statistics.median(timings) <= STATEMENT_PDF_GOAL_MS,
            }
        )
    else:
        print_line({"page": "statement_html", "url": html_url, "skipped": "not found"})
        print_line({"batch": "statement_pdf", "skipped": "the statement page is not there yet"})
        measure_statement_selector(tenant)
    for start, label in ((tenant.thousand_lines_start, "1000"), (tenant.first_day, str(lines))):
        run = subprocess.run(
            [sys.executable, "-m", "bench.billing_run", "--csv-rss", start.isoformat()],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if run.returncode != 0:
            print_line({"batch": "statement_csv", "lines": label, "error": run.stderr.strip().splitlines()[-1:]})
            continue
        print_line(json.loads(run.stdout.strip().splitlines()[-1]))


def measure_statement_selector(tenant: BillingTenant, runs: int = 5) -> None:
    """The statement's data without a page: billing.selectors.statement and its entries read."""
    organization = tenant.organization
    with transaction.atomic(), tenant_scope(organization):
        from accounts.models import Account

        account = Account.objects.get(organization=organization, pk=tenant.busiest_account_id)
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            report = statement(organization=organization, account=account, start=tenant.first_day, end=tenant.today)
            entries = list(report.entries)
            timings.append((time.perf_counter() - started) * 1000)
        print_line(
            {
                "batch": "statement_selector",
                "size": SIZE,
                "lines": len(entries),
                "runs": runs,
                "p50_ms": round(statistics.median(timings), 1),
                "closing_is_ledger": report.closing == entries[-1].balance,
                "note": "billing.selectors.statement with its entries read; the statement page is not there yet",
            }
        )


class _Sink:
    """Counts what a CSV writer writes, keeps none of it."""

    size = 0

    def write(self, text: str) -> None:
        self.size += len(text.encode())


def csv_rss(start: str) -> None:
    """In a process of its own: stream the busiest account's statement as CSV from `start` to
    today, and report the process's peak RSS before and after (ru_maxrss only grows: one
    process per size)."""
    organization = Organization.objects.get(slug=SLUG)
    with transaction.atomic(), tenant_scope(organization):
        tenant = tenant_facts(organization)
    day = date.fromisoformat(start)
    client = _client(tenant.finance_email)
    url = _statement_url(tenant, day, "csv")
    routed = _routed(url) and client.get(_statement_url(tenant, tenant.today, "csv")).status_code != 404
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    if routed:
        response = client.get(url)
        streamed = response.streaming
        size = sum(len(chunk) for chunk in response.streaming_content) if streamed else len(response.content)
        status = response.status_code
    else:
        sink, streamed, status = _Sink(), True, None
        with transaction.atomic(), tenant_scope(organization):
            from accounts.models import Account

            account = Account.objects.get(organization=organization, pk=tenant.busiest_account_id)
            report = statement(organization=organization, account=account, start=day, end=tenant.today)
            writer = csv.writer(sink, delimiter=";")
            for entry in report.entries.iterator(chunk_size=500):
                writer.writerow(
                    [entry.entry_date, entry.kind, entry.document_number, entry.debit, entry.credit, entry.balance]
                )
        size = sink.size
    took = (time.perf_counter() - started) * 1000
    with transaction.atomic(), tenant_scope(organization):
        from billing.models import LedgerEntry

        lines = LedgerEntry.objects.filter(
            organization=organization, account_id=tenant.busiest_account_id, entry_date__gte=day
        ).count()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "batch": "statement_csv" if routed else "statement_csv_selector",
                "size": SIZE,
                "lines": lines,
                "status": status,
                "streamed": streamed,
                "bytes": size,
                "ms": round(took, 1),
                "rss_before_mb": round(before / 1024, 1),
                "rss_peak_mb": round(peak / 1024, 1),
                "rss_growth_mb": round((peak - before) / 1024, 1),
            }
        ),
        flush=True,
    )


# --- Statements in bulk -------------------------------------------------------------------------------


def measure_bulk(tenant: BillingTenant) -> None:
    """The bulk statements of one sales team's accounts for last month, as finance asks for them
    (billing.services_statements.statement_batch_request) and the worker builds them
    (billing.tasks.statement_batch_build, run here in this process): the whole job and the time
    per statement, as CSV and as PDF."""
    from billing.models import StatementBatch
    from billing.services_statements import statement_batch_request
    from billing.statements import previous_month
    from billing.tasks import statement_batch_build
    from tenancy.models import Team

    organization = tenant.organization
    start, end = previous_month(tenant.today)
    for file_format in ("csv", "pdf"):
        with transaction.atomic(), tenant_scope(organization):
            finance = Membership.objects.get(organization=organization, user__email=tenant.finance_email)
            team = Team.objects.filter(organization=organization).order_by("id").first()
            StatementBatch.objects.filter(organization=organization).delete()  # a fresh job each run
            batch, _new = statement_batch_request(
                organization=organization,
                actor=finance,
                scope="team",
                team=team,
                period_start=start,
                period_end=end,
                file_format=file_format,
                language="es",
            )
        started = time.perf_counter()
        status = statement_batch_build.run(organization_id=organization.pk, batch_id=batch.pk)
        took = (time.perf_counter() - started) * 1000
        with transaction.atomic(), tenant_scope(organization):
            batch.refresh_from_db()
        accounts = batch.accounts_total or 1
        print_line(
            {
                "batch": f"statements_bulk_{file_format}",
                "size": SIZE,
                "status": status,
                "accounts": batch.accounts_total,
                "ms": round(took, 1),
                "ms_per_statement": round(took / accounts, 1),
            }
        )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--csv-rss", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.csv_rss:
        csv_rss(args.csv_rss)
        return
    tenant = generate_billing()
    with transaction.atomic(), tenant_scope(tenant.organization):
        print_line({"tenant": SLUG, "verified": verify(tenant.organization)})
    print_line(
        {
            "tenant": SLUG,
            "busiest_account_id": tenant.busiest_account_id,
            "busiest_ledger_lines": tenant.busiest_ledger_lines,
            "thousand_lines_from": tenant.thousand_lines_start.isoformat(),
        }
    )
    wanted = set(args.only or ("invoices", "receivables", "aging", "statement", "bulk"))
    if wanted & {"invoices", "receivables"}:
        measure_lists(tenant, args.requests)
    if "aging" in wanted:
        measure_aging(tenant)
    if "statement" in wanted:
        measure_statement(tenant, args.requests)
    if "bulk" in wanted:
        measure_bulk(tenant)


if __name__ == "__main__":
    main(sys.argv[1:])
