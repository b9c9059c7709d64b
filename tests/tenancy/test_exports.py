"""Exports too long to build while the person waits: queued by the list's export button,
prepared by the real Celery worker as the person sees the list, downloaded by them only."""

import dataclasses
import re
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accounts import services as accounts_services
from config.errors import ApplicationError
from tenancy import services
from tenancy.models import Export
from tenancy.scope import tenant_scope
from tenancy.tasks import export_prepare, exports_clean
from tests.conftest import wait_for
from tests.factories import signed_in
from tests.tenancy.isolation import body, snapshot

EXPORT = {"kind": "portfolio", "file_format": "csv", "query": "", "language": "en", "time_zone": "UTC"}


def _request_export(p, actor=None, **fields):
    """Porta's AE (or `actor`) asks for an export: EXPORT with `fields` over it."""
    return services.export_request(organization=p.org, actor=actor or p.ae, **(EXPORT | fields))


def _exports(org) -> list[tuple]:
    with transaction.atomic(), tenant_scope(org):
        return list(
            Export.objects.order_by("id").values_list(
                "requested_by_id", "kind", "file_format", "query", "language", "time_zone", "status"
            )
        )


def _second_account(world, name="Porta Second"):
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        return accounts_services.account_create(
            organization=p.org, actor=p.admin, client=p.client, name=name, owner=p.ae, sales_team=p.team
        )


@override_settings(EXPORT_INLINE_ROWS=1)
def test_a_long_export_asked_for_with_the_button_is_queued_with_the_lists_filters(
    world, django_capture_on_commit_callbacks
):
    # given two accounts, one more than is exported at once
    p = world.porta
    _second_account(world)
    client = signed_in(p.ae)
    # when
    with django_capture_on_commit_callbacks() as enqueued:
        response = client.post("/o/porta/portfolio/export.xlsx?q=porta&sort=-name")
    # then the export page, and one queued export (beside the admin's earlier one) as the
    # account executive sees the list
    rows = _exports(p.org)
    assert rows[1:] == [(p.ae.pk, "portfolio", "xlsx", "q=porta&sort=-name", "en", "Europe/Madrid", "queued")]
    with transaction.atomic(), tenant_scope(p.org):
        queued = Export.objects.filter(organization=p.org).latest("id")
    assert response.status_code == 302 and response["Location"] == f"/o/porta/exports/{queued.pk}/"
    assert len(enqueued) == 1  # the worker is asked once the export is committed


@override_settings(EXPORT_INLINE_ROWS=1)
def test_a_plain_link_to_a_long_export_goes_back_to_the_list_and_writes_nothing(world):
    _second_account(world)
    client = signed_in(world.porta.ae)
    before = snapshot()
    response = client.get("/o/porta/portfolio/export.csv?q=porta")
    assert (response.status_code, response["Location"]) == (302, "/o/porta/portfolio/?q=porta")
    page = client.get(response["Location"]).content.decode()
    assert "This list has 2 rows: press its export button to have the file prepared." in page
    assert snapshot() == before


def test_a_short_export_downloads_at_once_from_the_button(world):
    client = signed_in(world.porta.ae)
    before = snapshot()
    response = client.post("/o/porta/portfolio/export.csv?q=porta")
    assert (response.status_code, response["Content-Disposition"]) == (200, 'attachment; filename="portfolio.csv"')
    assert (
        response.content.decode("utf-8-sig")
        .splitlines()[1]
        .startswith("Porta Account,Porta Client,Ae Porta,Team Porta Digital,")
    )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("kind", "file_format", "message"),
    [
        ("payroll", "csv", "There is no such list to export."),
        ("portfolio", "pdf", "Export as CSV or XLSX."),
        ("portfolio", "csv", "The list's filters are too long to export."),
    ],
)
def test_an_export_that_cannot_be_made_is_refused_and_nothing_is_written(world, kind, file_format, message):
    p = world.porta
    before = snapshot()
    query = "q=" + "x" * 2001 if message.startswith("The list's") else ""
    with pytest.raises(ApplicationError) as refused, transaction.atomic(), tenant_scope(p.org):
        _request_export(p, kind=kind, file_format=file_format, query=query)
    assert refused.value.message == message
    assert snapshot() == before


def test_the_worker_prepares_the_export_as_the_person_sees_the_list(tworld, celery_worker_process):
    # given a long portfolio for the account executive (one account they do not see)
    p = tworld.porta
    _second_account(tworld)
    with transaction.atomic(), tenant_scope(p.org):
        accounts_services.account_create(
            organization=p.org, actor=p.admin, client=p.client, name="Porta Hidden", owner=p.ae2, sales_team=None
        )
    client = signed_in(p.ae)
    at_once = client.get("/o/porta/portfolio/export.csv?sort=-name").content
    # when the list is too long to export at once
    with override_settings(EXPORT_INLINE_ROWS=1):
        response = client.post("/o/porta/portfolio/export.csv?sort=-name")
    page = response["Location"]
    # then the worker writes it, and its page offers the file
    ready = wait_for(lambda: 'data-status="done"' in client.get(page, HTTP_HX_REQUEST="true").content.decode())
    assert ready
    text = client.get(page).content.decode()
    assert (
        "Ready: 2 rows." in text
        and 'hx-trigger="every 1s"' not in text
        and 'href="/o/porta/portfolio/?sort=-name"' in text
    )
    download = client.get(re.search(r'href="(/o/porta/exports/\d+/download/)"', text).group(1))
    assert re.fullmatch(r'attachment; filename="portfolio-\d{8}-\d{4}\.csv"', download["Content-Disposition"])
    assert body(download) == at_once
    assert [line.split(",")[0] for line in at_once.decode("utf-8-sig").splitlines()] == [
        "Account",
        "Porta Second",
        "Porta Account",
    ]


def test_an_export_being_prepared_asks_again_every_second(world):
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        export = _request_export(p)
    response = signed_in(p.ae).get(f"/o/porta/exports/{export.pk}/", HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert text.lstrip().startswith(
        f'<div id="export-status" data-testid="export-status" data-status="queued" hx-get="/o/porta/exports/{export.pk}/" hx-trigger="every 1s"'
    )
    assert "Being prepared…" in text and "<html" not in text and response["Vary"] == "HX-Request, Cookie"
    assert signed_in(p.ae).get(f"/o/porta/exports/{export.pk}/download/").status_code == 404


@pytest.mark.parametrize("who", ["admin of the same organisation", "someone of another organisation"])
def test_an_export_is_only_for_who_asked_for_it(world, who):
    p = world.porta
    asker = signed_in(world.porta.admin if who.startswith("admin") else world.nordwind.admin)
    slug = "porta" if who.startswith("admin") else "nordwind"
    with transaction.atomic(), tenant_scope(p.org):
        export = _request_export(p)
        Export.objects.filter(pk=export.pk).update(status="done", file=p.export.file, rows_total=1)
    before = snapshot()
    for url in (f"/o/{slug}/exports/{export.pk}/", f"/o/{slug}/exports/{export.pk}/download/"):
        response = asker.get(url)
        assert (response.status_code, b"Porta Account" in body(response)) == (404, False), url
    assert snapshot() == before


def test_the_task_prepares_a_queued_export_once(world):
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        export = _request_export(p, kind="incidents", file_format="xlsx", language="ca", time_zone="Europe/Madrid")
    assert export_prepare(organization_id=p.org.pk, export_id=export.pk) == "done"
    with transaction.atomic(), tenant_scope(p.org):
        prepared = Export.objects.get(pk=export.pk)
    # a second delivery of the task changes nothing
    assert export_prepare(organization_id=p.org.pk, export_id=export.pk) is None
    with transaction.atomic(), tenant_scope(p.org):
        assert Export.objects.get(pk=export.pk).file == prepared.file
    assert (prepared.status, prepared.rows_total, prepared.file.startswith(f"exports/{p.org.pk}/incidents-")) == (
        "done",
        1,
        True,
    )
    import openpyxl

    sheet = openpyxl.load_workbook(default_storage.open(prepared.file, "rb")).active
    assert (sheet.title, sheet["A1"].value, sheet["A2"].value) == ("Incidències", "Incidència", "Porta delivery late")


def test_an_export_for_someone_no_longer_a_member_fails_and_says_so(world):
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        export = _request_export(p, actor=p.ae2)
        services.membership_set_active(organization=p.org, actor=p.admin, membership=p.ae2, is_active=False)
    assert export_prepare(organization_id=p.org.pk, export_id=export.pk) == "failed"
    with transaction.atomic(), tenant_scope(p.org):
        assert Export.objects.filter(pk=export.pk).values_list("status", "file", "error").get() == (
            "failed",
            "",
            "not_a_member",
        )


def test_exports_older_than_a_day_are_deleted_with_their_files_and_lost_ones_fail(world):
    # given porta's ready export from yesterday, a young one of ae's, and one of ae2's that the
    # worker lost an hour ago
    p, n = world.porta, world.nordwind
    with transaction.atomic(), tenant_scope(p.org):
        Export.objects.filter(pk=p.export.pk).update(created_at=timezone.now() - timedelta(hours=25))
        young = _request_export(p)
        lost = _request_export(p, actor=p.ae2)
        Export.objects.filter(pk=lost.pk).update(status="running", created_at=timezone.now() - timedelta(hours=1))
    # when
    assert exports_clean() == 1
    # then only yesterday's is gone, with its file; the lost one says it was interrupted
    assert (default_storage.exists(p.export.file), default_storage.exists(n.export.file)) == (False, True)
    with transaction.atomic(), tenant_scope(p.org):
        assert list(Export.objects.order_by("id").values_list("pk", "status", "error")) == [
            (young.pk, "queued", ""),
            (lost.pk, "failed", "interrupted"),
        ]
    assert [row[1] for row in _exports(n.org)] == ["portfolio"]


@override_settings(EXPORT_INLINE_ROWS=0)
def test_filters_too_long_to_keep_are_refused_on_the_list_and_nothing_is_written(world):
    client = signed_in(world.porta.ae)
    before = snapshot()
    # a parameter the list ignores still travels with the export
    response = client.post("/o/porta/portfolio/export.csv?q=porta&note=" + "x" * 2000)
    assert (response.status_code, response["Location"]) == (302, "/o/porta/portfolio/")
    assert "The list&#x27;s filters are too long to export." in client.get(response["Location"]).content.decode()
    assert snapshot() == before


def test_one_export_at_a_time_per_person_the_second_goes_to_the_first(world):
    p = world.porta
    _second_account(world)
    client = signed_in(p.ae)
    with override_settings(EXPORT_INLINE_ROWS=1):
        first = client.post("/o/porta/portfolio/export.csv")
        before = snapshot()
        second = client.post("/o/porta/portfolio/export.xlsx?sort=-name")
    assert (second.status_code, second["Location"]) == (302, first["Location"])
    assert (
        "An export of yours is still being prepared: wait for it to finish."
        in client.get(second["Location"]).content.decode()
    )
    assert snapshot() == before


def test_an_export_whose_list_breaks_fails_with_a_plain_reason_and_no_file(world, monkeypatch, caplog):
    from tenancy import exports

    def broken(**kwargs):
        raise RuntimeError("relation accounts_account does not exist")

    monkeypatch.setitem(
        exports.EXPORT_KINDS, "portfolio", dataclasses.replace(exports.EXPORT_KINDS["portfolio"], build=broken)
    )
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        export = _request_export(p)
    assert export_prepare(organization_id=p.org.pk, export_id=export.pk) == "failed"
    text = signed_in(p.ae).get(f"/o/porta/exports/{export.pk}/").content.decode()
    assert (
        re.search(r'data-testid="export-error">([^<]+)<', text).group(1)
        == "The export failed. Try again; if it fails again, tell your administrator."
    )
    assert "accounts_account" not in text and "accounts_account" in caplog.text
    with transaction.atomic(), tenant_scope(p.org):
        assert Export.objects.filter(pk=export.pk).values_list("status", "error", "file").get() == (
            "failed",
            "broken",
            "",
        )


def test_an_export_found_running_was_interrupted_and_fails_instead_of_running_again(world):
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        export = _request_export(p)
        Export.objects.filter(pk=export.pk).update(status="running")
    assert export_prepare(organization_id=p.org.pk, export_id=export.pk) == "failed"
    with transaction.atomic(), tenant_scope(p.org):
        assert Export.objects.filter(pk=export.pk).values_list("status", "error", "file").get() == (
            "failed",
            "interrupted",
            "",
        )


def test_the_export_page_shows_how_far_the_worker_is(world):
    from django.core.cache import cache

    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        export = _request_export(p)
        Export.objects.filter(pk=export.pk).update(status="running")
    cache.set(services.export_progress_key(p.org, export.pk), {"done": 250, "total": 600})
    try:
        text = signed_in(p.ae).get(f"/o/porta/exports/{export.pk}/", HTTP_HX_REQUEST="true").content.decode()
    finally:
        cache.delete(services.export_progress_key(p.org, export.pk))
    assert "Being prepared… 250 of 600 rows" in text
    assert (
        re.search(
            r'aria-valuenow="250" aria-valuemin="0" aria-valuemax="600"><div class="progress-bar progress-bar-striped progress-bar-animated (ad-w-\d+)"',
            text,
        ).group(1)
        == "ad-w-40"
    )


@pytest.mark.parametrize(("who", "rows"), [("ae", 1), ("ae2", 0)])
def test_a_background_incidents_export_keeps_the_askers_scope(world, who, rows):
    # "mine": the incidents assigned to the person who asked, not to the worker's nobody
    p = world.porta
    with transaction.atomic(), tenant_scope(p.org):
        export = _request_export(p, actor=getattr(p, who), kind="incidents", query="scope=mine&status=open")
    assert export_prepare(organization_id=p.org.pk, export_id=export.pk) == "done"
    with transaction.atomic(), tenant_scope(p.org):
        prepared = Export.objects.get(pk=export.pk)
    lines = default_storage.open(prepared.file).read().decode("utf-8-sig").splitlines()
    assert (prepared.rows_total, [line.split(",")[0] for line in lines[1:]]) == (rows, ["Porta delivery late"][:rows])


def _elsewhere(sql: str, params: list, organization_id: int):
    """Run `sql` on a second connection, as the application role in the organisation's scope:
    what another request sees while the export is being prepared."""
    import psycopg2
    from django.db import connection

    settings = connection.settings_dict
    other = psycopg2.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"],
        port=settings["PORT"],
    )
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT set_config('app.organization_id', %s, true)", [str(organization_id)])
            try:
                cursor.execute(sql, params)
                return cursor.fetchall()
            except psycopg2.errors.LockNotAvailable:
                return "locked"
    finally:
        other.rollback()
        other.close()


def test_preparing_an_export_locks_nothing_and_shows_it_is_running(tworld, monkeypatch):
    # given an export whose list, while it is read, looks at the database from elsewhere
    from tenancy import exports

    p = tworld.porta
    with transaction.atomic(), tenant_scope(p.org):
        # queued without asking the worker: this test is the worker
        export = Export.objects.create(
            organization=p.org, requested_by=p.ae, kind="portfolio", file_format="csv", language="en", time_zone="UTC"
        )
    real, seen = exports.EXPORT_KINDS["portfolio"].build, {}

    def probing(**kwargs):
        seen["person"] = _elsewhere(
            "SELECT id FROM tenancy_membership WHERE id = %s FOR UPDATE NOWAIT", [p.ae.pk], p.org.pk
        )
        seen["export"] = _elsewhere(
            "SELECT status FROM tenancy_export WHERE id = %s FOR UPDATE NOWAIT", [export.pk], p.org.pk
        )
        return real(**kwargs)

    monkeypatch.setitem(
        exports.EXPORT_KINDS, "portfolio", dataclasses.replace(exports.EXPORT_KINDS["portfolio"], build=probing)
    )
    # when
    assert export_prepare(organization_id=p.org.pk, export_id=export.pk) == "done"
    # then the person's row was free to change, and the export was seen running
    assert seen == {"person": [(p.ae.pk,)], "export": [("running",)]}


def test_files_no_export_names_are_deleted_once_as_old(world):
    import os

    from django.core.files.base import ContentFile

    p = world.porta
    orphan = default_storage.save(f"exports/{p.org.pk}/orphan.csv", ContentFile(b"Account\n"))
    fresh = default_storage.save(f"exports/{p.org.pk}/fresh.csv", ContentFile(b"Account\n"))
    day_old = (timezone.now() - timedelta(hours=25)).timestamp()
    os.utime(default_storage.path(orphan), (day_old, day_old))
    os.utime(default_storage.path(p.export.file), (day_old, day_old))  # old on disk, but its export is young
    assert exports_clean() == 0
    assert [default_storage.exists(name) for name in (orphan, fresh, p.export.file)] == [False, True, True]
