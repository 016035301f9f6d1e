"""HTML to PDF (WeasyPrint) in a process of its own: ``python -m pilote.pdfrender`` reads
the HTML on standard input and writes the PDF on standard output.

Laying out a review of 100 objectives takes seconds and, inside an app process, grew it to
~600 MB that the process kept afterwards (measured at 10,000 people): in a child process the
memory goes back when it exits, and a timeout bounds the CPU. Nothing outside is fetched:
the style sheet is read from the package and every URL in the document is refused.
"""

from __future__ import annotations

import sys
from pathlib import Path

STYLE = Path(__file__).parent / "web" / "static" / "pilote" / "print.css"


class Refused(ValueError):
    pass


def _no_fetching(url: str, *args, **kwargs):
    raise Refused(f"a PDF fetches nothing: {url[:80]}")


def render(html: str) -> bytes:
    from weasyprint import CSS, HTML

    style = CSS(string=STYLE.read_text(encoding="utf-8"), url_fetcher=_no_fetching)
    return HTML(string=html, base_url=None, url_fetcher=_no_fetching).write_pdf(stylesheets=[style])


if __name__ == "__main__":  # pragma: no cover - run by pilote.web.pdf in a child process
    sys.stdout.buffer.write(render(sys.stdin.buffer.read().decode("utf-8")))
