"""The receivables page: the aging of the accounts the person sees (every account for finance
and admins; their own, or their teams', for account executives and leads), grouped by account,
account executive or team, with its totals, a chart of the buckets beside their table, the DSO
of a period, and the exports of exactly what it shows."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET, require_http_methods

from billing.filters_receivables import receivables_filter, receivables_report
from billing.receivables import BUCKET_CHOICES, Group
from tenancy.exports import list_export
from tenancy.htmx import render

PAGE_SIZE = 25


def _chart(aging) -> dict:
    """The chart's data: one stacked bar per bucket, a part per currency, in the base currency
    (at the documents' rates) so that the parts add up; the table beside it says the same."""
    return {
        "labels": [str(label) for _key, label in BUCKET_CHOICES],
        "currency": aging.base_currency,
        "datasets": [{"label": t.currency, "data": [str(v) for v in t.base.buckets]} for t in aging.totals],
    }


def _bucket_table(aging) -> list[tuple]:
    """The table beside the chart: each bucket, its amount in each currency, and in the base
    currency."""
    return [
        (key, label, [(t.currency, getattr(t.amounts, key)) for t in aging.totals], getattr(aging.base_total, key))
        for key, label in BUCKET_CHOICES
    ]


def _share(part: Decimal, whole: Decimal) -> int:
    return int((part * 100 / whole).to_integral_value(ROUND_HALF_UP)) if whole else 0


@require_GET
def receivables(request: HttpRequest, org_slug: str) -> HttpResponse:
    filterset = receivables_filter(
        organization=request.organization, membership=request.membership, query=request.GET
    ).offer_choices()
    report = receivables_report(filterset)
    paginator = Paginator(report.aging.rows, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "report": report,
        "aging": report.aging,
        "dso": report.dso,
        "page": page,
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)),
        "sort": report.sort,
        "query": query.urlencode(),
        "buckets": BUCKET_CHOICES,
        "groups": Group.CHOICES,
        "chart": _chart(report.aging),
        "bucket_table": _bucket_table(report.aging),
        "overdue_pct": _share(report.aging.base_total.overdue, report.aging.base_total.outstanding),
    }
    return render(request, "billing/receivables.html", context, partial="results")


@require_http_methods(["GET", "POST"])
def receivables_export(request: HttpRequest, org_slug: str, fmt: str) -> HttpResponse:
    return list_export(request, kind="receivables", file_format=fmt)
