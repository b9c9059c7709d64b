"""Money on the embedded SQLite, where decimals are binary floats: totals whose net and tax do
not add up as floats are issued, and credit notes after a payment add up to the cent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_embedded_sqlite_database_adds_up_to_the_cent(tmp_path):
    # given a fresh SQLite file
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}",
        "ACCOUNTDESK_VAR_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    for name in ("DATABASE_OWNER_URL", "CELERY_BROKER_URL", "REDIS_URL"):
        env.pop(name, None)
    # when an invoice of 16.80 + 3.53 is issued, paid, and credited in two parts afterwards
    run = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "billing" / "sqlite_sums_check.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # then every amount is exact, and the payment is the account's credit again; the account's
    # billing summary (raw SQL) is to the cent, with its due date a date
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.strip().splitlines()[-1]) == {
        "vendor": "sqlite",
        "invoice": ["16.80", "3.53", "20.33"],
        "credit_notes": [["8.40", "1.76", "10.16"], ["8.40", "1.77", "10.17"]],
        "credited_quantities": ["1.000", "1.000"],
        "allocations": [["20.33", "invoice_credited"], ["10.17", "invoice_credited"]],
        "ledger": [["invoice", "20.33", "0.00"], ["credit_note", "0.00", "10.16"], ["credit_note", "0.00", "10.17"]],
        "summary": [["20.33", "20.33", "2024-000001", "2024-03-31"], ["0.00", "0.00", None, None]],
    }
