"""Issue 12's table from a folder of `pilote bench run --out` JSON (the HTTP runner's).

    python benchmarks/summarize.py benchmarks/results/stored

prints a Markdown table: each row the runner measures, then its median on each database
and size, its ratio to that run's floor, and the target it has there (met ✅, missed ❌),
then the bulk rate and the app processes' memory. Nothing is typed by hand: the figures come from the JSON files. (The
runs of 2026-11-26 in raw/ came from the earlier in-process runner; their table is in
2026-11-26-scale.md.)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def load(folder: Path) -> dict[tuple[str, int], dict]:
    return {
        (r["database"], r["counts"]["people"]): r
        for r in (json.loads(p.read_text()) for p in sorted(folder.glob("*.json")))
    }


def main(folder: str) -> str:
    runs = load(Path(folder))
    columns = sorted(runs, key=lambda k: (k[0], k[1]))
    names: list[str] = []
    for key in columns:
        for t in runs[key]["timings"]:
            if t["name"] not in names:
                names.append(t["name"])
    head = "| row (median ms; target) | " + " | ".join(f"{db} {n:,}" for db, n in columns) + " |"
    lines = [head, "|---|" + "---:|" * len(columns)]
    floors = [f"{runs[k]['floor_ms']:.1f}" for k in columns]
    lines.append("| floor: `GET /healthz` | " + " | ".join(floors) + " |")
    for name in names:
        cells = []
        for key in columns:
            t = next((t for t in runs[key]["timings"] if t["name"] == name), None)
            if t is None:
                cells.append("")
                continue
            mark = "" if t.get("met") is None else (" ✅" if t["met"] else " ❌")
            target = f" (< {t['target']:g})" if t.get("target") else ""
            ratio = f" ×{t['floor_ratio']:.1f}" if t.get("floor_ratio") else ""
            cells.append(f"{t['median_ms']:,.1f}{ratio}{mark}{target}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    rates = []
    for key in columns:
        rate = runs[key].get("bulk_per_second")
        rates.append("" if rate is None else f"{rate:,.0f}/s {'✅' if rate >= 10_000 else '❌'}")
    lines.append("| bulk ingest rate (≥ 10,000/s) | " + " | ".join(rates) + " |")
    pages = []
    for db, n in columns:
        mb = runs[(db, n)].get("memory_pages_mb")
        limit = 300 if n > 30_000 else 200
        pages.append("" if mb is None else f"{mb:.0f} {'✅' if mb < limit else '❌'}")
    if any(pages):
        lines.append(
            "| memory of a process after every page and paged read, MB (< 200; < 300 at "
            "100,000) | " + " | ".join(pages) + " |"
        )
    memory = []
    for db, n in columns:
        mb = runs[(db, n)].get("memory_mb") or []
        limit = 300 if n > 30_000 else 200
        memory.append(
            " / ".join(f"{m:.0f}" for m in mb) + (f" {'✅' if mb and max(mb) < limit else '❌'}")
        )
    lines.append("| memory per app process at the end (A / B), MB | " + " | ".join(memory) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(main(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/results/stored"))
