"""Pages of outcome surveys, impact estimates and graduation. Thin: services write, selectors read, access decides.

Who sees what: person-level pages (a survey, the due list, the graduation list) follow access.py; the impact page
and the graduation rate are aggregates every signed-in role reads. An estimate is shown only when both arms hold at
least impact.MIN_PER_ARM people, so it never stands for a handful of identifiable people.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from berdaya.core.access import capabilities, ensure_sees_people, get_visible_or_404, not_found
from berdaya.core.audit import audit
from berdaya.core.disclosure import for_aggregates
from berdaya.core.forms import service_errors
from berdaya.programmes.access import can_manage_programme
from berdaya.programmes.models import Enrolment, Programme
from berdaya.registry.access import withholds_members

from . import access, graduation, impact, importer, selectors, services
from .forms import ImpactForm, ImportForm, PlanForm, SurveyForm


def _programme(request, pk: int) -> Programme:
    return get_visible_or_404(access.programmes_with_outcomes_visible_to(request.user), pk)


@login_required
def index(request):
    return render(
        request,
        "outcomes/index.html",
        {
            "programmes": selectors.programme_overview(actor=request.user),
            "can_record": access.can_record(request.user),
            "sees_people": capabilities(request.user).sees_people,
            "rule": for_aggregates(request.user),
        },
    )


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        return timezone.localdate()


@login_required
def due(request):
    ensure_sees_people(request.user)
    month = _month(request.GET.get("bulan", ""))
    facilitators = selectors.facilitators_for(request.user)
    chosen = None
    raw = request.GET.get("pendamping", "")
    if raw:
        chosen = get_visible_or_404(facilitators, raw)
    rows = selectors.followups_due(actor=request.user, month=month, for_user=chosen)
    return render(
        request,
        "outcomes/due.html",
        {
            "rows": rows,
            "month": month,
            "facilitators": facilitators if capabilities(request.user).regency_wide else [],
            "chosen": chosen,
            "can_record": access.can_record(request.user),
        },
    )


@login_required
def survey_create(request, person_pk: int):
    ensure_sees_people(request.user)
    person = get_visible_or_404(
        access.people_with_outcomes_visible_to(request.user).select_related("household__village"), person_pk
    )
    if not access.can_record(request.user):
        raise PermissionDenied(_("Peran Anda tidak boleh mencatat survei hasil."))
    programmes = Programme.objects.filter(
        pk__in=Enrolment.objects.filter(person=person, status__in=services.SURVEYED_STATUSES).values("programme_id")
    )
    initial = {
        "interview_date": timezone.localdate(),
        # Not for a role that may miss members of the household (partner staff): the count of the members they see
        # would be one short where a member withdrew consent to sharing, and the number would tell them so.
        "household_size": (None if withholds_members(request.user) else person.household.members.living().count() or 1),
        "programme": request.GET.get("program") or None,
        "round": request.GET.get("putaran") or None,
        "round_month": request.GET.get("bulan") or None,
    }
    form = SurveyForm(request.POST or None, initial=initial, programmes=programmes)
    if request.method == "POST" and form.is_valid():
        with service_errors(form, also=(PermissionDenied,)):
            survey = services.survey_record(
                actor=request.user,
                person=person,
                programme=form.cleaned_data["programme"],
                data=form.service_data(),
            )
            messages.success(request, _("Survei hasil disimpan."))
            return redirect("outcomes:survey_detail", pk=survey.pk)
    return render(request, "outcomes/survey_form.html", {"form": form, "person": person})


@login_required
def survey_detail(request, pk: int):
    survey = access.get_survey_or_404(request.user, pk)
    audit(actor=request.user, action="view", obj=survey, person=survey.person_id)
    return render(request, "outcomes/survey_detail.html", {"survey": survey})


@login_required
def survey_import(request):
    if not access.can_record(request.user):
        raise PermissionDenied(_("Peran Anda tidak boleh mengimpor survei hasil."))
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name or "").suffix.lower()
        if suffix not in {".csv", ".xlsx"}:
            form.add_error("file", _("Gunakan berkas CSV atau XLSX."))
        else:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"survei{suffix}"
                with path.open("wb") as fh:
                    for chunk in upload.chunks():
                        fh.write(chunk)
                with service_errors(form, also=(PermissionDenied,)):
                    result = importer.surveys_import(
                        actor=request.user, path=path, dry_run=form.cleaned_data["dry_run"]
                    )
            if result is not None and result.error_file:
                request.session["outcomes_import_errors"] = result.error_file.decode("utf-8")
            elif result is not None and result.written:
                messages.success(request, _("%(n)s survei diimpor.") % {"n": result.written})
    return render(
        request,
        "outcomes/import.html",
        {"form": form, "result": result, "shown": (result.errors[: importer.MAX_SHOWN] if result else [])},
    )


@login_required
def import_template(request):
    response = HttpResponse(importer.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="templat-survei-hasil.csv"'
    return response


@login_required
def import_errors(request):
    text = request.session.get("outcomes_import_errors")
    if not text:
        raise Http404(_("Tidak ada berkas kesalahan."))
    response = HttpResponse(text.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="kesalahan-survei-hasil.csv"'
    return response


@login_required
def programme_detail(request, pk: int):
    programme = _programme(request, pk)
    plan = services.plan_of(programme)
    manages = can_manage_programme(request.user, programme)
    form = None
    if manages:
        initial = {
            "follow_up_months": ", ".join(str(m) for m in (plan.follow_up_months if plan else [6, 12])),
            "poverty_line": plan.poverty_line if plan else None,
            "graduation_criteria": _json(graduation.criteria_of(plan)),
        }
        form = PlanForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            with service_errors(form, also=(PermissionDenied,)):
                services.plan_save(
                    actor=request.user,
                    programme=programme,
                    follow_up_months=form.cleaned_data["follow_up_months"],
                    criteria=form.cleaned_data["graduation_criteria"],
                    poverty_line=form.cleaned_data["poverty_line"],
                )
                messages.success(request, _("Rencana pemantauan disimpan."))
                return redirect("outcomes:programme_detail", pk=programme.pk)
    elif request.method == "POST":
        raise PermissionDenied(_("Hanya pengelola program yang boleh mengubah rencana pemantauan."))
    surveys = None
    if capabilities(request.user).sees_people:
        surveys = selectors.survey_list(actor=request.user, programme=programme)[:50]
    return render(
        request,
        "outcomes/programme.html",
        {
            "programme": programme,
            "plan": plan,
            "form": form,
            "surveys": surveys,
            "poverty_line": graduation.poverty_line_of(plan),
        },
    )


def _json(value) -> str:
    import json

    return json.dumps(value, indent=2, ensure_ascii=False)


@login_required
def impact_page(request, pk: int):
    programme = _programme(request, pk)
    form = ImpactForm(request.GET or {"outcome": "total_income", "comparison": impact.Comparison.MATCHED})
    result = job = None
    if form.is_valid():
        outcome, comparison = form.cleaned_data["outcome"], form.cleaned_data["comparison"]
        # The estimate reads every survey of the regency; one computation serves everyone for ten minutes, and a
        # large one runs as a background job whose result the page shows once it is done.
        scope = access.aggregate_scope(request.user)
        result = impact.cached_estimate(programme, outcome, comparison, scope)
        if result is None:
            if impact.runs_inline():
                result = impact.estimate_and_cache(programme, outcome, comparison, scope)
            else:
                job = services.impact_start(
                    actor=request.user, programme=programme, outcome=outcome, comparison=comparison, scope=scope
                )
                result = impact.cached_estimate(programme, outcome, comparison, scope)  # a job run at once (tests)
    return render(
        request,
        "outcomes/impact.html",
        {
            "programme": programme,
            "form": form,
            "result": result,
            "job": job,
            "min_per_arm": impact.MIN_PER_ARM,
            "rule": for_aggregates(request.user),
        },
    )


@login_required
def graduation_page(request, pk: int):
    programme = _programme(request, pk)
    plan = services.plan_of(programme)
    criteria = graduation.criteria_of(plan)
    today = timezone.localdate()
    rate = selectors.graduation_rate(programme, (programme.start_date, today), access.people_for_figures(request.user))
    rows = None
    counts: dict[str, int] = {}
    if capabilities(request.user).sees_people:
        rows = selectors.graduation_list(actor=request.user, programme=programme, as_of=today)
        for row in rows:
            counts[row.status] = counts.get(row.status, 0) + 1
        audit(actor=request.user, action="view", obj=programme, event="outcomes.graduation", rows=len(rows))
    return render(
        request,
        "outcomes/graduation.html",
        {
            "programme": programme,
            "criteria": criteria,
            "rows": rows,
            "counts": [(graduation.STATUS_LABELS[s], counts.get(s, 0)) for s in graduation.STATUS_LABELS],
            "rate": rate,
            "poverty_line": graduation.poverty_line_of(plan),
            "labels": graduation.STATUS_LABELS,
            "manages": can_manage_programme(request.user, programme),
            "measures": graduation.MEASURES,
            "rule": for_aggregates(request.user),
        },
    )


@login_required
@require_POST
def graduation_refresh(request, pk: int):
    programme = _programme(request, pk)
    if not can_manage_programme(request.user, programme):
        raise not_found()
    counts = services.graduation_refresh(programme=programme)
    audit(
        actor=request.user,
        action="update",
        obj=programme,
        event="outcomes.graduation_refresh",
        graduated=counts["graduated"],
        fell_back=counts["fell_back"],
    )
    messages.success(
        request,
        _("Graduasi diperbarui: %(g)s baru lulus mandiri, %(f)s kembali rentan.")
        % {"g": counts["graduated"], "f": counts["fell_back"]},
    )
    return redirect("outcomes:graduation", pk=programme.pk)
