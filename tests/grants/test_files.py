"""Uploads are checked by content and size; the name must agree with the content."""

import pytest
from django.core.exceptions import ValidationError

from grants.files import check_upload, safe_filename
from tests.grants.test_application_support import MINIMAL_PDF, office_bytes, png_bytes, upload

OLE2 = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504
JPEG = bytes.fromhex("FFD8FFE000104A464946000101") + b"\x00" * 100


def refusal(name, content) -> str:
    with pytest.raises(ValidationError) as raised:
        check_upload(upload(name, content))
    return raised.value.messages[0]


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("plan.pdf", MINIMAL_PDF, "application/pdf"),
        ("photo.png", png_bytes(), "image/png"),
        ("photo.JPG", JPEG, "image/jpeg"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        (
            "letter.docx",
            office_bytes("word"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "budget.xlsx",
            office_bytes("xl"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("letter.doc", OLE2, "application/msword"),
        ("budget.xls", OLE2, "application/vnd.ms-excel"),
    ],
)
def test_real_small_files_are_accepted_with_the_type_of_their_content(name, content, content_type):
    assert check_upload(upload(name, content)).content_type == content_type


def test_an_executable_renamed_to_pdf_is_refused():
    assert refusal("setup.pdf", b"MZ\x90\x00" + b"\x00" * 200) == (
        "“setup.pdf” is a program, which cannot be uploaded."
    )


def test_an_html_file_named_pdf_is_refused():
    content = b"\xef\xbb\xbf  <!DOCTYPE html><html><script>alert(1)</script></html>"
    assert refusal("invoice.pdf", content) == (
        "“invoice.pdf” is a web page or an SVG drawing, which cannot be uploaded. "
        "Save it as PDF first."
    )


def test_an_svg_drawing_is_refused():
    content = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>'
    assert refusal("logo.svg", content).startswith("“logo.svg” is a web page or an SVG drawing")


def test_a_pdf_with_another_extension_is_refused_naming_the_file():
    assert refusal("scan.png", MINIMAL_PDF) == (
        "“scan.png” does not match its content (it is a PDF file). "
        "Give it the right extension, for example .pdf."
    )


def test_a_zip_that_is_not_an_office_document_is_refused():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert refusal("report.docx", buffer.getvalue()).startswith(
        "“report.docx” is not a PDF, Word, Excel, JPEG or PNG file."
    )


def test_a_word_document_named_xlsx_is_refused():
    assert refusal("budget.xlsx", office_bytes("word")).startswith(
        "“budget.xlsx” does not match its content (it is a DOCX file)."
    )


def test_an_oversize_file_is_refused_with_the_limit_in_megabytes(settings):
    settings.UPLOAD_MAX_BYTES = 2 * 1024 * 1024

    message = refusal("big.pdf", MINIMAL_PDF + b"0" * (2 * 1024 * 1024))

    assert message == "“big.pdf” is too large: files may be at most 2 MB."


def test_an_empty_file_is_refused():
    assert refusal("empty.pdf", b"") == "“empty.pdf” is empty."


def test_safe_filenames_drop_paths_quotes_and_control_characters():
    assert safe_filename('..\\..\\evil"\r\nname;.pdf') == "evilname.pdf"
    assert safe_filename("Письмо айыл окмоту.docx") == "Письмо айыл окмоту.docx"
    assert safe_filename("...") == "document"
