"""What grants holds about a person, for their copy of their data and for the
anonymisation of their account (registered with ``accounts.personal_data``)."""

from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _

from accounts.personal_data import PersonalDataSource, UploadedFile, when
from grants.models import (
    Application,
    Attachment,
    CommitteeMember,
    ConflictDeclaration,
    Decision,
    Question,
    Review,
    Score,
    Transition,
)
from grants.services.states import transition_record

ANONYMISED = "anonymised"


def _application(application) -> str:
    return application.reference or _("draft")


def _applications(user) -> list[dict]:
    applications = (
        Application.objects.filter(Q(created_by=user) | Q(declared_by=user))
        .select_related("call", "organisation")
        .order_by("created_at", "pk")
    )
    return [
        {
            "reference": _application(application),
            "title": application.title,
            "call": application.call.title,
            "organisation": application.organisation.name,
            "state": application.get_state_display(),
            "you_started_it": application.created_by_id == user.pk,
            "you_signed_the_declaration": application.declared_by_id == user.pk,
            "started": when(application.created_at),
            "submitted": when(application.submitted_at),
        }
        for application in applications
    ]


def _attachments(user):
    return Attachment.objects.filter(uploaded_by=user).select_related("application", "document")


def _questions(user) -> list[dict]:
    questions = Question.objects.filter(asked_by=user).select_related("call")
    return [
        {
            "call": question.call.title,
            "question": question.text,
            "asked": when(question.asked_at),
            "answer": question.answer,
            "answer_published": question.published_at is not None,
        }
        for question in questions
    ]


def _committee(user) -> dict[str, list]:
    seats = CommitteeMember.objects.filter(user=user).select_related("call")
    declarations = ConflictDeclaration.objects.filter(member__user=user).select_related(
        "application"
    )
    reviews = (
        Review.objects.filter(member__user=user)
        .select_related("application")
        .prefetch_related(Prefetch("scores", queryset=Score.objects.select_related("criterion")))
    )
    return {
        "committee_seats": [
            {
                "call": seat.call.title,
                "affiliation": seat.get_affiliation_display(),
                "chair": seat.is_chair,
                "since": when(seat.added_at),
            }
            for seat in seats
        ],
        "conflict_declarations": [
            {
                "application": _application(declaration.application),
                "conflict_of_interest": declaration.has_conflict,
                "reason": declaration.reason,
                "declared": when(declaration.declared_at),
            }
            for declaration in declarations
        ],
        "reviews": [
            {
                "application": _application(review.application),
                "state": review.get_state_display(),
                "weighted_total": str(review.total),
                "recommendation": review.get_recommendation_display(),
                "comment": review.comment,
                "submitted": when(review.submitted_at),
                "scores": [
                    {
                        "criterion": score.criterion.name,
                        "points": score.points,
                        "comment": score.comment,
                    }
                    for score in review.scores.all()
                ],
            }
            for review in reviews
        ],
    }


def _staff_work(user) -> dict[str, list]:
    decisions = Decision.objects.filter(by=user).select_related("application")
    changes = Transition.objects.filter(by=user).select_related("content_type")
    return {
        "decisions_recorded": [
            {
                "application": _application(decision.application),
                "decision": decision.get_outcome_display(),
                "at": when(decision.at),
            }
            for decision in decisions
        ],
        "state_changes_made": [
            {
                "of": f"{change.content_type.name} #{change.object_id}",
                "from": change.from_state,
                "to": change.to_state,
                "at": when(change.at),
                "reason": change.reason,
            }
            for change in changes
        ],
    }


def grants_sections(user) -> dict[str, list]:
    return {
        "applications": _applications(user),
        "application_files_uploaded": [
            {
                "application": _application(attachment.application),
                "document": attachment.document.name if attachment.document else "",
                "file": attachment.original_name,
                "size_in_bytes": attachment.size,
                "uploaded": when(attachment.uploaded_at),
            }
            for attachment in _attachments(user)
        ],
        "questions_asked": _questions(user),
        **_committee(user),
        **_staff_work(user),
    }


def grants_files(user):
    for attachment in _attachments(user):
        name = f"{_application(attachment.application)} {attachment.original_name}"
        yield UploadedFile(folder="applications", name=name, file=attachment.file)


def grants_record_anonymisation(*, user, by, old_email, reason=""):
    """Who anonymised whom and when, on the append-only timeline of the account."""
    transition_record(
        subject=user,
        from_state="",
        to_state=ANONYMISED,
        by=by,
        reason=reason or _("Anonymised on the person's request."),
    )


source = PersonalDataSource(
    name="grants",
    sections=grants_sections,
    files=grants_files,
    anonymise=grants_record_anonymisation,
)
