"""Filters of the organisation list."""

from __future__ import annotations

import django_filters as df
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from berdaya.areas.selectors import deployment_districts
from berdaya.core.filtersets import FilterSet
from berdaya.organisations.models import Organisation


class OrganisationFilterSet(FilterSet):
    q = df.CharFilter(label=_("Cari nama"), method="filter_q")
    kind = df.ChoiceFilter(label=_("Jenis organisasi"), choices=Organisation.Kind.choices)
    district = df.ModelChoiceFilter(
        label=_("Aktif di kecamatan"),
        field_name="districts",
        queryset=lambda request: deployment_districts().order_by("code"),
    )

    class Meta:
        model = Organisation
        fields = ["q", "kind", "district"]

    def filter_q(self, qs, name, value):
        q = Q()
        for word in value.split()[:5]:
            q &= Q(name__icontains=word) | Q(short_name__icontains=word)
        return qs.filter(q)
