from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgrammeRole(models.TextChoices):
    """What a person does in the programme; it decides their start page and menu.

    Belonging to an organisation is separate (``Membership``): an applicant is a
    member of an NGO, and a committee member may belong to one too.
    """

    APPLICANT = "applicant", _("Applicant")
    COMMITTEE_MEMBER = "committee_member", _("Committee member")
    STAFF = "staff", _("Programme staff")
    DONOR_VIEWER = "donor_viewer", _("Donor viewer")
    ADMIN = "admin", _("Administrator")

    @classmethod
    def sees_whole_programme(cls):
        return [cls.STAFF, cls.ADMIN]


class LegalForm(models.TextChoices):
    PUBLIC_ASSOCIATION = "public_association", _("Public association")
    FOUNDATION = "foundation", _("Foundation")
    INITIATIVE_GROUP = "initiative_group", _("Initiative group")
    LOCAL_SELF_GOVERNMENT = "local_self_government", _("Local self-government body")
    OTHER = "other", _("Other")


class MembershipRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    EDITOR = "editor", _("Editor")
    VIEWER = "viewer", _("Viewer")

    @classmethod
    def can_edit(cls):
        return [cls.OWNER, cls.EDITOR]


class Affiliation(models.TextChoices):
    """Where a committee member comes from; the committee is balanced across these."""

    GOVERNMENT = "government", _("Government authority")
    NGO = "ngo", _("Non-governmental organisation")
    INDEPENDENT = "independent", _("Independent expert")


class MailStatus(models.TextChoices):
    """Where a message in the outbox stands (``accounts.outbox``)."""

    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
