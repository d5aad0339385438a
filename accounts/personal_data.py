"""What the portal holds about a person: gathered for their copy, and cleared when
their account is anonymised (Kyrgyz Republic's Law on Personal Information).

Accounts holds the profile, sign-in data, memberships, invitations and mail. The apps
above it (grants, projects, reporting) hold applications, reviews, reports and the
timeline, which accounts may not import: each registers a ``PersonalDataSource`` from
its ``AppConfig.ready()``, as projects registers its approval handler with grants.

A copy is a ZIP: ``personal-data.json`` (sections of plain records, with dates in ISO
8601 and states in the person's language) and ``files/`` (what they uploaded). Never in
it: password hashes, authenticator secrets and recovery codes, invitation tokens,
session keys, or other people's names and addresses.
"""

import datetime
import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import Q
from django.utils import timezone, translation

from accounts.models import Invitation, Membership, OutboundMail, User

FORMAT = "grant-portal-personal-data/1"


@dataclass(frozen=True)
class UploadedFile:
    """A file the person uploaded, stored in the copy as ``files/<folder>/<name>``."""

    folder: str
    name: str
    file: object  # a FieldFile


@dataclass(frozen=True)
class PersonalDataSource:
    """One app's part: ``sections(user)`` -> {section name: records},
    ``files(user)`` -> the files they uploaded, and ``anonymise(user=, by=, old_email=)``,
    called in the anonymisation's transaction to clear or record what the app keeps."""

    name: str
    sections: Callable[[User], dict[str, list]]
    files: Callable[[User], Iterable[UploadedFile]] = field(default=lambda user: ())
    anonymise: Callable[..., None] | None = None


personal_data_sources: list[PersonalDataSource] = []


def register_personal_data_source(source: PersonalDataSource) -> None:
    if all(known.name != source.name for known in personal_data_sources):
        personal_data_sources.append(source)


def when(value) -> str | None:
    """A date or a moment for the copy: ISO 8601, moments in Bishkek time."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


# --- what accounts holds -------------------------------------------------------------------


def _profile(user: User) -> dict:
    return {
        "email": user.email,
        "full_name": user.full_name,
        "phone": user.phone,
        "language": user.language,
        "programme_role": user.get_role_display(),
        "affiliation": user.get_affiliation_display() if user.affiliation else "",
        "position": user.position,
        "active": user.is_active,
        "may_use_the_admin_site": user.is_staff,
        "joined": when(user.date_joined),
    }


def _sign_in(user: User) -> dict:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    return {
        "last_sign_in": when(user.last_login),
        "has_a_password": user.has_usable_password(),
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        # The kind of each second factor and when it was used; never its secret.
        "two_factor_authenticators": [
            {
                "type": authenticator.get_type_display(),
                "added": when(authenticator.created_at),
                "last_used": when(authenticator.last_used_at),
            }
            for authenticator in Authenticator.objects.filter(user=user).order_by("pk")
        ],
    }


def _memberships(user: User) -> list[dict]:
    return [
        {
            "organisation": membership.organisation.name,
            "role": membership.get_role_display(),
            "since": when(membership.created_at),
        }
        for membership in Membership.objects.filter(user=user).select_related("organisation")
    ]


def _invitation_state(invitation: Invitation) -> str:
    if invitation.accepted_at:
        return "accepted"
    if invitation.revoked_at:
        return "revoked"
    return "pending" if invitation.is_pending else "expired"


def _invitations(user: User) -> dict[str, list]:
    received = Invitation.objects.filter(
        Q(email__iexact=user.email) | Q(accepted_by=user)
    ).select_related("organisation")
    sent = Invitation.objects.filter(invited_by=user).select_related("organisation")
    return {
        "invitations_received": [
            {
                "organisation": invitation.organisation.name,
                "role": invitation.get_role_display(),
                "sent": when(invitation.created_at),
                "state": _invitation_state(invitation),
                "accepted": when(invitation.accepted_at),
            }
            for invitation in received
        ],
        # Whom they invited is the invitee's address, not theirs: left out.
        "invitations_sent": [
            {
                "organisation": invitation.organisation.name,
                "role": invitation.get_role_display(),
                "sent": when(invitation.created_at),
                "state": _invitation_state(invitation),
            }
            for invitation in sent
        ],
    }


def _mail(user: User) -> list[dict]:
    # Subjects and dates only: a body may hold a sign-in or password-reset link.
    return [
        {
            "subject": mail.subject,
            "written": when(mail.created_at),
            "sent": when(mail.sent_at),
            "status": mail.get_status_display(),
        }
        for mail in OutboundMail.objects.filter(recipient__iexact=user.email).order_by(
            "created_at", "pk"
        )
    ]


def accounts_sections(user: User) -> dict[str, list | dict]:
    return {
        "profile": _profile(user),
        "sign_in": _sign_in(user),
        "memberships": _memberships(user),
        **_invitations(user),
        "mail_sent_to_you": _mail(user),
    }


# --- the copy -------------------------------------------------------------------------------


def personal_data_document(user: User) -> dict:
    """Everything the portal holds about ``user``, as one JSON-ready document."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        document = {
            "format": FORMAT,
            "exported_at": when(timezone.now()),
            "site": settings.SITE_URL,
            **accounts_sections(user),
        }
        for source in personal_data_sources:
            document.update(source.sections(user))
    return document


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^\w.\- ]+", "_", name).strip(" .") or "file"
    return cleaned[:120]


def personal_data_archive(user: User):
    """The copy as a ZIP in a temporary file (rewound), with the files they uploaded."""
    archive_file = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    document = personal_data_document(user)
    listed = []
    with zipfile.ZipFile(archive_file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for source in personal_data_sources:
            for number, upload in enumerate(source.files(user), start=1):
                path = f"files/{upload.folder}/{number:03d}-{_safe_name(upload.name)}"
                try:
                    with upload.file.open("rb") as handle, archive.open(path, "w") as target:
                        shutil.copyfileobj(handle, target)
                except FileNotFoundError:
                    listed.append({"file": path, "missing": True})
                    continue
                listed.append({"file": path, "name": upload.name})
        document["files"] = listed
        archive.writestr(
            "personal-data.json", json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        )
    archive_file.seek(0)
    return archive_file


# --- anonymisation --------------------------------------------------------------------------


def anonymised_email(user: User) -> str:
    return f"anonymised-{user.pk}@invalid"


def user_sessions_end(user: User) -> int:
    """End every session of ``user`` kept in the database (decoded one by one). Any
    other session dies anyway at its next request: the password it was signed with is
    gone."""
    if not settings.SESSION_ENGINE.endswith(("backends.db", "backends.cached_db")):
        return 0
    ended = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            ended.append(session.pk)
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)
