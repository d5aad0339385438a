"""Mail to people, rendered in the recipient's language.

A message is three templates beside each other: ``<name>_subject.txt``,
``<name>.txt`` and optionally ``<name>.html``. Services queue a Celery task with
``transaction.on_commit``; the task refetches its objects and calls ``send_templated``,
so no mail leaves for a change that was rolled back.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation


def absolute_url(path: str) -> str:
    return settings.SITE_URL + path


def send_templated(*, to: str, template: str, context: dict, language: str = "") -> None:
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {"site_url": settings.SITE_URL, **context}
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}.txt", context)
        try:
            html = render_to_string(f"{template}.html", context)
        except TemplateDoesNotExist:
            html = None
    message = EmailMultiAlternatives(subject, text, None, [to])
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


def send_to_user(*, user, template: str, context: dict) -> None:
    send_templated(
        to=user.email, template=template, context={"user": user, **context}, language=user.language
    )
