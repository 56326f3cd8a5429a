from django.contrib import admin

from .models import Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "year", "quarter", "reach", "suppressed", "status", "requested_by", "created_at"]
    list_filter = ["kind", "status", "reach", "scheduled"]
    readonly_fields = ["pdf", "xlsx", "summary", "job", "error", "data_as_of", "finished_at"]
