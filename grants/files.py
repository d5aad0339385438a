"""Checks on uploaded files: the type is read from the content, never trusted from the name.

Allowed: PDF, Word (doc, docx), Excel (xls, xlsx), JPEG and PNG. The extension must
agree with what the content is, so an executable renamed to ``.pdf`` or a web page
saved as ``.pdf`` is refused with a message that names the file.
"""

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PDF = "application/pdf"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JPEG = "image/jpeg"
PNG = "image/png"

# The extensions each detected kind may carry, and the content type it is served with.
CONTENT_TYPES = {
    "pdf": PDF,
    "doc": DOC,
    "xls": XLS,
    "docx": DOCX,
    "xlsx": XLSX,
    "jpg": JPEG,
    "jpeg": JPEG,
    "png": PNG,
}
EXTENSIONS_BY_KIND = {
    "pdf": {"pdf"},
    "ole2": {"doc", "xls"},  # Old Word and Excel share one container; the name decides.
    "docx": {"docx"},
    "xlsx": {"xlsx"},
    "jpeg": {"jpg", "jpeg"},
    "png": {"png"},
}
ACCEPT_ATTRIBUTE = ",".join(f".{extension}" for extension in CONTENT_TYPES)

OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
PNG_MAGIC = bytes.fromhex("89504E470D0A1A0A")
JPEG_MAGIC = bytes.fromhex("FFD8FF")
ZIP_MAGIC = b"PK\x03\x04"
MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|script|svg|\?xml|iframe)", re.IGNORECASE)


@dataclass(frozen=True)
class CheckedFile:
    kind: str
    extension: str
    content_type: str
    size: int
    # What to store: the upload itself, or for photos a copy without location data.
    content: object = None


def upload_limit_megabytes() -> int:
    return max(1, round(settings.UPLOAD_MAX_BYTES / (1024 * 1024)))


def _read_head(uploaded, length: int = 1024) -> bytes:
    uploaded.seek(0)
    head = uploaded.read(length)
    uploaded.seek(0)
    return head


def _office_kind(uploaded) -> str | None:
    """A zip that is a Word or Excel document: it has [Content_Types].xml and the part."""
    try:
        uploaded.seek(0)
        with zipfile.ZipFile(uploaded) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        uploaded.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    if any(name.startswith("word/") for name in names):
        return "docx"
    if any(name.startswith("xl/") for name in names):
        return "xlsx"
    return None


def detect_kind(uploaded) -> str | None:
    """What the content is: pdf, ole2, docx, xlsx, jpeg, png, or None for anything else."""
    head = _read_head(uploaded)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(OLE2_MAGIC):
        return "ole2"
    if head.startswith(PNG_MAGIC):
        return "png"
    if head.startswith(JPEG_MAGIC):
        return "jpeg"
    if head.startswith(ZIP_MAGIC):
        return _office_kind(uploaded)
    return None


def _refusal_for_unknown(head: bytes, name: str) -> str:
    if head.startswith(b"MZ") or head.startswith(b"\x7fELF"):
        return _("“%(name)s” is a program, which cannot be uploaded.") % {"name": name}
    if MARKUP.search(head.lstrip(b"\xef\xbb\xbf \t\r\n")[:512]):
        return _(
            "“%(name)s” is a web page or an SVG drawing, which cannot be uploaded. "
            "Save it as PDF first."
        ) % {"name": name}
    return _(
        "“%(name)s” is not a PDF, Word, Excel, JPEG or PNG file. "
        "Save it in one of these formats and try again."
    ) % {"name": name}


def check_upload(uploaded) -> CheckedFile:
    """Check one uploaded file by size and content; raise ValidationError naming the file."""
    name = uploaded.name or _("The file")
    if uploaded.size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is too large: files may be at most %(limit)s MB.")
            % {"name": name, "limit": upload_limit_megabytes()},
            code="too_large",
        )
    if uploaded.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="empty")
    kind = detect_kind(uploaded)
    if kind is None:
        raise ValidationError(_refusal_for_unknown(_read_head(uploaded), name), code="type")
    extension = PurePath(name).suffix.lower().lstrip(".")
    if extension not in EXTENSIONS_BY_KIND[kind]:
        raise ValidationError(
            _(
                "“%(name)s” does not match its content (it is a %(kind)s file). "
                "Give it the right extension, for example .%(extension)s."
            )
            % {
                "name": name,
                "kind": kind.upper() if kind != "ole2" else "Word/Excel",
                "extension": sorted(EXTENSIONS_BY_KIND[kind])[0],
            },
            code="extension",
        )
    content = without_location(uploaded, kind)
    return CheckedFile(
        kind=kind,
        extension=extension,
        content_type=CONTENT_TYPES[extension],
        size=content.size,
        content=content,
    )


GPS_IFD = 0x8825  # the EXIF tag that holds latitude, longitude and altitude


def without_location(uploaded, kind: str):
    """Photos from the field show people's villages: drop the GPS block of a JPEG's or
    PNG's EXIF data before it is stored. Other files, photos without a GPS block, and
    pictures Pillow cannot read (no readable location to remove) are stored as
    uploaded, byte for byte."""
    if kind not in ("jpeg", "png"):
        return uploaded
    from io import BytesIO

    from django.core.files.base import ContentFile
    from PIL import Image

    uploaded.seek(0)
    try:
        with Image.open(uploaded) as image:
            exif = image.getexif()
            if GPS_IFD not in exif:
                return uploaded
            del exif[GPS_IFD]
            buffer = BytesIO()
            if kind == "jpeg":
                # "keep" reuses the original compression: no second loss of quality.
                image.save(buffer, format="JPEG", exif=exif.tobytes(), quality="keep")
            else:
                image.save(buffer, format="PNG", exif=exif.tobytes())
    except (OSError, ValueError, SyntaxError):
        return uploaded
    finally:
        uploaded.seek(0)
    return ContentFile(buffer.getvalue(), name=uploaded.name)


def safe_filename(name: str, *, fallback: str = "document") -> str:
    """A download name without paths, control characters or quotes; the extension kept."""
    name = PurePath(name.replace("\\", "/")).name
    name = unicodedata.normalize("NFC", name)
    name = "".join(
        char for char in name if unicodedata.category(char)[0] != "C" and char not in '"<>:|?*;'
    ).strip(" .")
    return name[:150] or fallback
