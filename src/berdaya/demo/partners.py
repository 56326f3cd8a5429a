"""Demo partners (run after `berdaya demo` and `berdaya demo_programmes`): about 15 organisations of every kind,
agreements in every status (some ending within 60 days, one overdue), commitments partly delivered, and the
coverage gaps that the programmes leave.

Existing organisations are reused by name (the district offices and NGOs of the registry and programme demos). Every
write goes through the services, so the demo obeys the same rules as users (parties, periods, "part of the
programme"). One `random.Random(seed)` drives every choice; dates are relative to today so that reminders show.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from berdaya.accounts.models import User
from berdaya.areas.models import District
from berdaya.core.access import REGENCY_WIDE
from berdaya.organisations.models import Organisation
from berdaya.partners import choices as c
from berdaya.partners import services
from berdaya.partners.models import Agreement
from berdaya.programmes.models import Programme

K = Organisation.Kind

# (name, short name, kind, legal registration). The first seven exist after `berdaya demo` / `demo_programmes`.
ORGANISATIONS: list[tuple[str, str, str, str]] = [
    ("Dinas Sosial Kabupaten Merangin", "Dinsos", K.GOVERNMENT, "Perda Kab. Merangin 6/2016"),
    ("Dinas Pertanian Kabupaten Merangin", "Distan", K.GOVERNMENT, "Perda Kab. Merangin 6/2016"),
    ("Dinas Tenaga Kerja dan Transmigrasi Kabupaten Merangin", "Disnakertrans", K.GOVERNMENT, "Perda 6/2016"),
    ("Badan Perencanaan Pembangunan Daerah Kabupaten Merangin", "Bappeda", K.GOVERNMENT, "Perda 6/2016"),
    (
        "Dinas Pemberdayaan Perempuan dan Perlindungan Anak Kabupaten Merangin",
        "DP3A",
        K.GOVERNMENT,
        "Perda Kab. Merangin 6/2016",
    ),
    ("Yayasan Tani Lestari Merangin", "YTLM", K.NGO, "AHU-0012345.AH.01.04.Tahun 2018"),
    ("Perkumpulan Peduli Pekerja Migran Jambi", "P3MJ", K.NGO, "AHU-0004321.AH.01.07.Tahun 2017"),
    ("Himpunan Wanita Disabilitas Indonesia Merangin", "HWDI Merangin", K.DISABILITY_ORG, "AHU-0007788.AH.01.07.2019"),
    ("PT Kopi Sumatra Lestari", "KSL", K.COMPANY, "NIB 9120301234567"),
    ("PT Agro Sawit Merangin", "ASM", K.COMPANY, "NIB 8120107654321"),
    ("Koperasi Produsen Kopi Lembah Masurai", "KPKLM", K.COOPERATIVE, "NIB 1234000056789"),
    ("BUMDes Sungai Manau Sejahtera", "BUMDes SMS", K.COOPERATIVE, "Perdes 3/2020"),
    ("Universitas Pelita Merangin", "UPM", K.UNIVERSITY, "SK Mendikbudristek 112/E/O/2021"),
    ("Lembaga Amil Zakat Peduli Merangin", "LAZ Peduli", K.COMMUNITY, "AHU-0009911.AH.01.04.Tahun 2016"),
    ("Bank Perkreditan Rakyat Merangin Sejahtera", "BPR MS", K.FINANCIAL, "NIB 9120009988776"),
]
FOCAL_NAMES = [
    "Rahmat Hidayat",
    "Sri Wahyuni",
    "Andi Saputra",
    "Dewi Lestari",
    "Yusuf Maulana",
    "Nurhayati",
    "Fajar Nugroho",
    "Lina Marlina",
]
STREETS = ["Jl. Jenderal Sudirman", "Jl. Lintas Sumatera", "Jl. Prof. M. Yamin", "Jl. Kapten Ilyas", "Jl. Diponegoro"]

# A programme the demo of programmes creates, and who joins it as a funder here (so commitments can point at it).
FUNDERS = {
    "Hibah Modal Usaha KUBE": ["PT Agro Sawit Merangin", "Lembaga Amil Zakat Peduli Merangin"],
    "Dana Bergulir Purna PMI": ["Bank Perkreditan Rakyat Merangin Sejahtera"],
    "Pengolahan Kopi Robusta Lembah Masurai": ["PT Kopi Sumatra Lestari", "Koperasi Produsen Kopi Lembah Masurai"],
    "Sekolah Lapang Pertanian Organik": ["Universitas Pelita Merangin"],
    "Pelatihan Menjahit dan Tata Busana": ["PT Agro Sawit Merangin"],
    "Pemasaran Digital Produk Desa": ["BUMDes Sungai Manau Sejahtera"],
}

# A one-page PDF, enough for the document list and the download to work.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass
class Result:
    organisations: int = 0
    created: int = 0
    agreements: int = 0
    commitments: int = 0
    contributions: int = 0
    uncovered_districts: int = 0


def _actor() -> User | None:
    return (
        User.objects.filter(username="petugas").first()
        or User.objects.filter(role__in=REGENCY_WIDE, is_active=True).order_by("pk").first()
        or User.objects.filter(is_superuser=True).order_by("pk").first()
    )


def _organisations(rng: random.Random, districts: list[District]) -> tuple[dict[str, Organisation], int]:
    orgs: dict[str, Organisation] = {}
    created = 0
    for i, (name, short, kind, legal) in enumerate(ORGANISATIONS):
        org, new = Organisation.objects.get_or_create(name=name, defaults={"short_name": short, "kind": kind})
        created += new
        changed = []
        # Fill what is empty only: an organisation someone already edited keeps its data.
        defaults = {
            "short_name": short,
            "legal_registration": legal,
            "phone": f"0746-{rng.randint(21000, 29999)}",
            "email": f"{short.lower().replace(' ', '')}@contoh.or.id",
            "address": f"{rng.choice(STREETS)} No. {rng.randint(1, 120)}, Bangko",
            "focal_name": FOCAL_NAMES[i % len(FOCAL_NAMES)],
            "focal_contact": f"08{rng.randint(11, 13)}{rng.randint(10_000_000, 99_999_999)}",
        }
        for field, value in defaults.items():
            if not getattr(org, field):
                setattr(org, field, value)
                changed.append(field)
        if changed:
            org.save(update_fields=changed)
        if districts and not org.districts.exists():
            k = len(districts) if kind == K.GOVERNMENT else min(len(districts), rng.randint(2, 5))
            org.districts.set(rng.sample(districts, k=k))
        orgs[name] = org
    return orgs, created


def _programmes_by_name() -> dict[str, Programme]:
    return {p.name: p for p in Programme.objects.order_by("pk")}


@transaction.atomic
def demo_partners(*, seed: int, today: dt.date | None = None) -> Result:
    rng = random.Random(seed)
    today = today or timezone.localdate()
    actor = _actor()
    if actor is None:
        raise ValueError("no officer")
    districts = list(District.objects.filter(villages__households__isnull=False).distinct().order_by("code"))
    if not districts:
        districts = list(District.objects.filter(villages__isnull=False).distinct().order_by("code"))
    orgs, created = _organisations(rng, districts)
    result = Result(organisations=len(orgs), created=created)

    programmes = _programmes_by_name()
    for programme_name, funders in FUNDERS.items():
        p = programmes.get(programme_name)
        if p is not None:
            p.funders.add(*[orgs[n] for n in funders])

    def days(n: int) -> dt.date:
        return today + dt.timedelta(days=n)

    def agreement(kind, title, parties, start, end, scope, status, *, pemkab=True, number="", document=False):
        a = services.agreement_create(
            actor=actor,
            data={
                "kind": kind,
                "number": number,
                "title": title,
                "parties": [orgs[n] for n in parties],
                "pemkab_is_party": pemkab,
                "start_date": start,
                "end_date": end,
                "scope": scope,
            },
        )
        path = [c.AgreementStatus.SIGNED, c.AgreementStatus.ACTIVE, c.AgreementStatus.ENDED]
        for step in path[: path.index(status) + 1] if status != c.AgreementStatus.DRAFT else []:
            on = start if step != c.AgreementStatus.ENDED else min(end, today)
            services.agreement_transition(actor=actor, agreement=a, to_status=step, on=on)
        if document:
            services.agreement_add_document(
                actor=actor,
                agreement=a,
                upload=SimpleUploadedFile("perjanjian.pdf", DEMO_PDF, content_type="application/pdf"),
                title="Naskah perjanjian bertanda tangan",
            )
        result.agreements += 1
        return a

    mou_csr = agreement(
        c.AgreementKind.MOU,
        "MoU Tanggung Jawab Sosial Perusahaan untuk Pemberdayaan Masyarakat Rentan",
        ["PT Agro Sawit Merangin"],
        days(-320),
        days(45),
        "Dana hibah modal usaha KUBE dan peralatan pelatihan menjahit bagi perempuan kepala keluarga.",
        c.AgreementStatus.ACTIVE,
        number="100.3.7/012/MoU/2025",
        document=True,
    )
    pks_coffee = agreement(
        c.AgreementKind.PKS,
        "PKS Pembelian Kopi Robusta Petani Lembah Masurai",
        ["Dinas Pertanian Kabupaten Merangin", "PT Kopi Sumatra Lestari", "Koperasi Produsen Kopi Lembah Masurai"],
        days(-200),
        days(21),
        "Pembeli menyerap kopi robusta petik merah dari anggota koperasi dengan premi mutu di atas harga pasar.",
        c.AgreementStatus.ACTIVE,
        pemkab=False,
        number="520/045/PKS/Distan/2025",
        document=True,
    )
    agreement(
        c.AgreementKind.PKS,
        "PKS Layanan Inklusif bagi Perempuan Penyandang Disabilitas",
        ["Dinas Sosial Kabupaten Merangin", "Himpunan Wanita Disabilitas Indonesia Merangin"],
        days(-150),
        days(215),
        "Pendataan, pendampingan dan pelatihan usaha olahan pangan bagi perempuan penyandang disabilitas.",
        c.AgreementStatus.ACTIVE,
        pemkab=False,
    )
    mou_university = agreement(
        c.AgreementKind.MOU,
        "MoU Tridharma: Sekolah Lapang dan Pendampingan Petani",
        ["Universitas Pelita Merangin"],
        days(-300),
        days(55),
        "Dosen dan mahasiswa sebagai narasumber sekolah lapang; KKN tematik di desa sasaran.",
        c.AgreementStatus.SIGNED,
    )
    agreement(
        c.AgreementKind.PKS,
        "PKS Migrasi Aman dan Reintegrasi Purna PMI 2024",
        ["Dinas Tenaga Kerja dan Transmigrasi Kabupaten Merangin", "Perkumpulan Peduli Pekerja Migran Jambi"],
        days(-560),
        days(-200),
        "Sosialisasi migrasi aman dan pendampingan purna pekerja migran.",
        c.AgreementStatus.ENDED,
        pemkab=False,
    )
    mou_bank = agreement(
        c.AgreementKind.MOU,
        "MoU Akses Permodalan Usaha Mikro Purna PMI dan Perempuan",
        ["Bank Perkreditan Rakyat Merangin Sejahtera"],
        days(10),
        days(10 + 3 * 365),
        "Kredit usaha mikro berbunga rendah bagi lulusan pelatihan.",
        c.AgreementStatus.DRAFT,
    )
    agreement(
        c.AgreementKind.PKS,
        "PKS Pendampingan Perempuan Kepala Keluarga",
        [
            "Dinas Pemberdayaan Perempuan dan Perlindungan Anak Kabupaten Merangin",
            "Lembaga Amil Zakat Peduli Merangin",
        ],
        days(-365),
        days(-5),
        "Zakat produktif dan pendampingan usaha bagi perempuan kepala keluarga.",
        c.AgreementStatus.ACTIVE,
        pemkab=False,
    )

    def commitment(org, kind, description, *, programme_names=(), agreement=None, start=None, end=None, **values):
        org = orgs[org]
        linked = [programmes[n] for n in programme_names if n in programmes]
        x = services.commitment_create(
            actor=actor,
            organisation=org,
            data={
                "kind": kind,
                "description": description,
                "start_date": start or days(-330),
                "end_date": end or days(60),
                "agreement": agreement,
                "programmes": linked,
                **values,
            },
        )
        result.commitments += 1
        return x, linked

    commitment(
        "PT Agro Sawit Merangin",
        c.CommitmentKind.FUNDS,
        "Dana CSR hibah modal usaha KUBE",
        programme_names=["Hibah Modal Usaha KUBE"],
        agreement=mou_csr,
        amount=60_000_000,
    )
    commitment(
        "PT Agro Sawit Merangin",
        c.CommitmentKind.EQUIPMENT,
        "Mesin jahit portabel untuk peserta pelatihan menjahit",
        programme_names=["Pelatihan Menjahit dan Tata Busana"],
        agreement=mou_csr,
        quantity=30,
        unit="unit",
    )
    coffee, coffee_programmes = commitment(
        "PT Kopi Sumatra Lestari",
        c.CommitmentKind.MARKET_ACCESS,
        "Pembelian kopi robusta petik merah",
        programme_names=["Pengolahan Kopi Robusta Lembah Masurai"],
        agreement=pks_coffee,
        quantity=40,
        unit="ton",
        commodity="Kopi robusta (biji kering)",
        premium_per_kg=2_000,
    )
    commitment(
        "Yayasan Tani Lestari Merangin",
        c.CommitmentKind.TRAININGS,
        "Sesi pelatihan pengolahan kopi",
        programme_names=["Pengolahan Kopi Robusta Lembah Masurai"],
        quantity=12,
    )
    trainers, trainer_programmes = commitment(
        "Universitas Pelita Merangin",
        c.CommitmentKind.TRAINERS,
        "Dosen narasumber sekolah lapang",
        programme_names=["Sekolah Lapang Pertanian Organik"],
        agreement=mou_university,
        quantity=6,
    )
    commitment(
        "Bank Perkreditan Rakyat Merangin Sejahtera",
        c.CommitmentKind.FUNDS,
        "Dana bergulir untuk purna pekerja migran",
        programme_names=["Dana Bergulir Purna PMI"],
        agreement=mou_bank,
        amount=45_000_000,
        start=days(-400),
        end=days(30),
    )
    jobs, _jobs_programmes = commitment(
        "Dinas Tenaga Kerja dan Transmigrasi Kabupaten Merangin",
        c.CommitmentKind.JOBS,
        "Magang kerja di perusahaan mitra bagi lulusan pelatihan",
        quantity=30,
    )

    def contribution(x, programme, when, **values):
        services.contribution_create(actor=actor, commitment=x, data={"date": when, "programme": programme, **values})
        result.contributions += 1

    coffee_programme = coffee_programmes[0] if coffee_programmes else None
    for n, tonnes in enumerate([6.5, 5, 3.5][: rng.randint(2, 3)]):
        contribution(
            coffee,
            coffee_programme,
            days(-150 + 45 * n),
            quantity=tonnes,
            description=f"Pembelian panen tahap {n + 1} dari anggota koperasi",
        )
    if trainer_programmes:
        contribution(trainers, trainer_programmes[0], days(-60), quantity=4, description="Empat dosen mengajar")
    contribution(jobs, None, days(-30), quantity=rng.randint(8, 14), description="Peserta magang diterima")

    covered = set(Programme.districts.through.objects.values_list("district_id", flat=True)) | set(
        Programme.villages.through.objects.values_list("village__district_id", flat=True)
    )
    result.uncovered_districts = len([d for d in districts if d.pk not in covered])
    return result


def demo_has_run() -> bool:
    return Agreement.objects.exists()
