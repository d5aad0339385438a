"""Hypothesis strategies for what a browser (or someone pretending to be one) can post.

Every value is a string, a list of strings or an uploaded file, as in a real POST.
Each field draws either something the form should accept (the valid submission the
spec gives, or a well-formed value of the field's kind) or something hostile of its
kind: numbers out of range and in foreign formats, impossible dates, choices and ids
that are not offered (other organisations' objects among them), text with NUL bytes,
right-to-left marks, emoji, markup, SQL, template syntax, traversal and CRLF.
"""

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import strategies as st

# Text a browser can send: any code point but lone surrogates (which UTF-8 cannot encode).
ANY_CHARACTER = st.characters(exclude_categories=("Cs",))

HOSTILE_TEXT = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202eevil\u202c",
    "\u200f\u05e9\u05dc\u05d5\u05dd",
    "👩🏽‍🌾🇰🇬",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE accounts_user; --",
    "' OR '1'='1",
    "{{ request.user.password }}",
    "{% debug %}",
    "{% load static %}{{ 7|add:7 }}",
    "%(name)s %s %d {0}",
    "../../../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "line\r\nSet-Cookie: x=1",
    "\r\n\r\n",
    "\t\v\f",
    "javascript:alert(1)",
    "//evil.example.org/",
    "https://evil.example.org/",
    "\ufeff",
    "NaN",
    "None",
    "null",
    "[]",
    "-1",
)

HOSTILE_NUMBERS = (
    "-1",
    "0",
    "-0",
    "1e309",
    "-1e309",
    "1e-309",
    "NaN",
    "nan",
    "sNaN",
    "Infinity",
    "-inf",
    "1 000,50",
    "1,000.50",
    "1.000,50",
    "1_000",
    "99999999999999999999999999",
    "-99999999999999999999999999",
    "9223372036854775808",
    "2147483648",
    "0x1F",
    "١٢٣",
    "１２",
    "²",
    "½",
    "1.0000000001",
    "1e-7",
    " 42 ",
    "+5",
    "5.",
    ".5",
    "12abc",
    "",
)

HOSTILE_DATES = (
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "0000-00-00",
    "2017-02-30",
    "2017-13-01",
    "2017-02-29",
    "31/12/2017",
    "12/31/2017",
    "31.12.2017",
    "-2017-01-01",
    "2017-05-31T25:00",
    "2017-05-31T18:00",
    "2017-05-31 18:00:00+99:00",
    "1e309",
    "today",
    "",
)

HOSTILE_IDS = ("0", "-1", "1.5", "abc", "²", "١", "99999999999999999999", "2147483648", "", " 1")

HOSTILE_BOOLEANS = ("on", "off", "true", "false", "True", "0", "1", "", "yes", "\x00")

HOSTILE_EMAILS = (
    "alice@example.org",
    "ALICE@EXAMPLE.ORG",
    "newcomer@example.org",
    "a@b",
    "@example.org",
    "a@@example.org",
    "a@example.org\r\nBcc: x@example.org",
    "a\x00@example.org",
    "üñí@exämple.org",
    "x" * 300 + "@example.org",
    "<script>@example.org",
)

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_HEADER = bytes.fromhex("89504E470D0A1A0A") + b"\x00" * 32
FILE_NAMES = (
    "budget.pdf",
    "photo.png",
    "photo.jpg",
    "report.xlsx",
    "letter.docx",
    "evil.pdf.exe",
    "evil.exe",
    "page.html",
    "../../../etc/passwd.pdf",
    "..\\..\\win.ini.pdf",
    "\u202egpj.exe",
    "con.pdf",
    "a" * 300 + ".pdf",
    ".pdf",
    "noextension",
    "бюджет 2017.pdf",
)
FILE_CONTENTS = (
    MINIMAL_PDF,
    b"",
    b"MZ\x90\x00 not a pdf",
    b"<html><script>alert(1)</script></html>",
    b"PK\x03\x04 broken zip",
    PNG_HEADER,
    bytes.fromhex("FFD8FF") + b"\x00" * 16,
    bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 16,
)
CONTENT_TYPES = ("application/pdf", "image/png", "text/html", "application/octet-stream", "")


def text():
    """Random unicode (NUL bytes, RTL marks and emoji included), long strings and
    hostile snippets."""
    return st.one_of(
        st.text(ANY_CHARACTER, max_size=40),
        st.sampled_from(HOSTILE_TEXT),
        st.builds(
            lambda piece, times: piece * times,
            st.sampled_from(["x", "é", "😀", "<b>", "\u202e", "a\x00"]),
            st.integers(min_value=200, max_value=20_000),
        ),
    )


def number():
    return st.one_of(
        st.sampled_from(HOSTILE_NUMBERS),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.integers(min_value=0, max_value=200).map(str),
        st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str),
        st.floats().map(repr),
    )


def date():
    return st.one_of(
        st.sampled_from(HOSTILE_DATES),
        st.dates().map(lambda day: day.isoformat()),
        st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M")),
    )


def upload():
    """A file with a name, content and declared type that may all disagree."""
    return st.builds(
        lambda name, content, content_type, padding: SimpleUploadedFile(
            name, content + padding, content_type=content_type
        ),
        st.sampled_from(FILE_NAMES),
        st.sampled_from(FILE_CONTENTS),
        st.sampled_from(CONTENT_TYPES),
        st.sampled_from([b"", b"\x00" * 1024, b"%%EOF" * 10]),
    )


def _choice_values(field) -> list[str]:
    values = []
    for value, label in getattr(field, "choices", ()):
        if isinstance(label, (list, tuple)):  # an optgroup
            values += [str(inner) for inner, _label in label]
        else:
            values.append(str(getattr(value, "value", value)))
    return values


def _queryset_ids(field) -> list[str]:
    return [str(pk) for pk in field.queryset.values_list("pk", flat=True)[:50]]


def _model_ids(field) -> list[str]:
    """Every id of the field's model, offered or not: other organisations' objects."""
    model = field.queryset.model
    return [str(pk) for pk in model._default_manager.values_list("pk", flat=True)[:200]]


def well_formed(field):
    """A value of the field's kind that the form could accept."""
    if isinstance(field, forms.ModelMultipleChoiceField):
        ids = _queryset_ids(field)
        return st.lists(st.sampled_from(ids), max_size=3) if ids else st.just([])
    if isinstance(field, forms.ModelChoiceField):
        ids = _queryset_ids(field)
        return st.sampled_from(ids) if ids else st.just("")
    if isinstance(field, forms.MultipleChoiceField):
        values = _choice_values(field)
        return st.lists(st.sampled_from(values), max_size=3) if values else st.just([])
    if isinstance(field, forms.ChoiceField):
        values = _choice_values(field)
        return st.sampled_from(values) if values else st.just("")
    if isinstance(field, forms.BooleanField):
        return st.sampled_from(["on", ""])
    if isinstance(field, forms.IntegerField):
        low = field.min_value if field.min_value is not None else 0
        high = field.max_value if field.max_value is not None else low + 1000
        return st.integers(min_value=int(low), max_value=int(high)).map(str)
    if isinstance(field, forms.DecimalField):
        return st.decimals(min_value=1, max_value=100_000, places=2).map(str)
    if isinstance(field, forms.DateTimeField):
        return st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M"))
    if isinstance(field, forms.DateField):
        return st.dates().map(lambda day: day.isoformat())
    if isinstance(field, forms.EmailField):
        return st.emails().filter(lambda email: len(email) < 200)
    if isinstance(field, forms.FileField):
        return upload()
    return st.text(ANY_CHARACTER, min_size=1, max_size=60)


def hostile(field):
    """A value of the field's kind (or not) that the form should refuse or survive."""
    if isinstance(field, forms.ModelMultipleChoiceField):
        return st.lists(st.sampled_from([*_model_ids(field), *HOSTILE_IDS]), max_size=4)
    if isinstance(field, forms.ModelChoiceField):
        return st.sampled_from([*_model_ids(field), *HOSTILE_IDS])
    if isinstance(field, forms.MultipleChoiceField):
        wrong = [*_choice_values(field), *HOSTILE_TEXT[:12], "-1", "0"]
        return st.lists(st.sampled_from(wrong), max_size=4)
    if isinstance(field, forms.ChoiceField):
        return st.one_of(st.sampled_from([*HOSTILE_TEXT[:12], "-1", "0", "DRAFT"]), text())
    if isinstance(field, forms.BooleanField):
        return st.sampled_from(HOSTILE_BOOLEANS)
    if isinstance(field, (forms.IntegerField, forms.DecimalField, forms.FloatField)):
        return number()
    if isinstance(field, (forms.DateField, forms.DateTimeField)):
        return date()
    if isinstance(field, forms.EmailField):
        return st.one_of(st.sampled_from(HOSTILE_EMAILS), text())
    if isinstance(field, forms.FileField):
        return st.one_of(upload(), st.just(""), text())
    return text()


def junk_fields():
    """Keys no form has, posted beside the real ones."""
    return st.dictionaries(
        st.sampled_from(["csrfmiddlewaretoken", "id", "pk", "state", "is_superuser", "x\x00"]),
        text(),
        max_size=2,
    )


def management_count():
    """A formset's management count, sane or broken."""
    return st.one_of(
        st.integers(min_value=0, max_value=4).map(str),
        st.sampled_from(["-1", "1000", "100000000", "abc", "", "1e3", "2.5", "²"]),
    )


def as_file(value):
    """Uploads are read once by the client: give each request its own copy."""
    if isinstance(value, SimpleUploadedFile):
        value.seek(0)
        return SimpleUploadedFile(value.name, value.read(), content_type=value.content_type)
    return value
