from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    ConsentRecord,
    Group,
    GroupMembership,
    Household,
    KKNumber,
    LifeEvent,
    Person,
    PersonMerge,
    PersonMergeMove,
)


class PersonInline(admin.TabularInline):
    model = Person
    fields = ["full_name", "nik", "sex", "birth_date", "relationship", "status"]
    extra = 0
    show_change_link = True


class KKNumberInline(admin.TabularInline):
    model = KKNumber
    extra = 0


@admin.register(Household)
class HouseholdAdmin(SimpleHistoryAdmin):
    list_display = ["id", "kk_number", "village", "status", "land_operated_ha"]
    list_filter = ["status", "village__district"]
    search_fields = ["kk_number", "=id"]
    raw_id_fields = ["village", "registered_by_organisation"]
    inlines = [PersonInline, KKNumberInline]
    show_full_result_count = False


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["id", "full_name", "nik", "sex", "birth_date", "relationship", "status"]
    list_filter = ["status", "sex", "relationship"]
    search_fields = ["full_name", "=nik"]
    raw_id_fields = ["household"]
    show_full_result_count = False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(SimpleHistoryAdmin):
    list_display = ["person", "basis", "given_by", "given_at", "withdrawn_at"]
    raw_id_fields = ["person", "recorded_by"]


@admin.register(LifeEvent)
class LifeEventAdmin(admin.ModelAdmin):
    list_display = ["kind", "date", "household", "person", "recorded_by"]
    list_filter = ["kind"]
    raw_id_fields = ["household", "person", "new_household", "recorded_by"]


class MembershipInline(admin.TabularInline):
    model = GroupMembership
    raw_id_fields = ["person"]
    extra = 0


@admin.register(Group)
class GroupAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "village", "registration_number"]
    list_filter = ["kind"]
    search_fields = ["name", "registration_number"]
    raw_id_fields = ["village"]
    inlines = [MembershipInline]


@admin.register(KKNumber)
class KKNumberAdmin(admin.ModelAdmin):
    list_display = ["number", "household", "valid_from", "valid_to", "reason"]
    raw_id_fields = ["household"]


class PersonMergeMoveInline(admin.TabularInline):
    model = PersonMergeMove
    extra = 0
    can_delete = False
    readonly_fields = ["model", "object_pk", "field", "moved", "old"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PersonMerge)
class PersonMergeAdmin(admin.ModelAdmin):
    """Read only: merges are made and undone through services.persons_merge/person_merge_undo (the review queue)."""

    list_display = ["merged", "survivor", "reason", "actor", "at", "undone_at"]
    raw_id_fields = ["survivor", "merged", "actor", "undone_by"]
    readonly_fields = ["survivor", "merged", "reason", "actor", "at", "undone_at", "undone_by", "undo_reason"]
    inlines = [PersonMergeMoveInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
