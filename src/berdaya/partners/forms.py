"""Forms of partners. They collect input; the rules live in the models and services."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from berdaya.accounts.models import User
from berdaya.areas.models import District
from berdaya.areas.selectors import deployment_districts, deployment_regency
from berdaya.core.documents import ACCEPT
from berdaya.core.forms import CheckboxSelectMultiple, DateInput, RupiahField, form_field, style_widgets
from berdaya.organisations.models import Organisation
from berdaya.programmes import choices as pc
from berdaya.programmes.models import Programme

from . import choices as c
from .coordination import GAP_GROUPS, Period
from .models import Agreement, Commitment


def _districts():
    return deployment_districts().order_by("code")


class OrganisationForm(forms.ModelForm):
    confirm_similar = forms.BooleanField(
        label=_("Ini organisasi yang berbeda (nama mirip tetapi bukan organisasi yang sama)"), required=False
    )

    class Meta:
        model = Organisation
        fields = [
            "name",
            "short_name",
            "kind",
            "is_active",
            "phone",
            "email",
            "address",
            "legal_registration",
            "districts",
            "focal_name",
            "focal_contact",
            "focal_user",
        ]
        widgets = {"districts": CheckboxSelectMultiple}

    def __init__(self, *args, partner: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        form_field(self, "districts", forms.ModelChoiceField).queryset = _districts()
        staff = User.objects.filter(is_active=True).order_by("username")
        form_field(self, "focal_user", forms.ModelChoiceField).queryset = (
            staff.filter(organisation=self.instance) if self.instance.pk else staff.none()
        )
        self.fields["focal_user"].help_text = _("Hanya staf organisasi ini yang punya akun Berdaya.")
        if partner:
            del self.fields["kind"]
            del self.fields["is_active"]
        style_widgets(self)

    def _post_clean(self):
        # The model's rules (and the unique name, case and spaces ignored) run in the service, on a fresh row.
        pass


class AgreementForm(forms.ModelForm):
    class Meta:
        model = Agreement
        fields = ["kind", "number", "title", "parties", "pemkab_is_party", "start_date", "end_date", "scope"]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "scope": forms.Textarea(attrs={"rows": 4}),
            "parties": CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pemkab_is_party"].label = _("%(g)s ikut menandatangani") % {"g": deployment_regency().government}
        form_field(self, "parties", forms.ModelChoiceField).queryset = Organisation.objects.filter(
            is_active=True
        ).order_by("name")
        style_widgets(self)

    def _post_clean(self):
        # The model's rules run in the service, together with the parties rule: one list of errors, once.
        pass


class AgreementDocumentForm(forms.Form):
    title = forms.CharField(label=_("Judul dokumen"), max_length=150)
    file = forms.FileField(
        label=_("Berkas"),
        help_text=_("PDF, gambar (JPG/PNG/WEBP) atau dokumen kantor; paling besar %(mb)s MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args, max_mb: int = 10, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = self.fields["file"].help_text % {"mb": max_mb}
        style_widgets(self)


class AgreementTransitionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("Status baru"), choices=c.AgreementStatus.choices)
    on = forms.DateField(label=_("Tanggal"), widget=DateInput(), required=False)


class CommitmentForm(forms.ModelForm):
    class Meta:
        model = Commitment
        fields = [
            "kind",
            "description",
            "amount",
            "quantity",
            "unit",
            "commodity",
            "price_per_kg",
            "premium_per_kg",
            "start_date",
            "end_date",
            "agreement",
            "programmes",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "programmes": CheckboxSelectMultiple,
        }
        field_classes = {"amount": RupiahField, "price_per_kg": RupiahField, "premium_per_kg": RupiahField}

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        form_field(self, "agreement", forms.ModelChoiceField).queryset = Agreement.objects.filter(
            parties=organisation
        ).order_by("-start_date")
        # Every programme is offered, so a wrong choice gets the service's clear message instead of "invalid".
        form_field(self, "programmes", forms.ModelChoiceField).queryset = Programme.objects.order_by(
            "-start_date", "name"
        )
        self.fields["amount"].help_text = _("Untuk komitmen dana: nilai dalam Rupiah, mis. 5.000.000.")
        self.fields["quantity"].help_text = _("Untuk selain dana: mis. 12 (pelatihan), 50 (ton), 10 (orang).")
        self.fields["unit"].help_text = _("Kosongkan untuk satuan bawaan (sesi, orang, unit, ton).")
        self.fields["commodity"].help_text = _("Untuk akses pasar: mis. kopi robusta, karet, kayu manis.")
        style_widgets(self)

    def _post_clean(self):
        pass


class ContributionForm(forms.Form):
    date = forms.DateField(label=_("Tanggal"), widget=DateInput(), initial=dt.date.today)
    programme = forms.ModelChoiceField(label=_("Program"), queryset=Programme.objects.none(), required=False)
    assistance = forms.IntegerField(
        label=_("Nomor bantuan (opsional)"),
        required=False,
        min_value=1,
        help_text=_("Bila realisasi ini adalah satu bantuan yang tercatat di buku bantuan program."),
    )
    amount = RupiahField(label=_("Nilai (Rp)"), required=False)
    quantity = forms.DecimalField(label=_("Jumlah"), required=False, max_digits=14, decimal_places=2)
    description = forms.CharField(label=_("Uraian"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        form_field(self, "programme", forms.ModelChoiceField).queryset = Programme.objects.order_by(
            "-start_date", "name"
        )
        style_widgets(self, empty_label=_("— tanpa program —"))


def _period_fields(form: forms.Form, period: Period) -> None:
    form.fields["start"].initial = period.start
    form.fields["end"].initial = period.end


class CoordinationFilterForm(forms.Form):
    """The period and area shared by the 4W and gap pages."""

    start = forms.DateField(label=_("Periode dari"), widget=DateInput(), required=False)
    end = forms.DateField(label=_("sampai"), widget=DateInput(), required=False)
    level = forms.ChoiceField(label=_("Tingkat wilayah"), choices=c.AreaLevel.choices, required=False)
    district = forms.ModelChoiceField(label=_("Kecamatan"), queryset=District.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        form_field(self, "district", forms.ModelChoiceField).queryset = _districts()
        _period_fields(self, Period.default())

    def clean(self):
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("Akhir periode tidak boleh sebelum awalnya."))
        return data

    def period(self) -> Period:
        default = Period.default()
        data = self.cleaned_data if self.is_valid() else {}
        return Period(data.get("start") or default.start, data.get("end") or default.end)

    def value(self, name: str, fallback=""):
        if not self.is_valid():
            return fallback
        return self.cleaned_data.get(name) or fallback


class MatrixFilterForm(CoordinationFilterForm):
    kind = forms.ChoiceField(
        label=_("Jenis kegiatan"), choices=[("", _("Semua")), *pc.ProgrammeKind.choices], required=False
    )
    organisation_kind = forms.ChoiceField(
        label=_("Jenis organisasi"), choices=[("", _("Semua")), *Organisation.Kind.choices], required=False
    )
    measure = forms.ChoiceField(label=_("Warna peta"), choices=c.ReachMeasure.choices, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self, empty_label=_("Semua"))


class GapFilterForm(CoordinationFilterForm):
    group = forms.ChoiceField(
        label=_("Kelompok rentan"), choices=[(g.code, g.label) for g in GAP_GROUPS], required=False
    )
    order = forms.ChoiceField(
        label=_("Urutkan menurut"),
        choices=[("number", _("jumlah belum terjangkau")), ("share", _("persentase belum terjangkau"))],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self, empty_label=_("Semua"))
