"""Pages of statements: the Statements page (the accounts whose statements a person may pull,
and statements in bulk), a batch's progress and its ZIP, an account's statement and its
product statement (HTML, or `?format=` pdf, csv, xlsx), and "Send to client".

Who sees an account sees its statements (billing.permissions.can_see_billing_of, through
accounts.selectors.account_get: 404 otherwise). Sending to the client and asking for statements
in bulk are refused with 403 to who may see but not do them. A batch is only for who asked.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import account_get
from billing import documents, permissions, services_statements
from billing.filters_statements import StatementAccountFilter
from billing.forms_statements import ProductStatementForm, StatementBatchForm, StatementPeriodForm
from billing.models import StatementBatch, StatementBatchScope, StatementBatchStatus, StatementSending
from billing.statements import (
    AccountStatement,
    product_statement_for,
    statement_account_list,
    statement_for_account,
    statement_reader,
)
from config.forms import submit
from tenancy.exports import list_export
from tenancy.htmx import render
from tenancy.models import Team

PAGE_SIZE = 25
ENTRIES_PER_PAGE = 100
FORMATS = ("pdf", "csv", "xlsx")


# --- The Statements page -----------------------------------------------------------------------------


def statement_filter(*, organization, membership, query) -> StatementAccountFilter:
    """The accounts as the page and its exports show them."""
    queryset = statement_account_list(organization=organization, membership=membership)
    return StatementAccountFilter(query, queryset=queryset, organization=organization, membership=membership)


def _requestable_teams(request: HttpRequest):
    """The teams whose statements the person may ask for in bulk (none: no bulk form)."""
    membership = request.membership
    teams = Team.objects.filter(organization=request.organization).order_by("name", "id")
    if permissions.can_request_statements_of_everyone(membership):
        return teams
    if membership.is_sales_lead:
        return teams.filter(team_members__membership=membership, team_members__is_lead=True)
    return None


def _list_context(request: HttpRequest, batch_form: StatementBatchForm | None = None) -> dict:
    organization, membership = request.organization, request.membership
    filterset = statement_filter(organization=organization, membership=membership, query=request.GET).offer_choices()
    paginator = Paginator(filterset.qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    sort = (filterset.form.cleaned_data.get("sort") if filterset.is_valid() else None) or ["name"]
    query = request.GET.copy()
    query.pop("page", None)
    teams = _requestable_teams(request)
    may_ask_for_everyone = permissions.can_request_statements_of_everyone(membership)
    if teams is not None and batch_form is None:
        batch_form = StatementBatchForm(teams=teams, today=timezone.localdate())
    if teams is not None and not may_ask_for_everyone:
        batch_form.fields["team"].empty_label = None  # a lead asks for a team they lead
    batches = (
        list(StatementBatch.objects.filter(organization=organization, requested_by=membership).order_by("-id")[:5])
        if teams is not None
        else []
    )
    return {
        "filter": filterset,
        "page": page,
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)),
        "sort": sort[0],
        "query": query.urlencode(),
        "batch_form": batch_form,
        "batches": batches,
        "nav_section": "statements",
    }


@require_GET
def statement_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    return render(request, "billing/statement_list.html", _list_context(request), partial="statement-results")


@require_http_methods(["GET", "POST"])
def statement_list_export(request: HttpRequest, org_slug: str, fmt: str) -> HttpResponse:
    return list_export(request, kind="statements", file_format=fmt)


# --- Statements in bulk ------------------------------------------------------------------------------


def _batch_page(request: HttpRequest, batch: StatementBatch) -> str:
    return reverse("statement_batch", kwargs={"org_slug": request.organization.slug, "batch_id": batch.pk})


@require_POST
def statement_batch_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    teams = _requestable_teams(request)
    if teams is None:
        raise PermissionDenied
    form = StatementBatchForm(request.POST, teams=teams, today=timezone.localdate())
    asked = submit(
        form,
        lambda data: services_statements.statement_batch_request(
            organization=request.organization,
            actor=request.membership,
            scope=StatementBatchScope.TEAM if data["team"] else StatementBatchScope.TENANT,
            team=data["team"],
            period_start=data["start"],
            period_end=data["end"],
            file_format=data["file_format"],
            language=translation.get_language(),
        ),
    )
    if asked is None:
        context = _list_context(request, batch_form=form)
        return render(request, "billing/statement_list.html", context, status=400)
    batch, created = asked
    if not created:
        messages.info(request, _("You asked for these statements already: here they are."))
    return redirect(_batch_page(request, batch))


def _batch_of_requester(request: HttpRequest, batch_id: int) -> StatementBatch:
    """Only who asked for a batch sees it: anyone else, as if it did not exist."""
    return StatementBatch.objects.select_related("team").get(
        organization=request.organization, requested_by=request.membership, pk=batch_id
    )


@require_GET
def statement_batch(request: HttpRequest, org_slug: str, batch_id: int) -> HttpResponse:
    """How far along a batch is; htmx asks again every second (the `status` partial) until it
    is finished."""
    batch = _batch_of_requester(request, batch_id)
    context = {"batch": batch, "nav_section": "statements"}
    return render(request, "billing/statement_batch.html", context, partial="status")


@require_GET
def statement_batch_download(request: HttpRequest, org_slug: str, batch_id: int) -> HttpResponse:
    batch = _batch_of_requester(request, batch_id)
    if batch.status != StatementBatchStatus.DONE or not batch.file or not default_storage.exists(batch.file):
        raise Http404
    name = batch.file.rsplit("/", 1)[-1]
    return FileResponse(default_storage.open(batch.file, "rb"), as_attachment=True, filename=name)


# --- An account's statement --------------------------------------------------------------------------


class _EntryPages:
    """The statement's entries as the paginator sees them: their number (known already) and a
    slice read when a page asks for it."""

    def __init__(self, statement: AccountStatement):
        self.statement = statement

    def __len__(self) -> int:
        return self.statement.entry_count

    def __getitem__(self, item: slice):
        return self.statement.entries(offset=item.start or 0, limit=(item.stop or 0) - (item.start or 0))


def _query(form) -> str:
    """The page's address parameters: the period, the product or category, as asked."""
    values = form.data if form.is_bound else form.initial
    return urlencode({name: values[name] for name in form.fields if values.get(name)})


def _statement_context(request: HttpRequest, account, form, tab: str) -> dict:
    membership = request.membership
    reader = statement_reader(organization=request.organization, account=account)
    return {
        "account": account,
        "client": account.client,
        "form": form,
        "tab": tab,
        "reader": reader,
        "can_send": permissions.can_send_statement(membership, account),
        "sendings": list(
            StatementSending.objects.filter(organization=request.organization, account=account)
            .select_related("requested_by__user")
            .order_by("-created_at", "-id")[:5]
        ),
        "nav_section": "statements",
    }


def _file(statement, fmt: str, bom: bool, reader_language: str) -> HttpResponse:
    is_account = isinstance(statement, AccountStatement)
    if fmt == "pdf":
        make = documents.statement_pdf if is_account else documents.product_statement_pdf
        return documents.pdf_response(make(statement, language=reader_language), documents.filename(statement, "pdf"))
    if fmt == "csv":
        make = documents.statement_csv_response if is_account else documents.product_statement_csv_response
        return make(statement, bom=bom)
    make = documents.statement_xlsx if is_account else documents.product_statement_xlsx
    return documents.xlsx_response(make(statement), documents.filename(statement, "xlsx"))


def _format(request: HttpRequest) -> str:
    fmt = request.GET.get("format", "")
    if fmt and fmt not in FORMATS:
        raise Http404  # no such file of a statement
    return fmt


@require_GET
def statement(request: HttpRequest, org_slug: str, account_id: int) -> HttpResponse:
    organization = request.organization
    account = account_get(organization=organization, membership=request.membership, account_id=account_id)
    fmt = _format(request)
    form = StatementPeriodForm(request.GET, today=timezone.localdate())
    context = _statement_context(request, account, form, "account")
    if not form.is_valid():
        return render(request, "billing/statement_account.html", context, status=400)
    data = form.cleaned_data
    statement = statement_for_account(organization=organization, account=account, start=data["start"], end=data["end"])
    if fmt:
        return _file(statement, fmt, request.GET.get("bom") == "1", context["reader"].language)
    page = Paginator(_EntryPages(statement), ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    context |= {
        "statement": statement,
        "page": page,
        "brought_forward": statement.balance_before(page.start_index() - 1) if page.number > 1 else statement.opening,
        "query": _query(form),
    }
    return render(request, "billing/statement_account.html", context, partial="entries")


@require_GET
def statement_product(request: HttpRequest, org_slug: str, account_id: int) -> HttpResponse:
    organization = request.organization
    account = account_get(organization=organization, membership=request.membership, account_id=account_id)
    fmt = _format(request)
    form = ProductStatementForm(request.GET, today=timezone.localdate(), organization=organization)
    context = _statement_context(request, account, form, "product")
    if not form.is_bound:  # no product or category chosen yet: the page asks for one
        return render(request, "billing/statement_product.html", context)
    if not form.is_valid():
        return render(request, "billing/statement_product.html", context, status=400)
    data = form.cleaned_data
    statement = product_statement_for(
        organization=organization,
        account=account,
        start=data["start"],
        end=data["end"],
        product=data["product"],
        category=data["category"],
    )
    if fmt:
        return _file(statement, fmt, request.GET.get("bom") == "1", context["reader"].language)
    context |= {"statement": statement, "query": _query(form)}
    return render(request, "billing/statement_product.html", context)


@require_POST
def statement_send(request: HttpRequest, org_slug: str, account_id: int) -> HttpResponse:
    """Mail the statement of the period posted to the account's finance contact."""
    organization, membership = request.organization, request.membership
    account = account_get(organization=organization, membership=membership, account_id=account_id)
    if not permissions.can_send_statement(membership, account):
        raise PermissionDenied
    form = StatementPeriodForm(request.POST, today=timezone.localdate())
    sending = submit(
        form,
        lambda data: services_statements.statement_send(
            organization=organization,
            actor=membership,
            account=account,
            period_start=data["start"],
            period_end=data["end"],
        ),
    )
    page = reverse("statement", kwargs={"org_slug": org_slug, "account_id": account.pk})
    if sending is None:
        errors = [str(error) for errors in form.errors.values() for error in errors]
        messages.error(request, " ".join(dict.fromkeys(errors)))
        return redirect(page)
    language = str(dict(settings.LANGUAGES)[sending.language])
    messages.success(
        request,
        _("The statement is on its way to %(name)s (%(email)s), in %(language)s.")
        % {
            "name": sending.recipient_name or sending.recipient_email,
            "email": sending.recipient_email,
            "language": language,
        },
    )
    return redirect(f"{page}?{_query(form)}")
