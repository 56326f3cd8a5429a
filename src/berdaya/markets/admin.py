from django.contrib import admin

from . import models as m


class GradeInline(admin.TabularInline):
    model = m.Grade
    extra = 0


@admin.register(m.Commodity)
class CommodityAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "short_name",
        "is_tree_crop",
        "seasons_per_year",
        "max_yield_kg_ha_season",
        "is_active",
    ]
    inlines = [GradeInline]


@admin.register(m.Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order"]


@admin.register(m.UnitConversion)
class UnitConversionAdmin(admin.ModelAdmin):
    list_display = ["unit", "commodity", "kg_per_unit"]
    list_filter = ["unit"]


@admin.register(m.PricePoint)
class PricePointAdmin(admin.ModelAdmin):
    list_display = ["name", "channel", "village", "is_active"]
    list_filter = ["channel", "is_active"]
    raw_id_fields = ["village"]


@admin.register(m.PriceObservation)
class PriceObservationAdmin(admin.ModelAdmin):
    list_display = ["date", "point", "commodity", "grade", "price_type", "price_per_kg", "status"]
    list_filter = ["status", "commodity", "price_type", "channel"]
    date_hierarchy = "date"
    raw_id_fields = ["point"]


class BuyerOfferInline(admin.TabularInline):
    model = m.BuyerOffer
    extra = 0


@admin.register(m.Buyer)
class BuyerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "village", "is_active"]
    list_filter = ["kind"]
    raw_id_fields = ["village"]
    inlines = [BuyerOfferInline]


@admin.register(m.Bulletin)
class BulletinAdmin(admin.ModelAdmin):
    list_display = ["week_start", "district", "sent_at"]


@admin.register(m.PriceAlert)
class PriceAlertAdmin(admin.ModelAdmin):
    list_display = ["commodity", "week", "previous_price", "current_price", "change_pct"]


@admin.register(m.OutboxMessage)
class OutboxAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "channel", "status", "attempts", "next_attempt_at", "provider_id"]
    list_filter = ["status", "kind", "channel"]
    exclude = ["to"]


@admin.register(m.InboundCommand)
class InboundCommandAdmin(admin.ModelAdmin):
    """STOP/START messages as received: read only (they are evidence of a withdrawal)."""

    list_display = ["received_at", "keyword", "provider", "channel", "subscriptions"]
    list_filter = ["keyword", "channel", "provider"]
    exclude = ["sender"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
