"""A person's copy of their data, and the anonymisation of their account on request,
keeping the programme's records whole (Kyrgyz Republic's Law on Personal Information)."""

import io
import json
import zipfile

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db.models import Sum
from django.urls import reverse

from accounts import services
from accounts.enums import MembershipRole
from accounts.models import Invitation, Membership, OutboundMail, User
from accounts.personal_data import PersonalDataSource, personal_data_sources
from grants.enums import ApplicationState
from grants.models import Application, Question, Transition
from grants.services.states import application_set_state
from projects.models import Project
from reporting.enums import ReminderKind, ReportState
from reporting.models import ProgressReport, ReminderSent, ReportFile
from tests.factories import TEST_PASSWORD, ApplicationFactory, UserFactory, submitted_review
from tests.grants.review_support import MINIMAL_PDF, assign, attach, declare, eligible, seat
from tests.reporting.conftest import make_project
from tests.two_factor import activate_totp

pytestmark = pytest.mark.django_db

PHOTO = b"\xff\xd8\xff\xe0 the road-safety lesson \xff\xd9"


def unzip(response) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    return {name: archive.read(name) for name in archive.namelist()}


def copy_of(client, user) -> tuple[dict, dict[str, bytes]]:
    client.force_login(user)
    response = client.get(reverse("personal_data_download"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="personal-data-')
    files = unzip(response)
    return json.loads(files["personal-data.json"]), files


@pytest.fixture
def alice_story(applicant_a, organisation_a, organisation_b, applicant_b, staff):
    """Aliya of organisation A: a second factor, a draft and a submitted application
    (one she uploaded a file to), a question, an invitation she sent, a funded project
    whose report she submitted with a photo and a reminder she received. Bakyt of B
    has his own application beside hers."""
    activate_totp(applicant_a)
    call = ApplicationFactory(organisation=organisation_a).call
    submitted = eligible(
        call, organisation_a, 1, title="Safe roads to school", created_by=applicant_a
    )
    upload = attach(submitted, "budget-a.pdf")
    upload.uploaded_by = applicant_a
    upload.save(update_fields=["uploaded_by"])
    application_set_state(
        application=submitted, to_state=ApplicationState.INELIGIBLE, by=staff, reason="Late."
    )
    eligible(call, organisation_b, 2, title="Girls at school in Karakol", created_by=applicant_b)
    Question.objects.create(call=call, asked_by=applicant_a, text="May a lyceum be a partner?")
    Invitation.objects.create(
        organisation=organisation_a,
        email="newcomer@example.org",
        role=MembershipRole.EDITOR,
        invited_by=applicant_a,
    )
    project = make_project(organisation_a, application__created_by=applicant_a)
    report = project.reports.get(number=1)
    report.state = ReportState.SUBMITTED
    report.submitted_by = applicant_a
    report.save(update_fields=["state", "submitted_by"])
    photo = ReportFile(
        report=report,
        original_name="lesson.jpg",
        content_type="image/jpeg",
        size=len(PHOTO),
        uploaded_by=applicant_a,
    )
    photo.file.save("lesson.jpg", ContentFile(PHOTO), save=False)
    photo.save()
    ReminderSent.objects.create(
        report=report,
        kind=ReminderKind.WEEK_BEFORE,
        recipients=f"{applicant_a.email}, vera@example.org",
    )
    return {"submitted": submitted, "project": project, "report": report}


# --- the copy ---------------------------------------------------------------------------


def test_the_profile_page_offers_the_person_their_data(client, applicant_a):
    client.force_login(applicant_a)

    page = client.get(reverse("profile")).content.decode()
    data_page = client.get(reverse("personal_data")).content.decode()

    assert reverse("personal_data_download") in page
    assert reverse("personal_data") in page
    assert "Download my data" in data_page
    assert reverse("anonymisation_request") in data_page


def test_the_copy_holds_what_the_portal_knows_about_the_person(client, applicant_a, alice_story):
    document, files = copy_of(client, applicant_a)

    assert document["profile"]["email"] == "alice@example.org"
    assert document["profile"]["full_name"] == "Aliya Applicant"
    assert document["sign_in"]["email_addresses"] == [
        {"email": "alice@example.org", "verified": True, "primary": True}
    ]
    assert [a["type"] for a in document["sign_in"]["two_factor_authenticators"]] == [
        "TOTP Authenticator"
    ]
    assert document["memberships"] == [
        {
            "organisation": "Community Safety Jety-Oguz",
            "role": "Owner",
            "since": document["memberships"][0]["since"],
        }
    ]
    assert [a["title"] for a in document["applications"]] == [
        "Safe roads to school",
        alice_story["project"].application.title,
    ]
    assert [f["file"] for f in document["application_files_uploaded"]] == ["budget-a.pdf"]
    assert [q["question"] for q in document["questions_asked"]] == ["May a lyceum be a partner?"]
    assert [i["state"] for i in document["invitations_sent"]] == ["pending"]
    assert [r["project"] for r in document["reports_submitted"]] == [
        alice_story["project"].agreement_number
    ]
    assert len(document["report_reminders_received"]) == 1
    # The files she uploaded travel with the copy, byte for byte.
    uploaded = {name: data for name, data in files.items() if name.startswith("files/")}
    assert sorted(uploaded.values()) == sorted([MINIMAL_PDF, PHOTO])
    assert [entry["file"] for entry in document["files"]] == sorted(uploaded)


def test_the_copy_leaves_out_secrets_and_other_peoples_data(client, applicant_a, alice_story):
    applicant_a.refresh_from_db()
    password_hash = applicant_a.password
    totp_secret = Authenticator.objects.get(user=applicant_a, type="totp").data["secret"]
    token = str(Invitation.objects.get(email="newcomer@example.org").token)

    _document, files = copy_of(client, applicant_a)
    everything = b"".join(files.values()).decode("utf-8", errors="replace")

    for secret in [password_hash, totp_secret, token]:
        assert secret not in everything
    for someone_else in ["newcomer@example.org", "vera@example.org", "bob@example.org"]:
        assert someone_else not in everything
    assert "Girls at school in Karakol" not in everything


def test_a_committee_members_copy_holds_their_declarations_and_reviews(
    client, committee_member, organisation_a
):
    from tests.grants.review_support import call_in_review

    call = call_in_review(title="Small grants 2017")
    application = eligible(call, organisation_a, 1, title="Safe roads to school")
    member = seat(call, committee_member)
    assign(member, application)
    declare(member, application)
    submitted_review(
        member=member, application=application, points=[8, 7, 6, 5], comment="Strong plan."
    )

    document, _files = copy_of(client, committee_member)

    assert [seat["call"] for seat in document["committee_seats"]] == ["Small grants 2017"]
    assert document["conflict_declarations"][0]["conflict_of_interest"] is False
    (review,) = document["reviews"]
    assert review["comment"] == "Strong plan."
    assert [score["points"] for score in review["scores"]] == [8, 7, 6, 5]


@pytest.mark.parametrize(
    "role", ["applicant_b", "committee_member", "staff", "donor_viewer", "applicant_a"]
)
def test_nobody_but_an_administrator_downloads_someone_elses_data(
    client, request, role, organisation_a
):
    person = UserFactory(email="vera@example.org")
    client.force_login(request.getfixturevalue(role))

    response = client.get(reverse("person_data_download", args=[person.pk]))

    assert response.status_code == 404


def test_an_administrator_downloads_a_persons_data(client, admin_user, applicant_a):
    client.force_login(admin_user)

    response = client.get(reverse("person_data_download", args=[applicant_a.pk]))

    document = json.loads(unzip(response)["personal-data.json"])
    assert document["profile"]["email"] == "alice@example.org"


def test_a_visitor_is_sent_to_sign_in_for_a_copy(client, db):
    response = client.get(reverse("personal_data_download"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


# --- a request to anonymise -----------------------------------------------------------------


def test_asking_to_be_anonymised_tells_the_administrators(client, applicant_a, admin_user):
    client.force_login(applicant_a)

    response = client.post(reverse("anonymisation_request"), follow=True)

    assert "sent to the administrators" in response.content.decode()
    (mail,) = OutboundMail.objects.filter(recipient=admin_user.email)
    assert "alice@example.org" in mail.subject
    assert reverse("admin:accounts_user_change", args=[applicant_a.pk]) in mail.text
    assert User.objects.get(pk=applicant_a.pk).is_active  # nothing done yet


# --- anonymisation --------------------------------------------------------------------------


def test_anonymising_keeps_the_programme_records_and_closes_the_account(
    client, applicant_a, admin_user, alice_story
):
    counts_before = {
        model: model.objects.count() for model in [Application, Project, ProgressReport]
    }
    awarded_before = Project.objects.aggregate(total=Sum("amount_awarded"))["total"]

    services.user_anonymise(user=applicant_a, by=admin_user, reason="Asked by letter.")

    person = User.objects.get(pk=applicant_a.pk)
    assert person.email == f"anonymised-{person.pk}@invalid"
    assert (person.full_name, person.phone, person.position) == ("", "", "")
    assert not person.is_active
    assert not person.has_usable_password()
    assert not EmailAddress.objects.filter(user=person).exists()
    assert not Authenticator.objects.filter(user=person).exists()
    assert not Membership.objects.filter(user=person).exists()
    # The programme's records are all there, still pointing at the anonymous account.
    assert {model: model.objects.count() for model in counts_before} == counts_before
    assert Project.objects.aggregate(total=Sum("amount_awarded"))["total"] == awarded_before
    assert Application.objects.get(pk=alice_story["submitted"].pk).created_by == person
    assert ProgressReport.objects.get(pk=alice_story["report"].pk).submitted_by == person
    assert ReminderSent.objects.get().recipients == f"{person.email}, vera@example.org"
    # Who anonymised whom, and when, on the append-only timeline.
    (record,) = Transition.objects.filter(object_id=person.pk, to_state="anonymised")
    assert (record.by, record.reason) == (admin_user, "Asked by letter.")
    # And the person can no longer sign in.
    response = client.post(
        reverse("account_login"), {"login": "alice@example.org", "password": TEST_PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200


def test_a_signed_in_person_is_signed_out_when_anonymised(client, applicant_a, admin_user):
    client.force_login(applicant_a)
    assert client.get(reverse("profile")).status_code == 200

    services.user_anonymise(user=applicant_a, by=admin_user)

    response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_nothing_is_half_done_when_anonymisation_fails(
    monkeypatch, applicant_a, admin_user, alice_story
):
    def broken(**kwargs):
        raise RuntimeError("the disk is full")

    # Last, after every other part has done its work: all of it must roll back.
    failing = PersonalDataSource(name="failing", sections=lambda user: {}, anonymise=broken)
    monkeypatch.setattr(
        "accounts.services.personal_data_sources", [*personal_data_sources, failing]
    )

    with pytest.raises(RuntimeError):
        services.user_anonymise(user=applicant_a, by=admin_user)

    person = User.objects.get(pk=applicant_a.pk)
    assert (person.email, person.full_name, person.is_active) == (
        "alice@example.org",
        "Aliya Applicant",
        True,
    )
    assert person.check_password(TEST_PASSWORD)
    assert EmailAddress.objects.filter(user=person).count() == 1
    assert Membership.objects.filter(user=person).count() == 1
    assert not Transition.objects.filter(to_state="anonymised").exists()


def test_an_administrator_cannot_anonymise_themselves_or_the_last_superuser(admin_user):
    with pytest.raises(ValidationError, match="your own account"):
        services.user_anonymise(user=admin_user, by=admin_user)

    other = UserFactory(email="root2@example.org", is_staff=True, is_superuser=True)
    # Two superusers: either may anonymise the other, but not the one left.
    services.user_anonymise(user=other, by=admin_user)
    third = UserFactory(email="root3@example.org", is_staff=True, is_superuser=True)
    admin_user.is_active = False
    admin_user.save(update_fields=["is_active"])
    with pytest.raises(ValidationError, match="last active superuser"):
        services.user_anonymise(user=third, by=admin_user)


def test_programme_staff_cannot_anonymise_anyone(staff, applicant_a):
    with pytest.raises(PermissionDenied):
        services.user_anonymise(user=applicant_a, by=staff)

    assert User.objects.get(pk=applicant_a.pk).email == "alice@example.org"


def test_the_admin_asks_for_confirmation_before_anonymising(client, admin_user, applicant_a):
    client.force_login(admin_user)
    changelist = reverse("admin:accounts_user_changelist")
    chosen = {"action": "anonymise_selected", ACTION_CHECKBOX_NAME: [applicant_a.pk, admin_user.pk]}

    confirmation = client.post(changelist, chosen)

    page = confirmation.content.decode()
    assert "alice@example.org" in page
    assert "You cannot anonymise your own account." in page
    assert User.objects.get(pk=applicant_a.pk).email == "alice@example.org"

    done = client.post(changelist, chosen | {"confirmed": "yes", "reason": "Letter of 3 May."})

    assert done.status_code == 302
    assert User.objects.get(pk=applicant_a.pk).email == f"anonymised-{applicant_a.pk}@invalid"
    assert User.objects.get(pk=admin_user.pk).email == "root@example.org"
    assert Transition.objects.get(object_id=applicant_a.pk).reason == "Letter of 3 May."


def test_the_admin_action_downloads_one_persons_data(client, admin_user, applicant_a):
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "download_personal_data", ACTION_CHECKBOX_NAME: [applicant_a.pk]},
    )

    assert response.status_code == 302
    assert response.url == reverse("person_data_download", args=[applicant_a.pk])


def test_an_anonymised_persons_invitations_and_mail_lose_their_address(
    applicant_a, admin_user, organisation_b
):
    Invitation.objects.create(
        organisation=organisation_b, email=applicant_a.email, role=MembershipRole.VIEWER
    )
    OutboundMail.objects.create(recipient=applicant_a.email, subject="Hello", text="Dear Aliya")

    services.user_anonymise(user=applicant_a, by=admin_user)

    assert not Invitation.objects.filter(email__iexact="alice@example.org").exists()
    assert not OutboundMail.objects.filter(recipient__iexact="alice@example.org").exists()
    assert not OutboundMail.objects.filter(text__contains="Aliya").exists()


def test_an_anonymised_account_cannot_be_deleted_in_the_admin(client, admin_user, applicant_a):
    services.user_anonymise(user=applicant_a, by=admin_user)
    client.force_login(admin_user)
    delete_url = reverse("admin:accounts_user_delete", args=[applicant_a.pk])

    page = client.get(delete_url).content.decode()
    client.post(delete_url, {"post": "yes"})

    assert "kept for the programme" in page
    assert User.objects.filter(pk=applicant_a.pk).exists()
