from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from berdaya.accounts.models import User
from berdaya.core.forms import DateInput, form_field, label_choices, style_widgets
from berdaya.organisations.models import Organisation
from berdaya.registry.access import people_visible_to
from berdaya.registry.models import Person

from . import choices as c
from .access import case_handlers
from .models import MigrationEpisode, RightsCase

DOC_FIELDS = [f"doc_{d}" for d in c.Document.values]


class EpisodeForm(forms.ModelForm):
    """One form for a plan, a departure already made, or a return. The stage is chosen only when creating: later it
    moves through the lifecycle buttons."""

    class Meta:
        model = MigrationEpisode
        fields = [
            "stage",
            "destination",
            "destination_detail",
            "sector",
            "employer",
            "channel",
            "placement_company",
            "placement_company_licence",
            "contract_start",
            "contract_end",
            "departure_date",
            "return_date",
            *DOC_FIELDS,
            "family_contact",
            "family_contact_name",
            "family_contact_phone",
            "family_contact_relationship",
        ]
        widgets = {
            "contract_start": DateInput(),
            "contract_end": DateInput(),
            "departure_date": DateInput(),
            "return_date": DateInput(),
        }
        help_texts = {
            "channel": _("Non-prosedural boleh dicatat tanpa dokumen apa pun: yang penting orangnya tercatat."),
            "family_contact": _("Anggota rumah tangga yang dihubungi bila ada apa-apa; atau isi nama dan nomor HP."),
        }

    def __init__(self, *args, person: Person, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["stage"]
        else:
            form_field(self, "stage", forms.ChoiceField).choices = [
                (s.value, s.label) for s in c.Stage if s != c.Stage.CANCELLED
            ]
        # The household's members the user may see (registry.access.people_visible_to): partner staff are never
        # offered a member who withdrew consent to sharing. A contact already chosen whom the user may not see stays
        # as it is: the field is left out, so saving neither shows nor clears it.
        visible = people_visible_to(user).living().filter(household=person.household_id).exclude(pk=person.pk)
        contact_id = self.instance.family_contact_id if self.instance.pk else None
        if contact_id and not visible.filter(pk=contact_id).exists():
            del self.fields["family_contact"]
        else:
            form_field(self, "family_contact", forms.ModelChoiceField).queryset = visible.order_by("full_name")
        style_widgets(self, empty_label=_("— pilih —"))

    @property
    def document_fields(self):
        return [self[name] for name in DOC_FIELDS]

    @property
    def main_fields(self):
        skip = {*DOC_FIELDS, "family_contact", "family_contact_name", "family_contact_phone"}
        skip.add("family_contact_relationship")
        return [self[name] for name in self.fields if name not in skip]

    @property
    def contact_fields(self):
        names = ["family_contact", "family_contact_name", "family_contact_phone", "family_contact_relationship"]
        return [self[name] for name in names if name in self.fields]


class EpisodeAdvanceForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("Tahap berikutnya"), choices=c.Stage.choices)
    date = forms.DateField(label=_("Tanggal"), widget=DateInput(), initial=timezone.localdate)

    def __init__(self, *args, episode: MigrationEpisode, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = c.STAGE_MOVES.get(episode.stage, ())
        form_field(self, "to_stage", forms.ChoiceField).choices = [(s, c.Stage(s).label) for s in allowed]
        style_widgets(self)


class CaseIntakeForm(forms.ModelForm):
    class Meta:
        model = RightsCase
        fields = [
            "complaint_type",
            "reported_by",
            "reporter_organisation",
            "reporter_name",
            "reporter_phone",
            "episode",
            "received_on",
            "summary",
        ]
        widgets = {"received_on": DateInput(), "summary": forms.Textarea(attrs={"rows": 5})}
        help_texts = {
            "summary": _("Hanya dibaca pengelola kasus yang ditugaskan dan administrator."),
        }

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        # The model's own check (the episode belongs to the case's person) runs when the form validates: without
        # the person on the instance every episode looked like someone else's.
        self.instance.person = person
        form_field(self, "episode", forms.ModelChoiceField).queryset = person.migration_episodes.all()
        form_field(self, "reporter_organisation", forms.ModelChoiceField).queryset = Organisation.objects.filter(
            is_active=True
        )
        self.fields["received_on"].initial = timezone.localdate()
        style_widgets(self, empty_label=_("— pilih —"))


class CaseMoveForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("Pindah ke tahap"), choices=c.CaseStage.choices)
    on = forms.DateField(label=_("Tanggal"), widget=DateInput(), initial=timezone.localdate)
    referral_target = forms.ChoiceField(
        label=_("Dirujuk ke (untuk tahap rujukan)"),
        choices=[("", _("— pilih —")), *c.ReferralTarget.choices],
        required=False,
    )
    institution = forms.CharField(label=_("Nama lembaga/kontak rujukan"), max_length=150, required=False)
    reason = forms.CharField(
        label=_("Alasan (wajib bila melompati tahap atau menutup kasus yang belum selesai)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, case: RightsCase, **kwargs):
        super().__init__(*args, **kwargs)
        flow = [s.value for s in c.CASE_FLOW]
        later = flow[flow.index(case.stage) + 1 :] if case.stage in flow else []
        options = [*later, c.CaseStage.CLOSED.value] if case.stage != c.CaseStage.CLOSED else []
        form_field(self, "to_stage", forms.ChoiceField).choices = [(s, c.CaseStage(s).label) for s in options]
        style_widgets(self)


class CaseReferForm(forms.Form):
    target = forms.ChoiceField(label=_("Dirujuk ke"), choices=c.ReferralTarget.choices)
    institution = forms.CharField(label=_("Nama lembaga/kontak"), max_length=150, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class CaseTypeForm(forms.Form):
    complaint_type = forms.ChoiceField(label=_("Jenis pengaduan"), choices=c.ComplaintType.choices)
    priority = forms.TypedChoiceField(label=_("Prioritas"), choices=c.Priority.choices, coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class CaseNoteForm(forms.Form):
    text = forms.CharField(label=_("Catatan baru"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class CaseDocumentForm(forms.Form):
    title = forms.CharField(label=_("Judul dokumen"), max_length=150)
    file = forms.FileField(
        label=_("Berkas"),
        help_text=_("PDF, JPG/PNG/WEBP, DOC/DOCX, XLS/XLSX, ODT/ODS."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.webp,.doc,.docx,.xls,.xlsx,.odt,.ods"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class CaseAssignForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Pengelola kasus"), queryset=User.objects.none())
    reason = forms.CharField(
        label=_("Alasan"),
        required=False,
        max_length=300,
        help_text=_("Wajib bila Anda menugaskan diri sendiri; tercatat di riwayat penugasan."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only those who may handle cases (migration.access): listing every account would name staff who have
        # nothing to do with cases; the service still refuses anyone else.
        form_field(self, "user", forms.ModelChoiceField).queryset = (
            case_handlers().select_related("case_worker").order_by("-case_worker__is_supervisor", "username")
        )
        label_choices(form_field(self, "user", forms.ModelChoiceField), _user_label)
        style_widgets(self, empty_label=_("— pilih —"))


def _user_label(user: User) -> str:
    tag = _("supervisor") if user.case_worker.is_supervisor else _("pengelola kasus")
    return f"{user.get_full_name() or user.username} ({tag})"
