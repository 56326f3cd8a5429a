"""Controlled lists of the registry. Codes are stable English slugs; labels are Indonesian and translatable."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Sex(models.TextChoices):
    # In context: "Perempuan" is also the "women" group (programmes, targeting), which English calls "Women".
    MALE = "M", pgettext_lazy("jenis kelamin", "Laki-laki")
    FEMALE = "F", pgettext_lazy("jenis kelamin", "Perempuan")


class Relationship(models.TextChoices):
    HEAD = "head", _("Kepala keluarga")
    SPOUSE = "spouse", _("Istri/suami")
    CHILD = "child", _("Anak")
    CHILD_IN_LAW = "child_in_law", _("Menantu")
    GRANDCHILD = "grandchild", _("Cucu")
    PARENT = "parent", _("Orang tua")
    PARENT_IN_LAW = "parent_in_law", _("Mertua")
    OTHER_RELATIVE = "other_relative", _("Famili lain")
    HELPER = "helper", _("Pembantu")
    OTHER = "other", _("Lainnya")


class MaritalStatus(models.TextChoices):
    SINGLE = "single", _("Belum kawin")
    MARRIED = "married", _("Kawin")
    DIVORCED = "divorced", _("Cerai hidup")
    WIDOWED = "widowed", _("Cerai mati")


class Education(models.TextChoices):
    NONE = "none", _("Tidak/belum sekolah")
    PRIMARY_INCOMPLETE = "primary_incomplete", _("Tidak tamat SD")
    PRIMARY = "primary", _("SD/sederajat")
    JUNIOR = "junior", _("SMP/sederajat")
    SENIOR = "senior", _("SMA/SMK/sederajat")
    DIPLOMA = "diploma", _("Diploma I-III")
    BACHELOR = "bachelor", _("Diploma IV/S1")
    POSTGRADUATE = "postgraduate", _("S2/S3")


class Occupation(models.TextChoices):
    NOT_WORKING = "not_working", _("Tidak bekerja")
    STUDENT = "student", _("Pelajar/mahasiswa")
    HOMEMAKER = "homemaker", _("Mengurus rumah tangga")
    FARMER = "farmer", _("Petani/pekebun")
    FARM_LABOURER = "farm_labourer", _("Buruh tani/perkebunan")
    FISHER = "fisher", _("Nelayan/pembudidaya ikan")
    LIVESTOCK = "livestock", _("Peternak")
    TRADER = "trader", _("Pedagang")
    SELF_EMPLOYED = "self_employed", _("Wiraswasta")
    LABOURER = "labourer", _("Buruh harian lepas")
    PRIVATE_EMPLOYEE = "private_employee", _("Karyawan swasta")
    CIVIL_SERVANT = "civil_servant", _("PNS/TNI/Polri")
    MIGRANT_WORKER = "migrant_worker", _("Pekerja migran")
    RETIRED = "retired", _("Pensiunan")
    OTHER = "other", _("Lainnya")


FARMING_OCCUPATIONS = (Occupation.FARMER, Occupation.FARM_LABOURER)


class WGSSAnswer(models.IntegerChoices):
    NO_DIFFICULTY = 1, _("Tidak ada kesulitan")
    SOME = 2, _("Sedikit kesulitan")
    A_LOT = 3, _("Banyak kesulitan")
    CANNOT = 4, _("Tidak bisa sama sekali")


# The six Washington Group Short Set domains, in the order they are asked.
WGSS_DOMAINS = [
    ("wgss_seeing", _("melihat")),
    ("wgss_hearing", _("mendengar")),
    ("wgss_walking", _("berjalan/naik tangga")),
    ("wgss_remembering", _("mengingat/berkonsentrasi")),
    ("wgss_selfcare", _("mengurus diri")),
    ("wgss_communicating", _("berkomunikasi")),
]


class NikMissingReason(models.TextChoices):
    NEVER_REGISTERED = "never_registered", _("Belum pernah terdaftar")
    CARD_LOST = "card_lost", _("KTP/KK hilang")
    UNKNOWN = "unknown", _("Tidak diketahui")
    # Set by an erasure (privacy.erasure): the record stays, anonymous, for the counts it is part of.
    ERASED = "erased", _("Dihapus atas permintaan subjek data (UU PDP)")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("Tinggal di rumah tangga")
    MOVED_OUT = "moved_out", _("Pindah keluar")
    DECEASED = "deceased", _("Meninggal")
    # A duplicate record merged into another (merge.py): an alias that resolves to the survivor, never a person.
    MERGED = "merged", _("Digabung (data ganda)")


# Records that are not a person of their own: left out of every list, count, flag, run, export and match.
ALIAS_STATUSES = (PersonStatus.MERGED,)
# Neither a living person nor one of their own: left out of NIK uniqueness, matching and living-people lists.
NOT_LIVING_STATUSES = (PersonStatus.DECEASED, PersonStatus.MERGED)


class FloorMaterial(models.TextChoices):
    CERAMIC = "ceramic", _("Keramik/marmer/granit")
    TILE_CEMENT = "tile_cement", _("Ubin/tegel/semen")
    WOOD = "wood", _("Kayu/papan")
    BAMBOO = "bamboo", _("Bambu")
    EARTH = "earth", _("Tanah")


class WallMaterial(models.TextChoices):
    BRICK = "brick", _("Tembok")
    PLASTER_BAMBOO = "plaster_bamboo", _("Plesteran anyaman bambu/kawat")
    WOOD = "wood", _("Kayu/papan")
    BAMBOO = "bamboo", _("Anyaman bambu")
    OTHER = "other", _("Lainnya (seng, terpal, dll.)")


class RoofMaterial(models.TextChoices):
    CONCRETE = "concrete", _("Beton/genteng")
    ZINC = "zinc", _("Seng/asbes")
    WOOD = "wood", _("Kayu/sirap")
    THATCH = "thatch", _("Ijuk/rumbia/jerami")
    OTHER = "other", _("Lainnya")


class WaterSource(models.TextChoices):
    PIPED = "piped", _("Air leding/PDAM")
    BOTTLED = "bottled", _("Air kemasan/isi ulang")
    PROTECTED_WELL = "protected_well", _("Sumur/mata air terlindung")
    UNPROTECTED_WELL = "unprotected_well", _("Sumur/mata air tak terlindung")
    RIVER = "river", _("Sungai/danau/air hujan")


class Toilet(models.TextChoices):
    OWN = "own", _("Milik sendiri dengan tangki septik")
    OWN_NO_SEPTIC = "own_no_septic", _("Milik sendiri tanpa tangki septik")
    SHARED = "shared", _("Bersama/umum")
    NONE = "none", _("Tidak ada")


class Lighting(models.TextChoices):
    PLN_METERED = "pln_metered", _("Listrik PLN dengan meteran")
    PLN_SHARED = "pln_shared", _("Listrik PLN tanpa meteran/menumpang")
    NON_PLN = "non_pln", _("Listrik non-PLN (genset, surya)")
    NONE = "none", _("Bukan listrik")


class CookingFuel(models.TextChoices):
    ELECTRIC_GAS = "electric_gas", _("Listrik/gas")
    KEROSENE = "kerosene", _("Minyak tanah")
    WOOD = "wood", _("Kayu bakar/arang")
    NONE = "none", _("Tidak memasak")


class LandTenure(models.TextChoices):
    NONE = "none", _("Tidak mengelola lahan")
    OWN = "own", _("Milik sendiri")
    RENT = "rent", _("Sewa")
    SHARECROP = "sharecrop", _("Bagi hasil/garap")
    CUSTOMARY = "customary", _("Tanah adat/ulayat")


class HouseholdStatus(models.TextChoices):
    ACTIVE = "active", _("Aktif")
    DISSOLVED = "dissolved", _("Bubar/pindah seluruhnya")


class ConsentBasis(models.TextChoices):
    CONSENT = "consent", _("Persetujuan subjek data")
    PUBLIC_TASK = "public_task", _("Pelaksanaan tugas pelayanan publik")
    LEGAL_OBLIGATION = "legal_obligation", _("Kewajiban hukum")
    VITAL_INTEREST = "vital_interest", _("Kepentingan vital")


class ConsentPurpose(models.TextChoices):
    """What a person's data is processed for, as far as consent can be withdrawn for it (UU 27/2022 art. 9, 40).
    A withdrawal for a purpose takes effect through `registry.consent.excluded_for` wherever that purpose is
    served."""

    GENERAL = "", _("Pendataan umum")
    TARGETING = "targeting", _("Penyasaran dan kontak program")
    MESSAGES = "messages", _("Pesan dan buletin (SMS/WhatsApp)")
    SHARING = "sharing", _("Berbagi data dengan mitra dan instansi lain")
    RESEARCH = "research", _("Penelitian dan statistik")
    ALL = "all", _("Semua tujuan di atas")


class ConsentGivenBy(models.TextChoices):
    SELF = "self", _("Yang bersangkutan")
    PARENT = "parent", _("Orang tua")
    GUARDIAN = "guardian", _("Wali")


class LifeEventKind(models.TextChoices):
    DEATH = "death", _("Meninggal")
    MOVED_OUT = "moved_out", _("Pindah keluar")
    SPLIT = "split", _("Pecah KK")
    KK_CHANGED = "kk_changed", _("Nomor KK berubah")


class GroupKind(models.TextChoices):
    FARMER_GROUP = "poktan", _("Kelompok tani (poktan)")
    FARMER_FEDERATION = "gapoktan", _("Gabungan kelompok tani (gapoktan)")
    KUBE = "kube", _("Kelompok Usaha Bersama (KUBE)")
    DISABILITY_ORG = "disability_org", _("Organisasi penyandang disabilitas")
    MIGRANT_COMMUNITY = "migrant_community", _("Komunitas pekerja migran")
    WOMENS_GROUP = "womens_group", _("Kelompok perempuan")
    OTHER = "other", _("Lainnya")


class GroupRole(models.TextChoices):
    CHAIR = "chair", _("Ketua")
    SECRETARY = "secretary", _("Sekretaris")
    TREASURER = "treasurer", _("Bendahara")
    MEMBER = "member", _("Anggota")
