"""PDFs of pages (WeasyPrint): the template is rendered as HTML, then laid out with the
print style sheet and Debian's DejaVu fonts (installed by scripts/bootstrap).

Nothing outside Pilote is fetched while laying out: the style sheet is read from the
package, pictures are inline SVG, and any other URL in the document (there should be none:
every text is escaped) is refused by the fetcher — a title cannot make the server read a
file or call an address.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

STYLE = Path(__file__).parent / "static" / "pilote" / "print.css"


class Refused(ValueError):
    pass


def _no_fetching(url: str, *args, **kwargs):
    raise Refused(f"a PDF fetches nothing: {url[:80]}")


@cache
def _style():
    from weasyprint import CSS

    return CSS(string=STYLE.read_text(encoding="utf-8"), url_fetcher=_no_fetching)


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=None, url_fetcher=_no_fetching).write_pdf(
        stylesheets=[_style()]
    )


def pdf_response(request: HttpRequest, template: str, context: dict, filename: str) -> HttpResponse:
    html = render_to_string(template, context, request=request)
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
