"""Pages of clients: the directory with its exports, a client's page, the client form, and
contacts edited in place.

The directory is shared by everyone in the organisation; finance reads it, the other roles
also keep it (clients.services.can_edit_clients). What is private per person is the accounts,
so a client's page loads the accounts the person may see from the accounts app (which may
read clients; clients never reads accounts).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from clients import selectors, services
from clients.filters import ClientFilter
from clients.forms import ClientForm, ContactForm, label_client_filter
from clients.models import Client, Contact
from config.errors import ApplicationError
from tenancy.exports import csv_response, xlsx_response
from tenancy.htmx import render

PAGE_SIZE = 25


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _require_editor(request: HttpRequest) -> None:
    if not services.can_edit_clients(request.membership):
        raise PermissionDenied


def _refuse_if_forbidden(error: ApplicationError) -> None:
    if error.status == 403:
        raise PermissionDenied(error.message)


def _client_or_404(request: HttpRequest, client_id: int) -> Client:
    try:
        return selectors.client_get(organization=request.organization, client_id=client_id)
    except Client.DoesNotExist:
        raise Http404


def _contact_or_404(request: HttpRequest, contact_id: int) -> Contact:
    try:
        return selectors.contact_get(organization=request.organization, contact_id=contact_id)
    except Contact.DoesNotExist:
        raise Http404


# --- The directory -------------------------------------------------------------------------


def _client_filter(request: HttpRequest) -> ClientFilter:
    # Always bound (an empty QueryDict too): the FilterSet's default sort reads cleaned data.
    filterset = ClientFilter(request.GET, queryset=selectors.client_list(organization=request.organization))
    return label_client_filter(filterset)


@require_GET
def client_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    filterset = _client_filter(request)
    paginator = Paginator(filterset.qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "filter": filterset,
        "page": page,
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1))
        if paginator.num_pages > 1
        else [],
        "active_filters": sum(1 for name in ("status", "sector", "size_band", "country") if request.GET.get(name)),
        "can_edit": services.can_edit_clients(request.membership),
    }
    return render(request, "clients/client_list.html", context, partial="client-results")


def _export_header() -> list[str]:
    return [_("Legal name"), _("Trade name"), _("Tax id"), _("Sector"), _("City"), _("Status"), _("Contacts")]


def _export_rows(request: HttpRequest):
    """Exactly the rows of the list as filtered and sorted, every page of them."""
    for c in _client_filter(request).qs:
        yield [
            c.legal_name,
            c.trade_name,
            c.tax_id,
            str(c.get_sector_display()),
            c.city,
            str(c.get_status_display()),
            c.contact_count,
        ]


def _export_filename(request: HttpRequest) -> str:
    return f"clients-{request.organization.slug}-{timezone.localdate().isoformat()}"


@require_GET
def client_export_csv(request: HttpRequest, org_slug: str) -> HttpResponse:
    return csv_response(_export_filename(request), _export_header(), _export_rows(request))


@require_GET
def client_export_xlsx(request: HttpRequest, org_slug: str) -> HttpResponse:
    return xlsx_response(_export_filename(request), _export_header(), _export_rows(request), sheet=_("Clients"))


# --- A client ------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, client: Client, contact_form: ContactForm | None = None) -> dict:
    can_edit = services.can_edit_clients(request.membership)
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


@require_GET
def client_detail(request: HttpRequest, org_slug: str, client_id: int) -> HttpResponse:
    client = _client_or_404(request, client_id)
    return render(request, "clients/client_detail.html", _detail_context(request, client))


@require_http_methods(["GET", "POST"])
def client_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    _require_editor(request)
    form = ClientForm(request.POST if request.method == "POST" else None, initial=ClientForm.initial_for(None))
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_create(
                organization=request.organization, actor=request.membership, **form.cleaned_data
            )
        except ApplicationError as error:
            _refuse_if_forbidden(error)
            form.add_application_error(error)
        else:
            messages.success(request, _("Client %(name)s was created.") % {"name": client.display_name})
            return _redirect(request, reverse("client_detail", kwargs={"org_slug": org_slug, "client_id": client.pk}))
    status = 400 if form.has_errors else 200
    return render(
        request, "clients/client_form.html", {"form": form, "client": None}, partial="client-form", status=status
    )


@require_http_methods(["GET", "POST"])
def client_edit(request: HttpRequest, org_slug: str, client_id: int) -> HttpResponse:
    _require_editor(request)
    client = _client_or_404(request, client_id)
    form = ClientForm(request.POST if request.method == "POST" else None, initial=ClientForm.initial_for(client))
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_update(
                organization=request.organization, actor=request.membership, client=client, **form.cleaned_data
            )
        except ApplicationError as error:
            _refuse_if_forbidden(error)
            form.add_application_error(error)
        else:
            messages.success(request, _("Client %(name)s saved.") % {"name": client.display_name})
            return _redirect(request, reverse("client_detail", kwargs={"org_slug": org_slug, "client_id": client.pk}))
    status = 400 if form.has_errors else 200
    return render(
        request, "clients/client_form.html", {"form": form, "client": client}, partial="client-form", status=status
    )


# --- Contacts, in place on the client's page ----------------------------------------------


@require_POST
def contact_create(request: HttpRequest, org_slug: str, client_id: int) -> HttpResponse:
    client = _client_or_404(request, client_id)
    _require_editor(request)
    form = ContactForm(request.POST, prefix="contact")
    if form.is_valid():
        try:
            contact = services.contact_create(
                organization=request.organization, actor=request.membership, client=client, **form.cleaned_data
            )
        except ApplicationError as error:
            _refuse_if_forbidden(error)
            form.add_application_error(error)
        else:
            messages.success(request, _("%(name)s was added to the contacts.") % {"name": contact.full_name})
            if not request.htmx:
                return redirect(
                    reverse("client_detail", kwargs={"org_slug": org_slug, "client_id": client.pk}) + "#contacts"
                )
            client = _client_or_404(request, client.pk)  # the new contact, and who is primary now
            form = None
    status = 400 if form is not None and form.has_errors else 200
    return render(
        request,
        "clients/client_detail.html",
        _detail_context(request, client, form),
        partial="contacts-panel",
        status=status,
    )


@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, org_slug: str, contact_id: int) -> HttpResponse:
    contact = _contact_or_404(request, contact_id)
    can_edit = services.can_edit_clients(request.membership)
    prefix = f"c{contact.pk}"
    form = None
    status = 200
    if request.method == "GET":
        if request.GET.get("edit") == "1":
            _require_editor(request)
            form = ContactForm(initial=ContactForm.initial_for(contact), prefix=prefix)
    else:
        _require_editor(request)
        form = ContactForm(request.POST, prefix=prefix)
        if form.is_valid():
            was_primary = contact.is_primary
            try:
                contact = services.contact_update(
                    organization=request.organization, actor=request.membership, contact=contact, **form.cleaned_data
                )
            except ApplicationError as error:
                _refuse_if_forbidden(error)
                form.add_application_error(error)
            else:
                messages.success(request, _("Contact %(name)s saved.") % {"name": contact.full_name})
                detail_url = reverse("client_detail", kwargs={"org_slug": org_slug, "client_id": contact.client_id})
                if not request.htmx:
                    return redirect(detail_url + "#contacts")
                if contact.is_primary != was_primary:
                    # Who is primary changed, and with it the order and another row's badge.
                    client = _client_or_404(request, contact.client_id)
                    response = render(
                        request,
                        "clients/client_detail.html",
                        _detail_context(request, client),
                        partial="contacts-panel",
                    )
                    return reswap(retarget(response, "#contacts-panel"), "outerHTML")
                form = None
        if form is not None:
            status = 400
    context = {"c": contact, "form": form, "editing": form is not None, "can_edit": can_edit}
    return render(request, "clients/contact_edit.html", context, partial="contact-row", status=status)
