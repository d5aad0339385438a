import pytest
from django.core import mail
from django.urls import reverse

from accounts.enums import LegalForm, MembershipRole
from accounts.models import Invitation, Membership, Organisation
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _organisation_data(region, **overrides):
    data = {
        "name": 'Public association "Safe Village"',
        "legal_form": LegalForm.PUBLIC_ASSOCIATION,
        "registration_number": "12345-3301-OO",
        "taxpayer_number": "02801201799999",
        "region": region.pk,
        "address": "Kyzyl-Tuu village, Lenin street 5",
        "phone": "+996 555 123 456",
        "email": "office@safe-village.kg",
    }
    data.update(overrides)
    return data


def test_anonymous_visitor_is_sent_to_login_for_organisation_pages(client, organisation_a):
    for url in [
        reverse("organisation_list"),
        reverse("organisation_create"),
        reverse("organisation_detail", args=[organisation_a.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_registering_an_organisation_makes_the_user_its_owner(client, oblast):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("organisation_create"), _organisation_data(oblast))
    organisation = Organisation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("organisation_detail", args=[organisation.pk])
    assert list(organisation.memberships.values_list("user", "role")) == [
        (user.pk, MembershipRole.OWNER)
    ]


def test_bad_organisation_input_shows_clear_errors_and_keeps_what_was_typed(client, oblast):
    client.force_login(UserFactory())
    response = client.post(
        reverse("organisation_create"),
        _organisation_data(oblast, taxpayer_number="12ab", phone="call me", name=""),
    )
    assert response.status_code == 200
    assert Organisation.objects.count() == 0
    content = response.content.decode()
    assert "The taxpayer number (INN) has 14 digits." in content
    assert "Enter a phone number of digits" in content
    assert "This field is required." in content
    assert 'value="Kyzyl-Tuu village, Lenin street 5"' in content


def test_a_taxpayer_number_can_be_registered_only_once(client, organisation_a):
    client.force_login(UserFactory())
    response = client.post(
        reverse("organisation_create"),
        _organisation_data(organisation_a.region, taxpayer_number=organisation_a.taxpayer_number),
    )
    assert response.status_code == 200
    assert "An organisation with this taxpayer number is already registered." in (
        response.content.decode()
    )
    assert Organisation.objects.count() == 1


def test_a_member_sees_their_organisation(client, applicant_a, organisation_a):
    client.force_login(applicant_a)
    response = client.get(reverse("organisation_detail", args=[organisation_a.pk]))
    assert response.status_code == 200
    assert organisation_a.name in response.content.decode()


def test_a_stranger_cannot_see_an_organisation(client, applicant_b, organisation_a):
    client.force_login(applicant_b)
    assert client.get(reverse("organisation_detail", args=[organisation_a.pk])).status_code == 404
    assert client.get(reverse("organisation_edit", args=[organisation_a.pk])).status_code == 404
    assert client.get(reverse("invitation_create", args=[organisation_a.pk])).status_code == 404


def test_the_organisation_list_shows_only_the_users_own(client, applicant_a, applicant_b):
    client.force_login(applicant_a)
    response = client.get(reverse("organisation_list"))
    assert [o.name for o in response.context["page"].object_list] == ["Community Safety Jety-Oguz"]


def test_staff_see_every_organisation(client, staff, organisation_a, organisation_b):
    client.force_login(staff)
    response = client.get(reverse("organisation_list"))
    assert [o.name for o in response.context["page"].object_list] == [
        "Community Safety Jety-Oguz",
        "Youth Initiative Karakol",
    ]


def test_the_committee_and_donor_see_no_organisation_of_others(
    client, committee_member, donor_viewer, organisation_a
):
    for user in (committee_member, donor_viewer):
        client.force_login(user)
        assert (
            client.get(reverse("organisation_detail", args=[organisation_a.pk])).status_code == 404
        )


@pytest.mark.parametrize("rows", [1, 5])
def test_the_organisation_list_takes_a_fixed_number_of_queries(
    client, staff, oblast, rows, django_assert_num_queries
):
    for _ in range(rows):
        MembershipFactory(organisation=OrganisationFactory(region=oblast))
    client.force_login(staff)
    # session, user, count for the paginator, the page of organisations with their region
    with django_assert_num_queries(4):
        response = client.get(reverse("organisation_list"))
    assert len(response.context["page"].object_list) == rows


def test_an_editor_may_edit_but_not_invite(client, organisation_a):
    editor = UserFactory()
    MembershipFactory(organisation=organisation_a, user=editor, role=MembershipRole.EDITOR)
    client.force_login(editor)
    response = client.post(
        reverse("organisation_edit", args=[organisation_a.pk]),
        _organisation_data(organisation_a.region, name="Renamed association"),
    )
    assert response.status_code == 302
    organisation_a.refresh_from_db()
    assert organisation_a.name == "Renamed association"
    assert client.get(reverse("invitation_create", args=[organisation_a.pk])).status_code == 403


def test_a_viewer_may_not_edit(client, organisation_a):
    viewer = UserFactory()
    MembershipFactory(organisation=organisation_a, user=viewer, role=MembershipRole.VIEWER)
    client.force_login(viewer)
    response = client.post(
        reverse("organisation_edit", args=[organisation_a.pk]),
        _organisation_data(organisation_a.region, name="Hijacked"),
    )
    assert response.status_code == 403
    organisation_a.refresh_from_db()
    assert organisation_a.name == "Community Safety Jety-Oguz"


def test_an_owner_invites_by_email_and_the_invitee_joins(
    client, applicant_a, organisation_a, django_capture_on_commit_callbacks
):
    client.force_login(applicant_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("invitation_create", args=[organisation_a.pk]),
            {"email": "Nurbek@Example.org", "role": MembershipRole.EDITOR},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "nurbek@example.org"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nurbek@example.org"]
    link = reverse("invitation_accept", args=[invitation.token])
    assert link in mail.outbox[0].body

    invitee = UserFactory(email="nurbek@example.org")
    client.force_login(invitee)
    assert organisation_a.name in client.get(link).content.decode()
    response = client.post(link)
    assert response["Location"] == reverse("organisation_detail", args=[organisation_a.pk])
    assert Membership.objects.get(user=invitee).role == MembershipRole.EDITOR
    # The link works once.
    assert client.post(link).status_code == 302
    assert Membership.objects.filter(user=invitee).count() == 1


def test_an_invitation_cannot_be_accepted_by_another_account(client, applicant_a, organisation_a):
    client.force_login(applicant_a)
    client.post(
        reverse("invitation_create", args=[organisation_a.pk]),
        {"email": "nurbek@example.org", "role": MembershipRole.VIEWER},
    )
    invitation = Invitation.objects.get()
    intruder = UserFactory(email="intruder@example.org")
    client.force_login(intruder)
    response = client.post(reverse("invitation_accept", args=[invitation.token]), follow=True)
    assert "This invitation was sent to another address." in response.content.decode()
    assert organisation_a.name not in response.content.decode()
    assert not Membership.objects.filter(user=intruder).exists()


def test_inviting_twice_or_inviting_a_member_is_refused_clearly(
    client, applicant_a, organisation_a
):
    client.force_login(applicant_a)
    url = reverse("invitation_create", args=[organisation_a.pk])
    client.post(url, {"email": "nurbek@example.org", "role": MembershipRole.VIEWER})
    again = client.post(url, {"email": "nurbek@example.org", "role": MembershipRole.VIEWER})
    assert "This address already has an open invitation." in again.content.decode()
    member = client.post(url, {"email": applicant_a.email, "role": MembershipRole.VIEWER})
    assert "This person is already a member." in member.content.decode()
    assert Invitation.objects.count() == 1


def test_a_bad_invitation_address_is_refused(client, applicant_a, organisation_a):
    client.force_login(applicant_a)
    response = client.post(
        reverse("invitation_create", args=[organisation_a.pk]),
        {"email": "not-an-address", "role": MembershipRole.VIEWER},
    )
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert Invitation.objects.count() == 0


def test_the_last_owner_cannot_be_removed(client, applicant_a, organisation_a):
    client.force_login(applicant_a)
    own = Membership.objects.get(user=applicant_a)
    response = client.post(
        reverse("membership_remove", args=[organisation_a.pk, own.pk]), follow=True
    )
    assert "An organisation keeps at least one owner." in response.content.decode()
    assert Membership.objects.filter(pk=own.pk).exists()


def test_an_owner_removes_a_member_and_a_stranger_cannot(
    client, applicant_a, applicant_b, organisation_a
):
    viewer = MembershipFactory(organisation=organisation_a, role=MembershipRole.VIEWER)
    url = reverse("membership_remove", args=[organisation_a.pk, viewer.pk])
    client.force_login(applicant_b)
    assert client.post(url).status_code == 404
    client.force_login(applicant_a)
    assert client.post(url).status_code == 302
    assert not Membership.objects.filter(pk=viewer.pk).exists()


def test_a_member_sees_every_member_of_their_organisation_counted_in_the_list(
    client, applicant_a, organisation_a
):
    MembershipFactory(organisation=organisation_a, role=MembershipRole.EDITOR)
    MembershipFactory(organisation=organisation_a, role=MembershipRole.VIEWER)
    client.force_login(applicant_a)

    response = client.get(reverse("organisation_list"))

    [organisation] = response.context["page"].object_list
    assert organisation.member_count == 3
