"""Mail to committee members: named to a committee, taken off it.

Thin tasks: they take ids, refetch, and return quietly if the objects are gone. The
committee services call them inside their transaction: the mail goes into the outbox
(``accounts.outbox``) with the change. ``grants/tasks.py``
should import this module so that a worker registers the tasks at start-up.
"""

from celery import shared_task
from django.urls import reverse

from accounts.mail import absolute_url, send_to_user
from accounts.models import User
from grants.models import Call, CommitteeMember


@shared_task(name="grants.committee_member_added_notify")
def committee_member_added_notify(*, member_id: int) -> None:
    member = (
        CommitteeMember.objects.select_related("user", "call", "call__programme")
        .filter(pk=member_id)
        .first()
    )
    if member is None or not member.user.is_active:
        return
    send_to_user(
        user=member.user,
        template="grants/email/committee_added",
        dedup_key=f"committee-added:{member.pk}",
        context={
            "call": member.call,
            "member": member,
            "link": absolute_url(reverse("review_queue")),
        },
    )


@shared_task(name="grants.committee_member_removed_notify")
def committee_member_removed_notify(*, user_id: int, call_id: int) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    call = Call.objects.select_related("programme").filter(pk=call_id).first()
    if user is None or call is None:
        return
    if CommitteeMember.objects.filter(call=call, user=user).exists():
        return  # named again before this mail left: the welcome says what matters
    send_to_user(user=user, template="grants/email/committee_removed", context={"call": call})
