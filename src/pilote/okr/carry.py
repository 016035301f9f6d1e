"""Closing the loop of a cycle: each objective's decision, and carrying over what continues
(PRODUCT.md "Next capabilities: the cycle's loop"; issue 14).

- A **decision** per objective: ``keep`` (continue next cycle as it is), ``change``
  (continue, edited), ``defer`` (not now: it leaves the roll-up, kept for a later cycle) or
  ``drop`` (stopped: it leaves the roll-up, and says why). Drop and defer are workflow
  statuses of their own; keep and change leave the objective's status as it was.
- **Carry-over** makes the next cycle's objectives from the closed ones decided keep or
  change: same title, level, unit, owner and way of counting; each KR with its **new
  baseline = its last measured value** (increase and decrease KRs; maintain, boolean and
  milestone KRs restart as they were defined), the target kept unless a new one is given;
  each alignment re-pointed to the parent's carried objective where the parent is carried
  too, kept where the parent still lives in the next cycle, left out otherwise (said in
  ``unaligned``). Every carried objective and KR points to the one it came from.

Pure: values in, values out (``goals/carrying.py`` reads and writes the rows).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from pilote.messages import say

from .progress import definition_errors
from .text import N_
from .types import METRIC_KINDS, KeyResultFacts, Kind


class Decision(StrEnum):
    KEEP = "keep"
    CHANGE = "change"
    DEFER = "defer"
    DROP = "drop"


CARRIED = frozenset({Decision.KEEP, Decision.CHANGE})
# The workflow status a decision gives an objective (None: its status stays as it was).
DECISION_STATUS = {Decision.DEFER: "deferred", Decision.DROP: "dropped"}
RETROSPECTIVE_FIELDS = ("what_worked", "what_did_not", "learnt")
RETROSPECTIVE_MAX = 5000


@dataclass(frozen=True)
class KRToCarry:
    key: str
    kind: str
    baseline: float | None
    target: float | None
    minimum: float | None = None
    maximum: float | None = None
    milestones: int = 0
    last_value: float | None = None  # its last measured value (None: never measured)


@dataclass(frozen=True)
class ToCarry:
    key: str
    decision: str
    parents: tuple[str, ...] = ()  # the keys of the objectives it aligns to
    key_results: tuple[KRToCarry, ...] = ()


@dataclass(frozen=True)
class CarriedKR:
    came_from: str
    key: str
    baseline: float | None
    target: float | None


@dataclass(frozen=True)
class Carried:
    came_from: str
    key: str
    aligns_to: tuple[str, ...]
    key_results: tuple[CarriedKR, ...]
    unaligned: tuple[str, ...] = field(default=())  # parents it no longer aligns to


def later_cycle(start: date, end: date, to_start: date, to_end: date) -> bool:
    """Whether objectives of the cycle ``start``–``end`` may continue in ``to_start``–
    ``to_end``: it starts and ends after it (a semester holding the quarter does not)."""
    return to_start > start and to_end > end


def decided_status(decision: str, status: str, before: str) -> tuple[str, str]:
    """(workflow status, status to give back later) after ``decision`` on an objective that
    is ``status``, having been ``before`` until a defer or drop (empty: none): defer and
    drop set their status and remember the one they replaced; keep and change give back
    the remembered one (a draft when none was remembered)."""
    decided = DECISION_STATUS.get(Decision(decision))
    held = set(DECISION_STATUS.values())
    if decided is not None:
        return decided, before if status in held else status
    if status in held:
        return before or "draft", ""
    return status, before


def retrospective_errors(values: dict) -> list[tuple[str, str]]:
    errors = []
    for name in RETROSPECTIVE_FIELDS:
        text = values.get(name) or ""
        if not isinstance(text, str):
            errors.append((name, N_("must be a text")))
        elif len(text) > RETROSPECTIVE_MAX:
            errors.append((name, say("at_most_characters", limit=RETROSPECTIVE_MAX)))
    return errors


def new_key(key: str, cycle_key: str, taken: set[str]) -> str:
    """``{key}-{cycle}``, at most 100 characters, unique among ``taken`` (then -2, -3…)."""
    base = f"{key}-{cycle_key}"[:100].rstrip("-")
    candidate, n = base, 2
    while candidate in taken:
        suffix = f"-{n}"
        candidate, n = base[: 100 - len(suffix)] + suffix, n + 1
    return candidate


def new_baseline(kr: KRToCarry) -> float | None:
    """Where a carried KR starts: its last measured value (a metric KR), else as it was."""
    if Kind(kr.kind) in METRIC_KINDS and kr.last_value is not None:
        return kr.last_value
    return kr.baseline


def carry_plan(
    objectives: Iterable[ToCarry],
    cycle_key: str,
    *,
    taken: Iterable[str] = (),
    parents_kept: dict[str, str] | None = None,
    targets: dict[str, float] | None = None,
) -> tuple[list[Carried], list[tuple[str, str]]]:
    """The objectives and KRs to create in the cycle ``cycle_key`` from ``objectives``
    (those decided keep or change), and what is wrong (path, message) — nothing is to be
    created while anything is.

    ``taken``: the keys already used (objectives and KRs of the organisation);
    ``parents_kept``: parents outside ``objectives`` that the carried ones may still align
    to, old key → the key to align to (a parent carried earlier: its carried objective; a
    parent of a cycle that holds the next one: itself); ``targets``: new targets by KR key.
    """
    todo = [o for o in objectives if o.decision in CARRIED]
    parents_kept = dict(parents_kept or {})
    targets = dict(targets or {})
    used = set(taken)
    errors: list[tuple[str, str]] = []
    keys: dict[str, str] = {}
    for o in todo:
        keys[o.key] = new_key(o.key, cycle_key, used)
        used.add(keys[o.key])
    out = []
    for o in todo:
        aligns, unaligned = [], []
        for p in o.parents:
            where = keys.get(p) or parents_kept.get(p)
            (aligns if where else unaligned).append(where or p)
        krs = []
        for kr in o.key_results:
            baseline, target = new_baseline(kr), targets.get(kr.key, kr.target)
            facts = KeyResultFacts(
                kind=Kind(kr.kind), baseline=baseline, target=target, minimum=kr.minimum,
                maximum=kr.maximum, milestones=kr.milestones,
            )  # fmt: skip
            for name, _message in definition_errors(facts):
                if name == "target" and baseline != kr.baseline:
                    message = say("carry_target_reached", value=baseline, target=target)
                else:
                    message = _message
                errors.append((f"key_results.{kr.key}.{name}", message))
            kr_key = new_key(kr.key, cycle_key, used)
            used.add(kr_key)
            krs.append(CarriedKR(kr.key, kr_key, baseline, target))
        out.append(Carried(o.key, keys[o.key], tuple(aligns), tuple(krs), tuple(unaligned)))
    return out, errors
