"""The registry's own vulnerability flags (../shared/domain.md), registered from RegistryConfig.ready(): disability by
WG-SS, elderly, child, female-headed household and no NIK. The registry of flags itself is `vulnerability.py`."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from berdaya.core.conf import conf
from berdaya.core.dates import years_ago as _years_ago

from . import choices as c
from .models import Person
from .vulnerability import Alternative, Facts, register

# --- disability: the WG-SS part (berdaya.inclusion contributes a recorded disability profile) -------------------


def wgss_disability_q(today: dt.date) -> Q:
    # WG-SS standard cut-off: any domain "a lot of difficulty" or "cannot do at all".
    q = Q()
    for field, _label in c.WGSS_DOMAINS:
        q |= Q(**{f"{field}__gte": c.WGSSAnswer.A_LOT})
    return q


def wgss_disability(person) -> bool:
    return any((getattr(person, field) or 0) >= c.WGSSAnswer.A_LOT for field, _label in c.WGSS_DOMAINS)


def _wgss_reason(person, today: dt.date) -> str:
    domains = [
        f"{label} ({c.WGSSAnswer(getattr(person, field)).label.lower()})"
        for field, label in c.WGSS_DOMAINS
        if (getattr(person, field) or 0) >= c.WGSSAnswer.A_LOT
    ]
    return _("WG-SS: %(domains)s") % {"domains": ", ".join(domains)} if domains else ""


# --- age -------------------------------------------------------------------------------------------------------------


def _age(person, today: dt.date) -> int:
    # As of `today`, like the flags' SQL (Person.age stops at the date of death and uses the real today).
    born = person.birth_date
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def elderly_q(today: dt.date) -> Q:
    return Q(birth_date__lte=_years_ago(conf().elderly_age, today))


def child_q(today: dt.date) -> Q:
    return Q(birth_date__gt=_years_ago(conf().child_age, today))


# --- female-headed household -----------------------------------------------------------------------------------------


def _female_heads():
    # A head who died or moved out no longer heads the household (a successor is recorded as head).
    return Person.objects.filter(relationship=c.Relationship.HEAD, sex=c.Sex.FEMALE, status=c.PersonStatus.ACTIVE)


def female_headed_q(today: dt.date) -> Q:
    return Q(Exists(_female_heads().filter(household=OuterRef("household"))))


def female_headed_fast_q(today: dt.date) -> Q:
    # The female-headed households as one uncorrelated IN (hashed once per query), not an EXISTS per person.
    return Q(household_id__in=_female_heads().values("household_id"))


def _female_headed_py(facts: Facts, today: dt.date) -> bool:
    return any(
        m.relationship == c.Relationship.HEAD and m.sex == c.Sex.FEMALE and m.status == c.PersonStatus.ACTIVE
        for m in facts.household_members
    )


# --- without documents -----------------------------------------------------------------------------------------------


def no_nik_q(today: dt.date) -> Q:
    # A person erased under UU PDP lost their NIK to the erasure, not to a missing document: they stay out of the
    # group, so an erasure changes no figure.
    return Q(nik__isnull=True) & ~Q(nik_missing_reason=c.NikMissingReason.ERASED)


def register_flags() -> None:
    owner = "registry"
    register(
        "disability",
        gettext_lazy("Penyandang disabilitas"),
        order=10,
        alternative=Alternative(
            q=wgss_disability_q,
            py=lambda facts, today: wgss_disability(facts.person),
            reason=_wgss_reason,
            owner=owner,
        ),
    )
    register(
        "elderly",
        gettext_lazy("Lanjut usia"),
        order=20,
        alternative=Alternative(
            q=elderly_q,
            py=lambda facts, today: facts.person.birth_date <= _years_ago(conf().elderly_age, today),
            reason=lambda person, today: (
                _("umur %(age)s tahun ≥ %(min)s") % {"age": _age(person, today), "min": conf().elderly_age}
            ),
            owner=owner,
        ),
    )
    register(
        "child",
        gettext_lazy("Anak"),
        order=30,
        alternative=Alternative(
            q=child_q,
            py=lambda facts, today: facts.person.birth_date > _years_ago(conf().child_age, today),
            reason=lambda person, today: (
                _("umur %(age)s tahun < %(max)s") % {"age": _age(person, today), "max": conf().child_age}
            ),
            owner=owner,
        ),
    )
    register(
        "female_headed",
        gettext_lazy("Rumah tangga dikepalai perempuan"),
        order=40,
        alternative=Alternative(
            q=female_headed_q,
            fast_q=female_headed_fast_q,
            py=_female_headed_py,
            reason=lambda person, today: _("kepala keluarga perempuan"),
            owner=owner,
        ),
        from_members=True,  # the head's sex and status, shown on every member
    )
    # 50 and 60: smallholder and gurem (berdaya.farming).
    register(
        "no_nik",
        gettext_lazy("Tanpa dokumen kependudukan"),
        order=70,
        alternative=Alternative(
            q=no_nik_q,
            py=lambda facts, today: (
                facts.person.nik is None and facts.person.nik_missing_reason != c.NikMissingReason.ERASED
            ),
            reason=lambda person, today: _("alasan: %(r)s") % {"r": person.get_nik_missing_reason_display() or "-"},
            owner=owner,
        ),
    )
