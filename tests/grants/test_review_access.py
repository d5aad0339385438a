"""Who may see each page of the committee's reviews: the cast against the queue, the
declaration, the scoring page, the application's files and staff's progress page."""

import pytest
from django.urls import reverse

from accounts.enums import ProgrammeRole
from tests.factories import UserFactory
from tests.grants.review_support import (  # noqa: F401
    application_fixture,
    assign,
    attach,
    conflicted_fixture,
    declare,
    eligible,
    member_fixture,
    review_call_fixture,
    seat,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def outsider_member(db):
    """A committee member who is not on this call's committee."""
    return UserFactory(full_name="Erlan Elsewhere", role=ProgrammeRole.COMMITTEE_MEMBER)


@pytest.fixture
def cast(member, conflicted, application):
    """The member has declared no conflict; the conflicted member a conflict."""
    declare(member, application)
    return {"member": member, "conflicted": conflicted}


def login(client, request, who):
    if who == "anonymous":
        return
    if who == "committee_member":
        client.force_login(request.getfixturevalue("cast")["member"].user)
        return
    if who == "conflicted_member":
        client.force_login(request.getfixturevalue("cast")["conflicted"].user)
        return
    client.force_login(request.getfixturevalue(who))


EXPECTED = {
    # who: (queue, declare, score, file, progress)
    "anonymous": ("login", "login", "login", "login", "login"),
    "applicant_a": (404, 404, 404, 404, 404),
    "applicant_b": (404, 404, 404, 404, 404),
    "outsider_member": (200, 404, 404, 404, 404),
    "committee_member": (200, 302, 200, 200, 404),
    "conflicted_member": (200, 302, 404, 404, 404),
    "staff": (404, 404, 404, 404, 200),
    "donor_viewer": (404, 404, 404, 404, 404),
}


@pytest.mark.parametrize("who", list(EXPECTED))
@pytest.mark.parametrize(
    ("position", "page"), list(enumerate(["queue", "declare", "score", "file", "progress"]))
)
def test_who_may_see_each_page(client, request, cast, application, who, position, page):
    attachment = attach(application)
    urls = {
        "queue": reverse("review_queue"),
        "declare": reverse("review_declare", args=[application.pk]),
        "score": reverse("review_score", args=[application.pk]),
        "file": reverse("review_attachment_download", args=[application.pk, attachment.pk]),
        "progress": reverse("staff_review_progress", args=[application.call_id]),
    }
    login(client, request, who)
    response = client.get(urls[page])
    response.close()  # a file response holds the file open
    expected = EXPECTED[who][position]
    if expected == "login":
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    else:
        assert response.status_code == expected


def test_a_conflicted_member_gets_404_for_the_scoring_page_and_files(
    client, conflicted, application
):
    attachment = attach(application)
    client.force_login(conflicted.user)
    assert client.get(reverse("review_score", args=[application.pk])).status_code == 404
    assert (
        client.get(
            reverse("review_attachment_download", args=[application.pk, attachment.pk])
        ).status_code
        == 404
    )
    response = client.post(reverse("review_score", args=[application.pk]), {"action": "save"})
    assert response.status_code == 404


def test_a_member_without_a_declaration_is_sent_to_declare_and_sees_no_content(
    client, member, application
):
    attachment = attach(application)
    client.force_login(member.user)
    response = client.get(reverse("review_score", args=[application.pk]))
    assert response.status_code == 302
    assert response.url == reverse("review_declare", args=[application.pk])
    assert b"Secret summary" not in response.content
    file_url = reverse("review_attachment_download", args=[application.pk, attachment.pk])
    assert client.get(file_url).status_code == 404


def test_a_declared_member_downloads_the_applications_files(client, member, application):
    attachment = attach(application, name="letter of support.pdf")
    declare(member, application)
    client.force_login(member.user)
    response = client.get(
        reverse("review_attachment_download", args=[application.pk, attachment.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    response.close()


def test_the_scoring_page_links_files_through_the_members_own_address(client, member, application):
    attachment = attach(application)
    declare(member, application)
    client.force_login(member.user)
    content = client.get(reverse("review_score", args=[application.pk])).content.decode()
    assert reverse("review_attachment_download", args=[application.pk, attachment.pk]) in content
    assert reverse("attachment_download", args=[application.pk, attachment.pk]) not in content


def test_a_file_of_another_application_is_not_reachable_through_an_assignment(
    client, member, application, review_call, organisation_b
):
    other = eligible(review_call, organisation_b, 2)
    foreign = attach(other)
    declare(member, application)
    client.force_login(member.user)
    response = client.get(reverse("review_attachment_download", args=[application.pk, foreign.pk]))
    assert response.status_code == 404


def test_an_unassigned_application_of_the_same_call_is_404(
    client, member, review_call, organisation_b
):
    other = eligible(review_call, organisation_b, 2)
    client.force_login(member.user)
    assert client.get(reverse("review_score", args=[other.pk])).status_code == 404
    assert client.get(reverse("review_declare", args=[other.pk])).status_code == 404


def test_the_applicants_own_page_still_serves_their_files_normally(
    client, applicant_a, application
):
    attachment = attach(application)
    client.force_login(applicant_a)
    response = client.get(reverse("attachment_download", args=[application.pk, attachment.pk]))
    response.close()
    assert response.status_code == 200


def test_the_queue_lists_status_reference_and_title_only(
    client, member, conflicted, application, review_call, organisation_b
):
    second = eligible(review_call, organisation_b, 2, title="Youth sports evenings")
    assign(member, second)
    declare(member, second)
    client.force_login(member.user)
    content = client.get(reverse("review_queue")).content.decode()
    assert "Declare first" in content
    assert "No conflict: not started" in content
    assert application.reference in content and "Safe roads to school" in content
    assert "Youth sports evenings" in content
    assert "Secret summary" not in content
    assert "Community Safety Jety-Oguz" not in content


def test_the_queue_shows_a_declared_conflict_without_a_link(client, conflicted, application):
    client.force_login(conflicted.user)
    content = client.get(reverse("review_queue")).content.decode()
    assert "Conflict declared" in content
    assert reverse("review_score", args=[application.pk]) not in content
    assert reverse("review_declare", args=[application.pk]) not in content


def test_the_queue_leaves_out_calls_not_in_review(client, member, review_call):
    type(review_call).objects.filter(pk=review_call.pk).update(state="decided")
    client.force_login(member.user)
    content = client.get(reverse("review_queue")).content.decode()
    assert "None of your committees" in content


def test_a_seat_gives_the_queue_to_any_role(client, staff, review_call, application):
    staff_seat = seat(review_call, staff)
    assign(staff_seat, application)
    client.force_login(staff)
    response = client.get(reverse("review_queue"))
    assert response.status_code == 200
    assert application.reference in response.content.decode()
