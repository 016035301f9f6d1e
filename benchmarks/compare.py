"""Two folders of `pilote bench run --out` JSON side by side, as ratios to each run's floor.

    python benchmarks/compare.py benchmarks/results/stored benchmarks/results/paged-roadmap

Runs on a shared machine differ in speed from one hour to the next (the `/healthz` floor
moved from 3.9 to 13 ms between two sessions here); the ratio of a row to its own run's
floor is what compares across them. Prints, for each size and database in both folders,
each row's × floor before and after, and the change.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _runs(folder: str) -> dict[tuple[str, int], dict]:
    return {
        (r["database"], r["counts"]["people"]): r
        for r in (json.loads(p.read_text()) for p in sorted(Path(folder).glob("*.json")))
    }


def main(before: str, after: str) -> str:
    old, new = _runs(before), _runs(after)
    out = []
    for key in sorted(set(old) & set(new)):
        a, b = old[key], new[key]
        out.append(f"\n**{key[0]}, {key[1]:,} people** — floor {a['floor_ms']:.1f} ms → "
                   f"{b['floor_ms']:.1f} ms\n")  # fmt: skip
        out.append("| row | × floor before | × floor now | change |")
        out.append("|---|---:|---:|---:|")
        ratios = {t["name"]: t["floor_ratio"] for t in a["timings"]}
        for t in b["timings"]:
            if t["name"] in ratios and ratios[t["name"]]:
                was, now = ratios[t["name"]], t["floor_ratio"]
                out.append(f"| {t['name']} | {was:.1f} | {now:.1f} | ×{was / now:.1f} faster |"
                           if now < was else f"| {t['name']} | {was:.1f} | {now:.1f} | "
                           f"×{now / was:.1f} slower |")  # fmt: skip
        mem_a, mem_b = a.get("memory_mb") or [], b.get("memory_mb") or []
        if mem_a and mem_b:
            out.append(f"| memory per app process, MB | {' / '.join(f'{m:.0f}' for m in mem_a)} "
                       f"| {' / '.join(f'{m:.0f}' for m in mem_b)} | |")  # fmt: skip
    return "\n".join(out)


if __name__ == "__main__":
    print(main(*sys.argv[1:3]))
