"""The mail outbox: every message is a row first, and leaves later.

Writing: ``mail_queue`` inserts an ``OutboundMail`` row in the caller's transaction (so a
change and the mail about it commit, or roll back, together), and once that transaction
commits asks Celery to deliver it at once. A broker that is down does not matter: the
publishing failure is logged, the row stays pending, and the periodic ``flush_outbox``
(Celery beat, every minute) sends it when the workers are back. A dedup key names the
event and the person; writing the same mail twice keeps one row.

Sending: ``mail_deliver`` claims a row with a conditional UPDATE (pending and due, or
claimed longer than ``MAIL_OUTBOX_SENDING_TIMEOUT`` seconds ago by a worker that died,
-> sending), sends it through Django's mail API and marks it sent. Whoever loses the
claim sends nothing, so a task delivered twice, two flushes at once or a flush beside a
delivery send each row once. A failure is kept on the row and retried with exponential
backoff (``retry_delay``: 2 min, 6 min, 18 min, 54 min, 2 h 42 min, then every 6 h);
after ``MAX_ATTEMPTS`` attempts (about 16 hours), or at once when the server refuses
every recipient, the row is marked failed and waits for an operator ("Retry now" in
the admin).

One window is left, as with any mail queue: a worker killed after the mail server
accepted a message but before the row was marked sent sends it again when the claim
goes stale. Better twice than never.
"""

import datetime
import logging
import smtplib
import time

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.enums import MailStatus
from accounts.models import OutboundMail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = datetime.timedelta(minutes=2)
RETRY_FACTOR = 3
LONGEST_RETRY = datetime.timedelta(hours=6)
# How many mails one flush sends at most; the next run (a minute later) goes on.
FLUSH_BATCH = 200
# After a failed publish, skip the broker for this long: the rows wait for the flush,
# and a request writing many mails is not slowed by one refused connection per mail.
BROKER_PAUSE_SECONDS = 30.0

_broker_paused_until = 0.0


# --- publishing tasks ------------------------------------------------------------------


def task_enqueue(task, **kwargs) -> bool:
    """Publish a Celery task; False (logged, never raised) when the broker is out of
    reach. Use it for every task whose loss the database can make up for."""
    global _broker_paused_until  # noqa: PLW0603 - a per-process circuit breaker
    from config.celery import app

    eager = app.conf.task_always_eager
    if not eager and time.monotonic() < _broker_paused_until:
        logger.warning("Broker paused after a failure: %s not published", task.name)
        return False
    try:
        task.apply_async(kwargs=kwargs, retry=False)
    except (OperationalError, OSError):
        if eager:
            raise
        _broker_paused_until = time.monotonic() + BROKER_PAUSE_SECONDS
        logger.exception("Broker unreachable: %s(%s) not published", task.name, kwargs)
        return False
    return True


def task_enqueue_on_commit(task, **kwargs) -> None:
    """``task_enqueue`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: task_enqueue(task, **kwargs))


def broker_pause_reset() -> None:
    """Forget an earlier publishing failure (the broker is known to be back)."""
    global _broker_paused_until  # noqa: PLW0603
    _broker_paused_until = 0.0


# --- writing ---------------------------------------------------------------------------


def mail_queue(
    *,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    language: str = "",
    template: str = "",
    dedup_key: str = "",
) -> OutboundMail:
    """Put a rendered message in the outbox; delivered once the transaction commits.

    With a ``dedup_key`` already in the outbox nothing new is written: the existing row
    is returned (and, still pending, offered to a worker again)."""
    row = OutboundMail(
        recipient=to,
        subject=subject,
        text=text,
        html=html or "",
        language=language or "",
        template=template,
        dedup_key=dedup_key,
        created_at=timezone.now(),
        next_attempt_at=timezone.now(),
    )
    if dedup_key:
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            row = OutboundMail.objects.get(dedup_key=dedup_key)
    else:
        row.save()
    if row.status == MailStatus.PENDING:
        from accounts.tasks import deliver_mail

        task_enqueue_on_commit(deliver_mail, mail_id=row.pk)
    return row


# --- sending ---------------------------------------------------------------------------


def retry_delay(attempts: int) -> datetime.timedelta:
    """The wait after the ``attempts``-th failed attempt: 2 min, 6 min, 18 min, 54 min,
    2 h 42 min, then 6 h."""
    return min(FIRST_RETRY * RETRY_FACTOR ** max(attempts - 1, 0), LONGEST_RETRY)


def sending_timeout() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.MAIL_OUTBOX_SENDING_TIMEOUT)


def _claimable(now) -> Q:
    due = Q(status=MailStatus.PENDING, next_attempt_at__lte=now)
    abandoned = Q(status=MailStatus.SENDING, claimed_at__lt=now - sending_timeout())
    return due | abandoned


def _message(row: OutboundMail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(row.subject, row.text, None, [row.recipient])
    if row.html:
        message.attach_alternative(row.html, "text/html")
    return message


def mail_deliver(*, mail_id: int) -> str:
    """Send one mail if it is due and nobody else is sending it; returns its status,
    or "skipped" when someone else has it, it is not due, or it is gone."""
    now = timezone.now()
    claimed = OutboundMail.objects.filter(_claimable(now), pk=mail_id).update(
        status=MailStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return "skipped"
    row = OutboundMail.objects.get(pk=mail_id)
    mine = OutboundMail.objects.filter(pk=mail_id, status=MailStatus.SENDING, claimed_at=now)
    try:
        _message(row).send()
    except Exception as error:
        logger.warning("Mail %s to %s not sent: %r", row.pk, row.recipient, error)
        refused = isinstance(error, smtplib.SMTPRecipientsRefused)
        if refused or row.attempts >= MAX_ATTEMPTS:
            status, next_attempt_at = MailStatus.FAILED, row.next_attempt_at
        else:
            status, next_attempt_at = MailStatus.PENDING, now + retry_delay(row.attempts)
        mine.update(
            status=status,
            next_attempt_at=next_attempt_at,
            claimed_at=None,
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )
        return status
    mine.update(status=MailStatus.SENT, sent_at=timezone.now(), claimed_at=None)
    return MailStatus.SENT


def outbox_flush(*, limit: int = FLUSH_BATCH) -> int:
    """Send what is due (pending after a broker or mail server outage, or left
    "sending" by a worker that died); returns how many were sent now."""
    due = list(
        OutboundMail.objects.filter(_claimable(timezone.now()))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(mail_deliver(mail_id=mail_id) == MailStatus.SENT for mail_id in due)


def outbox_retry_now(*, mails) -> int:
    """Make pending and failed mails due now (failed ones get their attempts back) and
    offer them to a worker; sent mails, and mails being sent, are left alone. Returns
    how many were made due."""
    now = timezone.now()
    ids = list(
        mails.filter(status__in=[MailStatus.PENDING, MailStatus.FAILED]).values_list(
            "pk", flat=True
        )
    )
    OutboundMail.objects.filter(pk__in=ids, status=MailStatus.FAILED).update(
        status=MailStatus.PENDING, attempts=0
    )
    retried = OutboundMail.objects.filter(pk__in=ids, status=MailStatus.PENDING).update(
        next_attempt_at=now
    )
    from accounts.tasks import deliver_mail

    for mail_id in ids:
        task_enqueue_on_commit(deliver_mail, mail_id=mail_id)
    return retried
