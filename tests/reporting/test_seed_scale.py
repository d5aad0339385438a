"""seed_scale at a small scale: the shape of the full data set, the same rows for the
same seed, the refusal of a portal that holds data, rows the models accept and figures
the services would have stored, and logins that reach their pages."""

import hashlib
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.core.management.color import no_style
from django.db import connection
from django.db.models import Count, Q, Sum
from django.test import override_settings
from django.urls import reverse

from accounts.enums import ProgrammeRole
from accounts.models import Membership, Organisation, User
from grants.enums import ApplicationState, CallState, ReviewState
from grants.models import (
    Application,
    Assignment,
    Attachment,
    BudgetLine,
    Call,
    ConflictDeclaration,
    Decision,
    Programme,
    Review,
    Transition,
)
from grants.scoring import weighted_total
from projects.enums import ProjectState, TrancheState
from projects.models import Indicator, Project, Tranche
from regions.enums import RegionLevel
from regions.models import Region
from reporting.enums import ReportState
from reporting.management.commands.seed_scale import portal_tables
from reporting.models import IndicatorProgress, ProgressReport, ReminderSent, Spending
from reporting.scale.base import PASSWORD
from tests.factories import RegionFactory, UserFactory

pytestmark = pytest.mark.django_db

SCALE = 0.005


def make_places():
    """Two oblasts with a district each, and six ayil aimaks and a town below them."""
    units = []
    for oblast_number, oblast_code in enumerate(["41702000000000", "41703000000000"]):
        oblast = RegionFactory(code=oblast_code, level=RegionLevel.OBLAST)
        district = RegionFactory(
            code=f"{oblast_code[:5]}210000000",
            level=RegionLevel.DISTRICT,
            parent=oblast,
            oblast=oblast,
        )
        for number in range(3):
            units.append(
                RegionFactory(
                    code=f"{oblast_code[:5]}210{800 + number:03d}000",
                    level=RegionLevel.AYIL_AIMAK,
                    parent=district,
                    oblast=oblast,
                    name_en=f"Ayil aimak {oblast_number}-{number}",
                )
            )
        if oblast_number == 0:
            units.append(
                RegionFactory(
                    code=f"{oblast_code[:5]}210600010",
                    level=RegionLevel.TOWN,
                    parent=district,
                    oblast=oblast,
                    name_en="Town",
                )
            )
    return units


@pytest.fixture
def places(db):
    return make_places()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """One data set for the tests that only read it (seeding is the slow part), hashed
    and stored as the per-test settings of tests/conftest.py would."""
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
    )
    with django_db_blocker.unblock(), fast:
        make_places()
        seed("--reset")
        yield
        tables = [*portal_tables(), Region._meta.db_table]
        connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables))


def seed(*args, seed_number=7):
    call_command("seed_scale", "--scale", str(SCALE), "--seed", str(seed_number), *args)


def fingerprint() -> str:
    """A digest of the rows by their natural keys (primary keys differ between runs)."""

    def rows(queryset, *fields):
        return list(queryset.values_list(*fields))

    parts = [
        list(User.objects.order_by("email").values_list("email", "role", "full_name")),
        rows(Organisation.objects.order_by("name", "taxpayer_number"), "name", "region__code"),
        rows(Call.objects.order_by("slug"), "slug", "state", "total_budget", "opens_at"),
        rows(
            Application.objects.order_by("call__slug", "organisation__taxpayer_number", "title"),
            *("reference", "state", "title", "budget_total", "requested_amount", "submitted_at"),
        ),
        list(
            Review.objects.order_by("application__reference", "member__user__email").values_list(
                "application__reference", "member__user__email", "state", "total", "submitted_at"
            )
        ),
        rows(
            Decision.objects.order_by("application__reference"),
            *("application__reference", "outcome", "amount"),
        ),
        rows(
            Project.objects.order_by("agreement_number"),
            *("agreement_number", "state", "amount_awarded", "starts_on"),
        ),
        list(
            Tranche.objects.order_by("project__agreement_number", "order").values_list(
                "order", "amount", "state", "paid_on"
            )
        ),
        list(
            ProgressReport.objects.order_by("project__agreement_number", "number").values_list(
                "number", "state", "due_on", "submitted_at", "accepted_at"
            )
        ),
        sorted(
            rows(
                Transition.objects, "content_type__model", "from_state", "to_state", "at", "reason"
            )
        ),
        ReminderSent.objects.count(),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def test_the_small_data_set_has_the_shape_of_the_full_one(seeded):

    assert Programme.objects.count() == 3
    calls = Call.objects.annotate(n=Count("applications")).order_by("-n")
    assert calls.count() == 9
    assert calls[0].state == CallState.IN_REVIEW
    assert calls[0].n > calls[1].n
    assert set(Call.objects.values_list("state", flat=True)) == {
        CallState.DECIDED,
        CallState.IN_REVIEW,
        CallState.PUBLISHED,
        CallState.CLOSED,
    }
    assert Application.objects.count() == 100  # 20,000 x 0.005
    assert Project.objects.count() == 10  # 2,000 x 0.005
    assert ProgressReport.objects.count() == 40  # 8,000 x 0.005
    assert User.objects.filter(role=ProgrammeRole.COMMITTEE_MEMBER).count() == 7
    # Five counted reviews of every application the committee decided on.
    decided = Application.objects.filter(state__in=ApplicationState.decided())
    counted = decided.annotate(
        n=Count(
            "reviews",
            filter=Q(reviews__state=ReviewState.SUBMITTED),
        )
    )
    assert {application.n for application in counted} == {5}
    assert ConflictDeclaration.objects.filter(has_conflict=True).exists()
    # Every place an organisation sits in is an ayil aimak or a town.
    assert set(Organisation.objects.values_list("region__level", flat=True)) <= {
        RegionLevel.AYIL_AIMAK,
        RegionLevel.TOWN,
    }
    assert not EmailAddress.objects.filter(verified=False).exists()
    assert EmailAddress.objects.count() == User.objects.count()
    totp_users = Authenticator.objects.filter(type=Authenticator.Type.TOTP).values_list(
        "user__email", flat=True
    )
    assert sorted(totp_users) == ["admin@scale.example.org", "staff@scale.example.org"]


def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows(places):
    seed("--reset")
    first = fingerprint()
    seed("--reset")
    assert fingerprint() == first
    seed("--reset", seed_number=8)
    assert fingerprint() != first


def test_a_portal_with_data_is_refused_unless_reset_is_asked_for(places):
    UserFactory(email="someone@example.org")
    before = fingerprint()

    with pytest.raises(CommandError, match="--reset"):
        seed()
    assert fingerprint() == before

    seed("--reset")
    assert not User.objects.filter(email="someone@example.org").exists()
    assert Application.objects.count() == 100
    assert Region.objects.count() == len(places) + 4  # two oblasts, two districts


def test_the_rows_pass_the_models_checks_and_hold_the_services_figures(seeded):

    samples = [
        *Application.objects.order_by("pk")[:15],
        *BudgetLine.objects.order_by("pk")[:10],
        *Attachment.objects.order_by("pk")[:5],
        *Review.objects.order_by("pk")[:10],
        *Decision.objects.order_by("pk")[:10],
        *Project.objects.order_by("pk")[:5],
        *Tranche.objects.order_by("pk")[:10],
        *Indicator.objects.order_by("pk")[:10],
        *ProgressReport.objects.order_by("pk")[:10],
        *IndicatorProgress.objects.order_by("pk")[:10],
        *Spending.objects.order_by("pk")[:10],
        *Membership.objects.order_by("pk")[:5],
        *Call.objects.all(),
    ]
    for row in samples:
        try:
            row.full_clean()
        except ValidationError as error:  # pragma: no cover - the message is the point
            pytest.fail(f"{type(row).__name__} {row.pk}: {error}")

    for review in Review.objects.prefetch_related("scores__criterion"):
        scores = sorted(review.scores.all(), key=lambda s: s.criterion.order)
        assert review.total == weighted_total((s.criterion, s.points) for s in scores)
    for application in Application.objects.exclude(state=ApplicationState.DRAFT):
        total = sum(line.total for line in application.budget_lines.all())
        assert application.budget_total == total
        cofinancing = application.cofinancing_local_budget + application.cofinancing_other
        assert application.requested_amount == total - cofinancing
        call = application.call
        assert call.min_grant <= application.requested_amount <= call.max_grant
    for project in Project.objects.prefetch_related("tranches"):
        assert sum(t.amount for t in project.tranches.all()) == project.amount_awarded
        decision = project.application.decision
        assert project.amount_awarded == decision.amount
    for call in Call.objects.filter(state=CallState.DECIDED):
        awarded = Decision.objects.filter(application__call=call).aggregate(s=Sum("amount"))["s"]
        assert awarded is None or awarded <= call.total_budget
        assert call.rubric_locked_at is not None
        assert not call.applications.filter(state=ApplicationState.ELIGIBLE).exists()


def test_every_state_is_the_last_one_on_its_timeline(seeded):

    def last_states(model):
        rows = Transition.objects.filter(content_type__model=model._meta.model_name)
        latest = {}
        for object_id, to_state in rows.order_by("at", "pk").values_list("object_id", "to_state"):
            latest[object_id] = to_state
        return latest

    for model, start in (
        (Call, CallState.DRAFT),
        (Application, ApplicationState.DRAFT),
        (Project, ProjectState.ACTIVE),
        (Tranche, TrancheState.PLANNED),
        (ProgressReport, ReportState.PENDING),
    ):
        latest = last_states(model)
        for pk, state in model.objects.values_list("pk", "state"):
            if model is Tranche and pk not in latest:
                continue  # the signing tranche is made ready with the project
            assert latest.get(pk, start) == state, f"{model.__name__} {pk}"
    paid = Tranche.objects.filter(state=TrancheState.PAID)
    assert paid.exists()
    assert not paid.filter(paid_amount__isnull=True).exists()
    assert not ProgressReport.objects.filter(
        state=ReportState.ACCEPTED, accepted_at__isnull=True
    ).exists()


def test_the_scale_logins_reach_their_pages(client, seeded):
    member = User.objects.get(email="member01@scale.example.org")
    assert member.check_password(PASSWORD)

    response = client.post(
        reverse("account_login"),
        {"login": member.email, "password": PASSWORD},
        follow=True,
    )
    assert response.context["user"] == member
    largest = Call.objects.get(state=CallState.IN_REVIEW)
    waiting = Assignment.objects.filter(member__user=member, application__call=largest).exclude(
        application__reviews__member__user=member, application__reviews__state=ReviewState.SUBMITTED
    )
    assert waiting.exists()
    queue = client.get(reverse("review_queue"))
    assert queue.status_code == 200
    assert waiting.first().application.reference in queue.content.decode()

    client.force_login(User.objects.get(email="staff@scale.example.org"))
    assert client.get(reverse("staff_ranking", args=[largest.pk])).status_code == 200

    owner = User.objects.get(email="applicant00001@scale.example.org")
    organisation = owner.organisations.get()
    applications = Application.objects.filter(organisation=organisation)
    assert applications.count() >= 3
    draft = applications.get(state=ApplicationState.DRAFT)
    assert draft.call.is_open
    project = Project.objects.get(organisation=organisation)
    assert project.reports.filter(state=ReportState.PENDING, period_end__lt=draft.call.closes_at)
    client.force_login(owner)
    assert client.get(reverse("application_list")).status_code == 200
    assert project.title in client.get(reverse("project_list_mine")).content.decode()


def test_the_draft_report_of_the_showcase_project_holds_saved_work(seeded):
    project = Project.objects.get(
        organisation__memberships__user__email="applicant00001@scale.example.org"
    )
    drafts = project.reports.filter(state=ReportState.PENDING).exclude(achievements="")
    assert drafts.exists()
    assert Decimal(drafts.first().indicator_values.count()) == project.indicators.count()
