from django.contrib import admin

from .models import BreachRecord, DataRequest, RetentionPeriod


@admin.register(RetentionPeriod)
class RetentionPeriodAdmin(admin.ModelAdmin):
    list_display = ["kind", "days", "note"]


@admin.register(DataRequest)
class DataRequestAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "status", "received_at", "due_at", "handler"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["person"]


@admin.register(BreachRecord)
class BreachRecordAdmin(admin.ModelAdmin):
    list_display = ["title", "discovered_at", "authority_notified_at", "status"]
