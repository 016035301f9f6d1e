"""The targets of the scale issue against the runs in a folder of `pilote bench run --out` JSON.

    python benchmarks/summarize.py benchmarks/results/raw

prints a Markdown table: each target, then the median measured on each database and size,
and whether it is met. Nothing is typed by hand: the figures come from the JSON files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# (target, scenario name, limit in ms, sizes it applies to (None: all))
TARGETS = [
    ("a unit's subtree < 30 ms, every N", "one unit's subtree (API)", 30, None),
    ("… the first read after a check-in", "one unit's subtree, after a check-in", 30, None),
    ("whole tree < 300 ms at 10,000", "strategy tree of the cycle (API)", 300, {10_000}),
    ("… the first read after a check-in", "strategy tree, after a check-in", 300, {10_000}),
    ("whole tree < 3 s at 100,000", "strategy tree of the cycle (API)", 3000, {100_000}),
    ("… the first read after a check-in", "strategy tree, after a check-in", 3000, {100_000}),
    ("… the first read of a process (cold)", "strategy tree, cache cold", 3000, {100_000}),
    ("cockpit < 50 ms at 100,000", "cockpit page", 50, {100_000}),
    ("… the first read after a check-in", "cockpit page, after a check-in", 50, {100_000}),
    ("objective page < 50 ms at 100,000", "objective page", 50, {100_000}),
    ("one check-in < 20 ms with roll-up", "one check-in (API)", 20, None),
    (
        "… and its roll-up read at the top",
        "one check-in + its roll-up read at the top (API)",
        20,
        None,
    ),
    ("bulk ≥ 10,000 check-ins/s (1,000 in ≤ 100 ms)", "bulk: 1,000 check-ins (API)", 100, None),
]


def load(folder: Path) -> dict[tuple[str, int], dict]:
    runs = {}
    for path in sorted(folder.glob("*.json")):
        report = json.loads(path.read_text())
        size = report["counts"]["people"]
        runs[(report["database"], size)] = {t["name"]: t for t in report["timings"]}
    return runs


def main(folder: str) -> str:
    runs = load(Path(folder))
    columns = sorted(runs, key=lambda k: (k[0], k[1]))
    head = "| target | " + " | ".join(f"{db} {n:,}" for db, n in columns) + " |"
    lines = [head, "|---|" + "---:|" * len(columns)]
    for label, scenario, limit, sizes in TARGETS:
        cells = []
        for db, n in columns:
            t = runs[(db, n)].get(scenario)
            if (sizes is not None and n not in sizes) or t is None:
                cells.append("")
                continue
            ms = t["median_ms"]
            cells.append(f"{ms:,.1f} {'✅' if ms <= limit else '❌'}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(main(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/results/raw"))
