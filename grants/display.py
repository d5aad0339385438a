"""What a full, read-only display of an application needs from the database.

``application_with_everything(queryset)`` adds every join and prefetch that
``grants/includes/application_full.html`` reads, so the page costs a fixed number of
queries however many activities, places, partners, lines and files there are.
"""

from django.db.models import Prefetch, QuerySet

from grants.models import ApplicationLocation, Attachment, RequiredDocument


def application_with_everything(queryset: QuerySet) -> QuerySet:
    return queryset.select_related(
        "call", "call__programme", "organisation", "organisation__region", "theme", "declared_by"
    ).prefetch_related(
        "activities",
        "partners",
        "budget_lines",
        Prefetch(
            "locations",
            queryset=ApplicationLocation.objects.select_related(
                "region", "region__parent", "region__parent__parent"
            ),
        ),
        Prefetch(
            "attachments",
            queryset=Attachment.objects.select_related("document", "uploaded_by"),
        ),
        Prefetch("call__documents", queryset=RequiredDocument.objects.order_by("order", "pk")),
    )


def attachments_by_document(application) -> list[tuple]:
    """[(required document or None for extra files, [attachments])] from the prefetches."""
    groups = [(document, []) for document in application.call.documents.all()]
    index = {document.pk: files for document, files in groups}
    extra = []
    for attachment in application.attachments.all():
        index.get(attachment.document_id, extra).append(attachment)
    return [*groups, (None, extra)]
