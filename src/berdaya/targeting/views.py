"""Targeting pages. Thin: scope from .access (and registry.access), writes through services."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from berdaya.accounts.models import User
from berdaya.core import disclosure
from berdaya.core.access import capabilities, get_visible_or_404
from berdaya.core.conf import conf
from berdaya.core.confirm import confirm_first
from berdaya.core.forms import service_errors
from berdaya.core.pagination import paginate
from berdaya.registry.access import get_household_or_404, get_person_or_404, withholds_members
from berdaya.registry.vulnerability import FLAGS

from . import access, integrations, rules, scoring, selectors, services
from . import choices as c
from .forms import (
    AddCandidateForm,
    ConditionFormSet,
    ConditionRowForm,
    ReviewForm,
    RuleSetForm,
    ScoreWeightsForm,
    VerifyForm,
    initial_from_version,
)
from .models import HouseholdWelfare, ScoreConfig


def _ensure_targeting(user: User) -> None:
    if not access.can_target(user):
        raise PermissionDenied(_("Peran Anda tidak boleh membuka penetapan sasaran."))


@login_required
def index(request):
    if not access.can_target(request.user):
        return redirect("targeting:regency")
    rulesets = access.rulesets_visible_to(request.user).annotate(run_count=Count("runs")).order_by("name")
    runs = selectors.runs_with_counts(
        access.runs_visible_to(request.user).select_related("ruleset", "version", "started_by")[:20],
        viewer=request.user,
    )
    names = integrations.programme_names({r.programme_id for r in rulesets})
    for ruleset in rulesets:
        ruleset.programme_name = names.get(ruleset.programme_id, "") if ruleset.programme_id is not None else ""
    # A scoped user's runs evaluate only the people they may see (access.pool_scope): the page says so.
    whole_registry = access.pool_scope(request.user) is None
    return render(
        request, "targeting/index.html", {"rulesets": rulesets, "runs": runs, "whole_registry": whole_registry}
    )


@login_required
def regency(request):
    """Counts and rates by vulnerability group, district and welfare decile: aggregates only (viewers too)."""
    overview = selectors.regency_overview_for(request.user)
    return render(
        request,
        "targeting/regency.html",
        {
            **overview,
            "flags": FLAGS,
            "decile_range": range(1, 11),
            "disclosure": disclosure.for_aggregates(request.user),
        },
    )


# --- Score -----------------------------------------------------------------------------------------------------


@login_required
def score(request):
    _ensure_targeting(request.user)
    active = services.score_config_active()
    configs = ScoreConfig.objects.select_related("created_by")[:20]
    computed = HouseholdWelfare.objects.filter(score__isnull=False).aggregate(n=Count("pk"))["n"]
    last = HouseholdWelfare.objects.filter(score__isnull=False).order_by("-computed_at").first()
    return render(
        request,
        "targeting/score.html",
        {
            "active": active,
            "configs": configs,
            "weights": active.weights,
            "computed": computed,
            "last": last,
            "labels": {**{k: v[0] for k, v in scoring.CATEGORICAL.items()}, **scoring.ASSETS, **scoring.BANDS},
        },
    )


@login_required
def score_edit(request):
    access.ensure_admin(request.user)
    active = services.score_config_active()
    form = ScoreWeightsForm(request.POST or None, weights=active.weights)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            config = services.score_config_save(
                actor=request.user,
                weights=form.weights(),
                note=form.cleaned_data["note"],
                activate=form.cleaned_data["activate"],
            )
            messages.success(
                request, _("Bobot versi %(v)s tersimpan. Hitung ulang skor agar berlaku.") % {"v": config.version}
            )
            return redirect("targeting:score")
    return render(request, "targeting/score_form.html", {"form": form, "active": active})


@login_required
@require_POST
def score_compute(request):
    from berdaya.jobs.services import job_start

    access.ensure_can_recompute_scores(request.user)
    job = job_start(
        actor=request.user,
        kind="targeting.welfare",
        handler="berdaya.targeting.tasks.welfare_handler",
        title=_("Hitung ulang skor kesejahteraan"),
    )
    return redirect("jobs:detail", pk=job.pk)


@login_required
def household_score(request, pk: int):
    """The explainable score of one household: every component and its points, and the decile sources."""
    household = get_household_or_404(request.user, pk)
    if not capabilities(request.user).sees_people:
        raise Http404
    welfare = HouseholdWelfare.objects.filter(household=household).select_related("verified_by").first()
    config = None
    if welfare and welfare.config_version:
        config = ScoreConfig.objects.filter(version=welfare.config_version).first()
    config = config or services.score_config_active()
    components = scoring.breakdown(household, config.weights)
    total: int | None = sum(comp.points for comp in components)
    withheld = withholds_members(request.user)
    if withheld:
        # A role that may not see every member (partner staff: whoever withdrew consent to sharing) gets neither the
        # components counted from the members nor the total they add up to (with the others it would give them
        # back): the household's size, its ages and the head's education would tell of a member hidden from them.
        # Left out on every household, so that what is shown depends on no one's consent.
        components = [comp for comp in components if comp.code not in scoring.FROM_MEMBERS]
        total = None
    can_verify = access.can_verify(request.user)
    return render(
        request,
        "targeting/household_score.html",
        {
            "household": household,
            "welfare": welfare,
            "config": config,
            "components": components,
            "total": total,
            "withheld": withheld,
            "verify_form": VerifyForm(initial={"decile": welfare.verified_decile if welfare else None}),
            "can_verify": can_verify,
        },
    )


@login_required
@require_POST
def household_verify(request, pk: int):
    household = get_household_or_404(request.user, pk)
    form = VerifyForm(request.POST)
    if form.is_valid():
        with service_errors(request, joined=True):
            services.welfare_verify(
                actor=request.user,
                household=household,
                decile=form.cleaned_data["decile"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Verifikasi lapangan tersimpan."))
    else:
        messages.error(request, _("Isi alasan verifikasi lapangan."))
    return redirect("targeting:household_score", pk=household.pk)


# --- Rule sets -------------------------------------------------------------------------------------------------


def _bind_rule_forms(request, initial=None, rows=None):
    if request.method == "POST":
        return (
            RuleSetForm(request.POST, user=request.user),
            ConditionFormSet(request.POST, prefix="c", form_kwargs={"user": request.user}),
        )
    return (
        RuleSetForm(initial=initial, user=request.user),
        ConditionFormSet(initial=rows or [{}], prefix="c", form_kwargs={"user": request.user}),
    )


def _tree_from(form, formset) -> dict | None:
    if not (form.is_valid() and formset.is_valid()):
        return None
    return form.tree(list(formset))


@login_required
def ruleset_edit(request, pk: int | None = None):
    _ensure_targeting(request.user)
    ruleset = get_visible_or_404(access.rulesets_visible_to(request.user), pk) if pk else None
    initial, rows = (None, None)
    if ruleset and ruleset.current:
        initial, rows = initial_from_version(ruleset.current)
    form, formset = _bind_rule_forms(request, initial, rows)
    if request.method == "POST":
        tree = _tree_from(form, formset)
        if tree is not None:
            data = form.cleaned_data
            with service_errors(form):
                version = services.ruleset_save(
                    actor=request.user,
                    ruleset=ruleset,
                    name=data.get("name") or "",
                    description=data.get("description") or "",
                    programme_id=data.get("programme"),
                    rules_tree=tree,
                    priority=form.priority(),
                    quotas=form.quotas(),
                    capacity=data.get("capacity"),
                    near_miss_limit=data.get("near_miss_limit") if data.get("near_miss_limit") is not None else 200,
                    confirmed_empty=data.get("confirm_empty", False),
                )
                messages.success(request, _("Aturan tersimpan (versi %(v)s).") % {"v": version.number})
                return redirect("targeting:ruleset_detail", pk=version.ruleset_id)
    # Said on the form to a role the criteria read from other household members are withheld from.
    withheld = access.criteria_withheld_from(request.user)
    return render(
        request,
        "targeting/ruleset_form.html",
        {
            "form": form,
            "formset": formset,
            "ruleset": ruleset,
            "locked": bool(ruleset and ruleset.current and ruleset.current.locked),
            "scoped": access.pool_scope(request.user) is not None,
            "withheld_note": access.criteria_withheld_message(withheld) if withheld else "",
        },
    )


@login_required
@require_GET
def condition_row(request):
    """One condition row (htmx): a new one, or the same row re-drawn for another criterion."""
    _ensure_targeting(request.user)
    try:
        raw = request.GET.get("index") or request.GET.get("c-TOTAL_FORMS") or "0"
        index = max(0, min(int(raw), 99))
    except ValueError:
        index = 0
    prefix = f"c-{index}"
    if request.GET.get("redraw"):
        data = {k: v for k, v in request.GET.items() if k.startswith(prefix + "-")}
        data[f"{prefix}-value"] = ""  # the old value belongs to the old criterion
        row = ConditionRowForm(data, prefix=prefix, user=request.user)
        oob_total = None
    else:
        row = ConditionRowForm(prefix=prefix, user=request.user, initial={"group": request.GET.get("group", "")})
        oob_total = index + 1
    return render(request, "targeting/_condition_row.html", {"row": row, "index": index, "oob_total": oob_total})


@login_required
@require_POST
def live_count(request):
    """The live count of people who meet the rules being edited (htmx, debounced in the page)."""
    _ensure_targeting(request.user)
    form, formset = (
        RuleSetForm(request.POST, user=request.user),
        ConditionFormSet(request.POST, prefix="c", form_kwargs={"user": request.user}),
    )
    tree = _tree_from(form, formset)
    context: dict = {}
    if tree is None:
        context["errors"] = [_("Lengkapi isian yang ditandai.")]
    else:
        errors = rules.rule_errors(tree, allow_empty=True)
        withheld = [] if errors else access.criteria_withheld(request.user, rules_tree=tree)
        if withheld:
            errors = [access.criteria_withheld_message(withheld)]
        if errors:
            context["errors"] = errors
        else:
            start = time.monotonic()
            context["count"] = services.count_matching(tree, actor=request.user)
            context["seconds"] = time.monotonic() - start
            context["empty"] = rules.is_empty(tree)
            context["description"] = rules.describe(tree)
    return render(request, "targeting/_live_count.html", context)


@login_required
def ruleset_detail(request, pk: int):
    _ensure_targeting(request.user)
    ruleset = get_visible_or_404(access.rulesets_visible_to(request.user), pk)
    versions = ruleset.versions.select_related("created_by")
    return render(
        request,
        "targeting/ruleset_detail.html",
        {
            "ruleset": ruleset,
            "current": ruleset.current,
            "description": rules.describe(ruleset.current.rules) if ruleset.current else "",
            "versions": versions,
            "runs": selectors.runs_with_counts(
                ruleset.runs.select_related("version", "started_by", "job")[:20], viewer=request.user
            ),
            "programme_name": integrations.programme_name(ruleset.programme_id),
        },
    )


@login_required
@require_POST
def run_start_view(request, pk: int):
    _ensure_targeting(request.user)
    ruleset = get_visible_or_404(access.rulesets_visible_to(request.user), pk)
    with service_errors(request, joined=True):
        run = services.run_start(actor=request.user, ruleset=ruleset)
        return redirect("targeting:run_detail", pk=run.pk)
    return redirect("targeting:ruleset_detail", pk=ruleset.pk)


# --- Runs and review -------------------------------------------------------------------------------------------


@login_required
def run_detail(request, pk: int):
    _ensure_targeting(request.user)
    run = get_visible_or_404(
        access.runs_visible_to(request.user).select_related("ruleset", "version", "job", "started_by"), pk
    )
    # A run whose criteria are withheld from the viewer shows them no candidate (access.run_withheld_from): the page
    # says why, from the rule alone.
    withheld = access.run_withheld_from(request.user, run)
    status = request.GET.get("status", "final" if run.status in {"succeeded", "approved"} else "")
    if status not in {"", "final", "excluded", *c.CandidateStatus.values}:
        status = ""
    qs = selectors.candidates(run, viewer=request.user, status=status, q=request.GET.get("q", ""))
    page = paginate(qs, request.GET.get("page"), conf().page_size)
    query = request.GET.copy()
    query.pop("page", None)
    counts = selectors.candidate_counts(run, viewer=request.user)
    visible = access.candidates_visible_to(request.user, run).values("pk")
    return render(
        request,
        "targeting/run_detail.html",
        {
            "run": run,
            "job": run.job,
            "page": page,
            "status": status,
            "query": query.urlencode(),
            "counts": counts,
            "tabs": [
                ("final", _("Daftar akhir")),
                ("selected", _("Terpilih")),
                ("reserve", _("Cadangan")),
                ("near_miss", _("Hampir memenuhi")),
                ("excluded", _("Dikeluarkan")),
            ],
            "add_form": AddCandidateForm(),
            "review_log": run.review_log.filter(Q(candidate__isnull=True) | Q(candidate__in=visible)).select_related(
                "actor", "candidate__person"
            )[:50],
            "description": rules.describe(run.version.rules),
            "programme_name": integrations.programme_name(run.programme_id),
            "reviewable": run.status == c.RunStatus.SUCCEEDED and not withheld,
            "withheld": access.run_withheld_message(withheld) if withheld else "",
        },
    )


@login_required
@require_POST
def candidate_review(request, pk: int, candidate_id: int):
    _ensure_targeting(request.user)
    run = get_visible_or_404(access.runs_visible_to(request.user), pk)
    candidate = get_visible_or_404(
        access.candidates_visible_to(request.user, run).select_related("run__ruleset"), candidate_id
    )
    form = ReviewForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "")
    action = request.POST.get("action")
    with service_errors(request, joined=True):
        if action == "exclude":
            services.candidate_exclude(actor=request.user, candidate=candidate, reason=reason)
        elif action == "add":
            services.candidate_add(actor=request.user, run=run, person=candidate.person, reason=reason)
        elif action == "restore":
            services.candidate_restore(actor=request.user, candidate=candidate, reason=reason)
        else:
            raise ValidationError(_("Tindakan tidak dikenal."))
        messages.success(request, _("Tinjauan tersimpan."))
    back = request.POST.get("back", "")
    url = reverse("targeting:run_detail", args=[run.pk])
    return redirect(f"{url}?{back}" if url_has_allowed_host_and_scheme(f"{url}?{back}", None) else url)


@login_required
@require_POST
def candidate_add_view(request, pk: int):
    _ensure_targeting(request.user)
    run = get_visible_or_404(access.runs_visible_to(request.user), pk)
    form = AddCandidateForm(request.POST)
    if form.is_valid():
        with service_errors(request, also=(Http404,), joined=True):
            person = get_person_or_404(request.user, form.cleaned_data["person"])
            services.candidate_add(actor=request.user, run=run, person=person, reason=form.cleaned_data["reason"])
            messages.success(request, _("Penduduk ditambahkan ke daftar dengan alasan tercatat."))
    else:
        messages.error(request, _("Cari dan pilih penduduknya, lalu isi alasannya."))
    return redirect("targeting:run_detail", pk=run.pk)


@login_required
def candidate_search(request, pk: int):
    """People to add to a list, found by name or full NIK within the user's scope (htmx)."""
    _ensure_targeting(request.user)
    run = get_visible_or_404(access.runs_visible_to(request.user), pk)
    term = request.GET.get("q", "")
    from berdaya.registry.selectors import person_pick

    people = person_pick(actor=request.user, term=term)
    # Whether a person is on the list, as far as the list is shown to the user (a run whose criteria are withheld from
    # them: not at all).
    on_list = (
        set(
            access.candidates_visible_to(request.user, run)
            .filter(person__in=people)
            .values_list("person_id", flat=True)
        )
        if people
        else set()
    )
    return render(
        request,
        "targeting/_candidate_search.html",
        {"run": run, "people": people, "on_list": on_list, "term": term.strip()},
    )


@login_required
@require_POST
def run_approve_view(request, pk: int):
    _ensure_targeting(request.user)
    run = get_visible_or_404(access.runs_visible_to(request.user).select_related("ruleset"), pk)
    if run.status == c.RunStatus.SUCCEEDED:
        n = selectors.final_candidates(run).count()
        consequences = [
            _("%(n)s orang di daftar akhir ditetapkan sebagai sasaran “%(r)s”.") % {"n": n, "r": run.ruleset.name}
        ]
        if run.programme_id:
            consequences.append(_("Mereka masuk program terkait sebagai peserta yang diusulkan."))
        consequences.append(_("Tinjauan ditutup: tidak ada lagi yang bisa dikeluarkan atau ditambahkan."))
        page = confirm_first(
            request,
            title=_("Setujui daftar sasaran?"),
            consequences=consequences,
            confirm_label=_("Ya, setujui %(n)s orang") % {"n": n},
            cancel_url=reverse("targeting:run_detail", args=[run.pk]),
        )
        if page is not None:
            return page
    with service_errors(request, also=(PermissionDenied,), joined=True):
        result = services.run_approve(actor=request.user, run=run)
        messages.success(
            request,
            _("Daftar disetujui: %(n)s orang; %(p)s diusulkan sebagai peserta program.")
            % {"n": result["approved"], "p": result["proposed"]},
        )
    return redirect("targeting:run_detail", pk=run.pk)


# --- Targeting quality -----------------------------------------------------------------------------------------


def _error_chart(rows):
    """Inclusion and exclusion error rates (%) per cut-off, as a server-drawn SVG line chart (core.charts)."""
    from berdaya.core import charts

    if len(rows) < 2:
        return None

    def pct(rate):
        return None if rate is None else round(100 * rate, 1)

    return charts.line_chart(
        [rules.fmt(r.cutoff) for r in rows],
        [
            charts.Series(_("Salah masuk (inklusi)"), [pct(r.inclusion_error) for r in rows]),
            charts.Series(_("Salah keluar (eksklusi)"), [pct(r.exclusion_error) for r in rows]),
        ],
        title=_("Tingkat salah masuk dan salah keluar menurut nilai batas"),
        unit="%",
    )


def _quality_page(request, *, tree: dict, context: dict, final_list=None, withheld: list[str] | None = None):
    """`withheld`: the criteria of the version withheld from the user (access.criteria_withheld), whose figures are
    not computed for them."""
    from . import quality
    from .forms import QualityForm

    form = QualityForm(
        request.GET or None,
        tree=tree,
        initial={"reference": quality.DEFAULT_REFERENCE, "poor_max": conf().poor_max_decile},
    )
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    reference = data.get("reference") or quality.DEFAULT_REFERENCE
    poor_max = data.get("poor_max") or conf().poor_max_decile
    key = data.get("threshold") or next(iter(form.thresholds))
    threshold = form.thresholds[key]
    cutoffs = data.get("cutoffs") or list(threshold.defaults)
    result = rows = None
    error = ""
    try:
        if withheld:
            raise ValueError(access.criteria_withheld_message(withheld))
        result = quality.rule_quality(
            viewer=request.user, tree=tree, reference=reference, poor_max=poor_max, final_list=final_list
        )
        # The what-if evaluates the rule once per cut-off over the registry: only when asked for (the form's button).
        if "threshold" in request.GET:
            rows = quality.what_if(
                viewer=request.user, tree=tree, key=key, cutoffs=cutoffs, reference=reference, poor_max=poor_max
            )
    except ValueError as exc:
        error = str(exc)
    return render(
        request,
        "targeting/quality.html",
        {
            **context,
            "form": form,
            "result": result,
            "rows": rows,
            "chart": _error_chart(rows or []),
            "error": error,
            "reference_label": quality.REFERENCES[reference].label,
            "poor_max": poor_max,
            "threshold": threshold,
            "final_list": final_list is not None,
            "description": rules.describe(tree),
            "whole_registry": access.pool_scope(request.user) is None,
        },
    )


@login_required
def ruleset_quality(request, pk: int):
    """Inclusion and exclusion errors, group coverage and the what-if of a rule set's current version, before any
    run (or its approval)."""
    _ensure_targeting(request.user)
    ruleset = get_visible_or_404(access.rulesets_visible_to(request.user), pk)
    if ruleset.current is None:
        raise Http404
    version = ruleset.current
    withheld = access.criteria_withheld(
        request.user, rules_tree=version.rules, priority=version.priority, quotas=version.quotas
    )
    return _quality_page(request, tree=version.rules, context={"ruleset": ruleset, "run": None}, withheld=withheld)


@login_required
def run_quality(request, pk: int):
    """The same for a run: the figures of its final list (selected, after review), the what-if over its version's
    rules (eligibility, before capacity and quotas)."""
    _ensure_targeting(request.user)
    run = get_visible_or_404(access.runs_visible_to(request.user).select_related("ruleset", "version"), pk)
    if run.status not in {c.RunStatus.SUCCEEDED, c.RunStatus.APPROVED}:
        raise Http404
    return _quality_page(
        request,
        tree=run.version.rules,
        context={"ruleset": run.ruleset, "run": run},
        final_list=access.candidates_visible_to(request.user, run).filter(selectors.final_q()),
        withheld=access.run_withheld_from(request.user, run),
    )
