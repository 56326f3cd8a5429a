"""Registry pages. Thin: scope comes from .access, reads from selectors, writes through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from berdaya.areas.models import District, Village
from berdaya.areas.selectors import deployment_district_list
from berdaya.core import disclosure
from berdaya.core.access import capabilities, ensure_sees_people
from berdaya.core.audit import audit, audit_view
from berdaya.core.compiled import CompiledQuery
from berdaya.core.conf import conf
from berdaya.core.forms import apply_errors, service_errors
from berdaya.core.pagination import paginate
from berdaya.organisations.models import Organisation

from . import choices as c
from . import selectors, services
from .access import (
    can_edit_groups,
    changes_household_heads,
    ensure_can_edit_group,
    get_group_or_404,
    get_household_or_404,
    get_person_or_404,
    group_memberships_visible_to,
    households_visible_to,
    people_visible_to,
    reads_household_notes,
    regency_wide_reader,
    sees_every_person,
    villages_for_registration,
    withholds_members,
)
from .filtersets import search_q
from .forms import (
    ConsentForm,
    GroupForm,
    HouseholdForm,
    LifeEventForm,
    MemberFormSet,
    MembershipForm,
    PersonForm,
)
from .history import history_entries
from .matching import ScopedMatches, scoped_matches
from .models import ConsentRecord, Group, GroupMembership, KKNumber, LifeEvent, PersonMerge
from .panels import HOME, HOUSEHOLD, PERSON, panels_for
from .vulnerability import FLAGS


@login_required
def dashboard(request):
    """The home page: the vulnerability counts per district, and what the apps above the registry add to it."""
    rows = selectors.vulnerability_by_district_for(request.user)
    columns = ["total", "female", *[f.code for f in FLAGS]]
    totals = {key: sum(row[key] for row in rows) for key in columns}
    for row in rows:
        row["not_female"] = row["total"] - row["female"]
    shown = disclosure.for_aggregates(request.user)
    # Women are shown beside the total: the men (total minus women) must not give a small count either.
    shown.protect_table(rows, columns, row_sums=[("total", ["female", "not_female"])], totals=totals)
    return render(
        request,
        "registry/dashboard.html",
        {
            "rows": rows,
            "totals": totals,
            "flags": FLAGS,
            "disclosure": shown,
            "panels": panels_for(HOME, actor=request.user, obj=None),
        },
    )


def _people_page(request):
    filterset, qs = selectors.person_list(actor=request.user, filters=request.GET)
    page = paginate(qs, request.GET.get("page"), conf().page_size)
    flags = selectors.flag_profiles((p.pk for p in page.items), actor=request.user)
    for person in page.items:
        person.flags = flags.get(person.pk, [])
    query = request.GET.copy()
    query.pop("page", None)
    return filterset, page, query.urlencode()


@login_required
def person_list(request):
    ensure_sees_people(request.user)
    filterset, page, query = _people_page(request)
    context = {"filter": filterset, "page": page, "query": query}
    if request.htmx and request.htmx.target == "people-table":
        return render(request, "registry/_person_table.html", context)
    # The choices the district field offers (deployment_districts, as value and label), read by a query compiled once
    # rather than through the field's iterator (a queryset compiled and a server-side cursor on every request).
    field = filterset.form.fields["district"]
    context["district_choices"] = [
        (field.prepare_value(d), field.label_from_instance(d)) for d in deployment_district_list()
    ]
    return render(request, "registry/person_list.html", context)


# The person page's own reads, compiled once (core.compiled): the page is the registry's most read.
_MEMBERSHIPS = CompiledQuery(
    lambda person: (
        GroupMembership.objects.filter(person=person).select_related("group__village").order_by("left_on", "-joined_on")
    ),
    person=int,
)
_CONSENTS = CompiledQuery(
    lambda person: ConsentRecord.objects.filter(person=person).select_related("recorded_by"), person=int
)
_EVENTS = CompiledQuery(
    lambda person: LifeEvent.objects.filter(person=person).select_related("recorded_by"), person=int
)
_MERGES = CompiledQuery(
    lambda person: PersonMerge.objects.filter(survivor=person).select_related("actor").order_by("-at")[:20],
    person=int,
)


@login_required
def person_detail(request, pk: int):
    person = get_person_or_404(request.user, pk)
    if person.pk != pk:
        # An old link to a merged duplicate: the record it was merged into answers for it.
        messages.info(request, _("Data #%(old)s sudah digabungkan ke data ini (data ganda).") % {"old": pk})
        return redirect("registry:person_detail", pk=person.pk)
    audit_view(actor=request.user, obj=person, person_id=person.pk)
    caps = capabilities(request.user)
    return render(
        request,
        "registry/person_detail.html",
        {
            "person": person,
            "flags": selectors.flag_profiles([person.pk], actor=request.user).get(person.pk, []),
            "memberships": _MEMBERSHIPS(person=person.pk),
            "consents": _CONSENTS(person=person.pk),
            "events": _EVENTS(person=person.pk),
            "reads_notes": reads_household_notes(request.user),
            "history": history_entries(person, sees_identifiers=caps.sees_identifiers),
            # Sections of the apps built on the registry (programmes, disability, farming, migration): registry.panels.
            "panels": panels_for(PERSON, actor=request.user, obj=person),
            "event_form": LifeEventForm(),
            "consent_form": ConsentForm(),
            "can_edit": caps.edits_registry,
            "merges": _MERGES(person=person.pk),
        },
    )


def _cleaned(form) -> dict:
    # A disabled field (a masked identifier) is shown, never submitted.
    return {k: v for k, v in form.cleaned_data.items() if k in form.fields and not form.fields[k].disabled}


@login_required
def person_edit(request, pk: int):
    person = get_person_or_404(request.user, pk)
    caps = capabilities(request.user)
    if not caps.edits_registry:
        raise PermissionDenied
    form = PersonForm(
        request.POST or None,
        instance=person,
        allow_override=caps.accepts_failed_checks,
        mask_identifiers=not caps.sees_identifiers,
        fixed_head=not changes_household_heads(request.user),
    )
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            services.person_update(actor=request.user, person=person, data=_cleaned(form))
            messages.success(request, _("Data %(name)s disimpan.") % {"name": person.full_name})
            return redirect("registry:person_detail", pk=person.pk)
    return render(request, "registry/person_form.html", {"form": form, "person": person, "household": person.household})


@login_required
@require_POST
def person_event(request, pk: int, kind: str):
    person = get_person_or_404(request.user, pk)
    form = LifeEventForm(request.POST)
    service = {"death": services.person_record_death, "moved_out": services.person_move_out}.get(kind)
    if service is None:
        raise Http404
    if form.is_valid():
        with service_errors(request):
            service(actor=request.user, person=person, **form.cleaned_data)
            messages.success(request, _("Peristiwa dicatat."))
    else:
        messages.error(request, _("Tanggal peristiwa tidak sah."))
    return redirect("registry:person_detail", pk=person.pk)


@login_required
@require_POST
def consent_add(request, pk: int):
    person = get_person_or_404(request.user, pk)
    form = ConsentForm(request.POST)
    if form.is_valid():
        with service_errors(request):
            services.consent_record(actor=request.user, person=person, data=form.cleaned_data)
            messages.success(request, _("Dasar hukum pemrosesan data dicatat."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect("registry:person_detail", pk=person.pk)


# The household page's own reads, compiled once (core.compiled), as the person page's: for the regency-wide roles,
# who see every member and every event (access.sees_every_person); every other role's are built per request by the
# same selectors, which leave out the members (and the events about people) it may not see.
_MEMBERS = CompiledQuery(
    lambda household: selectors.household_members(household, actor=regency_wide_reader()), household=int
)
_KK_NUMBERS = CompiledQuery(lambda household: KKNumber.objects.filter(household=household), household=int)
_EVENT_RELATED = ("person", "recorded_by", "new_household")
_HOUSEHOLD_EVENTS = CompiledQuery(
    lambda household: selectors.household_events(household, actor=regency_wide_reader()).select_related(
        *_EVENT_RELATED
    ),
    household=int,
)


@login_required
def household_detail(request, pk: int):
    # The village and district shown on the page come with the household (one read instead of three).
    household = get_household_or_404(request.user, pk, related=("village__district",))
    audit_view(actor=request.user, obj=household)
    caps = capabilities(request.user)
    if sees_every_person(request.user):
        members = _MEMBERS(household=household.pk)
        events = _HOUSEHOLD_EVENTS(household=household.pk)
    else:
        members = list(selectors.household_members(household, actor=request.user))
        events = list(selectors.household_events(household, actor=request.user).select_related(*_EVENT_RELATED))
    for member in members:
        member.household = household  # the members' pages and flags read their household: the one already read
    flags = selectors.flag_profiles((member.pk for member in members), actor=request.user)
    for member in members:
        member.flags = flags.get(member.pk, [])
    return render(
        request,
        "registry/household_detail.html",
        {
            "household": household,
            "members": members,
            "withholds_members": withholds_members(request.user),
            "kk_numbers": _KK_NUMBERS(household=household.pk),
            "events": events,
            "reads_notes": reads_household_notes(request.user),
            "history": history_entries(household, sees_identifiers=caps.sees_identifiers),
            "panels": panels_for(HOUSEHOLD, actor=request.user, obj=household),
            "can_edit": caps.edits_registry,
        },
    )


@login_required
def household_register(request):
    caps = capabilities(request.user)
    villages = villages_for_registration(request.user)
    if not caps.edits_registry or not villages.exists():
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    form = HouseholdForm(data, villages=villages, allow_override=caps.accepts_failed_checks)
    formset = MemberFormSet(data, prefix="m", form_kwargs={"allow_override": caps.accepts_failed_checks})
    if data is None:
        formset = MemberFormSet(
            prefix="m",
            initial=[{"relationship": c.Relationship.HEAD}],
            form_kwargs={"allow_override": caps.accepts_failed_checks},
        )
    # Both validated before either is looked at, so the errors of the household and of every member show together.
    valid = request.method == "POST" and all([form.is_valid(), formset.is_valid()])
    if request.method == "POST" and not valid:
        # Some part was refused: still check the complete parts against the service's rules (a NIK of 15 digits,
        # a NIK already registered) so the officer fixes everything in one pass.
        member_forms = formset.members_entered()
        errors = services.household_register_check(
            actor=request.user,
            household=_cleaned(form) if not form.errors else None,
            members=[_cleaned(f) if not f.errors else None for f in member_forms],
        )
        if errors is not None:
            _spread_member_errors(form, member_forms, errors)
    likely: dict = {}
    if valid:
        member_forms = formset.members_entered()
        members = [_cleaned(f) for f in member_forms]
        try:
            household = services.household_register(
                actor=request.user,
                household=_cleaned(form),
                members=members,
                distinct_reason=request.POST.get("distinct_reason", ""),
            )
        except services.LikelyDuplicates as exc:
            likely = _likely_context(request, exc, [m.get("full_name", "") for m in members])
        except ValidationError as exc:
            _spread_member_errors(form, member_forms, exc)
        else:
            messages.success(request, _("Rumah tangga dan %(n)s anggota terdaftar.") % {"n": len(members)})
            return redirect("registry:household_detail", pk=household.pk)
    return render(request, "registry/household_register.html", {"form": form, "formset": formset, **likely})


def _likely_context(request, exc: services.LikelyDuplicates, names: list[str]) -> dict:
    """The likely matches of a refused save, as the officer may see them (registry.matching.scoped_matches); the
    people shown are audited as viewed."""
    likely: list[tuple[str, ScopedMatches]] = []
    for index, candidates in sorted(exc.matches.items()):
        shown = scoped_matches(request.user, candidates)
        label = names[index] if index < len(names) else ""
        likely.append((_("Anggota %(n)s: %(name)s") % {"n": index + 1, "name": label}, shown))
        for person, _candidate in shown.visible:
            audit(actor=request.user, action="view", obj=person, event="likely_duplicate")
    return {"likely": likely, "distinct_reason": request.POST.get("distinct_reason", "")}


def _spread_member_errors(form, member_forms, exc: ValidationError) -> None:
    # The service says which member failed; household-level errors go on the household form.
    if isinstance(exc, services.RegistrationErrors):
        for index, error in exc.members.items():
            apply_errors(member_forms[index] if index < len(member_forms) else form, error)
        if exc.household is not None:
            apply_errors(form, exc.household)
    else:
        apply_errors(form, exc)


@login_required
def household_edit(request, pk: int):
    household = get_household_or_404(request.user, pk)
    caps = capabilities(request.user)
    if not caps.edits_registry:
        raise PermissionDenied
    form = HouseholdForm(
        request.POST or None,
        instance=household,
        villages=villages_for_registration(request.user),
        allow_override=caps.accepts_failed_checks,
        mask_identifiers=not caps.sees_identifiers,
    )
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            services.household_update(
                actor=request.user,
                household=household,
                data=_cleaned(form),
                kk_reason=request.POST.get("kk_reason", "").strip(),
            )
            messages.success(request, _("Data rumah tangga disimpan."))
            return redirect("registry:household_detail", pk=household.pk)
    return render(request, "registry/household_form.html", {"form": form, "household": household})


@login_required
def household_add_member(request, pk: int):
    household = get_household_or_404(request.user, pk)
    caps = capabilities(request.user)
    if not caps.edits_registry:
        raise PermissionDenied
    form = PersonForm(
        request.POST or None,
        allow_override=caps.accepts_failed_checks,
        fixed_head=not changes_household_heads(request.user),
    )
    likely: dict = {}
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            try:
                person = services.person_add(
                    actor=request.user,
                    household=household,
                    data=_cleaned(form),
                    distinct_reason=request.POST.get("distinct_reason", ""),
                )
            except services.LikelyDuplicates as exc:
                likely = _likely_context(request, exc, [form.cleaned_data.get("full_name", "")])
            else:
                messages.success(request, _("%(name)s ditambahkan.") % {"name": person.full_name})
                return redirect("registry:household_detail", pk=household.pk)
    return render(
        request, "registry/person_form.html", {"form": form, "household": household, "person": None, **likely}
    )


@login_required
def household_split(request, pk: int):
    household = get_household_or_404(request.user, pk)
    if not capabilities(request.user).edits_registry:
        raise PermissionDenied
    # Only the members the user sees are offered (a partner's scope leaves out whoever withdrew consent to sharing);
    # the others stay in the household.
    members = list(selectors.household_members(household, actor=request.user).filter(status=c.PersonStatus.ACTIVE))
    form = LifeEventForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        chosen = [m for m in members if str(m.pk) in request.POST.getlist("people")]
        head = next((m for m in chosen if str(m.pk) == request.POST.get("new_head")), None)
        try:
            if head is None:
                raise ValidationError(_("Pilih kepala keluarga baru di antara anggota yang pindah."))
            new = services.household_split(
                actor=request.user,
                household=household,
                people=chosen,
                new_head=head,
                date=form.cleaned_data["date"],
                kk_number=request.POST.get("kk_number", "").strip(),
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Pecah KK dicatat: rumah tangga baru dibuat."))
            return redirect("registry:household_detail", pk=new.pk)
    return render(
        request,
        "registry/household_split.html",
        {"household": household, "members": members, "form": form, "error": error},
    )


@login_required
def no_nik_list(request):
    ensure_sees_people(request.user)
    return render(request, "registry/no_nik.html", {"rows": selectors.people_without_nik(actor=request.user)})


# Groups


@login_required
def group_list(request):
    ensure_sees_people(request.user)
    filterset, qs = selectors.group_list(actor=request.user, filters=request.GET)
    page = paginate(qs, request.GET.get("page"), conf().page_size)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/group_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "can_edit": can_edit_groups(request.user),
            "withholds_members": withholds_members(request.user),
        },
    )


@login_required
def group_detail(request, pk: int):
    group = get_group_or_404(request.user, pk)
    members = selectors.group_members(group, actor=request.user)
    caps = capabilities(request.user)
    organisation = Organisation.objects.filter(group=group).first()
    return render(
        request,
        "registry/group_detail.html",
        {
            "group": group,
            # A disability organisation can organise programmes like any partner (issue 8).
            "organisation": organisation,
            "organised": list(organisation.programmes_organised.order_by("-start_date")[:20]) if organisation else [],
            "can_make_partner": organisation is None
            and group.kind == c.GroupKind.DISABILITY_ORG
            # The same rule as partners' organisation_from_group: the regency's officers decide who organises.
            and caps.regency_wide,
            "memberships": members.shown,
            "unseen_active": members.unseen_active,
            "withholds_members": withholds_members(request.user),
            "history": history_entries(group, sees_identifiers=capabilities(request.user).sees_identifiers),
            "membership_form": MembershipForm(),
            "can_edit": can_edit_groups(request.user),
        },
    )


@login_required
def group_edit(request, pk: int | None = None):
    group = get_group_or_404(request.user, pk) if pk else Group()
    ensure_can_edit_group(request.user, group if pk else None)
    form = GroupForm(request.POST or None, instance=group, villages=villages_for_registration(request.user))
    if request.method == "POST" and form.is_valid():
        for field, value in form.cleaned_data.items():
            setattr(group, field, value)
        with service_errors(form):
            services.group_save(actor=request.user, group=group)
            messages.success(request, _("Kelompok %(name)s disimpan.") % {"name": group.name})
            return redirect("registry:group_detail", pk=group.pk)
    return render(request, "registry/group_form.html", {"form": form, "group": group if pk else None})


@login_required
def group_member_search(request, pk: int):
    group = get_group_or_404(request.user, pk)
    term = request.GET.get("q", "").strip()
    people = []
    if len(term) >= 3:
        people = list(
            people_visible_to(request.user)
            .living()
            .filter(search_q(term, prefixes=capabilities(request.user).sees_identifiers))
            .exclude(pk__in=group.memberships.filter(left_on__isnull=True).values("person"))
            .select_related("household__village")
            .filter(Q(household__village__district=group.village.district))[:10]
        )
    return render(request, "registry/_member_search.html", {"group": group, "people": people, "term": term})


@login_required
@require_POST
def group_member_add(request, pk: int):
    group = get_group_or_404(request.user, pk)
    form = MembershipForm(request.POST)
    if form.is_valid():
        person = get_person_or_404(request.user, form.cleaned_data["person"])
        with service_errors(request):
            services.membership_add(actor=request.user, group=group, person=person, role=form.cleaned_data["role"])
            messages.success(request, _("%(name)s ditambahkan ke kelompok.") % {"name": person.full_name})
    else:
        messages.error(request, _("Pilih penduduk dan jabatan."))
    return redirect("registry:group_detail", pk=group.pk)


@login_required
@require_POST
def group_member_end(request, pk: int, membership_id: int):
    group = get_group_or_404(request.user, pk)
    try:
        # Only a membership shown to the user (a member they see): no one ends the membership of a person they may not see.
        membership = group_memberships_visible_to(request.user, group).get(pk=membership_id, left_on__isnull=True)
    except GroupMembership.DoesNotExist as exc:
        raise Http404 from exc
    with service_errors(request):
        services.membership_end(actor=request.user, membership=membership)
        messages.success(request, _("Keanggotaan diakhiri."))
    return redirect("registry:group_detail", pk=group.pk)


@login_required
def district_detail(request, code: str):
    """A district's villages, with the households of each that the user may see (areas sit below the registry:
    the page that counts registry records is the registry's)."""
    district = get_object_or_404(District.objects.select_related("regency"), code=code)
    villages = Village.objects.filter(district=district).order_by("code")
    if capabilities(request.user).sees_people:
        visible = households_visible_to(request.user).values("pk")
        # Not named "households": that is the reverse relation from Household.village, and Django refuses an
        # annotation that shadows a relation.
        villages = villages.annotate(household_count=Count("households", filter=Q(households__in=visible)))
    return render(request, "registry/district_detail.html", {"district": district, "villages": villages})
