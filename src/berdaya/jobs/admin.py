from django.contrib import admin

from .models import Job, ScheduleEntry, ScheduleFiring


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "status", "done", "total", "created_by", "created_at", "finished_at"]
    list_filter = ["status", "kind"]
    readonly_fields = [f.name for f in Job._meta.fields]


@admin.register(ScheduleEntry)
class ScheduleEntryAdmin(admin.ModelAdmin):
    list_display = ["key", "cron", "enabled", "updated_by", "updated_at"]
    readonly_fields = ["key", "updated_by", "updated_at"]


@admin.register(ScheduleFiring)
class ScheduleFiringAdmin(admin.ModelAdmin):
    list_display = ["key", "due_at", "manual", "job"]
    list_filter = ["key", "manual"]
    readonly_fields = [f.name for f in ScheduleFiring._meta.fields]
