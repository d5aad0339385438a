"""Mail to people, rendered in the recipient's language.

A message is three templates beside each other: ``<name>_subject.txt``,
``<name>.txt`` and optionally ``<name>.html``. ``send_templated`` renders them and puts
the message in the outbox (``accounts.outbox``) in the caller's transaction; it leaves
once that transaction commits, through a Celery worker, and is retried there if the
mail server fails. Services call their notifications inside the transaction of the
change, so that no mail leaves for a change that was rolled back and none is lost for
one that was committed, even with the broker down.
"""

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation


def absolute_url(path: str) -> str:
    return settings.SITE_URL + path


def send_templated(
    *, to: str, template: str, context: dict, language: str = "", dedup_key: str = ""
) -> None:
    """Render a message in ``language`` and queue it. A ``dedup_key`` names the event
    and the recipient (``"application-submitted:<id>:<user id>"``): queued again, the
    message is kept once."""
    from accounts.outbox import mail_queue

    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {"site_url": settings.SITE_URL, **context}
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}.txt", context)
        try:
            html = render_to_string(f"{template}.html", context)
        except TemplateDoesNotExist:
            html = ""
    mail_queue(
        to=to,
        subject=subject,
        text=text,
        html=html,
        language=language,
        template=template,
        dedup_key=dedup_key,
    )


def send_to_user(*, user, template: str, context: dict, dedup_key: str = "") -> None:
    send_templated(
        to=user.email,
        template=template,
        context={"user": user, **context},
        language=user.language,
        dedup_key=dedup_key,
    )
