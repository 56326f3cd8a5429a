from django.contrib import admin

from .models import Agreement, AgreementDocument, Commitment, Contribution


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
