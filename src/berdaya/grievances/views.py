"""Grievance pages: the public form and status page (no login), the gateway's inbound webhook, and the handlers'
list, dashboard, detail and actions."""

from __future__ import annotations

import hmac
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from berdaya.accounts.models import User
from berdaya.accounts.throttle import client_ip
from berdaya.areas.models import Village
from berdaya.core.access import capabilities, get_visible_or_404
from berdaya.core.conf import conf
from berdaya.core.forms import service_errors
from berdaya.core.pagination import paginate
from berdaya.markets import inbound as markets_inbound
from berdaya.markets.providers import Inbound
from berdaya.registry.access import villages_for_registration, withholds_members

from . import choices as c
from . import selectors, services
from .access import (
    can_handle,
    can_manage,
    can_record,
    get_grievance_or_404,
    handlers,
    is_handler,
    visible_links,
    without_withheld,
)
from .forms import (
    PUBLIC_SIGNER_SALT,
    AppealForm,
    DecideForm,
    DeskGrievanceForm,
    ForwardForm,
    LinkForm,
    PublicGrievanceForm,
    ReasonForm,
)
from .sla import policy

RATE_WINDOW_SECONDS = 3600


# --- Public ---------------------------------------------------------------------------------------------------------


def _public_villages():
    return Village.objects.filter(district__regency_id__in=conf().deployment_regencies).select_related("district")


def _rate_limited(request, bucket: str, limit: int) -> bool:
    """Count a request from this address in Django's cache; True once `limit` is passed within the hour."""
    key = f"grievances:{bucket}:{client_ip(request) or 'unknown'}"
    cache.add(key, 0, RATE_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RATE_WINDOW_SECONDS)
        count = 1
    return count > limit


def _too_fast(stamp: str) -> bool:
    """A form sent back sooner than a person can fill it, or with a forged or day-old stamp."""
    signer = signing.TimestampSigner(salt=PUBLIC_SIGNER_SALT)
    try:
        signer.unsign(stamp, max_age=86400)
    except signing.BadSignature:
        return True
    try:
        signer.unsign(stamp, max_age=conf().grievance_form_min_seconds)
    except signing.SignatureExpired:
        return False
    return True


def public_form(request):
    villages = _public_villages()
    if request.method == "POST":
        form = PublicGrievanceForm(request.POST, villages=villages)
        if _rate_limited(request, "submit", conf().grievance_public_per_hour):
            return render(
                request,
                "grievances/public_message.html",
                {
                    "title": _("Terlalu banyak pengaduan"),
                    "text": _(
                        "Terlalu banyak pengaduan dari alamat ini. Coba lagi satu jam lagi, atau datang ke kantor desa/kecamatan."
                    ),
                },
                status=429,
            )
        if request.POST.get("website") or _too_fast(request.POST.get("t", "")):
            return render(
                request,
                "grievances/public_message.html",
                {
                    "title": _("Pengaduan tidak dapat diproses"),
                    "text": _("Formulir tidak dapat diproses. Muat ulang halaman, isi, lalu kirim lagi."),
                },
                status=400,
            )
        if form.is_valid():
            with service_errors(form):
                grievance = services.grievance_submit_public(data=form.data_for_service())
                return render(request, "grievances/public_done.html", {"code": grievance.code})
    else:
        form = PublicGrievanceForm(villages=villages)
    # A fresh stamp each time the form is drawn (also when it comes back with errors).
    return render(request, "grievances/public_form.html", {"form": form, "villages": villages, "stamp": form.stamp()})


def public_status(request, code: str = ""):
    """The status behind a tracking code, and nothing else. Lookups count against the same per-address limit as
    guesses would (codes are 3.8 × 10^11: guessing one is hopeless at this rate)."""
    code = services.normalise_code(code or request.GET.get("kode", ""))
    status = None
    asked = bool(code or request.GET.get("kode"))
    if asked:
        if _rate_limited(request, "status", 60):
            return render(
                request,
                "grievances/public_message.html",
                {"title": _("Terlalu banyak permintaan"), "text": _("Coba lagi satu jam lagi.")},
                status=429,
            )
        status = selectors.public_status(code) if code else None
    return render(request, "grievances/public_status.html", {"status": status, "asked": asked}, status=200)


@csrf_exempt
@require_POST
def inbound(request, channel: str):
    """The SMS/WhatsApp gateway's webhook: POST {"from", "message", "id"} (JSON or form) with the shared secret as a
    bearer token. The reply (the tracking code) goes out through the outbox."""
    token = conf().grievance_inbound_token
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        return JsonResponse({"ok": False, "error": "forbidden"}, status=403)
    if channel not in c.INBOUND_CHANNELS:
        return JsonResponse({"ok": False, "error": "unknown channel"}, status=404)
    if request.content_type == "application/json":
        try:
            payload = json.loads(request.body or b"{}")
        except ValueError:
            return JsonResponse({"ok": False, "error": "bad json"}, status=400)
        if not isinstance(payload, dict):
            return JsonResponse({"ok": False, "error": "the body must be a JSON object"}, status=400)
    else:
        payload = request.POST
    sender, body, external_id = (str(payload.get(k, "")) for k in ("from", "message", "id"))
    if not (sender and external_id):
        return JsonResponse({"ok": False, "error": "from and id are required"}, status=400)
    try:
        # Through markets' dispatch: a STOP/BERHENTI sent to this older URL withdraws the number's bulletin
        # subscriptions; anything else becomes a grievance as before (grievances.services.grievance_from_gateway).
        result = markets_inbound.dispatch(
            provider="pengaduan",
            inbound=Inbound(channel=channel, sender=sender, body=body, external_id=external_id),
        )
    except ValidationError as exc:
        return JsonResponse({"ok": False, "error": "; ".join(exc.messages)}, status=400)
    return JsonResponse({"ok": True, "duplicate": result.get("duplicate", False)})


# --- Handlers -------------------------------------------------------------------------------------------------------


def _ensure_sees_grievances(user: User) -> None:
    if not (can_record(user) or is_handler(user) or can_manage(user)):
        raise PermissionDenied(_("Halaman pengaduan untuk petugas."))


@login_required
def grievance_list(request):
    _ensure_sees_grievances(request.user)
    qs = selectors.grievance_list(actor=request.user, filters=request.GET)
    page = paginate(qs, request.GET.get("page"), conf().page_size)
    readable = selectors.readable_ids(actor=request.user, ids=[g.pk for g in page.items])
    policy().attach_due(page.items)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "grievances/list.html",
        {
            "page": page,
            "query": query.urlencode(),
            "readable": readable,
            "filters": request.GET,
            "stages": c.Stage.choices,
            "categories": c.Category.choices,
            "channels": c.Channel.choices,
            "can_manage": can_manage(request.user),
            "withholds_members": withholds_members(request.user),
        },
    )


@login_required
def dashboard(request):
    _ensure_sees_grievances(request.user)
    return render(
        request,
        "grievances/dashboard.html",
        {
            "counts": selectors.dashboard_counts(actor=request.user),
            "withholds_members": withholds_members(request.user),
        },
    )


@login_required
def grievance_new(request):
    if not can_record(request.user):
        raise PermissionDenied(_("Peran Anda tidak boleh mencatat pengaduan."))
    villages = villages_for_registration(request.user)
    form = DeskGrievanceForm(request.POST or None, villages=villages)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            grievance = services.grievance_record(
                actor=request.user, data=form.data_for_service(), channel=form.cleaned_data["channel"]
            )
            messages.success(request, _("Pengaduan tercatat. Kode lacak: %(code)s") % {"code": grievance.code})
            if can_handle(request.user, grievance):
                return redirect("grievances:detail", grievance.pk)
            return redirect("grievances:list")
    return render(request, "grievances/new.html", {"form": form})


@login_required
def grievance_detail(request, pk: int):
    grievance = get_grievance_or_404(request.user, pk)
    handles = can_handle(request.user, grievance)
    pol = policy()
    return render(
        request,
        "grievances/detail.html",
        {
            "g": grievance,
            "caps": capabilities(request.user),
            "handles": handles,
            "links": visible_links(request.user, grievance),
            "manages": can_manage(request.user),
            "due_on": pol.due(grievance.stage, grievance.stage_entered_on),
            "sla_state": pol.state(grievance.stage, grievance.stage_entered_on),
            "changes": grievance.stage_changes.select_related("by"),
            "decisions": grievance.decisions.select_related("by"),
            "escalations": grievance.escalations.select_related("to", "by"),
            "assignment_log": grievance.assignment_log.select_related("user", "by"),
            "appeals": without_withheld(grievance.appeals.all(), request.user),
            "handlers": handlers(),
            "forward_form": ForwardForm(),
            "decide_form": DecideForm(),
            "reason_form": ReasonForm(),
            "appeal_form": AppealForm(),
            "link_form": LinkForm(),
        },
    )


def _action(request, pk: int, form_class, call):
    grievance = get_grievance_or_404(request.user, pk)
    form = form_class(request.POST)
    if form.is_valid():
        with service_errors(request, also=(PermissionDenied,)):
            call(grievance, form.cleaned_data)
            messages.success(request, _("Tersimpan."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("grievances:detail", grievance.pk)


@login_required
@require_POST
def forward(request, pk: int):
    return _action(
        request,
        pk,
        ForwardForm,
        lambda g, d: services.grievance_forward(actor=request.user, grievance=g, to_unit=d["to_unit"]),
    )


@login_required
@require_POST
def decide(request, pk: int):
    return _action(
        request,
        pk,
        DecideForm,
        lambda g, d: services.grievance_decide(
            actor=request.user, grievance=g, outcome=d["outcome"], reason=d["reason"], referred_to=d["referred_to"]
        ),
    )


@login_required
@require_POST
def escalate(request, pk: int):
    return _action(
        request,
        pk,
        ReasonForm,
        lambda g, d: services.grievance_escalate(actor=request.user, grievance=g, reason=d["reason"]),
    )


@login_required
@require_POST
def close(request, pk: int):
    return _action(
        request,
        pk,
        ReasonForm,
        lambda g, d: services.grievance_close(actor=request.user, grievance=g, note=d["reason"]),
    )


@login_required
@require_POST
def appeal(request, pk: int):
    return _action(
        request, pk, AppealForm, lambda g, d: services.grievance_appeal(actor=request.user, grievance=g, text=d["text"])
    )


@login_required
@require_POST
def link(request, pk: int):
    def call(g, d):
        data = {f"{k}_id": v for k, v in d.items() if k != "objection_kind" and v}
        if d.get("objection_kind"):
            data["objection_kind"] = d["objection_kind"]
        services.grievance_link(actor=request.user, grievance=g, data=data)

    return _action(request, pk, LinkForm, call)


@login_required
@require_POST
def assign(request, pk: int):
    """Name a handler. Works on a restricted grievance the supervisor may not read (found by its id in the list)."""
    if not can_manage(request.user):
        raise PermissionDenied(_("Hanya supervisor pengaduan atau administrator yang boleh menunjuk petugas."))
    grievance = get_visible_or_404(selectors.grievances_listed_for(request.user), pk)
    user = get_visible_or_404(handlers(), request.POST.get("user"))
    with service_errors(request, also=(PermissionDenied,)):
        services.grievance_assign(
            actor=request.user, grievance=grievance, user=user, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("Petugas ditunjuk."))
    if can_handle(request.user, grievance):
        return redirect("grievances:detail", grievance.pk)
    return redirect("grievances:list")


def robots(request):
    return HttpResponse("User-agent: *\nDisallow: /pengaduan/lacak/\n", content_type="text/plain")
