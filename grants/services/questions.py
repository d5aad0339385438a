"""Questions about a call: applicants ask, staff answer and may publish the answer.

A published answer appears on the call page without the asker's name or organisation,
and every owner and editor of each organisation that has started an application to
the call is told by mail (``grants.tasks_questions``), in their own language.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.enums import MembershipRole
from accounts.models import Membership, User
from grants.models import Application, Call, Question

QUESTION_MAX_LENGTH = 2000


@transaction.atomic
def question_ask(*, call: Call, user, organisation, text: str) -> Question:
    """Ask a question on behalf of one of the user's organisations, while the call takes
    questions (until ``questions_until``, or its deadline)."""
    if not Membership.objects.filter(organisation=organisation, user=user).exists():
        raise PermissionDenied
    if not call.accepts_questions:
        deadline = call.questions_until or call.closes_at
        raise ValidationError(
            _("Questions about this call were accepted until %(when)s.")
            % {"when": formats.date_format(timezone.localtime(deadline), "DATETIME_FORMAT")}
        )
    question = Question(call=call, organisation=organisation, asked_by=user, text=text.strip())
    if len(question.text) > QUESTION_MAX_LENGTH:
        raise ValidationError(
            {
                "text": _("Keep the question under %(limit)s characters.")
                % {"limit": QUESTION_MAX_LENGTH}
            }
        )
    question.full_clean()
    question.save()
    return question


@transaction.atomic
def question_answer(*, question: Question, by, answer: str, publish: bool) -> Question:
    """Answer (or correct the answer to) a question.

    Publishing shows it on the call page and, the first time only, tells every
    organisation that has started an application to the call. An answer kept private
    is mailed to the person who asked. Unpublishing takes it off the page.
    """
    question = Question.objects.select_for_update().get(pk=question.pk)
    answer = answer.strip()
    if not answer:
        raise ValidationError({"answer": _("Write an answer first.")})
    first_publication = publish and question.published_at is None
    question.answer = answer
    question.answered_by = by
    question.answered_at = timezone.now()
    if publish:
        question.published_at = question.published_at or question.answered_at
    else:
        question.published_at = None
    question.full_clean()
    question.save()

    from grants import tasks_questions

    # Into the mail outbox, with the answer: the mail leaves once it commits.
    if first_publication:
        tasks_questions.question_published_notify(question.pk)
    elif not publish:
        tasks_questions.question_answered_notify(question.pk)
    return question


def question_published_recipients(question: Question) -> QuerySet[User]:
    """Owners and editors of every organisation with an application to the question's
    call, in any state: each person once, active accounts only."""
    organisations = Application.objects.filter(call_id=question.call_id).values("organisation")
    return (
        User.objects.filter(
            is_active=True,
            memberships__organisation__in=organisations,
            memberships__role__in=MembershipRole.can_edit(),
        )
        .distinct()
        .order_by("pk")
    )
