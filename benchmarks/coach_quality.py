"""The quality coach against the labelled sets (tests/okr/coach_examples.py): precision and
recall per rule — the wording rules on 64 titles, the structural rules on small documents.
Run: .venv/bin/python benchmarks/coach_quality.py"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datetime import date  # noqa: E402

from tests.okr.coach_examples import EXAMPLES, STRUCTURE, STRUCTURE_TODAY  # noqa: E402

from pilote.okr.coach import CoachPolicy, check, check_objective  # noqa: E402

RULES = ("output-not-outcome", "activity-count", "not-measurable")


def found(language: str, what: str, title: str) -> set[str]:
    if what == "objective":
        obj = {"title": title, "owner": "x", "key_results": [{"kind": "increase", "baseline": 0,
               "target": 1, "title": "x"}] * 2}  # fmt: skip
        findings = check_objective(obj, "o", CoachPolicy(), language)
    else:
        obj = {
            "title": "x",
            "owner": "x",
            "key_results": [{"title": title}, {"title": "Passer de 1 à 2"}],
        }
        findings = [f for f in check_objective(obj, "o", CoachPolicy(), language)
                    if f.path.startswith("o.key_results[0]")]  # fmt: skip
    return {f.rule for f in findings if f.rule in RULES}


def scores() -> dict[str, tuple[float, float, int, int, int]]:
    out = {}
    for rule in RULES:
        tp = fp = fn = 0
        for language, what, title, expected in EXAMPLES:
            got = rule in found(language, what, title)
            want = rule in expected
            tp += got and want
            fp += got and not want
            fn += want and not got
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        out[rule] = (precision, recall, tp, fp, fn)
    return out


STRUCTURAL = ("no-owner", "krs-per-objective", "plan-not-proof", "unaligned",
              "objectives-per-unit", "near-duplicate", "sandbagging")  # fmt: skip


def structure_scores() -> dict[str, tuple[float, float, int, int, int]]:
    today = date.fromisoformat(STRUCTURE_TODAY)
    counts = {rule: [0, 0, 0] for rule in STRUCTURAL}
    for _language, document, expected in STRUCTURE:
        got = {(f.path, f.rule) for f in check(document, CoachPolicy(), today)
               if f.rule in STRUCTURAL}  # fmt: skip
        for rule in STRUCTURAL:
            mine = {x for x in got if x[1] == rule}
            want = {x for x in expected if x[1] == rule}
            counts[rule][0] += len(mine & want)
            counts[rule][1] += len(mine - want)
            counts[rule][2] += len(want - mine)
    out = {}
    for rule, (tp, fp, fn) in counts.items():
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        out[rule] = (precision, recall, tp, fp, fn)
    return out


if __name__ == "__main__":
    print(f"{len(EXAMPLES)} examples ({sum(e[0] == 'fr' for e in EXAMPLES)} French)")
    for rule, (p, r, tp, fp, fn) in scores().items():
        print(f"{rule:20} precision {p:.2f}  recall {r:.2f}  (tp {tp}, fp {fp}, fn {fn})")
    print(f"{len(STRUCTURE)} documents ({sum(e[0] == 'fr' for e in STRUCTURE)} French)")
    for rule, (p, r, tp, fp, fn) in structure_scores().items():
        print(f"{rule:20} precision {p:.2f}  recall {r:.2f}  (tp {tp}, fp {fp}, fn {fn})")
