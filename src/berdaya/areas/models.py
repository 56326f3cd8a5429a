"""Administrative areas (wilayah) with their Kemendagri codes.

The code is the primary key everywhere: it is stable, human-readable, sorts by hierarchy, and is the natural
partition key when the registry grows past one server (a village code starts with its district's code).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Province(models.Model):
    """Provinsi, e.g. 15 Jambi."""

    code = models.CharField(_("kode"), max_length=2, primary_key=True)
    name = models.CharField(_("nama"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("provinsi")
        verbose_name_plural = _("provinsi")

    def __str__(self) -> str:
        return self.name


class Regency(models.Model):
    """Kabupaten or kota, e.g. 15.02 Kabupaten Merangin."""

    code = models.CharField(_("kode"), max_length=5, primary_key=True)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="regencies")
    name = models.CharField(_("nama"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("kabupaten/kota")
        verbose_name_plural = _("kabupaten/kota")

    def __str__(self) -> str:
        return self.name


class District(models.Model):
    """Kecamatan, e.g. 15.02.01 Jangkat. All of Indonesia's are loaded: NIK validation needs them."""

    code = models.CharField(_("kode"), max_length=8, primary_key=True)
    regency = models.ForeignKey(Regency, on_delete=models.PROTECT, related_name="districts")
    name = models.CharField(_("nama"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("kecamatan")
        verbose_name_plural = _("kecamatan")

    def __str__(self) -> str:
        return self.name

    @property
    def nik_prefix(self) -> str:
        return self.code.replace(".", "")


class Village(models.Model):
    """Desa or kelurahan, e.g. 15.02.01.2001. Loaded for the regencies in use."""

    class Kind(models.TextChoices):
        DESA = "desa", _("Desa")
        KELURAHAN = "kelurahan", _("Kelurahan")

    code = models.CharField(_("kode"), max_length=13, primary_key=True)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="villages")
    name = models.CharField(_("nama"), max_length=100)
    kind = models.CharField(_("jenis"), max_length=10, choices=Kind.choices)
    latitude = models.DecimalField(_("lintang"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("bujur"), max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("desa/kelurahan")
        verbose_name_plural = _("desa/kelurahan")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"

    @staticmethod
    def kind_from_code(code: str) -> str:
        # In NNNN the first digit is 1 for a kelurahan and 2 for a desa (Permendagri 72/2019).
        return Village.Kind.KELURAHAN if code.rsplit(".", 1)[-1].startswith("1") else Village.Kind.DESA
