"""The review queue pages under /duplikat/: pairs, one pair side by side with the decision, merge history with undo,
runs with progress."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from berdaya.core.access import capabilities, get_visible_or_404
from berdaya.core.conf import conf
from berdaya.core.forms import service_errors
from berdaya.core.pagination import paginate
from berdaya.registry.services import may_merge

from . import review
from .access import (
    can_run_dedup,
    decisions_visible_to,
    ensure_can_review_duplicates,
    ensure_can_run_dedup,
    merges_visible_to,
    pairs_reviewable_by,
    runs_visible_to,
)
from .selectors import latest_run
from .services import dedup_run_start


@login_required
def queue(request) -> HttpResponse:
    ensure_can_review_duplicates(request.user)
    run = None
    if request.GET.get("run"):
        run = get_visible_or_404(runs_visible_to(request.user), request.GET["run"])
    # The bars offered go down to the threshold the shown run (the latest, unless one is named) stored its pairs at.
    shown = run or latest_run()
    threshold = review.queue_threshold(request.GET.get("min"), shown)
    pairs = review.review_queue(actor=request.user, run=run, min_probability=threshold)
    page = paginate(pairs, request.GET.get("page"), conf().page_size)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dedup/queue.html",
        {
            "page": page,
            "threshold": threshold,
            "thresholds": review.queue_thresholds(shown),
            "run": run,
            "query": query.urlencode(),
        },
    )


@login_required
def pair_detail(request, pk: int) -> HttpResponse:
    ensure_can_review_duplicates(request.user)
    pair = get_visible_or_404(
        pairs_reviewable_by(request.user).select_related(
            "person_low__household__village__district", "person_high__household__village__district"
        ),
        pk,
    )
    decision = review.pair_decision(pair)
    return render(
        request,
        "dedup/pair.html",
        {
            "pair": pair,
            # Who may decide (merge or "different") is who may merge both records; others get a neutral note.
            "may_decide": may_merge(request.user, [pair.person_low, pair.person_high]),
            "decision": decision,
            # Who decided, when and why, with the revoke form: for the roles that may see decisions.
            "decision_shown": decision is not None
            and decisions_visible_to(request.user).filter(pk=decision.pk).exists(),
            "rows": review.pair_compare(pair, capabilities(request.user)),
            "reasons": review.pair_reasons(pair),
        },
    )


@login_required
@require_POST
def pair_decide(request, pk: int) -> HttpResponse:
    ensure_can_review_duplicates(request.user)
    pair = get_visible_or_404(pairs_reviewable_by(request.user), pk)
    reason = request.POST.get("reason", "")
    with service_errors(request, also=(PermissionDenied,)):
        if review.ensure_known_decision(request.POST.get("decision")) == "same":
            try:
                survivor_id = int(request.POST.get("survivor", ""))
            except ValueError:
                survivor_id = 0
            record = review.pair_merge(actor=request.user, pair=pair, survivor_id=survivor_id, reason=reason)
            messages.success(
                request,
                _("Data #%(merged)s digabungkan ke data #%(survivor)s.")
                % {"merged": record.merged_id, "survivor": record.survivor_id},
            )
            for note in review.merge_notes(record):
                messages.warning(request, note)
            return redirect("dedup:queue")
        review.pair_mark_different(actor=request.user, pair=pair, reason=reason)
        messages.success(request, _("Dicatat sebagai orang yang berbeda; pasangan ini tidak diusulkan lagi."))
        return redirect("dedup:queue")
    return redirect("dedup:pair_detail", pk=pair.pk)


@login_required
def decision_list(request) -> HttpResponse:
    """The "different people" decisions on two people the user may see, newest first, each with its revoke form."""
    ensure_can_review_duplicates(request.user)
    decisions = decisions_visible_to(request.user).filter(decision="different")
    decisions = decisions.select_related("person_low", "person_high", "actor")
    page = paginate(decisions.order_by("-at", "-id"), request.GET.get("page"), conf().page_size)
    return render(request, "dedup/decisions.html", {"page": page})


@login_required
@require_POST
def decision_revoke(request, pk: int) -> HttpResponse:
    ensure_can_review_duplicates(request.user)
    decision = get_visible_or_404(decisions_visible_to(request.user), pk)
    with service_errors(request, also=(PermissionDenied,)):
        review.decision_revoke(actor=request.user, decision=decision, reason=request.POST.get("reason", ""))
        messages.success(request, _("Keputusan dibatalkan; pasangan ini kembali ke antrean tinjauan."))
    back = request.POST.get("pair", "")
    if back.isdigit():
        return redirect("dedup:pair_detail", pk=int(back))
    return redirect("dedup:decision_list")


@login_required
def merge_list(request) -> HttpResponse:
    ensure_can_review_duplicates(request.user)
    merges = merges_visible_to(request.user).select_related(
        "survivor__household", "merged__household", "actor", "undone_by"
    )
    page = paginate(merges.order_by("-at", "-id"), request.GET.get("page"), conf().page_size)
    # The undo form only where the user may undo (the same right as merging: partner staff see the history only).
    undoable = {m.pk for m in page.items if not m.is_undone and may_merge(request.user, [m.survivor, m.merged])}
    return render(request, "dedup/merges.html", {"page": page, "undoable": undoable})


@login_required
@require_POST
def merge_undo(request, pk: int) -> HttpResponse:
    ensure_can_review_duplicates(request.user)
    record = get_visible_or_404(merges_visible_to(request.user), pk)
    with service_errors(request, also=(PermissionDenied,)):
        review.merge_undo(actor=request.user, merge_record=record, reason=request.POST.get("reason", ""))
        messages.success(request, _("Penggabungan dibatalkan; kedua data kembali seperti sebelumnya."))
    return redirect("dedup:merge_list")


@login_required
def run_list(request) -> HttpResponse:
    ensure_can_review_duplicates(request.user)
    runs = runs_visible_to(request.user).select_related("job", "started_by")
    template = "dedup/_runs.html" if request.headers.get("HX-Request") else "dedup/runs.html"
    return render(
        request,
        template,
        {
            "page": paginate(runs.order_by("-created_at", "-id"), request.GET.get("page"), conf().page_size),
            "can_start": can_run_dedup(request.user),
        },
    )


@login_required
@require_POST
def run_start(request) -> HttpResponse:
    ensure_can_run_dedup(request.user)
    with service_errors(request, also=(PermissionDenied,)):
        dedup_run_start(actor=request.user)
        messages.success(request, _("Proses deduplikasi dimulai; kemajuannya tampil di bawah."))
    return redirect("dedup:run_list")
