"""core.filtersets.FilterSet: django-filter's FilterSet with shallow per-instance copies. Each instance must still
own everything a request changes (its filters' extra arguments and form fields, the methods bound to it), and filter
exactly as django-filter's own FilterSet does."""

from __future__ import annotations

from types import SimpleNamespace

import django_filters as df
import pytest
from django.http import QueryDict

from berdaya.areas.models import District, Village
from berdaya.core.filtersets import FilterSet

pytestmark = pytest.mark.django_db


def _districts(request):
    # A request-dependent choice list, as the registry's district filter has.
    return District.objects.filter(code=request.code) if request is not None else District.objects.all()


def _declare(base):
    class VillageFilterSet(base):
        q = df.CharFilter(method="filter_q")
        district = df.ModelChoiceFilter(queryset=_districts)
        name = df.ChoiceFilter(choices=[("a", "A"), ("b", "B")], method="filter_name")

        class Meta:
            model = Village
            fields = ["q", "district", "name"]

        def filter_q(self, qs, name, value):
            self.seen = value  # proves the method ran on this instance
            return qs.filter(name__icontains=value)

        def filter_name(self, qs, name, value):
            return qs

    return VillageFilterSet


Cheap, Upstream = _declare(FilterSet), _declare(df.FilterSet)


def test_each_instance_owns_its_filters_fields_and_methods(areas):
    districts = list(District.objects.order_by("code").values_list("code", flat=True)[:2])
    first = Cheap(QueryDict("q=a"), queryset=Village.objects.all(), request=SimpleNamespace(code=districts[0]))
    second = Cheap(QueryDict("q=b"), queryset=Village.objects.all(), request=SimpleNamespace(code=districts[1]))
    for name in ("q", "district", "name"):
        assert first.filters[name] is not second.filters[name]
        assert first.filters[name] is not Cheap.base_filters[name]
        assert first.form.fields[name] is not second.form.fields[name]
    assert first.filters["district"].extra is not second.filters["district"].extra
    assert Cheap.base_filters["district"].extra["queryset"] is _districts  # the class keeps the callable
    # Each form's district choices are its own request's.
    assert [c.pk for c in first.form.fields["district"].queryset] == [districts[0]]
    assert [c.pk for c in second.form.fields["district"].queryset] == [districts[1]]
    assert first.form.is_valid() and second.form.is_valid()
    first.qs, second.qs  # noqa: B018 (the filtering runs each instance's own method)
    assert (first.seen, second.seen) == ("a", "b")
    assert not hasattr(Cheap.base_filters["q"], "parent")


@pytest.mark.parametrize("query", ["", "q=desa", "district=15.02.01", "district=99.99", "name=a", "name=z"])
def test_it_filters_and_validates_as_django_filter_does(areas, query):
    request = SimpleNamespace(code="15.02.01")
    cheap = Cheap(QueryDict(query), queryset=Village.objects.all(), request=request)
    upstream = Upstream(QueryDict(query), queryset=Village.objects.all(), request=request)
    assert cheap.is_valid() == upstream.is_valid()
    assert cheap.errors == upstream.errors
    if cheap.is_valid():
        assert list(cheap.qs.order_by("code")) == list(upstream.qs.order_by("code"))


@pytest.mark.parametrize(
    "query", ["", "q=desa", "district=15.02.01", "district=99.99", "name=a", "name=z", "q=desa&name=z", "other=1"]
)
def test_a_form_of_the_asked_filters_only_filters_and_validates_the_same(areas, query):
    # The API's backend (api.views.AskedFilters) builds only the fields the request names: nothing else may change.
    request = SimpleNamespace(code="15.02.01")
    asked = Cheap(QueryDict(query), queryset=Village.objects.all(), request=request)
    asked.only_asked = True
    upstream = Upstream(QueryDict(query), queryset=Village.objects.all(), request=request)
    assert asked.is_valid() == upstream.is_valid()
    assert asked.errors == upstream.errors
    assert set(asked.form.fields) == {k.split("=")[0] for k in query.split("&") if k} & {"q", "district", "name"}
    if asked.is_valid():
        assert list(asked.qs.order_by("code")) == list(upstream.qs.order_by("code"))
