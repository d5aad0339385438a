"""Donor summaries: asking for one, making it once, failing cleanly, the monthly schedule,
the mail to the donor's recipients, and the pages for each role."""

import datetime
import importlib
from decimal import Decimal
from pathlib import Path
from unittest.mock import patch

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from grants.models import Programme
from reporting.models import DonorRecipient, DonorSummary, SummaryStatus
from reporting.summaries import (
    previous_month,
    summary_build,
    summary_mail,
    summary_previous_month,
    summary_request,
)
from reporting.tasks_summaries import monthly_donor_summaries
from tests.factories import ProgrammeFactory
from tests.reporting.conftest import at_noon
from tests.reporting.summary_data import JANUARY, build_programme

pytestmark = pytest.mark.django_db

START, END = JANUARY


@pytest.fixture
def programme(organisation_a, organisation_b, oblast, applicant_a, applicant_b):
    return build_programme(
        organisation_a=organisation_a,
        organisation_b=organisation_b,
        oblast=oblast,
        applicant_a=applicant_a,
        applicant_b=applicant_b,
    )["programme"]


def stored_files() -> list[str]:
    root = Path(settings.MEDIA_ROOT) / "summaries"
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def make_summary(programme, by=None, **kwargs) -> DonorSummary:
    summary = summary_request(
        programme=programme, period_start=START, period_end=END, by=by, **kwargs
    )
    summary_build(summary_id=summary.pk)
    summary.refresh_from_db()
    return summary


# --- once per programme and period ---------------------------------------------------


def test_asking_twice_and_building_twice_makes_one_summary_with_its_files_once(programme, staff):
    first = make_summary(programme, by=staff)
    second = make_summary(programme, by=staff)

    assert DonorSummary.objects.count() == 1
    assert second.pk == first.pk
    assert second.status == SummaryStatus.READY
    assert second.progress == 100
    assert stored_files() == [
        f"{programme.pk}/2018-01-2018-01-31-summary.pdf",
        f"{programme.pk}/2018-01-2018-01-31-summary.xlsx",
    ]


def test_a_build_of_a_ready_summary_does_nothing(programme, staff):
    summary = make_summary(programme, by=staff)
    finished = summary.finished_at

    assert summary_build(summary_id=summary.pk) is None
    summary.refresh_from_db()
    assert summary.finished_at == finished


def test_a_build_of_a_summary_that_is_gone_returns_quietly(db):
    assert summary_build(summary_id=987654) is None


def test_a_request_queues_the_build_once_on_commit(
    programme, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        summary = summary_request(programme=programme, period_start=START, period_end=END, by=staff)
    with django_capture_on_commit_callbacks(execute=True) as again:
        summary_request(programme=programme, period_start=START, period_end=END, by=staff)

    # The build's own callback (the mail) runs inside the first capture too.
    assert len(callbacks) == 2
    assert again == []
    summary.refresh_from_db()
    assert summary.status == SummaryStatus.READY


def test_a_period_that_ends_before_it_starts_is_refused(programme, staff):
    with pytest.raises(ValidationError):
        summary_request(programme=programme, period_start=END, period_end=START, by=staff)

    assert DonorSummary.objects.count() == 0


def test_a_second_currency_without_a_rate_is_refused(programme, staff):
    with pytest.raises(ValidationError) as refused:
        summary_request(
            programme=programme, period_start=START, period_end=END, second_currency="USD"
        )

    assert refused.value.message_dict == {
        "exchange_rate": ["Give the rate of the second currency (more than 0)."]
    }
    assert DonorSummary.objects.count() == 0


# --- failing cleanly -------------------------------------------------------------


def test_a_failed_build_leaves_no_file_no_figures_and_says_why(programme, staff):
    with patch("reporting.summary_files.summary_pdf", side_effect=RuntimeError("no fonts")):
        summary = make_summary(programme, by=staff)

    assert summary.status == SummaryStatus.FAILED
    assert summary.error == "RuntimeError: no fonts"
    assert summary.figures == {}
    assert not summary.pdf
    assert not summary.xlsx
    assert summary.progress == 0
    assert stored_files() == []
    assert mail.outbox == []


def test_a_failure_after_the_files_were_written_deletes_them(programme, staff):
    def refuse(self, *args, **kwargs):
        raise RuntimeError("database went away")

    summary = summary_request(programme=programme, period_start=START, period_end=END, by=staff)
    with patch.object(DonorSummary, "save", refuse):
        summary_build(summary_id=summary.pk)
    summary.refresh_from_db()

    assert summary.status == SummaryStatus.FAILED
    assert summary.error == "RuntimeError: database went away"
    assert stored_files() == []
    assert not summary.pdf
    assert summary.figures == {}


def test_a_failed_summary_is_made_again_when_asked_for(programme, staff):
    with patch("reporting.summary_files.summary_pdf", side_effect=RuntimeError("no fonts")):
        failed = make_summary(programme, by=staff)

    retried = make_summary(programme, by=staff)

    assert retried.pk == failed.pk
    assert retried.status == SummaryStatus.READY
    assert retried.error == ""
    assert retried.figures["headline"]["awarded"] == "500000.00"
    assert len(stored_files()) == 2


def test_a_failed_summary_can_be_built_again_directly(programme, staff):
    with patch("reporting.summary_files.summary_xlsx", side_effect=ValueError("bad sheet")):
        failed = make_summary(programme, by=staff)
    assert failed.status == SummaryStatus.FAILED

    summary_build(summary_id=failed.pk)

    failed.refresh_from_db()
    assert failed.status == SummaryStatus.READY


def test_progress_is_committed_step_by_step_while_the_summary_is_made(programme, staff):
    seen = []
    from reporting import summary_files

    real_pdf, real_xlsx = summary_files.summary_pdf, summary_files.summary_xlsx

    def pdf(**kwargs):
        seen.append(DonorSummary.objects.values_list("status", "progress").get())
        return real_pdf(**kwargs)

    def xlsx(**kwargs):
        seen.append(DonorSummary.objects.values_list("status", "progress").get())
        return real_xlsx(**kwargs)

    with (
        patch("reporting.summary_files.summary_pdf", pdf),
        patch("reporting.summary_files.summary_xlsx", xlsx),
    ):
        summary = make_summary(programme, by=staff)

    assert seen == [("running", 40), ("running", 70)]
    assert (summary.status, summary.progress) == ("ready", 100)


# --- the monthly schedule --------------------------------------------------------


def test_the_previous_month_is_the_whole_calendar_month_before():
    assert previous_month(datetime.date(2018, 2, 1)) == (
        datetime.date(2018, 1, 1),
        datetime.date(2018, 1, 31),
    )
    assert previous_month(datetime.date(2018, 1, 15)) == (
        datetime.date(2017, 12, 1),
        datetime.date(2017, 12, 31),
    )


def test_the_monthly_run_makes_last_months_summary_of_each_running_programme_once(
    programme, django_capture_on_commit_callbacks
):
    ended = ProgrammeFactory(
        slug="pilot",
        name="Pilot",
        starts_on=datetime.date(2015, 1, 1),
        ends_on=datetime.date(2016, 12, 31),
    )

    with django_capture_on_commit_callbacks(execute=True):
        summary_previous_month(today=datetime.date(2018, 2, 1))
    with django_capture_on_commit_callbacks(execute=True) as again:
        summary_previous_month(today=datetime.date(2018, 2, 1))

    assert again == []

    assert list(
        DonorSummary.objects.values_list("programme", "period_start", "period_end", "status")
    ) == [(programme.pk, START, END, SummaryStatus.READY)]
    assert not DonorSummary.objects.filter(programme=ended).exists()


def test_the_beat_task_uses_the_day_in_bishkek(programme):
    # 1 February 2018, 00:30 in Bishkek is still 31 January in UTC.
    moment = datetime.datetime(2018, 1, 31, 18, 30, tzinfo=datetime.UTC)
    with patch("django.utils.timezone.now", return_value=moment):
        assert monthly_donor_summaries() == 1

    summary = DonorSummary.objects.get()
    assert (summary.period_start, summary.period_end) == (START, END)
    assert summary.requested_by is None


def test_the_beat_schedule_exists_after_migrate():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.select_related("crontab").get(name="Donor summaries (monthly)")

    assert task.task == "reporting.monthly_donor_summaries"
    assert task.enabled is True
    assert (
        task.crontab.minute,
        task.crontab.hour,
        task.crontab.day_of_month,
        task.crontab.month_of_year,
        task.crontab.day_of_week,
        str(task.crontab.timezone),
    ) == ("0", "6", "1", "*", "*", "Asia/Bishkek")


def test_the_schedule_migration_can_be_reversed_and_applied_again():
    from django_celery_beat.models import PeriodicTask

    migration = importlib.import_module("reporting.migrations.0004_donor_summary_beat_schedule")

    migration.remove_task(django_apps, None)
    assert not PeriodicTask.objects.filter(name="Donor summaries (monthly)").exists()
    migration.create_task(django_apps, None)
    migration.create_task(django_apps, None)
    assert PeriodicTask.objects.filter(name="Donor summaries (monthly)").count() == 1


# --- mail ------------------------------------------------------------------------


@pytest.fixture
def recipients(programme):
    return [
        DonorRecipient.objects.create(
            programme=programme, name="Ann Officer", email="ann@inl.example", language="en"
        ),
        DonorRecipient.objects.create(
            programme=programme, name="Иван Петров", email="ivan@inl.example", language="ru"
        ),
        DonorRecipient.objects.create(
            programme=programme,
            name="Former Officer",
            email="former@inl.example",
            language="en",
            is_active=False,
        ),
    ]


def test_a_ready_summary_is_mailed_once_to_each_active_recipient_in_their_language(
    programme, recipients, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        summary = summary_request(programme=programme, period_start=START, period_end=END, by=staff)

    link = f"{settings.SITE_URL}/summaries/{summary.pk}/"
    assert [message.to for message in mail.outbox] == [["ann@inl.example"], ["ivan@inl.example"]]
    english, russian = mail.outbox
    assert english.subject == "Prevention in Action: donor summary 01.01.2018 – 31.01.2018"
    assert "Dear Ann Officer," in english.body
    assert "1 January 2018 – 31 January 2018" in english.body
    assert link in english.body
    # Russian month names come from Django's own catalogue.
    assert "1 января 2018" in russian.body
    assert link in russian.body
    summary.refresh_from_db()
    assert summary.mailed_at is not None

    assert summary_mail(summary_id=summary.pk) == 0
    assert len(mail.outbox) == 2


def test_a_summary_not_ready_is_not_mailed(programme, recipients):
    summary = DonorSummary.objects.create(programme=programme, period_start=START, period_end=END)

    assert summary_mail(summary_id=summary.pk) == 0
    assert mail.outbox == []


def test_a_failed_sending_gives_the_mail_back_for_a_later_try(programme, recipients, staff):
    summary = make_summary(programme, by=staff)
    DonorSummary.objects.filter(pk=summary.pk).update(mailed_at=None)
    mail.outbox.clear()

    with (
        patch("reporting.summaries.send_templated", side_effect=OSError("SMTP down")),
        pytest.raises(OSError),
    ):
        summary_mail(summary_id=summary.pk)

    summary.refresh_from_db()
    assert summary.mailed_at is None
    assert summary_mail(summary_id=summary.pk) == 2


def test_a_mail_failure_leaves_the_summary_ready_and_asking_again_sends_it(
    programme, recipients, staff, django_capture_on_commit_callbacks
):
    with (
        patch("reporting.summaries.send_templated", side_effect=OSError("SMTP down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        summary = summary_request(programme=programme, period_start=START, period_end=END, by=staff)
    summary.refresh_from_db()
    assert (summary.status, summary.mailed_at, len(stored_files())) == ("ready", None, 2)

    with django_capture_on_commit_callbacks(execute=True):
        summary_request(programme=programme, period_start=START, period_end=END, by=staff)

    assert [message.to for message in mail.outbox] == [["ann@inl.example"], ["ivan@inl.example"]]


# --- pages -----------------------------------------------------------------------


def list_url():
    return reverse("donor_summary_list")


@pytest.mark.parametrize("who", ["applicant_a", "committee_member"])
def test_the_summaries_do_not_exist_for_applicants_and_committee_members(
    client, request, programme, staff, who
):
    summary = make_summary(programme, by=staff)
    client.force_login(request.getfixturevalue(who))

    for name in [
        "donor_summary_detail",
        "donor_summary_progress",
        "donor_summary_pdf",
        "donor_summary_xlsx",
    ]:
        assert client.get(reverse(name, args=[summary.pk])).status_code == 404
    assert client.get(list_url()).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(list_url())

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_staff_see_the_list_with_the_request_form(client, programme, staff):
    summary = make_summary(programme, by=staff)
    client.force_login(staff)

    response = client.get(list_url())

    assert response.status_code == 200
    assert list(response.context["summaries"]) == [summary]
    assert response.context["form"] is not None
    start, end = previous_month(timezone.localdate())
    assert response.context["form"].initial == {"period_start": start, "period_end": end}
    assert reverse("donor_summary_pdf", args=[summary.pk]).encode() in response.content


def test_a_donor_viewer_sees_the_list_without_the_form(client, programme, staff, donor_viewer):
    summary = make_summary(programme, by=staff)
    client.force_login(donor_viewer)

    response = client.get(list_url())

    assert response.status_code == 200
    assert list(response.context["summaries"]) == [summary]
    assert response.context["form"] is None
    assert b"Make the summary" not in response.content


def form_data(programme, **changes):
    return {
        "programme": programme.pk,
        "period_start": "2018-01-01",
        "period_end": "2018-01-31",
        "second_currency": "",
        "exchange_rate": "",
        **changes,
    }


def test_staff_ask_for_a_summary_and_land_on_its_page(
    client, programme, staff, django_capture_on_commit_callbacks
):
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            list_url(), form_data(programme, second_currency="usd", exchange_rate="68.5")
        )

    summary = DonorSummary.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("donor_summary_detail", args=[summary.pk])
    assert (summary.requested_by, summary.second_currency, summary.exchange_rate) == (
        staff,
        "USD",
        Decimal("68.5000"),
    )
    assert summary.status == SummaryStatus.READY
    assert summary.figures["converted"]["awarded"] == "7299.27"


def test_asking_again_for_the_same_period_opens_the_summary_there_is(client, programme, staff):
    summary = make_summary(programme, by=staff)
    client.force_login(staff)

    response = client.post(list_url(), form_data(programme), follow=True)

    assert response.redirect_chain == [(reverse("donor_summary_detail", args=[summary.pk]), 302)]
    assert DonorSummary.objects.count() == 1
    assert "A summary of this programme and period exists already: here it is." in [
        str(message) for message in response.context["messages"]
    ]


def test_a_donor_viewer_may_not_ask_for_a_summary(client, programme, donor_viewer):
    client.force_login(donor_viewer)

    response = client.post(list_url(), form_data(programme))

    assert response.status_code == 403
    assert DonorSummary.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"period_end": "2017-12-31"},
            "period_end",
            "The period cannot end before it starts.",
        ),
        (
            {"period_start": "2021-01-01", "period_end": "2021-01-31"},
            "period_start",
            "The period must overlap the programme (01.01.2017 – 31.12.2019).",
        ),
        ({"second_currency": "USD"}, "exchange_rate", "Give the rate of the second currency."),
        ({"exchange_rate": "68.5"}, "second_currency", "Name the currency of this rate."),
        (
            {"second_currency": "US$", "exchange_rate": "68.5"},
            "second_currency",
            "Enter a three-letter currency code, for example USD.",
        ),
        (
            {"second_currency": "KGS", "exchange_rate": "1"},
            "second_currency",
            "The second currency must differ from the programme's.",
        ),
        (
            {"second_currency": "USD", "exchange_rate": "0"},
            "exchange_rate",
            "Ensure this value is greater than or equal to 0.0001.",
        ),
        ({"period_start": "yesterday"}, "period_start", "Enter a valid date."),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_saved(
    client, programme, staff, changes, field, message
):
    client.force_login(staff)

    response = client.post(list_url(), form_data(programme, **changes))

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert b'id="error-summary"' in response.content
    assert DonorSummary.objects.count() == 0


def test_a_summary_being_made_polls_its_progress_and_offers_a_refresh_link(
    client, programme, donor_viewer
):
    summary = DonorSummary.objects.create(
        programme=programme,
        period_start=START,
        period_end=END,
        status=SummaryStatus.RUNNING,
        progress=40,
    )
    client.force_login(donor_viewer)
    progress_url = reverse("donor_summary_progress", args=[summary.pk])

    page = client.get(reverse("donor_summary_detail", args=[summary.pk])).content.decode()
    polled = client.get(progress_url, HTTP_HX_REQUEST="true")
    fragment = polled.content.decode()

    for html in (page, fragment):
        assert f'hx-get="{progress_url}"' in html
        assert 'hx-trigger="every 2s"' in html
        assert '<progress class="summary-progress w-100 d-block mb-2"' in html
        assert 'value="40"' in html
        assert f'href="{reverse("donor_summary_detail", args=[summary.pk])}">Refresh</a>' in html
    assert "<html" not in fragment
    assert "HX-Refresh" not in polled
    assert client.get(reverse("donor_summary_pdf", args=[summary.pk])).status_code == 404


def test_a_ready_summary_stops_polling_and_offers_its_files(client, programme, staff, donor_viewer):
    summary = make_summary(programme, by=staff)
    client.force_login(donor_viewer)

    response = client.get(reverse("donor_summary_progress", args=[summary.pk]))
    polled = client.get(
        reverse("donor_summary_progress", args=[summary.pk]), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()

    assert polled["HX-Refresh"] == "true"
    assert "HX-Refresh" not in response
    assert "hx-get" not in html
    assert reverse("donor_summary_pdf", args=[summary.pk]) in html
    assert reverse("donor_summary_xlsx", args=[summary.pk]) in html


def test_a_failed_summary_shows_staff_the_error_and_a_retry_but_not_donor_viewers(
    client, programme, staff, donor_viewer
):
    with patch("reporting.summary_files.summary_pdf", side_effect=RuntimeError("no fonts")):
        summary = make_summary(programme, by=staff)
    url = reverse("donor_summary_detail", args=[summary.pk])

    client.force_login(staff)
    staff_html = client.get(url).content.decode()
    client.force_login(donor_viewer)
    donor_html = client.get(url).content.decode()

    assert "RuntimeError: no fonts" in staff_html
    assert "Try again" in staff_html
    assert "RuntimeError" not in donor_html
    assert "Try again" not in donor_html
    assert "The summary could not be made." in donor_html


@pytest.mark.parametrize(
    ("name", "content_type", "filename"),
    [
        ("donor_summary_pdf", "application/pdf", "donor-summary-pia-2018-01-01-2018-01-31.pdf"),
        (
            "donor_summary_xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "donor-summary-pia-2018-01-01-2018-01-31.xlsx",
        ),
    ],
)
def test_a_donor_viewer_downloads_the_files_as_attachments(
    client, programme, staff, donor_viewer, name, content_type, filename
):
    summary = make_summary(programme, by=staff)
    client.force_login(donor_viewer)

    response = client.get(reverse(name, args=[summary.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content)
    response.close()
    assert body == getattr(summary, name.rsplit("_", 1)[1]).open("rb").read()
    getattr(summary, name.rsplit("_", 1)[1]).close()


def test_the_detail_page_shows_the_snapshot_in_both_currencies(client, programme, staff):
    summary = make_summary(
        programme, by=staff, second_currency="USD", exchange_rate=Decimal("68.5")
    )
    client.force_login(staff)

    html = client.get(reverse("donor_summary_detail", args=[summary.pk])).content.decode()

    assert "USD at 68.5 KGS per USD" in html
    assert "500,000.00 KGS" in html
    assert "7,299.27 USD" in html


def _summaries(programme, count):
    day = datetime.date(2017, 1, 1)
    for _index in range(count):
        end = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        DonorSummary.objects.create(
            programme=programme,
            period_start=day,
            period_end=end - datetime.timedelta(days=1),
        )
        day = end


@pytest.mark.parametrize("count", [1, 6])
def test_the_list_takes_the_same_number_of_queries_for_one_or_many_summaries(
    client, django_assert_num_queries, staff, count
):
    programme = ProgrammeFactory()
    _summaries(programme, count)
    client.force_login(staff)

    # session, user, count, page of summaries with their programme, the form's programmes
    with django_assert_num_queries(5):
        response = client.get(list_url())

    assert len(response.context["summaries"]) == count


def test_programmes_are_offered_newest_first(client, staff):
    older = ProgrammeFactory(slug="pilot", name="Pilot", starts_on=datetime.date(2015, 1, 1))
    newer = ProgrammeFactory()
    client.force_login(staff)

    form = client.get(list_url()).context["form"]

    assert list(form.fields["programme"].queryset) == [newer, older]
    assert Programme.objects.count() == 2


def test_a_summary_made_on_demand_is_written_in_the_requesting_language(programme, staff):
    staff.language = "ru"
    staff.save(update_fields=["language"])

    summary = make_summary(programme, by=staff)

    assert summary.figures["summary"]["language"] == "ru"
    assert [row["name"] for row in summary.figures["by_oblast"]] == [
        "Иссык-Кульская область",
        "Ошская область",
    ]


def test_a_scheduled_summary_is_written_in_english(programme, django_capture_on_commit_callbacks):
    with (
        patch("django.utils.timezone.now", return_value=at_noon(datetime.date(2018, 2, 1))),
        django_capture_on_commit_callbacks(execute=True),
    ):
        summary_previous_month()

    assert DonorSummary.objects.get().figures["summary"]["language"] == "en"


# --- a worker killed mid-build ---------------------------------------------------------


def test_a_build_abandoned_by_a_killed_worker_is_made_again_when_the_task_returns(programme, staff):
    import datetime

    from django.utils import timezone

    summary = DonorSummary.objects.create(
        programme=programme,
        period_start=START,
        period_end=END,
        status=SummaryStatus.RUNNING,
        progress=40,
        started_at=timezone.now() - datetime.timedelta(minutes=20),
    )
    summary_build(summary_id=summary.pk)
    summary.refresh_from_db()
    assert summary.status == SummaryStatus.READY
    assert DonorSummary.objects.count() == 1


def test_a_build_another_worker_is_still_making_is_left_alone(programme, staff):
    import datetime

    from django.utils import timezone

    summary = DonorSummary.objects.create(
        programme=programme,
        period_start=START,
        period_end=END,
        status=SummaryStatus.RUNNING,
        progress=40,
        started_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    assert summary_build(summary_id=summary.pk) is None
    summary.refresh_from_db()
    assert (summary.status, summary.progress) == (SummaryStatus.RUNNING, 40)
