import datetime as dt

from django.contrib import admin
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Delivery, DeliveryAttempt, NotifyMark, Subscription, Transaction


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("number", "at", "http_status", "error", "duration_ms")


def _purged(when: dt.datetime) -> str:
    return _("Dihapus menurut masa simpan pada %(when)s") % {"when": date_format(localtime(when), "DATETIME_FORMAT")}


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "registry",
        "action",
        "url",
        "status",
        "attempts",
        "delivered_at",
        "last_error",
        "body_state",
    )
    list_filter = ("status", "registry", "action", ("payload_purged_at", admin.EmptyFieldListFilter))
    readonly_fields = (
        "transaction",
        "subscription",
        "created_at",
        "delivered_at",
        "attempts",
        "next_attempt_at",
        "body_state",
        "payload_purged_at",
    )
    inlines = [AttemptInline]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "payload") if obj is not None and obj.payload_purged_at is not None else fields

    @admin.display(description=gettext_lazy("isi"))
    def body_state(self, obj: Delivery) -> str:
        """Says that the body was emptied by retention, rather than showing an empty body as if it had been sent."""
        if obj.payload_purged_at is not None:
            return _purged(obj.payload_purged_at)
        return _("Isi tersimpan") if obj.payload else _("Belum dibuat")


@admin.register(Transaction)
class TransactionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "registry", "action", "is_async", "transaction_id", "sender_id", "user", "status")
    list_filter = ("registry", "action", "status", "is_async")
    search_fields = ("transaction_id", "correlation_id", "message_id", "sender_id")
    readonly_fields = ("correlation_id", "created_at", "answered_at", "answer_state", "response_purged_at", "outcome")

    @admin.display(description=gettext_lazy("jawaban"))
    def answer_state(self, obj: Transaction) -> str:
        if obj.response_purged_at is not None:
            return _purged(obj.response_purged_at)
        return _("Jawaban tersimpan") if obj.answered_at else _("Belum dijawab")


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("code", "registry", "event_type", "filter_type", "user", "callback_url", "status", "created_at")
    list_filter = ("registry", "event_type", "status")
    search_fields = ("code", "sender_id")


admin.site.register(NotifyMark)
