"""Background work of the grants app. Thin: take ids, refetch, return quietly if gone.

The mail tasks are called by the services inside the transaction of the change: the
messages they write go into the mail outbox (``accounts.outbox``) with the change and
leave once it commits, so a broker outage loses none. They stay Celery tasks, so that a
message queued before that change is still handled."""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.mail import absolute_url, send_to_user
from grants.models import Application


@shared_task(name="grants.application_send_receipt")
def application_send_receipt(*, application_id: int, user_id: int) -> None:
    """Mail the submitting person a receipt with the reference, in their language."""
    application = (
        Application.objects.select_related("call", "call__programme", "organisation")
        .filter(pk=application_id)
        .first()
    )
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if application is None or user is None or not application.reference:
        return
    send_to_user(
        user=user,
        template="grants/email/receipt",
        dedup_key=f"application-submitted:{application.pk}:{user.pk}",
        context={
            "application": application,
            "call": application.call,
            "link": absolute_url(reverse("application_detail", args=[application.pk])),
        },
    )


# Celery discovers tasks in this module only: the question and screening mails live
# beside their services and are registered through these imports.
from grants.tasks_decisions import decision_notify  # noqa: E402, F401
from grants.tasks_questions import question_answered_notify, question_published_notify  # noqa: E402, F401
from grants.tasks_reviews import (  # noqa: E402, F401
    committee_member_added_notify,
    committee_member_removed_notify,
)
from grants.tasks_screening import application_screening_notify  # noqa: E402, F401
