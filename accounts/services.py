"""Writes that matter for people and organisations."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.enums import MembershipRole
from accounts.models import Invitation, Membership, Organisation, User
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
    transaction.on_commit(
        lambda: invitation_send(invitation=invitation, language=language or by.language)
    )
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
    send_mail(subject, body, None, [invitation.email])


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
