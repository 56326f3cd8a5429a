"""The REST API's endpoints: thin callers of each app's access rules, FilterSets and services.

Every queryset starts from the owning app's access function (registry.access.people_visible_to,
programmes.access.programmes_visible_to, farming.access.plots_visible_to...), never from a copy of its rule; a record
outside the caller's scope answers 404, as on the pages. Lists filter with the FilterSet the list page uses where it
has one. Views of people are audited; identifiers are masked by the serializers for roles that do not see them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from berdaya.accounts.models import User
from berdaya.core.access import capabilities, get_visible_or_404
from berdaya.core.audit import audit, fingerprint
from berdaya.core.conf import conf
from berdaya.core.filtersets import FilterSet as CoreFilterSet
from berdaya.core.planner import PAGE_OF_A_LIST, planner_settings
from berdaya.farming.access import harvests_visible_to, plots_visible_to, sales_visible_to
from berdaya.farming.models import Harvest, Plot, Sale
from berdaya.markets.models import Commodity, PriceObservation
from berdaya.markets.selectors import counted, latest_by_commodity_district
from berdaya.migration.models import MigrationEpisode
from berdaya.migration.selectors import episodes_visible_to
from berdaya.organisations.access import organisations_visible_to
from berdaya.organisations.models import Organisation
from berdaya.partners.filtersets import OrganisationFilterSet
from berdaya.programmes.access import programmes_editable_by, programmes_visible_to, sees_others_assistance_in_full
from berdaya.programmes.filtersets import ProgrammeFilterSet
from berdaya.programmes.models import Assistance, Attendance, Enrolment, Programme, Session
from berdaya.programmes.selectors import visible_enrolments
from berdaya.programmes.services import attendance_record, enrolment_create
from berdaya.registry.access import groups_visible_to, households_visible_to, people_visible_to
from berdaya.registry.filtersets import GroupFilterSet, PersonFilterSet
from berdaya.registry.models import Group, Household, Person
from berdaya.registry.services import household_register, household_update, person_update

from . import serializers as s
from .errors import activate_request_language
from .throttling import AnonymousThrottle


class SeesPeople(permissions.BasePermission):
    """Person-level endpoints: viewers read aggregates only (403, as their pages)."""

    message = _("Peran Anda hanya boleh melihat data agregat.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return capabilities(request.user).sees_people


class LanguageMixin:
    """The language of Accept-Language (Bahasa Indonesia by default) for every message of the request, errors from
    authentication and throttling included: activated before DRF authenticates."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        activate_request_language(request)
        super().initial(request, *args, **kwargs)  # type: ignore[misc]

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        response.headers["Content-Language"] = getattr(request, "LANGUAGE_CODE", "id")
        return response


class AskedFilters(DjangoFilterBackend):
    """django-filter's backend; a FilterSet of ours (core.filtersets) builds only the form fields the request asks
    for (the API never shows the form)."""

    def get_filterset(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        filterset = super().get_filterset(request, queryset, view)
        if isinstance(filterset, CoreFilterSet):
            filterset.only_asked = True
        return filterset


class ScopedViewSet(LanguageMixin, viewsets.ReadOnlyModelViewSet):
    """A read-only list and detail of one model, scoped by its app's access rule (`scope`)."""

    scope: ClassVar[Callable[[User], QuerySet[Any]]]
    related: ClassVar[tuple[str, ...]] = ()
    audited: ClassVar[bool] = False
    # A column the rows are indexed by as (column, id): a page of a scope held to a few of its values is read as one
    # index range per value (pagination.PerValue).
    page_by: ClassVar[str | None] = None
    # Ids are integers: `<int:pk>` in the URL, so a malformed id is a 404 before any query, and the schema says so.
    lookup_value_converter = "int"
    filter_backends = [AskedFilters]

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the view for the schema
            return self.queryset
        qs = type(self).scope(self.request.user)
        return qs.select_related(*self.related) if self.related else qs

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        asked = set(self.request.query_params)
        names = self._filter_names(queryset)
        if unknown := sorted(asked - names - PAGE_PARAMETERS):
            raise exceptions.ValidationError(
                {
                    name: [exceptions.ErrorDetail(unknown_parameter_message(names), code="unknown_parameter")]
                    for name in unknown
                }
            )
        # Without any of the FilterSet's parameters the FilterSet filters nothing (an empty value is no filter), but
        # building its form costs about a millisecond: skipped for a plain page.
        if self.filter_backends == [AskedFilters] and not asked & names:
            return queryset
        return super().filter_queryset(queryset)

    def _filter_names(self, queryset: QuerySet[Any]) -> set[str]:
        names = _FILTER_NAMES.get(type(self))
        if names is None:
            filterset = DjangoFilterBackend().get_filterset_class(self, queryset)
            names = _FILTER_NAMES[type(self)] = set(filterset.base_filters) if filterset is not None else set()
        return names

    def get_object(self) -> Model:
        # The scoped queryset, not the filtered one: a detail never depends on list filters. 404 outside the scope.
        return get_visible_or_404(self.get_queryset(), self.kwargs["pk"])

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The page and its audit row in one transaction (one commit), planned for many concurrent requests.
        with planner_settings(PAGE_OF_A_LIST):
            return self._audited_list(request)

    def _audited_list(self, request: Request) -> Response:
        response = self._rows(request)
        if self.audited:
            filters = {k: (fingerprint(v) if k == "q" else v) for k, v in request.query_params.items() if k != "cursor"}
            rows = len(response.data.get("results", [])) if isinstance(response.data, dict) else 0
            audit(
                actor=request.user,
                action="view",
                object_type=self.queryset.model._meta.label_lower,
                via="api",
                filter=filters,
                rows=rows,
                masked=not capabilities(request.user).sees_identifiers,
            )
        return response

    def _rows(self, request: Request) -> Response:
        """The page as the serializer writes it, read as plain rows (serializers.Rows)."""
        serializer = self.get_serializer_class()
        queryset = self.filter_queryset(self.get_queryset())
        if not issubclass(serializer, s.Masked) or self.paginator is None:
            return super().list(request)
        rows = s.Rows.of(serializer)
        # The page's ids first, then their rows: the id query can be answered from indexes alone (a village's
        # people through their households' index, docs/decisions.md), the row query is a primary-key lookup.
        page = self.paginate_queryset(queryset.values("pk"))
        assert page is not None
        ids = [row["pk"] for row in page]
        if queryset.model is rows.model:
            values = rows.by_ids.rows(ids)
        else:  # a serializer of another model's rows (none today): read as the plan says, compiled here
            values = list(queryset.model._base_manager.filter(pk__in=ids).values("pk", *rows.paths))
        found = {row["pk"]: row for row in values}
        data = rows.render([found[pk] for pk in ids], sees_identifiers=capabilities(request.user).sees_identifiers)
        return self.get_paginated_response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        if self.audited:
            audit(actor=request.user, action="view", obj=obj, via="api")
        serializer = self.get_serializer_class()
        if issubclass(serializer, s.Masked):
            # The serializer's exact output without building its DRF fields (serializers.Rows; test_rows.py).
            rows = s.Rows.of(serializer)
            sees = capabilities(request.user).sees_identifiers
            return Response(rows.render([rows.row_of(obj)], sees_identifiers=sees)[0])
        return Response(self.get_serializer(obj).data)


# The FilterSet parameters of each viewset (its FilterSet class is fixed): read once.
_FILTER_NAMES: dict[type, set[str]] = {}
# What a list reads besides its filters: the cursor pages (pagination.Cursor) and DRF's format suffix.
PAGE_PARAMETERS = frozenset({"cursor", "page_size", "format"})


def unknown_parameter_message(names: set[str]) -> str:
    """A list refuses a parameter it does not know (a mistyped filter, `?desa=` for `?village=`) rather than
    answering every row as if it had filtered."""
    allowed = ", ".join(sorted(names | PAGE_PARAMETERS))
    return _("Parameter ini tidak dikenal. Parameter yang bisa dipakai: %(allowed)s.") % {"allowed": allowed}


def _scoped(scope: Callable[[User], QuerySet[Any]]) -> Any:
    # A plain function stored on a class would become a method: staticmethod keeps it a function.
    return staticmethod(scope)


# --- Writes through the web forms and the services ------------------------------------------------------------------


def _form_input(values: dict[str, Any]) -> dict[str, Any]:
    """Typed request values as a web form reads them (records by their keys), so the form's own fields, choices
    and messages check them exactly as on the page."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, Model):
            out[name] = value.pk
        elif isinstance(value, list | tuple):
            out[name] = [v.pk if isinstance(v, Model) else v for v in value]
        elif value is None:
            out[name] = ""
        else:
            out[name] = value
    return out


def _cleaned(form: Any) -> dict[str, Any]:
    """The form's cleaned data, or its errors as the service errors are answered (400, field, rule, message)."""
    if not form.is_valid():
        raise DjangoValidationError(form.errors.as_data())
    return dict(form.cleaned_data)


def _confirmation_needed(messages: list[str]) -> DjangoValidationError:
    # A warning a person on the page confirms with a tick: the client sends the same request with "confirm": true.
    return DjangoValidationError(
        {"confirm": [DjangoValidationError(str(m), code="needs_confirmation") for m in messages]}
    )


def _written(request: Request, obj: Model, serializer: Any, *, created: bool) -> Response:
    audit(actor=request.user, action="create" if created else "update", obj=obj, via="api")
    return Response(
        serializer(obj, context={"request": request}).data,
        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


# --- Registry -------------------------------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(request=s.RegistrationSerializer, responses={201: s.HouseholdSerializer}),
    partial_update=extend_schema(request=s.HouseholdWriteSerializer, responses={200: s.HouseholdSerializer}),
)
class HouseholdViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedViewSet):
    """Households (rumah tangga). POST registers one with its members, PATCH changes one: the registry's services."""

    queryset = Household.objects.none()
    serializer_class = s.HouseholdSerializer
    permission_classes = [permissions.IsAuthenticated, SeesPeople]
    scope = _scoped(households_visible_to)
    related = ("village",)
    filterset_fields = ["village", "status", "land_tenure"]
    audited = True
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = s.RegistrationSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        household = household_register(
            actor=request.user,
            household=dict(incoming.validated_data["household"]),
            members=[dict(member) for member in incoming.validated_data["members"]],
        )
        return Response(self.get_serializer(household).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        household = self.get_object()
        assert isinstance(household, Household)
        incoming = s.HouseholdWriteSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        household = household_update(actor=request.user, household=household, data=dict(incoming.validated_data))
        return Response(self.get_serializer(household).data)


@extend_schema_view(
    partial_update=extend_schema(request=s.PersonWriteSerializer, responses={200: s.PersonSerializer}),
)
class PersonViewSet(mixins.UpdateModelMixin, ScopedViewSet):
    """People (penduduk), filtered with the registry list's FilterSet. PATCH changes one through the registry's
    service."""

    queryset = Person.objects.none()
    serializer_class = s.PersonSerializer
    permission_classes = [permissions.IsAuthenticated, SeesPeople]
    scope = _scoped(people_visible_to)
    filterset_class = PersonFilterSet
    page_by = "village"  # person_village_idx: a facilitator's villages
    audited = True
    http_method_names = ["get", "patch", "head", "options"]

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = self.get_object()
        assert isinstance(person, Person)
        incoming = s.PersonWriteSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        person = person_update(actor=request.user, person=person, data=dict(incoming.validated_data))
        return Response(self.get_serializer(person).data)


@extend_schema_view(
    create=extend_schema(request=s.GroupWriteSerializer, responses={201: s.GroupSerializer}),
    partial_update=extend_schema(request=s.GroupWriteSerializer, responses={200: s.GroupSerializer}),
)
class GroupViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedViewSet):
    """Groups (kelompok), filtered with the group list's FilterSet. POST adds one, PATCH changes one: the group
    form (villages the user registers in) and the registry's service."""

    queryset = Group.objects.none()
    serializer_class = s.GroupSerializer
    permission_classes = [permissions.IsAuthenticated, SeesPeople]
    scope = _scoped(groups_visible_to)
    filterset_class = GroupFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _save(self, request: Request, group: Group) -> Response:
        from django.forms.models import model_to_dict

        from berdaya.registry.access import ensure_can_edit_group, villages_for_registration
        from berdaya.registry.forms import GroupForm
        from berdaya.registry.services import group_save

        created = group.pk is None
        ensure_can_edit_group(request.user, None if created else group)
        incoming = s.GroupWriteSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        fields = list(GroupForm.Meta.fields)
        current = {} if created else model_to_dict(group, fields=fields)
        form = GroupForm(
            data=_form_input({**current, **incoming.validated_data}),
            instance=group,
            villages=villages_for_registration(request.user),
        )
        for field, value in _cleaned(form).items():
            setattr(group, field, value)
        group = group_save(actor=request.user, group=group)
        return _written(request, group, s.GroupSerializer, created=created)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._save(request, Group())

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        group = self.get_object()
        assert isinstance(group, Group)
        return self._save(request, group)


# --- Organisations and programmes ---------------------------------------------------------------------------------


class OrganisationViewSet(ScopedViewSet):
    queryset = Organisation.objects.none()
    serializer_class = s.OrganisationSerializer
    scope = _scoped(organisations_visible_to)
    filterset_class = OrganisationFilterSet


class ProgrammeViewSet(ScopedViewSet):
    queryset = Programme.objects.none()
    serializer_class = s.ProgrammeSerializer
    scope = _scoped(programmes_visible_to)
    filterset_class = ProgrammeFilterSet


def sessions_visible_to(user: User) -> QuerySet[Session]:
    return Session.objects.filter(programme__in=programmes_visible_to(user).values("pk"))


@extend_schema_view(
    create=extend_schema(request=s.SessionWriteSerializer, responses={201: s.SessionSerializer}),
    partial_update=extend_schema(request=s.SessionWriteSerializer, responses={200: s.SessionSerializer}),
)
class SessionViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedViewSet):
    """Sessions of a programme. POST adds one (`programme` required), PATCH changes one: the session form's fields
    and the programme's services (only its organiser's staff may)."""

    queryset = Session.objects.none()
    serializer_class = s.SessionSerializer
    scope = _scoped(sessions_visible_to)
    filterset_fields = ["programme", "date"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _data(self, request: Request, session: Session) -> dict[str, Any]:
        from django.forms.models import model_to_dict

        from berdaya.programmes.forms import SessionForm

        incoming = s.SessionWriteSerializer(data=request.data, partial=True, context={"request": request})
        incoming.is_valid(raise_exception=True)
        given = {k: v for k, v in incoming.validated_data.items() if k != "programme"}
        fields = list(SessionForm.Meta.fields)
        current = model_to_dict(session, fields=fields) if session.pk else {}
        form = SessionForm(data=_form_input({**current, **given}), instance=session)
        cleaned = _cleaned(form)
        return {k: v for k, v in cleaned.items() if k in fields}

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        from berdaya.programmes.services import session_create

        programme = s.SessionWriteSerializer(data=request.data, partial=True, context={"request": request})
        programme.is_valid(raise_exception=True)
        if programme.validated_data.get("programme") is None:
            raise DjangoValidationError({"programme": _("Pilih program.")})
        chosen = programme.validated_data["programme"]
        session = session_create(
            actor=request.user, programme=chosen, data=self._data(request, Session(programme=chosen))
        )
        return _written(request, session, s.SessionSerializer, created=True)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        from berdaya.programmes.services import session_update

        session = self.get_object()
        assert isinstance(session, Session)
        session = session_update(actor=request.user, session=session, data=self._data(request, session))
        return _written(request, session, s.SessionSerializer, created=False)


@extend_schema_view(create=extend_schema(request=s.EnrolmentWriteSerializer, responses={201: s.EnrolmentSerializer}))
class EnrolmentViewSet(mixins.CreateModelMixin, ScopedViewSet):
    """Enrolments. POST proposes (or, with `enrol`, enrols) a person through the programme's service."""

    queryset = Enrolment.objects.none()
    http_method_names = ["get", "post", "head", "options"]
    serializer_class = s.EnrolmentSerializer
    permission_classes = [permissions.IsAuthenticated, SeesPeople]
    scope = _scoped(lambda user: visible_enrolments(user))
    filterset_fields = ["programme", "person", "status"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = s.EnrolmentWriteSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        enrolment = enrolment_create(
            actor=request.user,
            programme=data["programme"],
            person=data["person"],
            enrol=data["enrol"],
            override_reason=data["override_reason"],
        )
        return Response(self.get_serializer(enrolment).data, status=status.HTTP_201_CREATED)


def attendance_visible_to(user: User) -> QuerySet[Attendance]:
    return Attendance.objects.filter(person__in=people_visible_to(user).values("pk"))


@extend_schema_view(
    create=extend_schema(request=s.AttendanceWriteSerializer, responses={201: s.AttendanceResultSerializer})
)
class AttendanceViewSet(mixins.CreateModelMixin, ScopedViewSet):
    """Attendance. POST records a session's class list at once (`roster`: everyone on it, `present`: those who came)
    through the programme's service."""

    queryset = Attendance.objects.none()
    http_method_names = ["get", "post", "head", "options"]
    serializer_class = s.AttendanceSerializer
    permission_classes = [permissions.IsAuthenticated, SeesPeople]
    scope = _scoped(attendance_visible_to)
    filterset_fields = ["session", "person", "present"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = s.AttendanceWriteSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        result = attendance_record(
            actor=request.user, session=data["session"], roster=data["roster"], present=data["present"]
        )
        body = {"present": result.present, "absent": result.absent, "activated": result.activated}
        return Response(body, status=status.HTTP_201_CREATED)


def assistance_visible_to(user: User) -> QuerySet[Assistance]:
    """Assistance to the people `user` sees; partner staff only that of the programmes they manage (the pages show
    them other organisations' assistance as counts and kinds only). Internal notes are never sent."""
    qs = Assistance.objects.filter(person__in=people_visible_to(user).values("pk"))
    if not sees_others_assistance_in_full(user):
        qs = qs.filter(programme__in=programmes_editable_by(user).values("pk"))
    return qs


@extend_schema_view(create=extend_schema(request=s.AssistanceWriteSerializer, responses={201: s.AssistanceSerializer}))
class AssistanceViewSet(mixins.CreateModelMixin, ScopedViewSet):
    """Assistance. POST records assistance to a participant of a programme its organiser's staff manage: the
    assistance form (the programme's participants) and the programme's service."""

    queryset = Assistance.objects.none()
    serializer_class = s.AssistanceSerializer
    permission_classes = [permissions.IsAuthenticated, SeesPeople]
    scope = _scoped(assistance_visible_to)
    filterset_fields = ["programme", "person", "kind", "status"]
    http_method_names = ["get", "post", "head", "options"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        from berdaya.programmes import choices as pc
        from berdaya.programmes.access import ensure_can_manage_programme
        from berdaya.programmes.forms import AssistanceForm
        from berdaya.programmes.services import assistance_create
        from berdaya.registry.access import get_person_or_404

        incoming = s.AssistanceWriteSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        given = dict(incoming.validated_data)
        programme = given.pop("programme")
        ensure_can_manage_programme(request.user, programme)
        seats = visible_enrolments(request.user).filter(programme=programme, status__in=pc.SEAT_STATUSES)
        people = [e.person for e in seats.select_related("person")]
        form = AssistanceForm(data=_form_input(given), people=people, instance=Assistance(programme=programme))
        data = {k: v for k, v in _cleaned(form).items() if k in form.fields}
        person = get_person_or_404(request.user, data.pop("person"))
        assistance = assistance_create(actor=request.user, programme=programme, person=person, data=data)
        return _written(request, assistance, s.AssistanceSerializer, created=True)


# --- Farming, prices, migration -----------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(request=s.PlotWriteSerializer, responses={201: s.PlotSerializer}),
    partial_update=extend_schema(request=s.PlotWriteSerializer, responses={200: s.PlotSerializer}),
)
class PlotViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedViewSet):
    """Plots (lahan). POST adds one to a farmer (`farmer` required), PATCH changes one: the plot form's fields and
    villages, and farming's service."""

    queryset = Plot.objects.none()
    serializer_class = s.PlotSerializer
    permission_classes = [permissions.IsAuthenticated, SeesPeople]
    scope = _scoped(plots_visible_to)
    filterset_fields = ["farmer", "village", "commodity", "is_active"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _save(self, request: Request, plot: Plot) -> Response:
        from django.forms.models import model_to_dict

        from berdaya.farming.forms import PlotForm
        from berdaya.farming.services import plot_save
        from berdaya.registry.access import villages_for_registration

        created = plot.pk is None
        incoming = s.PlotWriteSerializer(data=request.data, partial=True, context={"request": request})
        incoming.is_valid(raise_exception=True)
        given = dict(incoming.validated_data)
        farmer = given.pop("farmer", None)
        if created:
            if farmer is None:
                raise DjangoValidationError({"farmer": _("Pilih petani pemilik lahan.")})
            plot.farmer = farmer
        fields = list(PlotForm.Meta.fields)
        current = model_to_dict(plot, fields=fields) if not created else {"village": farmer.household.village_id}
        form = PlotForm(
            data=_form_input({**current, **given}), instance=plot, villages=villages_for_registration(request.user)
        )
        _cleaned(form)
        saved = plot_save(actor=request.user, plot=form.save(commit=False))
        return _written(request, saved, s.PlotSerializer, created=created)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._save(request, Plot())

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plot = self.get_object()
        assert isinstance(plot, Plot)
        return self._save(request, plot)


@extend_schema_view(create=extend_schema(request=s.HarvestWriteSerializer, responses={201: s.HarvestSerializer}))
class HarvestViewSet(mixins.CreateModelMixin, ScopedViewSet):
    """Harvests. POST records one of a plot: the harvest form and farming's service; a yield past the usual answers
    400 `needs_confirmation` until sent again with `confirm: true`."""

    queryset = Harvest.objects.none()
    serializer_class = s.HarvestSerializer
    permission_classes = [permissions.IsAuthenticated, SeesPeople]
    scope = _scoped(harvests_visible_to)
    filterset_fields = ["plot", "season"]
    http_method_names = ["get", "post", "head", "options"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        from berdaya.farming.forms import HarvestForm
        from berdaya.farming.services import NeedsConfirmation, harvest_record

        incoming = s.HarvestWriteSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        given = dict(incoming.validated_data)
        plot = given.pop("plot")
        data = _cleaned(HarvestForm(data=_form_input(given), plot=plot))
        try:
            harvest = harvest_record(
                actor=request.user,
                plot=plot,
                harvested_on=data["harvested_on"],
                quantity=data["quantity"],
                unit=data["unit"],
                practices=data["practices"],
                confirm=data["confirm"],
            )
        except NeedsConfirmation as exc:
            raise _confirmation_needed(exc.warnings) from None
        return _written(request, harvest, s.HarvestSerializer, created=True)


@extend_schema_view(create=extend_schema(request=s.SaleWriteSerializer, responses={201: s.SaleSerializer}))
class SaleViewSet(mixins.CreateModelMixin, ScopedViewSet):
    """Sales. POST records one of a farmer: the sale form and farming's service (a price far from the market or a
    sale past the harvest answers 400 `needs_confirmation` until sent again with `confirm: true`)."""

    queryset = Sale.objects.none()
    serializer_class = s.SaleSerializer
    permission_classes = [permissions.IsAuthenticated, SeesPeople]
    scope = _scoped(sales_visible_to)
    # The sales page's filters (farming.selectors.sale_list): commodity, channel, district.
    filterset_fields = ["commodity", "channel", "district", "farmer", "season"]
    http_method_names = ["get", "post", "head", "options"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        from berdaya.farming.forms import SaleForm
        from berdaya.farming.services import NeedsConfirmation, sale_record

        incoming = s.SaleWriteSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        given = dict(incoming.validated_data)
        farmer = given.pop("farmer")
        data = _cleaned(SaleForm(data=_form_input(given), farmer=farmer))
        confirm = data.pop("confirm")
        try:
            sale = sale_record(actor=request.user, farmer=farmer, data=data, confirm=confirm)
        except NeedsConfirmation as exc:
            raise _confirmation_needed(exc.warnings) from None
        return _written(request, sale, s.SaleSerializer, created=True)


def prices_visible_to(user: User) -> QuerySet[PriceObservation]:
    # Prices are not personal data: every signed-in role reads the counted (accepted) observations.
    return (
        counted().select_related("commodity") if capabilities(user).authenticated else PriceObservation.objects.none()
    )


@extend_schema_view(create=extend_schema(request=s.PriceWriteSerializer, responses={201: s.PriceSerializer}))
class PriceViewSet(mixins.CreateModelMixin, ScopedViewSet):
    """Prices. POST records one observation (enumerators and price officers): the price form and markets' service;
    a price far from the recent median answers 400 `needs_confirmation` until sent again with `confirm: true` (and
    then waits for an officer's review before it counts)."""

    queryset = PriceObservation.objects.none()
    serializer_class = s.PriceSerializer
    scope = _scoped(prices_visible_to)
    filterset_fields = ["commodity", "district", "week", "price_type", "channel"]
    http_method_names = ["get", "post", "head", "options"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        from berdaya.markets import services as market_services
        from berdaya.markets.forms import ObservationForm

        market_services.ensure_can_enter_prices(request.user)
        incoming = s.PriceWriteSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        data = _cleaned(ObservationForm(data=_form_input(dict(incoming.validated_data))))
        confirm, note = data.pop("confirm"), data.pop("confirm_note")
        try:
            observation = market_services.observation_record(
                actor=request.user, data=data, confirm=confirm, confirm_note=note
            )
        except market_services.NeedsConfirmation as exc:
            raise _confirmation_needed([exc.check.message]) from None
        return _written(request, observation, s.PriceSerializer, created=True)


class MigrationEpisodeViewSet(ScopedViewSet):
    """Migration episodes (stage, destination, documents). Rights cases, their notes and documents are never served."""

    queryset = MigrationEpisode.objects.none()
    serializer_class = s.MigrationEpisodeSerializer
    permission_classes = [permissions.IsAuthenticated, SeesPeople]
    scope = _scoped(episodes_visible_to)
    filterset_fields = ["person", "stage", "destination"]
    audited = True


# --- Public prices ------------------------------------------------------------------------------------------------


class PublicPrices(LanguageMixin, APIView):
    """The latest farm-gate, organised-channel and market prices per commodity and district (the last 4 weeks with
    data): no sign-in, cached like the public price page."""

    authentication_classes: ClassVar[list[Any]] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [AnonymousThrottle]

    @extend_schema(responses={200: s.PublicPriceSerializer(many=True)}, auth=[])
    def get(self, request: Request) -> Response:
        seconds = int(conf().public_price_cache_seconds)
        key = "api-public-prices"
        rows = cache.get(key)
        if rows is None:
            rows = _public_rows()
            cache.set(key, rows, seconds)
        response = Response(rows)
        patch_cache_control(response, public=True, max_age=seconds)
        return response


def _public_rows() -> list[dict[str, Any]]:
    names = dict(Commodity.objects.values_list("pk", "name"))
    codes = dict(Commodity.objects.values_list("pk", "code"))
    rows = []
    for row in latest_by_commodity_district(today=timezone.localdate()):
        rows.append(
            {
                "commodity": codes.get(row["commodity_id"], ""),
                "commodity_name": names.get(row["commodity_id"], ""),
                "district": row["district_id"] or "",
                "district_name": row["district__name"] or "",
                "week": row["week"],
                **{k: round(row[k]) if row[k] is not None else None for k in ("farm_gate", "organised", "market")},
            }
        )
    return rows
