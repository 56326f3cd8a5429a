from django.contrib import admin

from .models import District, Province, Regency, Village


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Regency)
class RegencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "province"]
    search_fields = ["code", "name"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "regency"]
    search_fields = ["code", "name"]
    list_select_related = ["regency"]


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "district"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    list_select_related = ["district"]
