from django.contrib import admin

from .models import ColumnMapping, ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["id", "original_name", "status", "mode", "created_by", "created_at", "committed_at"]
    list_filter = ["status", "mode"]
    readonly_fields = [f.name for f in ImportRun._meta.fields]


@admin.register(ColumnMapping)
class ColumnMappingAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "created_by", "updated_at"]
