"""A committee member's pages: the scoring queue, the conflict-of-interest declaration,
the scoring page and the application's files.

Access is the member's assignment (``assignments_for_user``): an application not
assigned to them, or one they declared a conflict with, is a 404. Until they
declare, the scoring page sends them to the declaration and shows nothing of the
application.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from config.page_cache import cached_page
from grants.display import application_with_everything
from grants.enums import CallState, ReviewState
from grants.files import safe_filename
from grants.forms.reviews import SUBMIT, DeclarationForm, ReviewForm
from grants.models import (
    Application,
    Assignment,
    Attachment,
    CommitteeMember,
    ConflictDeclaration,
    Review,
)
from grants.selectors import application_budget_totals, count_of
from grants.services.reviews import (
    REVIEWABLE_STATES,
    ReviewLocked,
    assignments_for_user,
    declaration_make,
    may_use_review_queue,
    review_for,
    review_save,
    reviews_of_others,
    scoring_closed_message,
    scoring_is_open,
)

PAGE_SIZE = 25


def _assignment_or_404(user, application_pk):
    return get_object_or_404(
        assignments_for_user(user).select_related(
            "application__call", "application__call__programme", "application__organisation"
        ),
        application_id=application_pk,
    )


@login_required
@cached_page
def review_queue(request):
    if not may_use_review_queue(request.user):
        raise Http404
    reviewable = {"application__state__in": REVIEWABLE_STATES}
    seats = list(
        CommitteeMember.objects.filter(user=request.user, call__state=CallState.IN_REVIEW)
        .select_related("call")
        .annotate(
            assigned=count_of(Assignment.objects.filter(**reviewable), "member"),
            conflicts=count_of(
                ConflictDeclaration.objects.filter(has_conflict=True, **reviewable), "member"
            ),
            submitted=count_of(
                Review.objects.filter(state=ReviewState.SUBMITTED, **reviewable), "member"
            ),
        )
        .annotate(due=F("assigned") - F("conflicts"))
        .order_by("call__closes_at", "call_id")
    )
    assignments = assignments_for_user(request.user).filter(member__call__state=CallState.IN_REVIEW)
    page = Paginator(assignments, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "grants/reviews/queue.html", {"seats": seats, "page": page})


@login_required
def review_declare(request, application_pk):
    assignment = _assignment_or_404(request.user, application_pk)
    application = assignment.application
    if assignment.has_conflict is not None:
        if assignment.has_conflict:
            messages.info(request, _("You declared a conflict of interest with this application."))
            return redirect("review_queue")
        return redirect("review_score", application_pk=application.pk)
    if application.call.state != CallState.IN_REVIEW:
        messages.error(request, scoring_closed_message(application))
        return redirect("review_queue")
    form = DeclarationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            declaration = declaration_make(
                member=assignment.member,
                application=application,
                has_conflict=form.cleaned_data["conflict"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            if declaration.has_conflict:
                messages.success(
                    request,
                    _(
                        "Your conflict of interest with %(reference)s is recorded. You will not "
                        "review it."
                    )
                    % {"reference": application.reference},
                )
                return redirect("review_queue")
            messages.success(request, _("No conflict recorded. You can now score the application."))
            return redirect("review_score", application_pk=application.pk)
    return render(
        request, "grants/reviews/declare.html", {"application": application, "form": form}
    )


def _score_rows(criteria, review) -> list[dict]:
    scores = {score.criterion_id: score for score in review.scores.all()} if review else {}
    return [{"criterion": criterion, "score": scores.get(criterion.pk)} for criterion in criteria]


def _render_score_page(request, *, assignment, application, criteria, review, form):
    others = reviews_of_others(assignment.member, application)
    for other in others:
        by_criterion = {score.criterion_id: score for score in other.scores.all()}
        other.rows = [
            {"criterion": criterion, "score": by_criterion.get(criterion.pk)}
            for criterion in criteria
        ]
    context = {
        "application": application,
        "budget": application_budget_totals(application),
        "attachment_url_name": "review_attachment_download",
        "criteria": criteria,
        "review": review,
        "own_rows": _score_rows(criteria, review),
        "form": form,
        "others": others,
        "scoring_open": scoring_is_open(application),
    }
    return render(request, "grants/reviews/score.html", context)


@login_required
@cached_page
def review_score(request, application_pk):
    assignment = _assignment_or_404(request.user, application_pk)
    if assignment.has_conflict is None:
        return redirect("review_declare", application_pk=application_pk)
    if assignment.has_conflict:
        raise Http404
    member = assignment.member
    application = get_object_or_404(
        application_with_everything(Application.objects.all()), pk=application_pk
    )
    criteria = list(application.call.criteria.order_by("order", "pk"))
    review = review_for(member, application)
    locked = review is not None and review.state == ReviewState.SUBMITTED
    open_now = scoring_is_open(application)

    if request.method == "POST":
        if locked:
            messages.error(request, _("Your review was submitted and can no longer be changed."))
            return redirect("review_score", application_pk=application_pk)
        if not open_now:
            messages.error(request, scoring_closed_message(application))
            return redirect("review_score", application_pk=application_pk)
        form = ReviewForm(request.POST, criteria=criteria)
        submit = request.POST.get("action") == SUBMIT
        if form.is_valid():
            try:
                saved = review_save(
                    member=member,
                    application=application,
                    points=form.points,
                    comments=form.comments,
                    comment=form.cleaned_data["comment"],
                    recommendation=form.cleaned_data["recommendation"],
                    submit=submit,
                )
            except ReviewLocked as error:
                messages.error(request, " ".join(error.messages))
                return redirect("review_score", application_pk=application_pk)
            except ValidationError as error:
                _add_service_errors(form, error)
            else:
                if saved.state == ReviewState.SUBMITTED:
                    messages.success(
                        request,
                        _(
                            "Your review is submitted (total %(total)s). You can now see the "
                            "other members' submitted reviews."
                        )
                        % {"total": saved.total},
                    )
                else:
                    messages.success(
                        request,
                        _("Draft saved at %(time)s (total so far %(total)s).")
                        % {
                            "time": timezone.localtime(saved.updated_at).strftime("%H:%M"),
                            "total": saved.total,
                        },
                    )
                return redirect("review_score", application_pk=application_pk)
    elif locked or not open_now:
        form = None
    else:
        form = ReviewForm(initial=ReviewForm.initial_from(review), criteria=criteria)
    return _render_score_page(
        request,
        assignment=assignment,
        application=application,
        criteria=criteria,
        review=review,
        form=form,
    )


def _add_service_errors(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def review_attachment_download(request, application_pk, attachment_pk):
    """A file of an assigned application, once its reviewer declared no conflict."""
    assignment = _assignment_or_404(request.user, application_pk)
    if assignment.has_conflict is not False:
        raise Http404
    attachment = get_object_or_404(Attachment, pk=attachment_pk, application_id=application_pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=safe_filename(attachment.original_name),
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
