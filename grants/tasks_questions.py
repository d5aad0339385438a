"""Mail about questions and answers; called by grants.services.questions inside its
transaction, so the mail goes into the outbox (``accounts.outbox``) with the answer."""

from celery import shared_task
from django.urls import reverse

from accounts.mail import absolute_url, send_to_user
from grants.models import Question


def _question(question_id: int) -> Question | None:
    return Question.objects.select_related("call", "asked_by").filter(pk=question_id).first()


@shared_task
def question_published_notify(question_id: int) -> None:
    """Tell every organisation that has started an application about a published answer.

    The mail carries the question and the answer, never who asked."""
    from grants.services.questions import question_published_recipients

    question = _question(question_id)
    if question is None or question.published_at is None:
        return
    context = {
        "call": question.call,
        "question_text": question.text,
        "answer": question.answer,
        "link": absolute_url(reverse("call_detail", args=[question.call.slug])) + "#questions",
    }
    for user in question_published_recipients(question):
        send_to_user(user=user, template="grants/email/question_published", context=context)


@shared_task
def question_answered_notify(question_id: int) -> None:
    """Send a private answer to the person who asked."""
    question = _question(question_id)
    if question is None or not question.answer or question.asked_by is None:
        return
    if not question.asked_by.is_active:
        return
    context = {
        "call": question.call,
        "question_text": question.text,
        "answer": question.answer,
        "link": absolute_url(reverse("call_detail", args=[question.call.slug])) + "#questions",
    }
    send_to_user(user=question.asked_by, template="grants/email/question_answered", context=context)
