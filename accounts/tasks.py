"""Background work of the accounts app: the mail outbox (``accounts.outbox``) and the
daily clean-up of expired sessions.

Thin tasks: they take ids and call the outbox's services, which claim each row, so a
task delivered twice (late acknowledgement after a lost worker) sends nothing twice."""

from celery import shared_task


@shared_task(name="accounts.deliver_mail")
def deliver_mail(*, mail_id: int) -> str:
    """Send one mail of the outbox now, unless someone else is sending it."""
    from accounts.outbox import mail_deliver

    return mail_deliver(mail_id=mail_id)


@shared_task(name="accounts.flush_outbox")
def flush_outbox() -> int:
    """Every minute (Celery beat): send the mail left waiting by a broker or mail server
    outage, due retries, and mail a dead worker was sending."""
    from accounts.outbox import outbox_flush

    return outbox_flush()


@shared_task(name="accounts.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """Every day (Celery beat, ``CELERY_BEAT_SCHEDULE``): delete the expired sessions, as
    Django's ``clearsessions`` command does, so the session table does not grow forever
    (Redis forgets its copies by itself)."""
    from django.core.management import call_command

    call_command("clearsessions")
