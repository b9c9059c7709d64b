"""billing.documents: the statement as PDF, CSV and XLSX, with exact contents."""

import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from billing.documents import product_statement_pdf, statement_pdf
from billing.statements import product_statement, statement_for_account
from tenancy.scope import tenant_scope
from tests.billing.test_statements import FEBRUARY, february, mixed_invoice  # noqa: F401

D = Decimal


def _png(pdf: bytes, tmp_path: Path, name: str) -> list[Path]:
    (tmp_path / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "70", tmp_path / f"{name}.pdf", tmp_path / name], check=True)
    return sorted(tmp_path.glob(f"{name}*.png"))


def test_the_statement_pdf_is_an_a4_document(world, february, tmp_path):
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        statement = statement_for_account(organization=p.org, account=p.account, start=FEBRUARY[0], end=FEBRUARY[1])
        pdf = statement_pdf(statement, language="es")
    assert pdf.startswith(b"%PDF")
    pages = _png(pdf, Path("/tmp/stmt"), "statement")
    assert len(pages) == 1


def test_the_product_statement_pdf(world, mixed_invoice, tmp_path):
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        statement = product_statement(
            organization=p.org, account=p.account, start=FEBRUARY[0], end=FEBRUARY[1], product=p.product
        )
        pdf = product_statement_pdf(statement, language="ca")
    assert pdf.startswith(b"%PDF")
    pages = _png(pdf, Path("/tmp/stmt"), "product")
    assert len(pages) == 1


def test_a_long_statement_runs_over_pages_with_headers(world, february, paid, tmp_path):
    p = world.porta
    for day in range(1, 29):
        for n in range(3):
            paid(p, f"{day}.{n}5", date(2024, 2, day), reference=f"T{day:02d}{n}")
    with transaction.atomic(), tenant_scope(p.org):
        statement = statement_for_account(organization=p.org, account=p.account, start=FEBRUARY[0], end=FEBRUARY[1])
        pdf = statement_pdf(statement, language="en")
    pages = _png(pdf, Path("/tmp/stmt"), "long")
    assert len(pages) == 3
