"""Forms of targeting. The rule builder is a formset of condition rows (no code, no JavaScript of our own):
each row is one condition, optionally in sub-group A, B or C; the top level and each sub-group are AND or OR,
and any of them (and any row) can be negated. htmx re-draws a row when its criterion changes and adds rows."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from berdaya.accounts.models import User
from berdaya.core.forms import form_field, style_widgets
from berdaya.programmes.access import programmes_editable_by
from berdaya.registry.access import flags_withheld_from, groups_visible_to, withholds_members

from . import choices as c
from . import integrations, rules, scoring

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

SUBGROUPS = ["A", "B", "C"]
OPS = [("and", _("SEMUA syarat (DAN)")), ("or", _("SALAH SATU syarat (ATAU)"))]
PRIORITY_SLOTS = 4


class ConditionRowForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kriteria"), required=False)
    value = forms.CharField(label=_("Nilai"), required=False, widget=forms.Select)
    min = forms.DecimalField(label=_("Dari"), required=False, max_digits=10, decimal_places=2)
    max = forms.DecimalField(label=_("Sampai"), required=False, max_digits=10, decimal_places=2)
    months = forms.IntegerField(label=_("Bulan terakhir"), required=False, min_value=1, max_value=240)
    negate = forms.BooleanField(label=_("BUKAN"), required=False)
    group = forms.ChoiceField(
        label=_("Kelompok"),
        required=False,
    )

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Labels formatted per form, in the reader's language (formatted at import they stayed Indonesian).
        form_field(self, "group", forms.ChoiceField).choices = [
            ("", _("utama")),
            *[(g, _("kelompok %(g)s") % {"g": g}) for g in SUBGROUPS],
        ]
        kind = self.data.get(self.add_prefix("kind")) if self.is_bound else self.initial.get("kind")
        value = self.data.get(self.add_prefix("value")) if self.is_bound else self.initial.get("value")
        # The criteria read from other household members are not offered to a role that may miss some members
        # (targeting.access.criteria_withheld); a row that already has one keeps it, so that saving refuses it with
        # a message instead of dropping it unseen.
        members_withheld = user is not None and withholds_members(user)
        flags_withheld = flags_withheld_from(user) if user is not None else frozenset()
        form_field(self, "kind", forms.ChoiceField).choices = [
            ("", _("— pilih kriteria —")),
            *[
                (code, label)
                for code, label in rules.condition_choices()
                if code == kind or not (members_withheld and rules.CONDITIONS[code].from_members)
            ],
        ]
        self.condition = rules.CONDITIONS.get(kind or "")
        params = self.condition.params if self.condition else rules.Param()
        self.uses = params
        value_choices = self.condition.choices() if self.condition and params.value else []
        if kind == "flag":
            value_choices = [(v, label) for v, label in value_choices if v == value or v not in flags_withheld]
        self.hidden_groups = False
        if kind == "group" and user is not None:
            # Group names are data about people: a scoped user picks among the groups they may see.
            visible = {str(pk) for pk in groups_visible_to(user).values_list("pk", flat=True)}
            self.hidden_groups = len(visible) < len(value_choices)
            value_choices = [(v, label) for v, label in value_choices if v in visible]
        self.value_choices = value_choices
        self.fields["value"].widget = forms.Select(choices=[("", "—"), *value_choices])
        if params.minmax:
            self.fields["min"].label = params.min_label
            self.fields["max"].label = params.max_label
        style_widgets(self)
        for name in ("min", "max", "months"):
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "class": "form-control form-control-sm"})
        for name in ("kind", "value", "group"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"

    def clean_value(self):
        value = self.cleaned_data.get("value")
        if value and self.hidden_groups and value not in {v for v, _label in self.value_choices}:
            raise forms.ValidationError(_("Pilih kelompok dari daftar."))
        return value

    def node(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        kind = data.get("kind")
        if not kind:
            return None
        node: dict[str, Any] = {"type": kind}
        params = rules.CONDITIONS[kind].params if kind in rules.CONDITIONS else rules.Param(value=True)
        if params.value and data.get("value") not in (None, ""):
            value = data["value"]
            node["value"] = int(value) if kind in {"group", "not_enrolled"} and str(value).isdigit() else value
        if params.minmax:
            for bound in ("min", "max"):
                if data.get(bound) is not None:
                    number = data[bound]
                    node[bound] = int(number) if number == number.to_integral_value() else float(number)
        if params.months and data.get("months"):
            node["months"] = data["months"]
        if data.get("negate"):
            node["not"] = True
        return node


ConditionFormSet = forms.formset_factory(ConditionRowForm, extra=0, max_num=rules.MAX_CONDITIONS, absolute_max=100)


class RuleSetForm(forms.Form):
    name = forms.CharField(label=_("Nama aturan"), max_length=150, required=False)
    description = forms.CharField(label=_("Uraian"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    programme = forms.TypedChoiceField(label=_("Program"), required=False, coerce=int, empty_value=None)
    root_op = forms.ChoiceField(label=_("Penduduk memenuhi"), choices=OPS, initial="and")
    root_not = forms.BooleanField(label=_("BUKAN (balik seluruh aturan)"), required=False)
    capacity = forms.IntegerField(
        label=_("Kapasitas (jumlah penerima)"),
        required=False,
        min_value=1,
        max_value=10_000_000,
        help_text=_("Kosong: semua yang memenuhi syarat terpilih. Dengan program, bawaan = kuota program."),
    )
    per_district_max = forms.IntegerField(label=_("Paling banyak per kecamatan (orang)"), required=False, min_value=1)
    per_district_max_pct = forms.DecimalField(
        label=_("Paling banyak per kecamatan (% kapasitas)"), required=False, max_digits=6, decimal_places=2
    )
    per_village_max = forms.IntegerField(label=_("Paling banyak per desa (orang)"), required=False, min_value=1)
    near_miss_limit = forms.IntegerField(
        label=_("Tampilkan yang hampir memenuhi (orang)"), required=False, min_value=0, max_value=100_000, initial=200
    )
    confirm_empty = forms.BooleanField(label=_("Saya sadar aturan tanpa syarat memilih semua penduduk"), required=False)

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for g in SUBGROUPS:
            self.fields[f"op_{g}"] = forms.ChoiceField(label=_("Kelompok %(g)s") % {"g": g}, choices=OPS, initial="or")
            self.fields[f"not_{g}"] = forms.BooleanField(label=_("BUKAN"), required=False)

        def current(name: str) -> Any:
            return self.data.get(name) if self.is_bound else self.initial.get(name)

        # The flags read from other household members are not offered as a minimum group or a priority to a role that
        # may miss some members (targeting.access.criteria_withheld); a version that already has one keeps it, so
        # that saving refuses it with a message instead of dropping it unseen.
        withheld = flags_withheld_from(user) if user is not None else frozenset()
        for group, label in c.MinimumGroup.choices:
            if group in withheld and current(f"min_{group}") in (None, ""):
                continue
            self.fields[f"min_{group}"] = forms.DecimalField(
                label=_("Minimal %(g)s (%%)") % {"g": str(label).lower()},
                required=False,
                max_digits=6,
                decimal_places=2,
            )
        chosen = {current(f"priority_{i}") for i in range(1, PRIORITY_SLOTS + 1)}
        priority_choices = [
            ("", "—"),
            *[(k, label) for k, label in c.PriorityKey.choices if k in chosen or k not in withheld],
        ]
        for i in range(1, PRIORITY_SLOTS + 1):
            self.fields[f"priority_{i}"] = forms.ChoiceField(
                label=_("Prioritas %(i)s") % {"i": i + 1}, choices=priority_choices, required=False
            )
        # A user links a rule set only to a programme they manage (programmes.access.programmes_editable_by).
        manageable = None if user is None else programmes_editable_by(user)
        form_field(self, "programme", forms.ChoiceField).choices = [
            ("", _("— tanpa program —")),
            *integrations.programme_choices(manageable),
        ]
        style_widgets(self)

    def priority(self) -> list[str]:
        keys = [self.cleaned_data.get(f"priority_{i}") for i in range(1, PRIORITY_SLOTS + 1)]
        seen: list[str] = []
        for key in keys:
            if key and key not in seen:
                seen.append(key)
        return seen

    def quotas(self) -> dict[str, Any]:
        data = self.cleaned_data
        quotas: dict[str, Any] = {}
        for key in ("per_district_max", "per_village_max"):
            if data.get(key):
                quotas[key] = data[key]
        if data.get("per_district_max_pct") is not None:
            quotas["per_district_max_pct"] = float(data["per_district_max_pct"])
        minimums = {
            group: float(data[f"min_{group}"])
            for group in c.MinimumGroup.values
            if data.get(f"min_{group}") not in (None, Decimal(0))
        }
        if minimums:
            quotas["minimums"] = minimums
        return quotas

    def tree(self, rows: list[ConditionRowForm]) -> dict[str, Any]:
        data = self.cleaned_data
        root: dict[str, Any] = {"op": data.get("root_op") or "and", "items": []}
        if data.get("root_not"):
            root["not"] = True
        groups: dict[str, dict[str, Any]] = {}
        for row in rows:
            if not hasattr(row, "cleaned_data"):
                continue
            node = row.node()
            if node is None:
                continue
            g = row.cleaned_data.get("group") or ""
            if not g:
                root["items"].append(node)
                continue
            if g not in groups:
                groups[g] = {"op": data.get(f"op_{g}") or "or", "items": []}
                if data.get(f"not_{g}"):
                    groups[g]["not"] = True
                root["items"].append(groups[g])
            groups[g]["items"].append(node)
        return root


def initial_from_version(version) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The form's initial data and the rows for an existing version (trees up to one level of sub-groups)."""
    tree = version.rules
    quotas = version.quotas or {}
    initial: dict[str, Any] = {
        "name": version.ruleset.name,
        "description": version.ruleset.description,
        "programme": version.ruleset.programme_id,
        "root_op": tree.get("op", "and"),
        "root_not": bool(tree.get("not")),
        "capacity": version.capacity,
        "near_miss_limit": version.near_miss_limit,
        "confirm_empty": version.confirmed_empty,
        "per_district_max": quotas.get("per_district_max"),
        "per_district_max_pct": quotas.get("per_district_max_pct"),
        "per_village_max": quotas.get("per_village_max"),
    }
    for group, pct in (quotas.get("minimums") or {}).items():
        initial[f"min_{group}"] = pct
    for i, key in enumerate(version.priority or [], start=1):
        initial[f"priority_{i}"] = key
    rows: list[dict[str, Any]] = []
    letters = iter(SUBGROUPS)

    def row(node: dict, group: str) -> dict[str, Any]:
        return {
            "kind": node.get("type"),
            "value": node.get("value"),
            "min": node.get("min"),
            "max": node.get("max"),
            "months": node.get("months"),
            "negate": bool(node.get("not")),
            "group": group,
        }

    for item in tree.get("items", []):
        if rules.is_group(item):
            letter = next(letters, "C")
            initial[f"op_{letter}"] = item["op"]
            initial[f"not_{letter}"] = bool(item.get("not"))
            rows.extend(row(leaf, letter) for leaf in rules.leaves(item))
        else:
            rows.append(row(item, ""))
    return initial, rows


class VerifyForm(forms.Form):
    decile = forms.TypedChoiceField(
        label=_("Desil hasil verifikasi lapangan"),
        choices=[("", _("— hapus verifikasi —")), *[(i, str(i)) for i in range(1, 11)]],
        coerce=int,
        empty_value=None,
        required=False,
    )
    reason = forms.CharField(label=_("Alasan"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class ReviewForm(forms.Form):
    reason = forms.CharField(label=_("Alasan"), max_length=300, required=False)


class AddCandidateForm(forms.Form):
    # Picked from the search results (a radio button per person found), never typed as a database number.
    person = forms.IntegerField(
        label=_("Penduduk"),
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={"required": _("Cari lalu pilih penduduknya.")},
    )
    reason = forms.CharField(label=_("Alasan"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class ScoreWeightsForm(forms.Form):
    """Every weight as a number field, grouped like docs/welfare-score.md; saving makes a new version."""

    note = forms.CharField(label=_("Catatan perubahan"), max_length=300)
    activate = forms.BooleanField(label=_("Aktifkan versi baru ini"), required=False, initial=True)

    def __init__(self, *args, weights: dict[str, Any], **kwargs):
        super().__init__(*args, **kwargs)
        self.sections: list[tuple[str, list[str]]] = []
        self.fields["base"] = forms.IntegerField(label=_("Nilai dasar"), initial=weights["base"])
        self.sections.append((str(_("Dasar")), ["base"]))
        for name, (label, choices) in scoring.CATEGORICAL.items():
            table = weights["categorical"].get(name, {"_missing": 0})
            names = []
            options: list[tuple[str, StrOrPromise]] = [*choices.choices, ("_missing", _("tidak diisi / lainnya"))]
            for code, code_label in options:
                key = f"cat__{name}__{code}"
                self.fields[key] = forms.IntegerField(
                    label=code_label, initial=table.get(code, table["_missing"]), min_value=-100, max_value=100
                )
                names.append(key)
            self.sections.append((str(label), names))
        names = []
        for name, label in scoring.ASSETS.items():
            key = f"asset__{name}"
            self.fields[key] = forms.IntegerField(
                label=label, initial=weights["assets"].get(name, 0), min_value=-100, max_value=100
            )
            names.append(key)
        self.sections.append((str(_("Aset (poin bila dimiliki)")), names))
        for name, label in scoring.BANDS.items():
            band = weights["bands"].get(name, {"steps": [[None, 0]], "missing": 0})
            names = []
            for i, (upper, points) in enumerate(band["steps"]):
                if upper is not None:
                    key = f"band__{name}__{i}__upper"
                    self.fields[key] = forms.DecimalField(
                        label=_("langkah %(i)s: di bawah") % {"i": i + 1}, initial=upper, min_value=0, decimal_places=2
                    )
                    names.append(key)
                    label_points: StrOrPromise = _("langkah %(i)s: poin") % {"i": i + 1}
                else:
                    label_points = _("selebihnya: poin")
                key = f"band__{name}__{i}__points"
                self.fields[key] = forms.IntegerField(label=label_points, initial=points, min_value=-100, max_value=100)
                names.append(key)
            key = f"band__{name}__missing"
            self.fields[key] = forms.IntegerField(
                label=_("tidak diketahui: poin"), initial=band["missing"], min_value=-100, max_value=100
            )
            names.append(key)
            self.sections.append((str(label), names))
        self.template_weights = weights
        style_widgets(self)

    def bound_sections(self):
        return [(title, [self[name] for name in names]) for title, names in self.sections]

    def weights(self) -> dict[str, Any]:
        data = self.cleaned_data
        result: dict[str, Any] = {"base": data["base"], "categorical": {}, "assets": {}, "bands": {}}
        for name, (_label, choices) in scoring.CATEGORICAL.items():
            result["categorical"][name] = {code: data[f"cat__{name}__{code}"] for code in [*choices.values, "_missing"]}
        for name in scoring.ASSETS:
            result["assets"][name] = data[f"asset__{name}"]
        for name in scoring.BANDS:
            band = self.template_weights["bands"].get(name, {"steps": [[None, 0]]})
            steps = []
            for i, (upper, _points) in enumerate(band["steps"]):
                new_upper = None if upper is None else float(data[f"band__{name}__{i}__upper"])
                steps.append([new_upper, data[f"band__{name}__{i}__points"]])
            result["bands"][name] = {"steps": steps, "missing": data[f"band__{name}__missing"]}
        return result


class QualityForm(forms.Form):
    """The choices of the targeting-quality page (GET): the reference decile, the poverty line, and which threshold
    of the rule the what-if moves over which cut-offs."""

    reference = forms.ChoiceField(label=_("Desil acuan"), required=False)
    poor_max = forms.IntegerField(
        label=_("Miskin bila desil acuan paling tinggi"), required=False, min_value=1, max_value=10
    )
    threshold = forms.ChoiceField(label=_("Batas yang digeser"), required=False)
    cutoffs = forms.CharField(
        label=_("Nilai batas (pisahkan dengan spasi atau titik koma)"), required=False, max_length=200
    )

    def __init__(self, *args: Any, tree: dict, **kwargs: Any) -> None:
        from . import quality

        super().__init__(*args, **kwargs)
        self.thresholds = {t.key: t for t in quality.thresholds(tree)}
        form_field(self, "reference", forms.ChoiceField).choices = [
            (r.code, r.label) for r in quality.REFERENCES.values()
        ]
        form_field(self, "threshold", forms.ChoiceField).choices = [(t.key, t.label) for t in self.thresholds.values()]
        style_widgets(self)

    def clean_cutoffs(self) -> list[float]:
        from . import quality

        try:
            return quality.parse_cutoffs(self.cleaned_data.get("cutoffs") or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
