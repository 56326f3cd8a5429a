"""Programme pages. Thin: scope comes from .access (and registry.access for people), reads from selectors, writes through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from berdaya.accounts.models import User
from berdaya.core import disclosure
from berdaya.core.access import capabilities, ensure_sees_people, get_visible_or_404
from berdaya.core.conf import conf
from berdaya.core.confirm import confirm_first
from berdaya.core.forms import service_errors
from berdaya.core.pagination import paginate
from berdaya.registry.access import get_person_or_404, people_visible_to
from berdaya.registry.filtersets import search_q

from . import choices as c
from . import selectors, services
from .access import (
    can_manage_programme,
    can_record_attendance,
    counts_seen_people_only,
    ensure_can_create_programme,
    ensure_can_manage_programme,
    ensure_can_record_attendance,
    programmes_visible_to,
)
from .forms import AssistanceForm, NeedsForm, ProgrammeForm, SessionForm, TransitionForm
from .models import Assistance, Certificate, Enrolment, Session


def _programme(request, pk):
    return get_visible_or_404(programmes_visible_to(request.user).select_related("organiser"), pk)


def _session(request, pk) -> Session:
    session = get_visible_or_404(Session.objects.select_related("programme__organiser"), pk)
    _programme(request, session.programme_id)
    return session


def _enrolment(request, pk) -> Enrolment:
    return get_visible_or_404(selectors.visible_enrolments(request.user), pk)


def _cleaned(form) -> dict:
    return {k: v for k, v in form.cleaned_data.items() if k in form.fields}


# --- programmes ----------------------------------------------------------------------------------------------------


@login_required
def programme_list(request):
    filterset, qs = selectors.programme_list(actor=request.user, filters=request.GET)
    page = paginate(qs, request.GET.get("page"), conf().page_size)
    stats = selectors.programme_stats([p.pk for p in page.items], actor=request.user)
    for p in page.items:
        p.stats = stats.get(p.pk)
        p.disclosure = _disclosure(request.user, p)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "programmes/programme_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "can_create": _can_create(request.user),
            "seen_only": counts_seen_people_only(request.user),
        },
    )


def _disclosure(user: User, programme) -> disclosure.Disclosure:
    """A programme's participant counts cover all its participants: exact for those who manage it (and officers),
    small counts suppressed for everyone else (core.disclosure)."""
    return disclosure.EXACT if can_manage_programme(user, programme) else disclosure.for_coordination(user)


def _can_create(user: User) -> bool:
    try:
        ensure_can_create_programme(user)
    except PermissionDenied:
        return False
    return True


@login_required
def programme_detail(request, pk: int):
    programme = _programme(request, pk)
    caps = capabilities(request.user)
    manage = can_manage_programme(request.user, programme)
    stats = selectors.programme_stats([programme.pk], actor=request.user)[programme.pk]
    held = selectors.sessions_held(programme).count()
    counted = selectors.sessions_counted(programme).count()
    context = {
        "programme": programme,
        "stats": stats,
        "disclosure": _disclosure(request.user, programme),
        "budget": selectors.budget_summary(programme, actor=request.user),
        "seen_only": counts_seen_people_only(request.user),
        "held": held,
        "counted": counted,
        "min_sessions": selectors.min_sessions(programme, counted),
        "can_manage": manage,
        "can_attend": can_record_attendance(request.user, programme),
        "today": timezone.localdate(),
    }
    sessions = list(programme.sessions.all())
    context["sessions"] = sessions
    if manage or context["can_attend"]:
        # Which sessions need an interpreter, step-free access...: counts only, for those who run the sessions.
        needs = selectors.session_needs(programme, sessions, actor=request.user)
        for s in sessions:
            s.needs = needs.get(s.pk, [])
    if caps.sees_people:
        status = request.GET.get("status", "")
        context["status_filter"] = status if status in c.EnrolmentStatus.values else ""
        context["enrolments"] = list(
            selectors.enrolment_list(
                actor=request.user, programme=programme, status=context["status_filter"]
            ).prefetch_related("certificate")
        )
        context["statuses"] = c.EnrolmentStatus.choices
        context["transitions"] = {k: sorted(v) for k, v in c.ENROLMENT_TRANSITIONS.items()}
        gaps = selectors.access_gaps(
            programme, [e.person_id for e in context["enrolments"] if e.status in c.UPCOMING_STATUSES]
        )
        for e in context["enrolments"]:
            e.access_gaps = gaps.get(e.person_id, []) if e.status in c.UPCOMING_STATUSES else []
    return render(request, "programmes/programme_detail.html", context)


@login_required
def programme_edit(request, pk: int | None = None):
    programme = _programme(request, pk) if pk else None
    if programme:
        ensure_can_manage_programme(request.user, programme)
    else:
        ensure_can_create_programme(request.user)
    form = ProgrammeForm(request.POST or None, instance=programme, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = _cleaned(form)
        with service_errors(form):
            if programme:
                programme = services.programme_update(actor=request.user, programme=programme, data=data)
            else:
                programme = services.programme_create(actor=request.user, data=data)
            messages.success(request, _("Program %(name)s disimpan.") % {"name": programme.name})
            return redirect("programmes:programme_detail", pk=programme.pk)
    return render(request, "programmes/programme_form.html", {"form": form, "programme": programme})


@login_required
@require_POST
def programme_complete(request, pk: int):
    programme = _programme(request, pk)
    ensure_can_manage_programme(request.user, programme)
    held = selectors.sessions_held(programme).count()
    counted = selectors.sessions_counted(programme).count()
    # Partner staff are told how many of the participants they see graduate (selectors.counted_for), in words that
    # say so on every programme: the service graduates everyone who qualifies, and a count of all would give back a
    # participant who withdrew consent to sharing.
    seen_only = counts_seen_people_only(request.user)
    if held:
        n = selectors.counted_for(request.user, selectors.graduating(programme)).count()
        graduates = (
            _(
                "%(n)s peserta aktif yang dapat Anda lihat ditetapkan lulus dan mendapat sertifikat, bersama peserta lain yang memenuhi batas kehadiran."
            )
            if seen_only
            else _("%(n)s peserta aktif ditetapkan lulus dan mendapat sertifikat.")
        )
        consequences = [
            graduates % {"n": n},
            _(
                "Kehadiran dihitung dari %(c)s sesi: %(h)s sudah berlangsung, %(s)s masih dijadwalkan; lulus bila hadir minimal %(m)s sesi."
            )
            % {"c": counted, "h": held, "s": counted - held, "m": selectors.min_sessions(programme, counted)},
        ]
        page = confirm_first(
            request,
            title=_("Tetapkan kelulusan %(p)s?") % {"p": programme.name},
            consequences=consequences,
            confirm_label=_("Ya, luluskan %(n)s peserta") % {"n": n},
            cancel_url=reverse("programmes:programme_detail", args=[programme.pk]),
        )
        if page is not None:
            return page
    shown = selectors.counted_for(request.user, selectors.graduating(programme)).count() if seen_only else 0
    with service_errors(request):
        n = services.programme_complete(actor=request.user, programme=programme)
        if seen_only:
            messages.success(
                request,
                _("%(n)s peserta yang dapat Anda lihat ditetapkan lulus dan mendapat sertifikat.") % {"n": shown},
            )
        else:
            messages.success(request, _("%(n)s peserta ditetapkan lulus dan mendapat sertifikat.") % {"n": n})
    return redirect("programmes:programme_detail", pk=programme.pk)


# --- sessions ------------------------------------------------------------------------------------------------------


@login_required
def session_edit(request, pk: int | None = None, session_id: int | None = None):
    session = _session(request, session_id) if session_id else None
    programme = session.programme if session else _programme(request, pk)
    ensure_can_manage_programme(request.user, programme)
    form = SessionForm(request.POST or None, instance=session or Session(programme=programme))
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            if session:
                services.session_update(actor=request.user, session=session, data=_cleaned(form))
            else:
                services.session_create(actor=request.user, programme=programme, data=_cleaned(form))
            messages.success(request, _("Sesi disimpan."))
            return redirect("programmes:programme_detail", pk=programme.pk)
    needs = selectors.session_needs(programme, [session], actor=request.user)[session.pk] if session else []
    return render(
        request,
        "programmes/session_form.html",
        {
            "form": form,
            "programme": programme,
            "session": session,
            "session_needs": needs,
            "seen_only": counts_seen_people_only(request.user),
        },
    )


@login_required
@require_POST
def session_delete(request, session_id: int):
    session = _session(request, session_id)
    with service_errors(request):
        services.session_delete(actor=request.user, session=session)
        messages.success(request, _("Sesi dihapus."))
    return redirect("programmes:programme_detail", pk=session.programme_id)


@login_required
def session_attendance(request, session_id: int):
    """The one-page tick form for the whole class: one POST, one upsert."""
    session = _session(request, session_id)
    ensure_can_record_attendance(request.user, session.programme)
    if request.method == "POST":
        try:
            roster = [int(x) for x in request.POST.getlist("roster")]
            present = [int(x) for x in request.POST.getlist("present")]
        except ValueError as exc:
            raise Http404 from exc
        with service_errors(request):
            result = services.attendance_record(actor=request.user, session=session, roster=roster, present=present)
            messages.success(
                request,
                _("Kehadiran disimpan: %(p)s hadir, %(a)s tidak hadir.") % {"p": result.present, "a": result.absent},
            )
            return redirect("programmes:programme_detail", pk=session.programme_id)
    rows = selectors.roster(actor=request.user, session=session)
    return render(
        request,
        "programmes/session_attendance.html",
        {
            "session": session,
            "programme": session.programme,
            "rows": rows,
            "future": session.date > timezone.localdate(),
            "session_needs": selectors.session_needs(session.programme, [session], actor=request.user)[session.pk],
            "seen_only": counts_seen_people_only(request.user),
        },
    )


@login_required
def session_sheet(request, session_id: int):
    """The printable attendance sheet: names and a signature column."""
    session = _session(request, session_id)
    ensure_sees_people(request.user)
    rows = selectors.roster(actor=request.user, session=session)
    return render(
        request,
        "programmes/session_sheet.html",
        {"session": session, "programme": session.programme, "rows": rows, "blank_rows": range(3)},
    )


# --- enrolment -----------------------------------------------------------------------------------------------------


@login_required
def enrol_search(request, pk: int):
    """htmx: people the actor may see, by name or NIK, to propose or enrol."""
    programme = _programme(request, pk)
    ensure_can_manage_programme(request.user, programme)
    term = request.GET.get("q", "").strip()
    people = []
    if len(term) >= 3:
        # taken: already proposed or enrolled in this programme.
        open_enrolment = programme.enrolments.filter(person=OuterRef("pk"), status__in=c.OPEN_STATUSES)
        people = list(
            people_visible_to(request.user)
            .filter(search_q(term, prefixes=capabilities(request.user).sees_identifiers))
            .select_related("household__village")
            .annotate(taken=Exists(open_enrolment))
            .order_by("full_name")[:15]
        )
    return render(request, "programmes/_enrol_search.html", {"programme": programme, "people": people, "term": term})


def _warn_access(request, programme, person_ids: list[int]) -> None:
    """Flag, right after enrolling, the sessions whose venue cannot accommodate the people's support needs."""
    lines = selectors.access_gap_messages(actor=request.user, programme=programme, person_ids=person_ids)
    for line in lines:
        messages.warning(request, line)


@login_required
@require_POST
def enrol(request, pk: int):
    programme = _programme(request, pk)
    person = get_person_or_404(request.user, request.POST.get("person"))
    source = request.POST.get("source", c.EnrolmentSource.MANUAL)
    if source not in c.EnrolmentSource.values:
        source = c.EnrolmentSource.MANUAL
    with service_errors(request):
        services.enrolment_create(
            actor=request.user,
            programme=programme,
            person=person,
            enrol=request.POST.get("enrol") == "1",
            override_reason=request.POST.get("override_reason", "")[:300],
            source=source,
        )
        messages.success(request, _("%(name)s ditambahkan ke program.") % {"name": person.full_name})
        _warn_access(request, programme, [person.pk])
    nxt = request.POST.get("next", "")
    if nxt == "needs":
        return redirect("programmes:person_needs", person_id=person.pk)
    return redirect("programmes:programme_detail", pk=programme.pk)


@login_required
@require_POST
def enrol_bulk(request, pk: int):
    programme = _programme(request, pk)
    ids = [int(x) for x in request.POST.getlist("person") if x.isdigit()]
    with service_errors(request):
        n = services.enrolment_bulk_propose(
            actor=request.user,
            programme=programme,
            people=people_visible_to(request.user).filter(pk__in=ids),
            source=c.EnrolmentSource.SUGGESTION,
        )
        messages.success(request, _("%(n)s penduduk diusulkan sebagai peserta.") % {"n": n})
        proposed = programme.enrolments.filter(person__in=ids, status=c.EnrolmentStatus.PROPOSED)
        _warn_access(request, programme, list(proposed.values_list("person_id", flat=True)))
    return redirect("programmes:candidates", pk=programme.pk)


@login_required
def enrolment_detail(request, enrolment_id: int):
    enrolment = _enrolment(request, enrolment_id)
    held, attended = selectors.attendance_of(enrolment)
    manage = can_manage_programme(request.user, enrolment.programme)
    return render(
        request,
        "programmes/enrolment_detail.html",
        {
            "enrolment": enrolment,
            "programme": enrolment.programme,
            "events": enrolment.events.select_related("actor"),
            "earlier": Enrolment.objects.filter(programme=enrolment.programme_id, person=enrolment.person_id)
            .exclude(pk=enrolment.pk)
            .order_by("-id"),
            "held": held,
            "attended": attended,
            "attendance": enrolment.person.attendance.filter(session__programme=enrolment.programme_id)
            .select_related("session")
            .order_by("session__date"),
            "can_manage": manage,
            "next_statuses": [
                (s, c.EnrolmentStatus(s).label) for s in sorted(c.ENROLMENT_TRANSITIONS[enrolment.status])
            ]
            if manage
            else [],
            "certificate": Certificate.objects.filter(enrolment=enrolment).first(),
            "access_gaps": selectors.access_gaps(enrolment.programme, [enrolment.person_id]).get(
                enrolment.person_id, []
            )
            if enrolment.status in c.UPCOMING_STATUSES
            else [],
        },
    )


@login_required
@require_POST
def enrolment_transition(request, enrolment_id: int):
    enrolment = _enrolment(request, enrolment_id)
    form = TransitionForm(request.POST)
    if form.is_valid() and form.cleaned_data["to_status"] == c.EnrolmentStatus.COMPLETED:
        counted, attended = selectors.attendance_of(enrolment)
        page = confirm_first(
            request,
            title=_("Luluskan %(name)s?") % {"name": enrolment.person.full_name},
            consequences=[
                _("%(name)s ditetapkan lulus dari %(p)s dan mendapat sertifikat.")
                % {"name": enrolment.person.full_name, "p": enrolment.programme.name},
                _("Kehadiran %(a)s dari %(c)s sesi (termasuk yang masih dijadwalkan).") % {"a": attended, "c": counted},
            ],
            confirm_label=_("Ya, luluskan"),
            cancel_url=reverse("programmes:programme_detail", args=[enrolment.programme_id]),
        )
        if page is not None:
            return page
    if form.is_valid():
        with service_errors(request):
            try:
                services.enrolment_transition(
                    actor=request.user,
                    enrolment=enrolment,
                    to_status=form.cleaned_data["to_status"],
                    reason=form.cleaned_data["reason"],
                    override_reason=form.cleaned_data["override_reason"],
                )
            except ValueError as exc:
                raise Http404 from exc
            messages.success(request, _("Status %(name)s diubah.") % {"name": enrolment.person.full_name})
    if request.POST.get("next") == "programme":
        return redirect("programmes:programme_detail", pk=enrolment.programme_id)
    return redirect("programmes:enrolment_detail", enrolment_id=enrolment.pk)


@login_required
def candidates(request, pk: int):
    """The reverse of matching: people whose recorded needs this programme answers."""
    programme = _programme(request, pk)
    ensure_sees_people(request.user)
    qs = selectors.candidates_for_programme(actor=request.user, programme=programme)
    page = paginate(qs, request.GET.get("page"), conf().page_size)
    needs = selectors.matched_needs([p.pk for p in page.items], list(programme.needs.values_list("pk", flat=True)))
    gaps = selectors.access_gaps(programme, [p.pk for p in page.items])
    for p in page.items:
        p.matched_names = needs.get(p.pk, [])
        p.access_gaps = gaps.get(p.pk, [])
    return render(
        request,
        "programmes/candidates.html",
        {
            "programme": programme,
            "page": page,
            "query": "",
            "can_manage": can_manage_programme(request.user, programme),
        },
    )


# --- certificates --------------------------------------------------------------------------------------------------


@login_required
def certificate(request, enrolment_id: int):
    enrolment = _enrolment(request, enrolment_id)
    cert = Certificate.objects.filter(enrolment=enrolment).select_related("issued_by").first()
    if cert is None:
        raise Http404(_("Peserta ini belum lulus; belum ada sertifikat."))
    held, attended = selectors.attendance_of(enrolment)
    verify_url = request.build_absolute_uri(reverse("programmes:certificate_verify", args=[cert.code]))
    return render(
        request,
        "programmes/certificate.html",
        {
            "enrolment": enrolment,
            "programme": enrolment.programme,
            "certificate": cert,
            "verify_url": verify_url,
            "held": held,
            "attended": attended,
        },
    )


def certificate_verify(request, code: str):
    """Public: anyone holding a certificate can check it. Shows initials, programme and date; never a NIK."""
    cert = (
        Certificate.objects.filter(code=code.strip().upper())
        .select_related("enrolment__programme__organiser", "enrolment__person")
        .first()
    )
    response = render(
        request, "programmes/certificate_verify.html", {"certificate": cert, "code": code}, status=200 if cert else 404
    )
    response["X-Robots-Tag"] = "noindex"
    return response


# --- assistance ----------------------------------------------------------------------------------------------------


@login_required
def assistance_ledger(request, pk: int):
    programme = _programme(request, pk)
    ensure_sees_people(request.user)
    page = paginate(selectors.assistance_ledger(actor=request.user, programme=programme), request.GET.get("page"), 50)
    selectors.flag_double_dips(page.items)
    manage = can_manage_programme(request.user, programme)
    return render(
        request,
        "programmes/assistance_ledger.html",
        {
            "programme": programme,
            "page": page,
            "query": "",
            "budget": selectors.budget_summary(programme, actor=request.user),
            "seen_only": counts_seen_people_only(request.user),
            "can_manage": manage,
            "window": selectors.double_dip_window_days(),
        },
    )


@login_required
def assistance_add(request, pk: int):
    programme = _programme(request, pk)
    ensure_can_manage_programme(request.user, programme)
    people = [
        e.person
        for e in selectors.enrolment_list(actor=request.user, programme=programme).filter(status__in=c.SEAT_STATUSES)
    ]
    form = AssistanceForm(request.POST or None, people=people, instance=Assistance(programme=programme))
    if request.method == "POST" and form.is_valid():
        data = _cleaned(form)
        person = get_person_or_404(request.user, data.pop("person"))
        with service_errors(form):
            services.assistance_create(actor=request.user, programme=programme, person=person, data=data)
            messages.success(request, _("Bantuan untuk %(name)s dicatat.") % {"name": person.full_name})
            return redirect("programmes:assistance_ledger", pk=programme.pk)
    return render(request, "programmes/assistance_form.html", {"form": form, "programme": programme})


@login_required
@require_POST
def assistance_transition(request, assistance_id: int):
    assistance = get_visible_or_404(
        Assistance.objects.filter(person__in=people_visible_to(request.user).values("pk")).select_related("programme"),
        assistance_id,
    )
    form = TransitionForm(request.POST)
    if form.is_valid():
        with service_errors(request):
            try:
                services.assistance_transition(
                    actor=request.user,
                    assistance=assistance,
                    to_status=form.cleaned_data["to_status"],
                    reason=form.cleaned_data["reason"],
                    override_reason=form.cleaned_data["override_reason"],
                )
            except ValueError as exc:
                raise Http404 from exc
            messages.success(request, _("Status bantuan diubah."))
    return redirect("programmes:assistance_ledger", pk=assistance.programme_id)


# --- needs and matching --------------------------------------------------------------------------------------------


@login_required
def person_needs(request, person_id: int):
    person = get_person_or_404(request.user, person_id)
    ensure_sees_people(request.user)
    current = dict(person.needs.values_list("need_id", "note"))
    form = NeedsForm(request.POST or None, needs=list(selectors.active_needs()), current=current)
    if request.method == "POST" and form.is_valid():
        with service_errors(request, also=(PermissionDenied,), joined=True):
            services.person_needs_set(actor=request.user, person=person, needs=form.selected())
            messages.success(request, _("Kebutuhan dan minat %(name)s disimpan.") % {"name": person.full_name})
            return redirect("programmes:person_needs", person_id=person.pk)
    return render(
        request,
        "programmes/person_needs.html",
        {
            "person": person,
            "form": form,
            "suggestions": selectors.suggestions_for_person(actor=request.user, person=person),
            "can_edit": capabilities(request.user).edits_registry,
        },
    )
