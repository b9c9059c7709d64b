"""Pages of products that change (issue 13, point 6), reached from the catalogue's product page
(offers.selectors_products.product_page_card, through catalog's `product_page_card` hook):

- an obsolete product's accounts to move, each with a one-click draft offer of its successor;
- a launched product's accounts that bought in its category, each with an "Inform" button that
  logs an activity on the account, once.

Only the accounts the person sees (finance and admins see all); refusals of the services become
the page's message (config.errors.RefusalMiddleware)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import ActivityKind
from accounts.selectors import account_get
from catalog.selectors import product_successor
from offers import selectors_products, services_products
from offers.filters_products import LaunchAccountFilter, ReplacementAccountFilter
from tenancy.htmx import render

PAGE_SIZE = 25


def _list_context(request: HttpRequest, filterset, default_sort: str, filters: tuple[str, ...]) -> dict:
    paginator = Paginator(filterset.qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    sort = (filterset.form.cleaned_data.get("sort") if filterset.is_valid() else None) or [default_sort]
    return {
        "filter": filterset,
        "page": page,
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)),
        "sort": sort[0],
        "active_filters": sum(1 for name in filters if request.GET.get(name)),
        "can_draft": request.membership.is_account_executive or request.membership.is_sales_lead,
    }


@require_GET
def product_replacements(request: HttpRequest, org_slug: str, product_id: int) -> HttpResponse:
    """An obsolete product's accounts to move to its successor."""
    organization, membership = request.organization, request.membership
    product = selectors_products.product_for_page(organization=organization, product_id=product_id)
    accounts = selectors_products.obsolete_product_accounts(
        organization=organization, membership=membership, product=product
    )
    filterset = ReplacementAccountFilter(
        request.GET, queryset=accounts, organization=organization, membership=membership
    )
    context = _list_context(request, filterset, "account", ("q", "has", "owner"))
    context |= {
        "product": product,
        "successor": product_successor(organization=organization, product=product),
    }
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
    accounts = selectors_products.launch_accounts(organization=organization, membership=membership, product=product)
    filterset = LaunchAccountFilter(request.GET, queryset=accounts, organization=organization, membership=membership)
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
