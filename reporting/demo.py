"""The demo story: UNODC's "Prevention in Action" small grants programme, 2017.

Everything here is keyed on natural keys (SOATE codes, email addresses, taxpayer
numbers), so ``seed_demo`` can run any number of times without duplicating rows.
People and organisations are invented; the places are the real ones of 2017.
"""

from dataclasses import dataclass

from django.db import transaction

from accounts.enums import Affiliation, LegalForm, MembershipRole, ProgrammeRole
from accounts.models import Membership, Organisation, User
from regions.enums import RegionLevel
from regions.models import Region

DEMO_PASSWORD = "prevention-2017"  # noqa: S105 - printed for local demo use only
DEMO_EMAIL_DOMAIN = "demo.example.org"

# The chain of units above the 2017 places, used when the full classifier is not
# loaded (the reference data lives outside the repository): code, level, parent,
# English, Russian and Kyrgyz names as in the SOATE snapshot.
DEMO_PLACES = [
    (
        "41702000000000",
        RegionLevel.OBLAST,
        "",
        "Issyk-Kul Oblast",
        "Иссык-Кульская область",
        "Ысык-Көл облусу",
    ),
    (
        "41702210000000",
        RegionLevel.DISTRICT,
        "41702000000000",
        "Jeti-Oguz District",
        "Жети-Огузский район",
        "Жети-Өгүз району",
    ),
    (
        "41703000000000",
        RegionLevel.OBLAST,
        "",
        "Jalal-Abad Oblast",
        "Джалал-Абадская область",
        "Жалал-Абад облусу",
    ),
    (
        "41703220000000",
        RegionLevel.DISTRICT,
        "41703000000000",
        "Suzak District",
        "Сузакский район",
        "Сузак району",
    ),
    (
        "41703220856000",
        RegionLevel.AYIL_AIMAK,
        "41703220000000",
        "Suzak ayil aimak",
        "Сузакский айылный аймак",
        "",
    ),
    (
        "41703220842000",
        RegionLevel.AYIL_AIMAK,
        "41703220000000",
        "Kyzyl-Tuu ayil aimak",
        "Кызыл-Тууский айылный аймак",
        "",
    ),
    ("41706000000000", RegionLevel.OBLAST, "", "Osh Oblast", "Ошская область", "Ош облусу"),
    (
        "41706226000000",
        RegionLevel.DISTRICT,
        "41706000000000",
        "Kara-Suu District",
        "Кара-Сууский район",
        "Кара-Суу району",
    ),
    (
        "41706226830000",
        RegionLevel.AYIL_AIMAK,
        "41706226000000",
        "Nariman ayil aimak",
        "Наримановский айылный аймак",
        "",
    ),
    ("41706226600010", RegionLevel.TOWN, "41706226000000", "Kara-Suu", "Кара-Суу", "Кара-Суу"),
    (
        "41706242000000",
        RegionLevel.DISTRICT,
        "41706000000000",
        "Nookat District",
        "Ноокатский район",
        "Ноокат району",
    ),
    ("41706242600010", RegionLevel.TOWN, "41706242000000", "Nookat", "Ноокат", "Ноокат"),
    ("41711000000000", RegionLevel.CITY, "", "Bishkek", "Бишкек", "Бишкек шаары"),
    (
        "41711204000000",
        RegionLevel.CITY_DISTRICT,
        "41711000000000",
        "Sverdlov District",
        "Свердловский район",
        "Свердлов району",
    ),
    ("41707000000000", RegionLevel.OBLAST, "", "Talas Oblast", "Таласская область", "Талас облусу"),
    (
        "41707215000000",
        RegionLevel.DISTRICT,
        "41707000000000",
        "Kara-Buura District",
        "Кара-Бууринский район",
        "Кара-Буура району",
    ),
    (
        "41707215807000",
        RegionLevel.AYIL_AIMAK,
        "41707215000000",
        "Amanbaev ayil aimak",
        "Аманбаевский айылный аймак",
        "",
    ),
    (
        "41705000000000",
        RegionLevel.OBLAST,
        "",
        "Batken Oblast",
        "Баткенская область",
        "Баткен облусу",
    ),
    (
        "41705236000000",
        RegionLevel.DISTRICT,
        "41705000000000",
        "Leilek District",
        "Лейлекский район",
        "Лейлек району",
    ),
    (
        "41705236825000",
        RegionLevel.AYIL_AIMAK,
        "41705236000000",
        "Kulundu ayil aimak",
        "Кулундинский айылный аймак",
        "",
    ),
    (
        "41705258000000",
        RegionLevel.DISTRICT,
        "41705000000000",
        "Kadamjai District",
        "Кадамжайский район",
        "Кадамжай району",
    ),
    (
        "41705258849000",
        RegionLevel.AYIL_AIMAK,
        "41705258000000",
        "Uch-Korgon ayil aimak",
        "Уч-Коргонский айылный аймак",
        "",
    ),
]


@dataclass(frozen=True)
class DemoPerson:
    email: str
    full_name: str
    role: str
    language: str = "ru"
    affiliation: str = ""
    position: str = ""


STAFF = [
    DemoPerson(
        "programme.officer",
        "Gulnara Asanova",
        ProgrammeRole.STAFF,
        "ru",
        position="Programme officer, UNODC Programme Office in Kyrgyzstan",
    ),
    DemoPerson(
        "programme.assistant",
        "Timur Sadykov",
        ProgrammeRole.STAFF,
        "en",
        position="Programme assistant, UNODC Programme Office in Kyrgyzstan",
    ),
    DemoPerson(
        "donor",
        "Emily Carter",
        ProgrammeRole.DONOR_VIEWER,
        "en",
        position="Program officer, Bureau of International Narcotics and Law Enforcement "
        "Affairs (INL), US Department of State",
    ),
    DemoPerson("admin", "Azamat Bekov", ProgrammeRole.ADMIN, "en", position="System administrator"),
]

COMMITTEE = [
    DemoPerson(
        "committee.mvd",
        "Nurlan Toktogulov",
        ProgrammeRole.COMMITTEE_MEMBER,
        "ru",
        Affiliation.GOVERNMENT,
        "Crime prevention department, Ministry of Internal Affairs",
    ),
    DemoPerson(
        "committee.gapr",
        "Aigul Mamytova",
        ProgrammeRole.COMMITTEE_MEMBER,
        "ky",
        Affiliation.GOVERNMENT,
        "State Agency for Local Self-Government and Interethnic Relations",
    ),
    DemoPerson(
        "committee.ngo1",
        "Elmira Joldosheva",
        ProgrammeRole.COMMITTEE_MEMBER,
        "ru",
        Affiliation.NGO,
        "Association of Crisis Centres",
    ),
    DemoPerson(
        "committee.ngo2",
        "Bakyt Usenov",
        ProgrammeRole.COMMITTEE_MEMBER,
        "ky",
        Affiliation.NGO,
        "Youth Workers' Network",
    ),
    DemoPerson(
        "committee.expert1",
        "Dr. Cholpon Abdyrakhmanova",
        ProgrammeRole.COMMITTEE_MEMBER,
        "ru",
        Affiliation.INDEPENDENT,
        "Independent expert in criminology",
    ),
    DemoPerson(
        "committee.expert2",
        "Maksat Isakov",
        ProgrammeRole.COMMITTEE_MEMBER,
        "en",
        Affiliation.INDEPENDENT,
        "Independent expert in community policing",
    ),
]


@dataclass(frozen=True)
class DemoOrganisation:
    key: str
    name: str
    legal_form: str
    region_code: str
    taxpayer_number: str
    owner_name: str
    owner_language: str = "ru"
    editor_name: str = ""


ORGANISATIONS = [
    DemoOrganisation(
        "jetyoguz",
        'Public association "Jety-Oguz Community Safety"',
        LegalForm.PUBLIC_ASSOCIATION,
        "41702210000000",
        "02801201710011",
        "Ainura Kasymova",
        "ky",
        "Ruslan Ibraev",
    ),
    DemoOrganisation(
        "suzak",
        'Public association "Suzak Youth Centre"',
        LegalForm.PUBLIC_ASSOCIATION,
        "41703220856000",
        "02801201710022",
        "Dilshod Karimov",
    ),
    DemoOrganisation(
        "kyzyltuu",
        'Public association "Women\'s Council of Kyzyl-Tuu"',
        LegalForm.PUBLIC_ASSOCIATION,
        "41703220842000",
        "02801201710033",
        "Zarina Tashieva",
        "ky",
    ),
    DemoOrganisation(
        "nariman",
        'Public association "Nariman Mothers for Safe Villages"',
        LegalForm.PUBLIC_ASSOCIATION,
        "41706226830000",
        "02801201710044",
        "Mukaddas Yusupova",
    ),
    DemoOrganisation(
        "nookat",
        'Public foundation "Nookat Youth Initiative"',
        LegalForm.FOUNDATION,
        "41706242600010",
        "02801201710055",
        "Almaz Tursunov",
        "ky",
    ),
    DemoOrganisation(
        "karasuu",
        'Public association "Kara-Suu Road Safety"',
        LegalForm.PUBLIC_ASSOCIATION,
        "41706226600010",
        "02801201710066",
        "Sanjar Mirzaev",
    ),
    DemoOrganisation(
        "sverdlov",
        'Public association "Sverdlov Neighbourhood Prevention"',
        LegalForm.PUBLIC_ASSOCIATION,
        "41711204000000",
        "02801201710077",
        "Olga Petrova",
        "ru",
        "Kanat Abdraev",
    ),
    DemoOrganisation(
        "amanbaev",
        'Initiative group "Amanbaev Together"',
        LegalForm.INITIATIVE_GROUP,
        "41707215807000",
        "",
        "Erkin Sultanov",
        "ky",
    ),
    DemoOrganisation(
        "kulundu",
        "Kulundu ayil okmotu",
        LegalForm.LOCAL_SELF_GOVERNMENT,
        "41705236825000",
        "02801201710088",
        "Rakhmatillo Nazarov",
    ),
    DemoOrganisation(
        "maksat",
        'Public association "Maksat Cross-Border Dialogue"',
        LegalForm.PUBLIC_ASSOCIATION,
        "41705236825000",
        "02801201710099",
        "Gulbara Ergesheva",
        "ky",
    ),
    DemoOrganisation(
        "uchkorgon",
        'Public association "Uch-Korgon Family Support"',
        LegalForm.PUBLIC_ASSOCIATION,
        "41705258849000",
        "02801201710100",
        "Feruza Abdullaeva",
    ),
    DemoOrganisation(
        "karakol",
        'Public association "Issyk-Kul Legal Clinic"',
        LegalForm.PUBLIC_ASSOCIATION,
        "41702210000000",
        "02801201710111",
        "Igor Shevchenko",
        "ru",
    ),
]


def demo_email(local_part: str) -> str:
    return f"{local_part}@{DEMO_EMAIL_DOMAIN}"


def ensure_demo_places() -> int:
    """Create the 2017 places (and the units above them) that are not loaded yet."""
    existing = set(
        Region.objects.filter(code__in=[row[0] for row in DEMO_PLACES]).values_list(
            "code", flat=True
        )
    )
    created = 0
    for code, level, parent_code, name_en, name_ru, name_ky in DEMO_PLACES:
        if code in existing:
            continue
        parent = Region.objects.get(code=parent_code) if parent_code else None
        region = Region.objects.create(
            code=code,
            level=level,
            parent=parent,
            oblast=parent.oblast if parent else None,
            name_en=name_en,
            name_ru=name_ru,
            name_ky=name_ky,
            edition="SOATE-2021",
        )
        if parent is None:
            region.oblast = region
            region.save(update_fields=["oblast"])
        created += 1
    return created


def _person(person: DemoPerson) -> User:
    from allauth.account.models import EmailAddress

    user, created = User.objects.get_or_create(
        email=demo_email(person.email),
        defaults={
            "full_name": person.full_name,
            "role": person.role,
            "language": person.language,
            "affiliation": person.affiliation,
            "position": person.position,
            "is_staff": person.role == ProgrammeRole.ADMIN,
            "is_superuser": person.role == ProgrammeRole.ADMIN,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


def _slug_email(name: str, organisation_key: str) -> str:
    first = name.split(" ")[0].lower()
    return f"{first}.{organisation_key}"


@transaction.atomic
def seed_people_and_organisations() -> dict[str, list[User]]:
    """Staff, the donor viewer, the admin, the committee and the 2017 organisations."""
    ensure_demo_places()
    people = {
        "staff": [_person(p) for p in STAFF],
        "committee": [_person(p) for p in COMMITTEE],
        "applicants": [],
    }
    places = {
        r.code: r for r in Region.objects.filter(code__in=[o.region_code for o in ORGANISATIONS])
    }
    for demo in ORGANISATIONS:
        lookup = (
            {"taxpayer_number": demo.taxpayer_number}
            if demo.taxpayer_number
            else {"name": demo.name}
        )
        organisation, _created = Organisation.objects.get_or_create(
            **lookup,
            defaults={
                "name": demo.name,
                "legal_form": demo.legal_form,
                "region": places[demo.region_code],
                "registration_number": f"{demo.taxpayer_number[-4:] or '0000'}-3301-OO",
                "address": places[demo.region_code].name_en,
                "phone": "+996 312 000 000",
                "email": demo_email(f"office.{demo.key}"),
            },
        )
        members = [(demo.owner_name, demo.owner_language, MembershipRole.OWNER)]
        if demo.editor_name:
            members.append((demo.editor_name, "ru", MembershipRole.EDITOR))
        for name, language, role in members:
            user = _person(
                DemoPerson(_slug_email(name, demo.key), name, ProgrammeRole.APPLICANT, language)
            )
            Membership.objects.get_or_create(
                organisation=organisation, user=user, defaults={"role": role}
            )
            people["applicants"].append(user)
    return people
