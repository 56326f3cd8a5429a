"""Writes of the markets app: price observations (form and upload, with the outlier check), their confirmation,
subscribers' consent, bulletins, alerts and the outbox. Keyword-only, actor first, one transaction each."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.areas.models import District
from berdaya.areas.selectors import deployment_regency
from berdaya.core.audit import audit
from berdaya.core.conf import conf
from berdaya.core.dates import NotInCalendar, UnknownDateFormat, monday_of, parse_written_date
from berdaya.core.forms import parse_number
from berdaya.core.money import thousands
from berdaya.core.phone import normalise_phone
from berdaya.core.spreadsheet import FileInfo, ImportFileError, read_rows
from berdaya.jobs.models import Job
from berdaya.jobs.progress import Progress
from berdaya.registry.access import ensure_can_edit_household
from berdaya.registry.choices import ConsentPurpose
from berdaya.registry.consent import excluded_for

from . import access, gsm, selectors
from . import choices as c
from .models import (
    Bulletin,
    Commodity,
    Grade,
    InboundCommand,
    OutboxMessage,
    PriceAlert,
    PriceObservation,
    PricePoint,
    SubscriberConsent,
    iso_week,
)
from .providers import Inbound, PermanentSendError, Provider, Receipt, SendError, get_provider


def ensure_can_enter_prices(actor: User) -> None:
    if not access.can_enter_prices(actor):
        raise PermissionDenied(_("Peran Anda tidak boleh mencatat harga."))


def ensure_can_manage_prices(actor: User) -> None:
    if not access.can_manage_prices(actor):
        raise PermissionDenied(_("Hanya petugas dinas atau admin yang boleh melakukan ini."))


class NeedsConfirmation(ValidationError):
    """The price is far from the recent median: the user must look again and confirm."""

    def __init__(self, check: selectors.OutlierCheck):
        super().__init__({"price_per_kg": [check.message]})
        self.check = check


# Observations


@transaction.atomic
def observation_record(
    *, actor: User, data: dict[str, Any], confirm: bool = False, confirm_note: str = ""
) -> PriceObservation:
    """Record one price. An outlier is refused with NeedsConfirmation unless `confirm`: then it is kept, marked as
    confirmed, with the check's message and the median it was compared with."""
    ensure_can_enter_prices(actor)
    obs = PriceObservation(recorded_by=actor, **data)
    obs.full_clean(exclude=["week", "district", "channel"])
    check = selectors.check_price(
        commodity=obs.commodity, price_per_kg=obs.price_per_kg, on_date=obs.date, channel=obs.point.channel
    )
    obs.reference_median = check.median
    if check.is_outlier:
        if not confirm:
            raise NeedsConfirmation(check)
        obs.status = c.ObservationStatus.CONFIRMED
        obs.flag_reason = _with_note(check.message, confirm_note, field="confirm_note")
    obs.save()
    return obs


def _with_note(reason: str, note: str, *, field: str) -> str:
    """The check's reason followed by the user's note, refused (never cut) when together they do not fit."""
    if not note:
        return reason
    limit = PriceObservation._meta.get_field("flag_reason").max_length or 0
    room = limit - len(reason) - len(" — ")
    if len(note) > room:
        raise ValidationError(
            {field: _("Keterangan paling banyak %(room)s karakter (tertulis %(n)s).") % {"room": room, "n": len(note)}}
        )
    return f"{reason} — {note}"


@transaction.atomic
def observation_review(*, actor: User, observation: PriceObservation, accept: bool, note: str = "") -> PriceObservation:
    """An officer confirms (it is real) or rejects (a mistake) an observation waiting for confirmation."""
    ensure_can_manage_prices(actor)
    if observation.status != c.ObservationStatus.PENDING:
        raise ValidationError(_("Pengamatan ini tidak sedang menunggu konfirmasi."))
    observation.status = c.ObservationStatus.CONFIRMED if accept else c.ObservationStatus.REJECTED
    if note:
        observation.flag_reason = _with_note(observation.flag_reason, note, field="note")
    observation.save(update_fields=["status", "flag_reason"])
    audit(actor=actor, action="update", obj=observation, event="price_review", accepted=accept)
    return observation


# Upload


COLUMNS = {
    "tanggal": "date",
    "date": "date",
    "titik": "point",
    "titik_harga": "point",
    "point": "point",
    "komoditas": "commodity",
    "commodity": "commodity",
    "mutu": "grade",
    "grade": "grade",
    "jenis_harga": "price_type",
    "jenis": "price_type",
    "price_type": "price_type",
    "harga": "price",
    "harga_per_kg": "price",
    "price": "price",
    "sumber": "source",
    "source": "source",
}
REQUIRED = ("date", "point", "commodity", "price_type", "price")
# The column names a user writes in the file's header row (the upload help lists them): a message names a missing
# column this way, never by its internal key.
HEADER_NAMES = {
    "date": "tanggal",
    "point": "titik",
    "commodity": "komoditas",
    "price_type": "jenis_harga",
    "price": "harga",
}


def _norm(text: Any) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text or "").strip().lower()).strip("_")


def _parse_date(raw: Any) -> dt.date:
    text = str(raw or "").strip()[:20]
    try:
        day = parse_written_date(raw)
    except NotInCalendar:
        raise ValueError(_("tanggal “%(v)s” tidak ada di kalender") % {"v": text}) from None
    except UnknownDateFormat:
        day = None
    if day is None:
        raise ValueError(_("format tanggal “%(v)s” tidak dikenal: gunakan dd/mm/yyyy atau yyyy-mm-dd") % {"v": text})
    return day


def _parse_price(raw: Any) -> int:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        value = Decimal(str(raw))
    else:
        # Indonesian notation, as on every form: 11.600 or 11.600,50, "Rp" in front or not.
        try:
            value = parse_number(str(raw or ""))
        except ValueError:
            raise ValueError(_("harga “%(v)s” bukan angka") % {"v": str(raw)[:20]}) from None
    if value <= 0:
        raise ValueError(_("harga harus lebih dari nol"))
    return int(value.quantize(Decimal(1)))


def _choice(raw: Any, choices: Iterable[tuple[str, Any]]) -> str:
    text = _norm(raw)
    for value, label in choices:
        if text in {value, _norm(label)}:
            return value
    aliases = {"petani": "farm_gate", "tingkat_petani": "farm_gate", "grosir": "wholesale", "eceran": "retail"}
    aliases |= {"penetapan": "set_price", "resmi": "official", "mitra": "partner", "enumerator": "enumerator"}
    if text in aliases and aliases[text] in {v for v, _l in choices}:
        return aliases[text]
    raise ValueError(_("nilai “%(v)s” tidak dikenal") % {"v": str(raw)[:30]})


# A price file is a market day or a season of observations, never more: a bigger one is refused before it fills
# memory with observations to check.
MAX_UPLOAD_ROWS = 20_000


@dataclass
class UploadResult:
    saved: int = 0
    pending: int = 0
    errors: list[str] = field(default_factory=list)


def observations_upload(*, actor: User, path: str | Path, source_default: str = c.Source.ENUMERATOR) -> UploadResult:
    """Read a CSV/XLSX of prices (core.spreadsheet decodes it), validate every row with the model's rules, and save
    all rows or none. Outliers are saved as waiting for confirmation and do not count until an officer confirms."""
    ensure_can_enter_prices(actor)
    result = UploadResult()
    info = FileInfo()
    commodities: dict[str, Commodity] = {}
    for known in Commodity.objects.all():
        commodities[_norm(known.code)] = known
        commodities[_norm(known.name)] = known
    points: dict[str, PricePoint] = {}
    for active in PricePoint.objects.filter(is_active=True):
        points[_norm(active.name)] = active
        points[str(active.pk)] = active
    grades = {(g.commodity_id, _norm(g.code)): g for g in Grade.objects.all()}
    grades |= {(g.commodity_id, _norm(g.name)): g for g in Grade.objects.all()}
    rows: list[tuple[int, PriceObservation]] = []
    try:
        for row_no, values in read_rows(path, info, max_rows=MAX_UPLOAD_ROWS):
            mapping = {COLUMNS[_norm(h)]: i for i, h in enumerate(info.headers) if _norm(h) in COLUMNS}
            missing = [col for col in REQUIRED if col not in mapping]
            if missing:
                result.errors.append(
                    _("Kolom wajib tidak ada: %(c)s. Baris judul berkas harus memuat kolom %(all)s.")
                    % {"c": ", ".join(HEADER_NAMES[col] for col in missing), "all": ", ".join(HEADER_NAMES.values())}
                )
                return result

            def get(col: str, mapping: dict[str, int] = mapping, values: list[Any] = values) -> Any:
                i = mapping.get(col)
                return values[i] if i is not None and i < len(values) else ""

            errors = []
            obs = PriceObservation(recorded_by=actor)
            try:
                obs.date = _parse_date(get("date"))
            except ValueError as exc:
                errors.append(_("tanggal: %(e)s") % {"e": exc})
            point = points.get(_norm(get("point")))
            if point is None:
                errors.append(_("titik harga “%(v)s” tidak dikenal") % {"v": str(get("point"))[:40]})
            else:
                obs.point = point
            com = commodities.get(_norm(get("commodity")))
            if com is None:
                errors.append(_("komoditas “%(v)s” tidak dikenal") % {"v": str(get("commodity"))[:40]})
            else:
                obs.commodity = com
                if _norm(get("grade")):
                    grade = grades.get((com.pk, _norm(get("grade"))))
                    obs.grade = grade
                    if grade is None:
                        errors.append(_("mutu “%(v)s” tidak dikenal") % {"v": str(get("grade"))[:40]})
            for col, attr, choices in (
                ("price_type", "price_type", c.PriceType.choices),
                ("source", "source", c.Source.choices),
            ):
                raw = get(col)
                if col == "source" and not _norm(raw):
                    obs.source = source_default
                    continue
                try:
                    setattr(obs, attr, _choice(raw, choices))
                except ValueError as exc:
                    errors.append(f"{col}: {exc}")
            try:
                obs.price_per_kg = _parse_price(get("price"))
            except ValueError as exc:
                errors.append(_("harga: %(e)s") % {"e": exc})
            if not errors:
                try:
                    obs.full_clean(exclude=["week", "district", "channel"])
                except ValidationError as exc:
                    errors.extend(f"{k}: {'; '.join(v)}" for k, v in exc.message_dict.items())
            if errors:
                result.errors.append(_("Baris %(row)s: %(e)s") % {"row": row_no, "e": "; ".join(errors)})
                if len(result.errors) >= 200:
                    break
            else:
                rows.append((row_no, obs))
    except ImportFileError as exc:
        result.errors.append(str(exc))
    if result.errors:
        return result
    if not rows:
        result.errors.append(_("File tidak berisi baris data."))
        return result
    with transaction.atomic():
        for _row_no, obs in rows:
            check = selectors.check_price(
                commodity=obs.commodity, price_per_kg=obs.price_per_kg, on_date=obs.date, channel=obs.point.channel
            )
            obs.reference_median = check.median
            if check.is_outlier:
                obs.status = c.ObservationStatus.PENDING
                obs.flag_reason = check.message[:300]
                result.pending += 1
            obs.save()
            result.saved += 1
        audit(
            actor=actor,
            action="create",
            object_type="markets.priceobservation",
            event="price_upload",
            rows=result.saved,
        )
    return result


# Subscribers


@transaction.atomic
def subscriber_save(*, actor: User, data: dict[str, Any], commodities: Iterable[Commodity]) -> SubscriberConsent:
    if not access.can_manage_subscribers(actor):
        raise PermissionDenied(_("Peran Anda tidak boleh mencatat persetujuan penerima buletin."))
    if not commodities:
        raise ValidationError({"commodities": _("Pilih minimal satu komoditas.")})
    person = data.get("person")
    if person is not None:
        ensure_can_edit_household(actor, person.household)
    sub = SubscriberConsent(recorded_by=actor, **data)
    sub.full_clean()
    sub.save()
    sub.commodities.set(commodities)
    audit(actor=actor, action="create", obj=sub, event="bulletin_consent")
    return sub


@transaction.atomic
def subscriber_withdraw(*, actor: User, subscriber: SubscriberConsent, on: dt.date | None = None) -> SubscriberConsent:
    subscriber.withdrawn_at = on or timezone.localdate()
    subscriber.withdrawn_via = c.WithdrawnVia.OFFICER
    subscriber.full_clean()
    subscriber.save(update_fields=["withdrawn_at", "withdrawn_via"])
    _cancel_queued([subscriber.pk])
    audit(actor=actor, action="update", obj=subscriber, event="bulletin_consent_withdrawn", via="officer")
    return subscriber


def _cancel_queued(subscriber_ids: Iterable[int]) -> int:
    # Stop what is still waiting: a withdrawal takes effect now, not after the queue drains.
    return OutboxMessage.objects.filter(subscriber__in=list(subscriber_ids), status=c.OutboxStatus.QUEUED).update(
        status=c.OutboxStatus.FAILED, last_error="persetujuan ditarik", failed_at=timezone.now()
    )


def _stop_reply(keyword: str) -> str:
    if keyword == c.Keyword.STOP:
        return _(
            "Anda berhenti menerima buletin dan peringatan harga. Untuk berlangganan lagi, hubungi pendamping desa."
        )
    return _("Berlangganan lagi dicatat oleh pendamping desa dengan persetujuan baru. Hubungi pendamping Anda.")


def _written_forms(phone: str) -> list[str]:
    # Stored numbers are E.164 (+628...), but rows written before that rule may hold 08... or 628...
    national = phone.removeprefix("+62")
    return [phone, f"62{national}", f"0{national}"]


@transaction.atomic
def inbound_keyword(*, provider: str, inbound: Inbound, keyword: str) -> dict[str, Any]:
    """A STOP/BERHENTI from a number: every active bulletin/alert subscription of that number is withdrawn today
    (dated, with the channel it came by, audited) and what it still had queued is cancelled; a confirmation goes
    back when BERDAYA_SMS_STOP_REPLY. A START/MULAI re-subscribes nobody: consent is given again, explicitly and
    with the commodities chosen, through a facilitator (docs/decisions.md); the sender is told so. A repeated
    delivery of the same message (same provider id) changes nothing."""
    try:
        phone = normalise_phone(inbound.sender)
    except ValueError:
        phone = ""
    try:
        with transaction.atomic():
            command = InboundCommand.objects.create(
                provider=provider[:40],
                channel=inbound.channel,
                external_id=inbound.external_id[:100],
                sender=(phone or inbound.sender)[:20],
                keyword=keyword,
            )
    except IntegrityError:
        return {"handled": str(keyword), "duplicate": True, "subscriptions": 0}
    today = timezone.localdate()
    affected: list[int] = []
    if phone and keyword == c.Keyword.STOP:
        subs = list(
            SubscriberConsent.objects.select_for_update().filter(
                phone__in=_written_forms(phone), withdrawn_at__isnull=True, consent_date__lte=today
            )
        )
        affected = [sub.pk for sub in subs]
        SubscriberConsent.objects.filter(pk__in=affected).update(withdrawn_at=today, withdrawn_via=inbound.channel)
        _cancel_queued(affected)
        for sub in subs:  # the subscriptions of one number: a handful at most
            audit(
                actor=None,
                action="update",
                obj=sub,
                event="bulletin_consent_withdrawn",
                via=inbound.channel,
                inbound=command.pk,
            )
        command.subscriptions = len(affected)
        command.save(update_fields=["subscriptions"])
    known = phone and SubscriberConsent.objects.filter(phone__in=_written_forms(phone)).exists()
    if known and conf().sms_stop_reply and (affected or keyword == c.Keyword.START):
        OutboxMessage.objects.create(
            kind=c.MessageKind.CONSENT, channel=inbound.channel, to=phone, body=_stop_reply(keyword)
        )
    return {"handled": str(keyword), "duplicate": False, "subscriptions": len(affected)}


def active_subscribers(today: dt.date | None = None) -> QuerySet[SubscriberConsent]:
    today = today or timezone.localdate()
    # A person who withdrew consent to messages in the registry is not sent one (registry.consent).
    return SubscriberConsent.objects.filter(withdrawn_at__isnull=True, consent_date__lte=today).exclude(
        excluded_for(ConsentPurpose.MESSAGES, "person", today=today)
    )


# Bulletins


def bulletin_data(*, week_start: dt.date, district_id: str | None) -> dict[str, Any]:
    """The numbers of a bulletin: per commodity, this week's farm-gate and organised averages and the change."""
    week = iso_week(week_start)
    prev = iso_week(week_start - dt.timedelta(weeks=1))
    qs = selectors.counted().filter(week__in=[week, prev])
    local = qs.filter(district_id=district_id) if district_id else qs
    rows = {}
    for com in selectors.active_commodities():
        cells = {}
        for scope in (local, qs):  # the district when it has data, else the regency
            agg = scope.filter(commodity=com).aggregate(
                farm=Avg("price_per_kg", filter=Q(week=week, channel=c.Channel.COLLECTOR)),
                org=Avg("price_per_kg", filter=Q(week=week, channel__in=c.ORGANISED_CHANNELS)),
                market=Avg("price_per_kg", filter=Q(week=week, channel=c.Channel.MARKET)),
                farm_prev=Avg("price_per_kg", filter=Q(week=prev, channel=c.Channel.COLLECTOR)),
                market_prev=Avg("price_per_kg", filter=Q(week=prev, channel=c.Channel.MARKET)),
            )
            if agg["farm"] or agg["org"] or agg["market"]:
                cells = agg
                cells["scope"] = "district" if scope is local and district_id else "regency"
                break
        if not cells:
            continue
        base, base_prev = (
            (cells["farm"], cells["farm_prev"]) if cells["farm"] else (cells["market"], cells["market_prev"])
        )
        change = round((base - base_prev) * 100 / base_prev, 1) if base and base_prev else None
        rows[com.code] = {
            "name": com.name,
            "short": com.short_name,
            "farm_gate": round(cells["farm"]) if cells["farm"] else None,
            "organised": round(cells["org"]) if cells["org"] else None,
            "market": round(cells["market"]) if cells["market"] else None,
            "change_pct": change,
            "scope": cells["scope"],
        }
    return {"week": week, "week_start": week_start.isoformat(), "district": district_id, "rows": rows}


def _change(pct: float | None) -> str:
    if pct is None:
        return ""  # no price the week before: nothing to compare
    if abs(pct) < 0.5:
        return _("tetap")
    return (_("naik %(p)s%%") if pct > 0 else _("turun %(p)s%%")) % {"p": max(1, round(abs(pct)))}


def _change_short(pct: float | None) -> str:
    if pct is None:
        return ""
    if abs(pct) < 0.5:
        return "="
    return f"{'+' if pct > 0 else '-'}{max(1, round(abs(pct)))}%"


def bulletin_sms_pieces(
    data: dict, codes: set[str] | None = None, *, compact: bool = False
) -> tuple[str, list[str], list[str]]:
    """The pieces of the SMS version: the head, one item per commodity, and the footers in order of preference.
    `compact` writes each item shorter ("(UPPB 11.600) +10%" for "(UPPB/pabrik 11.600) naik 10%")."""
    organised = "UPPB" if compact else "UPPB/pabrik"
    start = dt.date.fromisoformat(data["week_start"])
    items = []
    for code, row in data["rows"].items():
        if codes is not None and code not in codes:
            continue
        main = row["farm_gate"] or row["market"]
        if main:
            text = f"{row['short']} {thousands(main)}"
            if row["organised"]:
                text += f" ({organised} {thousands(row['organised'])})"
        else:
            text = f"{row['short']} {organised} {thousands(row['organised'])}"
        change = _change_short(row["change_pct"]) if compact else _change(row["change_pct"])
        items.append(f"{text} {change}" if change else text)
    head = _("Harga %(r)s %(d)s Rp/kg:") % {"r": deployment_regency().short_name, "d": start.strftime("%d/%m")}
    # The way out, in the words that work: a reply STOP only when the gateway's inbound messages reach Berdaya.
    if conf().sms_callback_secret:
        footers = [_("Balas STOP utk berhenti"), _("STOP=berhenti")]
    else:
        footers = [_("Stop: hub. pendamping"), _("Stop: hub. PPL")]
    return head, items, footers


def bulletin_sms(data: dict, codes: set[str] | None = None) -> list[str]:
    """The SMS version: GSM-7 only, parts of one SMS each. Whole items per part: a part boundary never cuts a price,
    and the footer never costs a part of its own (gsm.pack_sms); when the compact wording of the items takes fewer
    parts, it is used."""
    head, items, footers = bulletin_sms_pieces(data, codes)
    if not items:
        return []
    parts = gsm.pack_sms(head, items, footers)
    if len(parts) > 1:  # the shorter wording, only when it saves a message
        head, items, footers = bulletin_sms_pieces(data, codes, compact=True)
        shorter = gsm.pack_sms(head, items, footers)
        if len(shorter) < len(parts):
            return shorter
    return parts


def bulletin_text(data: dict, district_name: str = "", codes: set[str] | None = None) -> str:
    """The WhatsApp/text version: one line per commodity, Indonesian number format."""
    start = dt.date.fromisoformat(data["week_start"])
    end = start + dt.timedelta(days=6)
    where = _("Kec. %(d)s") % {"d": district_name} if district_name else deployment_regency().name
    lines = [
        _("*Buletin Harga Komoditas* — %(w)s") % {"w": where},
        _("Minggu %(a)s s.d. %(b)s (Rp per kg)") % {"a": date_format(start), "b": date_format(end)},
        "",
    ]
    for code, row in data["rows"].items():
        if codes is not None and code not in codes:
            continue
        parts = []
        if row["farm_gate"]:
            parts.append(_("pengepul Rp%(p)s") % {"p": thousands(row["farm_gate"])})
        if row["organised"]:
            parts.append(_("UPPB/koperasi/pabrik Rp%(p)s") % {"p": thousands(row["organised"])})
        if row["market"]:
            parts.append(_("pasar Rp%(p)s") % {"p": thousands(row["market"])})
        change = _change(row["change_pct"])
        lines.append(f"- {row['name']}: {', '.join(parts)}" + (f" ({change})" if change else ""))
    lines += [
        "",
        _("Jual bersama lewat kelompok/UPPB untuk harga lebih baik. Berhenti berlangganan: hubungi pendamping."),
    ]
    return "\n".join(lines)


@transaction.atomic
def bulletin_generate(*, actor: User, week_start: dt.date, district: District | None = None) -> Bulletin:
    ensure_can_manage_prices(actor)
    week_start = monday_of(week_start)
    data = bulletin_data(week_start=week_start, district_id=district.pk if district else None)
    if not data["rows"]:
        raise ValidationError(_("Belum ada harga yang tercatat untuk minggu ini."))
    bulletin, _created = Bulletin.objects.update_or_create(
        week_start=week_start,
        district=district,
        defaults={
            "data": data,
            "sms_parts": bulletin_sms(data),
            "text": bulletin_text(data, district.name if district else ""),
            "created_by": actor,
        },
    )
    return bulletin


@transaction.atomic
def bulletin_recipients(bulletin: Bulletin, today: dt.date | None = None) -> QuerySet[SubscriberConsent]:
    """The subscribers a bulletin goes to: its district's, or for a regency bulletin those of districts without
    their own bulletin that week."""
    subs = active_subscribers(today)
    if bulletin.district_id:
        return subs.filter(district_id=bulletin.district_id)
    own = Bulletin.objects.filter(week_start=bulletin.week_start, district__isnull=False).values("district")
    return subs.exclude(district__in=own)


def bulletin_send(*, actor: User, bulletin: Bulletin, today: dt.date | None = None) -> int:
    """Queue the bulletin for every subscriber of its district (for a regency bulletin: of districts without their
    own bulletin that week), restricted to the commodities they chose. Returns the number of messages queued."""
    ensure_can_manage_prices(actor)
    subs = bulletin_recipients(bulletin, today).prefetch_related("commodities")
    district_name = bulletin.district.name if bulletin.district is not None else ""
    messages = []
    # Subscribers who chose the same commodities get the same text: composed once per choice and channel.
    composed: dict[tuple[str, frozenset[str]], list[str]] = {}
    for sub in subs:
        codes = frozenset(com.code for com in sub.commodities.all())
        key = (sub.channel, codes)
        if key not in composed:
            if sub.channel == c.MessageChannel.SMS:
                composed[key] = bulletin_sms(bulletin.data, set(codes))
            elif codes & set(bulletin.data["rows"]):
                composed[key] = [bulletin_text(bulletin.data, district_name, set(codes))]
            else:
                composed[key] = []
        bodies = composed[key]
        for body in bodies:
            messages.append(
                OutboxMessage(
                    kind=c.MessageKind.BULLETIN,
                    channel=sub.channel,
                    to=sub.phone,
                    body=body,
                    subscriber=sub,
                    bulletin=bulletin,
                )
            )
    OutboxMessage.objects.bulk_create(messages)
    bulletin.sent_at = timezone.now()
    bulletin.save(update_fields=["sent_at"])
    audit(actor=actor, action="event", obj=bulletin, event="bulletin_send", messages=len(messages))
    return len(messages)


def weekly_routine(*, actor: User, week_start: dt.date | None = None, send: bool = False) -> dict[str, int]:
    """The weekly routine (scheduled, or `berdaya markets_weekly`): the bulletins of a week (the regency's and each
    district's with prices; default: last week), its price-move alerts, and with `send` the bulletins queued to
    subscribers. A bulletin already sent is not queued again, so a repeated run sends nothing twice."""
    start = monday_of(week_start or timezone.localdate() - dt.timedelta(weeks=1))
    districts = District.objects.filter(
        pk__in=selectors.counted().filter(week=selectors.iso_week(start)).values("district")
    )
    made = queued = 0
    for district in [None, *districts]:
        try:
            bulletin = bulletin_generate(actor=actor, week_start=start, district=district)
        except ValidationError:
            continue
        made += 1
        if send and bulletin.sent_at is None:
            queued += bulletin_send(actor=actor, bulletin=bulletin)
    alerts = alerts_compute(week_start=start)
    return {"bulletins": made, "alerts": len(alerts), "queued": queued}


def weekly_job(job: Job, progress: Progress) -> dict[str, int]:
    """Background-job handler of the scheduled weekly routine: last week's bulletins, alerts, and queueing them."""
    actor = (
        User.objects.filter(is_active=True, is_superuser=True).order_by("pk").first()
        or User.objects.filter(is_active=True, role=User.Role.ADMIN).order_by("pk").first()
    )
    if actor is None:
        raise PermissionDenied(_("Belum ada admin aktif: buletin mingguan dibuat atas nama seorang admin."))
    result = weekly_routine(actor=actor, send=True)
    progress.message = _("%(b)s buletin, %(a)s peringatan, %(q)s pesan masuk kotak keluar.") % {
        "b": result["bulletins"],
        "a": result["alerts"],
        "q": result["queued"],
    }
    return result


# Alerts


@transaction.atomic
def alerts_compute(*, week_start: dt.date, today: dt.date | None = None) -> list[PriceAlert]:
    """Compare each commodity's regency farm-gate average (market price when it has no farm-gate price) with the
    week before; a move of at least PRICE_ALERT_PCT creates an alert and queues a message to its subscribers."""
    threshold = conf().price_alert_pct
    week_start = monday_of(week_start)
    data = bulletin_data(week_start=week_start, district_id=None)
    alerts = []
    for code, row in data["rows"].items():
        pct = row["change_pct"]
        if pct is None or abs(pct) < threshold:
            continue
        com = Commodity.objects.get(code=code)
        current = row["farm_gate"] or row["market"]
        previous = round(current / (1 + pct / 100))
        alert, created = PriceAlert.objects.get_or_create(
            commodity=com,
            week=data["week"],
            defaults={"previous_price": previous, "current_price": current, "change_pct": Decimal(str(pct))},
        )
        if not created:
            continue
        alerts.append(alert)
        body = _("Peringatan harga %(c)s: %(chg)s dlm seminggu, kini Rp%(p)s/kg (minggu lalu Rp%(q)s).") % {
            "c": com.short_name,
            "chg": _change(pct),
            "p": thousands(current),
            "q": thousands(previous),
        }
        subs = active_subscribers(today).filter(commodities=com).distinct()
        OutboxMessage.objects.bulk_create(
            OutboxMessage(
                kind=c.MessageKind.ALERT,
                channel=sub.channel,
                to=sub.phone,
                body=part if sub.channel == c.MessageChannel.SMS else body,
                subscriber=sub,
                alert=alert,
            )
            for sub in subs
            for part in (gsm.split_sms(body) if sub.channel == c.MessageChannel.SMS else [body])
        )
    return alerts


# Outbox


def retry_delay(attempts: int) -> dt.timedelta:
    base = conf().outbox_retry_base_seconds
    return dt.timedelta(seconds=base * 2 ** max(0, attempts - 1))


def outbox_process(
    *,
    now: dt.datetime | None = None,
    sender: Provider | None = None,
    limit: int = 500,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Send the messages that are due. A failure is retried after base × 2^(attempts-1) seconds; after
    OUTBOX_MAX_ATTEMPTS, or at once when the provider refuses the message for good (PermanentSendError), the message
    is marked failed. Each message is its own small transaction, so a crash halfway loses nothing and never sends a
    message twice as "sent". The provider's message id is kept for its delivery receipt."""
    now = now or timezone.now()
    try:
        sender = sender or get_provider()
    except PermanentSendError as exc:  # a provider configured wrongly: nothing can go out, and the job says why
        raise ImproperlyConfigured(str(exc)) from exc
    max_attempts = conf().outbox_max_attempts
    # A bulletin or alert whose subscriber has withdrawn since it was queued does not go out.
    OutboxMessage.objects.filter(
        status=c.OutboxStatus.QUEUED,
        kind__in=[c.MessageKind.BULLETIN, c.MessageKind.ALERT],
        subscriber__withdrawn_at__isnull=False,
    ).update(status=c.OutboxStatus.FAILED, last_error="persetujuan ditarik", failed_at=now)
    due = list(
        OutboxMessage.objects.filter(status=c.OutboxStatus.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    counts = {"sent": 0, "retry": 0, "failed": 0}
    if progress is not None:
        progress.start(len(due))
    for pk in due:
        with transaction.atomic():
            msg = OutboxMessage.objects.select_for_update().filter(pk=pk, status=c.OutboxStatus.QUEUED).first()
            if msg is None:
                continue
            msg.attempts += 1
            msg.provider = str(getattr(sender, "name", "") or sender.__class__.__name__)[:40]
            try:
                result = sender.send(msg)
            except (SendError, OSError) as exc:
                msg.last_error = str(exc)[:500]
                if msg.attempts >= max_attempts or isinstance(exc, PermanentSendError):
                    msg.status = c.OutboxStatus.FAILED
                    msg.failed_at = now
                    counts["failed"] += 1
                else:
                    msg.next_attempt_at = now + retry_delay(msg.attempts)
                    counts["retry"] += 1
            else:
                msg.status = c.OutboxStatus.SENT
                msg.sent_at = now
                msg.last_error = ""
                msg.provider_id = (result.provider_id if result is not None else "")[:100]
                msg.segments = gsm.sms_segments(msg.body).count if msg.channel == c.MessageChannel.SMS else 1
                counts["sent"] += 1
            msg.save(
                update_fields=[
                    "attempts",
                    "status",
                    "last_error",
                    "next_attempt_at",
                    "sent_at",
                    "failed_at",
                    "provider",
                    "provider_id",
                    "segments",
                ]
            )
        if progress is not None:
            progress.advance(1)
    return counts


def outbox_job(job: Job, progress: Progress) -> dict[str, int]:
    """Background-job handler (berdaya.jobs): process the outbox once."""
    return outbox_process(progress=progress)


# Delivery receipts

# A receipt moves a message only forwards: sent -> failed -> delivered (the phone having it outweighs an earlier
# failure report); a repeated or late receipt changes nothing.
_RANK = {c.OutboxStatus.SENT: 1, c.OutboxStatus.FAILED: 2, c.OutboxStatus.DELIVERED: 3}
MAX_RECEIPTS = 1000


@transaction.atomic
def receipts_apply(*, provider: str, receipts: list[Receipt], now: dt.datetime | None = None) -> dict[str, int]:
    """Apply the provider's delivery receipts to the messages it sent (matched by its message id): delivered or
    failed, with the time the gateway gives (else now). All or nothing; unknown ids are counted, not refused (a
    gateway shared with another system reports messages Berdaya never sent)."""
    if len(receipts) > MAX_RECEIPTS:
        raise ValidationError(_("Paling banyak %(n)s laporan sekali kirim.") % {"n": MAX_RECEIPTS})
    now = now or timezone.now()
    counts = {"updated": 0, "unchanged": 0, "unknown": 0}
    for receipt in receipts:
        found = list(
            OutboxMessage.objects.select_for_update().filter(
                provider=provider, provider_id=receipt.provider_id, status__in=list(_RANK)
            )
        )
        if not found:
            counts["unknown"] += 1
            continue
        for msg in found:
            target = {"delivered": c.OutboxStatus.DELIVERED, "failed": c.OutboxStatus.FAILED}.get(receipt.status)
            if target is None or _RANK[target] <= _RANK[c.OutboxStatus(msg.status)]:
                counts["unchanged"] += 1
                continue
            msg.status = target
            msg.receipt_at = now
            if target == c.OutboxStatus.DELIVERED:
                msg.delivered_at = receipt.at or now
                fields = ["status", "receipt_at", "delivered_at"]
            else:
                msg.failed_at = receipt.at or now
                msg.last_error = (_("laporan gateway: %(e)s") % {"e": receipt.error or _("gagal")})[:500]
                fields = ["status", "receipt_at", "failed_at", "last_error"]
            msg.save(update_fields=fields)
            counts["updated"] += 1
    return counts
