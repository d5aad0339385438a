from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from grants.models import (
    Application,
    ApplicationLocation,
    Assignment,
    Attachment,
    BudgetLine,
    Call,
    CallReviewSettings,
    CommitteeMember,
    ConflictDeclaration,
    Criterion,
    Decision,
    FundingLineOverride,
    Partner,
    Programme,
    Question,
    RequiredDocument,
    Review,
    Score,
    Theme,
    Transition,
    WorkPlanActivity,
)


class TransitionInline(GenericTabularInline):
    """The object's timeline, shown read-only: state changes are append-only."""

    model = Transition
    extra = 0
    can_delete = False
    fields = ["at", "from_state", "to_state", "by", "reason"]
    readonly_fields = fields
    ct_field = "content_type"
    ct_fk_field = "object_id"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class KeepsTimelineAdmin(admin.ModelAdmin):
    """An admin whose objects cannot be deleted once their timeline has a state change.

    The timeline points at its subject by content type and id (no cascade), so the
    deletion page lists the recorded changes as protected, as it does for PROTECT keys:
    a record of who did what stays whole and keeps its subject."""

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        ids = [obj.pk for obj in objs]
        recorded = Transition.objects.filter(
            content_type=ContentType.objects.get_for_model(self.model), object_id__in=ids
        ).order_by("object_id", "at", "pk")
        protected = list(protected) + [
            _("State change of #%(id)s: %(change)s at %(at)s")
            % {
                "id": row.object_id,
                "change": row,
                "at": date_format(timezone.localtime(row.at), "DATETIME_FORMAT"),
            }
            for row in recorded
        ]
        return deleted, model_count, perms_needed, protected


class ThemeInline(admin.TabularInline):
    model = Theme
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "donor", "currency", "starts_on", "ends_on", "reference_prefix"]
    search_fields = ["name", "donor"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ThemeInline]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name_en", "name_ru", "name_ky", "programme", "order", "is_active"]
    list_filter = ["programme", "is_active"]
    search_fields = ["name_en", "name_ru", "name_ky"]


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


class RequiredDocumentInline(admin.TabularInline):
    model = RequiredDocument
    extra = 0


@admin.register(Call)
class CallAdmin(KeepsTimelineAdmin):
    list_display = ["title", "programme", "state", "opens_at", "closes_at", "total_budget"]
    list_filter = ["state", "programme"]
    search_fields = ["title", "description"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["themes"]
    autocomplete_fields = ["eligible_regions"]
    readonly_fields = ["state", "rubric_locked_at"]
    inlines = [CriterionInline, RequiredDocumentInline, TransitionInline]
    date_hierarchy = "closes_at"


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    extra = 0


class ActivityInline(admin.TabularInline):
    model = WorkPlanActivity
    extra = 0


class LocationInline(admin.TabularInline):
    model = ApplicationLocation
    extra = 0
    autocomplete_fields = ["region"]


class PartnerInline(admin.TabularInline):
    model = Partner
    extra = 0


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["document", "original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields


@admin.register(Application)
class ApplicationAdmin(KeepsTimelineAdmin):
    list_display = ["reference", "title", "organisation", "call", "state", "submitted_at"]
    list_filter = [
        "state",
        "call",
        ("organisation__region__oblast", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["reference", "title", "organisation__name"]
    list_select_related = ["organisation", "call"]
    autocomplete_fields = ["organisation"]
    readonly_fields = ["state", "reference", "sequence", "submitted_at", "section_versions"]
    inlines = [
        ActivityInline,
        LocationInline,
        PartnerInline,
        BudgetLineInline,
        AttachmentInline,
        TransitionInline,
    ]
    date_hierarchy = "submitted_at"


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["call", "asked_at", "answered_at", "published_at"]
    list_filter = ["call"]
    search_fields = ["text", "answer"]
    list_select_related = ["call"]


@admin.register(Transition)
class TransitionAdmin(admin.ModelAdmin):
    """The timeline of every object: append-only, so viewed here and never edited."""

    list_display = ["at", "content_type", "object_id", "from_state", "to_state", "by"]
    list_filter = ["content_type", "to_state"]
    search_fields = ["reason"]
    list_select_related = ["content_type", "by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ApplicationPartAdmin(admin.ModelAdmin):
    """The parts of an application, searchable on their own for support questions."""

    list_display = ["__str__", "application"]
    list_select_related = ["application"]
    search_fields = ["application__reference", "application__title"]


class CallPartAdmin(admin.ModelAdmin):
    list_display = ["__str__", "call"]
    list_select_related = ["call"]
    list_filter = ["call"]


for part in (BudgetLine, WorkPlanActivity, Partner, ApplicationLocation, Attachment):
    admin.site.register(part, ApplicationPartAdmin)
for part in (RequiredDocument, Criterion):
    admin.site.register(part, CallPartAdmin)


class ScoreInline(admin.TabularInline):
    model = Score
    extra = 0
    fields = ["criterion", "points", "comment"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Scores are the committee's: the admin shows them and never edits them."""

    list_display = ["application", "member", "state", "total", "recommendation", "submitted_at"]
    list_filter = ["state", "recommendation", "application__call"]
    search_fields = ["application__reference", "member__user__email", "member__user__full_name"]
    list_select_related = ["application", "member__user"]
    inlines = [ScoreInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "call", "affiliation", "is_chair", "added_at"]
    list_filter = ["call", "affiliation", "is_chair"]
    search_fields = ["user__email", "user__full_name"]
    list_select_related = ["user", "call"]
    autocomplete_fields = ["user"]


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(admin.ModelAdmin):
    """An audit record: read-only."""

    list_display = ["application", "member", "has_conflict", "declared_at"]
    list_filter = ["has_conflict", "application__call"]
    search_fields = ["application__reference", "member__user__email", "reason"]
    list_select_related = ["application", "member__user"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["application", "member", "assigned_at"]
    list_filter = ["application__call"]
    search_fields = ["application__reference", "member__user__email"]
    list_select_related = ["application", "member__user"]


@admin.register(CallReviewSettings)
class CallReviewSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "call",
        "reviewers_per_application",
        "pass_mark",
        "ranking_method",
        "oblast_cap",
    ]


@admin.register(FundingLineOverride)
class FundingLineOverrideAdmin(admin.ModelAdmin):
    list_display = ["application", "include", "by", "at"]
    list_select_related = ["application", "by"]
    search_fields = ["application__reference", "reason"]


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["application", "outcome", "amount", "by", "at"]
    list_filter = ["outcome", "application__call"]
    search_fields = ["application__reference", "application__title"]
    list_select_related = ["application", "by"]
    readonly_fields = ["application", "outcome", "amount", "by", "at"]

    def has_add_permission(self, request):
        return False


@admin.register(Score)
class ScoreAdmin(admin.ModelAdmin):
    list_display = ["review", "criterion", "points"]
    list_filter = ["criterion__call"]
    search_fields = ["review__application__reference"]
    list_select_related = ["review__application", "review__member__user", "criterion"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
