from django.contrib import admin

from .models import ExportColumn, Meeting, MeetingDecision, MinutesDocument


@admin.register(ExportColumn)
class ExportColumnAdmin(admin.ModelAdmin):
    """The SIKS-NG proposal layout: an admin changes it here when the national layout changes (docs/siks-ng.md)."""

    list_display = ["layout", "position", "header", "source", "fixed", "active"]
    list_editable = ["header", "source", "fixed", "active"]
    list_filter = ["layout", "active"]
    ordering = ["layout", "position"]


class DecisionInline(admin.TabularInline):
    model = MeetingDecision
    extra = 0
    raw_id_fields = ["person", "decided_by"]
    readonly_fields = ["decided_at"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["id", "village", "run", "date", "status"]
    list_filter = ["status"]
    raw_id_fields = ["run", "village", "created_by", "applied_by"]
    readonly_fields = ["status", "applied_by", "applied_at"]
    inlines = [DecisionInline]


@admin.register(MinutesDocument)
class MinutesDocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "meeting", "content_type", "size", "uploaded_at"]
    raw_id_fields = ["meeting", "uploaded_by"]
