"""OKRs as teams keep them in spreadsheets: reading CSV, XLSX and pasted cells, recognising
the layout and the columns, reading the values as people type them.

**Reading.** CSV through the standard ``csv`` module with its dialect sniffed (``;`` from a
French Excel, ``,``, tabs), UTF-8 with or without a byte-order mark, else Windows-1252; XLSX
through openpyxl (values as last computed, merged cells filled from their top-left cell,
percent formats and indentation kept), with defusedxml guarding its XML. What is pasted
from a spreadsheet is tab-separated text. Sizes are bounded (``MAX_ROWS``, ``MAX_COLUMNS``).

**Layouts** (``rows_of``):
- *one row per key result*, with the objective repeated, or left blank (or merged) under
  its first row: both an objective and a key-result column;
- *an outline*: one column of titles where objective rows are followed by their key
  results, set apart by indentation, a marker ("KR1.2", "RC 3", "-", "•", "1.2") or, when
  no row has either, by having a target.

**Columns** are recognised by their header (French or English, accents, case and
punctuation ignored: ``HEADERS``); a mapping given by the person (header text → field, or
``null`` to ignore a column) overrides what was recognised. Blank rows and total rows
("Total", "Moyenne"…) are skipped and said so.

**Values**: numbers as typed in either language ("1 234,5", "12,5 %", "4.5"), percent
cells (0.25 shown as 25 % reads 25, unit "%"), yes/no words, dates (ISO, dd/mm/yyyy, or
Excel serial numbers). Every problem is named by its cell: ``Feuil1!D7: …``.

Pure functions of the cells: the importer (``sheet_import``) matches them to the
organisation's data.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from pilote.okr.text import N_

MAX_ROWS = 5000
MAX_COLUMNS = 60
MAX_BYTES = 10 * 1024 * 1024
MAX_UNPACKED = 100 * 1024 * 1024
# A cell starting with one of these is a formula to a spreadsheet: exports write it quoted
# ("'=…", OWASP's advice against formula injection) and imports read the quote away.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class SheetError(Exception):
    """A file that cannot be read at all (its format, its size)."""

    def __init__(self, message: str, where: str = ""):
        super().__init__(message)
        self.message, self.where = message, where


@dataclass
class Cell:
    value: Any = None  # str, float, int, bool, date, datetime or None
    indent: int = 0  # the spreadsheet's indentation level (XLSX) or leading spaces (text)
    percent: bool = False  # formatted as a percentage (XLSX)

    @property
    def text(self) -> str:
        v = self.value
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v).strip()

    @property
    def empty(self) -> bool:
        return self.text == ""


@dataclass
class Sheet:
    name: str
    rows: list[list[Cell]]


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out, n = "", index + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def ref(sheet: str, row: int, column: int | None = None) -> str:
    """A cell as people name it (``Feuil1!D7``); rows and columns count from 0 here."""
    return f"{sheet}!{column_letter(column) if column is not None else ''}{row + 1}"


# --- reading files -----------------------------------------------------------------


def read(data: bytes, filename: str) -> list[Sheet]:
    """The sheets of a CSV or XLSX file (by its name's extension)."""
    if len(data) > MAX_BYTES:
        raise SheetError(N_("the file is larger than 10 MB"))
    lower = filename.lower()
    if lower.endswith((".xlsx", ".xlsm")):
        return read_xlsx(data)
    if lower.endswith((".csv", ".tsv", ".txt")):
        return [read_text(_decode(data), _stem(filename))]
    raise SheetError(N_("a spreadsheet is a .csv or .xlsx file"))


def _stem(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0] or "CSV"


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SheetError(N_("the file is not text in UTF-8 or Windows-1252"))


def read_text(text: str, name: str = "CSV") -> Sheet:
    """CSV or pasted cells (tab-separated): the dialect sniffed from the first lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    sample = "\n".join(text.split("\n")[:20])
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters="\t;,|")
    except csv.Error:
        dialect = csv.excel_tab if "\t" in sample else csv.excel
    rows = []
    for i, raw in enumerate(csv.reader(io.StringIO(text), dialect)):
        if i >= MAX_ROWS:
            raise SheetError(N_("more than 5,000 rows"), name)
        if len(raw) > MAX_COLUMNS:
            raw = raw[:MAX_COLUMNS]
        rows.append([Cell(_unquoted(v.strip()) or None, indent=_leading(v)) for v in raw])
    return Sheet(name, rows)


def _unquoted(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:2] in FORMULA_STARTS and text[1:2] else text


def _leading(text: str) -> int:
    stripped = text.lstrip(" \u00a0\t")
    return len(text) - len(stripped) if stripped else 0


def read_xlsx(data: bytes) -> list[Sheet]:
    import zipfile

    import openpyxl  # defusedxml, when installed, guards its XML (it is a dependency)

    try:
        # A small file may unpack to gigabytes (a "zip bomb"): its parts' sizes are read
        # from the archive's directory before anything is unpacked.
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_UNPACKED:
                raise SheetError(N_("the file unpacks to more than 100 MB"))
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SheetError(N_("not a readable XLSX file")) from exc
    sheets = []
    for ws in book.worksheets:
        if ws.max_row > MAX_ROWS:
            raise SheetError(N_("more than 5,000 rows"), ws.title)
        width = min(ws.max_column, MAX_COLUMNS)
        rows = []
        for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=width):
            cells = []
            for c in row:
                value = c.value
                if isinstance(value, str):
                    indent = _leading(value)
                    value = value.strip() or None
                else:
                    indent = 0
                indent = max(indent, int(getattr(c.alignment, "indent", 0) or 0))
                percent = "%" in (c.number_format or "")
                cells.append(Cell(value, indent=indent, percent=percent))
            rows.append(cells)
        for merged in ws.merged_cells.ranges:
            top = rows[merged.min_row - 1][merged.min_col - 1] if merged.min_col <= width else None
            if top is None:
                continue
            for r in range(merged.min_row, merged.max_row + 1):
                for c in range(merged.min_col, min(merged.max_col, width) + 1):
                    if (r, c) != (merged.min_row, merged.min_col):
                        rows[r - 1][c - 1] = Cell(top.value, top.indent, top.percent)
        sheets.append(Sheet(ws.title, rows))
    return sheets


# --- columns -------------------------------------------------------------------------

# The fields a column may give, and the headers that name them (normalised: lower case,
# no accents, words separated by one space).
HEADERS: dict[str, tuple[str, ...]] = {
    "objective": ("objectif", "objectifs", "objective", "objectives", "o", "titre de l objectif",
                  "objective title", "intitule de l objectif"),
    "key_result": ("resultat cle", "resultats cles", "resultat clef", "key result",
                   "key results", "kr", "krs", "rc", "resultat", "resultats"),
    "okr": ("okr", "okrs", "objectif resultat cle", "objectif resultats cles",
            "objective key result", "objectives key results", "objectifs et resultats cles",
            "objectives and key results", "titre", "title", "intitule"),
    "owner": ("responsable", "responsables", "owner", "owners", "porteur", "pilote", "kr owner",
              "responsable du kr", "responsable du resultat cle", "assignee", "qui", "who"),
    "objective_owner": ("responsable de l objectif", "responsable objectif", "objective owner",
                        "porteur de l objectif"),
    "baseline": ("depart", "valeur de depart", "baseline", "start", "start value", "initial",
                 "valeur initiale", "point de depart", "from", "de"),
    "target": ("cible", "valeur cible", "target", "target value", "goal", "objectif chiffre",
               "to", "a atteindre"),
    "current": ("actuel", "valeur actuelle", "current", "current value", "realise", "reel",
                "actual", "now", "aujourd hui", "valeur"),
    "team": ("equipe", "equipes", "team", "teams", "direction", "departement", "department",
             "service", "entite", "business unit", "direction equipe"),
    "kind": ("type", "kind", "sens", "type de kr", "kr type", "metric type"),
    "measure": ("unite", "unite de mesure", "mesure", "measure", "unit of measure", "uom",
                "metric unit"),
    "level": ("niveau", "level"),
    "due": ("echeance", "due", "due date", "deadline", "date limite", "pour le", "by"),
    "confidence": ("confiance", "confidence"),
    "next_step": ("prochaine etape", "prochaines etapes", "next step", "next steps"),
    "comment": ("commentaire", "commentaires", "comment", "comments", "notes", "remarques"),
    "objective_key": ("cle de l objectif", "objective key", "objective id", "id objectif"),
    "key": ("cle", "key", "kr key", "cle du kr", "id", "kr id"),
}  # fmt: skip
FIELD_NAMES = tuple(HEADERS)
_LOOKUP = {h: f for f, names in HEADERS.items() for h in names}


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    text = re.sub(r"\(.*?\)", " ", text.lower())
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def recognise(header: str) -> str | None:
    return _LOOKUP.get(normalise(header))


@dataclass
class Columns:
    header_row: int
    fields: dict[int, str]  # column index → field
    headers: dict[int, str]  # column index → the header as written

    def index(self, name: str) -> int | None:
        for i, f in self.fields.items():
            if f == name:
                return i
        return None


def find_columns(sheet: Sheet, mapping: dict[str, str | None] | None = None) -> Columns | None:
    """The header row (the first of the first 15 with two recognised headers, one of them a
    title) and what each column gives, ``mapping`` (header → field or None) first."""
    mapping = {normalise(k): v for k, v in (mapping or {}).items()}
    for r, row in enumerate(sheet.rows[:15]):
        fields, headers = {}, {}
        for c, cell in enumerate(row):
            if cell.empty:
                continue
            text = cell.text
            key = normalise(text)
            name = mapping[key] if key in mapping else recognise(text)
            headers[c] = text
            if name and name not in fields.values():
                fields[c] = name
        titles = {"objective", "key_result", "okr"} & set(fields.values())
        if titles and len(fields) >= 2 or (mapping and titles):
            return Columns(r, fields, headers)
    return None


# --- values ----------------------------------------------------------------------------

_YES = {"oui", "yes", "vrai", "true", "fait", "done", "ok", "x", "1", "atteint", "achieved"}
_NO = {"non", "no", "faux", "false", "pas fait", "not done", "0", "", "a faire", "todo"}
_CURRENCIES = {"€": "€", "eur": "€", "$": "$", "usd": "$", "£": "£", "k€": "k€", "m€": "M€"}


@dataclass
class Number:
    value: float
    unit: str = ""  # "%" or a currency written with the number


def number(cell: Cell) -> Number | None:
    """The number a cell holds as people type it; None when empty; ValueError otherwise."""
    v = cell.value
    if v is None:
        return None
    if isinstance(v, bool):
        return Number(1.0 if v else 0.0)
    if isinstance(v, (int, float)):
        return Number(float(v) * 100, "%") if cell.percent else Number(float(v))
    text = str(v).strip().lower().replace("\u00a0", " ").replace("\u202f", " ")
    if not text:
        return None
    unit = ""
    if text.endswith("%"):
        unit, text = "%", text[:-1].strip()
    for sign, name in _CURRENCIES.items():
        if text.endswith(sign) or text.startswith(sign):
            unit = name
            text = text.removesuffix(sign).removeprefix(sign).strip()
            break
    if text in _YES - {"0", "1"}:
        return Number(1.0)
    if text in _NO - {"0", "1", ""}:
        return Number(0.0)
    text = text.replace(" ", "").replace("'", "")
    if "," in text and "." in text:  # 1.234,5 or 1,234.5: the last one is the decimal mark
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif text.count(",") == 1:
        text = text.replace(",", ".")
    elif text.count(",") > 1:
        text = text.replace(",", "")
    try:
        return Number(float(text), unit)
    except ValueError:
        raise ValueError(N_("not a number")) from None


def is_yes_no(cell: Cell) -> bool:
    return isinstance(cell.value, bool) or (
        isinstance(cell.value, str) and normalise(cell.value) in (_YES | _NO) - {"0", "1", "x", ""}
    )


def day(cell: Cell) -> dt.date | None:
    """A date as written: a date cell, ISO, dd/mm/yyyy, or an Excel serial number."""
    v = cell.value
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if 20000 <= v <= 80000:  # 1954–2119 as Excel counts days
            return dt.date(1899, 12, 30) + dt.timedelta(days=int(v))
        raise ValueError(N_("not a date"))
    text = str(v).strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(N_("not a date (2027-06-30 or 30/06/2027)"))


_KINDS = {
    "increase": ("increase", "augmenter", "augmentation", "hausse", "up", "plus", "croissant",
                 "atteindre", "reach"),
    "decrease": ("decrease", "diminuer", "diminution", "baisse", "baisser", "reduire", "down",
                 "moins", "decroissant", "reduce"),
    "boolean": ("boolean", "booleen", "oui non", "yes no", "binaire", "binary", "fait pas fait",
                "done not done"),
    "milestone": ("milestone", "milestones", "jalon", "jalons", "etapes"),
    "maintain": ("maintain", "maintenir", "maintien", "garder", "keep", "seuil", "range"),
}  # fmt: skip
_KIND_LOOKUP = {normalise(w): k for k, words in _KINDS.items() for w in words}


def kind_of(cell: Cell) -> str | None:
    if cell.empty:
        return None
    found = _KIND_LOOKUP.get(normalise(cell.text))
    if found is None:
        raise ValueError(
            N_("not a kind of key result (increase, decrease, boolean, milestone, maintain)")
        )
    return found


_LEVELS = {"strategique": "strategic", "strategic": "strategic", "tactique": "tactical",
           "tactical": "tactical", "operationnel": "tactical", "operational": "tactical"}  # fmt: skip


def level_of(cell: Cell) -> str | None:
    if cell.empty:
        return None
    found = _LEVELS.get(normalise(cell.text))
    if found is None:
        raise ValueError(N_("not a level (strategic or tactical)"))
    return found


# --- layouts ---------------------------------------------------------------------------

_KR_MARK = re.compile(
    r"^\s*(?:(?:kr|rc|r\.c\.|key result|resultat cle|résultat clé)\s*\d*(?:[.,]\d+)*\s*[:.)\-–—]?\s+"
    r"|[-•*–—▪◦]\s+|\d+[.,]\d+[.)]?\s+)",
    re.IGNORECASE,
)
_O_MARK = re.compile(
    r"^\s*(?:(?:o|obj|objectif|objective)\s*\d+\s*[:.)\-–—]\s*|\d+[.)]\s+)", re.IGNORECASE
)
_TOTALS = {"total", "totaux", "sous total", "subtotal", "moyenne", "average", "somme", "sum",
           "grand total", "total general"}  # fmt: skip


@dataclass
class Row:
    """One row of the sheet that says something: an objective, or a key result under one."""

    index: int  # in the sheet, from 0
    kind: str  # "objective" or "key_result"
    title: str
    title_column: int
    objective: str = ""  # for a key result: its objective's title (layout "rows")
    objective_row: int | None = None  # the row its objective was read from
    cells: dict[str, tuple[int, Cell]] = field(default_factory=dict)  # field → (column, cell)


@dataclass
class Layout:
    name: str  # "rows" or "outline"
    rows: list[Row]
    skipped: list[tuple[int, str]]  # (row index, why)
    errors: list[tuple[str, str]]  # (cell reference, message)


def _values(row: list[Cell], columns: Columns, exclude: set[str]) -> dict[str, tuple[int, Cell]]:
    out = {}
    for c, name in columns.fields.items():
        if name in exclude or c >= len(row):
            continue
        out[name] = (c, row[c])
    return out


def _strip(pattern: re.Pattern, text: str) -> str:
    stripped = pattern.sub("", text, count=1).strip()
    return stripped or text.strip()


def rows_of(sheet: Sheet, columns: Columns) -> Layout:
    """The objectives and key results a sheet holds, in order (see the module's text)."""
    o_col, k_col = columns.index("objective"), columns.index("key_result")
    t_col = columns.index("okr")
    skipped: list[tuple[int, str]] = []
    errors: list[tuple[str, str]] = []
    out: list[Row] = []
    body = list(enumerate(sheet.rows))[columns.header_row + 1 :]

    def blank(cells: list[Cell]) -> bool:
        return all(c.empty for c in cells)

    def total(text: str) -> bool:
        return normalise(text) in _TOTALS or normalise(text).startswith(("total ", "moyenne "))

    if k_col is not None and (o_col is not None or t_col is not None):
        o_col = o_col if o_col is not None else t_col
        current: Row | None = None
        for r, cells in body:
            if blank(cells):
                skipped.append((r, N_("blank row")))
                continue
            o_text = cells[o_col].text if o_col < len(cells) else ""
            k_text = cells[k_col].text if k_col < len(cells) else ""
            if total(o_text) or (not o_text and total(k_text)):
                skipped.append((r, N_("a total row")))
                continue
            if o_text and (current is None or normalise(o_text) != normalise(current.title)):
                current = Row(r, "objective", _strip(_O_MARK, o_text), o_col,
                              cells=_values(cells, columns, {"objective", "key_result", "okr"}))  # fmt: skip
                out.append(current)
            if not k_text:
                continue
            if current is None:
                errors.append((ref(sheet.name, r, k_col), N_("a key result without an objective")))
                continue
            out.append(Row(r, "key_result", _strip(_KR_MARK, k_text), k_col, current.title,
                           current.index,
                           _values(cells, columns, {"objective", "key_result", "okr"})))  # fmt: skip
        return Layout("rows", out, skipped, errors)

    col = t_col if t_col is not None else (o_col if o_col is not None else k_col)
    lines = []
    for r, cells in body:
        if blank(cells):
            skipped.append((r, N_("blank row")))
            continue
        text_cell = cells[col] if col < len(cells) else Cell()
        if text_cell.empty:
            skipped.append((r, N_("no title in this row")))
            continue
        if total(text_cell.text):
            skipped.append((r, N_("a total row")))
            continue
        lines.append((r, cells, text_cell))
    marked = any(c.indent > 0 or _KR_MARK.match(c.text) for _, _, c in lines)
    target = columns.index("target")

    def is_kr(cells: list[Cell], cell: Cell) -> bool:
        if marked:
            return cell.indent > 0 or bool(_KR_MARK.match(cell.text))
        return target is not None and target < len(cells) and not cells[target].empty

    current = None
    for r, cells, cell in lines:
        values = _values(cells, columns, {"objective", "key_result", "okr"})
        if is_kr(cells, cell):
            if current is None:
                errors.append((ref(sheet.name, r, col), N_("a key result without an objective")))
                continue
            out.append(Row(r, "key_result", _strip(_KR_MARK, cell.text), col, current.title,
                           current.index, values))  # fmt: skip
        else:
            current = Row(r, "objective", _strip(_O_MARK, cell.text), col, cells=values)
            out.append(current)
    return Layout("outline", out, skipped, errors)
