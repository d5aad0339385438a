from django.contrib import admin

from grants.admin import KeepsTimelineAdmin, TransitionInline
from reporting.models import (
    CofinancingReceipt,
    DonorRecipient,
    DonorSummary,
    IndicatorProgress,
    ProgressReport,
    ReminderSent,
    ReportFile,
    Spending,
)


class IndicatorProgressInline(admin.TabularInline):
    model = IndicatorProgress
    extra = 0


class SpendingInline(admin.TabularInline):
    model = Spending
    extra = 0


class ReceiptInline(admin.TabularInline):
    model = CofinancingReceipt
    extra = 0


class ReminderInline(admin.TabularInline):
    model = ReminderSent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "sequence", "sent_at", "recipients"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ProgressReport)
class ProgressReportAdmin(KeepsTimelineAdmin):
    list_display = ["project", "kind", "number", "period_end", "due_on", "state", "submitted_at"]
    list_filter = ["state", "kind", "project__application__call"]
    search_fields = ["project__agreement_number", "project__title", "project__organisation__name"]
    list_select_related = ["project"]
    readonly_fields = ["state", "submitted_at", "accepted_at", "section_versions"]
    inlines = [
        IndicatorProgressInline,
        SpendingInline,
        ReceiptInline,
        ReminderInline,
        TransitionInline,
    ]
    date_hierarchy = "due_on"


class ReportPartAdmin(admin.ModelAdmin):
    list_display = ["__str__", "report"]
    list_select_related = ["report__project"]
    search_fields = ["report__project__agreement_number"]


for part in (IndicatorProgress, Spending, CofinancingReceipt, ReportFile):
    admin.site.register(part, ReportPartAdmin)


@admin.register(ReminderSent)
class ReminderSentAdmin(admin.ModelAdmin):
    """A record of mail sent: the reminder task writes it, the admin only shows it."""

    list_display = ["report", "kind", "sequence", "sent_at"]
    list_filter = ["kind"]
    list_select_related = ["report__project"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DonorRecipient)
class DonorRecipientAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "language", "programme", "is_active"]
    list_filter = ["programme", "language", "is_active"]
    search_fields = ["name", "email"]


@admin.register(DonorSummary)
class DonorSummaryAdmin(admin.ModelAdmin):
    list_display = ["programme", "period_start", "period_end", "status", "finished_at", "mailed_at"]
    list_filter = ["programme", "status"]
    readonly_fields = [
        "status",
        "progress",
        "figures",
        "pdf",
        "xlsx",
        "finished_at",
        "error",
        "mailed_at",
    ]
    date_hierarchy = "period_start"
