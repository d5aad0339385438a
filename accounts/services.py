"""Writes that matter for people and organisations."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.enums import MailStatus, MembershipRole, ProgrammeRole
from accounts.mail import send_to_user
from accounts.models import Invitation, Membership, Organisation, OutboundMail, User
from accounts.outbox import mail_queue
from accounts.personal_data import (
    anonymised_email,
    personal_data_archive,
    personal_data_sources,
    user_sessions_end,
)
from accounts.rules import can_manage_members


@transaction.atomic
def organisation_create(*, by: User, **fields) -> Organisation:
    """Register an organisation; the person who registers it becomes its owner."""
    organisation = Organisation(**fields)
    organisation.full_clean()
    organisation.save()
    Membership.objects.create(organisation=organisation, user=by, role=MembershipRole.OWNER)
    return organisation


@transaction.atomic
def organisation_update(*, organisation: Organisation, **fields) -> Organisation:
    for name, value in fields.items():
        setattr(organisation, name, value)
    organisation.full_clean()
    organisation.save()
    return organisation


@transaction.atomic
def invitation_create(
    *, organisation: Organisation, email: str, role: str, by: User, language: str = ""
) -> Invitation:
    """Invite someone by email to join an organisation. Only owners may invite."""
    if not can_manage_members(by, organisation):
        raise PermissionDenied
    email = email.strip().lower()
    if organisation.memberships.filter(user__email__iexact=email).exists():
        raise ValidationError({"email": _("This person is already a member.")})
    # A stale invitation (expired but never answered) makes way for the new one.
    open_invitations = Invitation.objects.select_for_update().filter(
        organisation=organisation,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    )
    if any(invitation.is_pending for invitation in open_invitations):
        raise ValidationError({"email": _("This address already has an open invitation.")})
    open_invitations.update(revoked_at=timezone.now())

    invitation = Invitation(organisation=organisation, email=email, role=role, invited_by=by)
    invitation.full_clean()
    invitation.save()
    # Into the mail outbox, with the invitation: it leaves once this transaction commits.
    invitation_send(invitation=invitation, language=language or by.language)
    return invitation


def invitation_send(*, invitation: Invitation, language: str = "") -> None:
    """Mail the invitation link, in the inviting person's language (the invitee has none yet)."""
    link = settings.SITE_URL + reverse("invitation_accept", args=[invitation.token])
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {"invitation": invitation, "link": link}
        subject = _("Invitation to join %(organisation)s") % {
            "organisation": invitation.organisation.name
        }
        body = render_to_string("accounts/email/invitation.txt", context)
    mail_queue(
        to=invitation.email,
        subject=subject,
        text=body,
        language=language or settings.LANGUAGE_CODE,
        template="accounts/email/invitation",
        dedup_key=f"invitation:{invitation.pk}",
    )


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Join the organisation. The invitation is for one address and is used once."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValidationError(_("This invitation has expired or was already used."))
    if invitation.email.lower() != user.email.lower():
        raise ValidationError(
            _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
            % {"email": invitation.email}
        )
    membership, _created = Membership.objects.get_or_create(
        organisation=invitation.organisation,
        user=user,
        defaults={"role": invitation.role},
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> None:
    """An owner removes a member; the last owner cannot be removed."""
    organisation = membership.organisation
    if not can_manage_members(by, organisation):
        raise PermissionDenied
    owners = Membership.objects.select_for_update().filter(
        organisation=organisation, role=MembershipRole.OWNER
    )
    if membership.role == MembershipRole.OWNER and owners.count() <= 1:
        raise ValidationError(_("An organisation keeps at least one owner."))
    membership.delete()


def user_set_language(*, user: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Unknown language."))
    user.language = language
    user.save(update_fields=["language"])


# --- personal data (Law of the Kyrgyz Republic on Personal Information) -------------------


def user_export_personal_data(*, user: User):
    """A ZIP of everything the portal holds about ``user``: ``personal-data.json`` and the
    files they uploaded (see ``accounts.personal_data``). A rewound temporary file."""
    return personal_data_archive(user)


def administrators():
    return User.objects.filter(is_active=True).filter(
        Q(is_superuser=True) | Q(role=ProgrammeRole.ADMIN)
    )


@transaction.atomic
def user_request_anonymisation(*, user: User) -> int:
    """Tell the administrators that ``user`` asks for their account to be anonymised;
    they do it in the admin. Returns how many were told (asked twice a day, once)."""
    recipients = list(administrators().exclude(pk=user.pk))
    link = settings.SITE_URL + reverse("admin:accounts_user_change", args=[user.pk])
    for admin in recipients:
        send_to_user(
            user=admin,
            template="accounts/email/anonymisation_request",
            context={"person": user, "link": link},
            dedup_key=f"anonymisation-request:{user.pk}:{admin.pk}:{timezone.localdate()}",
        )
    return len(recipients)


def user_anonymise_check(*, user: User, by: User) -> None:
    """Raise why ``by`` may not anonymise ``user``: only a superuser may, never
    themselves, never the last active superuser, never twice."""
    if not by.is_superuser:
        raise PermissionDenied
    if user.pk == by.pk:
        raise ValidationError(_("You cannot anonymise your own account."), code="self")
    if user.email == anonymised_email(user):
        raise ValidationError(
            _("%(person)s is anonymised already.") % {"person": user}, code="already"
        )
    others = administrators().filter(is_superuser=True).exclude(pk=user.pk)
    if user.is_superuser and not others.exists():
        raise ValidationError(
            _("%(person)s is the last active superuser and cannot be anonymised.")
            % {"person": user},
            code="last_superuser",
        )


@transaction.atomic
def user_anonymise(*, user: User, by: User, reason: str = "") -> User:
    """Anonymise ``user`` on their request: their name, addresses, phone and position are
    replaced by neutral values, they can no longer sign in (inactive, no password, no
    email address, no second factor, no session), and they leave their organisations.

    The programme's records stay whole and keep pointing at the now anonymous account:
    applications, reviews, declarations, reports, projects and the timeline, where who
    anonymised whom and when is recorded (append-only). Free texts they wrote (a
    question, a review comment) are programme records and are kept as written. All of
    it happens in one transaction: an error anywhere leaves the account as it was."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    user = User.objects.select_for_update().get(pk=user.pk)
    user_anonymise_check(user=user, by=by)
    old_email, new_email = user.email, anonymised_email(user)

    user.email = new_email
    user.full_name = ""
    user.phone = ""
    user.position = ""
    user.language = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.last_login = None
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()

    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    Membership.objects.filter(user=user).delete()
    Invitation.objects.filter(email__iexact=old_email).update(email=new_email)
    # Mail not yet sent will not be; the record of mail sent keeps no address or body.
    unsent = [MailStatus.PENDING, MailStatus.FAILED]
    OutboundMail.objects.filter(recipient__iexact=old_email, status__in=unsent).delete()
    OutboundMail.objects.filter(recipient__iexact=old_email).update(
        recipient=new_email, text="", html=""
    )
    for source in personal_data_sources:
        if source.anonymise:
            source.anonymise(user=user, by=by, old_email=old_email, reason=reason)
    user_sessions_end(user)
    return user
