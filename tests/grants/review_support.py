"""Shared builders for the committee and review tests (no tests here): a call in
review, eligible applications, seats, assignments and declarations.

Import the fixtures as ``*_fixture``; tests ask for ``review_call``,
``application``, ``member`` (the cast's committee member, assigned, no conflict
declared yet) and ``conflicted`` (the cast's conflicted member, assigned, conflict
declared on ``application``)."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from grants.enums import ApplicationState, CallState
from grants.models import Assignment, Attachment
from grants.services.reviews import declaration_make
from tests.factories import ApplicationFactory, CallFactory, CommitteeMemberFactory

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def call_in_review(**fields):
    now = timezone.now()
    return CallFactory(
        state=CallState.IN_REVIEW,
        opens_at=now - dt.timedelta(days=60),
        closes_at=now - dt.timedelta(days=20),
        **fields,
    )


def eligible(call, organisation, number=1, **fields):
    fields.setdefault("title", f"Safer villages {number}")
    fields.setdefault("reference", f"PIA-{2016 + call.pk}-{number:03d}")
    return ApplicationFactory(
        call=call,
        organisation=organisation,
        state=ApplicationState.ELIGIBLE,
        sequence=number,
        submitted_at=timezone.now() - dt.timedelta(days=25),
        summary=f"Secret summary of application {number}.",
        **fields,
    )


def seat(call, user, **fields):
    return CommitteeMemberFactory(call=call, user=user, **fields)


def assign(member, *applications):
    for application in applications:
        Assignment.objects.create(member=member, application=application)


def declare(member, application, *, conflict=False, reason=""):
    return declaration_make(
        member=member,
        application=application,
        has_conflict=conflict,
        reason=reason or ("I advise this organisation." if conflict else ""),
    )


def attach(application, name="budget.pdf"):
    attachment = Attachment(
        application=application,
        original_name=name,
        content_type="application/pdf",
        size=len(MINIMAL_PDF),
    )
    attachment.file.save(name, ContentFile(MINIMAL_PDF), save=False)
    attachment.save()
    return attachment


@pytest.fixture(name="review_call")
def review_call_fixture(db):
    return call_in_review(title="Small grants 2017")


@pytest.fixture(name="application")
def application_fixture(review_call, organisation_a):
    return eligible(review_call, organisation_a, 1, title="Safe roads to school")


@pytest.fixture(name="member")
def member_fixture(review_call, application, committee_member):
    member = seat(review_call, committee_member)
    assign(member, application)
    return member


@pytest.fixture(name="conflicted")
def conflicted_fixture(review_call, application, conflicted_member):
    member = seat(review_call, conflicted_member)
    assign(member, application)
    declare(member, application, conflict=True, reason="My sister chairs this organisation.")
    return member
