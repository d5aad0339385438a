"""PDF copies rendered from templates with WeasyPrint.

Documents use their own light stylesheet (static/css/pdf.css), not Bootstrap, and
DejaVu fonts from the system so that Cyrillic and Kyrgyz letters print correctly.
"""

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string


def render_pdf(template: str, context: dict, *, request=None) -> bytes:
    from weasyprint import CSS, HTML  # imported here: loading Pango costs start-up time

    html = render_to_string(template, context, request=request)
    stylesheet = CSS(filename=finders.find("css/pdf.css"))
    return HTML(string=html, base_url=None).write_pdf(stylesheets=[stylesheet])
