"""The two small files every attachment and report-file row of the scale data set
points at: one PDF document and one PNG photo, stored once under ``MEDIA_ROOT/scale/``.

Rows are what the benchmarks measure; thousands of copies of a file would only fill
the disk, so every row shares one stored file of its kind (and downloads still work).
"""

import struct
import zlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

DOCUMENT_FILE = "scale/sample-document.pdf"
PHOTO_FILE = "scale/sample-photo.png"

DOCUMENT_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _png(width: int = 8, height: int = 8, rgb=(46, 125, 50)) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


PHOTO_BYTES = _png()
DOCUMENT_SIZE = len(DOCUMENT_BYTES)
PHOTO_SIZE = len(PHOTO_BYTES)


def ensure_shared_files() -> None:
    """Store the two files under their fixed names unless they are there already."""
    for name, content in ((DOCUMENT_FILE, DOCUMENT_BYTES), (PHOTO_FILE, PHOTO_BYTES)):
        if not default_storage.exists(name):
            saved = default_storage.save(name, ContentFile(content))
            if saved != name:  # pragma: no cover - a storage that renames on save
                raise RuntimeError(f"The storage saved {name} as {saved}.")
