"""Demo grievances (run after `berdaya demo_targeting` and `demo_musdes`): about ten complaints as Merangin's offices
receive them, in every stage of SP4N-LAPOR!, through every channel, some anonymous, one past its deadline.

- an SMS from a farmer whose seed aid did not arrive, and a WhatsApp message later withdrawn (the gateway's path);
- an accessibility complaint a facilitator records in one of her villages, and a data correction at the desk left
  untouched for two weeks (the deadline badge);
- a participant of a field school whose seed package never came: forwarded, decided, closed;
- an anonymous objection, on the public form, that a neighbour on the targeting list is not poor: linked, upheld,
  and so applied to the run under review (the neighbour is excluded, the review log names the grievance);
- a request at the desk to be put on that list, forwarded to the verification team for the officer to decide;
- an anonymous report that a facilitator asked for money (restricted: read by its named handler only) and a
  complaint that another village's facilitator rarely comes (partly upheld).

Every write goes through berdaya.grievances.services, so the demo obeys the rules users do (links a role may see,
stages in order, dates not in the future). One `random.Random(seed)` picks the people and villages; dates are
relative to today so that the deadlines show. Tracking codes are drawn by the service (unguessable by design), so
they differ from one build to the next.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from berdaya.accounts.models import User
from berdaya.areas.models import Village
from berdaya.core.access import REGENCY_WIDE, VILLAGE_SCOPED
from berdaya.grievances import choices as c
from berdaya.grievances import services
from berdaya.grievances.models import Grievance
from berdaya.musdes.models import Meeting
from berdaya.programmes import choices as pc
from berdaya.programmes.models import Enrolment, Programme
from berdaya.registry.models import Person
from berdaya.targeting import choices as tc
from berdaya.targeting import selectors as tsel
from berdaya.targeting.models import Candidate, TargetingRun

SEED_PROGRAMME = "Sekolah Lapang Pertanian Organik"
PHONE_PREFIXES = ["0812", "0813", "0821", "0822", "0852", "0853"]


class DemoGrievancesError(Exception):
    """A prerequisite is missing (no officer, no households)."""


@dataclass
class Result:
    grievances: int = 0
    by_stage: Counter = field(default_factory=Counter)
    anonymous: int = 0
    applied: int = 0


def demo_officer() -> User | None:
    """The demo's officer (petugas), or the first active regency-wide user: who records and handles."""
    return (
        User.objects.filter(username="petugas", is_active=True).first()
        or User.objects.filter(role__in=REGENCY_WIDE, is_active=True).order_by("pk").first()
    )


def _admin() -> User | None:
    return User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()


def demo_facilitator() -> User | None:
    """The demo's facilitator (pendamping), or the first active one with villages."""
    return (
        User.objects.filter(username="pendamping", is_active=True).first()
        or User.objects.filter(role__in=VILLAGE_SCOPED, is_active=True, villages__isnull=False).order_by("pk").first()
    )


def _people(rng: random.Random, qs, k: int, taken: set[int]) -> list[Person]:
    """`k` active people of `qs` not taken yet, drawn from the first few hundred (by id, so a seed gives the same)."""
    ids = [
        pk
        for pk in qs.filter(status="active", household__status="active")
        .order_by("pk")
        .values_list("pk", flat=True)[:400]
        if pk not in taken
    ]
    chosen = rng.sample(ids, k=min(k, len(ids)))
    taken.update(chosen)
    return list(Person.objects.filter(pk__in=chosen).select_related("household__village").order_by("pk"))


def _one(rng: random.Random, qs, taken: set[int]) -> Person | None:
    people = _people(rng, qs, 1, taken)
    return people[0] if people else None


def _phone(rng: random.Random) -> str:
    return f"{rng.choice(PHONE_PREFIXES)}{rng.randint(10_000_000, 99_999_999)}"


@transaction.atomic
def demo_grievances(*, seed: int, today: dt.date | None = None) -> Result:
    rng = random.Random(seed)
    today = today or timezone.localdate()
    officer = demo_officer()
    if officer is None:
        raise DemoGrievancesError("Belum ada pengguna petugas/admin. Jalankan dulu: berdaya demo")
    populated = list(Village.objects.annotate(n=Count("households")).filter(n__gt=0).order_by("-n", "code")[:40])
    if not populated:
        raise DemoGrievancesError("Belum ada rumah tangga. Jalankan dulu: berdaya demo")
    facilitator = demo_facilitator()
    own = (
        list(facilitator.villages.filter(households__isnull=False).distinct().order_by("code"))
        if facilitator is not None
        else []
    )
    own_codes = {v.code for v in own}
    others = [v for v in populated if v.code not in own_codes] or populated
    result = Result()
    taken: set[int] = set()

    def days(n: int) -> dt.date:
        return today - dt.timedelta(days=n)

    def record(actor: User, *, channel: str = c.Channel.DESK, **data) -> Grievance:
        return services.grievance_record(actor=actor, data=data, channel=channel)

    # 1. An SMS from a rubber farmer: new, the handler sets its village.
    sms_village = rng.choice(others)
    sms = services.grievance_receive_inbound(
        channel=c.Channel.SMS,
        sender=_phone(rng),
        body=(
            f"Assalamualaikum pak. Sy petani karet di desa {sms_village.name}. Bantuan bibit karet unggul dr dinas "
            "thn ini tdk sampai ke kelompok kami, padahal nama kami sdh didata bulan Maret. Mohon dicek. Trims"
        ),
        external_id=f"demo-{seed}-{today.isoformat()}-sms",
    )
    if sms is not None:
        services.grievance_link(actor=officer, grievance=sms, data={"village": sms_village})

    # 2. Recorded by the facilitator in one of her villages: a blind woman cannot reach the training hall.
    if facilitator is not None and own:
        woman = _one(rng, Person.objects.filter(household__village__in=own, sex="F"), taken)
        if woman is not None:
            record(
                facilitator,
                channel=c.Channel.FACILITATOR,
                category=c.Category.ACCESSIBILITY,
                description=(
                    f"Ibu {woman.full_name} (tunanetra) terdaftar ikut pelatihan olahan pangan, tetapi kelas diadakan "
                    "di lantai dua balai desa tanpa pegangan tangga dan tanpa pendamping. Ia sudah dua kali pulang "
                    "tanpa ikut kelas. Mohon kelas dipindah ke lantai bawah atau disediakan pendamping."
                ),
                complainant_name=woman.full_name,
                complainant_phone=_phone(rng),
                reply_channel="whatsapp",
                person_id=woman.pk,
                received_on=days(1),
            )

    # 3. A data correction at the desk nobody moved for two weeks: past the 3 working days to forward it.
    late_village = own[-1:] or others[-1:]
    parent = _one(rng, Person.objects.filter(household__village__in=late_village, relationship="head"), taken)
    if parent is not None:
        record(
            officer,
            category=c.Category.DATA_CORRECTION,
            description=(
                "Nama anak kedua saya di Kartu Keluarga tertulis salah dan tanggal lahirnya tertukar dengan kakaknya, "
                "sehingga tidak bisa didaftarkan Program Indonesia Pintar. Fotokopi akta kelahiran sudah saya bawa."
            ),
            complainant_name=parent.full_name,
            complainant_phone=_phone(rng),
            reply_channel="sms",
            household_id=parent.household_id,
            received_on=days(14),
        )

    # 4. A field-school participant whose seed package never came: forwarded, upheld, delivered, closed.
    programme = Programme.objects.filter(name=SEED_PROGRAMME).order_by("-pk").first()
    participants = Person.objects.filter(
        pk__in=Enrolment.objects.filter(programme=programme, status__in=pc.SEAT_STATUSES).values("person_id")
    )
    farmer = _one(rng, participants, taken) if programme is not None else None
    if farmer is None:
        # A small demo without participants: a farmer of another village, not linked to a programme.
        programme = None
        farmer = _one(rng, Person.objects.filter(household__village__in=others), taken)
    if farmer is not None:
        g = record(
            officer,
            category=c.Category.AID_NOT_RECEIVED,
            description=(
                "Peserta sekolah lapang dijanjikan paket benih padi Inpari 32 dan pupuk organik cair untuk demplot, "
                "tetapi sampai musim tanam paketnya belum diterima. Anggota kelompok lain di desa sebelah sudah "
                "menerima."
            ),
            complainant_name=farmer.full_name,
            complainant_phone=_phone(rng),
            reply_channel="sms",
            person_id=farmer.pk,
            programme_id=programme.pk if programme is not None else None,
            received_on=days(21),
        )
        services.grievance_forward(
            actor=officer, grievance=g, to_unit="Dinas Pertanian · Bidang Prasarana dan Sarana", on=days(20)
        )
        services.grievance_decide(
            actor=officer,
            grievance=g,
            outcome=c.Outcome.UPHELD,
            reason=(
                "Paket benih tertahan di gudang kecamatan karena salah alamat kelompok. Disalurkan susulan melalui "
                "ketua kelompok tani; tanda terima sudah ditandatangani."
            ),
            on=days(16),
        )
        services.grievance_close(actor=officer, grievance=g)

    run = TargetingRun.objects.filter(status=tc.RunStatus.SUCCEEDED).order_by("pk").first()
    if run is not None:
        met = Meeting.objects.filter(run=run).values("village_id")
        listed = tsel.final_candidates(run).exclude(village_id__in=met)
        # 5. Anonymous, on the public form: a neighbour on the list is not poor. Linked, upheld, applied to the run.
        person = _one(rng, Person.objects.filter(pk__in=listed.values("person_id")), taken)
        if person is not None:
            g = services.grievance_submit_public(
                data={
                    "category": c.Category.TARGETING_OBJECTION,
                    "objection_kind": c.ObjectionKind.SHOULD_NOT_BE_ON,
                    "description": (
                        f"Di daftar calon peserta yang ditempel di kantor desa ada nama {person.full_name}. Keluarga "
                        "itu punya kebun sawit lebih dari lima hektare dan mobil bak terbuka, jadi tidak termasuk "
                        "petani kecil. Mohon diverifikasi ulang. Saya tidak mau nama saya disebut."
                    ),
                    "anonymous": True,
                    "village": person.household.village,
                }
            )
            services.grievance_link(actor=officer, grievance=g, data={"person_id": person.pk, "run_id": run.pk})
            services.grievance_forward(actor=officer, grievance=g, to_unit="Tim Verifikasi Dinas Sosial")
            services.grievance_decide(
                actor=officer,
                grievance=g,
                outcome=c.Outcome.UPHELD,
                reason=(
                    "Verifikasi lapangan bersama kepala dusun: rumah tangga tersebut menggarap kebun sawit sekitar "
                    "6 ha. Namanya dikeluarkan dari daftar calon peserta."
                ),
            )
            result.applied += 1
        # 6. At the desk: a coffee farmer asks to be put on the list. Forwarded, for the officer to decide.
        near = Candidate.objects.filter(run=run, status=tc.CandidateStatus.NEAR_MISS).exclude(village_id__in=met)
        person = _one(rng, Person.objects.filter(pk__in=near.values("person_id")), taken)
        if person is not None:
            g = record(
                officer,
                category=c.Category.TARGETING_OBJECTION,
                objection_kind=c.ObjectionKind.LEFT_OFF,
                description=(
                    "Saya menggarap kebun kopi 0,75 ha dengan empat tanggungan, tetapi nama saya tidak ada di daftar "
                    "calon peserta pelatihan usaha tani yang diumumkan. Mohon saya dimasukkan; surat keterangan "
                    "dari kepala desa terlampir."
                ),
                complainant_name=person.full_name,
                complainant_phone=_phone(rng),
                reply_channel="whatsapp",
                person_id=person.pk,
                run_id=run.pk,
                received_on=days(2),
            )
            services.grievance_forward(actor=officer, grievance=g, to_unit="Tim Verifikasi Dinas Sosial", on=days(1))

    # 7. Anonymous: a facilitator asked for money to put names on a list. Illegal fees are restricted (misconduct):
    # the administrator makes the officer a supervisor of grievances and names them its handler.
    fee_village = (own or others)[0]
    g = services.grievance_submit_public(
        data={
            "category": c.Category.ILLEGAL_FEE,
            "description": (
                "Waktu pendataan bulan lalu di rumah kepala dusun, oknum pendamping meminta uang Rp50.000 per orang "
                "supaya nama dimasukkan ke daftar penerima bantuan. Beberapa warga sudah membayar."
            ),
            "anonymous": True,
            "village": fee_village,
        }
    )
    admin = _admin()
    if admin is not None:
        services.grievance_handler_set(actor=admin, user=officer, is_supervisor=True)
        services.grievance_assign(
            actor=admin,
            grievance=g,
            user=officer,
            reason="Supervisor pengaduan; pendamping desa tersebut tidak boleh membaca laporan ini.",
        )
        services.grievance_forward(actor=officer, grievance=g, to_unit="Inspektorat Kabupaten Merangin")

    # 8. Another village's facilitator rarely comes: partly upheld, waiting for the complainant's reply.
    member = _one(rng, Person.objects.filter(household__village__in=others[1:] or others), taken)
    if member is not None:
        g = record(
            officer,
            category=c.Category.SERVICE_QUALITY,
            description=(
                "Pendamping desa kami jarang datang; sudah tiga bulan kelompok tani tidak didampingi dan laporan "
                "kelompok tidak ada yang membantu. Kalau datang pun hanya ke rumah ketua kelompok."
            ),
            anonymous=True,
            village=member.household.village,
            received_on=days(9),
        )
        services.grievance_forward(actor=officer, grievance=g, to_unit="Dinas Sosial · Bidang Pemberdayaan", on=days(8))
        services.grievance_decide(
            actor=officer,
            grievance=g,
            outcome=c.Outcome.PARTLY_UPHELD,
            reason=(
                "Pendamping sedang merangkap dua kecamatan. Jadwal kunjungan dibuat tetap dua minggu sekali dan "
                "diumumkan di grup WhatsApp desa; laporan kelompok dibantu pada kunjungan berikutnya."
            ),
            on=days(4),
        )

    # 9. A WhatsApp message, withdrawn once the course was rescheduled.
    wa = services.grievance_receive_inbound(
        channel=c.Channel.WHATSAPP,
        sender=_phone(rng),
        body=(
            "Selamat siang. Jadwal pelatihan menjahit di balai desa sudah dua kali mundur tanpa pemberitahuan, "
            "kami sudah datang jauh-jauh naik ojek. Tolong diperhatikan."
        ),
        external_id=f"demo-{seed}-{today.isoformat()}-wa",
    )
    if wa is not None:
        services.grievance_link(actor=officer, grievance=wa, data={"village": rng.choice(others)})
        services.grievance_decide(
            actor=officer,
            grievance=wa,
            outcome=c.Outcome.WITHDRAWN,
            reason="Pelapor menyampaikan jadwal baru sudah diumumkan penyelenggara dan mencabut pengaduannya.",
        )

    rows = Grievance.objects.all()
    result.grievances = rows.count()
    result.by_stage = Counter(rows.values_list("stage", flat=True))
    result.anonymous = rows.filter(anonymous=True).count()
    return result


def demo_has_run() -> bool:
    return Grievance.objects.exists()
