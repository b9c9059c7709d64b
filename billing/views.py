"""Pages of billing: invoices (the list with its exports, an invoice's page with its lines
edited in place, the new-invoice form, a draft's header, deleting and issuing a draft,
crediting an issued one) and credit notes (the list with its exports, a credit note's page).

Who may (billing.permissions): everyone reads the invoices and credit notes of the accounts
they see; finance alone writes. A document of an account one may not see answers 404, like one
that does not exist; a form of a document one sees but may not change, 403
(config.errors.RefusalMiddleware)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.selectors import visible_accounts
from billing import permissions, selectors, services
from billing.exports import credit_note_filter, invoice_filter
from billing.forms import CreditForm, InvoiceCreateForm, InvoiceEditForm, LineChoices, LineForm, submit_with_lines
from billing.models import Invoice, InvoiceLine
from config.forms import submit
from tenancy.exports import list_export
from tenancy.htmx import render
from tenancy.lists import list_context


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _status(form) -> int:
    return 400 if form.errors else 200


def _books_only(request: HttpRequest, allowed: bool) -> None:
    """Finance keeps the books: whoever else sees the page may not use its form."""
    if not allowed:
        raise PermissionDenied


def _issued(request: HttpRequest, invoice: Invoice, message: str | None = None) -> HttpResponse | None:
    """A draft's form asked of an issued invoice: back to the invoice, saying why (the service
    would refuse it in any case); None for a draft."""
    if invoice.is_draft:
        return None
    messages.error(request, message or _("An issued invoice cannot be changed: correct it with a credit note."))
    return _redirect(request, _invoice_page(request, invoice))


def _invoice(request: HttpRequest, invoice_id: int) -> Invoice:
    return selectors.invoice_get(
        organization=request.organization, membership=request.membership, invoice_id=invoice_id
    )


def _invoice_page(request: HttpRequest, invoice: Invoice) -> str:
    return reverse("invoice_detail", kwargs={"org_slug": request.organization.slug, "invoice_id": invoice.pk})


# --- Invoices: the list ------------------------------------------------------------------------


@require_GET
def invoice_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    filterset = invoice_filter(
        organization=request.organization, membership=request.membership, query=request.GET
    ).offer_choices()
    filters = ("status", "account", "overdue", "issued_from", "issued_to", "due_from", "due_to")
    context = list_context(request, filterset, "-issue_date", filters)
    context["can_create"] = permissions.can_create_invoice(request.membership)
    return render(request, "billing/invoice_list.html", context, partial="invoice-results")


@require_http_methods(["GET", "POST"])
def invoice_export(request: HttpRequest, org_slug: str, fmt: str) -> HttpResponse:
    return list_export(request, kind="invoices", file_format=fmt)


# --- An invoice -----------------------------------------------------------------------------


def _detail_context(request: HttpRequest, invoice_id: int, **extra) -> dict:
    detail = selectors.invoice_detail(
        organization=request.organization, membership=request.membership, invoice_id=invoice_id
    )
    membership, invoice = request.membership, detail.invoice
    editable = invoice.is_draft and permissions.can_create_invoice(membership, invoice.account)
    context = {
        "d": detail,
        "invoice": invoice,
        "editable": editable,
        "can_issue": invoice.is_draft and permissions.can_issue_invoice(membership, invoice),
        "can_credit": not invoice.is_draft
        and permissions.can_credit_invoice(membership, invoice)
        and any(line.left_to_credit > 0 for line in detail.lines),
        "editing": None,
        "add_form": None,
    }
    if editable and "add_form" not in extra:
        context["add_form"] = LineForm(prefix="add", choices=LineChoices(request.organization))
    return context | extra


@require_GET
def invoice_detail(request: HttpRequest, org_slug: str, invoice_id: int) -> HttpResponse:
    # An htmx request (a line's edit cancelled) gets the lines and totals.
    return render(request, "billing/invoice_detail.html", _detail_context(request, invoice_id), partial="invoice-lines")


def _line_form(invoice: Invoice, line: InvoiceLine, data=None) -> LineForm:
    initial = {
        "product": line.product_id,
        "description": line.description,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "discount_percent": line.discount_percent,
        "tax_rate": line.tax_rate_id,
    }
    return LineForm(data, prefix=f"line-{line.pk}", initial=initial, choices=LineChoices(invoice.organization))


def _changeable(request: HttpRequest, invoice_id: int) -> Invoice:
    """The invoice, for someone who may change drafts: 404 if they may not see it, 403 if they
    may see it but not change it."""
    invoice = _invoice(request, invoice_id)
    _books_only(request, permissions.can_create_invoice(request.membership, invoice.account))
    return invoice


def _lines_answer(request: HttpRequest, invoice: Invoice, status: int = 200, **extra) -> HttpResponse:
    """The lines and totals of the invoice, as they are now: the partial for htmx, the page otherwise."""
    if not request.htmx and status == 200:
        return redirect(_invoice_page(request, invoice) + "#lines")
    context = _detail_context(request, invoice.pk, **extra)
    return render(request, "billing/invoice_detail.html", context, partial="invoice-lines", status=status)


@require_POST
def invoice_line_add(request: HttpRequest, org_slug: str, invoice_id: int) -> HttpResponse:
    invoice = _changeable(request, invoice_id)
    if answer := _issued(request, invoice):
        return answer
    form = LineForm(request.POST, prefix="add", choices=LineChoices(request.organization))
    line = submit(
        form,
        lambda data: services.invoice_line_add(
            organization=request.organization, actor=request.membership, invoice=invoice, **form.line()
        ),
    )
    if line is None:
        return _lines_answer(request, invoice, status=400, add_form=form)
    return _lines_answer(request, invoice)


@require_http_methods(["GET", "POST"])
def invoice_line_edit(request: HttpRequest, org_slug: str, invoice_id: int, line_id: int) -> HttpResponse:
    """A line of a draft in a form, in its place in the table; saved, the table and totals again."""
    invoice = _invoice(request, invoice_id)
    line = InvoiceLine.objects.get(organization=request.organization, invoice=invoice, pk=line_id)
    _books_only(request, permissions.can_create_invoice(request.membership, invoice.account))
    if answer := _issued(request, invoice):
        return answer
    form = _line_form(invoice, line, request.POST if request.method == "POST" else None)
    saved = form.is_bound and submit(
        form,
        lambda data: services.invoice_line_update(
            organization=request.organization, actor=request.membership, line=line, **form.changes()
        ),
    )
    if saved:
        return _lines_answer(request, invoice)
    editing = {"line_id": line.pk, "form": form}
    if not request.htmx:
        context = _detail_context(request, invoice.pk, editing=editing)
        return render(request, "billing/invoice_detail.html", context, status=_status(form))
    return _lines_answer(request, invoice, status=_status(form) if form.is_bound else 200, editing=editing)


@require_POST
def invoice_line_remove(request: HttpRequest, org_slug: str, invoice_id: int, line_id: int) -> HttpResponse:
    invoice = _invoice(request, invoice_id)
    line = InvoiceLine.objects.get(organization=request.organization, invoice=invoice, pk=line_id)
    _books_only(request, permissions.can_create_invoice(request.membership, invoice.account))
    if answer := _issued(request, invoice):
        return answer
    services.invoice_line_remove(organization=request.organization, actor=request.membership, line=line)
    return _lines_answer(request, invoice)


# --- Creating and changing a draft ----------------------------------------------------------


@require_http_methods(["GET", "POST"])
def invoice_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization, membership = request.organization, request.membership
    _books_only(request, permissions.can_create_invoice(membership))
    accounts = visible_accounts(organization=organization, membership=membership)
    notes = selectors.billing_settings(organization=organization).invoice_notes
    data = request.POST if request.method == "POST" else None
    if data is None and request.GET.get("account"):
        data = request.GET  # an account chosen on another page, or the form telling its terms
    form = InvoiceCreateForm(data, organization=organization, accounts=accounts, notes=notes)
    if request.method == "GET":
        # Not a submission: what the account brings (its currency, terms, rate), no errors yet.
        account = form.chosen_account()
        form = InvoiceCreateForm(organization=organization, accounts=accounts, notes=notes, account=account)
        # htmx asks when the account changes: what it brings (the form's terms).
        return render(request, "billing/invoice_form.html", {"form": form, "account": account}, partial="invoice-terms")
    invoice = submit_with_lines(
        form, lambda data: services.invoice_create(organization=organization, actor=membership, **data)
    )
    if invoice:
        messages.success(request, _("Draft invoice saved: check it and issue it."))
        return _redirect(request, _invoice_page(request, invoice))
    context = {"form": form, "account": form.chosen_account()}
    return render(request, "billing/invoice_form.html", context, partial="invoice-form", status=400)


@require_http_methods(["GET", "POST"])
def invoice_edit(request: HttpRequest, org_slug: str, invoice_id: int) -> HttpResponse:
    invoice = _changeable(request, invoice_id)
    if answer := _issued(request, invoice):
        return answer
    form = InvoiceEditForm(request.POST if request.method == "POST" else None, invoice=invoice)
    saved = form.is_bound and submit(
        form,
        lambda data: services.invoice_update(
            organization=request.organization, actor=request.membership, invoice=invoice, **form.changes()
        ),
    )
    if saved:
        messages.success(request, _("Invoice saved."))
        return _redirect(request, _invoice_page(request, saved))
    context = {"form": form, "invoice": invoice}
    return render(request, "billing/invoice_edit.html", context, partial="invoice-edit-form", status=_status(form))


@require_http_methods(["GET", "POST"])
def invoice_delete(request: HttpRequest, org_slug: str, invoice_id: int) -> HttpResponse:
    """GET asks to confirm; POST deletes the draft."""
    invoice = _changeable(request, invoice_id)
    if answer := _issued(request, invoice, _("An issued invoice cannot be deleted: correct it with a credit note.")):
        return answer
    if request.method == "POST":
        services.invoice_delete(organization=request.organization, actor=request.membership, invoice=invoice)
        messages.success(request, _("The draft invoice was deleted."))
        return _redirect(request, reverse("invoices", kwargs={"org_slug": request.organization.slug}))
    return render(request, "billing/invoice_confirm.html", {"invoice": invoice, "action": "delete"})


@require_http_methods(["GET", "POST"])
def invoice_issue(request: HttpRequest, org_slug: str, invoice_id: int) -> HttpResponse:
    """GET asks to confirm (what issuing does); POST issues: the invoice gets its number."""
    invoice = _invoice(request, invoice_id)
    _books_only(request, permissions.can_issue_invoice(request.membership, invoice))
    if answer := _issued(request, invoice, _("This invoice has been issued already.")):
        return answer
    if request.method == "POST":
        issued = services.invoice_issue(organization=request.organization, actor=request.membership, invoice=invoice)
        messages.success(request, _("Invoice %(number)s issued.") % {"number": issued.number})
        return _redirect(request, _invoice_page(request, issued))
    return render(request, "billing/invoice_confirm.html", {"invoice": invoice, "action": "issue"})


@require_http_methods(["GET", "POST"])
def invoice_credit(request: HttpRequest, org_slug: str, invoice_id: int) -> HttpResponse:
    """Credit an issued invoice, whole or lines and quantities up to what is not credited yet."""
    invoice = _invoice(request, invoice_id)
    _books_only(request, permissions.can_credit_invoice(request.membership, invoice))
    if invoice.is_draft:
        messages.error(request, _("A draft is not credited: change it or delete it."))
        return _redirect(request, _invoice_page(request, invoice))
    lines = selectors.invoice_lines(organization=request.organization, invoice=invoice)
    form = CreditForm(request.POST if request.method == "POST" else None, lines=lines)
    note = form.is_bound and submit_with_lines(
        form,
        lambda data: services.credit_note_create(
            organization=request.organization, actor=request.membership, invoice=invoice, **data
        ),
    )
    if note:
        messages.success(request, _("Credit note %(number)s issued.") % {"number": note.number})
        return _redirect(request, _invoice_page(request, invoice))
    context = {"form": form, "invoice": invoice}
    return render(request, "billing/invoice_credit.html", context, partial="credit-form", status=_status(form))


# --- Credit notes ---------------------------------------------------------------------------


@require_GET
def credit_note_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    filterset = credit_note_filter(
        organization=request.organization, membership=request.membership, query=request.GET
    ).offer_choices()
    context = list_context(request, filterset, "-issue_date", ("account", "issued_from", "issued_to", "invoice"))
    return render(request, "billing/credit_note_list.html", context, partial="credit-note-results")


@require_http_methods(["GET", "POST"])
def credit_note_export(request: HttpRequest, org_slug: str, fmt: str) -> HttpResponse:
    return list_export(request, kind="credit_notes", file_format=fmt)


@require_GET
def credit_note_detail(request: HttpRequest, org_slug: str, credit_note_id: int) -> HttpResponse:
    note = selectors.credit_note_get(
        organization=request.organization, membership=request.membership, credit_note_id=credit_note_id
    )
    return render(request, "billing/credit_note_detail.html", {"note": note})
