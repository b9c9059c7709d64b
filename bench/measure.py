"""Measure pages: server time per request, query count, and the SQL floor.

For each page and tenant size: `requests` GETs through Django's handler in this process
(server time: no network, no browser), the exact queries of one request, and
`sql_floor_ms`: the same SQL statements replayed through the raw database connection in
one transaction with the tenant setting, i.e. the least any implementation issuing that
SQL could take. Requests and replays alternate, so whatever else the machine is doing
weighs on both alike. One JSON line per page and size.
"""

from __future__ import annotations

import json
import statistics
import time

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _replay(queries: list[dict], organization_id: int) -> float:
    """Time the raw SQL of one request once, in its own transaction."""
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg2's own cursor: no Django wrapper around execute
        started = time.perf_counter()
        with transaction.atomic():
            raw.execute("SELECT set_config('app.organization_id', %s, true)", [str(organization_id)])
            for query in queries:
                raw.execute(query["sql_raw"], query["params"])
                if raw.description is not None:
                    raw.fetchall()
        return (time.perf_counter() - started) * 1000


class _RawCapture(CaptureQueriesContext):
    """Keep each query's SQL and parameters as the driver received them."""

    def __enter__(self):
        self.raw = []
        self._wrapper = connection.execute_wrapper(self._record)
        self._wrapper.__enter__()
        return super().__enter__()

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)
        return super().__exit__(*exc)

    def _record(self, execute, sql, params, many, context):
        self.raw.append({"sql_raw": sql, "params": params})
        return execute(sql, params, many, context)


def measure_page(
    *, name: str, size: str, client: Client, url: str, organization_id: int, requests: int = 200, warmup: int = 10
) -> dict:
    for _ in range(warmup):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    with _RawCapture(connection) as captured:
        client.get(url)
    # The floor replays what the view itself asked, not the session and auth look-ups
    # that every request pays before the tenant transaction opens.
    queries = [q for q in captured.raw if "set_config" not in q["sql_raw"]]
    timings, floors, cpu = [], [], []
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        floors.append(_replay(queries, organization_id))
    floor = statistics.median(floors)
    p50 = statistics.median(timings)
    return {
        "page": name,
        "size": size,
        "requests": requests,
        "p50_ms": round(p50, 2),
        "p95_ms": round(_percentile(timings, 0.95), 2),
        "queries": len(captured.raw),
        "sql_floor_ms": round(floor, 2),
        "ratio": round(p50 / floor, 2) if floor else None,
        # This process's CPU per request (Python: views, templates, the driver), waits excluded:
        # on a busy machine, with the SQL floor, a bound on what a quiet one would take.
        "python_cpu_p50_ms": round(statistics.median(cpu), 2),
    }


def _replay_rolled_back(queries: list[dict], organization_id: int) -> float:
    """Time a write request's raw SQL once, in a transaction rolled back (the rows stay as the
    request left them, so the next request does the same work)."""
    with connection.cursor() as cursor:
        raw = cursor.cursor
        started = time.perf_counter()
        with transaction.atomic():
            raw.execute("SELECT set_config('app.organization_id', %s, true)", [str(organization_id)])
            for query in queries:
                raw.execute(query["sql_raw"], query["params"])
                if raw.description is not None:
                    raw.fetchall()
            took = (time.perf_counter() - started) * 1000
            transaction.set_rollback(True)
        return took


def measure_post(
    *,
    name: str,
    size: str,
    client: Client,
    url: str,
    payloads: list[dict],
    organization_id: int,
    headers: dict | None = None,
    expect: int = 200,
    requests: int = 200,
    warmup: int = 10,
) -> dict:
    """A write (an htmx form post): `requests` POSTs cycling through `payloads` (so each one
    changes something), server time per request, the queries of one, and their SQL floor
    replayed in a transaction rolled back."""
    headers = headers or {}
    for n in range(warmup):
        response = client.post(url, payloads[n % len(payloads)], headers=headers)
        assert response.status_code == expect, (url, response.status_code, response.content[:500])
    with _RawCapture(connection) as captured:
        client.post(url, payloads[warmup % len(payloads)], headers=headers)
    queries = [q for q in captured.raw if "set_config" not in q["sql_raw"]]
    timings, floors, cpu = [], [], []
    for n in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        client.post(url, payloads[(warmup + 1 + n) % len(payloads)], headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        floors.append(_replay_rolled_back(queries, organization_id))
    floor = statistics.median(floors)
    p50 = statistics.median(timings)
    return {
        "page": name,
        "size": size,
        "method": "POST",
        "requests": requests,
        "p50_ms": round(p50, 2),
        "p95_ms": round(_percentile(timings, 0.95), 2),
        "queries": len(captured.raw),
        "sql_floor_ms": round(floor, 2),
        "ratio": round(p50 / floor, 2) if floor else None,
        "python_cpu_p50_ms": round(statistics.median(cpu), 2),
    }


PAGE_GOAL_MS = 60.0  # p95 of server time at the large tenant
PAGE_GROWTH = 3.0  # the large tenant's p95 at most this many times the small tenant's
BATCH_GOAL_RATIO = 1.5  # batch work at most this many times its set-based SQL floor


def page_goal(small: dict, large: dict) -> dict:
    """The page goal: p95 at most 60 ms at the large tenant and at most three times the small
    tenant's p95 (the cost barely grows with the data); the same query count at both sizes."""
    limit = min(PAGE_GOAL_MS, PAGE_GROWTH * small["p95_ms"])
    return {
        "page": large["page"],
        "goal": "summary",
        "p95_small_ms": small["p95_ms"],
        "p95_large_ms": large["p95_ms"],
        "growth": round(large["p95_ms"] / small["p95_ms"], 2),
        "limit_ms": round(limit, 2),
        "same_queries": small["queries"] == large["queries"],
        "within_goal": large["p95_ms"] <= limit and small["queries"] == large["queries"],
    }


def measure_batch(*, name: str, size: str, work, organization_id: int, runs: int = 5) -> dict:
    """Batch work (an export, a statement run): its time against the SQL it issues, replayed
    raw (the set-based floor). `work()` runs inside the caller's tenant scope."""
    with _RawCapture(connection) as captured:
        work()
    queries = [q for q in captured.raw if "set_config" not in q["sql_raw"]]
    timings, floors = [], []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append((time.perf_counter() - started) * 1000)
        floors.append(_replay(queries, organization_id))
    took, floor = statistics.median(timings), statistics.median(floors)
    return {
        "batch": name,
        "size": size,
        "runs": runs,
        "p50_ms": round(took, 2),
        "queries": len(captured.raw),
        "sql_floor_ms": round(floor, 2),
        "ratio": round(took / floor, 2),
        "within_goal": took <= BATCH_GOAL_RATIO * floor,
    }


def print_line(result: dict) -> None:
    print(json.dumps(result), flush=True)
