from django.contrib import admin

from berdaya.registry.models import Group

from .models import Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "group", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "group":
            # Only a disability organisation's group can be linked (Organisation.clean says why otherwise).
            kwargs["queryset"] = Group.objects.filter(kind="disability_org")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
