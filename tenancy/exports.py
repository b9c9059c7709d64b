"""CSV and XLSX downloads of a list exactly as the page shows it (same filters, same order,
same columns). Money leaves as Decimal (XLSX number with two decimals, CSV text), never float."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from config.errors import ApplicationError
from tenancy import services

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text_safe(value: str) -> str:
    """A cell that starts like a formula would run as one in a spreadsheet: make it text."""
    return "'" + value if value[:1] in FORMULA_STARTS else value


def _csv_cell(value):
    if isinstance(value, str):
        return _text_safe(value)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that spreadsheet programs read the accents as UTF-8
    writer = csv.writer(buffer)
    writer.writerow([str(h) for h in header])
    zone = timezone.get_current_timezone()
    # _csv_cell's rules, written out for files of thousands of rows (no call per cell): the csv
    # module itself writes None as nothing and any other value as str(value), a date in ISO
    # form and an amount as its digits; text that starts like a formula is made text, and a
    # moment is written in the reader's time zone, to the minute.
    writer.writerows(
        [
            ("'" + v if v.startswith(FORMULA_STARTS) else v)
            if isinstance(v, str)
            else v.astimezone(zone).isoformat(" ", "minutes")[:16]
            if isinstance(v, datetime)
            else v
            for v in row
        ]
        for row in rows
    )
    return buffer.getvalue().encode("utf-8")


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    return file_response(csv_bytes(header, rows), f"{filename}.csv")


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence], sheet: str = "Export") -> bytes:
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    worksheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for title in header:
        cell = WriteOnlyCell(worksheet, value=str(title))
        cell.font = bold
        header_cells.append(cell)
    widths = [len(str(h)) for h in header]
    rows_out = []
    for row in rows:
        cells = []
        for index, value in enumerate(row):
            widths[index] = max(widths[index], min(len(_csv_cell(value)), 60))
            if isinstance(value, datetime):
                value = timezone.localtime(value).replace(tzinfo=None)  # spreadsheets have no time zones
            elif value is not None and not isinstance(value, (Decimal, int, date, str)):
                value = str(value)
            if isinstance(value, str):
                # Text stays text, even when it starts with "=" (a formula would run).
                cell = WriteOnlyCell(worksheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
                cell.data_type = "s"
                value = cell
            cells.append(value)
        rows_out.append(cells)
    # In write-only mode the column widths must be set before the first row is written.
    for index, width in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = width + 2
    worksheet.append(header_cells)
    for cells in rows_out:
        worksheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence], sheet: str = "Export"
) -> HttpResponse:
    return file_response(xlsx_bytes(header, rows, sheet), f"{filename}.xlsx")


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def file_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[filename.rsplit(".", 1)[1]])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_bytes(file_format: str, header: Sequence[str], rows: Iterable[Sequence], sheet: str) -> bytes:
    return xlsx_bytes(header, rows, sheet) if file_format == "xlsx" else csv_bytes(header, rows)


# --- Exports prepared in the background ---------------------------------------------------
# A list whose export is too long to build while the person waits registers how to build its
# rows; tenancy.tasks.export_prepare calls it with the organisation, the person who asked and
# the list's query, inside the tenant scope. Apps register in their AppConfig.ready().


@dataclass(frozen=True)
class ExportRows:
    filename: str  # without the extension
    sheet: str
    header: list[str]
    total: int
    rows: Iterable[Sequence]


@dataclass(frozen=True)
class ExportKind:
    build: Callable[..., ExportRows]  # (*, organization, membership, query: QueryDict) -> ExportRows
    label: str  # what the export page calls it (a lazy translation)
    list_url_name: str  # the list it exports, for the way back


EXPORT_KINDS: dict[str, ExportKind] = {}


def register_export(kind: str, build: Callable[..., ExportRows], label: str, list_url_name: str) -> None:
    EXPORT_KINDS[kind] = ExportKind(build, label, list_url_name)


def list_export(request: HttpRequest, *, kind: str, file_format: str) -> HttpResponse:
    """A registered list's export, exactly as the list shows it (the request's query). Up to
    EXPORT_INLINE_ROWS rows: the file at once. More: asked for with the list's export button (a
    POST), a Celery task prepares it and the export page shows its progress; a plain link (a GET,
    bookmarked) goes back to the list, which says so. Either way nothing is read that the person
    may not see: the kind's `build` reads as `request.membership`."""
    organization = request.organization
    built = EXPORT_KINDS[kind].build(organization=organization, membership=request.membership, query=request.GET)
    if built.total <= settings.EXPORT_INLINE_ROWS:
        return file_response(
            export_bytes(file_format, built.header, built.rows, built.sheet), f"{built.filename}.{file_format}"
        )
    back = reverse(EXPORT_KINDS[kind].list_url_name, kwargs={"org_slug": organization.slug})
    if request.method == "GET":
        messages.info(
            request,
            _("This list has %(rows)s rows: press its export button to have the file prepared.")
            % {"rows": built.total},
        )
        return redirect(f"{back}?{request.GET.urlencode()}" if request.GET else back)
    try:
        export = services.export_request(
            organization=organization,
            actor=request.membership,
            kind=kind,
            file_format=file_format,
            query=request.GET.urlencode(),
            language=translation.get_language(),
            time_zone=timezone.get_current_timezone_name(),
        )
    except ApplicationError as error:  # filters too long to keep, or one still being prepared
        messages.error(request, error.message)
        if "export_id" in error.extra:
            back = reverse(
                "export_detail", kwargs={"org_slug": organization.slug, "export_id": error.extra["export_id"]}
            )
        return HttpResponseClientRedirect(back) if request.htmx else redirect(back)
    url = reverse("export_detail", kwargs={"org_slug": organization.slug, "export_id": export.pk})
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
