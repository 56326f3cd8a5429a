"""Admin for the migrant-worker module. Case content (summary, notes, documents) is deliberately not editable or
listed here: it is read through the audited case page only."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import CaseWorker, MigrationEpisode, Notification, RightsCase


@admin.register(CaseWorker)
class CaseWorkerAdmin(SimpleHistoryAdmin):
    list_display = ["user", "is_supervisor", "is_active", "created_at"]
    list_filter = ["is_supervisor", "is_active"]
    raw_id_fields = ["user"]
    search_fields = ["user__username"]


@admin.register(MigrationEpisode)
class MigrationEpisodeAdmin(SimpleHistoryAdmin):
    list_display = ["id", "person", "stage", "destination", "channel", "departure_date", "return_date"]
    list_filter = ["stage", "destination", "channel", "sector"]
    raw_id_fields = ["person", "family_contact", "created_by"]
    show_full_result_count = False


@admin.register(RightsCase)
class RightsCaseAdmin(admin.ModelAdmin):
    list_display = ["reference", "complaint_type", "priority", "stage", "stage_entered_on", "received_on"]
    list_filter = ["stage", "complaint_type", "priority"]
    fields = readonly_fields = (
        "person",
        "episode",
        "complaint_type",
        "priority",
        "stage",
        "stage_entered_on",
        "received_on",
        "closed_on",
    )
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "message", "created_at", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient", "case"]
