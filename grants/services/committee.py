"""Writes of a call's grant committee: its members, its chair, and who reviews what.

Members are told by mail (added, removed) through Celery tasks queued on commit, so
no mail leaves for a change that was rolled back. Assignment is idempotent: running
it again fills gaps (new members, new applications, reviewers lost to a declared
conflict) and never replaces or removes an assignment.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Membership
from grants.enums import ApplicationState, CallState, ReviewState
from grants.models import (
    Assignment,
    Call,
    CallReviewSettings,
    CommitteeMember,
    ConflictDeclaration,
    Review,
)
from grants.tasks_reviews import committee_member_added_notify, committee_member_removed_notify

# A committee is set up before and during review; afterwards it is history.
COMMITTEE_EDITABLE_STATES = (
    CallState.DRAFT,
    CallState.PUBLISHED,
    CallState.CLOSED,
    CallState.IN_REVIEW,
)


def _lock_call(call: Call) -> Call:
    """Serialise changes to one call's committee (chair moves, assignment runs)."""
    return Call.objects.select_for_update().get(pk=call.pk)


def _check_committee_editable(call: Call) -> None:
    if call.state not in COMMITTEE_EDITABLE_STATES:
        raise ValidationError(
            _("The committee of a call in the state “%(state)s” can no longer be changed.")
            % {"state": call.get_state_display()}
        )


@transaction.atomic
def committee_add_member(*, call: Call, user, affiliation: str = "", is_chair=False, by=None):
    """Name ``user`` to the call's committee. Their programme role is left as it is;
    the affiliation defaults to the one on their profile. Naming a chair moves the
    chair from whoever held it, in the same transaction."""
    call = _lock_call(call)
    _check_committee_editable(call)
    if not user.is_active:
        raise ValidationError({"user": _("This account is deactivated.")})
    if CommitteeMember.objects.filter(call=call, user=user).exists():
        raise ValidationError(
            {"user": _("%(name)s is already on this committee.") % {"name": user}}
        )
    member = CommitteeMember(
        call=call,
        user=user,
        affiliation=affiliation or user.affiliation,
        is_chair=bool(is_chair),
        added_by=by,
    )
    member.full_clean(validate_constraints=False)
    if member.is_chair:
        CommitteeMember.objects.filter(call=call, is_chair=True).update(is_chair=False)
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as error:  # someone added the same person a moment ago
        raise ValidationError(
            {"user": _("%(name)s is already on this committee.") % {"name": user}}
        ) from error
    committee_member_added_notify(member_id=member.pk)  # into the mail outbox, with the seat
    return member


@transaction.atomic
def committee_set_chair(*, member: CommitteeMember, by=None) -> CommitteeMember:
    """Make ``member`` the chair; the previous chair (if any) stops being it, atomically."""
    call = _lock_call(member.call)
    _check_committee_editable(call)
    member = CommitteeMember.objects.select_for_update().get(pk=member.pk)
    CommitteeMember.objects.filter(call=call, is_chair=True).exclude(pk=member.pk).update(
        is_chair=False
    )
    if not member.is_chair:
        member.is_chair = True
        member.save(update_fields=["is_chair"])
    return member


@transaction.atomic
def committee_remove_member(*, member: CommitteeMember, by=None) -> None:
    """Take a member off the committee with their draft reviews and assignments.

    Refused once they submitted a review (their scores count), and once they made a
    conflict-of-interest declaration: declarations are an audit record and are never
    deleted, so their author stays on the record.
    """
    call = _lock_call(member.call)
    _check_committee_editable(call)
    member = CommitteeMember.objects.select_for_update().select_related("user").get(pk=member.pk)
    submitted = member.reviews.filter(state=ReviewState.SUBMITTED).count()
    if submitted:
        raise ValidationError(
            _(
                "%(name)s has already submitted %(count)s review(s) and cannot be removed: "
                "their scores count in the ranking."
            )
            % {"name": member.user, "count": submitted},
            code="has_submitted_reviews",
        )
    declared = member.declarations.count()
    if declared:
        raise ValidationError(
            _(
                "%(name)s has made %(count)s conflict-of-interest declaration(s) and cannot be "
                "removed: declarations are kept as an audit record."
            )
            % {"name": member.user, "count": declared},
            code="has_declarations",
        )
    user_id, call_id = member.user_id, call.pk
    Review.objects.filter(member=member, state=ReviewState.DRAFT).delete()
    member.delete()  # its assignments go with it (CASCADE)
    committee_member_removed_notify(user_id=user_id, call_id=call_id)  # into the mail outbox


# --- assignment ---------------------------------------------------------------------


@dataclass
class AssignmentResult:
    created: int = 0
    # (application, how many reviewers it still lacks) for each application left short.
    shortfall: list = field(default_factory=list)

    @property
    def missing(self) -> int:
        return sum(missing for _application, missing in self.shortfall)


def _organisations_by_user(members) -> dict[int, set[int]]:
    rows = Membership.objects.filter(user__in=[member.user_id for member in members]).values_list(
        "user_id", "organisation_id"
    )
    organisations: dict[int, set[int]] = {}
    for user_id, organisation_id in rows:
        organisations.setdefault(user_id, set()).add(organisation_id)
    return organisations


KEEP = object()  # leave the call's number of reviewers per application as it is


@transaction.atomic
def assignments_make(*, call: Call, by=None, reviewers_per_application=KEEP) -> AssignmentResult:
    """Give the call's eligible applications to its committee members.

    Without ``reviewers_per_application`` every member gets every application; with
    it, each application gets that many reviewers, least loaded member first (ties
    broken by the order members were added), applications in reference order. A
    member never gets an application of an organisation they belong to. Existing
    assignments are kept; a reviewer who declared a conflict no longer counts, so a
    second run gives the application someone else. Too few members: as many as
    possible, and the shortfall is reported. ``reviewers_per_application``, when
    given, is saved on the call's review settings first (in the same transaction).
    """
    call = _lock_call(call)
    if call.state != CallState.IN_REVIEW:
        raise ValidationError(
            _(
                "Applications are assigned once the call is in review, when eligibility "
                "screening is final."
            ),
            code="not_in_review",
        )
    if reviewers_per_application is not KEEP:
        review_settings_update(call=call, reviewers_per_application=reviewers_per_application)
    per_application = CallReviewSettings.for_call(call).reviewers_per_application
    members = list(CommitteeMember.objects.filter(call=call).order_by("added_at", "pk"))
    applications = list(
        call.applications.filter(state=ApplicationState.ELIGIBLE).order_by("sequence", "pk")
    )
    assigned = set(
        Assignment.objects.filter(member__call=call).values_list("member_id", "application_id")
    )
    conflicted = set(
        ConflictDeclaration.objects.filter(member__call=call, has_conflict=True).values_list(
            "member_id", "application_id"
        )
    )
    # A member's load: the applications they actually review (conflicts are no work).
    load = {member.pk: 0 for member in members}
    for member_id, _application_id in assigned - conflicted:
        load[member_id] += 1
    organisations = _organisations_by_user(members)

    result = AssignmentResult()
    new_rows = []
    for application in applications:

        def may_review(member, application=application):
            return (
                member.pk,
                application.pk,
            ) not in assigned and application.organisation_id not in organisations.get(
                member.user_id, ()
            )

        candidates = [member for member in members if may_review(member)]
        if per_application is None:
            chosen = candidates
        else:
            reviewing = sum(
                1
                for member in members
                if (member.pk, application.pk) in assigned
                and (member.pk, application.pk) not in conflicted
            )
            needed = max(per_application - reviewing, 0)
            # Stable sort: equal loads keep the order members were added in.
            candidates.sort(key=lambda member: load[member.pk])
            chosen = candidates[:needed]
            if len(chosen) < needed:
                result.shortfall.append((application, needed - len(chosen)))
        for member in chosen:
            new_rows.append(Assignment(member=member, application=application))
            assigned.add((member.pk, application.pk))
            load[member.pk] += 1
    Assignment.objects.bulk_create(new_rows)
    result.created = len(new_rows)
    return result


@transaction.atomic
def review_settings_update(*, call: Call, reviewers_per_application, by=None):
    """Set how many reviewers each application gets (``None``: every member)."""
    settings_row = CallReviewSettings.for_call(call)
    settings_row = CallReviewSettings.objects.select_for_update().get(pk=settings_row.pk)
    settings_row.reviewers_per_application = reviewers_per_application
    settings_row.full_clean()
    settings_row.save(update_fields=["reviewers_per_application"])
    return settings_row
