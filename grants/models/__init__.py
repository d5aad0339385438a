from grants.models.applications import (
    Application,
    ApplicationLocation,
    Attachment,
    BudgetLine,
    Partner,
    Question,
    WorkPlanActivity,
)
from grants.models.calls import (
    Call,
    Criterion,
    Programme,
    RequiredDocument,
    Theme,
    Transition,
)

__all__ = [
    "Application",
    "ApplicationLocation",
    "Attachment",
    "BudgetLine",
    "Call",
    "Criterion",
    "Partner",
    "Programme",
    "Question",
    "RequiredDocument",
    "Theme",
    "Transition",
    "WorkPlanActivity",
]
