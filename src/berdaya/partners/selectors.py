"""Reads of partners, already scoped to the user (.access, organisations.access): the organisation directory, agreements,
commitments and what was delivered, and an organisation's results. The coordination reports (the 4W matrix and the
coverage gaps) are in coordination.py.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    Exists,
    Field,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from berdaya.accounts.models import User
from berdaya.core.forms import style_widgets
from berdaya.organisations.access import organisations_visible_to
from berdaya.organisations.models import Organisation
from berdaya.partners.access import agreements_visible_to, commitments_visible_to
from berdaya.programmes import choices as pc
from berdaya.programmes.models import Assistance, Enrolment, Programme, Session
from berdaya.programmes.selectors import counted_for
from berdaya.registry.access import people_visible_to

from . import choices as c
from .filtersets import OrganisationFilterSet
from .models import Agreement, Commitment, Contribution

# --- organisations -------------------------------------------------------------------------------------------------

_ABBREVIATIONS = {"kab": "kabupaten", "kec": "kecamatan", "prov": "provinsi", "yys": "yayasan", "kop": "koperasi"}
SIMILARITY_THRESHOLD = 0.85


def normalise_name(name: str) -> str:
    """Lower case, no accents or punctuation, single spaces, common abbreviations spelt out: "Dinas  Sosial Kab.
    Merangin" and "dinas sosial kabupaten merangin" are the same name."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().casefold()
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


@dataclass(frozen=True)
class SimilarName:
    organisation: Organisation
    ratio: float
    same: bool  # the same name once case, spaces and punctuation are ignored


def similar_organisations(name: str, *, exclude_pk: int | None = None, limit: int = 5) -> list[SimilarName]:
    """Organisations whose name is the same or close to `name` (difflib ratio on normalised names, words in any
    order). Organisations are a few hundred at most, so comparing in Python is fine."""
    wanted = normalise_name(name)
    if not wanted:
        return []
    wanted_sorted = " ".join(sorted(wanted.split()))
    found: list[SimilarName] = []
    others = Organisation.objects.all() if exclude_pk is None else Organisation.objects.exclude(pk=exclude_pk)
    for org in others.only("pk", "name", "short_name", "kind"):
        other = normalise_name(org.name)
        if other == wanted:
            found.append(SimilarName(org, 1.0, True))
            continue
        ratio = max(
            difflib.SequenceMatcher(None, wanted, other).ratio(),
            difflib.SequenceMatcher(None, wanted_sorted, " ".join(sorted(other.split()))).ratio(),
        )
        if ratio >= SIMILARITY_THRESHOLD:
            found.append(SimilarName(org, ratio, False))
    found.sort(key=lambda s: (-s.ratio, s.organisation.name))
    return found[:limit]


def organisation_list(
    *, actor: User, filters: Mapping[str, Any] | None
) -> tuple[OrganisationFilterSet, QuerySet[Organisation]]:
    base = organisations_visible_to(actor).annotate(
        programme_count=Count("programmes_organised", distinct=True),
        agreement_count=Count("agreements", distinct=True),
    )
    filterset = OrganisationFilterSet(filters, queryset=base)
    style_widgets(filterset.form, empty_label=_("Semua"))
    qs = filterset.qs if filterset.is_valid() else base.none()
    return filterset, qs.order_by("name")


def programmes_of(organisation: Organisation) -> QuerySet[Programme]:
    """Programmes an organisation organises or funds."""
    return (
        Programme.objects.filter(Q(organiser=organisation) | Q(funders=organisation))
        .distinct()
        .select_related("organiser")
        .order_by("-start_date", "name")
    )


# --- agreements ----------------------------------------------------------------------------------------------------


def agreement_list(*, actor: User, status: str = "", organisation: int | None = None) -> QuerySet[Agreement]:
    qs = agreements_visible_to(actor).prefetch_related("parties")
    if status in c.AgreementStatus.values:
        qs = qs.filter(status=status)
    if organisation:
        qs = qs.filter(parties=organisation)
    return qs.order_by("end_date", "title")


def agreement_reminders(*, actor: User, today: dt.date | None = None, days: int = c.REMINDER_DAYS) -> list[Agreement]:
    """Signed or active agreements the actor may see that end within `days`, or have ended without being closed,
    soonest first."""
    today = today or timezone.localdate()
    rows = list(
        agreements_visible_to(actor)
        .filter(status__in=c.RUNNING_AGREEMENT_STATUSES, end_date__lte=today + dt.timedelta(days=days))
        .prefetch_related("parties")
        .order_by("end_date", "title")
    )
    for a in rows:
        a.left = a.days_left(today)
        a.overdue = max(0, -a.left)
    return rows


# --- commitments and what was delivered ----------------------------------------------------------------------------

GOODS_KINDS = (pc.AssistanceKind.IN_KIND, pc.AssistanceKind.EQUIPMENT, pc.AssistanceKind.ASSISTIVE_DEVICE)
DERIVED_KINDS = {c.CommitmentKind.FUNDS, c.CommitmentKind.TRAININGS, c.CommitmentKind.EQUIPMENT}
DERIVED_NOTES: dict[str, Promise] = {
    c.CommitmentKind.FUNDS: gettext_lazy("bantuan yang sudah disalurkan pada program terkait, dalam periode komitmen"),
    c.CommitmentKind.TRAININGS: gettext_lazy("sesi program terkait yang sudah berlangsung dalam periode komitmen"),
    c.CommitmentKind.EQUIPMENT: gettext_lazy(
        "barang yang sudah disalurkan pada program terkait, dalam periode komitmen"
    ),
}


@dataclass
class Progress:
    commitment: Commitment
    committed: Decimal
    recorded: Decimal  # Contribution rows
    derived: Decimal  # from programme records
    programmes: list[Programme] = field(default_factory=list)

    @property
    def delivered(self) -> Decimal:
        return self.recorded + self.derived

    @property
    def percent(self) -> int:
        if not self.committed:
            return 0
        return int(self.delivered * 100 // self.committed)

    @property
    def bar(self) -> int:
        return min(self.percent, 100)

    @property
    def derived_note(self) -> str:
        return str(DERIVED_NOTES.get(self.commitment.kind, ""))


def _sum_subquery(qs: QuerySet[Any], outer: str, column: str, output: Field[Any, Any]) -> Coalesce:
    return Coalesce(
        Subquery(qs.order_by().values(outer).annotate(total=Sum(column)).values("total")[:1], output_field=output),
        Value(0, output_field=output),
    )


def commitment_progress(commitments: list[Commitment], *, actor: User, today: dt.date | None = None) -> list[Progress]:
    """Committed vs delivered for each commitment, in three queries whatever their number.

    Delivered = Contribution rows + what programme records show for the linked programmes within the commitment's
    period: funds = disbursed assistance (Rp), trainings = sessions held, equipment = goods disbursed. Assistance a
    Contribution row already names is not counted twice. The assistance is counted as `actor` counts a programme's
    (programmes.selectors.counted_for): for partner staff only the assistance to the people they may see, the rows
    of the ledger they read, so the figure gives back no participant who withdrew consent to sharing."""
    today = today or timezone.localdate()
    ids = [x.pk for x in commitments]
    recorded: dict[int, dict] = {
        r["commitment"]: r
        for r in Contribution.objects.filter(commitment__in=ids)
        .values("commitment")
        .annotate(amount=Sum("amount"), quantity=Sum("quantity"))
        .order_by()
    }
    link = Commitment.programmes.through
    in_period = {
        "date__gte": OuterRef("commitment__start_date"),
        "date__lte": OuterRef("commitment__end_date"),
    }
    named = Contribution.objects.filter(assistance=OuterRef("pk"), commitment=OuterRef(OuterRef("commitment_id")))
    spent = counted_for(
        actor,
        Assistance.objects.filter(programme=OuterRef("programme_id"), status__in=pc.SPENT_STATUSES, **in_period),
    ).exclude(Exists(named))
    big: IntegerField[int, int] = IntegerField()
    links = (
        link.objects.filter(commitment__in=ids)
        .select_related("programme")
        .annotate(
            funds=_sum_subquery(spent, "programme", "amount", big),
            goods=_sum_subquery(spent.filter(kind__in=GOODS_KINDS), "programme", "quantity", big),
            sessions=Coalesce(
                Subquery(
                    Session.objects.filter(programme=OuterRef("programme_id"), **in_period)
                    .filter(date__lte=today)
                    .order_by()
                    .values("programme")
                    .annotate(n=Count("pk"))
                    .values("n")[:1],
                    output_field=big,
                ),
                Value(0),
            ),
        )
        .order_by("programme__start_date", "programme_id")
    )
    derived: dict[int, Decimal] = defaultdict(Decimal)
    programmes: dict[int, list[Programme]] = defaultdict(list)
    kinds = {x.pk: x.kind for x in commitments}
    column: dict[str, str] = {
        c.CommitmentKind.FUNDS: "funds",
        c.CommitmentKind.TRAININGS: "sessions",
        c.CommitmentKind.EQUIPMENT: "goods",
    }
    for row in links:
        programmes[row.commitment_id].append(row.programme)
        kind = kinds[row.commitment_id]
        if kind in column:
            derived[row.commitment_id] += Decimal(getattr(row, column[kind]) or 0)
    result = []
    for x in commitments:
        r = recorded.get(x.pk, {})
        value = r.get("amount") if x.kind == c.CommitmentKind.FUNDS else r.get("quantity")
        result.append(
            Progress(
                commitment=x,
                committed=Decimal(x.target or 0),
                recorded=Decimal(value or 0),
                derived=derived[x.pk],
                programmes=programmes[x.pk],
            )
        )
    return result


def commitments_of(*, actor: User, organisation: Organisation) -> QuerySet[Commitment]:
    return (
        commitments_visible_to(actor)
        .filter(organisation=organisation)
        .select_related("organisation", "agreement")
        .order_by("-start_date", "id")
    )


# --- partner's own view ----------------------------------------------------------------------------------------------


def organisation_results(organisation: Organisation, *, actor: User) -> dict:
    """Results of an organisation's programmes (organised or funded): participants by status, people completing,
    Rupiah disbursed, sessions held, and how many of its participants the actor may see as people. Grouped
    queries only. Participants and assistance are counted as `actor` counts a programme's
    (programmes.selectors.counted_for): for partner staff over the people they may see, so that no total less the
    people they open gives back a participant who withdrew consent to sharing with partners."""
    today = timezone.localdate()
    programmes = programmes_of(organisation).values("pk")
    by_status = dict(
        counted_for(actor, Enrolment.objects.filter(programme__in=programmes))
        .values("status")
        .annotate(n=Count("person", distinct=True))
        .order_by()
        .values_list("status", "n")
    )
    money = counted_for(
        actor, Assistance.objects.filter(programme__in=programmes, status__in=pc.SPENT_STATUSES)
    ).aggregate(rp=Sum("amount"), people=Count("person", distinct=True))
    return {
        "participants": sum(by_status.get(s, 0) for s in pc.SEAT_STATUSES),
        "completed": by_status.get(pc.EnrolmentStatus.COMPLETED, 0),
        "dropped_out": by_status.get(pc.EnrolmentStatus.DROPPED_OUT, 0),
        "disbursed": money["rp"] or 0,
        "recipients": money["people"] or 0,
        "sessions_held": Session.objects.filter(programme__in=programmes, date__lte=today).count(),
        "visible_people": people_visible_to(actor)
        .filter(
            Exists(
                Enrolment.objects.filter(person=OuterRef("pk"), programme__in=programmes, status__in=pc.OPEN_STATUSES)
            )
        )
        .count(),
    }
