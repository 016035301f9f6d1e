"""CSV: a file on the server or a URL; one column; an aggregation (last, sum, average…)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.utils import timezone

from .. import net
from .base import Param, Reading, SourceConfig, SourceError, register, to_number

AGGREGATIONS = ("last", "first", "sum", "average", "min", "max", "count")


class Csv:
    name = "csv"
    label = "CSV file"
    parameters = (
        Param("location", "a file path on the server, or an http(s):// URL"),
        Param("column", "the column's name in the header row"),
        Param("aggregation", f"one of {', '.join(AGGREGATIONS)} (default last)", required=False),
        Param("delimiter", "the separator (default: detected among , ; tab)", required=False),
        Param("timeout", "seconds to wait for a URL (default 10)", required=False),
    )

    def fetch(self, config: SourceConfig) -> Reading:
        p = config.params
        location = str(p["location"])
        if location.startswith(("http://", "https://")):
            data = net.get(location, None, p.get("timeout"), config.allow_private)
        else:
            try:
                data = Path(location).read_bytes()
            except OSError as exc:
                raise SourceError(f"cannot read {location}: {exc.strerror}") from None
        fetched_at = timezone.now()
        text = data.decode("utf-8-sig", errors="replace")
        delimiter = p.get("delimiter") or _sniff(text)
        rows = list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
        column = p["column"]
        if rows and column not in rows[0]:
            raise SourceError(f"no column {column!r}; the columns are {', '.join(rows[0])}")
        aggregation = p.get("aggregation") or "last"
        if aggregation not in AGGREGATIONS:
            raise SourceError(f"aggregation must be one of {', '.join(AGGREGATIONS)}")
        cells = [r[column] for r in rows if (r.get(column) or "").strip()]
        if aggregation == "count":
            return Reading(float(len(cells)), f"{len(cells)} rows", fetched_at)
        if not cells:
            raise SourceError(f"the column {column!r} has no value")
        numbers = [to_number(c, f"cell {c!r} of column {column!r}") for c in cells]
        value = {
            "last": lambda: numbers[-1],
            "first": lambda: numbers[0],
            "sum": lambda: sum(numbers),
            "average": lambda: sum(numbers) / len(numbers),
            "min": lambda: min(numbers),
            "max": lambda: max(numbers),
        }[aggregation]()
        raw = cells[-1] if aggregation == "last" else f"{aggregation} of {len(cells)} values"
        return Reading(value, raw, fetched_at)


def _sniff(text: str) -> str:
    head = text.splitlines()[0] if text else ""
    return max((",", ";", "\t"), key=head.count)


register(Csv())
