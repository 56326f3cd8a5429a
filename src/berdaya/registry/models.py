"""The registry: households, people, groups and life events.

Records are never deleted for life events (death, moving out, household split): those are events. Every change is
kept by django-simple-history and shown on the record.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext
from simple_history.models import HistoricalRecords

from berdaya.core.constraints import CheckConstraint
from berdaya.core.dates import age_on
from berdaya.core.display import ChoiceDisplay
from berdaya.core.phone import normalise_phone_fields, validate_phone

from . import choices as c
from . import rules
from .identity import check_kk, check_nik, normalise_identity

if TYPE_CHECKING:
    from .vulnerability import FlagReason

# The row rules (limits, formats, messages) are stated once in rules.py; the validators below are built from them.
digits_16 = RegexValidator(rf"\A{rules.NUMBER_16}\Z", rules.NUMBER_16_FORMAT)
rt_rw = RegexValidator(rf"^{rules.RT_RW}$", rules.RT_RW_FORMAT)


class Household(ChoiceDisplay, models.Model):
    """A household (rumah tangga / keluarga) living at one address, identified by its own id.

    The KK number is an attribute, not the identity: it changes when a family moves, splits or loses its head, and
    every number it had is kept in KKNumber.
    """

    kk_number = models.CharField(_("nomor KK"), max_length=16, blank=True)
    kk_override_reason = models.CharField(
        _("alasan menerima nomor KK yang gagal pemeriksaan"), max_length=300, blank=True
    )
    # Indexed as (village, id) in Meta, which serves every lookup by village.
    village = models.ForeignKey(
        "areas.Village",
        verbose_name=_("desa/kelurahan"),
        on_delete=models.PROTECT,
        related_name="households",
        db_index=False,
    )
    address = models.CharField(_("alamat"), max_length=255, blank=True)
    rt = models.CharField(_("RT"), max_length=3, blank=True, validators=[rt_rw])
    rw = models.CharField(_("RW"), max_length=3, blank=True, validators=[rt_rw])
    latitude = models.DecimalField(
        _("lintang"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-11)), MaxValueValidator(Decimal(6))],
    )
    longitude = models.DecimalField(
        _("bujur"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(94)), MaxValueValidator(Decimal(142))],
    )

    # Socio-economic characteristics that drive the welfare score (../shared/domain.md, poverty ranking).
    floor_material = models.CharField(_("lantai"), max_length=20, choices=c.FloorMaterial.choices, blank=True)
    wall_material = models.CharField(_("dinding"), max_length=20, choices=c.WallMaterial.choices, blank=True)
    roof_material = models.CharField(_("atap"), max_length=20, choices=c.RoofMaterial.choices, blank=True)
    water_source = models.CharField(_("sumber air minum"), max_length=20, choices=c.WaterSource.choices, blank=True)
    toilet = models.CharField(_("fasilitas BAB"), max_length=20, choices=c.Toilet.choices, blank=True)
    lighting = models.CharField(_("penerangan"), max_length=20, choices=c.Lighting.choices, blank=True)
    cooking_fuel = models.CharField(_("bahan bakar memasak"), max_length=20, choices=c.CookingFuel.choices, blank=True)
    floor_area_m2 = models.PositiveIntegerField(
        _("luas lantai (m²)"), null=True, blank=True, validators=[MaxValueValidator(rules.FLOOR_AREA_MAX_M2)]
    )
    asset_motorcycle = models.BooleanField(_("sepeda motor"), default=False)
    asset_car = models.BooleanField(_("mobil"), default=False)
    asset_refrigerator = models.BooleanField(_("lemari es"), default=False)
    asset_television = models.BooleanField(_("televisi"), default=False)
    asset_smartphone = models.BooleanField(_("telepon pintar"), default=False)
    asset_livestock = models.BooleanField(_("ternak besar (sapi/kerbau)"), default=False)
    asset_gold_savings = models.BooleanField(_("emas/tabungan ≥ Rp500.000"), default=False)
    land_operated_ha = models.DecimalField(
        _("luas lahan yang dikelola (ha)"),
        max_digits=8,
        decimal_places=rules.LAND_DECIMAL_PLACES,
        default=Decimal("0"),
        validators=[MinValueValidator(rules.LAND_MIN_HA), MaxValueValidator(rules.LAND_MAX_HA)],
    )
    land_tenure = models.CharField(
        _("status lahan"), max_length=20, choices=c.LandTenure.choices, default=c.LandTenure.NONE
    )

    status = models.CharField(
        _("status"), max_length=20, choices=c.HouseholdStatus.choices, default=c.HouseholdStatus.ACTIVE
    )
    registered_by_organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("didaftarkan oleh organisasi"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    # History is read per record (by id); its copies of the searchable columns need no index of their own.
    history = HistoricalRecords(
        excluded_fields=["updated_at"], no_db_index=["kk_number", "village", "registered_by_organisation"]
    )

    class Meta:
        verbose_name = _("rumah tangga")
        verbose_name_plural = _("rumah tangga")
        ordering = ["id"]
        indexes = [
            # UNIQUE on PostgreSQL (registry 0014, not in Django's state): it makes village_id a key column, so that
            # only a village move waits for a member being added (docs/decisions.md, "A person's village"). A
            # migration that remakes it must make it unique again (registry/tests/test_person_village.py checks).
            models.Index(fields=["village", "id"], name="household_village_idx"),
            # Exact matches only (KK search, import matching): a plain index, not Django's extra LIKE index too.
            models.Index(fields=["kk_number"], name="household_kk_idx"),
        ]

    def __str__(self) -> str:
        return _("Rumah tangga #%(id)s") % {"id": self.pk}

    @property
    def district_code(self) -> str:
        return self.village_id[:8]

    ASSETS = (
        "asset_motorcycle",
        "asset_car",
        "asset_refrigerator",
        "asset_television",
        "asset_smartphone",
        "asset_livestock",
        "asset_gold_savings",
    )

    @property
    def owned_assets(self) -> list[str]:
        """The labels of the assets the household has (each field's own label), in the fields' order."""
        fields = {field.name: field for field in self._meta.concrete_fields}
        return [str(fields[name].verbose_name) for name in self.ASSETS if getattr(self, name)]

    def clean_fields(self, exclude=None) -> None:
        # One form for a KK number however it was typed (groups, non-breaking spaces, full-width digits).
        if self.kk_number:
            self.kk_number = normalise_identity(self.kk_number)
        super().clean_fields(exclude)

    def clean(self) -> None:
        if self.kk_number:
            failures = check_kk(self.kk_number)
            if failures and not self.kk_override_reason.strip():
                raise ValidationError({"kk_number": [f.message for f in failures]})
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError({"longitude": _("Isi lintang dan bujur bersama-sama, atau kosongkan keduanya.")})
        tenure_error = rules.land_tenure_error(self.land_operated_ha, self.land_tenure)
        if tenure_error:
            raise ValidationError({"land_tenure": tenure_error})


class KKNumber(models.Model):
    """Every family-card number a household has had, with the period it was valid and why it changed."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="kk_numbers")
    number = models.CharField(_("nomor KK"), max_length=16)
    valid_from = models.DateField(_("berlaku sejak"), default=timezone.localdate)
    valid_to = models.DateField(_("berlaku sampai"), null=True, blank=True)
    reason = models.CharField(_("alasan"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("riwayat nomor KK")
        verbose_name_plural = _("riwayat nomor KK")
        ordering = ["household", "-valid_from", "-id"]
        indexes = [models.Index(fields=["number"], name="kknumber_number_idx")]

    def __str__(self) -> str:
        return self.number


class PersonQuerySet(models.QuerySet["Person"]):
    """The one definition of which records count as people: `current()` leaves out merged aliases (merge.py),
    `living()` leaves out the dead too. Lists, counts, flags, runs and exports start from these."""

    def current(self) -> Self:
        return self.exclude(status__in=c.ALIAS_STATUSES)

    def living(self) -> Self:
        return self.exclude(status__in=c.NOT_LIVING_STATUSES)


class Person(ChoiceDisplay, models.Model):
    """A person (penduduk) in a household. NIK is unique among living people and may be missing, with a reason."""

    # Indexed as (household, relationship) in Meta, which serves every lookup by household.
    household = models.ForeignKey(
        Household, verbose_name=_("rumah tangga"), on_delete=models.PROTECT, related_name="members", db_index=False
    )
    # The household's village, copied by the database itself (triggers of migration registry 0014, on every insert
    # of a person, every change of a person's household and every move of a household), so that a village's or a
    # facilitator's people are an index range (`person_village_idx`: village, id) instead of a walk of every person
    # probing their household (docs/decisions.md, "A person's village"). Never written by the application: not a
    # form field, not in the history; the scope rules (registry.access) filter on it.
    village = models.ForeignKey(
        "areas.Village",
        verbose_name=_("desa/kelurahan"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        db_index=False,
    )
    nik = models.CharField(_("NIK"), max_length=16, null=True, blank=True, validators=[digits_16])
    nik_missing_reason = models.CharField(
        _("alasan tidak ada NIK"), max_length=20, choices=c.NikMissingReason.choices, blank=True
    )
    nik_override_reason = models.CharField(_("alasan menerima NIK yang gagal pemeriksaan"), max_length=300, blank=True)
    full_name = models.CharField(_("nama lengkap"), max_length=150)
    sex = models.CharField(_("jenis kelamin"), max_length=1, choices=c.Sex.choices)
    birth_place = models.CharField(_("tempat lahir"), max_length=100, blank=True)
    birth_date = models.DateField(_("tanggal lahir"))
    relationship = models.CharField(_("hubungan dalam keluarga"), max_length=20, choices=c.Relationship.choices)
    marital_status = models.CharField(
        _("status perkawinan"), max_length=20, choices=c.MaritalStatus.choices, blank=True
    )
    education = models.CharField(_("pendidikan terakhir"), max_length=20, choices=c.Education.choices, blank=True)
    occupation = models.CharField(_("pekerjaan utama"), max_length=20, choices=c.Occupation.choices, blank=True)
    phone = models.CharField(_("nomor HP"), max_length=16, blank=True, validators=[validate_phone])

    wgss_seeing = models.PositiveSmallIntegerField(
        _("kesulitan melihat"), choices=c.WGSSAnswer.choices, null=True, blank=True
    )
    wgss_hearing = models.PositiveSmallIntegerField(
        _("kesulitan mendengar"), choices=c.WGSSAnswer.choices, null=True, blank=True
    )
    wgss_walking = models.PositiveSmallIntegerField(
        _("kesulitan berjalan/naik tangga"), choices=c.WGSSAnswer.choices, null=True, blank=True
    )
    wgss_remembering = models.PositiveSmallIntegerField(
        _("kesulitan mengingat/berkonsentrasi"), choices=c.WGSSAnswer.choices, null=True, blank=True
    )
    wgss_selfcare = models.PositiveSmallIntegerField(
        _("kesulitan mengurus diri"), choices=c.WGSSAnswer.choices, null=True, blank=True
    )
    wgss_communicating = models.PositiveSmallIntegerField(
        _("kesulitan berkomunikasi"), choices=c.WGSSAnswer.choices, null=True, blank=True
    )

    status = models.CharField(_("status"), max_length=20, choices=c.PersonStatus.choices, default=c.PersonStatus.ACTIVE)
    date_of_death = models.DateField(_("tanggal meninggal"), null=True, blank=True)
    # Set when this record was merged into another as a duplicate: old links and ids resolve to that one.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("digabung ke"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="aliases",
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at", "village"], no_db_index=["household", "merged_into"])

    objects = PersonQuerySet.as_manager()

    # Not stored: the vulnerability flags a page shows beside each person (set by registry.views on its rows).
    flags: list[FlagReason]

    class Meta:
        verbose_name = _("penduduk")
        verbose_name_plural = _("penduduk")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["nik"],
                condition=Q(nik__isnull=False) & ~Q(status__in=["deceased", "merged"]),
                name="person_nik_unique_living",
                violation_error_message=_("NIK ini sudah terdaftar untuk penduduk lain yang masih hidup."),
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relationship="head", status="active"),
                name="person_one_active_head",
                violation_error_message=_("Rumah tangga ini sudah punya kepala keluarga."),
            ),
            # Validated in Python (core.constraints): no query and savepoint per record validated.
            CheckConstraint(
                condition=Q(nik__isnull=False) | ~Q(nik_missing_reason=""),
                name="person_nik_or_reason",
                violation_error_message=rules.NIK_OR_REASON,
            ),
            CheckConstraint(
                condition=Q(status="merged", merged_into__isnull=False) | Q(~Q(status="merged"), merged_into=None),
                name="person_merged_has_survivor",
            ),
        ]
        indexes = [
            # A lookup by NIK alone (imports, ODK, musdes, dedup, SPDCI): the partial unique index above cannot serve
            # it, its condition on the status not being implied by `nik = %s` (registry/tests/test_nik_index.py).
            models.Index(fields=["nik"], name="person_nik_idx"),
            # Also carries sex and status (PostgreSQL), so the household facts behind targeting (size, female head:
            # targeting.HouseholdFacts) are read from this index alone, already in household order; and the id, so
            # the newest people of a village (an API or SPDCI page of a village's households) are picked from this
            # index alone before a row is read (docs/decisions.md, "REST API at a million people").
            models.Index(
                fields=["household", "relationship"],
                include=["sex", "status", "id"],
                name="person_household_rel_idx",
            ),
            # The likely-duplicate check of every registration reads the people born on the same dates (in id order,
            # keyset): without it a scan of the whole registry per new member (0.2-0.4 s at a million people).
            models.Index(fields=["birth_date", "id"], name="person_birth_date_idx"),
            # A village's people, newest first, as an index range (the village and facilitator lists, the SPDCI
            # village search); carries the status, so that leaving out merged aliases needs no row.
            models.Index(fields=["village", "id"], include=["status"], name="person_village_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The database writes `village` (its triggers); the instance is kept in step when its household is at hand,
        # so that what it holds is what is stored.
        if Person.household.is_cached(self):
            self.village_id = self.household.village_id
        super().save(*args, **kwargs)

    @property
    def is_alias(self) -> bool:
        return self.status in c.ALIAS_STATUSES

    @property
    def sex_letter(self) -> str:
        """L or P (laki-laki/perempuan), as Indonesian forms write it under an "L/P" header."""
        letters: dict[str, str] = {
            c.Sex.MALE: pgettext("jenis kelamin", "L"),
            c.Sex.FEMALE: pgettext("jenis kelamin", "P"),
        }
        return letters.get(self.sex, "")

    @property
    def age(self) -> int:
        return age_on(self.birth_date, self.date_of_death or timezone.localdate())

    def nik_failures(self):
        if not self.nik:
            return []
        return check_nik(self.nik, birth_date=self.birth_date, sex=self.sex)

    def clean_fields(self, exclude=None) -> None:
        # NIK and phone in the one form the registry stores, whatever path they came in by (identity.py).
        if self.nik:
            self.nik = normalise_identity(self.nik)
        normalise_phone_fields(self, "phone")
        # The 16-digit rule is said once, with how many characters were written, instead of the field validator's
        # shorter copy beside the identity check's.
        exclude = set(exclude or ())
        errors: dict[str, list] = {}
        if self.nik and "nik" not in exclude:
            wrong_format = [f for f in check_nik(self.nik) if f.rule == "format"]
            if wrong_format:
                exclude.add("nik")
                errors["nik"] = [wrong_format[0].message]
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.nik == "":
            self.nik = None
        birth_error = self.birth_date and rules.birth_date_error(self.birth_date, today=timezone.localdate())
        if birth_error:
            errors.setdefault("birth_date", []).append(birth_error)
        if self.nik:
            self.nik_missing_reason = ""
            # A NIK of the wrong length is reported by clean_fields: one message per error.
            failures = [f for f in self.nik_failures() if f.rule != "format"] if self.birth_date else []
            if failures and not self.nik_override_reason.strip():
                errors.setdefault("nik", []).extend(f.message for f in failures)
        elif not self.nik_missing_reason:
            errors.setdefault("nik_missing_reason", []).append(rules.NIK_OR_REASON)
        if errors:
            raise ValidationError(errors)

    @property
    def wgss_answers(self) -> list[tuple[str, str, int | None]]:
        return [(field, str(label), getattr(self, field)) for field, label in c.WGSS_DOMAINS]


class ConsentRecord(models.Model):
    """The legal basis for processing a person's data (UU 27/2022) and, for consent, who gave it, when and why."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    basis = models.CharField(_("dasar pemrosesan"), max_length=20, choices=c.ConsentBasis.choices)
    given_by = models.CharField(_("diberikan oleh"), max_length=20, choices=c.ConsentGivenBy.choices, blank=True)
    given_by_name = models.CharField(_("nama pemberi persetujuan"), max_length=150, blank=True)
    purpose = models.CharField(_("tujuan"), max_length=300)
    # The purpose as the system acts on it: a withdrawn record of a kind takes the person out of what serves that
    # purpose (registry.consent). Blank: the general registration basis, which a withdrawal does not name.
    purpose_kind = models.CharField(
        _("jenis tujuan"), max_length=20, choices=c.ConsentPurpose.choices, blank=True, default=""
    )
    given_at = models.DateField(_("tanggal"), default=timezone.localdate)
    withdrawn_at = models.DateField(_("ditarik pada"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dicatat oleh"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("dicatat"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dasar hukum / persetujuan")
        verbose_name_plural = _("dasar hukum / persetujuan")
        ordering = ["-given_at", "-id"]
        indexes = [
            # The withdrawals registry.consent reads on every targeting run, bulletin and partner list: few rows.
            models.Index(
                fields=["purpose_kind", "person"], condition=Q(withdrawn_at__isnull=False), name="consent_withdrawn_idx"
            ),
        ]

    def clean(self) -> None:
        if self.basis == c.ConsentBasis.CONSENT and not self.given_by:
            raise ValidationError({"given_by": _("Untuk persetujuan, isi siapa yang memberikannya.")})
        if self.given_at and self.given_at > timezone.localdate():
            raise ValidationError({"given_at": _("Tanggal persetujuan tidak boleh di masa depan.")})
        if self.withdrawn_at and self.given_at and self.withdrawn_at < self.given_at:
            raise ValidationError({"withdrawn_at": _("Tanggal penarikan tidak boleh sebelum tanggal persetujuan.")})

    def __str__(self) -> str:
        return f"{self.get_basis_display()} ({self.given_at})"


class LifeEvent(models.Model):
    """A death, a move out, a household split or a KK change: recorded as an event, never as a deletion."""

    kind = models.CharField(_("jenis peristiwa"), max_length=20, choices=c.LifeEventKind.choices)
    date = models.DateField(_("tanggal"))
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="events")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="events")
    new_household = models.ForeignKey(Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.CharField(_("keterangan"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("peristiwa kependudukan")
        verbose_name_plural = _("peristiwa kependudukan")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"


class Group(models.Model):
    """A group of people: kelompok tani, gapoktan, KUBE, disability organisation, women's group..."""

    name = models.CharField(_("nama kelompok"), max_length=150)
    kind = models.CharField(_("jenis kelompok"), max_length=20, choices=c.GroupKind.choices)
    village = models.ForeignKey(
        "areas.Village", verbose_name=_("desa/kelurahan"), on_delete=models.PROTECT, related_name="groups"
    )
    registration_number = models.CharField(_("nomor registrasi"), max_length=60, blank=True)
    founded_year = models.PositiveSmallIntegerField(
        _("tahun berdiri"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1945), MaxValueValidator(2100)],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("kelompok")
        verbose_name_plural = _("kelompok")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "name"],
                name="group_name_unique_in_village",
                violation_error_message=_("Sudah ada kelompok dengan nama ini di desa tersebut."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class GroupMembership(models.Model):
    """A person's membership of a group, with a role. Leaving keeps the row (left_on)."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("jabatan"), max_length=20, choices=c.GroupRole.choices, default=c.GroupRole.MEMBER)
    joined_on = models.DateField(_("bergabung"), default=timezone.localdate)
    left_on = models.DateField(_("keluar"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("keanggotaan kelompok")
        verbose_name_plural = _("keanggotaan kelompok")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "person"],
                condition=Q(left_on__isnull=True),
                name="membership_unique_active",
                violation_error_message=_("Orang ini sudah menjadi anggota aktif kelompok ini."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.group_id} ({self.role})"


class PersonMerge(models.Model):
    """Two records found to be one person, merged: every row of `merged` now belongs to `survivor`, and `merged`
    stays as an alias (status merged, merged_into) so its old links and id still resolve. Each row the merge moved
    or changed is kept in PersonMergeMove, so an undo puts back exactly what was there (merge.py)."""

    survivor = models.ForeignKey(
        Person, verbose_name=_("data yang dipertahankan"), on_delete=models.PROTECT, related_name="+"
    )
    merged = models.ForeignKey(
        Person, verbose_name=_("data yang digabungkan"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("alasan"), max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("digabung oleh"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("waktu"), auto_now_add=True)
    undone_at = models.DateTimeField(_("dibatalkan"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dibatalkan oleh"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    undo_reason = models.CharField(_("alasan pembatalan"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("penggabungan data ganda")
        verbose_name_plural = _("penggabungan data ganda")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(survivor=models.F("merged")), name="person_merge_two_people"),
            # A record is merged away at most once at a time; an undone merge may be followed by another.
            models.UniqueConstraint(fields=["merged"], condition=Q(undone_at__isnull=True), name="person_merge_once"),
        ]
        indexes = [models.Index(fields=["survivor"], name="person_merge_survivor_idx")]

    def __str__(self) -> str:
        return f"#{self.merged_id} → #{self.survivor_id}"

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None


class PersonMergeMove(models.Model):
    """One row a merge moved to the survivor (`field` set, `moved`) or changed in place, with the values it had
    before (`old`, by column), in the order the merge wrote them; undo replays them backwards."""

    merge = models.ForeignKey(PersonMerge, on_delete=models.CASCADE, related_name="moves")
    model = models.CharField(_("model"), max_length=100)
    object_pk = models.CharField(_("id baris"), max_length=64)
    field = models.CharField(_("kolom penunjuk"), max_length=100, blank=True)
    moved = models.BooleanField(_("dipindahkan"), default=False)
    old = models.JSONField(_("nilai sebelumnya"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("baris yang dipindahkan penggabungan")
        verbose_name_plural = _("baris yang dipindahkan penggabungan")
        ordering = ["merge", "id"]

    def __str__(self) -> str:
        return f"{self.model}#{self.object_pk}"


class DistinctConfirmation(models.Model):
    """An officer's word that a new record is not the same person as a likely match shown before saving ("bukan
    orang yang sama"), with the reason. Kept so the pair is not proposed again: the deduplication app reads these
    as "different" decisions (registry.matching.register_distinct_listener). A match the officer could not see
    (outside their scope) is recorded with `other_visible` false: they could not judge it, so it stays a question
    for the regency's review."""

    person = models.ForeignKey(
        Person, verbose_name=_("penduduk baru"), on_delete=models.CASCADE, related_name="distinct_confirmations"
    )
    other = models.ForeignKey(
        Person, verbose_name=_("kemungkinan duplikat"), on_delete=models.CASCADE, related_name="+"
    )
    reasons = models.CharField(_("alasan kecocokan"), max_length=300, blank=True)
    reason = models.CharField(_("alasan bukan orang yang sama"), max_length=300)
    other_visible = models.BooleanField(_("data lain terlihat oleh petugas"), default=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dikonfirmasi oleh"), on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("dikonfirmasi"), auto_now_add=True)

    class Meta:
        verbose_name = _("konfirmasi bukan orang yang sama")
        verbose_name_plural = _("konfirmasi bukan orang yang sama")
        ordering = ["-confirmed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["person", "other"], name="distinct_confirmation_unique_pair")]

    def __str__(self) -> str:
        return f"{self.person_id} ≠ {self.other_id}"
