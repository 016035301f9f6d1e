"""OKRs out to a spreadsheet: one row per key result (the objective repeated), with the
figures as of a day, in CSV or XLSX, headed in the reader's language with the words the
import recognises — so an export edited in a spreadsheet imports back.

An objective without key results gets a row of its own. Progress and expected progress are
percentages (XLSX: numbers formatted as such; CSV: "42 %" in French, "42%" in English);
values follow the language's decimal mark in CSV (French Excel opens ``;``-separated files
with decimal commas), and are numbers in XLSX.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy, pgettext

from pilote.goals.queries import consistent_snapshot
from pilote.orgs.access import Actor


def _columns() -> list[tuple[str, str]]:
    """(field, header) in the active language; the headers are those the import reads."""
    return [
        ("objective_key", pgettext("spreadsheet column", "Objective key")),
        ("objective", pgettext("spreadsheet column", "Objective")),
        ("level", pgettext("spreadsheet column", "Level")),
        ("team", pgettext("spreadsheet column", "Team")),
        ("objective_owner", pgettext("spreadsheet column", "Objective owner")),
        ("key", pgettext("spreadsheet column", "Key")),
        ("key_result", pgettext("spreadsheet column", "Key result")),
        ("kind", pgettext("spreadsheet column", "Type")),
        ("measure", pgettext("spreadsheet column", "Unit of measure")),
        ("baseline", pgettext("spreadsheet column", "Baseline")),
        ("target", pgettext("spreadsheet column", "Target")),
        ("current", pgettext("spreadsheet column", "Current")),
        ("progress", pgettext("spreadsheet column", "Progress")),
        ("expected", pgettext("spreadsheet column", "Expected")),
        ("status", pgettext("spreadsheet column", "Status")),
        ("owner", pgettext("spreadsheet column", "Owner")),
        ("due", pgettext("spreadsheet column", "Due")),
        ("confidence", pgettext("spreadsheet column", "Confidence")),
    ]


def rows(actor: Actor, *, cycle: str | None = None, as_of: dt.date | None = None,
         language: str = "en") -> tuple[list[str], list[list[Any]], dt.date]:  # fmt: skip
    """The header and one row per key result (values as Python numbers, dates, text)."""
    from pilote.words import KIND_LABELS, STATUS_LABELS

    snap = consistent_snapshot(actor, as_of)
    with translation.override(language):
        header = [h for _, h in _columns()]
        names = [f for f, _ in _columns()]
        out = []
        objectives = sorted(
            (o for o in snap.objectives.values() if cycle is None or o.cycle.key == cycle),
            key=lambda o: (o.cycle.start, o.level != "strategic", o.unit.name, o.pk),
        )
        for o in objectives:
            base = {
                "objective_key": o.key,
                "objective": o.title,
                "level": str(LEVELS.get(o.level, o.level)),
                "team": o.unit.name,
                "objective_owner": o.owner.email if o.owner_id else "",
            }
            krs = list(snap.key_results_of(o))
            if not krs:
                f = snap.objective(o)
                out.append([{**base, "progress": f.progress,
                             "status": str(STATUS_LABELS.get(f.status.value, f.status.value))}
                            .get(n) for n in names])  # fmt: skip
            for kr in krs:
                f = snap.kr(kr)
                row = {
                    **base,
                    "key": kr.key,
                    "key_result": kr.title,
                    "kind": str(KIND_LABELS.get(kr.kind, kr.kind)),
                    "measure": kr.unit_label,
                    "baseline": kr.baseline,
                    "target": kr.target,
                    "current": f.current,
                    "progress": f.progress,
                    "expected": f.expected,
                    "status": str(STATUS_LABELS.get(f.status.value, f.status.value)),
                    "owner": kr.owner.email if kr.owner_id else "",
                    "due": kr.due,
                    "confidence": kr.last_confidence,
                }
                out.append([row.get(n) for n in names])
    return header, out, snap.as_of


_PERCENT = {"progress", "expected"}
LEVELS = {"strategic": gettext_lazy("Strategic"), "tactical": gettext_lazy("Tactical")}


def _text(value: Any, name: str, language: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        from .sheets import FORMULA_STARTS

        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if isinstance(value, float):
        if name in _PERCENT:
            number = f"{round(value * 100):d}"
            return f"{number} %" if language == "fr" else f"{number}%"
        text = f"{value:.10g}"
        return text.replace(".", ",") if language == "fr" else text
    return str(value)


def to_csv(header: list[str], body: list[list[Any]], language: str) -> str:
    """French: ``;`` and decimal commas (what a French Excel opens); English: ``,``."""
    names = [f for f, _ in _columns()]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if language == "fr" else ",", lineterminator="\r\n")
    writer.writerow(header)
    for row in body:
        writer.writerow([_text(v, n, language) for v, n in zip(row, names, strict=True)])
    return buffer.getvalue()


def to_xlsx(header: list[str], body: list[list[Any]], title: str, as_of: dt.date) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    names = [f for f, _ in _columns()]
    book = Workbook()
    ws = book.active
    ws.title = (title or "OKR")[:31]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in body:
        ws.append(row)
        for cell in ws[ws.max_row]:
            if cell.data_type == "f":  # a title such as "=1+1" is text, never a formula
                cell.data_type = "s"
    for c, name in enumerate(names, start=1):
        letter = get_column_letter(c)
        if name in _PERCENT:
            for (cell,) in ws.iter_rows(min_row=2, min_col=c, max_col=c):
                cell.number_format = "0%"
        elif name == "due":
            for (cell,) in ws.iter_rows(min_row=2, min_col=c, max_col=c):
                cell.number_format = "yyyy-mm-dd"
        width = max([len(str(header[c - 1]))] + [len(str(r[c - 1] or "")) for r in body[:200]])
        ws.column_dimensions[letter].width = min(max(10, width + 2), 60)
    ws.freeze_panes = "A2"
    book.properties.title = f"{title} — {as_of.isoformat()}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
