"""One filterset per list, used by the list page, the export and (later) the API."""

from __future__ import annotations

import datetime as dt
import re
import threading
from typing import TYPE_CHECKING

import django_filters as df
from django.db import connections, router
from django.db.models import Q, Value
from django.db.models.functions import StrIndex, Upper
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from berdaya.areas.models import Village
from berdaya.areas.selectors import deployment_districts
from berdaya.core.access import capabilities
from berdaya.core.dates import years_ago
from berdaya.core.filtersets import FilterSet

from . import choices as c
from .access import flags_withheld_from
from .identity import normalise_identity
from .models import Group, KKNumber, Person
from .vulnerability import FLAG_CHOICES, flag_q

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _districts(request):
    # Called per filter form: the deployment's regency is a setting read at request time, not at import.
    return deployment_districts()


def _difficulty(domain: StrOrPromise) -> str:
    return gettext("Sulit %(d)s") % {"d": domain}


# Filled in when drawn, in the language of the request: a lazy string %-formatted here would be frozen in the
# language active at import (Indonesian), whatever the reader's.
difficulty_label = lazy(_difficulty, str)

AGE_BANDS = [
    ("0-5", _("0-5 tahun")),
    ("6-17", _("6-17 tahun")),
    ("18-59", _("18-59 tahun")),
    ("60+", _("60 tahun ke atas")),
]


def search_q(value: str, *, prefixes: bool = True) -> Q:
    """Name, NIK or KK number. A full 16-digit number matches NIK, current KK and any former KK exactly; a number is
    read as identity.normalise_identity reads it (spaces, dots, dashes between its groups).

    A shorter number (6-15 digits) matches the start of a NIK or KK only with `prefixes`: for a role that sees these
    numbers masked it would spell a masked number out digit by digit (one search per digit), so it finds nothing."""
    value = value.strip()
    digits = normalise_identity(value)
    if re.fullmatch(r"[0-9]{16}", digits):
        # One id subquery, a UNION of three index lookups: an OR across the household join let the planner walk the
        # whole person table in id order looking for the one match (3 s at a million people).
        former = KKNumber.objects.filter(number=digits).values("household_id")
        ids = (
            Person.objects.filter(nik=digits)
            .order_by()
            .values("pk")
            .union(
                Person.objects.filter(household__kk_number=digits).order_by().values("pk"),
                Person.objects.filter(household_id__in=former).order_by().values("pk"),
            )
        )
        return Q(pk__in=ids)
    if re.fullmatch(r"[0-9]{6,15}", digits):
        if not prefixes:
            return Q(pk__in=[])
        return Q(nik__startswith=digits) | Q(household__kk_number__startswith=digits)
    words = value.split()[:5]
    indexed = set(words) if len(words) < 2 else _indexed_words(words)
    q = Q()
    for word in words:
        if word in indexed:
            q &= Q(full_name__icontains=word)
        else:
            # The same condition (UPPER(name) LIKE UPPER('%word%'), the word's wildcards escaped, is a substring
            # test), in a form the trigram index does not serve: see _indexed_words.
            q &= Q(GreaterThan(StrIndex(Upper("full_name"), Upper(Value(word))), 0))
    return q


# A word found in more than this share of names is tested on the rows another word found, not through the index.
COMMON_NAME_WORD = 0.1
_name_stats: dict[str, tuple[dt.date, tuple[list[tuple[str, float]], list[str], float]]] = {}
_name_stats_lock = threading.Lock()


def _indexed_words(words: list[str]) -> set[str]:
    """The words of a name search that PostgreSQL should look up in the trigram index (person_name_trgm); the others
    are tested on the rows those found.

    Every word's `LIKE '%word%'` goes to the one GIN index scan, and the scan reads each of its trigrams' whole
    posting list: a word most names share ("Binti", "Muhammad", every "Warga" of bench/_world.py) costs a walk over
    a million postings (≈ 30 ms) to find the rows the other word's few postings already give (≈ 0.3 ms). The
    planner cannot tell (the GIN cost estimate does not weigh a trigram's postings), so a word found in more than
    COMMON_NAME_WORD of names (by the name column's statistics, pg_stats: its most common values and histogram, as
    the planner reads them for a single LIKE), or without three letters or digits in a row (no trigram to look up:
    the scan would read the whole index), is written as a substring test the index does not serve. The rarest word
    always stays indexed. The rows found are the same either way: only the plan changes."""
    alias = router.db_for_read(Person)
    if connections[alias].vendor != "postgresql":
        return set(words)
    mcv, histogram, rest = _name_statistics(alias)

    def share(word: str) -> tuple[bool, float]:
        upper = word.upper()
        common = sum(freq for name, freq in mcv if upper in name)
        if histogram:
            common += rest * sum(upper in bound for bound in histogram) / len(histogram)
        return (re.search(r"\w{3}", word) is None, common)

    shares = {word: share(word) for word in words}
    rarest = min(words, key=lambda word: shares[word])
    return {rarest} | {
        w for w, (untrigrammed, common) in shares.items() if not untrigrammed and common <= COMMON_NAME_WORD
    }


def _name_statistics(alias: str) -> tuple[list[tuple[str, float]], list[str], float]:
    """The name column's most common values (upper case, with their shares), histogram bounds (upper case) and the
    share of names the histogram stands for, as ANALYZE last left them; read once a day per process."""
    today = timezone.localdate()
    kept = _name_stats.get(alias)
    if kept is not None and kept[0] == today:
        return kept[1]
    with _name_stats_lock, connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT null_frac, most_common_vals::text::text[], most_common_freqs, histogram_bounds::text::text[]"
            " FROM pg_stats WHERE schemaname = current_schema() AND tablename = %s AND attname = %s",
            [Person._meta.db_table, Person._meta.get_field("full_name").column],
        )
        row = cursor.fetchone()
    if row is None:
        stats: tuple[list[tuple[str, float]], list[str], float] = ([], [], 0.0)
    else:
        null_frac, values, freqs, bounds = row
        mcv = [(str(v).upper(), float(f)) for v, f in zip(values or [], freqs or [], strict=True)]
        stats = (
            mcv,
            [str(b).upper() for b in bounds or []],
            max(0.0, 1.0 - float(null_frac or 0) - sum(f for _v, f in mcv)),
        )
    _name_stats[alias] = (today, stats)
    return stats


class PersonFilterSet(FilterSet):
    q = df.CharFilter(label=_("Cari nama, NIK atau nomor KK"), method="filter_q")
    district = df.ModelChoiceFilter(
        label=_("Kecamatan"),
        queryset=_districts,
        field_name="household__village__district",
    )
    village = df.ModelChoiceFilter(label=_("Desa/kelurahan"), queryset=Village.objects.all(), field_name="village")
    sex = df.ChoiceFilter(label=_("Jenis kelamin"), choices=c.Sex.choices)
    age_band = df.ChoiceFilter(label=_("Kelompok umur"), choices=AGE_BANDS, method="filter_age")
    disability = df.ChoiceFilter(
        label=_("Disabilitas"),
        choices=[
            ("yes", _("Ya")),
            ("no", _("Tidak")),
            *[(f, difficulty_label(d)) for f, d in c.WGSS_DOMAINS],
        ],
        method="filter_disability",
    )
    flag = df.ChoiceFilter(label=_("Kerentanan"), choices=FLAG_CHOICES, method="filter_flag")
    # Merged duplicates are never listed (people_visible_to): not a status to filter by.
    status = df.ChoiceFilter(
        label=_("Status"), choices=[(v, label) for v, label in c.PersonStatus.choices if v not in c.ALIAS_STATUSES]
    )

    class Meta:
        model = Person
        fields = ["q", "district", "village", "sex", "age_band", "disability", "flag", "status"]

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Who searches: the page's selector passes the actor, the API's filter backend the request.
        self.actor = actor if actor is not None else getattr(self.request, "user", None)
        withheld = flags_withheld_from(self.actor) if self.actor is not None else frozenset()
        if withheld:
            # A flag not shown to the actor cannot be asked for either (a filter would show who carries it).
            flag = self.filters["flag"]
            flag.extra["choices"] = [(code, label) for code, label in FLAG_CHOICES if code not in withheld]

    def filter_q(self, qs, name, value):
        if not value.strip():
            return qs
        return qs.filter(search_q(value, prefixes=capabilities(self.actor).sees_identifiers))

    def filter_age(self, qs, name, value):
        today = timezone.localdate()
        low, _sep, high = value.partition("-")
        low_age = int(low.rstrip("+"))
        qs = qs.filter(birth_date__lte=years_ago(low_age, today))
        if high:
            qs = qs.filter(birth_date__gt=years_ago(int(high) + 1, today))
        return qs

    def filter_disability(self, qs, name, value):
        today = timezone.localdate()
        if value == "yes":
            return qs.filter(flag_q("disability", today))
        if value == "no":
            return qs.exclude(flag_q("disability", today))
        return qs.filter(**{f"{value}__gte": c.WGSSAnswer.A_LOT})

    def filter_flag(self, qs, name, value):
        return qs.filter(flag_q(value))


class GroupFilterSet(FilterSet):
    q = df.CharFilter(label=_("Cari nama kelompok"), field_name="name", lookup_expr="icontains")
    kind = df.ChoiceFilter(label=_("Jenis"), choices=c.GroupKind.choices)
    district = df.ModelChoiceFilter(
        label=_("Kecamatan"),
        queryset=_districts,
        field_name="village__district",
    )

    class Meta:
        model = Group
        fields = ["q", "kind", "district"]
