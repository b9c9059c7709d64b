"""Pages of the catalogue: the list with its exports, a product's page, the product, price and
obsolete forms, and the settings page of tax rates and categories.

Every member reads the catalogue; admins and finance keep it (catalog.permissions). A form
someone may not use answers 403 (they may know the page exists); a row of another
organisation, or of none, 404 (config.errors.RefusalMiddleware)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from catalog import selectors, services
from catalog.exports import product_filter
from catalog.forms import CategoryForm, ObsoleteForm, PriceForm, ProductForm, TaxRateForm
from catalog.models import Product
from catalog.permissions import can_change_catalog
from config.forms import submit
from tenancy.exports import list_export
from tenancy.htmx import render

PAGE_SIZE = 25


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _keeper_only(request: HttpRequest) -> None:
    if not can_change_catalog(request.membership):
        raise PermissionDenied


def _product_page(request: HttpRequest, product: Product) -> str:
    return reverse("product_detail", kwargs={"org_slug": request.organization.slug, "product_id": product.pk})


def _status(form) -> int:
    return 400 if form.errors else 200


# --- The list ------------------------------------------------------------------------------


@require_GET
def product_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    filterset = product_filter(organization=request.organization, query=request.GET).offer_choices()
    paginator = Paginator(filterset.qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    sort = (filterset.form.cleaned_data.get("sort") if filterset.is_valid() else None) or ["name"]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)),
        "sort": sort[0],
        "query": query.urlencode(),
        "active_filters": sum(1 for name in ("category", "kind", "status") if request.GET.get(name)),
        "can_edit": can_change_catalog(request.membership),
    }
    return render(request, "catalog/product_list.html", context, partial="product-results")


@require_http_methods(["GET", "POST"])
def product_export(request: HttpRequest, org_slug: str, fmt: str) -> HttpResponse:
    return list_export(request, kind="products", file_format=fmt)


# --- A product -----------------------------------------------------------------------------


@require_GET
def product_detail(request: HttpRequest, org_slug: str, product_id: int) -> HttpResponse:
    organization = request.organization
    product = selectors.product_get(organization=organization, product_id=product_id)
    context = {
        "product": product,
        "prices": list(product.prices.all()),
        "history": selectors.product_history(organization=organization, product=product),
        "can_edit": can_change_catalog(request.membership),
        "cards": selectors.product_page_cards(
            organization=organization, membership=request.membership, product=product
        ),
    }
    return render(request, "catalog/product_detail.html", context)


@require_http_methods(["GET", "POST"])
def product_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    _keeper_only(request)
    organization = request.organization
    form = ProductForm(request.POST if request.method == "POST" else None, organization=organization)
    product = form.is_bound and submit(
        form,
        lambda data: services.product_create(
            organization=organization, actor=request.membership, **form.service_data()
        ),
    )
    if product:
        messages.success(request, _("%(product)s was added to the catalogue.") % {"product": product})
        return _redirect(request, _product_page(request, product))
    context = {"form": form, "product": None}
    return render(request, "catalog/product_form.html", context, partial="product-form", status=_status(form))


@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, org_slug: str, product_id: int) -> HttpResponse:
    organization = request.organization
    product = selectors.product_get(organization=organization, product_id=product_id)
    _keeper_only(request)
    form = ProductForm(request.POST if request.method == "POST" else None, organization=organization, product=product)
    saved = form.is_bound and submit(
        form,
        lambda data: services.product_update(
            organization=organization, actor=request.membership, product=product, **form.service_data()
        ),
    )
    if saved:
        messages.success(request, _("%(product)s saved.") % {"product": saved})
        return _redirect(request, _product_page(request, saved))
    context = {"form": form, "product": product}
    return render(request, "catalog/product_form.html", context, partial="product-form", status=_status(form))


@require_http_methods(["GET", "POST"])
def product_price(request: HttpRequest, org_slug: str, product_id: int) -> HttpResponse:
    """The price of one currency (`?currency=`, the base currency at first): set or changed."""
    organization = request.organization
    product = selectors.product_get(organization=organization, product_id=product_id)
    _keeper_only(request)
    prices = {price.currency: price for price in product.prices.all()}
    if request.method == "POST":
        form = PriceForm(request.POST)
    else:
        currency = request.GET.get("currency", "").upper()
        currency = currency if currency in prices else organization.base_currency
        price = prices.get(currency)
        initial = {"currency": currency}
        if price is not None:
            initial |= {"list_price": price.list_price, "unit_cost": price.unit_cost}
        form = PriceForm(initial=initial)
    saved = form.is_bound and submit(
        form,
        lambda data: services.product_price_set(
            organization=organization, actor=request.membership, product=product, **data
        ),
    )
    if saved:
        messages.success(
            request,
            _("The %(currency)s price of %(product)s is saved.") % {"currency": saved.currency, "product": product},
        )
        return _redirect(request, _product_page(request, product) + "#prices")
    context = {"form": form, "product": product, "prices": prices}
    return render(request, "catalog/product_price.html", context, partial="price-form", status=_status(form))


@require_http_methods(["GET", "POST"])
def product_obsolete(request: HttpRequest, org_slug: str, product_id: int) -> HttpResponse:
    organization = request.organization
    product = selectors.product_get(organization=organization, product_id=product_id)
    _keeper_only(request)
    choices = selectors.replacement_choices(organization=organization, product=product)
    initial = {"replaced_by": product.replaced_by_id, "obsolete_on": product.obsolete_on} if product.is_obsolete else {}
    form = ObsoleteForm(request.POST if request.method == "POST" else None, choices=choices, initial=initial)
    saved = form.is_bound and submit(
        form,
        lambda data: services.product_make_obsolete(
            organization=organization, actor=request.membership, product=product, **data
        ),
    )
    if saved:
        messages.success(request, _("%(product)s is obsolete now.") % {"product": saved})
        return _redirect(request, _product_page(request, saved))
    context = {"form": form, "product": product}
    return render(request, "catalog/product_obsolete.html", context, partial="obsolete-form", status=_status(form))


@require_POST
def product_reactivate(request: HttpRequest, org_slug: str, product_id: int) -> HttpResponse:
    organization = request.organization
    product = selectors.product_get(organization=organization, product_id=product_id)
    _keeper_only(request)
    product = services.product_reactivate(organization=organization, actor=request.membership, product=product)
    messages.success(request, _("%(product)s is sold again.") % {"product": product})
    return _redirect(request, _product_page(request, product))


# --- Tax rates and categories ----------------------------------------------------------------


def _settings_page(request: HttpRequest) -> str:
    return reverse("catalog_settings", kwargs={"org_slug": request.organization.slug})


def _settings_context(request: HttpRequest, **forms) -> dict:
    organization = request.organization
    return {
        "tax_rates": selectors.tax_rate_list(organization=organization),
        "categories": selectors.category_list(organization=organization),
        "tax_rate_form": forms.get("tax_rate_form") or TaxRateForm(prefix="rate"),
        "category_form": forms.get("category_form") or CategoryForm(prefix="category"),
    }


@require_GET
def catalog_settings(request: HttpRequest, org_slug: str) -> HttpResponse:
    _keeper_only(request)
    return render(request, "catalog/settings.html", _settings_context(request))


@require_POST
def tax_rate_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    _keeper_only(request)
    form = TaxRateForm(request.POST, prefix="rate")
    tax_rate = submit(
        form,
        lambda data: services.tax_rate_create(organization=request.organization, actor=request.membership, **data),
    )
    if tax_rate:
        messages.success(request, _("Tax rate %(name)s added.") % {"name": tax_rate.name})
        return _redirect(request, _settings_page(request))
    return render(
        request,
        "catalog/settings.html",
        _settings_context(request, tax_rate_form=form),
        partial="tax-rates",
        status=400,
    )


@require_http_methods(["GET", "POST"])
def tax_rate_edit(request: HttpRequest, org_slug: str, tax_rate_id: int) -> HttpResponse:
    tax_rate = selectors.tax_rate_get(organization=request.organization, tax_rate_id=tax_rate_id)
    _keeper_only(request)
    initial = {name: getattr(tax_rate, name) for name in services.TAX_RATE_FIELDS}
    form = TaxRateForm(request.POST if request.method == "POST" else None, initial=initial, editing=True)
    saved = form.is_bound and submit(
        form,
        lambda data: services.tax_rate_update(
            organization=request.organization, actor=request.membership, tax_rate=tax_rate, **data
        ),
    )
    if saved:
        messages.success(request, _("Tax rate %(name)s saved.") % {"name": saved.name})
        return _redirect(request, _settings_page(request))
    context = {"form": form, "tax_rate": tax_rate}
    return render(request, "catalog/tax_rate_form.html", context, partial="tax-rate-form", status=_status(form))


@require_POST
def tax_rate_delete(request: HttpRequest, org_slug: str, tax_rate_id: int) -> HttpResponse:
    tax_rate = selectors.tax_rate_get(organization=request.organization, tax_rate_id=tax_rate_id)
    _keeper_only(request)
    kept = services.tax_rate_delete(organization=request.organization, actor=request.membership, tax_rate=tax_rate)
    if kept is None:
        messages.success(request, _("Tax rate %(name)s deleted.") % {"name": tax_rate.name})
    else:
        messages.success(
            request, _("Tax rate %(name)s is retired: it is kept for what was sold with it.") % {"name": kept.name}
        )
    return _redirect(request, _settings_page(request))


@require_POST
def category_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    _keeper_only(request)
    form = CategoryForm(request.POST, prefix="category")
    category = submit(
        form,
        lambda data: services.category_create(organization=request.organization, actor=request.membership, **data),
    )
    if category:
        messages.success(request, _("Category %(name)s added.") % {"name": category.name})
        return _redirect(request, _settings_page(request))
    return render(
        request,
        "catalog/settings.html",
        _settings_context(request, category_form=form),
        partial="categories",
        status=400,
    )


@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, org_slug: str, category_id: int) -> HttpResponse:
    category = selectors.category_get(organization=request.organization, category_id=category_id)
    _keeper_only(request)
    form = CategoryForm(request.POST if request.method == "POST" else None, initial={"name": category.name})
    saved = form.is_bound and submit(
        form,
        lambda data: services.category_update(
            organization=request.organization, actor=request.membership, category=category, **data
        ),
    )
    if saved:
        messages.success(request, _("Category %(name)s saved.") % {"name": saved.name})
        return _redirect(request, _settings_page(request))
    context = {"form": form, "category": category}
    return render(request, "catalog/category_form.html", context, partial="category-form", status=_status(form))


@require_POST
def category_delete(request: HttpRequest, org_slug: str, category_id: int) -> HttpResponse:
    category = selectors.category_get(organization=request.organization, category_id=category_id)
    _keeper_only(request)
    services.category_delete(organization=request.organization, actor=request.membership, category=category)
    messages.success(request, _("Category %(name)s deleted.") % {"name": category.name})
    return _redirect(request, _settings_page(request))
