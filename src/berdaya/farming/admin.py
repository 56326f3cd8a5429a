from django.contrib import admin

from . import models as m


@admin.register(m.Practice)
class PracticeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "commodity", "order"]
    list_filter = ["commodity"]


@admin.register(m.FarmerGroupProfile)
class FarmerGroupProfileAdmin(admin.ModelAdmin):
    list_display = ["group", "group_class", "extension_worker_name", "main_commodity", "parent"]
    raw_id_fields = ["group", "parent"]
