import pytest
from django.core.management import call_command

from accounts.enums import Affiliation, ProgrammeRole
from accounts.models import Membership, Organisation, OutboundMail, User
from regions.models import Region

pytestmark = pytest.mark.django_db


def _counts():
    return (
        User.objects.count(),
        Organisation.objects.count(),
        Membership.objects.count(),
        Region.objects.count(),
        OutboundMail.objects.count(),
    )


def test_seed_demo_twice_creates_nothing_new(capsys):
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first


def test_the_demo_shows_sent_mail_a_bounce_and_a_retry_in_the_outbox(
    django_capture_on_commit_callbacks,
):
    from django.db.models import Count

    from accounts.enums import MailStatus

    # As in `make demo`: each change's mail is delivered once its transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    statuses = dict(OutboundMail.objects.values_list("status").annotate(n=Count("pk")).order_by())
    assert statuses[MailStatus.SENT] > 20
    assert (statuses[MailStatus.FAILED], statuses[MailStatus.PENDING]) == (1, 1)
    assert "550" in OutboundMail.objects.get(status=MailStatus.FAILED).last_error


def test_the_demo_tells_the_2017_story_without_the_reference_data():
    call_command("seed_demo")
    places = dict(Organisation.objects.values_list("name", "region__code"))
    assert places['Public association "Suzak Youth Centre"'] == "41703220856000"
    assert places['Public association "Sverdlov Neighbourhood Prevention"'] == "41711204000000"
    kulundu = Region.objects.get(code="41705236825000")
    assert (kulundu.parent.code, kulundu.oblast.code) == ("41705236000000", "41705000000000")
    committee = User.objects.filter(role=ProgrammeRole.COMMITTEE_MEMBER)
    assert sorted(set(committee.values_list("affiliation", flat=True))) == sorted(
        [Affiliation.GOVERNMENT, Affiliation.INDEPENDENT, Affiliation.NGO]
    )
    assert User.objects.filter(role=ProgrammeRole.STAFF).count() == 2
    assert User.objects.filter(role=ProgrammeRole.DONOR_VIEWER).count() == 1


def test_demo_logins_are_printed_only_in_debug(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    assert "prevention-2017" in capsys.readouterr().out
    settings.DEBUG = False
    call_command("seed_demo")
    assert "prevention-2017" not in capsys.readouterr().out


def test_the_demo_has_the_2017_call_with_its_screened_applications():
    from grants.enums import ApplicationState, CallState
    from grants.models import Application, Call

    call_command("seed_demo")
    call = Call.objects.get(slug="prevention-in-action-2017")
    assert call.state == CallState.DECIDED
    assert sum(c.weight for c in call.criteria.all()) == 100
    states = list(
        Application.objects.filter(call=call).order_by("sequence").values_list("reference", "state")
    )
    assert len(states) == 18
    assert states[0] == ("PIA-2017-001", ApplicationState.APPROVED)
    assert [s for _r, s in states].count(ApplicationState.INELIGIBLE) == 2
    assert Call.objects.get(slug="safer-villages-open-call").is_open


def test_the_demo_leaves_a_half_finished_draft_in_the_open_call():
    from grants.enums import ApplicationState
    from grants.models import Application
    from grants.services.applications import application_problems

    call_command("seed_demo")
    draft = Application.objects.get(call__slug="safer-villages-open-call")
    assert draft.state == ApplicationState.DRAFT
    assert draft.requested_amount == 168000
    sections_missing = {problem.section for problem in application_problems(draft)}
    assert sections_missing == {"beneficiaries", "documents", "declaration"}


def test_the_demo_tells_the_committee_decisions_and_twelve_projects_of_2017():
    from django.db.models import Count

    from grants.enums import CallState
    from grants.models import Call, ConflictDeclaration, Decision, Review
    from projects.enums import ProjectState
    from projects.models import Project
    from reporting.enums import ReportState
    from reporting.models import ProgressReport

    call_command("seed_demo")
    call = Call.objects.get(slug="prevention-in-action-2017")
    assert call.state == CallState.DECIDED
    assert call.rubric_locked_at is not None
    assert ConflictDeclaration.objects.filter(has_conflict=True).count() == 1
    assert Review.objects.filter(application__call=call, state="submitted").count() == 16 * 6 - 1
    outcomes = dict(Decision.objects.values_list("outcome").annotate(n=Count("id")))
    assert outcomes == {"approved": 12, "waitlisted": 1, "rejected": 3}
    projects = Project.objects.filter(application__call=call)
    assert projects.count() == 12
    assert {p.starts_on.isoformat() for p in projects} == {"2017-08-01"}
    assert projects.filter(state=ProjectState.COMPLETED).count() == 10
    states = dict(ProgressReport.objects.values_list("state").annotate(n=Count("id")))
    assert states == {ReportState.ACCEPTED: 22, ReportState.SUBMITTED: 1, ReportState.PENDING: 1}
    call_command("seed_demo")
    assert Project.objects.count() == 12


def test_the_demo_ends_with_a_donor_summary_ready_for_the_donor():
    from reporting.models import DonorRecipient, DonorSummary, SummaryStatus

    call_command("seed_demo")
    summary = DonorSummary.objects.get()
    assert summary.status == SummaryStatus.READY
    assert summary.pdf.name.endswith(".pdf") and summary.xlsx.name.endswith(".xlsx")
    assert summary.figures["headline"]["projects"] == 12
    assert list(DonorRecipient.objects.values_list("email", flat=True)) == [
        "donor@demo.example.org"
    ]
    call_command("seed_demo")
    assert DonorSummary.objects.count() == 1
