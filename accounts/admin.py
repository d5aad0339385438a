from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import services
from accounts.models import Invitation, Membership, Organisation, OutboundMail, User
from accounts.outbox import outbox_retry_now
from accounts.personal_data import anonymised_email


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "organisation"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "full_name",
        "role",
        "affiliation",
        "language",
        "is_active",
        "date_joined",
    ]
    list_filter = ["role", "affiliation", "language", "is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "full_name", "position"]
    readonly_fields = ["last_login", "date_joined"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "phone", "language"]}),
        (_("Programme"), {"fields": ["role", "affiliation", "position"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "full_name", "role", "password1", "password2"],
            },
        )
    ]
    actions = ["anonymise_selected", "download_personal_data"]

    def get_deleted_objects(self, objs, request):
        """An anonymised account is never deleted: the programme's records and its own
        timeline (who anonymised it, when) point at it."""
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        kept = [
            _("%(person)s: anonymised, kept for the programme's records") % {"person": obj}
            for obj in objs
            if obj.email == anonymised_email(obj)
        ]
        return deleted, model_count, perms_needed, list(protected) + kept

    def has_anonymise_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    @admin.action(
        description=_("Anonymise the selected people (on their request)"),
        permissions=["anonymise"],
    )
    def anonymise_selected(self, request, queryset):
        """A confirmation page first, as for deleting; then each person in their own
        transaction (accounts.services.user_anonymise)."""
        people = list(queryset.order_by("email"))
        refusals = {}
        for person in people:
            try:
                services.user_anonymise_check(user=person, by=request.user)
            except ValidationError as error:
                refusals[person.pk] = " ".join(error.messages)
        if request.POST.get("confirmed") == "yes":
            reason = request.POST.get("reason", "").strip()
            done = 0
            for person in people:
                if person.pk in refusals:
                    continue
                try:
                    services.user_anonymise(user=person, by=request.user, reason=reason)
                except ValidationError as error:
                    refusals[person.pk] = " ".join(error.messages)
                else:
                    done += 1
            if done:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d person was anonymised.",
                        "%(count)d people were anonymised.",
                        done,
                    )
                    % {"count": done},
                    messages.SUCCESS,
                )
            for refusal in refusals.values():
                self.message_user(request, refusal, messages.ERROR)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Anonymise people"),
            "opts": self.model._meta,
            "people": [(person, refusals.get(person.pk)) for person in people],
            "anonymisable": len(people) - len(refusals),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/accounts/user/anonymise_confirmation.html", context)

    @admin.action(description=_("Download the personal data of the selected person"))
    def download_personal_data(self, request, queryset):
        people = list(queryset[:2])
        if len(people) != 1:
            self.message_user(request, _("Select exactly one person."), messages.ERROR)
            return None
        return redirect("person_data_download", pk=people[0].pk)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "legal_form", "region", "taxpayer_number", "member_count", "created_at"]
    list_filter = ["legal_form", ("region__oblast", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "registration_number", "taxpayer_number", "email"]
    autocomplete_fields = ["region"]
    inlines = [MembershipInline]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("region")
            .annotate(member_count=Count("memberships"))
        )

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, organisation):
        return organisation.member_count


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__full_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    list_select_related = ["user", "organisation"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "organisation",
        "role",
        "invited_by",
        "created_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["role"]
    search_fields = ["email", "organisation__name"]
    autocomplete_fields = ["organisation", "invited_by", "accepted_by"]
    list_select_related = ["organisation", "invited_by"]
    readonly_fields = ["token"]


@admin.register(OutboundMail)
class OutboundMailAdmin(admin.ModelAdmin):
    """The mail outbox, to read: what waits, what failed and why. Content is never
    edited here; "Retry now" sends pending and failed mail again (never sent mail)."""

    list_display = [
        "recipient",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "short_error",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "template", "language"]
    search_fields = ["recipient", "subject"]
    date_hierarchy = "created_at"
    actions = ["retry_now"]
    fields = [
        "recipient",
        "subject",
        "language",
        "template",
        "dedup_key",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "last_error",
        "created_at",
        "sent_at",
        "text",
        "html",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # read-only: the detail page shows the message without a form

    def has_retry_permission(self, request):
        return request.user.has_perm("accounts.change_outboundmail")

    @admin.display(description=_("last error"))
    def short_error(self, mail):
        return Truncator(mail.last_error).chars(80)

    @admin.action(description=_("Retry now"), permissions=["retry"])
    def retry_now(self, request, queryset):
        retried = outbox_retry_now(mails=queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d mail will be sent again now; sent mail is never sent twice.",
                "%(count)d mails will be sent again now; sent mail is never sent twice.",
                retried,
            )
            % {"count": retried},
            messages.SUCCESS,
        )
