"""Forms of the registry. Validation rules live on the models; forms only lay them out."""

from __future__ import annotations

from typing import cast

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from berdaya.areas.models import Village
from berdaya.core.forms import DateInput, form_field, label_choices, style_widgets
from berdaya.core.masking import is_identifying, mask_field

from . import choices as c
from .access import HEAD_CHANGE_REFUSED
from .models import ConsentRecord, Group, Household, Person
from .services import check_members

DATE_INPUT = DateInput()

HOUSEHOLD_FIELDS = [
    "kk_number",
    "village",
    "address",
    "rt",
    "rw",
    "latitude",
    "longitude",
    "floor_material",
    "wall_material",
    "roof_material",
    "water_source",
    "toilet",
    "lighting",
    "cooking_fuel",
    "floor_area_m2",
    "land_operated_ha",
    "land_tenure",
    *Household.ASSETS,
    "kk_override_reason",
]

PERSON_FIELDS = [
    "full_name",
    "nik",
    "nik_missing_reason",
    "nik_override_reason",
    "sex",
    "birth_place",
    "birth_date",
    "relationship",
    "marital_status",
    "education",
    "occupation",
    "phone",
    "wgss_seeing",
    "wgss_hearing",
    "wgss_walking",
    "wgss_remembering",
    "wgss_selfcare",
    "wgss_communicating",
]


# A NIK or KK number may be typed in groups ("1502 0114 0385 0002", "1502.0114..."): the form takes the written
# form and the model stores the number (identity.normalise_identity), then checks its 16 digits.
IDENTITY_TYPED_MAX = 40


def _accept_typed_identity(form: forms.BaseForm, name: str) -> None:
    field = form.fields.get(name)
    if isinstance(field, forms.CharField) and not field.disabled:
        field.max_length = IDENTITY_TYPED_MAX
        field.validators = [v for v in field.validators if not hasattr(v, "limit_value")]
        field.widget.attrs["maxlength"] = str(IDENTITY_TYPED_MAX)


class StyledMixin(forms.BaseForm):
    """Bootstrap classes and accessible attributes on every widget."""

    def _style(self) -> None:
        style_widgets(self, empty_label=str(_("— pilih —")))

    def _mask_identifiers(self) -> None:
        """For a role that may not see identifiers, each one shows masked and read-only: a disabled field renders
        its initial value (now the masked one) and ignores whatever is posted for it."""
        for name in [name for name in self.fields if is_identifying(name)]:
            field = self.fields[name]
            masked = mask_field(name, getattr(getattr(self, "instance", None), name, None))
            self.fields[name] = forms.CharField(
                label=field.label,
                required=False,
                disabled=True,
                help_text=_("Hanya petugas dinas atau pendamping yang dapat melihat dan mengubah data ini."),
            )
            self.initial[name] = masked


class HouseholdForm(StyledMixin, forms.ModelForm):
    class Meta:
        model = Household
        fields = HOUSEHOLD_FIELDS
        widgets = {
            "kk_number": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            "kk_override_reason": forms.TextInput(),
        }

    def __init__(self, *args, villages=None, allow_override: bool = False, mask_identifiers: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        village = form_field(self, "village", forms.ModelChoiceField)
        village.queryset = villages if villages is not None else Village.objects.all()
        label_choices(village, lambda v: f"{v.district.name} — {v.get_kind_display()} {v.name}")
        if not allow_override:
            del self.fields["kk_override_reason"]
        if mask_identifiers:
            self._mask_identifiers()
        _accept_typed_identity(self, "kk_number")
        self._style()

    def full_clean(self):
        super().full_clean()
        self._style()

    def _post_clean(self):
        # Model validation runs in the service (with the right actor); the form checks field types only.
        pass


class PersonForm(StyledMixin, forms.ModelForm):
    class Meta:
        model = Person
        fields = PERSON_FIELDS
        widgets = {
            "birth_date": DATE_INPUT,
            "nik": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "nik_override_reason": forms.TextInput(),
        }

    def __init__(
        self,
        *args,
        allow_override: bool = False,
        mask_identifiers: bool = False,
        fixed_head: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        form_field(self, "birth_date", forms.DateField).input_formats = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]
        if not allow_override:
            del self.fields["nik_override_reason"]
        if fixed_head:
            self._fix_head()
        if mask_identifiers:
            self._mask_identifiers()
            if self.instance.pk and self.instance.nik and "nik_missing_reason" in self.fields:
                # The reason counts only without a NIK, and this role can neither see nor remove the NIK: an
                # editable field here would be dropped on save without a word.
                self.fields["nik_missing_reason"].disabled = True
                self.fields["nik_missing_reason"].help_text = _(
                    "Penduduk ini sudah punya NIK; alasan hanya diisi bila tidak ada NIK."
                )
        _accept_typed_identity(self, "nik")
        self._style()

    def _fix_head(self) -> None:
        """For a role that may not change who heads a registered household (access.changes_household_heads): the
        head's relationship is shown read-only, and a new or other member is offered every relationship but head.
        The service refuses a crafted form the same way."""
        field = form_field(self, "relationship", forms.ChoiceField)
        if self.instance.pk and self.instance.relationship == c.Relationship.HEAD:
            field.disabled = True
        else:
            # django-stubs types the getter with the setter's inputs (a callable); Django keeps them normalised.
            choices = list(field.choices)  # type: ignore[arg-type]
            field.choices = [(value, label) for value, label in choices if value != c.Relationship.HEAD]
        field.help_text = HEAD_CHANGE_REFUSED

    def full_clean(self):
        super().full_clean()
        self._style()

    def _post_clean(self):
        pass


class MemberForm(PersonForm):
    """A member row in the one-page household registration."""


class BaseMemberFormSet(forms.BaseFormSet):
    def members_entered(self) -> list[forms.Form]:
        """The member rows the officer filled in (the first one always counts: it is the head's)."""
        return [f for i, f in enumerate(self.forms) if i == 0 or f.has_changed()]

    def clean(self) -> None:
        # The household-wide rules (one head, no NIK twice) are checked even while a row has a typing error, so
        # the officer sees every error in one submission. The rule itself is the service's.
        check_members([getattr(f, "cleaned_data", {}) for f in self.members_entered()])


# django-stubs types formset_factory's class as BaseFormSet, whatever `formset` it is built on.
MemberFormSet = cast(
    "type[BaseMemberFormSet]",
    formset_factory(
        MemberForm, formset=BaseMemberFormSet, extra=0, min_num=1, validate_min=True, max_num=30, validate_max=True
    ),
)


class LifeEventForm(StyledMixin, forms.Form):
    date = forms.DateField(label=_("Tanggal"), widget=DATE_INPUT, initial=timezone.localdate)
    note = forms.CharField(label=_("Keterangan"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class ConsentForm(StyledMixin, forms.ModelForm):
    class Meta:
        model = ConsentRecord
        fields = ["basis", "given_by", "given_by_name", "purpose", "purpose_kind", "given_at"]
        widgets = {"given_at": DATE_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def _post_clean(self):
        pass


class GroupForm(StyledMixin, forms.ModelForm):
    class Meta:
        model = Group
        fields = ["name", "kind", "village", "registration_number", "founded_year"]

    def __init__(self, *args, villages=None, **kwargs):
        super().__init__(*args, **kwargs)
        village = form_field(self, "village", forms.ModelChoiceField)
        if villages is not None:
            village.queryset = villages
        label_choices(village, lambda v: f"{v.district.name} — {v.get_kind_display()} {v.name}")
        self._style()

    def _post_clean(self):
        pass


class MembershipForm(StyledMixin, forms.Form):
    person = forms.IntegerField(label=_("ID penduduk"), widget=forms.HiddenInput)
    role = forms.ChoiceField(label=_("Jabatan"), choices=c.GroupRole.choices, initial=c.GroupRole.MEMBER)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()
