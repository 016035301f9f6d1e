"""A trajectory drawn as SVG on the server: the same picture on a meeting-room screen, in a
PDF (WeasyPrint draws SVG, not a canvas) and without JavaScript.

``trajectory_svg`` draws progress (0–100 %) over a cycle's days: the measured points as a
line, the expected progress as a dashed line from 0 % at the start to 100 % at the end, and
today as a vertical mark. Everything written into the markup is a number or a translated
label escaped by ``format_html``. Colours are attributes of the SVG itself: WeasyPrint does
not apply the page's style sheet to inline SVG (the screen's CSS still overrides them).
"""

from __future__ import annotations

from datetime import date

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT, PAD = 600, 160, 8


def _x(day: date, start: date, end: date) -> float:
    span = max((end - start).days, 1)
    return PAD + (WIDTH - 2 * PAD) * min(max((day - start).days / span, 0.0), 1.0)


def _y(progress: float) -> float:
    return HEIGHT - PAD - (HEIGHT - 2 * PAD) * min(max(progress, 0.0), 1.0)


def trajectory_svg(
    points: list[tuple[date, float]], start: date, end: date, today: date, label: str
) -> SafeString:
    """``points``: (day, progress 0..1) in day order; ``label`` names the picture for screen
    readers (its figures are said in words beside it)."""
    line = " ".join(f"{_x(d, start, end):.1f},{_y(p):.1f}" for d, p in points)
    dots = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="3" class="spark-dot" fill="#0b5ed7"/>',
        ((f"{_x(d, start, end):.1f}", f"{_y(p):.1f}") for d, p in points[-1:]),
    )
    return format_html(
        '<svg class="spark" viewBox="0 0 {w} {h}" role="img" aria-label="{label}" '
        'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="none">'
        '<rect x="0" y="0" width="{w}" height="{h}" class="spark-bg" fill="#f8f9fa"/>'
        '<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y1}" class="spark-expected" stroke="#6c757d" '
        'stroke-width="1.5" stroke-dasharray="6 4"/>'
        '<line x1="{tx}" y1="0" x2="{tx}" y2="{h}" class="spark-today" stroke="#adb5bd" '
        'stroke-width="1"/>'
        "{polyline}{dots}</svg>",
        w=WIDTH,
        h=HEIGHT,
        label=label,
        x0=f"{_x(start, start, end):.1f}",
        y0=f"{_y(0.0):.1f}",
        x1=f"{_x(end, start, end):.1f}",
        y1=f"{_y(1.0):.1f}",
        tx=f"{_x(today, start, end):.1f}",
        polyline=format_html(
            '<polyline points="{}" class="spark-line" fill="none" stroke="#0b5ed7" '
            'stroke-width="2.5"/>',
            line,
        )
        if line
        else "",
        dots=dots,
    )
