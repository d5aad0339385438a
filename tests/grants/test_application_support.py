"""Shared builders for the application tests (no tests here): an open call in the
cast's oblast, small real files made in memory, and a draft filled through the services.

Import the fixtures as ``call_fixture`` and ``draft_fixture``; tests ask for ``call`` and
``draft``."""

import io
import struct
import zipfile
import zlib
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grants.services.applications import (
    application_save_section,
    attachment_add,
    section_version,
)
from tests.factories import ApplicationFactory, CallFactory, ThemeFactory

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def png_bytes() -> bytes:
    """A real 1x1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def office_bytes(part: str) -> bytes:
    """A minimal Office Open XML package: ``word`` for docx, ``xl`` for xlsx."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        main = "document.xml" if part == "word" else "workbook.xml"
        archive.writestr(f"{part}/{main}", '<?xml version="1.0"?><root/>')
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def pdf(name: str = "certificate.pdf"):
    return upload(name, MINIMAL_PDF, "application/pdf")


@pytest.fixture(name="call")
def call_fixture(db, oblast):
    """Open now, in the cast's oblast, two themes, grants of 100,000-300,000 KGS."""
    call = CallFactory()
    call.themes.set(
        [ThemeFactory(programme=call.programme), ThemeFactory(programme=call.programme)]
    )
    call.eligible_regions.set([oblast])
    return call


@pytest.fixture(name="draft")
def draft_fixture(call, organisation_a, applicant_a):
    return ApplicationFactory(
        call=call, organisation=organisation_a, created_by=applicant_a, title=""
    )


def save(application, section, by, **kwargs):
    """Save a section through the service at its current version."""
    application.refresh_from_db()
    return application_save_section(
        application=application,
        section=section,
        by=by,
        base_version=section_version(application, section),
        **kwargs,
    )


def fill_every_section(application, by, *, region, upload_documents=True):
    """A complete, submittable draft: every section saved, every mandatory file uploaded."""
    call = application.call
    save(
        application,
        "summary",
        by,
        fields={
            "title": "Safe roads to school in Jety-Oguz",
            "theme": call.themes.first(),
            "summary": "Crossings, lessons and patrols near three schools.",
            "duration_months": 12,
        },
    )
    save(
        application,
        "problem",
        by,
        fields={"problem": "Children are hurt on the road.", "target_groups": "Pupils 7-14"},
    )
    save(
        application,
        "workplan",
        by,
        fields={"objectives": "Fewer accidents near schools."},
        rows=[{"activity": "Road safety lessons", "start_month": 1, "end_month": 6}],
    )
    save(application, "locations", by, rows=[{"region": region}])
    save(
        application,
        "partners",
        by,
        rows=[{"kind": "police", "name": "Jety-Oguz police", "role": "Patrols"}],
    )
    save(
        application,
        "beneficiaries",
        by,
        fields={
            "beneficiaries_women": 40,
            "beneficiaries_men": 30,
            "beneficiaries_girls": 100,
            "beneficiaries_boys": 110,
        },
    )
    save(
        application,
        "budget",
        by,
        fields={
            "cofinancing_local_budget": Decimal("20000.00"),
            "cofinancing_other": Decimal("0"),
            "cofinancing_sources": "",
        },
        rows=[
            {
                "category": "events",
                "description": "Lessons",
                "unit": "lesson",
                "quantity": Decimal("20"),
                "unit_cost": Decimal("7000.00"),
            }
        ],
    )
    if upload_documents:
        for document in call.documents.filter(is_mandatory=True):
            application.refresh_from_db()
            attachment_add(application=application, uploaded=pdf(), by=by, document=document)
    save(application, "declaration", by, fields={"declaration_accepted": True})
    application.refresh_from_db()
    return application
