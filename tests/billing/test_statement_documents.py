"""billing.documents: the statements as PDF (read back with poppler: its text, and its pages as
PNG images, kept in var/statement-pdf/ to look at), CSV and XLSX, with exact contents."""

import io
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
from django.conf import settings
from django.db import transaction
from django.utils import translation

from billing import documents
from billing.statements import product_statement_for, statement_for_account
from tenancy.scope import tenant_scope
from tests.billing.conftest import FEBRUARY

D = Decimal
# The PNGs of the PDFs the tests make, to look at (the suite's own var/, outside git).
PICTURES = Path(settings.BASE_DIR) / "var" / "statement-pdf"


def _statement(p):
    with transaction.atomic(), tenant_scope(p.org):
        return statement_for_account(organization=p.org, account=p.account, start=FEBRUARY[0], end=FEBRUARY[1])


def _read_pdf(pdf: bytes, name: str) -> tuple[str, list[Path]]:
    """The PDF's text (pdftotext, in reading order) and its pages as PNG files (pdftoppm)."""
    PICTURES.mkdir(parents=True, exist_ok=True)
    for old in PICTURES.glob(f"{name}-*.png"):
        old.unlink()
    source = PICTURES / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "80", source, PICTURES / name], check=True)
    text = subprocess.run(["pdftotext", "-layout", source, "-"], check=True, capture_output=True, text=True).stdout
    return text, sorted(PICTURES.glob(f"{name}-*.png"))


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def test_the_statement_pdf_is_an_a4_page_with_both_names_the_tax_id_and_the_page_number(world, february):
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        statement = statement_for_account(organization=p.org, account=p.account, start=FEBRUARY[0], end=FEBRUARY[1])
        pdf = documents.statement_pdf(statement, language="en")
    assert pdf.startswith(b"%PDF")
    text, pages = _read_pdf(pdf, "statement-en")
    assert len(pages) == 1
    lines = _lines(text)
    assert lines[:2] == ["Porta Digital Statement of account", "From 01/02/2024 to 29/02/2024"]
    assert "Porta Digital Client SL Opening balance €335.60" in lines
    assert "Tax id: B12345674 Debits €285.95" in lines
    assert "Closing balance €226.35" in lines
    assert "05/02/2024 Invoice 2024-000002 Due 06/03/2024 235.95 571.55" in lines
    assert "25/02/2024 Payment reversed P3 Returned: Bounced. 50.00 226.35" in lines
    assert "61–90 days €145.20" in lines
    assert lines[-1] == "Porta Digital Client SL · Tax id B12345674 Page 1 of 1"
    # A4 (210 × 297 mm) at 80 dpi
    assert _png_size(pages[0]) == (662, 936)


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[16:24]
    return int.from_bytes(header[:4], "big"), int.from_bytes(header[4:], "big")


def test_a_long_statement_runs_over_pages_each_with_its_headings_and_number(world, february, paid):
    p = world.porta
    for day in range(1, 29):
        for n in range(3):
            paid(p, f"{day}.{n}5", date(2024, 2, day), reference=f"T{day:02d}{n}")
    with transaction.atomic(), tenant_scope(p.org):
        statement = statement_for_account(organization=p.org, account=p.account, start=FEBRUARY[0], end=FEBRUARY[1])
        pdf = documents.statement_pdf(statement, language="en")
    text, pages = _read_pdf(pdf, "statement-long")
    assert len(pages) == 3
    pages_text = text.split("\f")
    second = _lines(pages_text[1])
    assert second[0] == "Porta Digital Statement of account · Porta Account"
    assert second[1] == "Date Type Document Description Debit Credit Balance"  # the table's head again
    assert second[-1] == "Porta Digital Client SL · Tax id B12345674 Page 2 of 3"


def test_the_product_statement_pdf_labels_what_is_attributed_pro_rata(world, mixed_invoice):
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        statement = product_statement_for(
            organization=p.org, account=p.account, start=FEBRUARY[0], end=FEBRUARY[1], product=p.product
        )
        pdf = documents.product_statement_pdf(statement, language="en")
    assert pdf.startswith(b"%PDF")
    text, pages = _read_pdf(pdf, "product-en")
    assert len(pages) == 1
    lines = _lines(text)
    assert "Paid, attributed pro rata €351.29" in lines
    assert "10/02/2024 Payment, attributed Q applied to invoice 333.33 58.06% 193.55" in lines


def test_the_csv_is_semicolon_separated_in_the_readers_numbers_with_a_bom_only_when_asked(world, february):
    p = world.porta
    statement = _statement(p)
    plain = b"".join(documents.statement_csv_response(statement, bom=False).streaming_content)
    for_excel = b"".join(documents.statement_csv_response(statement, bom=True).streaming_content)
    assert not plain.startswith(b"\xef\xbb\xbf") and for_excel == b"\xef\xbb\xbf" + plain
    assert plain.decode().splitlines() == [
        "Date;Type;Document;Description;Due date;Debit;Credit;Balance",
        "2024-02-01;Opening balance;;;;;;335.60",
        "2024-02-05;Invoice;2024-000002;Due 06/03/2024;2024-03-06;235.95;0.00;571.55",
        "2024-02-10;Credit note;R2024-000001;Corrects invoice 2024-000001 · A kit came back.;;0.00;145.20;426.35",
        "2024-02-15;Payment;P2;Bank transfer;;0.00;200.00;226.35",
        "2024-02-20;Payment;P3;Cheque;;0.00;50.00;176.35",
        "2024-02-25;Payment reversed;P3;Returned: Bounced.;;50.00;0.00;226.35",
        "2024-02-29;Closing balance;;;;285.95;395.20;226.35",
    ]
    with translation.override("es"):
        spanish = b"".join(documents.statement_csv_response(statement, bom=False).streaming_content).decode()
    assert spanish.splitlines()[-1].endswith(";285,95;395,20;226,35")


def test_the_xlsx_holds_the_heading_the_table_and_the_aging_as_numbers(world, february):
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):  # its entries are read as it is written
        statement = statement_for_account(organization=p.org, account=p.account, start=FEBRUARY[0], end=FEBRUARY[1])
        workbook = openpyxl.load_workbook(io.BytesIO(documents.statement_xlsx(statement)))
    sheet, aging = workbook.worksheets
    rows = [_trimmed(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[:13] == [
        ["Statement of account"],
        ["Organisation", "Porta Digital"],
        ["Client", "Porta Digital Client SL"],
        ["Tax id", "B12345674"],
        ["Account", "Porta Account"],
        ["Currency", "EUR"],
        ["From", _midnight(FEBRUARY[0])],
        ["To", _midnight(FEBRUARY[1])],
        ["Opening balance", 335.6],
        ["Debits", 285.95],
        ["Credits", 395.2],
        ["Closing balance", 226.35],
        [],
    ]
    assert rows[13] == ["Date", "Type", "Document", "Description", "Due date", "Debit", "Credit", "Balance"]
    assert rows[14] == [_midnight(date(2024, 2, 1)), "Opening balance", None, None, None, None, None, 335.6]
    assert rows[15] == [
        _midnight(date(2024, 2, 5)),
        "Invoice",
        "2024-000002",
        "Due 06/03/2024",
        _midnight(date(2024, 3, 6)),
        235.95,
        0,
        571.55,
    ]
    assert rows[-1] == [_midnight(date(2024, 2, 29)), "Closing balance", None, None, None, 285.95, 395.2, 226.35]
    assert sheet["F16"].number_format == "#,##0.00" and sheet["A16"].number_format == "yyyy-mm-dd"
    assert [_trimmed(row) for row in aging.iter_rows(values_only=True)] == [
        ["Aging on 2024-02-29"],
        ["Current", 81.15],
        ["1–30 days", 0],
        ["31–60 days", 0],
        ["61–90 days", 145.2],
        ["91–120 days", 0],
        ["Over 120 days", 0],
        ["Total open", 226.35],
        ["Payments not applied yet", 0],
        ["Balance", 226.35],
    ]


def _trimmed(row) -> list:
    row = list(row)
    while row and row[-1] is None:
        row.pop()
    return row


def _midnight(day: date):
    from datetime import datetime

    return datetime(day.year, day.month, day.day)


def test_the_product_statement_files_hold_the_same_rows(world, mixed_invoice):
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        statement = product_statement_for(
            organization=p.org, account=p.account, start=FEBRUARY[0], end=FEBRUARY[1], product=p.product
        )
        csv_text = b"".join(documents.product_statement_csv_response(statement, bom=False).streaming_content)
        workbook = openpyxl.load_workbook(io.BytesIO(documents.product_statement_xlsx(statement)))
    m = mixed_invoice["m"].number
    assert csv_text.decode().splitlines() == [
        "Date;Type;Document;Invoice;Description;Quantity;Net;Payment applied;Share of the invoice (%);"
        "Attributed to the product",
        f"2024-02-05;Invoiced;{m};;Sensor kit;3.000;360.00;;;",
        f"2024-02-10;Payment, attributed pro rata;Q;{m};;;;333.33;58.06;193.55",
        f"2024-02-12;Credited;{mixed_invoice['note'].number};{m};Sensor kit;-1.000;-120.00;;;",
        f"2024-02-20;Payment, attributed pro rata;R;{m};;;;271.67;58.06;157.74",
        "2024-02-29;Total;;;;2.000;240.00;;;351.29",
    ]
    sheet = workbook.worksheets[0]
    rows = [_trimmed(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[8] == ["Product", "PORTA-001 · Sensor kit"]
    assert rows[11] == [_midnight(date(2024, 2, 5)), "Invoiced", m, None, "Sensor kit", 3, 360]
    assert rows[-1] == [_midnight(date(2024, 2, 29)), "Total", None, None, None, 2, 240, None, None, 351.29]


def test_the_pdf_speaks_the_finance_contacts_language(world, february):
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        statement = statement_for_account(organization=p.org, account=p.account, start=FEBRUARY[0], end=FEBRUARY[1])
        spanish = documents.statement_pdf(statement, language="es")
        catalan = documents.statement_pdf(statement, language="ca")
    spanish_lines = _lines(_read_pdf(spanish, "statement-es")[0])
    catalan_lines = _lines(_read_pdf(catalan, "statement-ca")[0])
    assert spanish_lines[:2] == ["Porta Digital Extracto de cuenta", "Del 01/02/2024 al 29/02/2024"]
    assert "Porta Digital Client SL Saldo inicial 335,60 €" in spanish_lines
    assert "25/02/2024 Cobro devuelto P3 Devuelto: Bounced. 50,00 226,35" in spanish_lines
    assert spanish_lines[-1] == "Porta Digital Client SL · NIF B12345674 Página 1 de 1"
    assert catalan_lines[:2] == ["Porta Digital Extracte de compte", "Del 01/02/2024 al 29/02/2024"]
    assert "61–90 dies 145,20 €" in catalan_lines
    assert catalan_lines[-1] == "Porta Digital Client SL · NIF B12345674 Pàgina 1 de 1"
