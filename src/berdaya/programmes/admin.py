from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Assistance, Certificate, Enrolment, EnrolmentEvent, Need, PersonNeed, Programme, Session


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order", "is_active"]
    list_editable = ["order", "is_active"]


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "organiser", "status", "start_date", "end_date", "capacity", "budget"]
    list_filter = ["kind", "status", "organiser"]
    search_fields = ["name"]
    filter_horizontal = ["funders", "needs", "districts", "villages"]
    raw_id_fields = ["created_by"]
    inlines = [SessionInline]


class EventInline(admin.TabularInline):
    model = EnrolmentEvent
    extra = 0
    readonly_fields = ["from_status", "to_status", "reason", "actor", "at"]
    can_delete = False


@admin.register(Enrolment)
class EnrolmentAdmin(SimpleHistoryAdmin):
    # Status changes go through services (events, capacity, completion): read-only here.
    list_display = ["id", "programme", "person", "status", "enrolled_on", "ended_on"]
    list_filter = ["status", "programme__kind"]
    raw_id_fields = ["programme", "person", "created_by"]
    readonly_fields = ["status"]
    inlines = [EventInline]
    show_full_result_count = False


@admin.register(Assistance)
class AssistanceAdmin(SimpleHistoryAdmin):
    list_display = ["id", "programme", "person", "kind", "amount", "quantity", "status", "date"]
    list_filter = ["status", "kind"]
    raw_id_fields = ["programme", "person", "created_by", "approved_by"]
    readonly_fields = ["status"]
    show_full_result_count = False


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["code", "enrolment", "issued_on"]
    search_fields = ["=code"]
    raw_id_fields = ["enrolment", "issued_by"]


@admin.register(PersonNeed)
class PersonNeedAdmin(SimpleHistoryAdmin):
    list_display = ["person", "need", "recorded_at"]
    raw_id_fields = ["person", "recorded_by"]
