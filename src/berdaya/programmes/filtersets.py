"""Filters of the programme list."""

from __future__ import annotations

import django_filters as df
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from berdaya.core.filtersets import FilterSet
from berdaya.organisations.models import Organisation

from . import choices as c
from .models import Need, Programme


class ProgrammeFilterSet(FilterSet):
    q = df.CharFilter(label=_("Cari nama program"), method="filter_q")
    kind = df.ChoiceFilter(label=_("Jenis program"), choices=c.ProgrammeKind.choices)
    status = df.ChoiceFilter(label=_("Status"), choices=c.ProgrammeStatus.choices)
    organiser = df.ModelChoiceFilter(label=_("Penyelenggara"), queryset=Organisation.objects.all())
    need = df.ModelChoiceFilter(label=_("Kebutuhan"), queryset=Need.objects.all(), field_name="needs")

    class Meta:
        model = Programme
        fields = ["q", "kind", "status", "organiser", "need"]

    def filter_q(self, qs, name, value):
        q = Q()
        for word in value.split()[:5]:
            q &= Q(name__icontains=word)
        return qs.filter(q)
