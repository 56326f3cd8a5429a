"""Partner pages. Thin: scope comes from .access, reads from selectors, writes through services."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from berdaya.accounts.models import User
from berdaya.core import disclosure, fragments
from berdaya.core.access import capabilities, get_visible_or_404
from berdaya.core.audit import audit
from berdaya.core.conf import conf
from berdaya.core.documents import document_response, max_upload_bytes
from berdaya.core.forms import service_errors
from berdaya.core.spreadsheet import xlsx_bytes
from berdaya.organisations.access import (
    can_create_organisation,
    is_own_organisation,
    organisations_editable_by,
    organisations_visible_to,
    sees_partner_directory,
)
from berdaya.organisations.models import Organisation
from berdaya.programmes.access import counts_seen_people_only, programmes_visible_to
from berdaya.programmes.models import Assistance
from berdaya.registry.access import get_group_or_404

from . import choices as c
from . import coordination, selectors, services
from .access import (
    agreements_visible_to,
    can_manage_agreements,
    can_manage_commitments,
    can_record_contribution,
    commitments_visible_to,
    coordination_less_withdrawn,
    sees_agreement_list,
    sees_coordination,
)
from .forms import (
    AgreementDocumentForm,
    AgreementForm,
    AgreementTransitionForm,
    CommitmentForm,
    ContributionForm,
    GapFilterForm,
    MatrixFilterForm,
    OrganisationForm,
)
from .maps import choropleth

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _organisation(request, pk) -> Organisation:
    return get_visible_or_404(organisations_visible_to(request.user), pk)


def _ensure_directory(user: User) -> None:
    if not organisations_visible_to(user).exists() and not capabilities(user).regency_wide:
        raise PermissionDenied(_("Peran Anda hanya boleh melihat matriks 4W dan kesenjangan cakupan."))


# --- home ----------------------------------------------------------------------------------------------------------


@login_required
def home(request):
    caps = capabilities(request.user)
    context = {
        "reminders": selectors.agreement_reminders(actor=request.user),
        "can_create": can_create_organisation(request.user),
        "can_agree": can_manage_agreements(request.user),
        "sees_directory": sees_partner_directory(request.user),
        "sees_agreements": agreements_visible_to(request.user).exists() or can_manage_agreements(request.user),
        "own": request.user.organisation if caps.organisation_scoped else None,
        "reminder_days": c.REMINDER_DAYS,
    }
    if context["sees_directory"]:
        kinds = Organisation.objects.filter(is_active=True).values("kind").annotate(n=Count("pk")).order_by("kind")
        labels = dict(Organisation.Kind.choices)
        for row in kinds:
            row["label"] = labels.get(row["kind"], row["kind"])
        context["kinds"] = kinds
    return render(request, "partners/home.html", context)


# --- organisations -------------------------------------------------------------------------------------------------


@login_required
def organisation_list(request):
    _ensure_directory(request.user)
    if capabilities(request.user).organisation_scoped:
        return redirect("partners:organisation_detail", pk=request.user.organisation_id)
    filterset, qs = selectors.organisation_list(actor=request.user, filters=request.GET)
    return render(
        request,
        "partners/organisation_list.html",
        {
            "filter": filterset,
            "organisations": qs.prefetch_related("districts"),
            "can_create": can_create_organisation(request.user),
        },
    )


@login_required
def organisation_edit(request, pk: int | None = None):
    organisation = None
    if pk is not None:
        organisation = get_visible_or_404(organisations_editable_by(request.user), pk)
    elif not can_create_organisation(request.user):
        raise PermissionDenied(_("Hanya petugas dinas yang dapat mendaftarkan organisasi mitra."))
    partner = capabilities(request.user).organisation_scoped
    form = OrganisationForm(request.POST or None, instance=organisation, partner=partner)
    similar = []
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in form.fields and k != "confirm_similar"}
        confirm = form.cleaned_data.get("confirm_similar", False)
        with service_errors(form):
            try:
                if organisation is None:
                    organisation = services.organisation_create(actor=request.user, data=data, confirm_similar=confirm)
                else:
                    services.organisation_update(
                        actor=request.user, organisation=organisation, data=data, confirm_similar=confirm
                    )
            except services.SimilarNameWarning as exc:
                similar = exc.similar  # listed beside the form; the warning goes on the name like any error
                raise
            messages.success(request, _("Data organisasi disimpan."))
            return redirect("partners:organisation_detail", pk=organisation.pk)
    return render(
        request, "partners/organisation_form.html", {"form": form, "organisation": organisation, "similar": similar}
    )


@login_required
def organisation_detail(request, pk: int):
    organisation = _organisation(request, pk)
    caps = capabilities(request.user)
    commitments = list(selectors.commitments_of(actor=request.user, organisation=organisation))
    context = {
        "organisation": organisation,
        "programmes": list(selectors.programmes_of(organisation)),
        "progress": selectors.commitment_progress(commitments, actor=request.user),
        "agreements": list(
            agreements_visible_to(request.user)
            .filter(parties=organisation)
            .prefetch_related("parties")
            .order_by("-end_date")
        ),
        "can_edit": organisations_editable_by(request.user).filter(pk=organisation.pk).exists(),
        "can_commit": can_manage_commitments(request.user),
        "sees_commitments": commitments_visible_to(request.user).filter(organisation=organisation).exists()
        or can_manage_commitments(request.user),
        "is_own": is_own_organisation(request.user, organisation),
        "seen_only": counts_seen_people_only(request.user),
    }
    if caps.sees_people:
        context["results"] = selectors.organisation_results(organisation, actor=request.user)
    return render(request, "partners/organisation_detail.html", context)


@login_required
@require_POST
def organisation_from_group(request, group_pk: int):
    group = get_group_or_404(request.user, group_pk)
    with service_errors(request):
        organisation = services.organisation_from_group(actor=request.user, group=group)
        messages.success(
            request,
            _("%(name)s kini mitra penyelenggara: organisasi ini dapat dipilih sebagai penyelenggara program.")
            % {"name": organisation.name},
        )
    return redirect("registry:group_detail", pk=group.pk)


# --- agreements ----------------------------------------------------------------------------------------------------


def _agreement(request, pk):
    return get_visible_or_404(agreements_visible_to(request.user).prefetch_related("parties"), pk)


@login_required
def agreement_list(request):
    if not sees_agreement_list(request.user):
        raise PermissionDenied(_("Peran Anda tidak melihat perjanjian kerja sama."))
    status = request.GET.get("status", "")
    return render(
        request,
        "partners/agreement_list.html",
        {
            "agreements": selectors.agreement_list(actor=request.user, status=status),
            "status": status,
            "statuses": c.AgreementStatus.choices,
            "can_agree": can_manage_agreements(request.user),
            "today": timezone.localdate(),
        },
    )


@login_required
def agreement_edit(request, pk: int | None = None):
    if not can_manage_agreements(request.user):
        raise PermissionDenied(_("Hanya petugas dinas yang dapat mencatat perjanjian kerja sama."))
    agreement = _agreement(request, pk) if pk is not None else None
    initial = {}
    if agreement is None and request.GET.get("organisation"):
        initial["parties"] = organisations_visible_to(request.user).filter(pk=request.GET["organisation"])
    form = AgreementForm(request.POST or None, instance=agreement, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in form.fields}
        with service_errors(form):
            if agreement is None:
                agreement = services.agreement_create(actor=request.user, data=data)
            else:
                agreement = services.agreement_update(actor=request.user, agreement=agreement, data=data)
            messages.success(request, _("Perjanjian disimpan."))
            return redirect("partners:agreement_detail", pk=agreement.pk)
    return render(request, "partners/agreement_form.html", {"form": form, "agreement": agreement})


@login_required
def agreement_detail(request, pk: int):
    agreement = _agreement(request, pk)
    manage = can_manage_agreements(request.user)
    next_statuses = [(s, c.AgreementStatus(s).label) for s in sorted(c.AGREEMENT_TRANSITIONS[agreement.status])]
    return render(
        request,
        "partners/agreement_detail.html",
        {
            "agreement": agreement,
            "documents": agreement.documents.select_related("uploaded_by"),
            "commitments": commitments_visible_to(request.user)
            .filter(agreement=agreement)
            .select_related("organisation"),
            "can_manage": manage,
            "next_statuses": next_statuses if manage else [],
            "document_form": AgreementDocumentForm(max_mb=max_upload_bytes() // (1024 * 1024)) if manage else None,
            "today": timezone.localdate(),
            "left": agreement.days_left(),
            "reminder_days": c.REMINDER_DAYS,
        },
    )


@login_required
@require_POST
def agreement_transition(request, pk: int):
    agreement = _agreement(request, pk)
    form = AgreementTransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Pilih status baru."))
    else:
        with service_errors(request):
            services.agreement_transition(
                actor=request.user,
                agreement=agreement,
                to_status=form.cleaned_data["to_status"],
                on=form.cleaned_data.get("on"),
            )
            messages.success(request, _("Status perjanjian diperbarui."))
    return redirect("partners:agreement_detail", pk=agreement.pk)


@login_required
@require_POST
def agreement_document(request, pk: int):
    agreement = _agreement(request, pk)
    form = AgreementDocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    else:
        with service_errors(request):
            services.agreement_add_document(
                actor=request.user,
                agreement=agreement,
                upload=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
            )
            messages.success(request, _("Dokumen diunggah."))
    return redirect("partners:agreement_detail", pk=agreement.pk)


@login_required
def agreement_document_download(request, pk: int, document_pk: int):
    agreement = _agreement(request, pk)
    document = agreement.documents.filter(pk=document_pk).first()
    if document is None:
        raise Http404
    audit(actor=request.user, action="view", obj=document, agreement=agreement.pk)
    return document_response(document.file, document.content_type, f"perjanjian-{agreement.pk}-dokumen-{document.pk}")


# --- commitments ---------------------------------------------------------------------------------------------------


@login_required
def commitment_create(request, organisation_pk: int):
    organisation = _organisation(request, organisation_pk)
    if not can_manage_commitments(request.user):
        raise PermissionDenied(_("Hanya petugas dinas yang dapat mencatat komitmen mitra."))
    form = CommitmentForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in form.fields}
        with service_errors(form):
            commitment = services.commitment_create(actor=request.user, organisation=organisation, data=data)
            messages.success(request, _("Komitmen dicatat."))
            return redirect("partners:commitment_detail", pk=commitment.pk)
    return render(request, "partners/commitment_form.html", {"form": form, "organisation": organisation})


def _commitment(request, pk):
    return get_visible_or_404(commitments_visible_to(request.user).select_related("organisation", "agreement"), pk)


@login_required
def commitment_detail(request, pk: int, form: ContributionForm | None = None):
    commitment = _commitment(request, pk)
    (progress,) = selectors.commitment_progress([commitment], actor=request.user)
    can_record = can_record_contribution(request.user, commitment.organisation)
    return render(
        request,
        "partners/commitment_detail.html",
        {
            "commitment": commitment,
            "progress": progress,
            "contributions": commitment.contributions.select_related("programme", "recorded_by"),
            "can_record": can_record,
            "seen_only": counts_seen_people_only(request.user),
            "form": form or (ContributionForm() if can_record else None),
        },
    )


@login_required
@require_POST
def contribution_create(request, pk: int):
    commitment = _commitment(request, pk)
    form = ContributionForm(request.POST)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in form.fields}
        assistance_id = data.pop("assistance", None)
        if assistance_id:
            # Only assistance of programmes the actor may see; an unknown number is reported, not guessed.
            data["assistance"] = Assistance.objects.filter(
                pk=assistance_id, programme__in=programmes_visible_to(request.user)
            ).first()
            if data["assistance"] is None:
                form.add_error("assistance", _("Bantuan dengan nomor itu tidak ditemukan."))
        if not form.errors:
            with service_errors(form):
                services.contribution_create(actor=request.user, commitment=commitment, data=data)
                messages.success(request, _("Realisasi dicatat."))
                return redirect("partners:commitment_detail", pk=commitment.pk)
    return commitment_detail(request, pk, form=form)


# --- 4W matrix and coverage gaps -------------------------------------------------------------------------------------


def _ensure_coordination(user: User) -> None:
    if not sees_coordination(user):
        raise PermissionDenied


def _matrix_filters(form: MatrixFilterForm, user: User) -> coordination.MatrixFilters:
    """The filters the form asks for, with the variant of the figures `user` reads (partner staff: the regency's
    less whoever withdrew consent to sharing with partners)."""
    return coordination.MatrixFilters(
        period=form.period(),
        level=form.value("level", c.AreaLevel.DISTRICT),
        district=getattr(form.value("district", None), "pk", ""),
        kind=form.value("kind"),
        organisation_kind=form.value("organisation_kind"),
        measure=form.value("measure", c.ReachMeasure.ORGANISATIONS),
    ).for_reader(user)


def _matrix(request):
    form = MatrixFilterForm(request.GET or None)
    filters = _matrix_filters(form, request.user)
    return form, filters, coordination.matrix_rows(filters)


def _filter_form_html(request, template: str, form) -> str:
    """The filter form as the request fills it. Its widgets cost more to render than the cached figures; they depend
    only on the query and on districts and choices that change rarely (at most 10 minutes late)."""

    def build() -> str:
        return render_to_string(template, {"form": form})

    if form.is_bound and not form.is_valid():
        # Input the form refuses is rendered but never cached: made-up query strings must not fill the shared cache.
        return mark_safe(build())  # our own autoescaped template's output
    return fragments.cached(
        template, user=request.user, version="form", params=fragments.form_query(form, request.GET), build=build
    )


def _as_of_version(at: dt.datetime | None) -> str | None:
    return None if at is None else f"{at.timestamp():.6f}"


@login_required
def matrix(request):
    _ensure_coordination(request.user)
    form = MatrixFilterForm(request.GET or None)
    filters = _matrix_filters(form, request.user)
    as_of = coordination.matrix_as_of(filters)

    def build() -> str:
        rows = coordination.matrix_rows(filters)
        shown = disclosure.EXACT
        if filters.measure == c.ReachMeasure.PEOPLE:
            values = coordination.reached_by_district(filters)
            unit, caption = _("penerima manfaat"), _("Penerima manfaat terjangkau per kecamatan")
            shown = disclosure.for_coordination(request.user)
        else:
            values = coordination.organisations_by_district(rows)
            unit, caption = _("organisasi"), _("Organisasi aktif per kecamatan")
        return render_to_string(
            "partners/_matrix_figures.html",
            {
                "caps": capabilities(request.user),
                "rows": rows,
                "map": choropleth(values, unit=unit, caption=caption, shown=shown),
                "totals": {
                    "organisations": len({r.organisation.pk for r in rows}),
                    "programmes": len(set().union(*(r.programme_ids for r in rows))) if rows else 0,
                    "disbursed": coordination.disbursed_in_period(filters),
                },
            },
        )

    return render(
        request,
        "partners/matrix.html",
        {
            # The map and table (hundreds of rows) come from stored snapshots (core.snapshots): rendered once per
            # snapshot, filters and reader's scope, not for every reader (core.fragments).
            "figures": fragments.cached(
                "partners.matrix", user=request.user, version=_as_of_version(as_of), params=repr(filters), build=build
            ),
            # The first reader after a snapshot aged out stored a new one: that is what the page shows.
            "as_of": as_of or coordination.matrix_as_of(filters),
            "filter_form": _filter_form_html(request, "partners/_matrix_form.html", form),
            "form": form,
            "filters": filters,
            "less_withdrawn": filters.less_withdrawn,
            "query": request.GET.urlencode(),
        },
    )


@login_required
def matrix_xlsx(request):
    _ensure_coordination(request.user)
    _form, filters, rows = _matrix(request)
    shown = disclosure.for_coordination(request.user)
    content = xlsx_bytes([("Matriks 4W", coordination.MATRIX_HEADER, coordination.matrix_export_rows(rows, shown))])
    audit(
        actor=request.user,
        action="export",
        object_type="partners.matrix4w",
        rows=len(rows),
        start=filters.period.start.isoformat(),
        end=filters.period.end.isoformat(),
        level=filters.level,
        district=filters.district,
        kind=filters.kind,
        organisation_kind=filters.organisation_kind,
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="matriks-4w-{filters.period.start:%Y%m%d}-{filters.period.end:%Y%m%d}.xlsx"'
    )
    return response


def _gaps(request):
    form = GapFilterForm(request.GET or None)
    period = form.period()
    level = form.value("level", c.AreaLevel.DISTRICT)
    group = form.value("group", "any")
    order = form.value("order", "number")
    district = getattr(form.value("district", None), "pk", "")
    rows = coordination.coverage_gaps(
        actor=request.user, period=period, level=level, group=group, order=order, district=district
    )
    totals = coordination.gap_totals(rows)
    # The page and its XLSX hide the same cells, whatever the viewer combines them with.
    coordination.protect_gaps(rows, totals, disclosure.for_coordination(request.user))
    return form, period, level, group, order, rows, totals


@login_required
def gaps(request):
    _ensure_coordination(request.user)
    form = GapFilterForm(request.GET or None)
    period = form.period()
    level = form.value("level", c.AreaLevel.DISTRICT)
    group = form.value("group", "any")
    order = form.value("order", "number")
    district = getattr(form.value("district", None), "pk", "")
    labels = {g.code: g.label for g in coordination.GAP_GROUPS}
    as_of = coordination.gaps_as_of(actor=request.user, period=period, level=level, district=district)

    def build() -> str:
        _form, _period, _level, _group, _order, rows, totals = _gaps(request)
        limit = conf().gap_rows
        return render_to_string(
            "partners/_gaps_figures.html",
            {
                "caps": capabilities(request.user),
                "level": level,
                "group": group,
                "rows": rows[:limit],
                "more": max(0, len(rows) - limit),
                "groups": coordination.GAP_GROUPS,
                "totals": totals,
                "regency_wide": sorted(coordination.organisations_working(period, False)["regency"]),
            },
        )

    params = {"period": repr(period), "level": level, "group": group, "order": order, "district": district}
    return render(
        request,
        "partners/gaps.html",
        {
            # Hundreds of village rows from a stored snapshot (core.snapshots): rendered once per snapshot, filters
            # and reader's scope (core.fragments), not for every reader.
            "figures": fragments.cached(
                "partners.gaps", user=request.user, version=_as_of_version(as_of), params=params, build=build
            ),
            "as_of": as_of
            or coordination.gaps_as_of(actor=request.user, period=period, level=level, district=district),
            "filter_form": _filter_form_html(request, "partners/_gaps_form.html", form),
            "form": form,
            "period": period,
            "level": level,
            "group": group,
            "group_label": labels.get(group, ""),
            "less_withdrawn": coordination_less_withdrawn(request.user),
            "order": order,
            "query": request.GET.urlencode(),
            "now": timezone.localtime(),
        },
    )


@login_required
def gaps_xlsx(request):
    _ensure_coordination(request.user)
    _form, period, level, group, _order, rows, _totals = _gaps(request)
    header = ["Kode", "Wilayah", "Kecamatan", "Penduduk"]
    for g in coordination.GAP_GROUPS:
        header += [f"{g.label}: jumlah", f"{g.label}: belum terjangkau", f"{g.label}: % belum terjangkau"]
    header.append("Organisasi yang bekerja di wilayah ini")

    shown = disclosure.for_coordination(request.user)

    def lines():
        for r in rows:
            line = [r.code, r.name, r.district_name or r.name, shown.count(r.residents)]
            for cell in r.cells():
                share = shown.share(cell["gap"], cell["total"])
                line += [shown.count(cell["total"]), shown.count(cell["gap"]), "" if share is None else round(share, 1)]
            line.append("; ".join(r.organisations))
            yield line

    content = xlsx_bytes([("Kesenjangan cakupan", header, lines())])
    audit(
        actor=request.user,
        action="export",
        object_type="partners.coverage_gaps",
        rows=len(rows),
        start=period.start.isoformat(),
        end=period.end.isoformat(),
        level=level,
        group=group,
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="kesenjangan-cakupan-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"'
    )
    return response
