"""Mail the applicant's organisation the result of eligibility screening.

Lives in its own module while ``grants/tasks.py`` is being written; the screening
service calls it inside its transaction (the mail goes into the outbox with the
change), and ``grants/tasks.py`` should import it too so that a worker
registers the task at start-up (Celery's autodiscovery looks for ``tasks`` only).
"""

from celery import shared_task
from django.urls import NoReverseMatch, reverse

from accounts.enums import MembershipRole
from accounts.mail import absolute_url, send_to_user
from accounts.models import User
from grants.enums import ApplicationState, IneligibilityReason
from grants.models import Application


def _application_link(application) -> str:
    # The applicant's own page of the application, where it exists; their start page
    # (which lists their organisation's applications) otherwise.
    try:
        return absolute_url(reverse("application_detail", args=[application.pk]))
    except NoReverseMatch:
        return absolute_url(reverse("start"))


def screening_recipients(application) -> list[User]:
    """Those who act for the organisation: its active owners and editors."""
    return list(
        User.objects.filter(
            is_active=True,
            memberships__organisation=application.organisation_id,
            memberships__role__in=MembershipRole.can_edit(),
        ).order_by("email")
    )


@shared_task(name="grants.application_screening_notify")
def application_screening_notify(
    *, application_id: int, eligible: bool, reason_code: str = "", note: str = ""
) -> None:
    application = (
        Application.objects.select_related("call__programme", "organisation")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        return
    result = ApplicationState.ELIGIBLE if eligible else ApplicationState.INELIGIBLE
    if application.state != result:
        return  # the decision was changed again before this mail left; that one tells
    template = (
        "grants/email/screening_eligible" if eligible else "grants/email/screening_ineligible"
    )
    context = {
        "application": application,
        # Lazy: rendered inside each recipient's language by send_templated.
        "reason": IneligibilityReason(reason_code).label if reason_code else "",
        "note": note,
        "link": _application_link(application),
    }
    for user in screening_recipients(application):
        send_to_user(user=user, template=template, context=context)
