"""Price pages. Prices are not personal data: every signed-in role reads them; the public page needs no login.
Subscribers (phone numbers) are personal data and are scoped like the registry."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_page
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from berdaya.areas.models import District, Village
from berdaya.areas.selectors import deployment_districts
from berdaya.core.conf import conf
from berdaya.core.confirm import confirm_first
from berdaya.core.dates import monday_of, parse_iso_date
from berdaya.core.forms import service_errors
from berdaya.core.money import thousands
from berdaya.core.pagination import paginate
from berdaya.jobs.services import job_start
from berdaya.markets.access import subscribers_visible_to
from berdaya.registry.access import get_person_or_404

from . import access, charts, inbound, providers, selectors, services
from . import choices as c
from .forms import ObservationForm, RankingForm, SubscriberForm, UploadForm
from .models import Bulletin, Commodity, PriceAlert, PriceObservation
from .providers import BadPayload


def _commodity(request) -> Commodity | None:
    code = request.GET.get("komoditas")
    qs = selectors.active_commodities()
    return (qs.filter(code=code).first() if code else None) or qs.first()


def _chart_context(commodity, *, weeks: list[int], district: str | None = None) -> dict:
    series = selectors.weekly_series(commodity=commodity, weeks=weeks, district=district)
    order = [k for k in (*c.Channel.values, "retail") if k in series]
    series = {k: series[k] for k in order}
    labels = [selectors.week_monday(w).strftime("%d/%m") for w in weeks]
    chart = charts.line_chart(
        labels,
        [charts.Series(str(selectors.SERIES_LABELS[k]), [series[k].get(w) for w in weeks]) for k in order],
        title=_("Harga %(c)s per minggu (Rp/kg)") % {"c": commodity.name},
        desc=_("Rata-rata harga mingguan per saluran; tabel di bawah memuat angka yang sama."),
    )
    return {
        "chart": chart,
        "series_labels": [selectors.SERIES_LABELS[k] for k in order],
        "rows": selectors.gap_rows(series, weeks),
    }


@login_required
def index(request):
    today = timezone.localdate()
    commodity = _commodity(request)
    try:
        n_weeks = max(4, min(104, int(request.GET.get("minggu", 26))))
    except ValueError:
        n_weeks = 26
    district = request.GET.get("kecamatan") or None
    weeks = selectors.weeks_back(today, n_weeks)
    context: dict[str, Any] = {
        "commodities": selectors.active_commodities(),
        "commodity": commodity,
        "n_weeks": n_weeks,
        "districts": deployment_districts().order_by("code"),
        "district": district,
        "can_enter": access.can_enter_prices(request.user),
        "can_manage": access.can_manage_prices(request.user),
        "pending": PriceObservation.objects.filter(status=c.ObservationStatus.PENDING).count(),
        "alerts": PriceAlert.objects.select_related("commodity")[:5],
    }
    if commodity is not None:
        context.update(_chart_context(commodity, weeks=weeks, district=district))
        context["rows"] = list(reversed(context["rows"]))
    latest_week = selectors.counted().order_by("-week").values_list("week", flat=True).first()
    if latest_week:
        context["summary_week"] = selectors.week_monday(latest_week)
        context["summary"] = selectors.weekly_summary_by_district(week=latest_week)
    return render(request, "markets/index.html", context)


def _public_context(request) -> dict:
    today = timezone.localdate()
    weeks = selectors.weeks_back(today, 12)
    commodities = list(selectors.active_commodities())
    districts = list(deployment_districts().order_by("name"))
    district = next((d for d in districts if d.code == request.GET.get("kecamatan")), None)
    latest = selectors.latest_by_commodity_district(today=today)
    by_com: dict[int, list[dict]] = {}
    for row in latest:
        if district is None or row["district_id"] == district.code:
            by_com.setdefault(row["commodity_id"], []).append(row)
    trend_rows = (
        selectors.counted()
        .filter(week__gte=weeks[0])
        .exclude(price_type=c.PriceType.RETAIL)
        .filter(Q(channel=c.Channel.COLLECTOR) | Q(channel=c.Channel.MARKET))
    )
    if district is not None:
        trend_rows = trend_rows.filter(district_id=district.code)
    trend: dict[int, dict[int, int]] = {}
    from django.db.models import Avg

    for r in trend_rows.values("commodity_id", "week").annotate(avg=Avg("price_per_kg")):
        trend.setdefault(r["commodity_id"], {})[r["week"]] = round(r["avg"])
    items = []
    for com in commodities:
        values = [trend.get(com.pk, {}).get(w) for w in weeks]
        present = [v for v in values if v is not None]
        rows = sorted(by_com.get(com.pk, []), key=lambda r: r["district__name"])
        if not rows and not present:
            continue
        change = round((present[-1] - present[0]) * 100 / present[0], 1) if len(present) >= 2 else None
        items.append(
            {
                "commodity": com,
                "rows": rows,
                "spark": charts.sparkline(values, label=_("Tren 12 minggu %(c)s") % {"c": com.name}),
                "first": present[0] if present else None,
                "last": present[-1] if present else None,
                "change": change,
            }
        )
    villages = list(Village.objects.filter(district=district).order_by("name")) if district else []
    village = next((v for v in villages if v.code == request.GET.get("desa")), None)
    ranking = []
    ranked_commodity = next((x for x in commodities if x.code == request.GET.get("komoditas")), None)
    if district is not None:
        origin = selectors.village_location(village) if village else _district_origin(villages)
        for com in [ranked_commodity] if ranked_commodity else commodities[:4]:
            options = selectors.rank_channels(commodity=com, origin=origin, today=today, limit=3)
            if options:
                ranking.append({"commodity": com, "options": options})
    return {
        "items": items,
        "districts": districts,
        "district": district,
        "villages": villages,
        "village": village,
        "ranking": ranking,
        "commodities": commodities,
        "ranked_commodity": ranked_commodity,
        "today": today,
        "cost": conf().transport_rp_per_km_kg,
    }


def _district_origin(villages: Iterable[Village]) -> tuple[float, float] | None:
    points = [p for p in (selectors.village_location(v) for v in villages) if p]
    if not points:
        return None
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def _public_cache(view):
    seconds = int(conf().public_price_cache_seconds)
    cached = cache_page(seconds, key_prefix="harga-publik")(view)

    def wrapper(request, *args, **kwargs):
        response = cached(request, *args, **kwargs)
        # Shared caches (an operator's proxy) may keep it too: the page holds no personal data.
        patch_cache_control(response, public=True, max_age=seconds)
        return response

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _public(request):
    """Harga komoditas untuk umum: no login, no JavaScript, a few kilobytes, cached."""
    return render(request, "markets/public.html", _public_context(request))


public = _public_cache(_public)


@login_required
def observation_add(request):
    if not access.can_enter_prices(request.user):
        raise PermissionDenied
    form = ObservationForm(request.POST or None)
    needs_confirm = False
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in {"confirm", "confirm_note"}}
        with service_errors(form):
            try:
                obs = services.observation_record(
                    actor=request.user,
                    data=data,
                    confirm=form.cleaned_data["confirm"],
                    confirm_note=form.cleaned_data["confirm_note"],
                )
            except services.NeedsConfirmation:
                needs_confirm = True  # its message goes on the price field like any other
                raise
            messages.success(
                request,
                _("Harga %(c)s Rp%(p)s/kg di %(t)s disimpan.")
                % {"c": obs.commodity, "p": thousands(obs.price_per_kg), "t": obs.point},
            )
            return redirect("markets:observation_add")
    return render(request, "markets/observation_form.html", {"form": form, "needs_confirm": needs_confirm})


@login_required
def observation_upload(request):
    if not access.can_enter_prices(request.user):
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > conf().upload_max_bytes:
            form.add_error("file", _("File terlalu besar."))
        else:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "harga"
                with open(path, "wb") as fh:
                    for chunk in upload.chunks():
                        fh.write(chunk)
                result = services.observations_upload(actor=request.user, path=path)
            if not result.errors:
                messages.success(
                    request,
                    _("%(n)s harga disimpan; %(p)s menunggu konfirmasi karena jauh dari median.")
                    % {"n": result.saved, "p": result.pending},
                )
                return redirect("markets:review" if result.pending else "markets:index")
    return render(request, "markets/upload.html", {"form": form, "result": result})


@login_required
def review(request):
    if request.method == "POST":
        obs = get_object_or_404(PriceObservation, pk=request.POST.get("pk"))
        with service_errors(request, also=(PermissionDenied,), joined=True):
            services.observation_review(
                actor=request.user,
                observation=obs,
                accept=request.POST.get("action") == "confirm",
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("Keputusan disimpan."))
        return redirect("markets:review")
    page = paginate(
        PriceObservation.objects.filter(status=c.ObservationStatus.PENDING).select_related(
            "point", "commodity", "grade"
        ),
        request.GET.get("page"),
        conf().page_size,
    )
    return render(request, "markets/review.html", {"page": page, "can_manage": access.can_manage_prices(request.user)})


@login_required
def bulletin_list(request):
    if request.method == "POST":
        district = District.objects.filter(pk=request.POST.get("district")).first()
        week_start = parse_iso_date(request.POST.get("week_start"), default=timezone.localdate())
        with service_errors(request, also=(PermissionDenied,), joined=True):
            bulletin = services.bulletin_generate(actor=request.user, week_start=week_start, district=district)
            return redirect("markets:bulletin_detail", pk=bulletin.pk)
        return redirect("markets:bulletin_list")
    today = timezone.localdate()
    return render(
        request,
        "markets/bulletin_list.html",
        {
            "bulletins": [
                (b, selectors.delivery_of(b))
                for b in selectors.with_delivery(Bulletin.objects.select_related("district"))[:60]
            ],
            "districts": deployment_districts().order_by("code"),
            "default_week": monday_of(today),
            "can_manage": access.can_manage_prices(request.user),
        },
    )


@login_required
def bulletin_detail(request, pk: int):
    bulletin = get_object_or_404(selectors.with_delivery(Bulletin.objects.select_related("district")), pk=pk)
    if request.method == "POST" and access.can_manage_prices(request.user):
        n = services.bulletin_recipients(bulletin).count()
        page = confirm_first(
            request,
            title=_("Kirim buletin ke %(n)s penerima?") % {"n": n},
            consequences=[
                _(
                    "Buletin masuk kotak keluar untuk %(n)s penerima yang setuju (kecuali yang komoditasnya tidak ada "
                    "di buletin); pesan yang sudah terkirim tidak bisa ditarik."
                )
                % {"n": n}
            ],
            confirm_label=_("Ya, kirim ke %(n)s penerima") % {"n": n},
            cancel_url=reverse("markets:bulletin_detail", args=[bulletin.pk]),
        )
        if page is not None:
            return page
    if request.method == "POST":
        try:
            n = services.bulletin_send(actor=request.user, bulletin=bulletin)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("%(n)s pesan masuk kotak keluar.") % {"n": n})
        return redirect("markets:bulletin_detail", pk=pk)
    return render(
        request,
        "markets/bulletin_detail.html",
        {
            "bulletin": bulletin,
            "rows": bulletin.data.get("rows", {}).values(),
            "sms_lengths": [len(p) for p in bulletin.sms_parts],
            "can_manage": access.can_manage_prices(request.user),
            "delivery": selectors.delivery_of(bulletin),
        },
    )


@login_required
def bulletin_print(request, pk: int):
    bulletin = get_object_or_404(Bulletin.objects.select_related("district"), pk=pk)
    return render(
        request,
        "markets/bulletin_print.html",
        {
            "bulletin": bulletin,
            "rows": bulletin.data.get("rows", {}).values(),
            "week_end": bulletin.week_start + dt.timedelta(days=6),
        },
    )


@login_required
def buyer_list(request):
    commodity = Commodity.objects.filter(code=request.GET.get("komoditas")).first()
    return render(
        request,
        "markets/buyer_list.html",
        {
            "buyers": selectors.buyers_directory(commodity=commodity),
            "commodities": selectors.active_commodities(),
            "commodity": commodity,
            "commitments": selectors.market_access_commitments(commodity=commodity),
        },
    )


@login_required
def ranking(request):
    form = RankingForm(request.GET or None)
    options = None
    commitments = []
    if form.is_bound and form.is_valid():
        village = form.cleaned_data["village"]
        options = selectors.rank_channels(
            commodity=form.cleaned_data["commodity"], origin=selectors.village_location(village)
        )
        commitments = selectors.market_access_commitments(commodity=form.cleaned_data["commodity"])
    return render(
        request,
        "markets/ranking.html",
        {
            "form": form,
            "options": options,
            "commitments": commitments,
            "cost": conf().transport_rp_per_km_kg,
        },
    )


@login_required
def subscriber_list(request):
    if not access.can_manage_subscribers(request.user):
        raise PermissionDenied
    # Opened from a farmer's page (?penduduk=<id>): the consent is linked to that person, number and district
    # prefilled.
    person_pk = request.POST.get("penduduk") or request.GET.get("penduduk")
    person = get_person_or_404(request.user, person_pk) if person_pk else None
    initial = {}
    if person is not None:
        initial = {"phone": person.phone, "district": person.household.village.district_id}
    form = SubscriberForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "commodities"}
        data["person"] = person
        with service_errors(form, also=(PermissionDenied,)):
            services.subscriber_save(actor=request.user, data=data, commodities=form.cleaned_data["commodities"])
            messages.success(request, _("Persetujuan penerima buletin dicatat."))
            return redirect("markets:subscriber_list")
    page = paginate(
        subscribers_visible_to(request.user).prefetch_related("commodities"),
        request.GET.get("page"),
        conf().page_size,
    )
    return render(request, "markets/subscriber_list.html", {"form": form, "page": page, "person": person})


@login_required
@require_POST
def subscriber_withdraw(request, pk: int):
    sub = get_object_or_404(subscribers_visible_to(request.user), pk=pk)
    services.subscriber_withdraw(actor=request.user, subscriber=sub)
    messages.success(request, _("Persetujuan ditarik: tidak ada pesan lagi ke nomor ini."))
    return redirect("markets:subscriber_list")


@login_required
def outbox(request):
    if not access.can_manage_prices(request.user):
        raise PermissionDenied
    if request.method == "POST":
        job = job_start(
            actor=request.user,
            kind="markets.outbox",
            handler="berdaya.markets.services.outbox_job",
            title=_("Kirim kotak keluar"),
        )
        return redirect("jobs:detail", pk=job.pk)
    status = request.GET.get("status") or None
    outbox = access.outbox_visible_to(request.user)
    qs = outbox.filter(status=status) if status else outbox
    page = paginate(qs, request.GET.get("page"), conf().page_size)
    from django.db.models import Count

    counts = dict(outbox.values_list("status").annotate(n=Count("id")))
    return render(
        request,
        "markets/outbox.html",
        {"page": page, "counts": counts, "statuses": c.OutboxStatus.choices, "status": status},
    )


# The gateway's callbacks: delivery receipts and inbound messages (no login; the shared secret instead)


def _gateway_authorised(request) -> bool:
    """The shared secret (BERDAYA_SMS_CALLBACK_SECRET) as a bearer token, an HMAC-SHA256 signature of the body in
    X-Berdaya-Signature ("sha256=<hex>"), or ?token= for gateways that can only be given a URL."""
    secret = conf().sms_callback_secret.encode()
    if not secret:
        return False
    bearer = request.headers.get("Authorization", "").removeprefix("Bearer ").strip().encode()
    if bearer and hmac.compare_digest(bearer, secret):
        return True
    signature = request.headers.get("X-Berdaya-Signature", "").strip().lower().removeprefix("sha256=")
    if signature:
        expected = hmac.new(secret, request.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(signature.encode(), expected.encode())
    token = request.GET.get("token", "").encode()
    return bool(token) and hmac.compare_digest(token, secret)


def _gateway_payload(request) -> Any:
    if request.content_type == "application/json":
        try:
            return json.loads(request.body or b"")
        except ValueError:
            raise BadPayload(_("isi bukan JSON yang sah")) from None
    return request.POST.dict()


def _gateway_error(text: str, status: int) -> JsonResponse:
    return JsonResponse({"ok": False, "error": text}, status=status)


@csrf_exempt
@require_POST
def gateway_receipts(request, provider: str):
    """Delivery reports: POST {"id", "status"[, "timestamp", "error"]} (JSON, a JSON list, or a form). Applying the
    same report twice changes nothing."""
    if not _gateway_authorised(request):
        return _gateway_error("forbidden", 403)
    callbacks = providers.callbacks_for(provider)
    if callbacks is None:
        return _gateway_error(_("penyedia tidak dikenal"), 404)
    try:
        receipts = callbacks.parse_receipts(_gateway_payload(request))
        counts = services.receipts_apply(provider=provider, receipts=receipts)
    except BadPayload as exc:
        return _gateway_error(str(exc), 400)
    except ValidationError as exc:
        return _gateway_error("; ".join(exc.messages), 400)
    return JsonResponse({"ok": True, **counts})


@csrf_exempt
@require_POST
def gateway_inbound(request, provider: str, channel: str):
    """Inbound messages: POST {"from", "message", "id"}. STOP/BERHENTI withdraws the number's subscriptions; every
    other message goes to the registered handler (grievances)."""
    if not _gateway_authorised(request):
        return _gateway_error("forbidden", 403)
    callbacks = providers.callbacks_for(provider)
    if callbacks is None or channel not in c.MessageChannel.values:
        return _gateway_error(_("penyedia atau saluran tidak dikenal"), 404)
    try:
        message = callbacks.parse_inbound(_gateway_payload(request), channel)
        result = inbound.dispatch(provider=provider, inbound=message)
    except BadPayload as exc:
        return _gateway_error(str(exc), 400)
    except ValidationError as exc:
        return _gateway_error("; ".join(exc.messages), 400)
    return JsonResponse({"ok": True, **result})
