from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CallState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", pgettext_lazy("call state", "Closed")
    IN_REVIEW = "in_review", _("In review")
    DECIDED = "decided", _("Decided")
    ARCHIVED = "archived", _("Archived")

    @classmethod
    def public(cls):
        """States in which a call is shown to the public."""
        return [cls.PUBLISHED, cls.CLOSED, cls.IN_REVIEW, cls.DECIDED]


# Allowed moves of a call; "closed" also happens by itself at the deadline (see
# Call.effective_state), the stored state catches up when staff next act.
CALL_TRANSITIONS = {
    CallState.DRAFT: [CallState.PUBLISHED],
    CallState.PUBLISHED: [CallState.CLOSED, CallState.DRAFT],
    CallState.CLOSED: [CallState.IN_REVIEW],
    CallState.IN_REVIEW: [CallState.DECIDED],
    CallState.DECIDED: [CallState.ARCHIVED],
    CallState.ARCHIVED: [],
}


class ApplicationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ELIGIBLE = "eligible", _("Eligible")
    INELIGIBLE = "ineligible", _("Ineligible")
    APPROVED = "approved", _("Approved")
    WAITLISTED = "waitlisted", _("Waitlisted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")

    @classmethod
    def editable(cls):
        return [cls.DRAFT]

    @classmethod
    def submitted_states(cls):
        """Everything that has been submitted and not withdrawn."""
        return [
            cls.SUBMITTED,
            cls.ELIGIBLE,
            cls.INELIGIBLE,
            cls.APPROVED,
            cls.WAITLISTED,
            cls.REJECTED,
        ]

    @classmethod
    def decided(cls):
        return [cls.APPROVED, cls.WAITLISTED, cls.REJECTED]

    @classmethod
    def withdrawable(cls):
        return [cls.DRAFT, cls.SUBMITTED, cls.ELIGIBLE]


APPLICATION_TRANSITIONS = {
    ApplicationState.DRAFT: [ApplicationState.SUBMITTED, ApplicationState.WITHDRAWN],
    ApplicationState.SUBMITTED: [
        ApplicationState.ELIGIBLE,
        ApplicationState.INELIGIBLE,
        ApplicationState.WITHDRAWN,
    ],
    # Screening is reversible (with a reason) until review starts.
    ApplicationState.ELIGIBLE: [
        ApplicationState.INELIGIBLE,
        ApplicationState.APPROVED,
        ApplicationState.WAITLISTED,
        ApplicationState.REJECTED,
        ApplicationState.WITHDRAWN,
    ],
    ApplicationState.INELIGIBLE: [ApplicationState.ELIGIBLE],
    ApplicationState.WAITLISTED: [ApplicationState.APPROVED, ApplicationState.REJECTED],
    ApplicationState.APPROVED: [],
    ApplicationState.REJECTED: [],
    ApplicationState.WITHDRAWN: [],
}


class IneligibilityReason(models.TextChoices):
    LATE = "late", _("Submitted after the deadline")
    REGION = "region", _("Project location outside the eligible regions")
    LEGAL_FORM = "legal_form", _("Organisation's legal form is not eligible")
    AMOUNT = "amount", _("Requested amount outside the call's limits")
    DOCUMENTS = "documents", _("Required documents missing or invalid")
    THEME = "theme", _("Project does not match the call's themes")
    OTHER = "other", _("Other reason")


class PartnerKind(models.TextChoices):
    AYIL_OKMOTU = "ayil_okmotu", _("Ayil okmotu (local self-government)")
    POLICE = "police", _("Police")
    SCHOOL = "school", _("School")
    OTHER = "other", _("Other")


class BudgetCategory(models.TextChoices):
    STAFF = "staff", _("Staff and experts")
    EVENTS = "events", _("Events and trainings")
    TRAVEL = "travel", _("Travel and transport")
    EQUIPMENT = "equipment", _("Equipment")
    MATERIALS = "materials", _("Materials and printing")
    COMMUNICATION = "communication", _("Communication and publicity")
    ADMINISTRATION = "administration", pgettext_lazy("budget category", "Administration")
    OTHER = "other", _("Other")


class Recommendation(models.TextChoices):
    FUND = "fund", _("Fund")
    FUND_WITH_CHANGES = "fund_with_changes", _("Fund with changes")
    DO_NOT_FUND = "do_not_fund", _("Do not fund")


class ReviewState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class RankingMethod(models.TextChoices):
    RAW_MEAN = "raw", _("Mean of reviewers' totals")
    NORMALISED = "normalised", _("Normalised for lenient and harsh reviewers")


class DecisionOutcome(models.TextChoices):
    APPROVE = "approved", _("Approve")
    WAITLIST = "waitlisted", _("Waitlist")
    REJECT = "rejected", _("Reject")
