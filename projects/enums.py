from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectState(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Terminated")

    @classmethod
    def running(cls):
        return [cls.ACTIVE, cls.SUSPENDED]


PROJECT_TRANSITIONS = {
    ProjectState.ACTIVE: [ProjectState.SUSPENDED, ProjectState.COMPLETED, ProjectState.TERMINATED],
    ProjectState.SUSPENDED: [ProjectState.ACTIVE, ProjectState.TERMINATED],
    ProjectState.COMPLETED: [],
    ProjectState.TERMINATED: [],
}


class TrancheCondition(models.TextChoices):
    ON_SIGNING = "on_signing", _("On signing the grant agreement")
    INTERIM_REPORT = "interim_report", _("After an interim report is accepted")
    FINAL_REPORT = "final_report", _("After the final report is accepted")


class TrancheState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    READY = "ready", _("Ready for payment")
    PAID = "paid", _("Paid")


class StandardIndicator(models.TextChoices):
    """The programme's standard indicators; every project carries them."""

    PEOPLE_REACHED = "people_reached", _("People reached")
    EVENTS_HELD = "events_held", _("Events held")
    VOLUNTEERS = "volunteers", _("Volunteers involved")
    PLAN_ADOPTED = "plan_adopted", _("Joint prevention plan adopted")
    LOCAL_COFINANCING = "local_cofinancing", _("Local-budget co-financing")


class CofinancingSource(models.TextChoices):
    LOCAL_BUDGET = "local_budget", _("Local budget")
    OTHER_DONOR = "other_donor", _("Other donor")
    IN_KIND = "in_kind", _("In kind")
