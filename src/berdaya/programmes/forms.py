"""Forms of programmes. Validation rules live on the models and services; forms only lay them out."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from berdaya.accounts.models import User
from berdaya.areas.models import District, Village
from berdaya.core.conf import conf
from berdaya.core.forms import (
    CheckboxSelectMultiple,
    DateInput,
    RupiahField,
    TimeInput,
    form_field,
    label_choices,
    style_widgets,
)
from berdaya.organisations.models import Organisation

from . import choices as c
from .access import organiser_of_own_programmes
from .models import Assistance, Need, Programme, Session

DATE_INPUT = DateInput()
TIME_INPUT = TimeInput()


class StyledMixin(forms.BaseForm):
    def _style(self) -> None:
        style_widgets(self, empty_label=str(_("— pilih —")))


class ProgrammeForm(StyledMixin, forms.ModelForm):
    target_groups = forms.MultipleChoiceField(
        label=_("Kelompok sasaran"),
        choices=c.TargetGroup.choices,
        required=False,
        widget=CheckboxSelectMultiple,
        help_text=_("Kosongkan bila terbuka untuk semua."),
    )
    budget = RupiahField(label=_("Anggaran (Rp)"), required=False)

    class Meta:
        model = Programme
        fields = [
            "name",
            "kind",
            "organiser",
            "funders",
            "description",
            "start_date",
            "end_date",
            "capacity",
            "budget",
            "attendance_threshold",
            "status",
            "target_groups",
            "needs",
            "districts",
            "villages",
        ]
        widgets = {
            "start_date": DATE_INPUT,
            "end_date": DATE_INPUT,
            "description": forms.Textarea(attrs={"rows": 3}),
            "needs": CheckboxSelectMultiple,
            "funders": CheckboxSelectMultiple,
            "districts": CheckboxSelectMultiple,
            "villages": CheckboxSelectMultiple,
        }
        help_texts = {
            "districts": _("Kosongkan kecamatan dan desa bila program mencakup seluruh kabupaten."),
        }

    def __init__(self, *args: Any, actor: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regency = conf().default_regency
        form_field(self, "districts", forms.ModelChoiceField).queryset = District.objects.filter(regency_id=regency)
        villages = form_field(self, "villages", forms.ModelChoiceField)
        villages.queryset = Village.objects.filter(district__regency_id=regency).select_related("district")
        label_choices(villages, lambda v: f"{v.name} ({v.district.name})")
        form_field(self, "needs", forms.ModelChoiceField).queryset = Need.objects.filter(is_active=True)
        organiser = form_field(self, "organiser", forms.ModelChoiceField)
        organiser.queryset = Organisation.objects.filter(is_active=True)
        form_field(self, "funders", forms.ModelChoiceField).queryset = Organisation.objects.filter(is_active=True)
        self.fields["funders"].required = False
        if actor is not None and (own := organiser_of_own_programmes(actor)) is not None:
            # Partner staff run their own organisation's programmes only; the service enforces it too.
            organiser.queryset = Organisation.objects.filter(pk=own)
            organiser.initial = own
        if not self.instance.pk:
            form_field(self, "status", forms.ChoiceField).choices = [
                (v, label) for v, label in c.ProgrammeStatus.choices if v != c.ProgrammeStatus.CLOSED
            ]
        self._style()

    def clean_budget(self):
        return self.cleaned_data.get("budget") or 0


class SessionForm(StyledMixin, forms.ModelForm):
    class Meta:
        model = Session
        fields = [
            "date",
            "start_time",
            "end_time",
            "topic",
            "venue",
            "trainer",
            "step_free",
            "sign_language",
            "large_print",
            "easy_read",
        ]
        widgets = {"date": DATE_INPUT, "start_time": TIME_INPUT, "end_time": TIME_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class TransitionForm(forms.Form):
    to_status = forms.CharField()
    reason = forms.CharField(label=_("Alasan"), max_length=300, required=False)
    override_reason = forms.CharField(label=_("Alasan pengecualian"), max_length=300, required=False)


class AssistanceForm(StyledMixin, forms.ModelForm):
    person = forms.TypedChoiceField(label=_("Penerima manfaat"), coerce=int)
    amount = RupiahField(label=_("Nilai (Rp)"), required=False)

    class Meta:
        model = Assistance
        # The person is a plain choice (ids of the programme's participants); the service attaches the Person.
        fields = ["kind", "description", "amount", "quantity", "unit", "date", "note"]
        widgets = {"date": DATE_INPUT}
        help_texts = {
            "amount": _("Wajib untuk hibah tunai dan dana bergulir; untuk barang boleh diisi sebagai nilai."),
            "note": _("Hanya terlihat oleh penyelenggara program."),
        }

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        form_field(self, "person", forms.ChoiceField).choices = [
            ("", _("— pilih —")),
            *[(p.pk, p.full_name) for p in people],
        ]
        self.order_fields(["person", *(self._meta.fields or [])])
        self._style()


class NeedsForm(forms.Form):
    """One checkbox and one interest note per need in the controlled list."""

    def __init__(self, *args, needs=(), current=None, **kwargs):
        super().__init__(*args, **kwargs)
        current = current or {}
        self.rows = []
        for need in needs:
            check = f"need_{need.pk}"
            note = f"note_{need.pk}"
            self.fields[check] = forms.BooleanField(label=str(need), required=False, initial=need.pk in current)
            self.fields[note] = forms.CharField(
                label=_("Minat / keterangan untuk %(n)s") % {"n": str(need)},
                required=False,
                max_length=300,
                initial=current.get(need.pk, ""),
            )
            self.rows.append((need, check, note))
        style_widgets(self)

    def selected(self) -> dict[int, str]:
        return {
            need.pk: self.cleaned_data.get(note, "").strip()
            for need, check, note in self.rows
            if self.cleaned_data.get(check)
        }

    def row_fields(self):
        return [(need, self[check], self[note]) for need, check, note in self.rows]
