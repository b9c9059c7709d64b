"""Pages of clients: the directory with its exports, a client's page, the client form, and
contacts edited in place.

The directory is shared by everyone in the organisation; finance reads it, the other roles
also keep it (clients.permissions). What is private per person is the accounts,
so a client's page loads the accounts the person may see from the accounts app (which may
read clients; clients never reads accounts).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from clients import selectors, services
from clients.exports import client_filter
from clients.forms import ClientForm, ContactForm
from clients.models import Client, ClientStatus, Sector
from clients.permissions import can_change_clients
from config.forms import submit
from tenancy.exports import list_export
from tenancy.htmx import render
from tenancy.text import choice_labels

PAGE_SIZE = 25


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# --- The directory -------------------------------------------------------------------------


def _with_labels(clients) -> list[Client]:
    """Each row's sector and status labels (`sector_label`, `status_label`), each translated
    once for the page: get_FOO_display translates every choice of the field on each call."""
    rows = list(clients)
    sector, status = choice_labels(Sector), choice_labels(ClientStatus)
    for client in rows:
        client.sector_label = sector.get(client.sector, client.sector)
        client.status_label = status.get(client.status, client.status)
    return rows


@require_GET
def client_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    filterset = client_filter(organization=request.organization, query=request.GET)
    paginator = Paginator(filterset.qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = _with_labels(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)),
        "sort": (filterset.form.cleaned_data.get("sort") or ["name"])[0],
        "query": query.urlencode(),
        "active_filters": sum(1 for name in ("status", "sector", "size_band", "country") if request.GET.get(name)),
        "can_edit": can_change_clients(request.membership),
    }
    return render(request, "clients/client_list.html", context, partial="client-results")


@require_http_methods(["GET", "POST"])
def client_export(request: HttpRequest, org_slug: str, fmt: str) -> HttpResponse:
    return list_export(request, kind="clients", file_format=fmt)


# --- A client ------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, client: Client, contact_form: ContactForm | None = None) -> dict:
    can_edit = can_change_clients(request.membership)
    if can_edit and contact_form is None:
        contact_form = ContactForm(
            initial=ContactForm.initial_for(None, language=request.organization.default_language), prefix="contact"
        )
    return {
        "client": client,
        "contacts": client.contacts.all(),
        "can_edit": can_edit,
        "contact_form": contact_form if can_edit else None,
    }


def _client_page(request: HttpRequest, client: Client) -> str:
    return reverse("client_detail", kwargs={"org_slug": request.organization.slug, "client_id": client.pk})


@require_GET
def client_detail(request: HttpRequest, org_slug: str, client_id: int) -> HttpResponse:
    client = selectors.client_get(organization=request.organization, client_id=client_id)
    return render(request, "clients/client_detail.html", _detail_context(request, client))


@require_http_methods(["GET", "POST"])
def client_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    if not can_change_clients(request.membership):
        raise PermissionDenied
    form = ClientForm(request.POST if request.method == "POST" else None)
    client = form.is_bound and submit(
        form,
        lambda data: services.client_create(organization=request.organization, actor=request.membership, **data),
        ClientForm.refusal_aliases,
    )
    if client:
        messages.success(request, _("Client %(name)s was created.") % {"name": client.display_name})
        return _redirect(request, _client_page(request, client))
    context = {"form": form, "client": None}
    return render(
        request, "clients/client_form.html", context, partial="client-form", status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
def client_edit(request: HttpRequest, org_slug: str, client_id: int) -> HttpResponse:
    if not can_change_clients(request.membership):
        raise PermissionDenied
    client = selectors.client_get(organization=request.organization, client_id=client_id)
    form = ClientForm(request.POST if request.method == "POST" else None, initial=ClientForm.initial_for(client))
    saved = form.is_bound and submit(
        form,
        lambda data: services.client_update(
            organization=request.organization, actor=request.membership, client=client, **data
        ),
        ClientForm.refusal_aliases,
    )
    if saved:
        messages.success(request, _("Client %(name)s saved.") % {"name": saved.display_name})
        return _redirect(request, _client_page(request, saved))
    context = {"form": form, "client": client}
    return render(
        request, "clients/client_form.html", context, partial="client-form", status=400 if form.errors else 200
    )


# --- Contacts, in place on the client's page ----------------------------------------------


@require_POST
def contact_create(request: HttpRequest, org_slug: str, client_id: int) -> HttpResponse:
    client = selectors.client_get(organization=request.organization, client_id=client_id)
    if not can_change_clients(request.membership):
        raise PermissionDenied
    form = ContactForm(request.POST, prefix="contact")
    contact = submit(
        form,
        lambda data: services.contact_create(
            organization=request.organization, actor=request.membership, client=client, **data
        ),
    )
    if contact:
        messages.success(request, _("%(name)s was added to the contacts.") % {"name": contact.full_name})
        if not request.htmx:
            return redirect(_client_page(request, client) + "#contacts")
        # The panel again, with the new contact and whoever is primary now.
        client = selectors.client_get(organization=request.organization, client_id=client.pk)
        form = None
    return render(
        request,
        "clients/client_detail.html",
        _detail_context(request, client, form),
        partial="contacts-panel",
        status=400 if form is not None and form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, org_slug: str, contact_id: int) -> HttpResponse:
    """A contact's row: as it reads, as a form (?edit=1), or saved from that form."""
    contact = selectors.contact_get(organization=request.organization, contact_id=contact_id)
    can_edit = can_change_clients(request.membership)
    editing = request.method == "POST" or request.GET.get("edit") == "1"
    if editing and not can_edit:
        raise PermissionDenied
    prefix = f"c{contact.pk}"
    form = None
    if request.method == "POST":
        form = ContactForm(request.POST, prefix=prefix)
        was_primary = contact.is_primary
        saved = submit(
            form,
            lambda data: services.contact_update(
                organization=request.organization, actor=request.membership, contact=contact, **data
            ),
        )
        if saved:
            messages.success(request, _("Contact %(name)s saved.") % {"name": saved.full_name})
            if not request.htmx:
                return redirect(reverse("client_detail", args=[org_slug, saved.client_id]) + "#contacts")
            if saved.is_primary != was_primary:
                # Who is primary changed, and with it the order and another row's badge.
                client = selectors.client_get(organization=request.organization, client_id=saved.client_id)
                response = render(
                    request, "clients/client_detail.html", _detail_context(request, client), partial="contacts-panel"
                )
                return reswap(retarget(response, "#contacts-panel"), "outerHTML")
            contact, form = saved, None
    elif editing:
        form = ContactForm(initial=ContactForm.initial_for(contact), prefix=prefix)
    context = {"c": contact, "form": form, "editing": form is not None, "can_edit": can_edit}
    status = 400 if form is not None and form.errors else 200
    return render(request, "clients/contact_edit.html", context, partial="contact-row", status=status)
