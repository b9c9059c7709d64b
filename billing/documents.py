"""Statements as files: PDF (WeasyPrint, A4), CSV (`;`-separated, streamed) and XLSX (openpyxl,
write-only). The data comes from billing.statements; this module only lays it out.

- The PDF is for the client: the organisation's name, the client's legal name and tax id,
  page numbers, in the language of the account's finance contact (the caller passes it:
  billing.statements.statement_reader).
- The CSV is for spreadsheets: `;` between fields, as spreadsheet programs expect where the
  decimal sign is a comma; amounts with the reader's decimal sign and no grouping, dates as
  ISO 8601 (every spreadsheet reads them); a byte-order mark only when asked for ("BOM for
  Excel": Excel needs it to read UTF-8, other programs show it as a stray character). It is
  streamed: the entries are read through a server-side cursor in chunks and written a line at a
  time, so memory stays flat whatever their number. The response outlives the request's
  tenant scope, so the stream opens its own (tenancy.scope.reading_scope).
- The XLSX: a sheet with the statement's heading and its table, amounts as numbers with two
  decimals (Decimal in, never float), and the aging on a second sheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from billing.statements import AccountStatement, ProductStatementReport
from tenancy.exports import _text_safe
from tenancy.scope import reading_scope

PDF = "application/pdf"
CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"pdf": PDF, "csv": CSV, "xlsx": XLSX}
BOM = "\ufeff"
MONEY_FORMAT = "#,##0.00"
QUANTITY_FORMAT = "#,##0.###"
DATE_FORMAT = "yyyy-mm-dd"


def filename(statement: AccountStatement | ProductStatementReport, extension: str) -> str:
    """statement-porta-account-2026-01-01-2026-12-06.pdf; product-statement-… for a product's."""
    prefix = "statement" if isinstance(statement, AccountStatement) else "product-statement"
    name = slugify(statement.account.name) or str(statement.account.pk)
    return f"{prefix}-{name}-{statement.start.isoformat()}-{statement.end.isoformat()}.{extension}"


def attachment(response: HttpResponse, name: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- PDF ------------------------------------------------------------------------------------------


def css_string(text: str) -> str:
    """`text` inside a CSS string in a <style> element: quotes and backslashes escaped, and "<"
    too, so that no name can close the element."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3C ").replace("\n", " ")


def _pdf(
    template: str, statement: AccountStatement | ProductStatementReport, title: str, language: str, **extra
) -> bytes:
    from weasyprint import HTML  # imported on use: it loads Pango and fonts

    account, client = statement.account, statement.account.client
    with translation.override(language):
        page_strings = {
            "organisation": css_string(statement.organization.name),
            "title": css_string(f"{_(title)} · {account.name}"),
            "client": css_string(f"{client.legal_name} · {_('Tax id')} {client.tax_id}"),
        }
        context = {
            "statement": statement,
            "organization": statement.organization,
            "account": account,
            "client": client,
            "css": page_strings,
            "language": language,
            "printed_on": timezone.localdate(),
            **extra,
        }
        html = render_to_string(template, context)
    return HTML(string=html).write_pdf()


def statement_pdf(statement: AccountStatement, *, language: str) -> bytes:
    """The statement of an account as an A4 PDF in `language`. Reads its entries (one query)."""
    return _pdf(
        "billing/statement_pdf.html",
        statement,
        gettext_noop("Statement of account"),
        language,
        entries=statement.iter_entries(),
    )


def product_statement_pdf(statement: ProductStatementReport, *, language: str) -> bytes:
    return _pdf("billing/statement_product_pdf.html", statement, gettext_noop("Product statement"), language)


# --- Cells in the reader's language ---------------------------------------------------------------


def _csv_amount(value: Decimal | None) -> str:
    """435.60 as the reader's spreadsheet reads it: '435.60' in English, '435,60' in Spanish and
    Catalan; no grouping."""
    if value is None:
        return ""
    text = f"{value:f}"
    return text.replace(".", ",") if translation.get_language() in ("es", "ca") else text


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return _csv_amount(value)
    if isinstance(value, date):
        return value.isoformat()
    return _text_safe(str(value))


class _Line:
    """A file-like object that hands back what csv.writer writes (Django's streaming CSV recipe)."""

    def write(self, value: str) -> str:
        return value


def _statement_header() -> list[str]:
    return [
        _("Date"),
        _("Type"),
        _("Document"),
        _("Description"),
        _("Due date"),
        _("Debit"),
        _("Credit"),
        _("Balance"),
    ]


def _statement_rows(statement: AccountStatement, entries: Iterable) -> Iterator[list]:
    yield [statement.start, _("Opening balance"), "", "", None, None, None, statement.opening]
    for e in entries:
        yield [e.entry_date, e.kind_label, e.document, e.description, e.due_date, e.debit, e.credit, e.balance]
    yield [statement.end, _("Closing balance"), "", "", None, statement.debits, statement.credits, statement.closing]


def _product_header() -> list[str]:
    return [
        _("Date"),
        _("Type"),
        _("Document"),
        _("Invoice"),
        _("Description"),
        _("Quantity"),
        _("Net"),
        _("Payment applied"),
        _("Share of the invoice (%)"),
        _("Attributed to the product"),
    ]


def _product_rows(statement: ProductStatementReport) -> Iterator[list]:
    for row in statement.rows:
        yield [
            row.entry_date,
            row.kind_label,
            row.document,
            row.invoice_number,
            row.description,
            row.quantity,
            row.net,
            row.applied,
            row.share_percent,
            row.attributed,
        ]
    yield [
        statement.end,
        _("Total"),
        "",
        "",
        "",
        statement.quantity_total,
        statement.net_total,
        None,
        None,
        statement.attributed_paid,
    ]


# --- CSV, streamed --------------------------------------------------------------------------------


def _csv_stream(
    *, organization, language: str, bom: bool, header: Callable[[], list[str]], rows: Callable[[], Iterable[list]]
) -> Iterator[str]:
    """The lines of a CSV, produced as they are read: inside a reading scope of its own (the
    request's is closed by the time a server streams the response) and in `language`."""
    writer = csv.writer(_Line(), delimiter=";")
    with reading_scope(organization), translation.override(language):
        yield (BOM if bom else "") + writer.writerow(header())
        for row in rows():
            yield writer.writerow([_csv_cell(value) for value in row])


def statement_csv_response(statement: AccountStatement, *, bom: bool) -> StreamingHttpResponse:
    stream = _csv_stream(
        organization=statement.organization,
        language=translation.get_language(),
        bom=bom,
        header=_statement_header,
        rows=lambda: _statement_rows(statement, statement.iter_entries()),
    )
    return attachment(StreamingHttpResponse(stream, content_type=CSV), filename(statement, "csv"))


def product_statement_csv_response(statement: ProductStatementReport, *, bom: bool) -> StreamingHttpResponse:
    stream = _csv_stream(
        organization=statement.organization,
        language=translation.get_language(),
        bom=bom,
        header=_product_header,
        rows=lambda: _product_rows(statement),
    )
    return attachment(StreamingHttpResponse(stream, content_type=CSV), filename(statement, "csv"))


def statement_csv_bytes(statement: AccountStatement, *, bom: bool = False) -> bytes:
    """The same CSV whole (a file of a batch), read in the caller's scope and language."""
    writer = csv.writer(_Line(), delimiter=";")
    lines = [(BOM if bom else "") + writer.writerow(_statement_header())]
    lines += [
        writer.writerow([_csv_cell(v) for v in row]) for row in _statement_rows(statement, statement.iter_entries())
    ]
    return "".join(lines).encode("utf-8")


# --- XLSX -----------------------------------------------------------------------------------------


def _cell(sheet, value, number_format: str | None = None, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # text stays text, even when it starts with "="
    else:
        cell = WriteOnlyCell(sheet, value=value)
    if number_format:
        cell.number_format = number_format
    elif isinstance(value, Decimal):
        cell.number_format = MONEY_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell


def _heading(sheet, statement, title: str) -> None:
    account, client = statement.account, statement.account.client
    sheet.append([_cell(sheet, title, bold=True)])
    for label, value in [
        (_("Organisation"), statement.organization.name),
        (_("Client"), client.legal_name),
        (_("Tax id"), client.tax_id),
        (_("Account"), account.name),
        (_("Currency"), account.currency),
        (_("From"), statement.start),
        (_("To"), statement.end),
    ]:
        sheet.append([_cell(sheet, str(label), bold=True), _cell(sheet, value)])


def _widths(sheet, widths: list[int]) -> None:
    from openpyxl.utils import get_column_letter

    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def statement_xlsx(statement: AccountStatement) -> bytes:
    """Sheet 1: the heading (rows 1–8), the totals (rows 9–12), then the table from row 14
    (opening, the entries, closing). Sheet 2: the aging at the end date."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Statement")[:31])
    _widths(sheet, [12, 18, 16, 44, 12, 14, 14, 14])
    _heading(sheet, statement, _("Statement of account"))
    for label, value in [
        (_("Opening balance"), statement.opening),
        (_("Debits"), statement.debits),
        (_("Credits"), statement.credits),
        (_("Closing balance"), statement.closing),
    ]:
        sheet.append([_cell(sheet, label, bold=True), _cell(sheet, value)])
    sheet.append([])
    sheet.append([_cell(sheet, title, bold=True) for title in _statement_header()])
    for row in _statement_rows(statement, statement.iter_entries()):
        sheet.append([_cell(sheet, value) if value is not None else None for value in row])
    aging = workbook.create_sheet(_("Aging")[:31])
    _widths(aging, [24, 16])
    aging.append([_cell(aging, _("Aging on %(date)s") % {"date": statement.end.isoformat()}, bold=True)])
    for _key, label, amount in statement.aging.buckets:
        aging.append([_cell(aging, label), _cell(aging, amount)])
    aging.append([_cell(aging, _("Total open"), bold=True), _cell(aging, statement.aging.total_open)])
    aging.append([_cell(aging, _("Payments not applied yet")), _cell(aging, -statement.aging.unallocated)])
    aging.append([_cell(aging, _("Balance"), bold=True), _cell(aging, statement.aging.balance)])
    return _workbook_bytes(workbook)


def product_statement_xlsx(statement: ProductStatementReport) -> bytes:
    """The heading (rows 1–9: the product or category on row 9), then the table from row 11."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Product statement")[:31])
    _widths(sheet, [12, 30, 16, 16, 36, 10, 14, 16, 12, 16])
    _heading(sheet, statement, _("Product statement"))
    sheet.append([_cell(sheet, _("Product"), bold=True), _cell(sheet, statement.subject)])
    sheet.append([])
    sheet.append([_cell(sheet, title, bold=True) for title in _product_header()])
    for row in _product_rows(statement):
        cells = []
        for index, value in enumerate(row):
            if value is None:
                cells.append(None)
            elif index == 5:
                cells.append(_cell(sheet, value, QUANTITY_FORMAT))
            else:
                cells.append(_cell(sheet, value))
        sheet.append(cells)
    return _workbook_bytes(workbook)


def xlsx_response(content: bytes, name: str) -> HttpResponse:
    return attachment(HttpResponse(content, content_type=XLSX), name)


def pdf_response(content: bytes, name: str) -> HttpResponse:
    return attachment(HttpResponse(content, content_type=PDF), name)
