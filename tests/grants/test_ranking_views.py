"""Staff's ranking page, moving applications across the line, decisions (single and
bulk) and the exports: who may use them, what they show, and bad input."""

import io
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from grants.enums import ApplicationState, CallState, DecisionOutcome, RankingMethod
from grants.models import CallReviewSettings, Decision, FundingLineOverride
from grants.ranking import LineStatus
from tests.factories import CommitteeMemberFactory, submitted_review
from tests.grants.test_ranking_stats import call_in_review, eligible, hand_example

pytestmark = pytest.mark.django_db


@pytest.fixture
def example(organisation_a, applicant_a):
    """The hand-computed example (A 73.33, B 63.33, C 60.00), A belonging to org A."""
    call, apps, reviewers = hand_example()
    apps["A"].organisation = organisation_a
    apps["A"].save(update_fields=["organisation"])
    CallReviewSettings.for_call(call)
    return call, apps, reviewers


def ranking_url(call):
    return reverse("staff_ranking", args=[call.pk])


# --- access ----------------------------------------------------------------------------------


def _urls(call, application):
    return [
        ("get", reverse("staff_ranking", args=[call.pk])),
        ("get", reverse("staff_ranking_xlsx", args=[call.pk])),
        ("get", reverse("staff_decisions_pdf", args=[call.pk])),
        ("get", reverse("staff_application_decide", args=[application.pk])),
        ("post", reverse("staff_funding_override", args=[application.pk])),
        ("post", reverse("staff_ranking_decide_bulk", args=[call.pk])),
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client, example):
    call, apps, _reviewers = example
    for method, url in _urls(call, apps["A"]):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("who", ["applicant_a", "applicant_b", "committee_member", "donor_viewer"])
def test_nobody_but_staff_may_reach_the_ranking_decisions_or_exports(client, example, who, request):
    call, apps, _reviewers = example
    client.force_login(request.getfixturevalue(who))
    for method, url in _urls(call, apps["A"]):
        data = {"reason": "x", "include": "1", "action": "proposed"} if method == "post" else None
        assert getattr(client, method)(url, data).status_code == 404, url
    assert FundingLineOverride.objects.count() == 0
    assert Decision.objects.count() == 0


def test_a_member_of_the_committee_gets_a_404_too(client, example):
    call, apps, reviewers = example
    client.force_login(reviewers[0].user)
    assert client.get(ranking_url(call)).status_code == 404


def test_admin_may_open_the_ranking(client, example, admin_user):
    call, _apps, _reviewers = example
    client.force_login(admin_user)
    assert client.get(ranking_url(call)).status_code == 200


# --- the page --------------------------------------------------------------------------------


def test_staff_see_both_scores_and_which_one_ranks(client, example, staff):
    call, apps, _reviewers = example
    client.force_login(staff)
    response = client.get(ranking_url(call))
    assert response.status_code == 200
    rows = response.context["ranking"].rows
    assert [(row.application, row.mean, row.normalised) for row in rows] == [
        (apps["A"], Decimal("73.33"), Decimal("80.53")),
        (apps["B"], Decimal("63.33"), Decimal("63.10")),
        (apps["C"], Decimal("60.00"), Decimal("53.04")),
    ]
    html = response.content.decode()
    assert "The ranking uses: <strong>Mean of reviewers&#x27; totals</strong>" in html
    assert "80.53" in html and "73.33" in html
    assert "z-scores" in html


def test_staff_change_the_ranking_method_and_the_pass_mark(client, example, staff):
    call, _apps, _reviewers = example
    client.force_login(staff)
    response = client.post(
        ranking_url(call),
        {
            "ranking_method": RankingMethod.NORMALISED,
            "pass_mark": "65",
            "disagreement_threshold": "25",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == ranking_url(call)
    row = CallReviewSettings.for_call(call)
    assert (row.ranking_method, row.pass_mark, row.disagreement_threshold, row.oblast_cap) == (
        RankingMethod.NORMALISED,
        Decimal("65.00"),
        Decimal("25.00"),
        None,
    )
    statuses = [r.status for r in client.get(ranking_url(call)).context["ranking"].rows]
    assert statuses == [LineStatus.PROPOSED, LineStatus.BELOW_PASS_MARK, LineStatus.BELOW_PASS_MARK]


def test_a_pass_mark_above_100_is_refused_and_nothing_is_saved(client, example, staff):
    call, _apps, _reviewers = example
    client.force_login(staff)
    response = client.post(
        ranking_url(call),
        {
            "ranking_method": RankingMethod.NORMALISED,
            "pass_mark": "150",
            "disagreement_threshold": "20",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "pass_mark": ["Ensure this value is less than or equal to 100."]
    }
    assert "Please correct the following" in response.content.decode()
    # The ranking beside the errors still uses the saved settings.
    assert response.context["ranking"].settings.pass_mark == Decimal("60.00")
    row = CallReviewSettings.for_call(call)
    assert (row.ranking_method, row.pass_mark) == (RankingMethod.RAW_MEAN, Decimal("60.00"))


@pytest.mark.parametrize("count", [1, 6])
def test_the_ranking_page_costs_a_fixed_number_of_queries(
    client, staff, count, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr("grants.views.ranking.ROWS_PER_PAGE", 4)  # 6 rows: 2 pages
    call = call_in_review()
    CallReviewSettings.for_call(call)
    reviewers = [CommitteeMemberFactory(call=call) for _ in range(2)]
    for number in range(1, count + 1):
        application = eligible(call, number=number)
        for reviewer in reviewers:
            submitted_review(
                member=reviewer, application=application, points=[number % 10, 5, 5, 5]
            )
        FundingLineOverride.objects.create(
            application=application, include=True, reason="r", by=staff
        )
        if number % 2:
            Decision.objects.create(
                application=application, outcome=DecisionOutcome.WAITLIST, by=staff
            )
    client.force_login(staff)
    # session, user, the call, its settings; the whole ranking: each reviewer's mean
    # and SD, the statistics with the normalised score, the criteria, the applications
    # as plain values, their oblasts; the page's rows: their applications with
    # organisation, oblast, override and decision, and their per-criterion means
    with django_assert_num_queries(11):
        response = client.get(ranking_url(call))
    assert len(response.context["ranking"].rows) == count
    assert len(response.context["page"].object_list) == min(count, 4)


# --- moving across the line ------------------------------------------------------------------


def test_staff_move_an_application_above_the_line_with_a_reason(client, example, staff):
    call, apps, _reviewers = example
    client.force_login(staff)
    settings_row = CallReviewSettings.for_call(call)
    settings_row.pass_mark = Decimal("70")
    settings_row.save()
    response = client.post(
        reverse("staff_funding_override", args=[apps["C"].pk]),
        {"include": "1", "reason": "The only project on early marriage."},
    )
    assert response.status_code == 302
    assert response["Location"] == (
        ranking_url(call) + f"?application={apps['C'].pk}#row-{apps['C'].pk}"
    )
    override = FundingLineOverride.objects.get()
    assert (override.application, override.include, override.reason, override.by) == (
        apps["C"],
        True,
        "The only project on early marriage.",
        staff,
    )
    page = client.get(ranking_url(call))
    assert [row.status for row in page.context["ranking"].rows] == [
        LineStatus.PROPOSED,
        LineStatus.BELOW_PASS_MARK,
        LineStatus.INCLUDED,
    ]
    assert "The only project on early marriage." in page.content.decode()


def test_moving_without_a_reason_is_refused_with_a_message_and_nothing_saved(
    client, example, staff
):
    call, apps, _reviewers = example
    client.force_login(staff)
    response = client.post(
        reverse("staff_funding_override", args=[apps["C"].pk]),
        {"include": "1", "reason": ""},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        "PIA-2017-003: Say why the application is moved across the line."
    ]
    assert FundingLineOverride.objects.count() == 0


# --- single decisions ------------------------------------------------------------------------


def test_the_decision_page_offers_the_requested_amount(client, example, staff):
    call, apps, _reviewers = example
    client.force_login(staff)
    response = client.get(reverse("staff_application_decide", args=[apps["A"].pk]))
    assert response.status_code == 200
    assert response.context["form"].initial["amount"] == Decimal("200000.00")
    assert response.context["row"].mean == Decimal("73.33")


def test_staff_approve_one_application_from_its_decision_page(client, example, staff):
    call, apps, _reviewers = example
    client.force_login(staff)
    response = client.post(
        reverse("staff_application_decide", args=[apps["A"].pk]),
        {
            "outcome": DecisionOutcome.APPROVE,
            "amount": "180000",
            "conditions": "Involve the ayil okmotu.",
            "expected_state": ApplicationState.ELIGIBLE,
        },
    )
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert (decision.application, decision.amount, decision.conditions) == (
        apps["A"],
        Decimal("180000.00"),
        "Involve the ayil okmotu.",
    )


def test_an_amount_above_the_request_is_shown_beside_the_field_and_nothing_saved(
    client, example, staff
):
    call, apps, _reviewers = example
    client.force_login(staff)
    response = client.post(
        reverse("staff_application_decide", args=[apps["A"].pk]),
        {
            "outcome": DecisionOutcome.APPROVE,
            "amount": "200000.01",
            "conditions": "Keep me",
            "expected_state": ApplicationState.ELIGIBLE,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "amount": ["The amount awarded cannot exceed the requested amount (200,000.00 KGS)."]
    }
    assert "Keep me" in response.content.decode()
    assert Decision.objects.count() == 0


def test_a_decision_taken_meanwhile_by_someone_else_is_reported_on_the_page(
    client, example, staff, admin_user
):
    from grants.services.decisions import decision_record

    call, apps, _reviewers = example
    decision_record(
        application=apps["A"],
        outcome=DecisionOutcome.WAITLIST,
        by=admin_user,
        expected_state=ApplicationState.ELIGIBLE,
    )
    client.force_login(staff)
    response = client.post(
        reverse("staff_application_decide", args=[apps["A"].pk]),
        {"outcome": DecisionOutcome.REJECT, "reason": "Weak", "expected_state": "eligible"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Someone else decided on PIA-2017-001 a moment ago: it is now “Waitlisted”. Please reload."
    ]
    assert response.context["form"]["expected_state"].value() == ApplicationState.WAITLISTED
    assert Decision.objects.get().outcome == DecisionOutcome.WAITLIST


def test_the_decision_page_of_a_decided_application_shows_the_decision_and_no_form(
    client, example, staff
):
    from grants.services.decisions import decision_record

    call, apps, _reviewers = example
    decision_record(
        application=apps["B"],
        outcome=DecisionOutcome.REJECT,
        reason="Weak plan.",
        by=staff,
        expected_state=ApplicationState.ELIGIBLE,
    )
    client.force_login(staff)
    response = client.get(reverse("staff_application_decide", args=[apps["B"].pk]))
    html = response.content.decode()
    assert "Weak plan." in html
    assert "Record the decision" not in html


def test_the_application_panel_shows_the_override_and_the_decision(example, staff):
    from django.template.loader import render_to_string

    from grants.services.decisions import decision_record, funding_override_set

    call, apps, _reviewers = example
    funding_override_set(application=apps["C"], include=True, reason="Border village.", by=staff)
    decision_record(
        application=apps["C"],
        outcome=DecisionOutcome.APPROVE,
        amount=Decimal("150000"),
        by=staff,
        expected_state=ApplicationState.ELIGIBLE,
    )
    apps["C"].refresh_from_db()
    html = render_to_string("grants/ranking/_application_panel.html", {"application": apps["C"]})
    assert "Moved above the funding line by staff." in html
    assert "Border village." in html
    assert "150,000.00 KGS" in html


# --- bulk ------------------------------------------------------------------------------------


def test_approve_all_proposed_then_reject_below_the_line_decides_the_call(
    client, example, staff, django_capture_on_commit_callbacks
):
    call, apps, _reviewers = example
    settings_row = CallReviewSettings.for_call(call)
    settings_row.pass_mark = Decimal("62")
    settings_row.save()
    client.force_login(staff)
    page = client.get(ranking_url(call))
    assert [row.application_id for row in page.context["proposed"]] == [
        apps["A"].pk,
        apps["B"].pk,
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("staff_ranking_decide_bulk", args=[call.pk]),
            {"action": "proposed", "fingerprint": page.context["proposed_fingerprint"]},
            follow=True,
        )
    assert [str(m) for m in response.context["messages"]] == [
        "2 decisions were recorded and the applicants told."
    ]
    assert list(
        Decision.objects.order_by("application__sequence").values_list("amount", flat=True)
    ) == [
        Decimal("200000.00"),
        Decimal("200000.00"),
    ]
    assert len(mail.outbox) == 1  # only A's organisation has an owner in this example

    assert [row.application_id for row in response.context["below"]] == [apps["C"].pk]
    response = client.post(
        reverse("staff_ranking_decide_bulk", args=[call.pk]),
        {
            "action": "below",
            "fingerprint": response.context["below_fingerprint"],
            "reason": "Below the pass mark.",
        },
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        "1 decision was recorded and the applicant told.",
        "Every eligible application is decided: the call is decided.",
    ]
    call.refresh_from_db()
    assert call.state == CallState.DECIDED
    assert Decision.objects.get(application=apps["C"]).reason == "Below the pass mark."


def test_rejecting_below_the_line_without_a_reason_is_refused(client, example, staff):
    call, apps, _reviewers = example
    client.force_login(staff)
    fingerprint = client.get(ranking_url(call)).context["below_fingerprint"]
    response = client.post(
        reverse("staff_ranking_decide_bulk", args=[call.pk]),
        {"action": "below", "fingerprint": fingerprint, "reason": " "},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        "Give the reason for the rejection: the applicants will read it."
    ]
    assert Decision.objects.count() == 0


def test_bulk_on_ticked_applications_reports_the_stale_ones(client, example, staff):
    call, apps, _reviewers = example
    client.force_login(staff)
    response = client.post(
        reverse("staff_ranking_decide_bulk", args=[call.pk]),
        {
            "action": "selected",
            "outcome": DecisionOutcome.WAITLIST,
            "applications": [f"{apps['A'].pk}:waitlisted", f"{apps['B'].pk}:eligible"],
        },
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        "1 decision was recorded and the applicant told.",
        "PIA-2017-001 was not decided: Someone else decided on PIA-2017-001 a moment ago: "
        "it is now “Eligible”. Please reload.",
    ]
    assert list(Decision.objects.values_list("application", flat=True)) == [apps["B"].pk]


def test_bulk_without_a_ticked_application_says_so(client, example, staff):
    call, _apps, _reviewers = example
    client.force_login(staff)
    response = client.post(
        reverse("staff_ranking_decide_bulk", args=[call.pk]),
        {"action": "selected", "outcome": DecisionOutcome.WAITLIST},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == ["Tick at least one application."]


# --- exports ---------------------------------------------------------------------------------


def test_the_ranking_sheet_has_numbers_as_numbers(client, example, staff):
    call, apps, _reviewers = example
    client.force_login(staff)
    response = client.get(reverse("staff_ranking_xlsx", args=[call.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Ranking", "Criteria", "Settings and line"]
    rows = list(workbook["Ranking"].iter_rows(values_only=True))
    assert rows[0][:8] == (
        "Rank",
        "Reference",
        "Title",
        "Organisation",
        "Oblast",
        "Requested amount",
        "Mean of totals",
        "Normalised score",
    )
    first = rows[1]
    assert first[0] == 1 and first[1] == "PIA-2017-001"
    assert first[5] == 200000 and isinstance(first[5], (int, float))
    assert first[6:12] == (73.33, 80.53, 60, 90, 12.47, 3)
    criteria = list(workbook["Criteria"].iter_rows(values_only=True))
    assert criteria[1] == (1, "PIA-2017-001", 10, 10, 4.33, 2.33)
    summary = dict(
        row[:2] for row in workbook["Settings and line"].iter_rows(values_only=True) if row[0]
    )
    assert summary["Total budget"] == 3000000
    assert summary["Pass mark"] == 60
    assert summary["Remaining budget"] == 2400000


def test_the_record_of_decisions_is_a_pdf(client, example, staff):
    call, apps, reviewers = example
    from grants.services.decisions import decision_record, funding_override_set

    reviewers[0].is_chair = True
    reviewers[0].save()
    funding_override_set(application=apps["C"], include=False, reason="Duplicate.", by=staff)
    decision_record(
        application=apps["A"],
        outcome=DecisionOutcome.APPROVE,
        amount=Decimal("200000"),
        conditions="Report monthly.",
        by=staff,
        expected_state=ApplicationState.ELIGIBLE,
    )
    client.force_login(staff)
    response = client.get(reverse("staff_decisions_pdf", args=[call.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert len(response.content) > 5000
