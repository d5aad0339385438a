"""A committee member on a phone declares no conflict, scores with the live total,
submits and then sees a colleague's scores; a second member declares a conflict and
gets nothing of the application."""

import re

import pytest

from grants.enums import ReviewState
from grants.models import ConflictDeclaration, Review
from tests.factories import TEST_PASSWORD, UserFactory, submitted_review
from tests.grants.review_support import assign, call_in_review, declare, eligible, seat

pytestmark = pytest.mark.browser

PASSWORD = re.compile(r"^\s*Password\*?\s*$")
PHONE = {"width": 375, "height": 740}


def sign_in(tab, user):
    tab.goto("/accounts/login/")
    tab.get_by_label("Email").fill(user.email)
    tab.get_by_label(PASSWORD).fill(TEST_PASSWORD)
    tab.get_by_role("main").get_by_role("button", name="Sign In").click()
    tab.wait_for_load_state()


def test_a_member_on_a_phone_declares_scores_submits_and_sees_a_colleagues_scores(
    page, browser, live_server, screenshots_dir, committee_member, conflicted_member, organisation_a
):
    from playwright.sync_api import expect

    call = call_in_review(title="Small grants 2017")
    application = eligible(call, organisation_a, 1, title="Safe roads to school")
    member = seat(call, committee_member)
    conflicted = seat(call, conflicted_member)
    colleague = seat(call, UserFactory(full_name="Gulnara Government"))
    assign(member, application)
    assign(conflicted, application)
    assign(colleague, application)
    declare(colleague, application)
    submitted_review(
        member=colleague,
        application=application,
        points=[2, 3, 4, 5],
        recommendation="do_not_fund",
        comment="Weak partnership with the ayil okmotu.",
    )
    criteria = list(call.criteria.order_by("order", "pk"))

    sign_in(page, committee_member)
    page.goto("/review/")
    expect(page.get_by_text("Declare first")).to_be_visible()
    expect(page.get_by_text("Secret summary")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("link", name=re.compile(r"^Declare")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Conflict of interest")
    page.get_by_label("No conflict: I have no").check()
    page.get_by_role("button", name="Record my declaration").click()

    expect(page.get_by_text("Secret summary of application 1.")).to_be_visible()
    total = page.locator("#scoring-total")
    expect(total).to_have_text("0.00")
    page.locator(f"#id_score_{criteria[0].pk}").fill("7")
    expect(total).to_have_text("21.00")
    for criterion, points in zip(criteria[1:], ["8", "5", "10"], strict=True):
        page.locator(f"#id_score_{criterion.pk}").fill(points)
    expect(total).to_have_text("75.00")
    page.locator(f"#id_comment_{criteria[0].pk}").fill("Clear need near three schools.")
    page.get_by_label("Fund", exact=True).check()
    # Nobody else's scores before submitting.
    expect(page.get_by_text("Gulnara Government")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=screenshots_dir / "review_scoring.png", full_page=True)

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit review").click()
    expect(page.get_by_text("Your review is submitted (total 75.00)")).to_be_visible()
    review = Review.objects.get(member=member)
    assert (review.state, str(review.total)) == (ReviewState.SUBMITTED, "75.00")
    expect(page.get_by_role("heading", name=re.compile("Gulnara Government"))).to_be_visible()
    expect(page.get_by_text("Weak partnership with the ayil okmotu.")).to_be_visible()
    expect(page.locator(".other-review [data-review-total]")).to_have_text("33.00")
    expect(page.locator("input[name^=score_]")).to_have_count(0)
    page.screenshot(path=screenshots_dir / "review_submitted.png", full_page=True)

    # The second member declares a conflict and gets nothing of the application.
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    other = context.new_page()
    try:
        sign_in(other, conflicted_member)
        other.goto(f"/review/{application.pk}/")
        expect(other.get_by_role("heading", level=1)).to_have_text("Conflict of interest")
        other.get_by_label("I have an interest in it").check()
        other.get_by_label("Reason").fill("My sister chairs this organisation.")
        other.get_by_role("button", name="Record my declaration").click()
        expect(other.get_by_text("Conflict declared")).to_be_visible()
        assert ConflictDeclaration.objects.get(member=conflicted).has_conflict is True
        response = other.goto(f"/review/{application.pk}/")
        assert response.status == 404
        expect(other.get_by_text("Secret summary")).to_have_count(0)
    finally:
        context.close()
