"""PDFs of pages: the template is rendered as HTML here, then laid out by WeasyPrint with
the print style sheet and Debian's DejaVu fonts (installed by scripts/bootstrap) in a child
process (pilote/pdfrender.py: its memory is returned when it exits, its time is bounded).

Nothing outside Pilote is fetched while laying out: the style sheet is read from the
package, pictures are inline SVG, and any other URL in the document (there should be none:
every text is escaped) is refused — a title cannot make the server read a file or call an
address.
"""

from __future__ import annotations

import logging
import subprocess
import sys

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from pilote.errors import Unavailable
from pilote.okr.text import N_

log = logging.getLogger(__name__)

TIMEOUT = 120  # seconds for one PDF


def render_pdf(html: str) -> bytes:
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pilote.pdfrender"],
            input=html.encode("utf-8"),
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise Unavailable(N_("the PDF took too long to make: ask for a smaller one")) from exc
    if done.returncode != 0 or not done.stdout.startswith(b"%PDF"):
        log.error("PDF failed: %s", done.stderr.decode("utf-8", "replace")[-2000:])
        raise Unavailable(N_("the PDF could not be made; the error is in the server's log"))
    return done.stdout


def pdf_response(request: HttpRequest, template: str, context: dict, filename: str) -> HttpResponse:
    html = render_to_string(template, context, request=request)
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
