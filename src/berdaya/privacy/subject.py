"""Everything held about one person, for their right of access (UU 27/2022 art. 7): a JSON document and a PDF
built from the same sections.

The sections are composed here, on top of every app: the person and their household, then one section per table
that points at a person, found through the registry's list of person relations (`registry.merge.person_relations`,
the list a merge moves), so a table added by a later app is included without anyone listing it here. After those,
harvests (through the person's plots), the change history of the person and household records (who changed them,
when), and the audit of who viewed, exported or changed their data.

Withheld, as UU 27/2022 art. 15 allows for the protection of others and of an ongoing handling: the text of officers'
notes on a rights case (their number is given), and other people's names (a record naming another person shows its
id only). Internal match keys of the duplicate finder are not personal data of their own and are left out.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.core.models import AuditEvent
from berdaya.registry.merge import person_relations
from berdaya.registry.models import Household, Person

# Tables that describe the duplicate finder's work, not the person.
SKIPPED = {"dedup.PersonKey", "dedup.MatchPair"}
# Fields never shown: internal bookkeeping.
HIDDEN_FIELDS = {"id", "merged_into", "history_change_reason"}


@dataclass
class Section:
    key: str
    title: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""


def _value(obj: models.Model, f: models.Field) -> Any:
    if f.choices:
        return getattr(obj, f"get_{f.name}_display")()
    if f.is_relation:
        related_id = getattr(obj, f.attname)
        if related_id is None:
            return None
        if f.related_model is Person:
            return f"#{related_id}"  # another person's name is theirs, not the subject's
        return str(getattr(obj, f.name))
    value = getattr(obj, f.attname)
    if isinstance(value, models.fields.files.FieldFile):
        return (value.name or "").rsplit("/", 1)[-1]
    return value


def _row(obj: models.Model) -> dict[str, Any]:
    return {
        str(f.verbose_name): _value(obj, f)
        for f in obj._meta.concrete_fields
        if f.name not in HIDDEN_FIELDS and not f.name.startswith("_")
    }


def _section(key: str, title: str, qs: Any, note: str = "") -> Section:
    return Section(key, title, [_row(obj) for obj in qs], note)


def sections(person: Person) -> list[Section]:
    household: Household = person.household
    out = [
        _section("person", _("Data diri"), [person]),
        _section("household", _("Rumah tangga"), [household]),
        _section("kk_numbers", _("Riwayat nomor KK"), household.kk_numbers.all()),
    ]
    for relation in person_relations():
        if relation.label in SKIPPED:
            continue
        model = relation.model
        rows = relation.rows(person.pk).order_by("pk")
        key = f"{relation.label}.{relation.field}".lower()
        title = str(model._meta.verbose_name_plural).capitalize()
        if relation.label == "migration.RightsCase":
            from berdaya.migration.models import CaseNote

            notes = CaseNote.objects.filter(case__person=person).count()
            out.append(
                _section(
                    key,
                    title,
                    rows,
                    _("Catatan petugas pada kasus (%(n)s) tidak disertakan: catatan kerja penanganan.") % {"n": notes},
                )
            )
            continue
        if relation.field != "person" and relation.field != "farmer":
            title = f"{title} ({getattr(model._meta.get_field(relation.field), 'verbose_name', relation.field)})"
        out.append(_section(key, title, rows))
    from berdaya.farming.models import Harvest

    out.append(_section("farming.harvest", _("Panen"), Harvest.objects.filter(plot__farmer=person).order_by("pk")))
    out.append(Section("history", _("Riwayat perubahan data"), _history(person)))
    out.append(Section("audit", _("Siapa yang melihat, mengekspor atau mengubah data"), audit_rows(person)))
    return [s for s in out if s.rows or s.note]


def _history(person: Person) -> list[dict[str, Any]]:
    rows = []
    kinds = {"+": _("dibuat"), "~": _("diubah"), "-": _("dihapus")}
    for label, records in (
        (_("penduduk"), person.history.all()),
        (_("rumah tangga"), person.household.history.all()),
    ):
        for h in records.select_related("history_user").order_by("history_date"):
            rows.append(
                {
                    _("waktu"): h.history_date,
                    _("data"): label,
                    _("perubahan"): kinds.get(h.history_type, h.history_type),
                    _("oleh"): h.history_user.username if h.history_user else _("sistem"),
                }
            )
    return rows


def audit_events(person: Person) -> Any:
    """The audit rows about `person`: their own record, their household, and any row naming them (`person` in its
    detail: views of disability profiles and migration episodes, requests...)."""
    from berdaya.migration.models import MigrationEpisode, RightsCase

    episodes = [str(pk) for pk in MigrationEpisode.objects.filter(person=person).values_list("pk", flat=True)]
    cases = [str(pk) for pk in RightsCase.objects.filter(person=person).values_list("pk", flat=True)]
    q = (
        Q(object_type="registry.person", object_id=str(person.pk))
        | Q(object_type="registry.household", object_id=str(person.household_id))
        | Q(object_type="migration.migrationepisode", object_id__in=episodes)
        | Q(object_type="migration.rightscase", object_id__in=cases)
        | Q(detail__person=person.pk)
    )
    return AuditEvent.objects.filter(q).select_related("actor").order_by("at", "id")


def audit_rows(person: Person) -> list[dict[str, Any]]:
    return [
        {
            _("waktu"): e.at,
            _("oleh"): e.actor.username if e.actor else _("sistem"),
            _("tindakan"): e.get_action_display(),
            _("data"): f"{e.object_type}#{e.object_id}",
            _("rincian"): e.detail.get("event", ""),
        }
        for e in audit_events(person)
    ]


class _Encoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, Decimal):
            return str(o)
        return super().default(o)


def as_json(person: Person) -> str:
    document = {
        "dibuat": timezone.now(),
        "subjek": person.pk,
        "bagian": [{"kunci": s.key, "judul": s.title, "catatan": s.note, "baris": s.rows} for s in sections(person)],
    }
    return json.dumps(document, cls=_Encoder, ensure_ascii=False, indent=2)


def _display(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("ya") if value else _("tidak")
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, cls=_Encoder, ensure_ascii=False)
    return str(value)


def as_html(person: Person) -> str:
    shown = [
        {"title": s.title, "note": s.note, "rows": [[(k, _display(v)) for k, v in row.items()] for row in s.rows]}
        for s in sections(person)
    ]
    return render_to_string(
        "privacy/subject_pdf.html", {"person": person, "sections": shown, "printed": timezone.localtime()}
    )


def as_pdf(person: Person) -> bytes:
    from weasyprint import HTML

    return HTML(string=as_html(person)).write_pdf()
