"""Calls for proposals: the public list and call page (with questions), and the staff
pages to create, edit, publish and move calls and to answer questions.

Staff pages are 404 for everyone else (``calls_for_staff`` is empty for them);
anonymous visitors are sent to sign in first.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from accounts.models import Membership
from config.page_cache import cached_page
from grants.enums import CALL_TRANSITIONS, CallState
from grants.forms.calls import (
    AnswerForm,
    CallForm,
    CallStateForm,
    CriterionFormSet,
    DocumentFormSet,
    QuestionForm,
    RegionFormSet,
    criteria_initial,
    documents_initial,
    regions_initial,
)
from grants.models import Call, Question
from grants.rules import is_programme_staff
from grants.selectors import (
    call_with_terms,
    calls_for_staff,
    calls_open_and_upcoming,
    calls_public,
    calls_recently_closed,
    calls_visible_to,
)
from grants.services.calls import (
    EDITABLE_STATES,
    call_change_state,
    call_create,
    call_publish_problems,
    call_rubric_matches,
    call_update,
    rubric_locked_message,
)
from grants.services.questions import question_answer, question_ask
from grants.services.states import timeline_for
from regions.forms import picker_refine_requested

PAGE_SIZE = 25
RECENTLY_CLOSED_SHOWN = 10
EDITOR_PREFIXES = ("regions", "criteria", "documents")


# --- reads for these pages --------------------------------------------------------------


# --- public ----------------------------------------------------------------------------


@cached_page
def call_list(request):
    now = timezone.now()
    current = list(calls_open_and_upcoming())
    context = {
        "open_calls": [call for call in current if call.opens_at <= now],
        "upcoming_calls": [call for call in current if call.opens_at > now],
        "closed_calls": list(calls_recently_closed()[:RECENTLY_CLOSED_SHOWN]),
    }
    return render(request, "grants/calls/list.html", context)


def _question_form_for(request, call: Call, data=None):
    """The question form, for signed-in members of an organisation while questions are taken."""
    user = request.user
    if not (user.is_authenticated and call.accepts_questions):
        return None
    if not Membership.objects.filter(user=user).exists():
        return None
    return QuestionForm(data, user=user)


def _call_detail_page(request, call: Call, question_form=None, status=200):
    user = request.user
    if question_form is None:
        question_form = _question_form_for(request, call)
    own_questions = []
    if user.is_authenticated:
        own_questions = list(
            Question.objects.filter(call=call, organisation__memberships__user=user)
            .select_related("organisation")
            .distinct()
            .order_by("asked_at")
        )
    context = {
        "call": call,
        "published_questions": list(
            call.questions.filter(published_at__isnull=False).order_by("published_at", "pk")
        ),
        "own_questions": own_questions,
        "question_form": question_form,
        "is_preview": call.state not in CallState.public(),
        "is_staff": is_programme_staff(user),
    }
    return render(request, "grants/calls/detail.html", context, status=status)


@cached_page
def call_detail(request, slug):
    call = get_object_or_404(call_with_terms(calls_visible_to(request.user)), slug=slug)
    return _call_detail_page(request, call)


@login_required
@require_POST
def call_question_ask(request, slug):
    call = get_object_or_404(call_with_terms(calls_public()), slug=slug)
    form = _question_form_for(request, call, request.POST)
    if form is None:
        if call.accepts_questions:
            messages.error(
                request,
                _(
                    "Questions are asked on behalf of an organisation: register yours, or ask "
                    "its owner to invite you, to ask one."
                ),
            )
        else:
            messages.error(request, _("Questions about this call are not accepted now."))
        return redirect(reverse("call_detail", args=[call.slug]) + "#questions")
    if form.is_valid():
        try:
            question_ask(
                call=call,
                user=request.user,
                organisation=form.cleaned_data["organisation"],
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            _add_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "Your question was sent. Staff will answer it; published answers "
                    "appear on this page."
                ),
            )
            return redirect(reverse("call_detail", args=[call.slug]) + "#questions")
    return _call_detail_page(request, call, question_form=form)


# --- staff -----------------------------------------------------------------------------


def _staff_only(user) -> None:
    if not is_programme_staff(user):
        raise Http404


def _staff_call(request, pk) -> Call:
    return get_object_or_404(calls_for_staff(request.user), pk=pk)


@login_required
def staff_call_list(request):
    _staff_only(request.user)
    calls = calls_for_staff(request.user).order_by("-opens_at", "-pk")
    page = Paginator(calls, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "grants/calls/staff_list.html", {"page": page})


@login_required
def staff_call_detail(request, pk):
    call = get_object_or_404(
        call_with_terms(calls_for_staff(request.user)).annotate(
            application_count=Count("applications", distinct=True)
        ),
        pk=pk,
    )
    shown_state = call.effective_state
    timeline = list(timeline_for(call))
    labels = dict(CallState.choices)
    for transition in timeline:
        transition.to_label = labels.get(transition.to_state, transition.to_state)
    context = {
        "call": call,
        "shown_state": shown_state,
        "shown_state_label": labels[shown_state],
        "state_actions": [
            (state, STATE_ACTION_LABELS[state]()) for state in CALL_TRANSITIONS[shown_state]
        ],
        "publish_problems": call_publish_problems(call) if shown_state == CallState.DRAFT else [],
        "timeline": timeline,
        "can_edit": call.state in EDITABLE_STATES,
        "questions": call.questions.aggregate(
            total=Count("pk"), unanswered=Count("pk", filter=Q(answered_at__isnull=True))
        ),
    }
    return render(request, "grants/calls/staff_detail.html", context)


STATE_ACTION_LABELS = {
    CallState.DRAFT: lambda: _("Back to draft"),
    CallState.PUBLISHED: lambda: _("Publish"),
    CallState.CLOSED: lambda: pgettext("call action", "Close now"),
    CallState.IN_REVIEW: lambda: _("Start the review"),
    CallState.DECIDED: lambda: _("Mark as decided"),
    CallState.ARCHIVED: lambda: _("Archive"),
}


@login_required
@require_POST
def staff_call_state(request, pk):
    call = _staff_call(request, pk)
    form = CallStateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That change of state was not understood; nothing changed."))
        return redirect("staff_call_detail", pk=call.pk)
    try:
        call = call_change_state(
            call=call,
            to_state=form.cleaned_data["to_state"],
            expected_state=form.cleaned_data["expected_state"],
            by=request.user,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("The call is now “%(state)s”.") % {"state": call.get_state_display()}
        )
    return redirect("staff_call_detail", pk=call.pk)


@login_required
def staff_call_create(request):
    _staff_only(request.user)
    return _call_editor(request, call=None)


@login_required
def staff_call_edit(request, pk):
    call = _staff_call(request, pk)
    if call.state not in EDITABLE_STATES:
        raise PermissionDenied
    return _call_editor(request, call=call)


def _call_editor(request, *, call: Call | None):
    """One page for the call and its three formsets. Buttons "add another ..." and the
    region picker's "show the places" re-show the page with what was typed, unjudged;
    "Save" validates everything and lists every problem at once."""
    locked = call is not None and call.rubric_locked_at is not None
    if request.method != "POST":
        initial = (
            {}
            if call is None
            else {
                "regions": regions_initial(call),
                "criteria": criteria_initial(call),
                "documents": documents_initial(call),
            }
        )
        form = CallForm(call=call)
        formsets = {
            "regions": RegionFormSet(prefix="regions", initial=initial.get("regions")),
            "criteria": None
            if locked
            else CriterionFormSet(prefix="criteria", initial=initial.get("criteria")),
            "documents": DocumentFormSet(prefix="documents", initial=initial.get("documents")),
        }
        return _render_editor(request, call, form, formsets)

    data = request.POST.copy()
    added = _add_requested_row(data, locked=locked)
    form = CallForm(data, call=call)
    formsets = {
        "regions": RegionFormSet(data, prefix="regions"),
        # A locked rubric is shown read-only: criteria in the POST come from a page
        # loaded before the lock (or were forged) and are checked below, not saved.
        "criteria": CriterionFormSet(data, prefix="criteria")
        if not locked or "criteria-TOTAL_FORMS" in data
        else None,
        "documents": DocumentFormSet(data, prefix="documents"),
    }
    refine = any(picker_refine_requested(row) for row in formsets["regions"].forms)
    if added or refine:
        form.hold_errors = True
        for formset in formsets.values():
            if formset is not None:
                formset.hold()
        return _render_editor(request, call, form, formsets)

    if locked and formsets["criteria"] is not None:
        criteria = formsets["criteria"]
        if not criteria.is_valid() or not call_rubric_matches(call, criteria.rows()):
            messages.error(request, rubric_locked_message(call))
            formsets["criteria"] = None
            return _render_editor(request, call, form, formsets)
        formsets["criteria"] = None

    valid = [form.is_valid()] + [f.is_valid() for f in formsets.values() if f is not None]
    if all(valid):
        fields = dict(form.cleaned_data)
        themes = fields.pop("themes")
        rows = {
            "eligible_regions": formsets["regions"].regions(),
            "criteria": None if formsets["criteria"] is None else formsets["criteria"].rows(),
            "documents": formsets["documents"].rows(),
        }
        try:
            if call is None:
                call = call_create(by=request.user, themes=themes, **rows, **fields)
                messages.success(request, _("The call was saved as a draft."))
            else:
                call = call_update(call=call, by=request.user, themes=themes, **rows, **fields)
                messages.success(request, _("The call was saved."))
        except ValidationError as error:
            _add_error(form, error)
        else:
            return redirect("staff_call_detail", pk=call.pk)
    return _render_editor(request, call, form, formsets)


def _add_requested_row(data, *, locked: bool) -> str | None:
    """Give the formset whose "add another" button was pressed one more empty row."""
    for prefix in EDITOR_PREFIXES:
        if f"add_{prefix}" in data and not (locked and prefix == "criteria"):
            key = f"{prefix}-TOTAL_FORMS"
            try:
                data[key] = str(int(data.get(key, "0")) + 1)
            except ValueError:
                return None
            return prefix
    return None


def _render_editor(request, call, form, formsets):
    context = {
        "call": call,
        "form": form,
        "region_formset": formsets["regions"],
        "criterion_formset": formsets["criteria"],
        "document_formset": formsets["documents"],
        "locked_criteria": call.criteria.all() if call and call.rubric_locked_at else None,
        "locked_message": rubric_locked_message(call) if call and call.rubric_locked_at else "",
    }
    return render(request, "grants/calls/staff_form.html", context)


def _add_error(form, error: ValidationError) -> None:
    """Show a service's refusal on the form: on its field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
def staff_call_questions(request, pk, *, bound_form=None, bound_pk=None):
    call = _staff_call(request, pk)
    questions = call.questions.select_related("organisation", "asked_by", "answered_by").order_by(
        "-asked_at", "-pk"
    )
    page_number = request.GET.get("page") or request.POST.get("page")
    page = Paginator(questions, PAGE_SIZE).get_page(page_number)
    for question in page.object_list:
        if question.pk == bound_pk:
            question.form = bound_form
        else:
            question.form = AnswerForm(
                prefix=f"q{question.pk}",
                initial={"answer": question.answer, "publish": question.published_at is not None},
            )
    return render(request, "grants/calls/staff_questions.html", {"call": call, "page": page})


@login_required
@require_POST
def staff_question_answer(request, pk):
    question = get_object_or_404(
        Question.objects.filter(call__in=calls_for_staff(request.user)), pk=pk
    )
    form = AnswerForm(request.POST, prefix=f"q{question.pk}")
    if form.is_valid():
        try:
            question_answer(
                question=question,
                by=request.user,
                answer=form.cleaned_data["answer"],
                publish=form.cleaned_data["publish"],
            )
        except ValidationError as error:
            _add_error(form, error)
        else:
            if form.cleaned_data["publish"]:
                messages.success(
                    request,
                    _(
                        "The answer is published on the call page; organisations with an "
                        "application are being told."
                    ),
                )
            else:
                messages.success(
                    request, _("The answer was saved and sent to the person who asked.")
                )
            url = reverse("staff_call_questions", args=[question.call_id])
            page = request.POST.get("page", "")
            if page.isdigit():
                url += f"?page={page}"
            return redirect(f"{url}#question-{question.pk}")
    return staff_call_questions(request, question.call_id, bound_form=form, bound_pk=question.pk)
