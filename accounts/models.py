import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.enums import Affiliation, LegalForm, MailStatus, MembershipRole, ProgrammeRole

INVITATION_VALIDITY = timedelta(days=14)

phone_validator = RegexValidator(
    r"^\+?[0-9 ()-]{6,20}$",
    _("Enter a phone number of digits, spaces and dashes, for example +996 555 123 456."),
)
taxpayer_number_validator = RegexValidator(
    r"^[0-9]{14}$", _("The taxpayer number (INN) has 14 digits.")
)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("role", ProgrammeRole.ADMIN)
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The language of the portal and of the mail we send you."),
    )
    role = models.CharField(
        _("programme role"),
        max_length=20,
        choices=ProgrammeRole.choices,
        default=ProgrammeRole.APPLICANT,
    )
    affiliation = models.CharField(
        _("affiliation"),
        max_length=20,
        choices=Affiliation.choices,
        blank=True,
        help_text=_("For committee members: the kind of body they represent."),
    )
    position = models.CharField(
        _("position and body"),
        max_length=200,
        blank=True,
        help_text=_("For example: Head of the crime prevention department, Ministry of Interior."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("may use the admin site"),
        default=False,
        help_text=_("Administrators of the system; programme staff do not need it."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_programme_staff(self) -> bool:
        return self.is_active and (
            self.role in ProgrammeRole.sees_whole_programme() or self.is_superuser
        )


class Organisation(models.Model):
    """An applicant body: a public association, foundation, initiative group, a local
    self-government body (ayil okmotu) or another organisation."""

    name = models.CharField(_("name"), max_length=255)
    legal_form = models.CharField(_("legal form"), max_length=32, choices=LegalForm.choices)
    registration_number = models.CharField(
        _("registration number"),
        max_length=50,
        blank=True,
        help_text=_("As on the certificate of state registration (empty for initiative groups)."),
    )
    taxpayer_number = models.CharField(
        _("taxpayer number (INN)"),
        max_length=14,
        blank=True,
        validators=[taxpayer_number_validator],
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="organisations",
        help_text=_("Where the organisation is based: choose the oblast, then the district."),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    email = models.EmailField(_("email"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Membership",
        related_name="organisations",
        verbose_name=_("members"),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        indexes = [
            # Lists of organisations by name: staff's organisation list (ORDER BY name,
            # paged) and staff's applications sorted by organisation.
            models.Index(fields=["name", "id"], name="organisation_name_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["taxpayer_number"],
                condition=~Q(taxpayer_number=""),
                name="organisation_unique_taxpayer_number",
                violation_error_message=_(
                    "An organisation with this taxpayer number is already registered."
                ),
            )
        ]

    def __str__(self):
        return self.name


class Membership(models.Model):
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(
        _("role in the organisation"), max_length=10, choices=MembershipRole.choices
    )
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"], name="membership_unique_user_per_organisation"
            )
        ]

    def __str__(self):
        return f"{self.user} @ {self.organisation} ({self.get_role_display()})"


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            created_at__gt=timezone.now() - INVITATION_VALIDITY,
        )


class Invitation(models.Model):
    """An owner's invitation for someone to join their organisation, sent by email."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(
        _("role in the organisation"), max_length=10, choices=MembershipRole.choices
    )
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
                violation_error_message=_("This address already has an open invitation."),
            )
        ]

    def __str__(self):
        return f"{self.email} -> {self.organisation}"

    @property
    def expires_at(self):
        return self.created_at + INVITATION_VALIDITY

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and timezone.now() < self.expires_at
        )


class OutboundMail(models.Model):
    """A message in the transactional outbox (``accounts.outbox``): written, rendered in
    the recipient's language, in the same transaction as the change it tells about, and
    sent afterwards by a worker, so that neither a broker outage nor a mail server
    outage loses it, and claims keep it from being sent twice."""

    recipient = models.EmailField(_("recipient"))
    subject = models.CharField(_("subject"), max_length=998)
    text = models.TextField(_("text"))
    html = models.TextField(_("HTML"), blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    template = models.CharField(_("template"), max_length=200, blank=True)
    # Names the event and the person ("application-submitted:7:12"): the same mail
    # written twice is kept once. Blank where the caller has no such name.
    dedup_key = models.CharField(_("deduplication key"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MailStatus.choices, default=MailStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    # When the current sender claimed it; a claim older than the sending timeout
    # belonged to a worker that died.
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mail")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedup_key"],
                condition=~Q(dedup_key=""),
                name="outbound_mail_unique_dedup_key",
            )
        ]
        indexes = [
            # The flush looks for due pending mail and stale claims.
            models.Index(fields=["status", "next_attempt_at"], name="outbound_mail_due"),
        ]

    def __str__(self):
        return f"{self.recipient}: {self.subject}"
