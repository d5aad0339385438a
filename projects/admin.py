from django.contrib import admin

from grants.admin import KeepsTimelineAdmin, TransitionInline
from projects.models import (
    Cofinancing,
    FundingTerms,
    Indicator,
    Project,
    ProjectBudgetLine,
    ProjectLocation,
    ProjectPartner,
    Tranche,
    TrancheRule,
)


class TrancheRuleInline(admin.TabularInline):
    model = TrancheRule
    extra = 0


@admin.register(FundingTerms)
class FundingTermsAdmin(admin.ModelAdmin):
    list_display = ["call", "report_every_months", "grace_days"]
    list_select_related = ["call"]
    inlines = [TrancheRuleInline]


class LocationInline(admin.TabularInline):
    model = ProjectLocation
    extra = 0
    autocomplete_fields = ["region"]


class TrancheInline(admin.TabularInline):
    model = Tranche
    extra = 0
    readonly_fields = [
        "state",
        "ready_at",
        "paid_on",
        "paid_amount",
        "payment_reference",
        "paid_by",
    ]


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0


class CofinancingInline(admin.TabularInline):
    model = Cofinancing
    extra = 0
    autocomplete_fields = ["region"]


@admin.register(Project)
class ProjectAdmin(KeepsTimelineAdmin):
    list_display = [
        "agreement_number",
        "title",
        "organisation",
        "amount_awarded",
        "state",
        "starts_on",
        "ends_on",
    ]
    list_filter = [
        "state",
        "application__call",
        ("organisation__region__oblast", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["agreement_number", "title", "organisation__name", "application__reference"]
    list_select_related = ["organisation"]
    readonly_fields = ["application", "state"]
    inlines = [LocationInline, TrancheInline, IndicatorInline, CofinancingInline, TransitionInline]
    date_hierarchy = "starts_on"


class ProjectPartAdmin(admin.ModelAdmin):
    list_display = ["__str__", "project"]
    list_select_related = ["project"]
    search_fields = ["project__agreement_number", "project__title"]


for part in (ProjectLocation, ProjectPartner, ProjectBudgetLine, Tranche, Indicator, Cofinancing):
    admin.site.register(part, ProjectPartAdmin)


@admin.register(TrancheRule)
class TrancheRuleAdmin(admin.ModelAdmin):
    list_display = ["terms", "order", "percent", "condition", "report_number"]
    list_select_related = ["terms__call"]
