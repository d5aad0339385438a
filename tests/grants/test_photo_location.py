"""Field photos must not reveal where people live: GPS data is dropped on upload."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from grants.files import GPS_IFD, check_upload


def _photo(fmt: str, *, with_gps: bool) -> bytes:
    image = Image.new("RGB", (40, 30), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make: kept
    if with_gps:
        exif[GPS_IFD] = {1: "N", 2: (42.0, 30.0, 0.0), 3: "E", 4: (78.0, 20.0, 0.0)}
    buffer = BytesIO()
    image.save(buffer, format=fmt, exif=exif.tobytes())
    return buffer.getvalue()


@pytest.mark.parametrize(("fmt", "name"), [("JPEG", "village.jpg"), ("PNG", "village.png")])
def test_the_location_is_removed_from_a_photo_and_the_rest_kept(fmt, name):
    uploaded = SimpleUploadedFile(name, _photo(fmt, with_gps=True))
    checked = check_upload(uploaded)
    stored = checked.content.read()
    with Image.open(BytesIO(stored)) as image:
        exif = image.getexif()
        assert GPS_IFD not in exif
        assert exif[0x010F] == "PhoneMaker"
        assert image.size == (40, 30)
    assert checked.size == len(stored)


def test_a_photo_without_location_is_stored_byte_for_byte():
    data = _photo("JPEG", with_gps=False)
    checked = check_upload(SimpleUploadedFile("school.jpg", data))
    checked.content.seek(0)
    assert checked.content.read() == data


def test_a_pdf_is_stored_as_uploaded():
    data = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    uploaded = SimpleUploadedFile("plan.pdf", data)
    assert check_upload(uploaded).content is uploaded
