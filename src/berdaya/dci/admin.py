from django.contrib import admin

from .models import Delivery, DeliveryAttempt, NotifyMark, Subscription, Transaction


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("number", "at", "http_status", "error", "duration_ms")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "registry", "action", "url", "status", "attempts", "delivered_at", "last_error")
    list_filter = ("status", "registry", "action")
    readonly_fields = ("transaction", "subscription", "created_at", "delivered_at", "attempts", "next_attempt_at")
    inlines = [AttemptInline]


@admin.register(Transaction)
class TransactionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "registry", "action", "is_async", "transaction_id", "sender_id", "user", "status")
    list_filter = ("registry", "action", "status", "is_async")
    search_fields = ("transaction_id", "correlation_id", "message_id", "sender_id")
    readonly_fields = ("correlation_id", "created_at", "answered_at")


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("code", "registry", "event_type", "filter_type", "user", "callback_url", "status", "created_at")
    list_filter = ("registry", "event_type", "status")
    search_fields = ("code", "sender_id")


admin.site.register(NotifyMark)
