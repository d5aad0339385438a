"""The people of the scale data set: the fixed logins, the committee's pool of
members, and the applicant organisations with their owners and editors."""

import datetime
import hashlib

from allauth.account.models import EmailAddress
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import encrypt
from django.contrib.auth.hashers import make_password

from accounts.enums import Affiliation, LegalForm, MembershipRole, ProgrammeRole
from accounts.models import Membership, Organisation, User
from reporting.scale.base import PASSWORD, TOTP_SECRET, Clock, Plan, bulk, email

FIRST_NAMES = [
    "Aibek", "Ainura", "Almaz", "Asel", "Azamat", "Bakyt", "Begaiym", "Chynara", "Daniyar",
    "Elmira", "Emil", "Gulnara", "Jamila", "Kanat", "Kubanychbek", "Meerim", "Nurlan",
    "Nurzhan", "Saltanat", "Talant", "Timur", "Zarina", "Zhyldyz", "Ulan",
]  # fmt: skip
LAST_NAMES = [
    "Abdyldaev", "Asanova", "Bakirov", "Dzhumabaeva", "Esenaliev", "Imanalieva", "Isakov",
    "Karimova", "Mamytov", "Omurbekova", "Osmonov", "Sadykov", "Sydykova", "Toktogulov",
    "Usenova", "Zhunusov",
]  # fmt: skip
ORGANISATION_WORDS = [
    "Safe Village", "Bright Future", "Women's Council", "Youth Centre", "Aksakal Court",
    "Community Watch", "Parents' Voice", "Clean Streets", "Mountain Roads", "Good Neighbours",
    "Road Safety Club", "Open Doors", "Peace Builders", "Crossroads", "New Generation",
]  # fmt: skip
# Applicant bodies, most of them public associations (the programme's typical applicant).
LEGAL_FORMS = (
    [LegalForm.PUBLIC_ASSOCIATION] * 6
    + [LegalForm.FOUNDATION] * 2
    + [LegalForm.INITIATIVE_GROUP] * 2
    + [LegalForm.LOCAL_SELF_GOVERNMENT]
)
LANGUAGES = ["ru", "ru", "ru", "ky", "ky", "en"]
AFFILIATIONS = [Affiliation.GOVERNMENT, Affiliation.NGO, Affiliation.INDEPENDENT]


def _name(rng) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def seed_fixed_users(*, password_hash: str, clock: Clock) -> dict[str, User]:
    """Staff, administrator and donor viewer; staff and admin with TOTP set up."""
    joined = clock.now - datetime.timedelta(days=3650)
    rows = {
        "staff": User(
            email=email("staff"),
            full_name="Gulnara Asanova",
            role=ProgrammeRole.STAFF,
            language="en",
            position="Programme officer",
        ),
        "admin": User(
            email=email("admin"),
            full_name="Aibek Admin",
            role=ProgrammeRole.ADMIN,
            language="en",
            is_staff=True,
            is_superuser=True,
        ),
        "donor": User(
            email=email("donor"),
            full_name="Emily Carter",
            role=ProgrammeRole.DONOR_VIEWER,
            language="en",
            position="Donor's programme manager",
        ),
    }
    for user in rows.values():
        user.password = password_hash
        user.date_joined = joined
    bulk(User, list(rows.values()))
    for key in ("staff", "admin"):
        activate_totp(rows[key])
    return rows


def activate_totp(user: User) -> None:
    """The authenticator a person would set up (allauth's own activation), with the
    documented secret, and recovery codes made from a fixed seed."""
    TOTP.activate(user, TOTP_SECRET)
    codes = RecoveryCodes.activate(user)
    seed = hashlib.sha1(f"scale-recovery-{user.email}".encode()).hexdigest()  # noqa: S324
    codes.instance.data = {"seed": encrypt(seed), "used_mask": 0}
    codes.instance.save(update_fields=["data"])


def recovery_codes_of(user: User) -> list[str]:
    from allauth.mfa.models import Authenticator

    instance = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    return RecoveryCodes(instance).generate_codes()


def seed_committee_pool(*, plan: Plan, rng, password_hash: str, clock: Clock) -> list[User]:
    """member01 .. memberNN: committee members of the government, NGOs and experts."""
    users = []
    for number in range(1, plan.committee_members + 1):
        affiliation = AFFILIATIONS[(number - 1) % len(AFFILIATIONS)]
        users.append(
            User(
                email=email(f"member{number:02d}"),
                full_name=_name(rng),
                role=ProgrammeRole.COMMITTEE_MEMBER,
                affiliation=affiliation,
                position={
                    Affiliation.GOVERNMENT: "Crime prevention department, Ministry of Interior",
                    Affiliation.NGO: "Director of a public association",
                    Affiliation.INDEPENDENT: "Independent expert",
                }[affiliation],
                language=rng.choice(LANGUAGES),
                password=password_hash,
                date_joined=clock.now - datetime.timedelta(days=3000 - number),
            )
        )
    return bulk(User, users)


def seed_organisations(*, plan: Plan, rng, places: list, password_hash: str, clock: Clock):
    """Organisations, each with an owner (applicantNNNNN) and a quarter with an editor
    (editorNNNNN, the same number). Returns (organisations, owner id by organisation id,
    editor id by organisation id)."""
    organisations, owners, editors = [], [], []
    for number in range(1, plan.organisations + 1):
        place = rng.choice(places)
        legal_form = LEGAL_FORMS[0] if number == 1 else rng.choice(LEGAL_FORMS)
        registered = legal_form != LegalForm.INITIATIVE_GROUP
        created = clock.now - datetime.timedelta(days=3400 - (number * 3000) // plan.organisations)
        organisations.append(
            Organisation(
                name=f"{rng.choice(ORGANISATION_WORDS)} ({place.name_en})",
                legal_form=legal_form,
                registration_number=f"{number:05d}-3301-OO" if registered else "",
                taxpayer_number=f"{2 * 10**13 + number:014d}" if registered else "",
                address=f"{rng.randint(1, 120)} Main street, {place.name_en}",
                region_id=place.pk,
                phone=f"+996 555 {number // 1000 % 1000:03d} {number % 1000:03d}",
                email=email(f"office{number:05d}"),
                created_at=created,
            )
        )
        owners.append(
            User(
                email=email(f"applicant{number:05d}"),
                full_name=_name(rng),
                role=ProgrammeRole.APPLICANT,
                language=rng.choice(LANGUAGES),
                password=password_hash,
                date_joined=created,
            )
        )
        if number == 1 or rng.random() < 0.25:
            editors.append(
                (
                    number - 1,
                    User(
                        email=email(f"editor{number:05d}"),
                        full_name=_name(rng),
                        role=ProgrammeRole.APPLICANT,
                        language=rng.choice(LANGUAGES),
                        password=password_hash,
                        date_joined=created + datetime.timedelta(days=20),
                    ),
                )
            )
    bulk(Organisation, organisations)
    bulk(User, owners + [user for _index, user in editors])
    memberships = [
        Membership(
            organisation_id=organisation.pk,
            user_id=owner.pk,
            role=MembershipRole.OWNER,
            created_at=organisation.created_at,
        )
        for organisation, owner in zip(organisations, owners, strict=True)
    ] + [
        Membership(
            organisation_id=organisations[index].pk,
            user_id=user.pk,
            role=MembershipRole.EDITOR,
            created_at=user.date_joined,
        )
        for index, user in editors
    ]
    bulk(Membership, memberships)
    owner_of = {o.pk: owner.pk for o, owner in zip(organisations, owners, strict=True)}
    editor_of = {organisations[index].pk: user.pk for index, user in editors}
    return organisations, owner_of, editor_of


def seed_email_addresses() -> int:
    """A verified primary address for every user (people sign in only with one)."""
    rows = [
        EmailAddress(user_id=pk, email=address, verified=True, primary=True)
        for pk, address in User.objects.order_by("pk").values_list("pk", "email")
    ]
    bulk(EmailAddress, rows, batch_size=5000)
    return len(rows)


def password_hash() -> str:
    """The one hash of the documented password, computed once for every account."""
    return make_password(PASSWORD)
