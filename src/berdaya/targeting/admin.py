from django.contrib import admin

from .models import Candidate, HouseholdWelfare, ReviewLog, RuleSet, RuleSetVersion, ScoreConfig, TargetingRun


@admin.register(ScoreConfig)
class ScoreConfigAdmin(admin.ModelAdmin):
    list_display = ["version", "active", "note", "created_by", "created_at"]
    readonly_fields = ["version", "weights", "created_by", "created_at"]


@admin.register(HouseholdWelfare)
class HouseholdWelfareAdmin(admin.ModelAdmin):
    list_display = ["household", "score", "local_decile", "official_decile", "verified_decile", "config_version"]
    raw_id_fields = ["household", "verified_by"]
    list_filter = ["local_decile", "official_source"]


class VersionInline(admin.TabularInline):
    model = RuleSetVersion
    extra = 0
    fields = readonly_fields = ("number", "capacity", "locked", "created_by", "created_at")
    can_delete = False


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = ["name", "programme_id", "created_by", "created_at"]
    inlines = [VersionInline]


@admin.register(TargetingRun)
class TargetingRunAdmin(admin.ModelAdmin):
    list_display = ["id", "ruleset", "version", "status", "eligible_count", "selected_count", "created_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in TargetingRun._meta.fields]


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ["run", "person", "status", "rank", "decile", "review"]
    list_filter = ["status", "review"]
    raw_id_fields = ["run", "person"]


@admin.register(ReviewLog)
class ReviewLogAdmin(admin.ModelAdmin):
    list_display = ["run", "action", "actor", "at", "reason"]
    readonly_fields = ["run", "candidate", "action", "reason", "actor", "at"]
