"""Pages of products that change (issue 13, point 6), reached from the catalogue's product page
(offers.selectors_products.product_page_card, through catalog's `product_page_card` hook):

- an obsolete product's accounts to move, each with a one-click draft offer of its successor;
- a launched product's accounts that bought in its category, each with an "Inform" button that
  logs an activity on the account, once.

Only the accounts the person sees (finance and admins see all); refusals of the services become
the page's message (config.errors.RefusalMiddleware)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import ActivityKind
from accounts.selectors import account_get
from catalog.selectors import product_successor
from offers import selectors_products, services_products
from offers.exports_products import launch_filter, query_product, replacement_filter
from tenancy.exports import list_export
from tenancy.htmx import render
from tenancy.lists import list_context


def _list_context(request: HttpRequest, filterset, default_sort: str, filters: tuple[str, ...]) -> dict:
    can_draft = request.membership.is_account_executive or request.membership.is_sales_lead
    return list_context(request, filterset, default_sort, filters) | {"can_draft": can_draft}


@require_GET
def product_replacements(request: HttpRequest, org_slug: str, product_id: int) -> HttpResponse:
    """An obsolete product's accounts to move to its successor."""
    organization, membership = request.organization, request.membership
    product = selectors_products.product_for_page(organization=organization, product_id=product_id)
    successor = product_successor(organization=organization, product=product)
    filterset = replacement_filter(
        organization=organization, membership=membership, product=product, successor=successor, query=request.GET
    )
    context = _list_context(request, filterset, "account", ("q", "has", "owner"))
    context |= {"product": product, "successor": successor}
    return render(request, "offers/products_replacements.html", context, partial="replacement-results")


@require_POST
def product_replacement_draft(request: HttpRequest, org_slug: str, product_id: int, account_id: int) -> HttpResponse:
    """One click: a draft offer of the successor on the account; its page next."""
    organization, membership = request.organization, request.membership
    product = selectors_products.product_for_page(organization=organization, product_id=product_id)
    account = account_get(organization=organization, membership=membership, account_id=account_id)
    offer = services_products.product_replacement_offer_draft(
        organization=organization, actor=membership, product=product, account=account
    )
    messages.success(
        request, _("Offer %(number)s drafted with the replacement: check it and submit it.") % {"number": offer.number}
    )
    return redirect(reverse("offer_detail", kwargs={"org_slug": organization.slug, "offer_id": offer.pk}))


@require_GET
def product_launch(request: HttpRequest, org_slug: str, product_id: int) -> HttpResponse:
    """A launched product's accounts that bought in its category in the last 12 months."""
    organization, membership = request.organization, request.membership
    product = selectors_products.product_for_page(organization=organization, product_id=product_id)
    filterset = launch_filter(organization=organization, membership=membership, product=product, query=request.GET)
    context = _list_context(request, filterset, "account", ("q", "informed", "owner"))
    context |= {
        "product": product,
        "launched_on": selectors_products.launched_on(product),
        "inform_kinds": [(kind, ActivityKind(kind).label) for kind in services_products.INFORM_KINDS],
    }
    return render(request, "offers/products_launch.html", context, partial="launch-results")


@require_POST
def product_launch_inform(request: HttpRequest, org_slug: str, product_id: int, account_id: int) -> HttpResponse:
    organization, membership = request.organization, request.membership
    product = selectors_products.product_for_page(organization=organization, product_id=product_id)
    account = account_get(organization=organization, membership=membership, account_id=account_id)
    services_products.product_launch_inform(
        organization=organization,
        actor=membership,
        product=product,
        account=account,
        kind=request.POST.get("kind") or ActivityKind.EMAIL,
    )
    messages.success(
        request,
        _("%(account)s is informed of %(product)s: the activity is on the account.")
        % {"account": account.name, "product": product.name},
    )
    back = reverse("product_launch", kwargs={"org_slug": organization.slug, "product_id": product.pk})
    query = request.POST.get("next_query", "")
    return redirect(f"{back}?{query}" if query else back)


# --- Exports (offers.exports_products): the product travels in the query ---------------------


def _with_product(request: HttpRequest, product_id: int) -> None:
    query = request.GET.copy()
    query.pop("page", None)
    query["product"] = str(product_id)
    request.GET = query


@require_http_methods(["GET", "POST"])
def product_replacements_export(request: HttpRequest, org_slug: str, product_id: int, fmt: str) -> HttpResponse:
    _with_product(request, product_id)
    return list_export(request, kind="product_replacements", file_format=fmt)


@require_http_methods(["GET", "POST"])
def product_launch_export(request: HttpRequest, org_slug: str, product_id: int, fmt: str) -> HttpResponse:
    _with_product(request, product_id)
    return list_export(request, kind="product_launch", file_format=fmt)


def _product_list(request: HttpRequest, url_name: str) -> HttpResponse:
    """The way back from an export, which knows the list by its query alone: the product's page
    with the same filters; the catalogue, to choose one, when the query names no product."""
    if "product" not in request.GET:
        return redirect(reverse("products", kwargs={"org_slug": request.organization.slug}))
    product = query_product(organization=request.organization, query=request.GET)
    query = request.GET.copy()
    query.pop("product")
    url = reverse(url_name, kwargs={"org_slug": request.organization.slug, "product_id": product.pk})
    return redirect(f"{url}?{query.urlencode()}" if query else url)


@require_GET
def product_replacements_of(request: HttpRequest, org_slug: str) -> HttpResponse:
    return _product_list(request, "product_replacements")


@require_GET
def product_launch_of(request: HttpRequest, org_slug: str) -> HttpResponse:
    return _product_list(request, "product_launch")
