from django.contrib import admin

from .models import Indicator, IndicatorSnapshot, IndicatorTarget, Refresh


class TargetInline(admin.TabularInline):
    model = IndicatorTarget
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "measure", "unit", "is_active"]
    inlines = [TargetInline]
    readonly_fields = ["created_by", "created_at"]


@admin.register(IndicatorSnapshot)
class IndicatorSnapshotAdmin(admin.ModelAdmin):
    """Snapshots are computed, never typed: read-only here."""

    list_display = ["indicator", "period", "value", "target", "taken_at"]
    list_filter = ["indicator"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Refresh)
class RefreshAdmin(admin.ModelAdmin):
    list_display = ["started_at", "status", "rows", "seconds"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
