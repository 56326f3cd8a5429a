"""Disability-inclusion pages. Counts come from people_for_aggregates; person rows from people_visible_to."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from berdaya.areas.selectors import deployment_districts
from berdaya.core import disclosure, fragments
from berdaya.core.access import capabilities
from berdaya.core.audit import audit_view
from berdaya.core.conf import conf
from berdaya.core.forms import service_errors
from berdaya.core.pagination import paginate
from berdaya.registry.access import get_person_or_404

from . import choices as c
from . import integration, selectors, services
from .forms import DeviceNeedForm, DeviceReceivedForm, DisabilityProfileForm
from .models import AssistiveDevice, DisabilityProfile


@login_required
def home(request):
    """Inklusi disabilitas: counts by district × WG-SS domain, and the persons with disabilities with their needs."""
    caps = capabilities(request.user)
    as_of = selectors.disability_by_district_as_of(request.user)
    rows = selectors.disability_by_district_for(request.user)
    keys = [
        "total",
        "disability_yes",
        "disability_no",
        "disability_unknown",
        *[f"domain_{k}" for k, _f, _l in selectors.DOMAINS],
    ]
    totals = {key: sum(row[key] for row in rows) for key in keys}
    shown = disclosure.for_aggregates(request.user)
    # A district's people split into with, without and not yet asked: one hidden part must not follow from the rest.
    shown.protect_table(
        rows, keys, row_sums=[("total", ["disability_yes", "disability_no", "disability_unknown"])], totals=totals
    )
    district = request.GET.get("kecamatan") or None
    domain = request.GET.get("ranah") or None
    if domain and domain not in {k for k, _f, _l in selectors.DOMAINS}:
        domain = None
    page = None
    choose_district = False
    if caps.sees_people:
        # The list is shown for one district at a time (the district's count in the table links to it): sorting
        # every person with a disability of the regency (tens of thousands) for each reader is what made this page
        # slow, and nobody reads past the first pages of such a list. A scope within one district (a facilitator's
        # villages) gets its list at once. Every person in scope stays reachable: district by district, paged.
        if district is None:
            with_disability = [r for r in rows if r["disability_yes"]]
            choose_district = len(with_disability) > 1
            if len(with_disability) == 1:
                district = with_disability[0]["household__village__district"]
        if not choose_district:
            page = paginate(
                selectors.persons_with_disabilities(actor=request.user, district=district, domain=domain),
                request.GET.get("page"),
                conf().page_size,
            )
            needs = selectors.support_needs_for([p.pk for p in page.items])
            for person in page.items:
                person.need_labels = [
                    str(c.SupportNeed(n).label) for n in c.SupportNeed.values if n in needs.get(person.pk, set())
                ]
                person.domains = [
                    str(label) for key, field, label in selectors.DOMAINS if (getattr(person, field) or 0) >= 3
                ]
    # The district table rendered once per snapshot and scope (core.fragments); a scoped reader's is live, not cached.
    by_district = fragments.cached(
        "inclusion.by_district",
        user=request.user,
        version=None if as_of is None else f"{as_of.timestamp():.6f}",
        params={},
        build=lambda: render_to_string(
            "inclusion/_by_district.html",
            # Counts link to the district's list only for a reader who is shown lists (not viewers).
            {
                "rows": rows,
                "totals": totals,
                "disclosure": shown,
                "domains": selectors.DOMAINS,
                "links": caps.sees_people,
            },
        ),
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "inclusion/home.html",
        {
            "by_district": by_district,
            # The first reader after the snapshot aged out stored a new one: that is what the page shows.
            "as_of": as_of or selectors.disability_by_district_as_of(request.user),
            "totals": totals,
            "disclosure": shown,
            "domains": selectors.DOMAINS,
            "page": page,
            "choose_district": choose_district,
            "query": query.urlencode(),
            "districts": deployment_districts().order_by("code"),
            "district": district,
            "domain": domain,
        },
    )


@login_required
def profile_edit(request, person_pk: int):
    person = get_person_or_404(request.user, person_pk)
    if not capabilities(request.user).edits_registry:
        raise PermissionDenied
    profile = DisabilityProfile.objects.filter(person=person).first()
    if request.method == "GET":
        audit_view(actor=request.user, obj=profile or person, person_id=person.pk, event="disability_profile")
    form = DisabilityProfileForm(request.POST or None, instance=profile, kpd_format=conf().kpd_format_label)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in form.fields}
        with service_errors(form):
            services.disability_profile_save(actor=request.user, person=person, data=data)
            messages.success(request, _("Data disabilitas disimpan."))
            return redirect("registry:person_detail", pk=person.pk)
    return render(request, "inclusion/profile_form.html", {"form": form, "person": person})


@login_required
@require_POST
def device_add(request, person_pk: int):
    person = get_person_or_404(request.user, person_pk)
    form = DeviceNeedForm(request.POST)
    if form.is_valid():
        with service_errors(request):
            services.device_need_add(actor=request.user, person=person, **form.cleaned_data)
            messages.success(request, _("Kebutuhan alat bantu dicatat."))
    else:
        messages.error(request, _("Pilih alat bantu."))
    return redirect("registry:person_detail", pk=person.pk)


@login_required
def device_received(request, pk: int):
    try:
        record = AssistiveDevice.objects.select_related("person").get(pk=pk)
    except AssistiveDevice.DoesNotExist as exc:
        raise Http404 from exc
    person = get_person_or_404(request.user, record.person_id)
    if not capabilities(request.user).edits_registry:
        raise PermissionDenied
    programmes = integration.programmes_for_device(actor=request.user, person=person)
    form = DeviceReceivedForm(request.POST or None, programmes=programmes)
    if request.method == "POST" and form.is_valid():
        with service_errors(form, also=(PermissionDenied,)):
            services.device_mark_received(
                actor=request.user,
                record=record,
                received_on=form.cleaned_data["received_on"],
                source=form.cleaned_data["source"],
                programme=form.cleaned_data.get("programme"),
                override_reason=form.cleaned_data.get("override_reason", ""),
            )
            messages.success(request, _("Penerimaan alat bantu dicatat."))
            return redirect("registry:person_detail", pk=person.pk)
    return render(request, "inclusion/device_received.html", {"form": form, "record": record, "person": person})
