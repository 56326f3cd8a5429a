from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import ApiToken
from .services import token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created", "last_used", "expires", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    # Tokens are made on the token page or with `berdaya api token` (the secret is shown once): here only read and
    # revoked.
    readonly_fields = ["user", "name", "prefix", "created", "created_by", "last_used", "expires", "revoked_at",
                       "callback_origins"]  # fmt: skip
    exclude = ["secret_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Cabut token terpilih"))
    def revoke(self, request, queryset):
        for token in queryset.select_related("user"):
            token_revoke(actor=request.user, token=token)
        messages.success(request, _("Token dicabut."))
