"""The mail outbox: a message is a row first, sent once, retried with backoff when the
mail server fails, visible to administrators, and safe against two senders at once."""

import datetime
import smtplib
import threading
from unittest.mock import patch

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from accounts.enums import MailStatus
from accounts.mail import send_templated, send_to_user
from accounts.models import OutboundMail
from accounts.outbox import (
    MAX_ATTEMPTS,
    mail_deliver,
    mail_queue,
    outbox_flush,
    retry_delay,
)
from accounts.tasks import flush_outbox

NOW = datetime.datetime(2018, 3, 1, 6, 0, tzinfo=datetime.UTC)
MINUTE = datetime.timedelta(minutes=1)


class FailingBackend:
    """The SMTP edge, failing: what Django's SMTP backend raises when the server is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class RefusingBackend(FailingBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({"nobody@example.org": (550, b"No such user")})


@pytest.fixture
def smtp_down(settings):
    settings.EMAIL_BACKEND = "tests.accounts.test_outbox.FailingBackend"


def queue(**fields) -> OutboundMail:
    return mail_queue(
        to=fields.pop("to", "alice@example.org"),
        subject=fields.pop("subject", "Receipt"),
        text=fields.pop("text", "Thank you."),
        **fields,
    )


def at(moment):
    return patch("django.utils.timezone.now", return_value=moment)


# --- writing and sending ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_mail_is_sent_once_its_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        row = queue(html="<p>Thank you.</p>", language="ru", template="grants/email/receipt")
        assert mail.outbox == []  # not before the commit

    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (MailStatus.SENT, 1, "")
    assert row.sent_at is not None
    assert [(message.to, message.subject, message.body) for message in mail.outbox] == [
        (["alice@example.org"], "Receipt", "Thank you.")
    ]
    assert mail.outbox[0].alternatives[0].content == "<p>Thank you.</p>"


@pytest.mark.django_db(transaction=True)
def test_a_mail_written_in_a_rolled_back_transaction_is_neither_kept_nor_sent():
    with pytest.raises(RuntimeError), transaction.atomic():
        queue()
        raise RuntimeError("the change failed")

    assert OutboundMail.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_templated_mail_is_rendered_in_the_recipients_language(
    applicant_a, django_capture_on_commit_callbacks
):
    applicant_a.language = "ru"
    applicant_a.save(update_fields=["language"])

    with django_capture_on_commit_callbacks(execute=True):
        send_to_user(
            user=applicant_a,
            template="grants/email/committee_removed",
            context={
                "call": {"title": "Prevention 2018", "programme": {"name": "Prevention in Action"}}
            },
        )

    row = OutboundMail.objects.get()
    assert (row.recipient, row.language, row.template) == (
        "alice@example.org",
        "ru",
        "grants/email/committee_removed",
    )
    assert mail.outbox[0].subject == row.subject


@pytest.mark.django_db
def test_the_same_event_queued_twice_is_kept_and_sent_once(
    applicant_a, django_capture_on_commit_callbacks
):
    context = {"call": {"title": "Prevention 2018", "programme": {"name": "Prevention in Action"}}}
    for _attempt in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            send_templated(
                to=applicant_a.email,
                template="grants/email/committee_removed",
                context=context,
                dedup_key="committee-removed:1:1",
            )

    assert OutboundMail.objects.count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_delivery_of_a_mail_already_sent_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        row = queue()

    assert mail_deliver(mail_id=row.pk) == "skipped"
    assert mail_deliver(mail_id=987654) == "skipped"
    assert len(mail.outbox) == 1


# --- the mail server failing --------------------------------------------------------------


def test_the_retry_schedule_grows_threefold_up_to_six_hours():
    assert [retry_delay(attempt) for attempt in range(1, MAX_ATTEMPTS)] == [
        datetime.timedelta(minutes=2),
        datetime.timedelta(minutes=6),
        datetime.timedelta(minutes=18),
        datetime.timedelta(minutes=54),
        datetime.timedelta(hours=2, minutes=42),
        datetime.timedelta(hours=6),
        datetime.timedelta(hours=6),
    ]


@pytest.mark.django_db
def test_a_failing_mail_server_is_retried_with_backoff_then_the_mail_is_sent_once(
    settings, smtp_down, django_capture_on_commit_callbacks
):
    with at(NOW), django_capture_on_commit_callbacks(execute=True):
        row = queue()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_attempt_at) == (
        MailStatus.PENDING,
        1,
        NOW + 2 * MINUTE,
    )
    assert row.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"

    with at(NOW + MINUTE):
        assert outbox_flush() == 0  # not due yet: nothing tried
    with at(NOW + 2 * MINUTE):
        assert outbox_flush() == 0  # due, tried, failed again
    row.refresh_from_db()
    assert (row.attempts, row.next_attempt_at) == (2, NOW + 8 * MINUTE)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # back up
    with at(NOW + 8 * MINUTE):
        assert outbox_flush() == 1
        assert outbox_flush() == 0
    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at) == (MailStatus.SENT, 3, NOW + 8 * MINUTE)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_mail_is_marked_failed_after_the_last_attempt(smtp_down):
    row = OutboundMail.objects.create(
        recipient="alice@example.org", subject="Receipt", text="Thanks", attempts=MAX_ATTEMPTS - 1
    )

    assert mail_deliver(mail_id=row.pk) == MailStatus.FAILED

    row.refresh_from_db()
    assert (row.status, row.attempts) == (MailStatus.FAILED, MAX_ATTEMPTS)
    assert outbox_flush() == 0  # a failed mail waits for an operator


@pytest.mark.django_db
def test_a_recipient_refused_by_the_server_fails_at_once(settings):
    settings.EMAIL_BACKEND = "tests.accounts.test_outbox.RefusingBackend"
    row = OutboundMail.objects.create(recipient="nobody@example.org", subject="S", text="T")

    assert mail_deliver(mail_id=row.pk) == MailStatus.FAILED
    row.refresh_from_db()
    assert row.attempts == 1
    assert "No such user" in row.last_error


@pytest.mark.django_db
def test_a_mail_left_sending_by_a_dead_worker_is_sent_by_the_flush_after_the_timeout(settings):
    settings.MAIL_OUTBOX_SENDING_TIMEOUT = 900
    row = OutboundMail.objects.create(
        recipient="alice@example.org",
        subject="Receipt",
        text="Thanks",
        status=MailStatus.SENDING,
        attempts=1,
        claimed_at=NOW,
    )

    with at(NOW + datetime.timedelta(minutes=10)):
        assert outbox_flush() == 0  # its worker may still be at it
    with at(NOW + datetime.timedelta(minutes=16)):
        assert flush_outbox.delay().get() == 1

    row.refresh_from_db()
    assert (row.status, row.attempts) == (MailStatus.SENT, 2)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_flush_runs_every_minute_from_the_beat_schedule():
    task = PeriodicTask.objects.select_related("interval").get(task="accounts.flush_outbox")

    assert (task.enabled, task.interval.every, task.interval.period) == (True, 1, "minutes")


# --- the admin ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_administrators_see_failed_mail_with_its_error_and_retry_it_now(
    client, admin_user, smtp_down, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        failing = queue(to="bob@example.org", subject="Decision")
    sent = OutboundMail.objects.create(
        recipient="carol@example.org", subject="Old", text="T", status=MailStatus.SENT
    )
    OutboundMail.objects.filter(pk=failing.pk).update(status=MailStatus.FAILED, attempts=8)
    client.force_login(admin_user)
    changelist = reverse("admin:accounts_outboundmail_changelist")

    page = client.get(changelist, {"status__exact": "failed"}).content.decode()

    assert "bob@example.org" in page
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in page
    assert "carol@example.org" not in page
    assert "bob@example.org" in client.get(changelist, {"q": "bob@"}).content.decode()
    detail = client.get(reverse("admin:accounts_outboundmail_change", args=[failing.pk]))
    assert detail.status_code == 200
    assert 'name="subject"' not in detail.content.decode()  # nothing to edit

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            changelist,
            {"action": "retry_now", "_selected_action": [failing.pk, sent.pk]},
            follow=True,
        )

    assert "1 mail will be sent again now" in response.content.decode()
    failing.refresh_from_db()
    assert (failing.status, failing.attempts) == (MailStatus.SENT, 1)
    assert [message.to for message in mail.outbox] == [["bob@example.org"]]


@pytest.mark.django_db
def test_staff_who_may_only_view_outgoing_mail_cannot_retry_it(client, staff):
    from django.contrib.auth.models import Permission

    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    staff.user_permissions.add(Permission.objects.get(codename="view_outboundmail"))
    row = OutboundMail.objects.create(
        recipient="bob@example.org", subject="S", text="T", status=MailStatus.FAILED
    )
    client.force_login(staff)

    changelist = reverse("admin:accounts_outboundmail_changelist")
    page = client.get(changelist).content.decode()

    assert "bob@example.org" in page
    assert "retry_now" not in page
    row.refresh_from_db()
    assert row.status == MailStatus.FAILED


# --- two senders at once ------------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises every write, so two flushes cannot race there; "
    "run with DATABASE_URL=postgres://... to test the claims under concurrency.",
)
@pytest.mark.django_db(transaction=True)
def test_two_flushes_at_once_send_each_mail_once():
    OutboundMail.objects.bulk_create(
        OutboundMail(
            recipient=f"person{number}@example.org",
            subject=f"Mail {number}",
            text="T",
            next_attempt_at=timezone.now() - MINUTE,
        )
        for number in range(30)
    )
    runners = 4
    barrier = threading.Barrier(runners)
    sent_counts, errors = [], []

    def flush():
        try:
            barrier.wait(timeout=30)
            sent_counts.append(outbox_flush())
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=flush) for _runner in range(runners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(sent_counts) == 30
    assert sorted(message.subject for message in mail.outbox) == sorted(
        f"Mail {number}" for number in range(30)
    )
    assert set(OutboundMail.objects.values_list("status", "attempts")) == {(MailStatus.SENT, 1)}
