"""Forms of the monitoring pages: the dashboard's filters, the breakdown and map choices, and indicators."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from berdaya.areas.models import District
from berdaya.core.conf import conf
from berdaya.core.forms import style_widgets
from berdaya.organisations.models import Organisation
from berdaya.programmes.models import Programme
from berdaya.registry.vulnerability import FLAGS

from . import measures as m
from .models import Indicator, IndicatorTarget


def _years() -> list[tuple[int, int]]:
    this = timezone.localdate().year
    return [(y, y) for y in range(this + 1, this - 6, -1)]


class FilterForm(forms.Form):
    """The dashboard's and map's filters (GET). Invalid values are dropped rather than refused: a filter page never
    fails."""

    year = forms.TypedChoiceField(label=_("Tahun"), coerce=int, required=False)
    district = forms.ChoiceField(label=_("Kecamatan"), required=False)
    programme = forms.TypedChoiceField(label=_("Program"), coerce=int, required=False)
    organisation = forms.TypedChoiceField(label=_("Organisasi"), coerce=int, required=False)
    group = forms.ChoiceField(label=_("Kelompok rentan"), required=False)

    def __init__(self, *args: Any, organisation: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.is_bound and not self.data.get("year"):
            # Filters chosen without a year are this year's figures: the select must say so (a bound form ignores
            # `initial`, and the browser would show the first year in the list).
            data = self.data.copy()  # type: ignore[attr-defined]  # a QueryDict (GET)
            data["year"] = str(timezone.localdate().year)
            self.data = data
        everything = [("", _("Semua"))]
        self.fields["year"].choices = _years()  # type: ignore[attr-defined]
        self.fields["year"].initial = timezone.localdate().year
        regency = str(conf().default_regency)
        self.fields["district"].choices = everything + list(  # type: ignore[attr-defined]
            District.objects.filter(regency_id=regency).order_by("name").values_list("code", "name")
        )
        programmes = Programme.objects.order_by("name")
        organisations = Organisation.objects.filter(pk__in=Programme.objects.values("organiser")).order_by("name")
        if organisation is not None:  # partner staff: their own programmes only
            programmes = programmes.filter(organiser_id=organisation)
            organisations = organisations.filter(pk=organisation)
        self.fields["programme"].choices = everything + list(programmes.values_list("pk", "name"))  # type: ignore[attr-defined]
        self.fields["organisation"].choices = everything + list(organisations.values_list("pk", "name"))  # type: ignore[attr-defined]
        self.fields["group"].choices = everything + [(f.code, f.label) for f in FLAGS]  # type: ignore[attr-defined]
        self.more_choices()
        # Last: style_widgets validates a bound form to mark invalid fields, so every choice must be set by now.
        style_widgets(self)

    def more_choices(self) -> None:
        """Choices a subclass sets (before the form is styled and validated)."""

    def filters(self) -> m.Filters:
        # An invalid value drops that filter only (Django keeps the valid fields in cleaned_data).
        self.is_valid()
        data = dict(getattr(self, "cleaned_data", {}))
        if not data.get("year"):
            data["year"] = timezone.localdate().year
        return m.Filters.from_mapping({k: v for k, v in data.items() if v not in (None, "")})


def measure_choices(kinds: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    return [(x.key, str(x.label)) for x in m.measures() if kinds is None or x.kind in kinds]


BREAKDOWN_DIMS = ["district", "village", "sex", "age_band", "disability", "group", "programme", "organisation", "year"]


class BreakdownForm(FilterForm):
    """A measure broken down by several dimensions at once (e.g. sex × age band × disability × district)."""

    measure = forms.ChoiceField(label=_("Ukuran"))
    by = forms.MultipleChoiceField(
        label=_("Pilah menurut"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(d, m.DIMENSIONS[d].label) for d in BREAKDOWN_DIMS],
    )

    def more_choices(self) -> None:
        self.fields["measure"].choices = measure_choices(("count", "amount", "percent"))  # type: ignore[attr-defined]


class MapForm(FilterForm):
    measure = forms.ChoiceField(label=_("Ukuran"))

    def more_choices(self) -> None:
        self.fields["measure"].choices = [  # type: ignore[attr-defined]
            (x.key, str(x.label)) for x in m.measures() if "district" in x.dimensions
        ]


DISAGGREGATION_CHOICES = [(d, m.DIMENSIONS[d].label) for d in BREAKDOWN_DIMS if d != "year"]


class IndicatorForm(forms.ModelForm):
    measure = forms.ChoiceField(label=_("Ukuran (dihitung dari data)"))
    disaggregations = forms.MultipleChoiceField(
        label=_("Pemilahan"), required=False, widget=forms.CheckboxSelectMultiple, choices=DISAGGREGATION_CHOICES
    )
    filter_district = forms.ChoiceField(label=_("Hanya kecamatan"), required=False)
    filter_programme = forms.TypedChoiceField(label=_("Hanya program"), coerce=int, required=False, empty_value=None)
    filter_group = forms.ChoiceField(label=_("Hanya kelompok rentan"), required=False)

    class Meta:
        model = Indicator
        fields = ["code", "name", "definition", "unit", "measure", "source", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("Semua"))]
        self.fields["measure"].choices = measure_choices()  # type: ignore[attr-defined]
        self.fields["filter_district"].choices = everything + list(  # type: ignore[attr-defined]
            District.objects.filter(regency_id=str(conf().default_regency)).order_by("name").values_list("code", "name")
        )
        self.fields["filter_programme"].choices = everything + list(  # type: ignore[attr-defined]
            Programme.objects.order_by("name").values_list("pk", "name")
        )
        self.fields["filter_group"].choices = everything + [(f.code, f.label) for f in FLAGS]  # type: ignore[attr-defined]
        if self.instance.pk:
            self.initial["disaggregations"] = self.instance.disaggregations
            stored = self.instance.filters or {}
            self.initial["filter_district"] = stored.get("district", "")
            self.initial["filter_programme"] = stored.get("programme")
            self.initial["filter_group"] = stored.get("group", "")
        style_widgets(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        measure = m.get(data.get("measure") or "")
        if measure is not None:
            unsupported = [d for d in data.get("disaggregations") or [] if d not in measure.dimensions]
            if unsupported:
                raise ValidationError(
                    _("Ukuran ini tidak dapat dipilah menurut: %(dims)s.")
                    % {"dims": ", ".join(m.dimension_label(d) for d in unsupported)}
                )
        return data

    def stored_filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        return m.Filters.from_mapping(
            {
                "district": data.get("filter_district") or "",
                "programme": data.get("filter_programme"),
                "group": data.get("filter_group") or "",
            }
        ).as_dict()


class TargetForm(forms.ModelForm):
    class Meta:
        model = IndicatorTarget
        fields = ["year", "target"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)
