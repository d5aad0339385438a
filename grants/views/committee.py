"""Programme staff's pages of a call's committee: its members, the assignment of
applications, and the progress of the reviews. Staff only; a 404 for everyone else.
Staff read scores here but never edit them: nothing on these pages changes a review.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.enums import ProgrammeRole
from grants.enums import ApplicationState, CallState, ReviewState
from grants.forms.committee import CANDIDATES_SHOWN, AssignmentForm, CommitteeMemberAddForm
from grants.models import (
    Assignment,
    CallReviewSettings,
    CommitteeMember,
    ConflictDeclaration,
    Review,
    Score,
)
from grants.rules import is_programme_staff
from grants.selectors import calls_for_staff, count_of
from grants.services.committee import (
    COMMITTEE_EDITABLE_STATES,
    assignments_make,
    committee_add_member,
    committee_remove_member,
    committee_set_chair,
)
from grants.services.reviews import REVIEWABLE_STATES

PAGE_SIZE = 25


def _call_or_404(user, pk):
    if not is_programme_staff(user):
        raise Http404
    return get_object_or_404(calls_for_staff(user), pk=pk)


def _member_or_404(call, member_pk):
    return get_object_or_404(
        CommitteeMember.objects.select_related("user", "call"), pk=member_pk, call=call
    )


def _render_committee(request, call, *, add_form=None, assign_form=None):
    find = request.GET.get("find", "")[:100]
    members = (
        CommitteeMember.objects.filter(call=call)
        .select_related("user")
        .annotate(
            load=count_of(
                Assignment.objects.filter(application__state__in=REVIEWABLE_STATES), "member"
            ),
            submitted=count_of(Review.objects.filter(state=ReviewState.SUBMITTED), "member"),
        )
    )
    # Read without creating: a page view writes nothing.
    per_application = (
        CallReviewSettings.objects.filter(call=call)
        .values_list("reviewers_per_application", flat=True)
        .first()
    )
    context = {
        "call": call,
        "members": members,
        "has_chair": any(member.is_chair for member in members),
        "editable": call.state in COMMITTEE_EDITABLE_STATES,
        "assignable": call.state == CallState.IN_REVIEW,
        "eligible_count": call.applications.filter(state=ApplicationState.ELIGIBLE).count(),
        "add_form": add_form or CommitteeMemberAddForm(call=call, find=find),
        "find": find,
        "candidates_shown": CANDIDATES_SHOWN,
        "assign_form": assign_form
        or AssignmentForm(initial={"reviewers_per_application": per_application}),
        "applicant_role": ProgrammeRole.APPLICANT,
    }
    return render(request, "grants/committee/committee.html", context)


@login_required
def staff_committee(request, pk):
    call = _call_or_404(request.user, pk)
    return _render_committee(request, call)


@login_required
@require_POST
def staff_committee_add(request, pk):
    call = _call_or_404(request.user, pk)
    form = CommitteeMemberAddForm(request.POST, call=call)
    if form.is_valid():
        user = form.cleaned_data["user"]
        try:
            member = committee_add_member(
                call=call,
                user=user,
                affiliation=form.cleaned_data["affiliation"],
                is_chair=form.cleaned_data["is_chair"],
                by=request.user,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s is on the committee and has been told by email.") % {"name": user},
            )
            if user.role == ProgrammeRole.APPLICANT:
                messages.warning(
                    request,
                    _(
                        "%(name)s has an applicant's account. They will never get applications "
                        "of their own organisations, but check that they are meant to review."
                    )
                    % {"name": member.user},
                )
            return redirect("staff_committee", pk=call.pk)
    return _render_committee(request, call, add_form=form)


@login_required
@require_POST
def staff_committee_chair(request, pk, member_pk):
    call = _call_or_404(request.user, pk)
    member = _member_or_404(call, member_pk)
    try:
        committee_set_chair(member=member, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s now chairs the committee.") % {"name": member.user})
    return redirect("staff_committee", pk=call.pk)


@login_required
@require_POST
def staff_committee_remove(request, pk, member_pk):
    call = _call_or_404(request.user, pk)
    member = _member_or_404(call, member_pk)
    try:
        committee_remove_member(member=member, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(name)s is no longer on the committee and has been told by email.")
            % {"name": member.user},
        )
    return redirect("staff_committee", pk=call.pk)


@login_required
@require_POST
def staff_committee_assign(request, pk):
    call = _call_or_404(request.user, pk)
    form = AssignmentForm(request.POST)
    if not form.is_valid():
        return _render_committee(request, call, assign_form=form)
    try:
        result = assignments_make(
            call=call,
            by=request.user,
            reviewers_per_application=form.cleaned_data["reviewers_per_application"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("staff_committee", pk=call.pk)
    messages.success(
        request,
        ngettext(
            "%(count)s new assignment made.", "%(count)s new assignments made.", result.created
        )
        % {"count": result.created},
    )
    if result.shortfall:
        messages.warning(
            request,
            ngettext(
                "Not enough members who may review it: %(count)s application is short of "
                "reviewers (%(references)s). Add members and assign again.",
                "Not enough members who may review them: %(count)s applications are short of "
                "reviewers (%(references)s). Add members and assign again.",
                len(result.shortfall),
            )
            % {
                "count": len(result.shortfall),
                "references": ", ".join(
                    f"{application.reference} (-{missing})"
                    for application, missing in result.shortfall
                ),
            },
        )
    return redirect("staff_committee", pk=call.pk)


@login_required
def staff_review_progress(request, pk):
    call = _call_or_404(request.user, pk)
    reviewable = REVIEWABLE_STATES
    members = list(
        CommitteeMember.objects.filter(call=call)
        .select_related("user")
        .annotate(
            assigned=count_of(
                Assignment.objects.filter(application__state__in=reviewable), "member"
            ),
            conflicts=count_of(
                ConflictDeclaration.objects.filter(
                    has_conflict=True, application__state__in=reviewable
                ),
                "member",
            ),
            submitted=count_of(
                Review.objects.filter(
                    state=ReviewState.SUBMITTED, application__state__in=reviewable
                ),
                "member",
            ),
            drafts=count_of(
                Review.objects.filter(state=ReviewState.DRAFT, application__state__in=reviewable),
                "member",
            ),
        )
        .annotate(due=F("assigned") - F("conflicts"))
    )
    submitted_reviews = (
        Review.objects.filter(state=ReviewState.SUBMITTED)
        .select_related("member__user")
        .prefetch_related(
            Prefetch("scores", queryset=Score.objects.order_by("criterion__order", "criterion_id"))
        )
        .order_by("submitted_at", "pk")
    )
    applications = (
        call.applications.filter(state__in=reviewable)
        .select_related("organisation")
        .annotate(
            assigned=count_of(Assignment.objects.all(), "application"),
            conflicts=count_of(
                ConflictDeclaration.objects.filter(has_conflict=True), "application"
            ),
            submitted=count_of(Review.objects.filter(state=ReviewState.SUBMITTED), "application"),
            drafts=count_of(Review.objects.filter(state=ReviewState.DRAFT), "application"),
        )
        .annotate(due=F("assigned") - F("conflicts"))
        .prefetch_related(
            Prefetch("reviews", queryset=submitted_reviews, to_attr="submitted_reviews")
        )
        .order_by("sequence", "pk")
    )
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    criteria = list(call.criteria.order_by("order", "pk"))
    for application in page:
        for review in application.submitted_reviews:
            points = {score.criterion_id: score.points for score in review.scores.all()}
            review.points_in_order = [points.get(criterion.pk) for criterion in criteria]
    conflicts = (
        ConflictDeclaration.objects.filter(member__call=call, has_conflict=True)
        .select_related("member__user", "application")
        .order_by("application__sequence", "declared_at", "pk")
    )
    context = {
        "call": call,
        "members": members,
        "page": page,
        "criteria": criteria,
        "conflicts": conflicts,
        "totals": {
            "due": sum(member.due for member in members),
            "submitted": sum(member.submitted for member in members),
            "drafts": sum(member.drafts for member in members),
        },
    }
    return render(request, "grants/committee/progress.html", context)
