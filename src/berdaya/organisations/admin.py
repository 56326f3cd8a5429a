from django.contrib import admin

from .models import Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "group", "focal_name", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name", "legal_registration"]
    filter_horizontal = ["districts"]
    raw_id_fields = ["focal_user"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "group":
            # Only a disability organisation's group can be linked (Organisation.clean says why otherwise). The
            # registry sits above this app, so its Group is reached through the field, not imported.
            kwargs["queryset"] = db_field.related_model.objects.filter(kind="disability_org")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
