from __future__ import annotations

import io

import pytest
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from berdaya.core.audit import fingerprint
from berdaya.core.models import AuditEvent
from berdaya.imports.models import ColumnMapping, ImportRun
from berdaya.jobs.models import Job
from berdaya.registry.models import Person
from berdaya.testing import factories

from .helpers import household, write_csv

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@override_settings(TASKS=IMMEDIATE)
def test_upload_check_commit_flow(client, officer, tmp_path, django_capture_on_commit_callbacks, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(officer)
    rows = household("A", 10) + household("B", 20, kk_number="1502011201150004")
    rows[3]["birth_date"] = "31/02/1990"
    path = write_csv(tmp_path / "a.csv", rows, delimiter=";")
    with django_capture_on_commit_callbacks(execute=True), open(path, "rb") as fh:
        response = client.post(reverse("imports:index"), {"file": fh})
    job = Job.objects.get()
    assert response.url == reverse("jobs:detail", args=[job.pk])
    assert job.status == Job.Status.SUCCEEDED and job.done == 4
    page = client.get(reverse("jobs:detail", args=[job.pk]))
    assert b"progress-bar" in page.content and b"hx-trigger" not in page.content  # finished: polling stops
    run = ImportRun.objects.get()
    preview = client.get(reverse("imports:preview", args=[run.pk]))
    assert preview.context["counts"]["new"] == 2 and preview.context["counts"]["invalid"] == 2
    errors = client.get(reverse("imports:errors", args=[run.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(errors.streaming_content))).active
    lines = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "kalender" in lines[5][2] and lines[5][1] == "Tanggal lahir" and "Dilewati" in lines[4][2]
    assert lines[5][3 + 1] == "1502011201150004"  # the original row follows: Kode rumah tangga, Nomor KK, ...
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:preview", args=[run.pk]), {"mode": "valid-only"})
    run.refresh_from_db()
    assert run.status == ImportRun.Status.IMPORTED and run.result["new"] == 2
    assert Person.objects.count() == 2 and len(run.checksum) == 64


def test_job_progress_fragment_polls_while_running(client, officer):
    job = Job.objects.create(kind="x", handler="x", created_by=officer, status=Job.Status.RUNNING, total=10, done=4)
    client.force_login(officer)
    fragment = client.get(reverse("jobs:progress", args=[job.pk]))
    assert b'hx-trigger="every 1s"' in fragment.content and b'data-width="40"' in fragment.content
    client.post(reverse("jobs:cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.cancel_requested
    other = factories.user("officer")
    client.force_login(other)
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 404


def test_mapping_page_saves_a_named_mapping(client, officer, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(officer)
    headers = ["ID_RUTA", "KODE_DESA", "NAMA", "JK", "TGL", "HUB", "NIK"]
    path = write_csv(tmp_path / "d.csv", [dict.fromkeys(headers, "")], headers=headers)
    with open(path, "rb") as fh:
        response = client.post(reverse("imports:index"), {"file": fh})
    run = ImportRun.objects.get()
    assert response.url == reverse("imports:mapping", args=[run.pk])
    data = {
        "col_hh_key": "ID_RUTA",
        "col_village_id": "KODE_DESA",
        "col_full_name": "NAMA",
        "col_sex": "JK",
        "col_birth_date": "TGL",
        "col_relationship": "HUB",
        "col_nik": "NIK",
        "save_as": "DTKS desa",
    }
    client.post(reverse("imports:mapping", args=[run.pk]), data)
    assert ColumnMapping.objects.get(name="DTKS desa").columns["full_name"] == "NAMA"


def test_templates_download(client, officer):
    client.force_login(officer)
    xlsx = client.get(reverse("imports:template", args=["xlsx"]))
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Data", "Petunjuk"] and book["Data"].cell(1, 1).value == "Kode rumah tangga"
    assert client.get(reverse("imports:template", args=["csv"])).content.startswith(b"\xef\xbb\xbfKode rumah tangga;")


def _export(client, user, **params):
    client.force_login(user)
    return client.get(reverse("imports:export"), params)


def test_export_masks_identifiers_by_role_and_is_audited(client, officer, partner):
    hh = factories.household(address="Jl. Rahasia", registered_by_organisation=partner.organisation)
    p = factories.person(hh=hh, name='=HYPERLINK("http://x")', phone="081234567890")
    full = b"".join(_export(client, officer, format="csv", q="HYPERLINK").streaming_content).decode("utf-8-sig")
    assert p.nik in full and "081234567890" in full and "'=HYPERLINK" in full
    masked = b"".join(_export(client, partner, format="csv").streaming_content).decode("utf-8-sig")
    assert p.nik not in masked and "081234567890" not in masked and "Jl. Rahasia" not in masked
    event = AuditEvent.objects.filter(action="export").first()
    assert event.detail["rows"] == 1 and event.detail["masked"] is True and event.actor == partner
    assert AuditEvent.objects.get(actor=officer, action="export").detail["filter"] == {"q": fingerprint("HYPERLINK")}


@pytest.mark.parametrize("name", [";=1+1", "Siti,-2+3", 'Budi;=HYPERLINK("http://x")'])
def test_export_neutralises_a_formula_after_a_separator_once(client, officer, name):
    factories.person(name=name)
    text = b"".join(_export(client, officer, format="csv").streaming_content).decode("utf-8-sig")
    line = text.splitlines()[1]
    assert "''" not in line.replace('""', "")
    # Excel in an Indonesian locale splits on ";"; a reader ignoring quotes does so naively.
    for delimiter in (";", ","):
        for piece in line.split(delimiter):
            assert piece.lstrip(' "')[:1] not in ("=", "+", "-", "@"), (delimiter, piece)


def test_export_xlsx_and_viewer_refused(client, officer, viewer):
    factories.person()
    response = _export(client, officer, format="xlsx")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.active.max_row == 2
    assert _export(client, viewer, format="csv").status_code == 403


def test_a_refused_export_logs_one_line(client, viewer):
    import logging

    from berdaya.core.logging import RedactPersonalData

    console = next(
        h for h in logging.getLogger("django").handlers if any(isinstance(f, RedactPersonalData) for f in h.filters)
    )
    client.force_login(viewer)
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        assert client.get(reverse("imports:export"), {"format": "csv", "q": "150201070169"}).status_code == 403
    finally:
        console.setStream(previous)
    assert stream.getvalue().splitlines() == [f"403 Forbidden (Permission denied): {reverse('imports:export')}"]


@override_settings(TASKS=IMMEDIATE)
def test_an_import_whose_worker_died_is_released_and_can_be_imported(
    client, officer, tmp_path, django_capture_on_commit_callbacks, settings
):
    """Issue #14.4: no longer "sedang diproses" after its worker died; the officer imports it again."""
    import socket
    import subprocess
    import sys

    from berdaya.jobs.services import jobs_recover

    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(officer)
    with (
        django_capture_on_commit_callbacks(execute=True),
        open(write_csv(tmp_path / "a.csv", household("A", 10)), "rb") as fh,
    ):
        client.post(reverse("imports:index"), {"file": fh})
    run = ImportRun.objects.get()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    job = Job.objects.create(
        kind="imports.households",
        handler="berdaya.imports.services.run_import_job",
        params={"run_id": run.pk, "dry_run": False, "mode": "valid-only"},
        created_by=officer,
        status=Job.Status.RUNNING,
        worker_host=socket.gethostname(),
        worker_pid=dead.pid,
    )
    ImportRun.objects.filter(pk=run.pk).update(job=job, status=ImportRun.Status.IMPORTING)
    assert jobs_recover() == [job.pk]
    run.refresh_from_db()
    job.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED and job.result["url"] == reverse("imports:preview", args=[run.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:preview", args=[run.pk]), {"mode": "valid-only"})
    run.refresh_from_db()
    assert run.status == ImportRun.Status.IMPORTED and Person.objects.count() == 2
