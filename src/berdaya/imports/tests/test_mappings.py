"""Issue 13 item 8 and issue 14 item 7: saved column mappings belong to their organisation (or are shared and
changed by officers only) and can map values; the DTKS/DTSEN mapping ships ready."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from berdaya.imports.access import mappings_visible_to
from berdaya.imports.forms import UploadForm
from berdaya.imports.models import ColumnMapping
from berdaya.imports.services import mapping_save
from berdaya.testing import factories

pytestmark = pytest.mark.django_db


def test_a_partner_cannot_overwrite_a_shared_mapping_or_another_organisations(officer, partner):
    shared = mapping_save(actor=officer, name="DTKS", columns={"full_name": "NAMA"})
    other = factories.user("partner", org=factories.organisation("LSM Lain"))
    theirs = mapping_save(actor=other, name="Kami", columns={"full_name": "NAMA_LAIN"})

    mine = mapping_save(actor=partner, name="DTKS", columns={"full_name": "NAMA_ART"})
    mapping_save(actor=partner, name="Kami", columns={"full_name": "X"})
    shared.refresh_from_db()
    theirs.refresh_from_db()
    assert shared.columns == {"full_name": "NAMA"} and shared.organisation is None
    assert theirs.columns == {"full_name": "NAMA_LAIN"}
    assert mine.pk != shared.pk and mine.organisation == partner.organisation
    visible = set(mappings_visible_to(partner).values_list("pk", "organisation_id"))
    assert {(shared.pk, None), (mine.pk, partner.organisation_id)} <= visible
    assert {org for _pk, org in visible} == {None, partner.organisation_id}
    assert theirs not in mappings_visible_to(partner)
    # Saving again under the same name updates the organisation's own mapping.
    again = mapping_save(actor=partner, name="DTKS", columns={"full_name": "NAMA_BARU"})
    assert again.pk == mine.pk and ColumnMapping.objects.filter(name="DTKS").count() == 2


def test_only_officers_change_shared_mappings(officer, facilitator):
    mapping_save(actor=officer, name="Umum", columns={"full_name": "NAMA"})
    with pytest.raises(PermissionDenied):
        mapping_save(actor=facilitator, name="Umum", columns={"full_name": "LAIN"})
    assert ColumnMapping.objects.get(name="Umum").columns == {"full_name": "NAMA"}
    updated = mapping_save(actor=officer, name="Umum", columns={"full_name": "NAMA2"})
    assert updated.columns == {"full_name": "NAMA2"} and ColumnMapping.objects.filter(name="Umum").count() == 1


def test_the_upload_form_offers_only_visible_mappings(partner, client):
    other = factories.user("partner", org=factories.organisation("LSM Lain"))
    theirs = mapping_save(actor=other, name="Milik lain", columns={"full_name": "N"})
    form = UploadForm({"mapping": theirs.pk}, user=partner)
    assert not form.is_valid() and "mapping" in form.errors
    client.force_login(partner)
    page = client.get(reverse("imports:index")).content.decode()
    assert "Milik lain" not in page


def _dtks_file(path, rows):
    import csv

    headers = ["IDBDT", "NOKK", "KDDESA", "ALAMAT", "NIK", "NAMA", "JNS_KEL", "TMPT_LHR", "TGL_LHR", "HUB_KRT"]
    headers.append("STA_KAWIN")
    with open(path, "w", newline="", encoding="cp1252") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def test_the_shipped_dtks_mapping_reads_numeric_codes_and_standard_labels(officer, tmp_path):
    import datetime as dt

    from berdaya.imports import dtks
    from berdaya.imports.pipeline import import_households
    from berdaya.registry.identity import make_nik
    from berdaya.registry.models import Person

    dtks.install()
    saved = ColumnMapping.objects.get(name=dtks.NAME, organisation=None)

    def nik(birth, sex, serial):
        return make_nik(district_code="15.02.01", birth_date=birth, sex=sex, serial=serial)

    people = [
        ("Ahmad", "1", dt.date(1970, 1, 5), "1", "2"),
        ("Siti", "2", dt.date(1972, 2, 6), "2", "2"),
        ("Nenek Ijah", "2", dt.date(1940, 3, 7), "Orang Tua/Mertua", "4"),
        ("Wati", "2", dt.date(1990, 4, 8), "Pembantu Ruta", "1"),
        ("Budi", "1", dt.date(2000, 5, 9), "3", "1"),
        ("Kakek Ali", "1", dt.date(1938, 6, 10), "6", "4"),
    ]
    rows = [
        [
            "BDT-77",
            "1502011201150003",
            "1502012001",
            "Dusun II",
            nik(birth, "M" if sex == "1" else "F", i + 1),
            name,
            sex,
            "Bangko",
            birth.strftime("%d-%m-%Y"),
            rel,
            kawin,
        ]
        for i, (name, sex, birth, rel, kawin) in enumerate(people)
    ]
    path = _dtks_file(tmp_path / "dtks.csv", rows)
    refused = import_households(path=path, actor=officer, mapping=saved.columns, dry_run=True)
    assert refused.invalid == 6  # without the value mapping, "1" is not a sex
    result = import_households(path=path, actor=officer, mapping=saved.columns, values=saved.values, dry_run=False)
    assert (result.new, result.invalid) == (6, 0), result.first_errors()
    got = dict(Person.objects.values_list("full_name", "relationship"))
    assert got == {
        "Ahmad": "head",
        "Siti": "spouse",
        "Nenek Ijah": "parent",
        "Wati": "helper",
        "Budi": "child",
        "Kakek Ali": "parent",
    }
    assert Person.objects.get(full_name="Siti").sex == "F" and Person.objects.get(full_name="Ahmad").sex == "M"
    assert Person.objects.get(full_name="Nenek Ijah").marital_status == "widowed"


def test_a_saved_mapping_carries_its_values_to_the_import(client, officer, tmp_path, settings):
    from berdaya.imports import dtks
    from berdaya.imports.models import ImportRun

    settings.MEDIA_ROOT = tmp_path / "media"
    dtks.install()
    saved = ColumnMapping.objects.get(name=dtks.NAME)
    path = _dtks_file(tmp_path / "dtks.csv", [])
    path.write_text(path.read_text(encoding="cp1252") + "X;;;;;;;;;;\n", encoding="cp1252")
    client.force_login(officer)
    with open(path, "rb") as fh:
        client.post(reverse("imports:index"), {"file": fh, "mapping": saved.pk})
    run = ImportRun.objects.get()
    assert run.value_map == dtks.VALUES and run.mapping_name == dtks.NAME


def test_the_import_command_uses_a_saved_mapping_with_its_values_and_keeps_no_server_path(officer, tmp_path):
    import datetime as dt

    from django.core.management import call_command

    from berdaya.imports import dtks
    from berdaya.imports.models import ImportRun
    from berdaya.registry.identity import make_nik
    from berdaya.registry.models import Person

    dtks.install()
    # A partner's mapping of the same name must not be picked for an officer (names are unique per organisation).
    other = factories.user("partner", org=factories.organisation("LSM Lain"))
    mapping_save(actor=other, name=dtks.NAME, columns={"full_name": "X"})
    birth = dt.date(1970, 1, 5)
    nik = make_nik(district_code="15.02.01", birth_date=birth, sex="M", serial=1)
    row = ["BDT-1", "1502011201150003", "1502012001", "Dusun I", nik, "Ahmad", "1", "Bangko", "05-01-1970", "1", "2"]
    path = _dtks_file(tmp_path / "dtks.csv", [row])
    call_command("import", "households", str(path), "--mapping", dtks.NAME, "--user", officer.username)
    person = Person.objects.get(nik=nik)
    assert (person.sex, person.relationship) == ("M", "head")  # "1" read through the saved value mapping
    assert ImportRun.objects.get().original_name == "dtks.csv"
