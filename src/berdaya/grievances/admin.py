"""Admin for grievances. The content (description, complainant) is not listed or editable here: it is read through
the access-checked, audited pages, and a restricted grievance only by its named handlers. Handlers and supervisors
are set here."""

from django.contrib import admin

from .models import GrievanceHandler


@admin.register(GrievanceHandler)
class GrievanceHandlerAdmin(admin.ModelAdmin):
    list_display = ["user", "is_supervisor", "is_active", "created_at"]
    list_filter = ["is_supervisor", "is_active"]
    raw_id_fields = ["user"]
    search_fields = ["user__username"]
