"""Statements in bulk and the monthly mailing, on real Celery workers: the suite's worker, and one
of this module's own that a test kills half-way through a batch.

- A batch: its progress on its page while the worker writes it, its ZIP, and no second set of
  files when the same statements are asked for again or the task is delivered again.
- A worker killed mid-batch leaves no ZIP anyone is offered; the task run again takes the batch
  up where it stopped (the statements already written are kept) and completes it.
- The monthly mailing: each account's statement to its finance contact, in their language, the
  PDF attached, recorded once however many times the mailing runs.
"""

import email
import email.policy
import io
import os
import re
import signal
import subprocess
import sys
import uuid
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accounts import services as accounts_services
from billing import services
from billing.models import StatementBatch, StatementSending
from billing.tasks import statement_batch_build, statements_monthly, statements_monthly_send
from clients import services as clients_services
from tenancy.scope import tenant_scope
from tests.billing.conftest import FEBRUARY
from tests.conftest import ROOT, wait_for
from tests.factories import signed_in

D = Decimal


def _accounts(o, count: int) -> list:
    """`count` more accounts of the world's client, each with an invoice (so each statement has a line)."""
    made = []
    with transaction.atomic(), tenant_scope(o.org):
        for n in range(count):
            account = accounts_services.account_create(
                organization=o.org, actor=o.admin, client=o.client, name=f"Branch {n:02d}", owner=o.ae
            )
            invoice = services.invoice_create(
                organization=o.org,
                actor=o.finance,
                account=account,
                issue_date=date(2024, 2, 1),
                lines=[{"product": o.product, "quantity": D(n + 1)}],
            )
            services.invoice_issue(organization=o.org, actor=o.finance, invoice=invoice)
            made.append(account)
    return made


def _batch(o, pk) -> StatementBatch:
    with transaction.atomic(), tenant_scope(o.org):
        return StatementBatch.objects.get(organization=o.org, pk=pk)


def _zips(o, batch_id: int) -> list[Path]:
    """The batch's ZIPs, whole or being written (named …-<batch id>.zip, .zip.part)."""
    folder = Path(default_storage.path(f"statements/{o.org.pk}"))
    return sorted(folder.glob(f"statements-*-{batch_id}.zip*")) if folder.exists() else []


def _status(browser, url) -> dict:
    html = browser.get(url, HTTP_HX_REQUEST="true").content.decode()
    found = re.search(r'data-status="(\w+)" data-done="(\d+)" data-total="(\d+)"', html)
    return {"status": found.group(1), "done": int(found.group(2)), "total": int(found.group(3)), "html": html}


@pytest.fixture
def porta_files(tworld):
    """Porta's statement files start (and end) empty: organisations of earlier runs of the suite,
    in a database made afresh, had the same ids."""
    import shutil

    folder = Path(default_storage.path(f"statements/{tworld.porta.org.pk}"))
    shutil.rmtree(folder, ignore_errors=True)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


# --- A batch on the suite's worker -----------------------------------------------------------------


def test_the_worker_prepares_everyones_statements_as_one_zip_and_asking_again_makes_no_second(
    tworld, porta_files, celery_worker_process
):
    p = tworld.porta
    _accounts(p, 3)
    browser = signed_in(p.finance)
    data = {"team": "", "start": "2024-01-01", "end": "2024-02-29", "file_format": "pdf"}
    page = browser.post("/o/porta/billing/statements/batches/", data)["Location"]
    # the page says how far along it is until the ZIP is offered
    done = wait_for(lambda: (s := _status(browser, page))["status"] == "done" and s, timeout=120)
    assert (done["done"], done["total"]) == (4, 4)
    assert 'hx-trigger="every 1s"' not in done["html"] and "Ready: 4 statements." in done["html"]
    batch_id = int(page.rstrip("/").rsplit("/", 1)[1])
    batch = _batch(p, batch_id)
    download = browser.get(f"{page}download/")
    content = b"".join(download.streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
        assert all(archive.read(name).startswith(b"%PDF") for name in names)
    ids = sorted(a.pk for a in _all_accounts(p))
    assert sorted(names) == sorted(
        f"porta-digital-client-sl-{name}-{pk}.pdf" for pk, name in zip(ids, _slugs(p, ids), strict=True)
    )
    assert download["Content-Disposition"] == f'attachment; filename="{Path(batch.file).name}"'
    # asking again, or the task delivered again: the same batch, the same one ZIP
    zips = _zips(p, batch_id)
    assert len(zips) == 1
    stamp = zips[0].stat().st_mtime_ns
    assert browser.post("/o/porta/billing/statements/batches/", data)["Location"] == page
    assert statement_batch_build(organization_id=p.org.pk, batch_id=batch_id) is None
    with transaction.atomic(), tenant_scope(p.org):
        assert StatementBatch.objects.filter(organization=p.org, requested_by=p.finance).count() == 1
    assert _zips(p, batch_id) == zips and zips[0].stat().st_mtime_ns == stamp


def _all_accounts(o):
    from accounts.models import Account

    with transaction.atomic(), tenant_scope(o.org):
        return list(Account.objects.filter(organization=o.org))


def _slugs(o, ids):
    from django.utils.text import slugify

    names = {a.pk: a.name for a in _all_accounts(o)}
    return [slugify(names[pk]) for pk in ids]


# --- A worker killed half-way -------------------------------------------------------------------------


@pytest.fixture
def own_worker(tmp_path):
    """A Celery worker of this test alone, on a queue of its own (the suite's worker never takes
    its tasks), that the test may kill."""
    queue = f"statements-kill-{uuid.uuid4().hex[:8]}"
    log_path = tmp_path / "worker.log"
    log = open(log_path, "w")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "CELERY_QUEUE": queue}
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1"]
        + ["--loglevel=INFO", "-Q", queue, "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    wait_for(lambda: process.poll() is not None or "ready." in log_path.read_text(), timeout=60)
    assert process.poll() is None, log_path.read_text()
    yield type("Worker", (), {"queue": queue, "process": process, "log": log_path})
    if process.poll() is None:
        process.kill()
        process.wait(timeout=20)
    log.close()


def test_a_worker_killed_mid_batch_leaves_no_zip_offered_and_the_task_run_again_completes_it(
    tworld, porta_files, own_worker
):
    p = tworld.porta
    _accounts(p, 24)
    with transaction.atomic(), tenant_scope(p.org):
        batch = StatementBatch.objects.create(
            organization=p.org,
            requested_by=p.finance,
            scope="tenant",
            period_start=date(2024, 1, 1),
            period_end=date(2024, 2, 29),
            file_format="pdf",
            language="en",
        )
    statement_batch_build.apply_async(
        kwargs={"organization_id": p.org.pk, "batch_id": batch.pk}, queue=own_worker.queue
    )
    browser = signed_in(p.finance)
    page = f"/o/porta/billing/statements/batches/{batch.pk}/"
    # the progress shows on the page while the worker writes the statements one by one
    seen = wait_for(lambda: (s := _status(browser, page))["done"] >= 3 and s, timeout=120, interval=0.05)
    assert seen["status"] == "running" and 3 <= seen["done"] < seen["total"] == 25
    assert 'hx-trigger="every 1s"' in seen["html"] and f"{seen['done']} of 25 statements" in seen["html"]
    # when the worker dies
    own_worker.process.send_signal(signal.SIGKILL)
    own_worker.process.wait(timeout=20)
    # then no ZIP is offered, nor anywhere to be found; the batch still says it is being prepared
    killed = _batch(p, batch.pk)
    assert (killed.status, killed.file, _zips(p, batch.pk)) == ("running", "", [])
    assert browser.get(f"{page}download/").status_code == 404
    assert "Being prepared…" in browser.get(page).content.decode()
    folder = Path(default_storage.path(f"statements/{p.org.pk}/batch-{batch.pk}"))
    written = sorted(folder.glob("*.pdf"))
    assert len(written) >= killed.accounts_done >= 3
    # (a mark on one of them, to see that the run that takes the batch up keeps what was written)
    kept = written[0]
    kept.write_bytes(kept.read_bytes() + b"%kept by the second run\n")
    # and the task run again, once the batch has gone quiet, takes it up where it stopped
    with override_settings(STATEMENT_BATCH_STALE_SECONDS=0):
        assert statement_batch_build(organization_id=p.org.pk, batch_id=batch.pk) == "done"
    finished = _batch(p, batch.pk)
    assert (finished.status, finished.accounts_done, finished.accounts_total, finished.attempts) == ("done", 25, 25, 2)
    assert [z.name for z in _zips(p, batch.pk)] == [Path(finished.file).name]
    with zipfile.ZipFile(_zips(p, batch.pk)[0]) as archive:
        names = archive.namelist()
        marked = [name for name in names if archive.read(name).endswith(b"%kept by the second run\n")]
    assert (len(names), marked) == (25, [name for name in names if name.endswith(f"-{kept.stem}.pdf")])
    assert not folder.exists()  # the working files go once the ZIP is in place


# --- The monthly mailing ------------------------------------------------------------------------------


def _finance_contact(o, language="ca"):
    with transaction.atomic(), tenant_scope(o.org):
        clients_services.contact_create(
            organization=o.org,
            actor=o.admin,
            client=o.client,
            full_name="Marta Puig",
            email="marta@porta-client.example",
            buying_role="finance",
            language=language,
        )


def test_the_mailing_sends_each_statement_once_in_the_contacts_language_with_the_pdf(world, february):
    p = world.porta
    _finance_contact(p, "es")
    with transaction.atomic(), tenant_scope(p.org):  # an account with no finance contact: no mail
        quiet = accounts_services.account_create(
            organization=p.org, actor=p.admin, client=p.client, name="Porta Quiet", owner=p.ae
        )
        services.payment_record(
            organization=p.org, actor=p.finance, account=quiet, amount=D("5.00"), received_on=date(2024, 2, 3)
        )
    period = {"period_start": FEBRUARY[0].isoformat(), "period_end": FEBRUARY[1].isoformat()}
    assert statements_monthly_send(organization_id=p.org.pk, **period) == 2  # Porta Account and Porta Quiet
    assert statements_monthly_send(organization_id=p.org.pk, **period) == 0  # run again: nothing twice
    assert [m.to for m in mail.outbox] == [["marta@porta-client.example"], ["marta@porta-client.example"]]
    (message, _quiet) = mail.outbox
    assert message.subject == "Porta Digital: extracto de cuenta Porta Account, 01/02/2024 a 29/02/2024"
    assert "Saldo a 29/02/2024: 226,35\xa0€." in message.body and "De este, 145,20\xa0€ está vencido." in message.body
    (name, content, mimetype) = message.attachments[0]
    assert (name, mimetype, content[:4]) == (
        "statement-porta-account-2024-02-01-2024-02-29.pdf",
        "application/pdf",
        b"%PDF",
    )
    with transaction.atomic(), tenant_scope(p.org):
        sendings = list(
            StatementSending.objects.filter(organization=p.org, kind="scheduled")
            .order_by("account_id")
            .values_list("account__name", "recipient_email", "language", "period_start", "period_end")
        )
        assert StatementSending.objects.filter(organization=p.org, kind="scheduled", sent_at__isnull=True).count() == 0
    assert sendings == [
        ("Porta Account", "marta@porta-client.example", "es", *FEBRUARY),
        ("Porta Quiet", "marta@porta-client.example", "es", *FEBRUARY),
    ]


def test_an_account_without_a_finance_contact_gets_no_mail_and_no_record(world, february):
    p = world.porta
    period = {"period_start": FEBRUARY[0].isoformat(), "period_end": FEBRUARY[1].isoformat()}
    assert statements_monthly_send(organization_id=p.org.pk, **period) == 0
    assert mail.outbox == []
    with transaction.atomic(), tenant_scope(p.org):
        assert StatementSending.objects.filter(organization=p.org, kind="scheduled").count() == 0


def test_on_its_statement_day_the_worker_mails_last_months_statements_once(tworld, celery_worker_process):
    p = tworld.porta
    _finance_contact(p, "ca")
    with transaction.atomic(), tenant_scope(p.org):
        services.billing_settings_update(organization=p.org, actor=p.finance, statements_monthly=True, statement_day=15)
    today = timezone.localdate().replace(day=15)
    end = today.replace(day=1) - timedelta(days=1)
    start = end.replace(day=1)
    mail_dir = Path(celery_worker_process.mail_dir)
    before = set(mail_dir.iterdir())

    def mails():
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in set(mail_dir.iterdir()) - before
        ]

    def finished_sends():
        return len(
            re.findall(r"statements_monthly_send\[[^\]]+\] succeeded", celery_worker_process.log_path.read_text())
        )

    already = finished_sends()
    # not its day: nothing
    assert statements_monthly(today=today.replace(day=14).isoformat()) == []
    # its day: porta's mailing, not nordwind's (it does not mail statements)
    assert statements_monthly(today=today.isoformat()) == [p.org.pk]
    wait_for(lambda: finished_sends() == already + 1, timeout=120)
    (message,) = mails()
    assert message["To"] == "marta@porta-client.example"
    # (strip: a long header is folded after its name)
    subject = f"Porta Digital: extracte de compte Porta Account, {start:%d/%m/%Y} a {end:%d/%m/%Y}"
    assert message["Subject"].strip() == subject
    attachment = [part for part in message.walk() if part.get_content_type() == "application/pdf"]
    assert attachment[0].get_filename() == f"statement-porta-account-{start}-{end}.pdf"
    assert attachment[0].get_payload(decode=True).startswith(b"%PDF")
    # run again (beat twice, a retry): the worker sends nothing twice
    assert statements_monthly(today=today.isoformat()) == [p.org.pk]
    wait_for(lambda: finished_sends() == already + 2, timeout=120)
    assert len(mails()) == 1
    with transaction.atomic(), tenant_scope(p.org):
        assert list(
            StatementSending.objects.filter(organization=p.org, kind="scheduled").values_list(
                "recipient_email", "language", "period_start", "period_end"
            )
        ) == [("marta@porta-client.example", "ca", start, end)]
    assert settings.CELERY_BEAT_SCHEDULE["billing-statements-monthly"]["task"] == "billing.tasks.statements_monthly"
