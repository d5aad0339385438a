"""The demo story: UNODC's "Prevention in Action" small grants programme, 2017.

Everything here is keyed on natural keys (SOATE codes, email addresses, taxpayer
numbers), so ``seed_demo`` can run any number of times without duplicating rows.
People and organisations are invented; the places are the real ones of 2017.
"""

from dataclasses import dataclass
from decimal import Decimal

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
        "41708000000000",
        RegionLevel.OBLAST,
        "",
        "Chuy Oblast",
        "Чуйская область",
        "Чүй облусу",
    ),
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
    DemoOrganisation(
        "nookatyouth",
        'Public association "Nookat Youth Club"',
        LegalForm.PUBLIC_ASSOCIATION,
        "41706242000000",
        "02801201710122",
        "Bekzat Osmonov",
        "ky",
    ),
    DemoOrganisation(
        "batkenwomen",
        'Public association "Batken Women\'s Network"',
        LegalForm.PUBLIC_ASSOCIATION,
        "41705258000000",
        "02801201710133",
        "Nargiza Sabirova",
    ),
    DemoOrganisation(
        "talasfuture",
        'Public foundation "Talas Future"',
        LegalForm.FOUNDATION,
        "41707215000000",
        "02801201710144",
        "Kubanych Alymkulov",
        "ky",
    ),
    DemoOrganisation(
        "bishkekdebate",
        'Public association "Bishkek Youth Debate"',
        LegalForm.PUBLIC_ASSOCIATION,
        "41711204000000",
        "02801201710155",
        "Anna Kim",
    ),
    DemoOrganisation(
        "safecity",
        'LLC "Safe City Systems"',
        LegalForm.OTHER,
        "41711204000000",
        "02801201710166",
        "Vadim Orlov",
    ),
    DemoOrganisation(
        "chuyinit",
        'Initiative group "Chuy Neighbours"',
        LegalForm.INITIATIVE_GROUP,
        "41708000000000",
        "",
        "Meerim Asanalieva",
        "ky",
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


# --- The programme, its themes and calls ---------------------------------------

THEMES = [
    (
        "joint-plans",
        "Joint crime-prevention plans of local self-government and communities",
        "Совместные планы профилактики правонарушений органов МСУ и сообществ",
        "Жергиликтүү өз алдынча башкаруу органдары менен жамааттардын укук бузууларды "
        "алдын алуу боюнча биргелешкен пландары",
    ),
    (
        "radicalisation",
        "Religious radicalisation of young people",
        "Религиозная радикализация молодёжи",
        "Жаштардын диний радикалдашуусу",
    ),
    ("early-marriage", "Early marriage", "Ранние браки", "Эрте никелер"),
    (
        "juvenile",
        "Juvenile delinquency",
        "Подростковая преступность",
        "Өспүрүмдөр арасындагы кылмыштуулук",
    ),
    ("road-safety", "Road safety", "Безопасность дорожного движения", "Жол кыймылынын коопсуздугу"),
    (
        "cross-border",
        "Security in cross-border villages",
        "Безопасность в приграничных сёлах",
        "Чек ара айылдарындагы коопсуздук",
    ),
]

RUBRIC_2017 = [
    ("Relevance to the call's themes and to local crime problems", 25),
    ("Partnership with the ayil okmotu, police and community", 20),
    ("Feasibility of the work plan", 20),
    ("Budget and value for money", 15),
    ("Co-financing and sustainability", 20),
]

DOCUMENTS_2017 = [
    ("Certificate of state registration", "A scan of the certificate of the Ministry of Justice."),
    (
        "Letter of support from the ayil okmotu",
        "Signed by the head of the ayil okmotu or the mayor.",
    ),
    ("Detailed budget", "The budget as a spreadsheet, if it has more lines than the form."),
]

ELIGIBLE_2017 = [
    "41702000000000",  # Issyk-Kul
    "41703000000000",  # Jalal-Abad
    "41706000000000",  # Osh Oblast
    "41711000000000",  # Bishkek
    "41707000000000",  # Talas
    "41705000000000",  # Batken
]


def _bishkek(*args):
    import datetime
    import zoneinfo

    return datetime.datetime(*args, tzinfo=zoneinfo.ZoneInfo("Asia/Bishkek"))


@transaction.atomic
def seed_programme_and_calls():
    """The programme with its six themes, the 2017 call (its deadline long past) and a
    call open today, so that the demo shows both the story and a form to fill in."""
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    from grants.enums import CallState
    from grants.models import Call, Criterion, Programme, RequiredDocument, Theme
    from grants.services.states import transition_record

    programme, _created = Programme.objects.get_or_create(
        slug="prevention-in-action",
        defaults={
            "name": "Prevention in Action",
            "donor": "US Bureau of International Narcotics and Law Enforcement Affairs (INL)",
            "currency": "KGS",
            "starts_on": datetime.date(2015, 1, 1),
            "ends_on": datetime.date(2019, 12, 31),
            "reference_prefix": "PIA",
        },
    )
    themes = []
    for order, (_key, en, ru, ky) in enumerate(THEMES):
        theme, _created = Theme.objects.get_or_create(
            programme=programme, name_en=en, defaults={"name_ru": ru, "name_ky": ky, "order": order}
        )
        themes.append(theme)
    staff = User.objects.get(email=demo_email("programme.officer"))
    eligible = list(Region.objects.filter(code__in=ELIGIBLE_2017))

    def make_call(slug, **fields):
        call, created = Call.objects.get_or_create(slug=slug, programme=programme, defaults=fields)
        if created:
            call.full_clean()
            call.themes.set(themes)
            call.eligible_regions.set(eligible)
            for order, (name, weight) in enumerate(RUBRIC_2017):
                Criterion.objects.create(
                    call=call, name=name, weight=weight, max_points=10, order=order
                )
            for order, (name, description) in enumerate(DOCUMENTS_2017):
                RequiredDocument.objects.create(
                    call=call,
                    name=name,
                    description=description,
                    is_mandatory=order < 2,
                    order=order,
                )
        return call, created

    call_2017, created = make_call(
        "prevention-in-action-2017",
        title="Small grants for local crime prevention 2017",
        description=(
            "UNODC invites public associations, initiative groups and local self-government "
            "bodies to propose local crime-prevention projects in six regions of Kyrgyzstan: "
            "joint prevention plans of ayil okmotu, police and communities, prevention of "
            "religious radicalisation of young people, early marriage, juvenile delinquency, "
            "road safety and security in cross-border villages."
        ),
        eligible_legal_forms=[
            LegalForm.PUBLIC_ASSOCIATION,
            LegalForm.FOUNDATION,
            LegalForm.INITIATIVE_GROUP,
            LegalForm.LOCAL_SELF_GOVERNMENT,
        ],
        total_budget=Decimal("3800000.00"),
        min_grant=Decimal("100000.00"),
        max_grant=Decimal("350000.00"),
        cofinancing_min_percent=Decimal("10.00"),
        cofinancing_note=(
            "At least 10% of the project from the local budget of the ayil aimak or town."
        ),
        opens_at=_bishkek(2017, 4, 3, 9, 0),
        closes_at=_bishkek(2017, 5, 31, 18, 0),
        questions_until=_bishkek(2017, 5, 20, 18, 0),
        contact_name="Gulnara Asanova",
        contact_email=demo_email("programme.officer"),
        state=CallState.CLOSED,
    )
    if created:
        transition_record(
            subject=call_2017,
            from_state=CallState.DRAFT,
            to_state=CallState.PUBLISHED,
            by=staff,
            at=_bishkek(2017, 4, 3, 9, 0),
        )
        transition_record(
            subject=call_2017,
            from_state=CallState.PUBLISHED,
            to_state=CallState.CLOSED,
            at=call_2017.closes_at,
            reason="Closed at the deadline.",
        )

    now = timezone.localtime()
    make_call(
        "safer-villages-open-call",
        title="Safer villages: small grants for community crime prevention",
        description=(
            "An open call of the demo: prepare an application to see how the portal keeps "
            "your draft, checks it and confirms receipt."
        ),
        eligible_legal_forms=[
            LegalForm.PUBLIC_ASSOCIATION,
            LegalForm.FOUNDATION,
            LegalForm.INITIATIVE_GROUP,
            LegalForm.LOCAL_SELF_GOVERNMENT,
        ],
        total_budget=Decimal("4000000.00"),
        min_grant=Decimal("150000.00"),
        max_grant=Decimal("400000.00"),
        cofinancing_min_percent=Decimal("10.00"),
        cofinancing_note="At least 10% from the local budget.",
        opens_at=(now - datetime.timedelta(days=10)).replace(
            hour=9, minute=0, second=0, microsecond=0
        ),
        closes_at=(now + datetime.timedelta(days=30)).replace(
            hour=18, minute=0, second=0, microsecond=0
        ),
        contact_name="Gulnara Asanova",
        contact_email=demo_email("programme.officer"),
        state=CallState.PUBLISHED,
    )
    return programme, call_2017


# --- The 2017 applications ------------------------------------------------------


@dataclass(frozen=True)
class DemoApplication:
    organisation: str
    theme: int  # index into THEMES
    title: str
    places: tuple[str, ...]
    problem: str
    activities: tuple[str, ...]
    beneficiaries: tuple[int, int, int, int]  # women, men, girls, boys
    events_cost: int  # KGS per event, ten events
    local_budget: int
    screening: str = "eligible"  # or an IneligibilityReason value


APPLICATIONS_2017 = [
    DemoApplication(
        "jetyoguz",
        0,
        "A joint crime-prevention plan for Jety-Oguz District",
        ("41702210000000",),
        "Thefts of livestock and domestic violence rise while villages and police rarely plan together.",
        (
            "Baseline safety survey in 12 villages",
            "Drafting the joint plan with the ayil okmotu and police",
            "Public hearings and adoption by the local council",
        ),
        (1200, 1100, 400, 380),
        18000,
        45000,
    ),
    DemoApplication(
        "suzak",
        1,
        "Youth leaders against radicalisation in Suzak",
        ("41703220856000",),
        "Young men returning from labour migration are targeted by recruiters online.",
        (
            "Training of 30 youth leaders",
            "Dialogue evenings with religious leaders",
            "Sports and media festival",
        ),
        (300, 450, 260, 340),
        21000,
        30000,
    ),
    DemoApplication(
        "kyzyltuu",
        2,
        "Kyzyl-Tuu says no to early marriage",
        ("41703220842000",),
        "Girls leave school at 15-16; early and unregistered marriages are common.",
        (
            "School sessions with girls and parents",
            "Training of aksakal courts and imams",
            "Hotline and referral cards",
        ),
        (900, 350, 520, 180),
        16000,
        28000,
    ),
    DemoApplication(
        "nariman",
        3,
        "Safe afternoons for Nariman's teenagers",
        ("41706226830000",),
        "Teenagers without after-school activities are drawn into petty crime.",
        (
            "After-school clubs in three schools",
            "Mentoring by police inspectors for minors",
            "Summer camp on the law",
        ),
        (250, 220, 330, 410),
        19000,
        36000,
    ),
    DemoApplication(
        "nookat",
        1,
        "Nookat: tolerance through youth media",
        ("41706242600010",),
        "Extremist materials circulate among school leavers in Nookat.",
        ("Youth media school", "Short films on tolerance", "Screenings in mahallas"),
        (280, 300, 350, 370),
        20000,
        32000,
    ),
    DemoApplication(
        "karasuu",
        4,
        "Safe roads to school in Kara-Suu",
        ("41706226600010",),
        "Children cross the busy market road without crossings; 14 were injured in 2016.",
        (
            "Road safety lessons in 8 schools",
            "Painted crossings and signs with the mayor's office",
            "Young traffic inspectors' patrols",
        ),
        (400, 380, 900, 950),
        17000,
        60000,
    ),
    DemoApplication(
        "sverdlov",
        0,
        "Neighbourhood prevention councils in Sverdlov District",
        ("41711204000000",),
        "New settlements on the city's edge have no local prevention structure.",
        (
            "Founding 6 neighbourhood prevention councils",
            "Joint patrols with district police",
            "A district prevention plan",
        ),
        (2100, 1900, 600, 650),
        22000,
        50000,
    ),
    DemoApplication(
        "amanbaev",
        3,
        "Amanbaev: second chances for young offenders",
        ("41707215807000",),
        "Repeat offences among minors on probation are high.",
        (
            "Case management with the probation office",
            "Vocational courses",
            "Family group conferences",
        ),
        (120, 140, 60, 110),
        15000,
        25000,
    ),
    DemoApplication(
        "kulundu",
        5,
        "Kulundu and Gafurov: border villages talk before they quarrel",
        ("41705236825000",),
        "Disputes over water and pastures at the border escalate into clashes.",
        (
            "Joint committees of the two border villages",
            "Water-sharing mediation sessions",
            "Youth friendship games across the border",
        ),
        (1500, 1600, 700, 720),
        24000,
        55000,
    ),
    DemoApplication(
        "maksat",
        5,
        "Maksat village: early warning for cross-border incidents",
        ("41705236825000",),
        "Incidents at the border of Maksat village are reported late to both sides.",
        (
            "Early-warning network of village elders",
            "Training with border guards and police",
            "Joint cultural events",
        ),
        (600, 650, 280, 300),
        20000,
        30000,
    ),
    DemoApplication(
        "uchkorgon",
        2,
        "Uch-Korgon families against early marriage",
        ("41705258849000",),
        "Early marriages and bride kidnapping persist in remote villages.",
        (
            "Family counselling days",
            "Campaign with religious leaders",
            "Support group for young women",
        ),
        (800, 300, 450, 150),
        16500,
        26000,
    ),
    DemoApplication(
        "karakol",
        3,
        "Legal aid and prevention for minors in Jety-Oguz",
        ("41702210000000",),
        "Minors in conflict with the law lack legal aid in the district.",
        (
            "Free legal consultations",
            "Law lessons in 10 schools",
            "Training for inspectors for minors",
        ),
        (220, 200, 300, 320),
        18500,
        30000,
    ),
    DemoApplication(
        "nookatyouth",
        3,
        "Football against street crime in Nookat District",
        ("41706242000000",),
        "Boys spend evenings in the street without supervision.",
        ("Evening football league", "Talks by police inspectors", "Tournament final"),
        (50, 80, 40, 300),
        14000,
        15000,
    ),
    DemoApplication(
        "batkenwomen",
        2,
        "Women's councils for Kadamjai District",
        ("41705258000000",),
        "Women's voices are missing from local prevention councils.",
        (
            "Founding women's councils",
            "Training on the law on domestic violence",
            "Round tables with the ayil okmotu",
        ),
        (700, 100, 200, 50),
        15500,
        20000,
    ),
    DemoApplication(
        "talasfuture",
        4,
        "Talas: safe roads for herders' children",
        ("41707215000000",),
        "Children walk along the highway to school in autumn and winter.",
        (
            "Reflective vests and lessons",
            "School bus stop with the ayil okmotu",
            "Drivers' awareness campaign",
        ),
        (150, 160, 500, 520),
        14500,
        18000,
    ),
    DemoApplication(
        "bishkekdebate",
        1,
        "Debate clubs for critical thinking in Bishkek",
        ("41711204000000",),
        "Students have little practice in questioning extremist narratives.",
        ("Debate clubs in 5 colleges", "City debate tournament", "Guide for teachers"),
        (300, 280, 260, 240),
        17500,
        12000,
    ),
    DemoApplication(
        "safecity",
        4,
        "Video surveillance for Sverdlov District",
        ("41711204000000",),
        "Crossings lack cameras.",
        ("Purchase of cameras", "Installation", "Maintenance"),
        (0, 0, 0, 0),
        30000,
        0,
        screening="legal_form",
    ),
    DemoApplication(
        "chuyinit",
        0,
        "A prevention plan for our village in Chuy",
        ("41708000000000",),
        "Our village has no prevention plan.",
        ("Meetings", "Plan", "Adoption"),
        (100, 100, 50, 50),
        12000,
        10000,
        screening="region",
    ),
]


@transaction.atomic
def seed_applications_2017(call):
    """The 2017 applications as they stood after screening (June 2017).

    Historic data is written directly, with its state changes dated in 2017; new
    applications in the portal go through grants.services instead.
    """
    import datetime
    from decimal import Decimal

    from grants.enums import ApplicationState, BudgetCategory, IneligibilityReason, PartnerKind
    from grants.models import (
        Application,
        ApplicationLocation,
        BudgetLine,
        Partner,
        Theme,
        WorkPlanActivity,
    )
    from grants.services.states import transition_record

    if call.applications.exists():
        return list(call.applications.all())
    themes = list(Theme.objects.filter(programme=call.programme).order_by("order"))
    staff = User.objects.get(email=demo_email("programme.officer"))
    organisations = {
        demo.key: Organisation.objects.get(
            **(
                {"taxpayer_number": demo.taxpayer_number}
                if demo.taxpayer_number
                else {"name": demo.name}
            )
        )
        for demo in ORGANISATIONS
    }
    places = {r.code: r for r in Region.objects.all()}
    applications = []
    for number, demo in enumerate(APPLICATIONS_2017, start=1):
        organisation = organisations[demo.organisation]
        owner = organisation.memberships.order_by("pk").first().user
        submitted_at = _bishkek(2017, 5, 10, 10, 0) + datetime.timedelta(
            days=number // 2, hours=number
        )
        women, men, girls, boys = demo.beneficiaries
        application = Application.objects.create(
            call=call,
            organisation=organisation,
            created_by=owner,
            title=demo.title,
            theme=themes[demo.theme],
            summary=f"{demo.title}. {demo.problem} The project works with the ayil okmotu, the police and schools.",
            duration_months=12,
            problem=demo.problem,
            target_groups="Young people, parents, local leaders, police inspectors.",
            objectives="Fewer offences in the project area and a prevention plan adopted and funded locally.",
            beneficiaries_women=women,
            beneficiaries_men=men,
            beneficiaries_girls=girls,
            beneficiaries_boys=boys,
            cofinancing_local_budget=Decimal(demo.local_budget),
            declaration_accepted=True,
            declared_by=owner,
            reference=f"PIA-2017-{number:03d}",
            sequence=number,
            submitted_at=submitted_at,
            updated_by=owner,
        )
        for order, activity in enumerate(demo.activities):
            WorkPlanActivity.objects.create(
                application=application,
                activity=activity,
                start_month=1 + 4 * order,
                end_month=4 + 4 * order,
                order=order,
            )
        for code in demo.places:
            ApplicationLocation.objects.create(application=application, region=places[code])
        Partner.objects.create(
            application=application,
            kind=PartnerKind.AYIL_OKMOTU,
            name="Ayil okmotu",
            role="Co-finances the plan and hosts meetings.",
        )
        Partner.objects.create(
            application=application,
            kind=PartnerKind.POLICE,
            name="District police department",
            role="Inspectors for minors take part in activities.",
        )
        lines = [
            (
                BudgetCategory.EVENTS,
                "Community events and trainings",
                "event",
                10,
                demo.events_cost,
            ),
            (BudgetCategory.STAFF, "Project coordinator", "month", 12, 8000),
            (BudgetCategory.MATERIALS, "Printed materials", "set", 500, 60),
            (BudgetCategory.TRAVEL, "Transport to villages", "trip", 24, 1500),
        ]
        for order, (category, description, unit, quantity, cost) in enumerate(lines):
            BudgetLine.objects.create(
                application=application,
                category=category,
                description=description,
                unit=unit,
                quantity=Decimal(quantity),
                unit_cost=Decimal(cost),
                order=order,
            )
        total = sum(Decimal(q) * Decimal(c) for _c, _d, _u, q, c in lines)
        application.budget_total = total
        application.requested_amount = total - application.cofinancing_local_budget
        application.state = ApplicationState.SUBMITTED
        application.save(update_fields=["budget_total", "requested_amount", "state"])
        transition_record(
            subject=application,
            from_state=ApplicationState.DRAFT,
            to_state=ApplicationState.SUBMITTED,
            by=owner,
            at=submitted_at,
        )
        screened_at = _bishkek(2017, 6, 5, 11, 0) + datetime.timedelta(minutes=10 * number)
        if demo.screening == "eligible":
            to_state, reason = ApplicationState.ELIGIBLE, ""
        else:
            to_state, reason = (
                ApplicationState.INELIGIBLE,
                str(IneligibilityReason(demo.screening).label),
            )
        application.state = to_state
        application.save(update_fields=["state"])
        transition_record(
            subject=application,
            from_state=ApplicationState.SUBMITTED,
            to_state=to_state,
            by=staff,
            at=screened_at,
            reason=reason,
        )
        applications.append(application)
    return applications


def seed_open_call_draft():
    """A draft in the open call, half-way through, as an applicant would leave it:
    the demo shows the form with saved sections and what is still missing."""
    from decimal import Decimal

    from grants.enums import BudgetCategory, PartnerKind
    from grants.models import Call
    from grants.services.applications import application_save_section, application_start

    call = Call.objects.get(slug="safer-villages-open-call")
    owner = User.objects.get(email=demo_email("ainura.jetyoguz"))
    organisation = Organisation.objects.get(taxpayer_number="02801201710011")
    application, created = application_start(call=call, organisation=organisation, by=owner)
    if not created:
        return application
    sections = [
        (
            "summary",
            {
                "title": "Safe pastures: preventing livestock theft in Jety-Oguz",
                "theme": call.themes.order_by("order").first(),
                "summary": "Village patrols, marked livestock and a joint plan with the ayil okmotu and police.",
                "duration_months": 12,
            },
            None,
        ),
        (
            "problem",
            {
                "problem": "Livestock theft is the most reported crime in the district's villages.",
                "target_groups": "Herders, village elders, young volunteers, police inspectors.",
            },
            None,
        ),
        (
            "workplan",
            {"objectives": "Halve livestock thefts in three villages within a year."},
            [
                {
                    "activity": "Village meetings and volunteer patrols",
                    "start_month": 1,
                    "end_month": 6,
                },
                {"activity": "Marking and registering livestock", "start_month": 3, "end_month": 9},
            ],
        ),
        ("locations", {}, [{"region": Region.objects.get(code="41702210000000")}]),
        (
            "partners",
            {},
            [
                {
                    "kind": PartnerKind.AYIL_OKMOTU,
                    "name": "Jety-Oguz ayil okmotu",
                    "role": "Co-finances and hosts the plan.",
                },
                {
                    "kind": PartnerKind.POLICE,
                    "name": "Jety-Oguz district police",
                    "role": "Joins the patrols.",
                },
            ],
        ),
        (
            "budget",
            {"cofinancing_local_budget": Decimal("30000.00")},
            [
                {
                    "category": BudgetCategory.EVENTS,
                    "description": "Village meetings",
                    "unit": "meeting",
                    "quantity": Decimal("12"),
                    "unit_cost": Decimal("9000"),
                },
                {
                    "category": BudgetCategory.EQUIPMENT,
                    "description": "Ear tags and register",
                    "unit": "set",
                    "quantity": Decimal("1"),
                    "unit_cost": Decimal("90000"),
                },
            ],
        ),
    ]
    for section, fields, rows in sections:
        application.refresh_from_db()
        version = (application.section_versions or {}).get(section, 0)
        application = application_save_section(
            application=application,
            section=section,
            by=owner,
            base_version=version,
            fields=fields,
            rows=rows,
        )
    return application


# --- The 2017 committee, scores and decisions ------------------------------------

# Quality of each 2017 application (its reviewers' typical total) by sequence number;
# the twelve highest are the twelve funded projects of the story.
QUALITY_2017 = {
    1: 84,
    2: 80,
    3: 78,
    4: 76,
    5: 74,
    6: 83,
    7: 79,
    8: 72,
    9: 86,
    10: 77,
    11: 75,
    12: 73,
    13: 61,
    14: 66,
    15: 55,
    16: 52,
}
# Harsh and lenient reviewers, as committees have them (added to every total).
LENIENCY = {
    "committee.mvd": -6,
    "committee.gapr": 3,
    "committee.ngo1": 5,
    "committee.ngo2": 0,
    "committee.expert1": -3,
    "committee.expert2": 2,
}
CONFLICT_2017 = (
    "committee.ngo1",
    3,
    "I chaired the board of the Women's Council of Kyzyl-Tuu until 2016.",
)
DECIDED_AT_2017 = (2017, 7, 14, 15, 0)


def _historic(subject, at):
    """Date the state changes just recorded for ``subject`` at ``at`` (the story's time)."""
    from django.db import connection

    from grants.services.states import timeline_for

    # The timeline is append-only on PostgreSQL (grants migration 0003); only the demo
    # story may rewrite its own times, inside the seed's transaction.
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('portal.rewrite_history', 'on', true)")
    timeline_for(subject).filter(at__gte=at).update(at=at)
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('portal.rewrite_history', 'off', true)")


@transaction.atomic
def seed_review_2017(call):
    """The committee of 2017: six members, one conflict declared, every other eligible
    application scored by everyone, the ranking and the twelve grants decided."""
    import random

    from grants.enums import ApplicationState, CallState, DecisionOutcome, Recommendation
    from grants.models import Application, CallReviewSettings, CommitteeMember, Decision
    from grants.services.committee import assignments_make, committee_add_member
    from grants.services.decisions import decision_record
    from grants.services.reviews import declaration_make, review_save

    if Decision.objects.filter(application__call=call).exists():
        return
    staff = User.objects.get(email=demo_email("programme.officer"))
    if call.state == CallState.CLOSED:
        from grants.services.states import call_set_state

        call_set_state(call=call, to_state=CallState.IN_REVIEW, by=staff)
        _historic(call, _bishkek(2017, 6, 12, 9, 0))
    members = {}
    for person in COMMITTEE:
        user = User.objects.get(email=demo_email(person.email))
        member = CommitteeMember.objects.filter(
            call=call, user=user
        ).first() or committee_add_member(
            call=call,
            user=user,
            affiliation=person.affiliation,
            is_chair=person.email == "committee.expert1",
            by=staff,
        )
        members[person.email] = member
    CallReviewSettings.objects.update_or_create(
        call=call, defaults={"pass_mark": Decimal("60"), "ranking_method": "raw"}
    )
    assignments_make(call=call, by=staff)

    rng = random.Random(2017)
    criteria = list(call.criteria.order_by("order"))
    eligible = list(
        Application.objects.filter(call=call, state=ApplicationState.ELIGIBLE).order_by("sequence")
    )
    for application in eligible:
        for key, member in members.items():
            conflict = key == CONFLICT_2017[0] and application.sequence == CONFLICT_2017[1]
            declaration_make(
                member=member,
                application=application,
                has_conflict=conflict,
                reason=CONFLICT_2017[2] if conflict else "",
            )
            if conflict:
                continue
            target = QUALITY_2017[application.sequence] + LENIENCY[key]
            points = {
                c.pk: max(0, min(c.max_points, round(target / 10 + rng.uniform(-1.2, 1.2))))
                for c in criteria
            }
            total = sum(c.weight * points[c.pk] / c.max_points for c in criteria)
            recommendation = (
                Recommendation.FUND
                if total >= 70
                else Recommendation.FUND_WITH_CHANGES
                if total >= 60
                else Recommendation.DO_NOT_FUND
            )
            review_save(
                member=member,
                application=application,
                points=points,
                comment="Clear plan with the ayil okmotu."
                if total >= 70
                else "Needs a stronger partnership with local authorities.",
                recommendation=recommendation,
                submit=True,
            )
    from grants.models import Review

    Review.objects.filter(application__call=call).update(submitted_at=_bishkek(2017, 6, 26, 17, 0))
    call.refresh_from_db()
    if call.rubric_locked_at:
        type(call).objects.filter(pk=call.pk).update(rubric_locked_at=_bishkek(2017, 6, 20, 10, 0))

    decided_at = _bishkek(*DECIDED_AT_2017)
    ranked = sorted(eligible, key=lambda a: -QUALITY_2017[a.sequence])
    for rank, application in enumerate(ranked, start=1):
        if rank <= 12:
            # The committee trimmed two budgets; the others received what they asked.
            amount = application.requested_amount - (
                Decimal("20000") if application.sequence in (2, 9) else 0
            )
            outcome, reason = DecisionOutcome.APPROVE, ""
        elif rank == 13:
            outcome, amount, reason = (
                DecisionOutcome.WAITLIST,
                None,
                "On the reserve list if funds become available.",
            )
        else:
            outcome, amount, reason = (
                DecisionOutcome.REJECT,
                None,
                "The score stayed below the committee's pass mark of 60.",
            )
        decision_record(
            application=application,
            outcome=outcome,
            amount=amount,
            conditions="Sign the grant agreement within 30 days."
            if outcome == DecisionOutcome.APPROVE
            else "",
            reason=reason,
            by=staff,
            expected_state=ApplicationState.ELIGIBLE,
            decided_at=decided_at,
        )
        _historic(application, decided_at)
    _historic(call, decided_at)


# --- Projects, reports and payments 2017-2018 -------------------------------------

REPORT_TEXT = {
    "achievements": "{title}: {events} community events held with the ayil okmotu and the police; {people} people took part.",
    "challenges": "Winter roads made some villages hard to reach; meetings were moved to the school.",
    "lessons": "Meetings in schools and mosques reach parents better than announcements.",
    "next_steps": "Hand the prevention plan to the local council for adoption and funding.",
}


@transaction.atomic
def seed_projects_2017():
    """Reports and payments of the twelve 2017 projects: every interim report accepted
    (one after a return), ten final reports accepted, one submitted late and waiting
    for staff, one still missing; tranches paid as the reports were accepted."""
    import datetime

    from projects.enums import ProjectState, StandardIndicator, TrancheState
    from projects.models import Project
    from projects.services import project_set_state, tranche_record_payment
    from reporting.enums import ReportKind, ReportState
    from reporting.services.reports import (
        report_accept,
        report_return,
        report_save_section,
        report_submit,
    )

    staff = User.objects.get(email=demo_email("programme.officer"))
    projects = list(
        Project.objects.filter(application__call__slug="prevention-in-action-2017")
        .select_related("application")
        .order_by("agreement_number")
    )
    if not projects or projects[0].reports.exclude(state=ReportState.PENDING).exists():
        return projects

    def pay_ready(project, paid_on):
        for number, tranche in enumerate(
            project.tranches.filter(state=TrancheState.READY).order_by("order"), start=1
        ):
            tranche_record_payment(
                tranche=tranche,
                paid_on=paid_on,
                amount=tranche.amount,
                reference=f"UNDP-KG-{project.pk:03d}-{tranche.order}-{number}",
                by=staff,
            )

    def fill(report, owner, share):
        report.refresh_from_db()
        versions = report.section_versions or {}
        people = {}
        events = 0
        rows = {}
        for indicator in report.project.indicators.all():
            if indicator.standard == StandardIndicator.PEOPLE_REACHED:
                split = {
                    k: int((getattr(indicator, f"target_{k}") or 0) * share)
                    for k in ("women", "men", "girls", "boys")
                }
                people = split
                rows[indicator.pk] = {"value": sum(split.values()), **split, "comment": ""}
            elif indicator.standard == StandardIndicator.EVENTS_HELD:
                events = max(1, int(indicator.target * Decimal(share)))
                rows[indicator.pk] = {"value": Decimal(events), "comment": ""}
            elif indicator.standard == StandardIndicator.PLAN_ADOPTED:
                rows[indicator.pk] = {"value": Decimal(1 if share > 0.5 else 0), "comment": ""}
            else:
                rows[indicator.pk] = {
                    "value": (indicator.target * Decimal(share)).quantize(Decimal("1")),
                    "comment": "",
                }
        report = report_save_section(
            report=report,
            section="indicators",
            by=owner,
            base_version=versions.get("indicators", 0),
            rows=rows,
        )
        spending = {
            line.pk: (line.amount * Decimal(share)).quantize(Decimal("0.01"))
            for line in report.project.budget_lines.all()
        }
        report = report_save_section(
            report=report,
            section="spending",
            by=owner,
            base_version=versions.get("spending", 0),
            rows=spending,
        )
        receipts = {
            c.pk: (c.committed * Decimal(share)).quantize(Decimal("0.01"))
            for c in report.project.cofinancing.all()
        }
        report = report_save_section(
            report=report,
            section="cofinancing",
            by=owner,
            base_version=versions.get("cofinancing", 0),
            rows=receipts,
        )
        text = {
            k: v.format(title=report.project.title, events=events, people=sum(people.values()))
            for k, v in REPORT_TEXT.items()
        }
        return report_save_section(
            report=report,
            section="narrative",
            by=owner,
            base_version=versions.get("narrative", 0),
            fields=text,
        )

    for index, project in enumerate(projects):
        owner = project.organisation.memberships.order_by("pk").first().user
        pay_ready(project, project.starts_on + datetime.timedelta(days=10))
        for report in project.reports.order_by("number"):
            final = report.kind == ReportKind.FINAL
            if final and index == len(projects) - 1:
                continue  # still missing: overdue
            report = fill(report, owner, 0.5)
            submitted_on = report.due_on - datetime.timedelta(days=3)
            if final and index == len(projects) - 2:
                submitted_on = report.due_on + datetime.timedelta(days=20)
            report = report_submit(report=report, by=owner)
            if index == 0 and not final:
                report = report_return(
                    report=report,
                    by=staff,
                    comments={"spending": "Please split the travel costs by trip."},
                )
                report = fill(report, owner, 0.5)
                report = report_submit(report=report, by=owner)
            type(report).objects.filter(pk=report.pk).update(
                submitted_at=_bishkek(
                    submitted_on.year, submitted_on.month, submitted_on.day, 11, 0
                )
            )
            _historic(
                report, _bishkek(submitted_on.year, submitted_on.month, submitted_on.day, 11, 0)
            )
            if final and index == len(projects) - 2:
                continue  # submitted late, waiting for staff
            accepted_on = submitted_on + datetime.timedelta(days=7)
            report = report_accept(report=report, by=staff)
            type(report).objects.filter(pk=report.pk).update(
                accepted_at=_bishkek(accepted_on.year, accepted_on.month, accepted_on.day, 12, 0)
            )
            _historic(report, _bishkek(accepted_on.year, accepted_on.month, accepted_on.day, 12, 0))
            pay_ready(project, accepted_on + datetime.timedelta(days=5))
        project.refresh_from_db()
        if index < len(projects) - 2:
            project_set_state(
                project=project,
                to_state=ProjectState.COMPLETED,
                by=staff,
                reason="Final report accepted and every tranche paid.",
            )
            _historic(project, _bishkek(2018, 9, 14, 10, 0))
    return projects


def seed_donor_summary():
    """The donor's recipient and the summary of the projects' year (August 2017 to
    July 2018), made by the same service as the monthly task."""
    import datetime

    from grants.models import Programme
    from reporting.models import DonorRecipient, DonorSummary
    from reporting.summaries import summary_build, summary_request

    programme = Programme.objects.get(slug="prevention-in-action")
    DonorRecipient.objects.get_or_create(
        programme=programme,
        email=demo_email("donor"),
        defaults={"name": "Emily Carter", "language": "en"},
    )
    existing = DonorSummary.objects.filter(
        programme=programme, period_start=datetime.date(2017, 8, 1)
    ).first()
    if existing:
        return existing
    # Made as the scheduled task makes them (by nobody, in English, for the donor),
    # built here and now rather than after the seed's transaction commits.
    summary = summary_request(
        programme=programme,
        period_start=datetime.date(2017, 8, 1),
        period_end=datetime.date(2018, 7, 31),
        by=None,
        second_currency="USD",
        exchange_rate=Decimal("68.8"),
    )
    return summary_build(summary_id=summary.pk)


def seed_mail_outbox():
    """What an operator sees under Admin > Outgoing mail besides the story's sent mail:
    one mail the server refused (failed, waiting for "Retry now") and one that failed
    twice and waits for its next attempt. Kept once by their deduplication keys."""
    import datetime

    from django.utils import timezone

    from accounts.enums import MailStatus
    from accounts.models import OutboundMail

    now = timezone.now()
    OutboundMail.objects.get_or_create(
        dedup_key="demo:bounced-invitation",
        defaults={
            "recipient": "old.address@bounced.example.org",
            "subject": "Invitation to join Community Safety Jety-Oguz",
            "text": "You are invited to join the organisation on the grant portal.",
            "language": "ru",
            "template": "accounts/email/invitation",
            "status": MailStatus.FAILED,
            "attempts": 1,
            "next_attempt_at": now - datetime.timedelta(hours=3),
            "last_error": "SMTPRecipientsRefused: {'old.address@bounced.example.org': "
            "(550, b'5.1.1 No such user')}",
            "created_at": now - datetime.timedelta(hours=3),
        },
    )
    OutboundMail.objects.get_or_create(
        dedup_key="demo:retry-reminder",
        defaults={
            "recipient": demo_email("ainura.jetyoguz"),
            "subject": "Reminder: your progress report is due",
            "text": "Your progress report is due. You can prepare it on the portal.",
            "language": "ky",
            "template": "reporting/email/reminder_due_day",
            "status": MailStatus.PENDING,
            "attempts": 2,
            "next_attempt_at": now + datetime.timedelta(minutes=6),
            "last_error": "SMTPServerDisconnected: Connection unexpectedly closed",
            "created_at": now - datetime.timedelta(minutes=10),
        },
    )
