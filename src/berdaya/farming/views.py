"""Farmer pages: plots, harvests, sales and farmer groups. Every record is reached through the scoped selectors, so
a facilitator sees only the farmers of their villages and anything else answers 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from berdaya.accounts.models import User
from berdaya.core.access import capabilities, ensure_sees_people, get_visible_or_404
from berdaya.core.conf import conf
from berdaya.core.forms import service_errors
from berdaya.core.pagination import paginate
from berdaya.markets.choices import Channel
from berdaya.markets.models import Commodity
from berdaya.registry import selectors as registry_selectors
from berdaya.registry.access import (
    get_group_or_404,
    get_person_or_404,
    group_member_count,
    groups_visible_to,
    people_visible_to,
    villages_for_registration,
    withholds_members,
)
from berdaya.registry.vulnerability import profile

from . import access, selectors, services
from .forms import GroupProfileForm, HarvestForm, PlotForm, SaleForm
from .models import FarmerGroupProfile


@login_required
def home(request):
    ensure_sees_people(request.user)
    farmers = (
        people_visible_to(request.user)
        .filter(plots__isnull=False)
        .annotate(
            area=Sum("plots__area_ha", filter=Q(plots__is_active=True)),
            n_plots=Count("plots", distinct=True),
        )
        .select_related("household__village__district")
        .order_by("full_name", "id")
    )
    q = request.GET.get("q", "").strip()
    if q:
        farmers = farmers.filter(full_name__icontains=q)
    page = paginate(farmers, request.GET.get("page"), conf().page_size)
    sales = access.sales_visible_to(request.user)
    return render(
        request,
        "farming/home.html",
        {
            "page": page,
            "q": q,
            "comparison": selectors.training_comparison(actor=request.user),
            "income_by_year": selectors.income_by_year(sales),
            "by_channel": sales.values("channel")
            .annotate(kg=Sum("quantity_kg"), amount=Sum("amount"))
            .order_by("-amount"),
            "channel_labels": dict(Channel.choices),
            "query": f"q={q}" if q else "",
        },
    )


@login_required
def farmer_detail(request, person_pk: int):
    person = get_person_or_404(request.user, person_pk)
    plots = list(access.plots_visible_to(request.user).filter(farmer=person).select_related("commodity", "village"))
    harvests = access.harvests_visible_to(request.user).filter(plot__farmer=person)
    sales = selectors.sale_list(actor=request.user).filter(farmer=person)
    memberships = person.memberships.filter(
        left_on__isnull=True, group__kind__in=["poktan", "gapoktan"]
    ).select_related("group__farming_profile__parent", "group__farming_profile__main_commodity")
    return render(
        request,
        "farming/farmer_detail.html",
        {
            "person": person,
            "plots": plots,
            "operated": sum((p.area_ha for p in plots if p.is_active), start=0),
            "yields": selectors.yield_by_plot_season(harvests),
            "harvests": harvests.select_related("plot__commodity", "unit").prefetch_related("practices")[:50],
            "sales": sales[:50],
            "income_season": selectors.income_by_season(access.sales_visible_to(request.user).filter(farmer=person)),
            "income_year": selectors.income_by_year(access.sales_visible_to(request.user).filter(farmer=person)),
            "memberships": memberships,
            "flags": [f for f in profile(person) if f.code in {"smallholder", "gurem"}],
            "can_edit": capabilities(request.user).edits_registry,
        },
    )


def _villages(user: User):
    return villages_for_registration(user).order_by("district__name", "name")


@login_required
def plot_edit(request, person_pk: int, pk: int | None = None):
    person = get_person_or_404(request.user, person_pk)
    plot = get_visible_or_404(access.plots_visible_to(request.user).filter(farmer=person), pk) if pk else None
    initial = {} if plot else {"village": person.household.village_id}
    form = PlotForm(request.POST or None, instance=plot, initial=initial, villages=_villages(request.user))
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        obj.farmer = person
        with service_errors(form, also=(PermissionDenied,)):
            services.plot_save(actor=request.user, plot=obj)
            messages.success(request, _("Lahan disimpan."))
            return redirect("farming:farmer_detail", person_pk=person.pk)
    return render(request, "farming/plot_form.html", {"form": form, "person": person, "plot": plot})


@login_required
def harvest_add(request, plot_pk: int):
    plot = get_visible_or_404(
        access.plots_visible_to(request.user).select_related("farmer__household", "commodity"), plot_pk
    )
    form = HarvestForm(request.POST or None, plot=plot)
    warnings = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with service_errors(form, also=(PermissionDenied,)):
            try:
                services.harvest_record(
                    actor=request.user,
                    plot=plot,
                    harvested_on=data["harvested_on"],
                    quantity=data["quantity"],
                    unit=data["unit"],
                    practices=data["practices"],
                    confirm=data["confirm"],
                )
            except services.NeedsConfirmation as exc:
                warnings = exc.warnings
            else:
                messages.success(request, _("Panen dicatat."))
                return redirect("farming:farmer_detail", person_pk=plot.farmer_id)
    return render(request, "farming/harvest_form.html", {"form": form, "plot": plot, "warnings": warnings})


@login_required
def sale_add(request, person_pk: int):
    person = get_person_or_404(request.user, person_pk)
    form = SaleForm(request.POST or None, farmer=person)
    warnings = []
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        confirm = data.pop("confirm")
        with service_errors(form, also=(PermissionDenied,)):
            try:
                services.sale_record(actor=request.user, farmer=person, data=data, confirm=confirm)
            except services.NeedsConfirmation as exc:
                warnings = exc.warnings
            else:
                messages.success(request, _("Penjualan dicatat."))
                return redirect("farming:farmer_detail", person_pk=person.pk)
    return render(request, "farming/sale_form.html", {"form": form, "person": person, "warnings": warnings})


@login_required
def sale_list(request):
    ensure_sees_people(request.user)
    filters = {k: request.GET.get(k, "") for k in ("commodity", "channel", "district")}
    page = paginate(selectors.sale_list(actor=request.user, filters=filters), request.GET.get("page"), conf().page_size)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "farming/sale_list.html",
        {
            "page": page,
            "filters": filters,
            "commodities": Commodity.objects.filter(is_active=True),
            "channels": Channel.choices,
            "query": query.urlencode(),
        },
    )


@login_required
def group_list(request):
    ensure_sees_people(request.user)
    groups = (
        groups_visible_to(request.user)
        .filter(kind__in=["poktan", "gapoktan"])
        .select_related("village__district", "farming_profile__main_commodity", "farming_profile__parent")
        .annotate(members=group_member_count(request.user))
        .order_by("kind", "name")
    )
    page = paginate(groups, request.GET.get("page"), conf().page_size)
    return render(
        request,
        "farming/group_list.html",
        {"page": page, "query": "", "withholds_members": withholds_members(request.user)},
    )


@login_required
def group_profile(request, group_pk: int):
    group = get_group_or_404(request.user, group_pk)
    if group.kind not in {"poktan", "gapoktan"}:
        raise PermissionDenied(_("Hanya kelompok tani dan gapoktan."))
    profile = FarmerGroupProfile.objects.filter(group=group).first()
    form = GroupProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in form.Meta.fields}
        with service_errors(form, also=(PermissionDenied,)):
            services.group_profile_save(actor=request.user, group=group, data=data)
            messages.success(request, _("Profil kelompok tani disimpan."))
            return redirect("farming:group_profile", group_pk=group.pk)
    # As on the registry's group page: the active members the user sees, and how many others there are where the user
    # may be told.
    group_members = registry_selectors.group_members(group, actor=request.user)
    members = group_members.shown.filter(left_on__isnull=True).annotate(
        area=Sum("person__plots__area_ha", filter=Q(person__plots__is_active=True))
    )
    # The poktans of a gapoktan: those the user may see (a group's name is data about its members).
    children = FarmerGroupProfile.objects.filter(
        parent=group, group__in=groups_visible_to(request.user)
    ).select_related("group")
    return render(
        request,
        "farming/group_profile.html",
        {
            "group": group,
            "form": form,
            "members": members,
            "unseen_active": group_members.unseen_active,
            "withholds_members": withholds_members(request.user),
            "children": children,
            "can_edit": access.can_edit_group_profiles(request.user),
        },
    )
