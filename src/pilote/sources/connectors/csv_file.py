"""CSV: a file on the server or a URL; one column; an aggregation (last, sum, average…).

A file on the server is read only under ``PILOTE_SOURCE_DIRS`` (``reach.read_local``),
and only admins set such a source up (``orgs.access.can_manage_source``). Errors name
rows and columns, never the cells' content.
"""

from __future__ import annotations

import csv
import io
import time

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pilote.messages import say

from .. import net, reach
from .base import Param, Reading, SourceConfig, SourceError, register, to_number

AGGREGATIONS = ("last", "first", "sum", "average", "min", "max", "count")


class Csv:
    name = "csv"
    label = _("CSV file")
    parameters = (
        Param(
            "location",
            _("a file path on the server, or an http(s):// address"),
            label=_("File or address"),
        ),
        Param("column", _("the column's name in the header row"), label=_("Column")),
        Param(
            "aggregation",
            _("how the column's values make one number (default: the last)"),
            required=False,
            label=_("Aggregation"),
            choices=tuple(AGGREGATIONS),
        ),
        Param(
            "delimiter",
            _("the separator (default: detected among , ; tab)"),
            required=False,
            label=_("Separator"),
        ),
        Param(
            "timeout",
            _("seconds to wait for an address (default 10)"),
            required=False,
            label=_("Time limit (seconds)"),
            number=True,
        ),
    )

    def fetch(self, config: SourceConfig) -> Reading:
        p = config.params
        location = str(p["location"])
        if is_url(location):
            data = net.get(location, None, p.get("timeout"), config.allow_private)
        else:
            data = reach.read_local(location)
        fetched_at = timezone.now()
        aggregation = p.get("aggregation") or "last"
        if aggregation not in AGGREGATIONS:
            raise SourceError(
                say("param_one_of", label=say("label_aggregation"), values=", ".join(AGGREGATIONS))
            )
        column = p["column"]
        cells = _column(data, column, p.get("delimiter"))
        if aggregation == "count":
            return Reading(float(len(cells)), f"{len(cells)} rows", fetched_at)
        if not cells:
            raise SourceError(say("no_value_in_column", column=column))
        numbers = [to_number(c, say("value_of_column", column=column, row=n)) for n, c in cells]
        value = {
            "last": lambda: numbers[-1],
            "first": lambda: numbers[0],
            "sum": lambda: sum(numbers),
            "average": lambda: sum(numbers) / len(numbers),
            "min": lambda: min(numbers),
            "max": lambda: max(numbers),
        }[aggregation]()
        raw = cells[-1][1] if aggregation == "last" else f"{aggregation} of {len(cells)} values"
        return Reading(value, raw, fetched_at)


def is_url(location: str) -> bool:
    return str(location).startswith(("http://", "https://"))


def _column(data: bytes, column: str, delimiter: str | None) -> list[tuple[int, str]]:
    """(row number, cell) of the column's non-empty cells, within the row and time limits."""
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter or _sniff(text))
    if reader.fieldnames is None:
        return []
    if column not in reader.fieldnames:
        raise SourceError(say("no_column", column=column, n=len(reader.fieldnames)))
    deadline = time.monotonic() + 10
    cells = []
    try:
        for n, row in enumerate(reader, start=2):
            if n > reach.MAX_ROWS + 1:
                raise SourceError(say("too_many_rows", n=reach.MAX_ROWS))
            if n % 10_000 == 0 and time.monotonic() > deadline:
                raise SourceError(say("file_too_slow", seconds=10))
            cell = row.get(column) or ""
            if cell.strip():
                cells.append((n, cell))
    except csv.Error as exc:
        raise SourceError(say("not_csv", line=reader.line_num)) from exc
    return cells


def _sniff(text: str) -> str:
    head = text.splitlines()[0] if text else ""
    return max((",", ";", "\t"), key=head.count)


register(Csv())
