from django.contrib import admin

from .models import Holiday


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "kind", "provisional"]
    list_filter = ["kind", "provisional"]
    search_fields = ["name"]
    date_hierarchy = "date"
