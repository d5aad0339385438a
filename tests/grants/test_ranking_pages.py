"""The ranking page shows its table a page at a time: where the funding line falls,
coming back to the row just acted on, and bulk decisions that cover rows on other
pages (and refuse a line that moved since the page was shown)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from grants.enums import DecisionOutcome
from grants.models import CallReviewSettings, Decision, FundingLineOverride
from tests.grants.test_ranking_stats import hand_example

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_per_page(monkeypatch):
    monkeypatch.setattr("grants.views.ranking.ROWS_PER_PAGE", 2)


@pytest.fixture
def example(two_per_page):
    """A 73.33, B 63.33, C 60.00 with a pass mark of 62: A and B are above the line,
    C below it; at 2 rows a page, C is alone on page 2."""
    call, apps, _reviewers = hand_example()
    settings_row = CallReviewSettings.for_call(call)
    settings_row.pass_mark = Decimal("62")
    settings_row.save()
    return call, apps


def ranking_url(call):
    return reverse("staff_ranking", args=[call.pk])


def shown(response):
    return [row.application.reference for row in response.context["page"].object_list]


def test_the_table_shows_one_page_of_rows_in_rank_order(client, example, staff):
    call, _apps = example
    client.force_login(staff)
    first = client.get(ranking_url(call))
    second = client.get(ranking_url(call), {"page": 2})
    assert shown(first) == ["PIA-2017-001", "PIA-2017-002"]
    assert shown(second) == ["PIA-2017-003"]
    assert [row.rank for row in second.context["page"].object_list] == [3]
    assert "Rows 3–3 of 3; the ranking sheet (XLSX) holds them all." in second.content.decode()


def test_a_page_number_that_is_not_one_shows_a_page_anyway(client, example, staff):
    call, _apps = example
    client.force_login(staff)
    assert shown(client.get(ranking_url(call), {"page": "x"})) == ["PIA-2017-001", "PIA-2017-002"]
    assert shown(client.get(ranking_url(call), {"page": 99})) == ["PIA-2017-003"]


def test_the_funding_line_is_drawn_after_its_last_row_and_reachable_from_other_pages(
    client, example, staff
):
    call, _apps = example
    client.force_login(staff)
    first = client.get(ranking_url(call)).content.decode()
    second = client.get(ranking_url(call), {"page": 2}).content.decode()
    assert "The funding line falls after row 2, on page 1." in first
    assert first.count('id="funding-line"') == 1
    assert first.index('id="funding-line"') > first.index("PIA-2017-002")
    assert "Go to the funding line" not in first
    assert 'id="funding-line"' not in second
    assert '<a href="?page=1#funding-line">Go to the funding line</a>' in second


def test_an_application_moved_above_the_line_moves_the_line_to_another_page(client, example, staff):
    call, apps = example
    FundingLineOverride.objects.create(
        application=apps["C"], include=True, reason="Unique project.", by=staff
    )
    client.force_login(staff)
    second = client.get(ranking_url(call), {"page": 2}).content.decode()
    assert "The funding line falls after row 3, on page 2." in second
    assert second.index('id="funding-line"') > second.index("PIA-2017-003")


def test_with_no_application_above_the_line_the_page_says_so(client, example, staff):
    call, _apps = example
    settings_row = CallReviewSettings.for_call(call)
    settings_row.pass_mark = Decimal("99")
    settings_row.save()
    client.force_login(staff)
    html = client.get(ranking_url(call)).content.decode()
    assert "No application is above the funding line." in html
    assert 'id="funding-line"' not in html


def test_staff_narrow_the_table_and_the_pages_keep_the_choice(client, example, staff):
    call, _apps = example
    client.force_login(staff)
    below = client.get(ranking_url(call), {"show": "below"})
    assert shown(below) == ["PIA-2017-003"]
    assert [row.rank for row in below.context["page"].object_list] == [3]
    assert shown(client.get(ranking_url(call), {"show": "funded"})) == [
        "PIA-2017-001",
        "PIA-2017-002",
    ]
    to_decide = client.get(ranking_url(call), {"show": "to_decide"})
    assert shown(to_decide) == ["PIA-2017-001", "PIA-2017-002"]
    assert '<a class="page-link" href="?show=to_decide&amp;page=2">' in to_decide.content.decode()
    assert shown(client.get(ranking_url(call), {"show": "to_decide", "page": 2})) == [
        "PIA-2017-003"
    ]


def test_a_narrowed_table_still_leads_to_the_funding_line_of_the_whole_ranking(
    client, example, staff
):
    call, _apps = example
    client.force_login(staff)
    html = client.get(ranking_url(call), {"show": "below"}).content.decode()
    assert "The funding line falls after row 2, on page 1." in html
    assert '<a href="?page=1#funding-line">Go to the funding line</a>' in html


def test_a_choice_that_does_not_exist_shows_every_row(client, example, staff):
    call, _apps = example
    client.force_login(staff)
    response = client.get(ranking_url(call), {"show": "everything", "page": 2})
    assert shown(response) == ["PIA-2017-003"]


def test_when_no_row_matches_the_table_says_so(client, example, staff):
    call, _apps = example
    client.force_login(staff)
    response = client.get(ranking_url(call), {"show": "disagreement"})
    assert shown(response) == ["PIA-2017-001", "PIA-2017-002"]  # ranges 30 and 40
    settings_row = CallReviewSettings.for_call(call)
    settings_row.disagreement_threshold = Decimal("50")
    settings_row.save()
    response = client.get(ranking_url(call), {"show": "disagreement"})
    assert shown(response) == []
    assert "No application matches this choice." in response.content.decode()


def test_moving_an_application_leads_back_to_the_page_holding_its_row(client, example, staff):
    call, apps = example
    client.force_login(staff)
    response = client.post(
        reverse("staff_funding_override", args=[apps["C"].pk]),
        {"include": "1", "reason": "Unique project."},
        follow=True,
    )
    assert response.redirect_chain == [
        (f"{ranking_url(call)}?application={apps['C'].pk}#row-{apps['C'].pk}", 302)
    ]
    assert shown(response) == ["PIA-2017-003"]
    assert response.context["page"].object_list[0].status == "included"


def test_a_page_asked_for_wins_over_the_application_to_show(client, example, staff):
    call, apps = example
    client.force_login(staff)
    response = client.get(ranking_url(call), {"application": apps["C"].pk, "page": 1})
    assert shown(response) == ["PIA-2017-001", "PIA-2017-002"]


def test_a_decision_on_a_row_of_the_second_page_is_recorded_and_shown_there(client, example, staff):
    call, apps = example
    client.force_login(staff)
    response = client.post(
        reverse("staff_application_decide", args=[apps["C"].pk]),
        {"outcome": DecisionOutcome.WAITLIST, "expected_state": "eligible", "reason": "Later."},
        follow=True,
    )
    assert shown(response) == ["PIA-2017-003"]
    assert Decision.objects.get().application == apps["C"]
    assert "Waitlisted" in response.content.decode()


def test_approve_all_proposed_covers_rows_beyond_the_page_shown(client, example, staff):
    call, apps = example
    client.force_login(staff)
    second = client.get(ranking_url(call), {"page": 2})
    assert 'name="applications"' in second.content.decode()  # C's tick box
    response = client.post(
        reverse("staff_ranking_decide_bulk", args=[call.pk]),
        {"action": "proposed", "fingerprint": second.context["proposed_fingerprint"]},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        "2 decisions were recorded and the applicants told."
    ]
    assert sorted(Decision.objects.values_list("application", flat=True)) == [
        apps["A"].pk,
        apps["B"].pk,
    ]


def test_approve_all_proposed_decides_nothing_when_the_line_moved_meanwhile(client, example, staff):
    call, apps = example
    client.force_login(staff)
    fingerprint = client.get(ranking_url(call)).context["proposed_fingerprint"]
    FundingLineOverride.objects.create(
        application=apps["C"], include=True, reason="Moved by a colleague.", by=staff
    )
    response = client.post(
        reverse("staff_ranking_decide_bulk", args=[call.pk]),
        {"action": "proposed", "fingerprint": fingerprint},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        "The funding line changed since the page was shown: nothing was decided. "
        "Check the ranking and try again."
    ]
    assert Decision.objects.count() == 0


def test_a_bulk_action_on_the_whole_line_without_its_fingerprint_is_refused(client, example, staff):
    call, _apps = example
    client.force_login(staff)
    response = client.post(
        reverse("staff_ranking_decide_bulk", args=[call.pk]),
        {"action": "proposed"},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        "The page sent no funding line: reload it and try again."
    ]
    assert Decision.objects.count() == 0


def test_the_page_stays_small_whatever_the_number_of_rows_below_the_line(client, example, staff):
    """The bulk forms send a fingerprint, not one hidden field per application."""
    call, _apps = example
    client.force_login(staff)
    html = client.get(ranking_url(call)).content.decode()
    assert html.count('type="hidden" name="applications"') == 0
    assert html.count('name="fingerprint"') == 2


@pytest.mark.parametrize("who", ["applicant_a", "committee_member", "donor_viewer"])
def test_only_staff_may_page_through_the_ranking(client, example, who, request):
    call, apps = example
    client.force_login(request.getfixturevalue(who))
    assert client.get(ranking_url(call), {"page": 2}).status_code == 404
    assert client.get(ranking_url(call), {"application": apps["C"].pk}).status_code == 404


def test_the_cached_ranking_is_redrawn_once_a_change_commits(
    client, example, staff, django_capture_on_commit_callbacks
):
    """The page keeps the ranking in the cache, but shows a committed change at once:
    here a pass mark raised above B's score takes B below the line."""
    call, _apps = example
    client.force_login(staff)
    first = client.get(ranking_url(call)).content.decode()
    assert "The funding line falls after row 2, on page 1." in first

    with django_capture_on_commit_callbacks(execute=True):
        settings_row = CallReviewSettings.for_call(call)
        settings_row.pass_mark = Decimal("70")
        settings_row.save()

    again = client.get(ranking_url(call)).content.decode()
    assert "The funding line falls after row 1, on page 1." in again


def test_paging_through_the_ranking_does_not_rank_the_call_again(client, example, staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.committed import as_if_committed

    call, _apps = example
    client.force_login(staff)
    # The data committed, as in production (the test's transaction never commits): the
    # ranking's cache key follows committed writes only (config/page_cache.py).
    as_if_committed()

    def statistics_queries(**params):
        with CaptureQueriesContext(connection) as queries:
            client.get(ranking_url(call), params)
        return [q for q in queries.captured_queries if "STDDEV" in q["sql"].upper()]

    assert len(statistics_queries()) == 2  # the first page ranks the call
    assert statistics_queries(page=2) == []  # the next one reads the cached ranking
