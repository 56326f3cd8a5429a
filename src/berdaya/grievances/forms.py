from __future__ import annotations

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from berdaya.areas.models import Village
from berdaya.core.forms import style_widgets

from . import choices as c

PUBLIC_SIGNER_SALT = "berdaya.grievances.public-form"


class PublicGrievanceForm(forms.Form):
    """The public form: no login, no JavaScript. `website` is a honeypot (hidden from people by CSS, filled by
    bots); `t` is the signed time the form was drawn (a form sent back within seconds was not filled by a person)."""

    category = forms.ChoiceField(label=_("Tentang apa pengaduan Anda?"), choices=c.Category.choices)
    objection_kind = forms.ChoiceField(
        label=_("Bila tentang daftar penerima"),
        choices=[("", _("— tidak berlaku —")), *c.ObjectionKind.choices],
        required=False,
    )
    description = forms.CharField(
        label=_("Ceritakan pengaduan Anda"), widget=forms.Textarea(attrs={"rows": 5}), max_length=4000
    )
    village = forms.ModelChoiceField(
        label=_("Desa"), queryset=Village.objects.none(), required=False, empty_label=_("— pilih desa —")
    )
    sexual_harassment = forms.BooleanField(
        label=_("Pengaduan ini tentang pelecehan seksual (hanya dibaca petugas yang ditunjuk)"), required=False
    )
    anonymous = forms.BooleanField(label=_("Kirim tanpa nama"), required=False)
    complainant_name = forms.CharField(label=_("Nama (boleh dikosongkan)"), max_length=150, required=False)
    complainant_phone = forms.CharField(
        label=_("Nomor HP untuk kabar (boleh dikosongkan)"), max_length=20, required=False
    )
    reply_channel = forms.ChoiceField(
        label=_("Kabari saya lewat"),
        choices=[("", _("Tidak perlu dikabari")), ("sms", "SMS"), ("whatsapp", "WhatsApp")],
        required=False,
    )
    website = forms.CharField(label=_("Jangan diisi"), required=False)
    t = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, villages=None, **kwargs):
        super().__init__(*args, **kwargs)
        if villages is not None:
            self.fields["village"].queryset = villages  # type: ignore[attr-defined]

    @staticmethod
    def stamp() -> str:
        return signing.TimestampSigner(salt=PUBLIC_SIGNER_SALT).sign("f")

    def data_for_service(self) -> dict:
        d = self.cleaned_data
        return {
            "category": d["category"],
            "objection_kind": d["objection_kind"] if d["category"] == c.Category.TARGETING_OBJECTION else "",
            "sensitivity": c.Sensitivity.SEXUAL_HARASSMENT if d["sexual_harassment"] else c.Sensitivity.NORMAL,
            "description": d["description"],
            "anonymous": d["anonymous"],
            "complainant_name": "" if d["anonymous"] else d["complainant_name"].strip(),
            "complainant_phone": d["complainant_phone"].strip(),
            "reply_channel": d["reply_channel"],
            "village": d["village"],
        }


class DeskGrievanceForm(forms.Form):
    """Recorded by an officer at the desk or a facilitator on someone's behalf, with what it is about."""

    channel = forms.ChoiceField(
        label=_("Saluran"),
        choices=[(c.Channel.DESK, c.Channel.DESK.label), (c.Channel.FACILITATOR, c.Channel.FACILITATOR.label)],
    )
    category = forms.ChoiceField(label=_("Kategori"), choices=c.Category.choices)
    objection_kind = forms.ChoiceField(
        label=_("Jenis keberatan"), choices=[("", "—"), *c.ObjectionKind.choices], required=False
    )
    sensitivity = forms.ChoiceField(label=_("Kerahasiaan"), choices=c.Sensitivity.choices)
    description = forms.CharField(label=_("Isi pengaduan"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    anonymous = forms.BooleanField(label=_("Tanpa nama"), required=False)
    complainant_name = forms.CharField(label=_("Nama pelapor"), max_length=150, required=False)
    complainant_phone = forms.CharField(label=_("Nomor HP pelapor"), max_length=20, required=False)
    reply_channel = forms.ChoiceField(
        label=_("Kabari lewat"),
        choices=[("", _("Tidak perlu")), ("sms", "SMS"), ("whatsapp", "WhatsApp")],
        required=False,
    )
    village = forms.ModelChoiceField(label=_("Desa"), queryset=Village.objects.none(), required=False)
    person = forms.IntegerField(label=_("ID penduduk"), required=False)
    programme = forms.IntegerField(label=_("ID program"), required=False)
    assistance = forms.IntegerField(label=_("ID catatan bantuan"), required=False)
    run = forms.IntegerField(label=_("ID penetapan sasaran"), required=False)

    def __init__(self, *args, villages=None, **kwargs):
        super().__init__(*args, **kwargs)
        if villages is not None:
            self.fields["village"].queryset = villages  # type: ignore[attr-defined]
        style_widgets(self)

    def data_for_service(self) -> dict:
        d = dict(self.cleaned_data)
        d.pop("channel")
        if d["anonymous"]:
            d["complainant_name"] = ""
        links = {}
        for name in ("person", "programme", "assistance", "run"):
            value = d.pop(name)
            if value:
                links[f"{name}_id"] = value
        return d | links


class ForwardForm(forms.Form):
    to_unit = forms.CharField(label=_("Diteruskan ke unit"), max_length=150)


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Keputusan"), choices=c.Outcome.choices)
    reason = forms.CharField(
        label=_("Alasan dan tindak lanjut"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    referred_to = forms.CharField(label=_("Dirujuk ke (bila dirujuk)"), max_length=150, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Alasan"), max_length=300)


class AppealForm(forms.Form):
    text = forms.CharField(label=_("Alasan banding"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class LinkForm(forms.Form):
    person = forms.IntegerField(label=_("ID penduduk"), required=False)
    programme = forms.IntegerField(label=_("ID program"), required=False)
    assistance = forms.IntegerField(label=_("ID catatan bantuan"), required=False)
    run = forms.IntegerField(label=_("ID penetapan sasaran"), required=False)
    objection_kind = forms.ChoiceField(
        label=_("Jenis keberatan"), choices=[("", "—"), *c.ObjectionKind.choices], required=False
    )
