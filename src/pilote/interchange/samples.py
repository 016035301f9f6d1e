"""The sample spreadsheet of the demo's bank: OKRs as a digital direction keeps them in
Excel — a title above the headers, the objective in merged cells, percentages, French
decimals, a yes/no key result, an Excel date, a blank line and a total row.

``pilote demo`` users import it from the import page (« Essayer avec l'exemple ») or the
command line (``examples/okr-tableur-exemple.csv``, written by ``python -m
pilote.interchange.samples``); the test suite imports both into the demo with no error.
"""

from __future__ import annotations

import datetime as dt
import io

TITLE = "OKR du trimestre — Direction du digital"
HEADER = ["Objectif", "Résultat clé", "Responsable", "Départ", "Cible", "Actuel", "Échéance"]
# (objective or None under it, key result, owner, start, target, current, due)
ROWS = [
    ("Faire de l'application le premier guichet de la banque",
     "Part des virements faits dans l'application", "mobile@banque.example", 0.35, 0.5, 0.41,
     dt.date(2027, 3, 31)),
    (None, "Note moyenne de l'application sur les stores", "Léa Girard", 3.9, 4.5, 4.2, None),
    (None, "Délai moyen de réponse du chat (minutes)", "", 12, 5, 9, None),
    ("Sécuriser sans ajouter de friction", "Authentification forte en un geste disponible",
     "Hugo Leroy", "non", "oui", "non", None),
    (None, "Taux d'abandon à l'ouverture de compte", "Léa Girard", 0.32, 0.2, 0.28, None),
]  # fmt: skip
PERCENT_ROWS = (0, 4)  # rows whose numbers are percentages


def xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    ws = book.active
    ws.title = "OKR T1"
    ws.append([TITLE])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    ws.append(HEADER)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for i, (objective, *rest) in enumerate(ROWS):
        ws.append([objective, *rest])
        row = ws.max_row
        if i in PERCENT_ROWS:
            for col in "DEF":
                ws[f"{col}{row}"].number_format = "0%"
        ws[f"G{row}"].number_format = "dd/mm/yyyy"
    ws.merge_cells("A4:A6")
    ws.merge_cells("A7:A8")
    ws.append([])
    ws.append(["Total"])
    for col, width in zip("ABCDEFG", (44, 50, 24, 10, 10, 10, 12), strict=True):
        ws.column_dimensions[col].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _fr(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def csv_text() -> str:
    """As a French Excel saves it: ``;``, decimal commas, percentages written out."""
    lines = [";".join(HEADER)]
    for i, (objective, kr, owner, start, target, current, due) in enumerate(ROWS):
        values = [start, target, current]
        if i in PERCENT_ROWS:
            values = [f"{_fr(round(v * 100, 4))} %" for v in values]
        lines.append(";".join([objective or "", kr, owner, *map(_fr, values), _fr(due)]))
    lines += ["", "Total;;;;;;"]
    return "\r\n".join(lines) + "\r\n"


if __name__ == "__main__":
    from pathlib import Path

    target = Path(__file__).resolve().parents[3] / "examples" / "okr-tableur-exemple.csv"
    target.write_text(csv_text(), encoding="utf-8-sig")
    print(target)
