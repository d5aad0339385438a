"""Faults: the broker (Redis) out of reach, a worker killed in the middle of a task, and
two people or runs writing at once. What users do still succeeds, the mail waits in the
outbox and leaves once, when the broker is back."""

import signal
import socket
import socketserver
import threading
import time
from unittest.mock import patch

import pytest
from django.core import mail
from django.db import connection, connections
from django.urls import reverse

from accounts.enums import MailStatus
from accounts.models import OutboundMail
from accounts.outbox import broker_pause_reset, outbox_flush
from accounts.tasks import deliver_mail, flush_outbox
from config.celery import app
from grants.enums import ApplicationState, ReviewState
from grants.models import Application
from grants.services.applications import (
    SectionConflict,
    application_save_section,
    section_version,
)
from grants.services.reviews import review_for
from reporting.enums import ReportState
from reporting.services.reminders import reminders_send_due
from tests.factories import MembershipFactory
from tests.grants.review_support import (  # noqa: F401
    application_fixture,
    declare,
    member_fixture,
    review_call_fixture,
)
from tests.grants.test_application_support import (  # noqa: F401
    call_fixture,
    draft_fixture,
    fill_every_section,
)
from tests.grants.test_reviews import form_data, score_url
from tests.reporting.conftest import (  # noqa: F401
    REVIEW_DAY,
    at_noon,
    fill_report,
    make_project,
)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free once closed: connecting is refused


def _reset_broker_connections():
    # The app keeps its connection and producer pools for the URL it first used.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker(settings):
    """Switch the broker off (a Redis URL on a closed port, tasks really published) and
    back on (tasks run in process, as in the rest of the suite)."""

    class Broker:
        def down(self):
            app.conf.task_always_eager = False
            app.conf.broker_url = f"redis://127.0.0.1:{_closed_port()}/14"
            _reset_broker_connections()

        def up(self):
            app.conf.broker_url = previous_url
            _reset_broker_connections()
            app.conf.task_always_eager = True
            broker_pause_reset()

    previous_url = app.conf.broker_url
    broker_pause_reset()
    switch = Broker()
    switch.down()
    yield switch
    switch.up()


@pytest.fixture
def report_a(organisation_a):
    """Report 1 of a project of organisation A, due 15 January 2018."""
    return make_project(organisation_a).reports.get(number=1)


def statuses():
    return sorted(OutboundMail.objects.values_list("recipient", "status", "attempts"))


# --- the broker out of reach ---------------------------------------------------------------


@pytest.mark.django_db
def test_submitting_an_application_with_the_broker_down_succeeds_and_the_receipt_waits(
    client, draft, applicant_a, oblast, broker, django_capture_on_commit_callbacks
):
    fill_every_section(draft, applicant_a, region=oblast)
    client.force_login(applicant_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("application_submit", args=[draft.pk]))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == ApplicationState.SUBMITTED
    assert statuses() == [("alice@example.org", MailStatus.PENDING, 0)]
    assert mail.outbox == []

    broker.up()
    assert flush_outbox.delay().get() == 1
    assert flush_outbox.delay().get() == 0

    assert statuses() == [("alice@example.org", MailStatus.SENT, 1)]
    assert [message.to for message in mail.outbox] == [["alice@example.org"]]
    assert draft.reference in mail.outbox[0].subject


@pytest.mark.django_db
def test_submitting_a_review_with_the_broker_down_succeeds(
    client, member, application, broker, django_capture_on_commit_callbacks
):
    declare(member, application)
    client.force_login(member.user)
    data = form_data(application.call, [7, 8, 5, 10], action="submit", recommendation="fund")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(score_url(application), data)

    assert response.status_code == 302
    assert review_for(member, application).state == ReviewState.SUBMITTED
    assert OutboundMail.objects.count() == 0  # a submitted review mails nobody
    assert mail.outbox == []


@pytest.mark.django_db
def test_submitting_a_report_with_the_broker_down_succeeds_and_staff_are_told_later(
    client, applicant_a, staff, report_a, broker, django_capture_on_commit_callbacks
):
    fill_report(report_a, applicant_a)
    client.force_login(applicant_a)

    with (
        patch("django.utils.timezone.now", return_value=at_noon(REVIEW_DAY)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("report_submit", args=[report_a.pk]))

    assert response.status_code == 302
    report_a.refresh_from_db()
    assert report_a.state == ReportState.SUBMITTED
    assert statuses() == [(staff.email, MailStatus.PENDING, 0)]
    assert mail.outbox == []

    broker.up()
    flush_outbox.delay().get()
    flush_outbox.delay().get()

    assert statuses() == [(staff.email, MailStatus.SENT, 1)]
    assert [message.to for message in mail.outbox] == [[staff.email]]


@pytest.mark.django_db
def test_a_request_writing_many_mails_tries_the_broker_down_only_once(
    report_a, applicant_a, broker, caplog, django_capture_on_commit_callbacks
):
    for _number in range(8):
        MembershipFactory(organisation=report_a.project.organisation, role="editor")

    with django_capture_on_commit_callbacks(execute=True):
        reminders_send_due(today=REVIEW_DAY)

    # One refused connection pauses the broker for the rest: the run does not wait for
    # a connection timeout once per mail.
    messages = [record.getMessage().split(":")[0] for record in caplog.records]
    assert messages == ["Broker unreachable"] + ["Broker paused after a failure"] * 8
    assert OutboundMail.objects.filter(status=MailStatus.PENDING).count() == 9


# --- two writers at once -----------------------------------------------------------------

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises every write, so two writers cannot race there; "
    "run with DATABASE_URL=postgres://... to test the claims and row locks.",
)


def race(*jobs):
    """Run the jobs in threads released at the same moment; their errors, returned."""
    barrier = threading.Barrier(len(jobs))
    outcomes = []

    def run(job):
        try:
            barrier.wait(timeout=30)
            outcomes.append(job())
        except Exception as error:  # noqa: BLE001 - returned to the test
            outcomes.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_reminder_runs_during_a_broker_outage_write_and_send_each_reminder_once(
    organisation_a, applicant_a, broker
):
    projects = [make_project(organisation_a) for _number in range(3)]
    due = projects[0].reports.order_by("due_on").first().due_on

    outcomes = race(lambda: reminders_send_due(today=due), lambda: reminders_send_due(today=due))

    assert sum(outcomes) == 3  # each of the three reminders claimed by one run or the other
    assert statuses() == [("alice@example.org", MailStatus.PENDING, 0)] * 3
    broker.up()
    assert sum(race(outbox_flush, outbox_flush)) == 3
    assert statuses() == [("alice@example.org", MailStatus.SENT, 1)] * 3
    assert len(mail.outbox) == 3


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_members_saving_one_section_at_once_keep_one_version_and_tell_the_other(
    draft, applicant_a, organisation_a
):
    colleague = MembershipFactory(organisation=organisation_a, role="editor").user
    version = section_version(draft, "summary")

    def save_as(person, title):
        def job():
            application = Application.objects.get(pk=draft.pk)
            return application_save_section(
                application=application,
                section="summary",
                by=person,
                base_version=version,
                fields={"title": title},
            )

        return job

    outcomes = race(save_as(applicant_a, "Hers"), save_as(colleague, "His"))

    conflicts = [outcome for outcome in outcomes if isinstance(outcome, SectionConflict)]
    saved = [outcome for outcome in outcomes if isinstance(outcome, Application)]
    assert (len(conflicts), len(saved)) == (1, 1)
    draft.refresh_from_db()
    assert draft.title == saved[0].title
    assert conflicts[0].saved_by.pk in {applicant_a.pk, colleague.pk}
    assert section_version(draft, "summary") == version + 1


# --- a worker killed mid-task ---------------------------------------------------------------


class _SmtpEdge(socketserver.ThreadingTCPServer):
    """The mail server: holds the first message it is given without answering (so the
    sending worker is caught mid-task), drops it unaccepted when released, and accepts
    and records every later one."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SmtpSession)
        self.accepted: list[bytes] = []
        self.holding = threading.Event()
        self.release = threading.Event()
        self.hold_next = True


class _SmtpSession(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        edge = self.server
        self.reply("220 edge.test ESMTP")
        while line := self.rfile.readline():
            command = line.strip().upper()
            if command.startswith((b"EHLO", b"HELO")):
                self.reply("250 edge.test")
            elif command.startswith((b"MAIL", b"RCPT", b"RSET", b"NOOP")):
                self.reply("250 OK")
            elif command == b"DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data)
                if edge.hold_next:
                    edge.hold_next = False
                    edge.holding.set()
                    edge.release.wait(timeout=120)
                    return  # closed before "250": the message was never accepted
                edge.accepted.append(b"".join(lines))
                self.reply("250 Queued")
            elif command == b"QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Not implemented")


@pytest.fixture
def smtp_edge():
    server = _SmtpEdge()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


def _worker_environment(smtp_port: int) -> dict[str, str]:
    return {
        # A task taken by a worker that died is handed out again after 2 s, and a mail it
        # left "sending" may be claimed again after 1 s (an hour and 15 minutes live).
        "CELERY_VISIBILITY_TIMEOUT": "2",
        "MAIL_OUTBOX_SENDING_TIMEOUT": "1",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "False",
        "EMAIL_TIMEOUT": "60",
    }


def _wait_for(predicate, timeout: float, what: str, workers) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"Timed out waiting for {what}.\n{workers.log()}")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_sending_a_mail_hands_it_to_another_that_sends_it_once(
    smtp_edge, real_celery_worker_on_the_database
):
    workers = real_celery_worker_on_the_database
    workers.env.update(_worker_environment(smtp_edge.server_address[1]))
    row = OutboundMail.objects.create(
        recipient="alice@example.org", subject="Your receipt", text="PIA-2017-007"
    )
    queue = workers.queue
    first = workers.start(loglevel="INFO")

    deliver_mail.apply_async(kwargs={"mail_id": row.pk}, queue=queue)
    _wait_for(smtp_edge.holding.is_set, 60, "the first worker to reach DATA", workers)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (MailStatus.SENDING, 1)

    first.send_signal(signal.SIGKILL)  # mid-task: the message was never acknowledged
    first.wait(timeout=20)
    smtp_edge.release.set()
    time.sleep(3)  # beyond the visibility timeout: Redis hands the task out again
    workers.start(loglevel="INFO")

    _wait_for(
        lambda: OutboundMail.objects.filter(pk=row.pk, status=MailStatus.SENT).exists(),
        90,
        "the second worker to send the mail",
        workers,
    )
    # The same task delivered once more sends nothing.
    assert (
        deliver_mail.apply_async(kwargs={"mail_id": row.pk}, queue=queue).get(timeout=60)
        == "skipped"
    ), workers.log()

    row.refresh_from_db()
    assert (row.status, row.attempts) == (MailStatus.SENT, 2)
    assert len(smtp_edge.accepted) == 1
    assert b"Subject: Your receipt" in smtp_edge.accepted[0]
