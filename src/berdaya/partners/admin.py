from django.contrib import admin

from berdaya.registry.models import Group

from .models import Agreement, AgreementDocument, Commitment, Contribution, Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "group", "focal_name", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name", "legal_registration"]
    filter_horizontal = ["districts"]
    raw_id_fields = ["focal_user"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "group":
            # Only a disability organisation's group can be linked (Organisation.clean says why otherwise).
            kwargs["queryset"] = Group.objects.filter(kind="disability_org")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AgreementDocumentInline(admin.TabularInline):
    model = AgreementDocument
    extra = 0
    # Uploads go through the page, where the file is checked (type, content, size); here they are read-only.
    readonly_fields = ["title", "original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    exclude = ["file"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "start_date", "end_date"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "number"]
    filter_horizontal = ["parties"]
    # Statuses move through services.agreement_transition, which records who and when.
    readonly_fields = ["status", "signed_on", "ended_on", "created_by"]
    inlines = [AgreementDocumentInline]


class ContributionInline(admin.TabularInline):
    model = Contribution
    extra = 0
    raw_id_fields = ["programme", "assistance", "recorded_by"]


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin):
    list_display = ["organisation", "kind", "description", "start_date", "end_date"]
    list_filter = ["kind"]
    search_fields = ["organisation__name", "description"]
    raw_id_fields = ["organisation", "agreement", "created_by"]
    filter_horizontal = ["programmes"]
    inlines = [ContributionInline]
