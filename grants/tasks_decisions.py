"""Mail the applicant's organisation the funding decision on its application.

Lives beside the decisions service; ``grants/tasks.py`` should import it so that a
worker registers the task at start-up (Celery's autodiscovery looks for ``tasks`` only).
"""

from celery import shared_task
from django.urls import reverse

from accounts.mail import absolute_url, send_to_user
from grants.models import Decision
from grants.tasks_screening import screening_recipients

TEMPLATES = {
    "approved": "grants/email/decision_approved",
    "waitlisted": "grants/email/decision_waitlisted",
    "rejected": "grants/email/decision_rejected",
}


@shared_task(name="grants.decision_notify")
def decision_notify(*, decision_id: int) -> None:
    """Tell the organisation's owners and editors, each in their language."""
    decision = (
        Decision.objects.select_related("application__call__programme", "application__organisation")
        .filter(pk=decision_id)
        .first()
    )
    if decision is None:
        return
    application = decision.application
    if application.state != decision.outcome:
        return  # decided again (a waitlisted one approved) before this mail left
    context = {
        "application": application,
        "decision": decision,
        "currency": application.call.programme.currency,
        "link": absolute_url(reverse("application_detail", args=[application.pk])),
    }
    for user in screening_recipients(application):
        send_to_user(
            user=user,
            template=TEMPLATES[decision.outcome],
            context=context,
            # A waitlisted decision is updated in place when approved: the outcome is
            # part of the event.
            dedup_key=f"decision:{decision.pk}:{decision.outcome}:{user.pk}",
        )
