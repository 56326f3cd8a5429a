from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AssistiveDevice, DisabilityProfile


@admin.register(DisabilityProfile)
class DisabilityProfileAdmin(SimpleHistoryAdmin):
    list_display = ["person", "disability_type", "need_sign_language", "need_accessible_venue", "updated_at"]
    list_filter = ["disability_type", "need_sign_language", "need_companion", "need_accessible_venue"]
    raw_id_fields = ["person", "recorded_by"]
    show_full_result_count = False


@admin.register(AssistiveDevice)
class AssistiveDeviceAdmin(SimpleHistoryAdmin):
    list_display = ["person", "device", "status", "needed_since", "received_on", "assistance_id"]
    list_filter = ["device", "status"]
    raw_id_fields = ["person", "recorded_by"]
    show_full_result_count = False
