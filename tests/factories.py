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
