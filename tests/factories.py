import factory
from factory.django import DjangoModelFactory

from accounts.enums import LegalForm, MembershipRole, ProgrammeRole
from accounts.models import Membership, Organisation, User
from regions.enums import RegionLevel
from regions.models import Region

TEST_PASSWORD = "correct horse battery staple"


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["code"]
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"417{90 + n // 1000:02d}{n % 1000:03d}000000")
    level = RegionLevel.OBLAST
    name_en = factory.Sequence(lambda n: f"Test Oblast {n}")
    name_ru = factory.Sequence(lambda n: f"Тестовая область {n}")
    name_ky = factory.Sequence(lambda n: f"Тест облусу {n}")
    edition = "test"
    parent = None
    oblast = factory.LazyAttribute(lambda o: o.parent.oblast if o.parent else None)

    @factory.post_generation
    def set_oblast(obj, create, extracted, **kwargs):
        if obj.oblast_id is None and obj.parent_id is None and create:
            obj.oblast = obj
            obj.save(update_fields=["oblast"])


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    role = ProgrammeRole.APPLICANT
    language = "en"
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """Users sign in only with a verified address; factories make them verified."""
        if not create:
            return
        obj.save()
        if extracted is False:
            return
        from allauth.account.models import EmailAddress

        EmailAddress.objects.update_or_create(
            user=obj, email=obj.email, defaults={"verified": True, "primary": True}
        )


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Public association No. {n}")
    legal_form = LegalForm.PUBLIC_ASSOCIATION
    registration_number = factory.Sequence(lambda n: f"{1000 + n}-3301-OO")
    taxpayer_number = factory.Sequence(lambda n: f"{n:014d}")
    region = factory.SubFactory(RegionFactory)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = MembershipRole.OWNER


# --- grants ---------------------------------------------------------------------
import datetime as _dt  # noqa: E402
from decimal import Decimal  # noqa: E402

from django.utils import timezone  # noqa: E402

from grants.enums import ApplicationState, BudgetCategory, CallState  # noqa: E402
from grants.models import (  # noqa: E402
    Application,
    BudgetLine,
    Call,
    Criterion,
    Programme,
    RequiredDocument,
    Theme,
)


class ProgrammeFactory(DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ["slug"]

    name = "Prevention in Action"
    slug = "pia"
    donor = "INL"
    currency = "KGS"
    starts_on = _dt.date(2017, 1, 1)
    ends_on = _dt.date(2019, 12, 31)
    reference_prefix = "PIA"


class ThemeFactory(DjangoModelFactory):
    class Meta:
        model = Theme

    programme = factory.SubFactory(ProgrammeFactory)
    name_en = factory.Sequence(lambda n: f"Theme {n}")
    name_ru = factory.Sequence(lambda n: f"Тема {n}")
    name_ky = factory.Sequence(lambda n: f"Тема {n}")
    order = factory.Sequence(lambda n: n)


class CallFactory(DjangoModelFactory):
    """A published call open now: opened a week ago, closing in three weeks."""

    class Meta:
        model = Call
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    title = factory.Sequence(lambda n: f"Small grants for crime prevention {n}")
    slug = factory.Sequence(lambda n: f"call-{n}")
    description = "Local crime-prevention projects of public associations."
    eligible_legal_forms = factory.LazyFunction(
        lambda: ["public_association", "foundation", "initiative_group", "local_self_government"]
    )
    total_budget = Decimal("3000000.00")
    min_grant = Decimal("100000.00")
    max_grant = Decimal("300000.00")
    opens_at = factory.LazyFunction(lambda: timezone.now() - _dt.timedelta(days=7))
    closes_at = factory.LazyFunction(lambda: timezone.now() + _dt.timedelta(days=21))
    contact_name = "Programme officer"
    contact_email = "grants@example.org"
    state = CallState.PUBLISHED

    @factory.post_generation
    def rubric(obj, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        for order, (name, weight) in enumerate(
            [("Relevance", 30), ("Feasibility", 30), ("Partnership", 20), ("Value for money", 20)]
        ):
            Criterion.objects.create(call=obj, name=name, weight=weight, max_points=10, order=order)
        RequiredDocument.objects.create(call=obj, name="Registration certificate", order=0)
        RequiredDocument.objects.create(
            call=obj, name="Letter of support from the ayil okmotu", order=1
        )


class ApplicationFactory(DjangoModelFactory):
    class Meta:
        model = Application

    call = factory.SubFactory(CallFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"Safer villages project {n}")
    state = ApplicationState.DRAFT


class BudgetLineFactory(DjangoModelFactory):
    class Meta:
        model = BudgetLine

    application = factory.SubFactory(ApplicationFactory)
    category = BudgetCategory.EVENTS
    description = "Community meetings"
    unit = "meeting"
    quantity = Decimal("10")
    unit_cost = Decimal("15000.00")


# --- committee and reviews ------------------------------------------------------
from accounts.enums import Affiliation  # noqa: E402
from grants.enums import ReviewState  # noqa: E402
from grants.models import CommitteeMember, Review, Score  # noqa: E402
from grants.scoring import weighted_total  # noqa: E402


class CommitteeMemberFactory(DjangoModelFactory):
    class Meta:
        model = CommitteeMember

    call = factory.SubFactory(CallFactory)
    user = factory.SubFactory(UserFactory, role=ProgrammeRole.COMMITTEE_MEMBER)
    affiliation = Affiliation.INDEPENDENT


def submitted_review(*, member, application, points, recommendation="fund", comment=""):
    """A submitted review with ``points`` given criterion by criterion (rubric order)."""
    criteria = list(application.call.criteria.order_by("order", "pk"))
    review = Review.objects.create(
        member=member,
        application=application,
        state=ReviewState.SUBMITTED,
        recommendation=recommendation,
        comment=comment,
        submitted_at=timezone.now(),
    )
    for criterion, value in zip(criteria, points, strict=True):
        Score.objects.create(review=review, criterion=criterion, points=value)
    review.total = weighted_total(zip(criteria, points, strict=True))
    review.save(update_fields=["total"])
    return review


# --- projects and reports -------------------------------------------------------
from projects.enums import StandardIndicator  # noqa: E402
from projects.models import Indicator, Project, ProjectBudgetLine  # noqa: E402
from reporting.enums import ReportKind  # noqa: E402
from reporting.models import ProgressReport  # noqa: E402


class ProjectFactory(DjangoModelFactory):
    """A running project of an approved application (made directly, not by the service)."""

    class Meta:
        model = Project

    application = factory.SubFactory(
        ApplicationFactory,
        state=ApplicationState.APPROVED,
        reference=factory.Sequence(lambda n: f"PIA-2017-{n:03d}"),
    )
    organisation = factory.SelfAttribute("application.organisation")
    title = factory.SelfAttribute("application.title")
    agreement_number = factory.Sequence(lambda n: f"PIA/2017/{n:03d}")
    amount_awarded = Decimal("300000.00")
    starts_on = _dt.date(2017, 7, 1)
    ends_on = _dt.date(2018, 6, 30)


class ProjectBudgetLineFactory(DjangoModelFactory):
    class Meta:
        model = ProjectBudgetLine

    project = factory.SubFactory(ProjectFactory)
    category = BudgetCategory.EVENTS
    description = "Community events"
    unit = "event"
    quantity = Decimal("10")
    unit_cost = Decimal("20000")
    amount = Decimal("200000.00")


class IndicatorFactory(DjangoModelFactory):
    class Meta:
        model = Indicator

    project = factory.SubFactory(ProjectFactory)
    standard = StandardIndicator.PEOPLE_REACHED
    name = "People reached"
    unit = "people"
    target = Decimal("1000")
    disaggregated = True
    target_women = 300
    target_men = 300
    target_girls = 200
    target_boys = 200


class ProgressReportFactory(DjangoModelFactory):
    class Meta:
        model = ProgressReport

    project = factory.SubFactory(ProjectFactory)
    kind = ReportKind.INTERIM
    number = 1
    period_start = _dt.date(2017, 7, 1)
    period_end = _dt.date(2017, 12, 31)
    due_on = _dt.date(2018, 1, 15)
