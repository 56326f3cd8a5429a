from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import FieldSource, Submission


class FieldSourceForm(forms.ModelForm):
    base_url = forms.URLField(label=_("alamat server"), assume_scheme="https")
    # Written, never shown: stored encrypted (FieldSource.set_secret). Left empty, the stored one stays.
    secret = forms.CharField(
        label=_("kata sandi (Central) / token API (Kobo)"), required=False, widget=forms.PasswordInput
    )

    class Meta:
        model = FieldSource
        fields = [
            "name", "kind", "form_kind", "base_url", "project_id", "form_id", "username", "run_as", "organisation",
            "is_active",
        ]  # fmt: skip

    def save(self, commit: bool = True) -> FieldSource:
        source = super().save(commit=False)
        if self.cleaned_data.get("secret"):
            source.set_secret(self.cleaned_data["secret"])
        if commit:
            source.save()
        return source


@admin.register(FieldSource)
class FieldSourceAdmin(admin.ModelAdmin):
    form = FieldSourceForm
    list_display = ["name", "kind", "form_kind", "base_url", "is_active", "last_pulled_at", "last_error"]
    readonly_fields = ["last_pulled_at", "last_error"]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    # Raw payloads hold personal data: the admin lists the bookkeeping only; the pages show them masked per role.
    list_display = ["instance_id", "form_kind", "state", "origin", "received_at", "attempts"]
    list_filter = ["state", "form_kind", "origin"]
    fields = ["instance_id", "form_kind", "state", "origin", "source", "received_at", "ingested_at", "attempts"]
    readonly_fields = [
        "instance_id",
        "form_kind",
        "state",
        "origin",
        "source",
        "received_at",
        "ingested_at",
        "attempts",
    ]

    def has_add_permission(self, request) -> bool:
        return False
