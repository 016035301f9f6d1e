"""KR definition checks and KR progress (PRODUCT.md "KR kinds", "KR progress")."""

from __future__ import annotations

from collections.abc import Sequence

from .explain import Explanation, Term
from .text import N_, one_of
from .types import METRIC_KINDS, KeyResultFacts, Kind, Reading


def infer_kind(baseline: float | None, target: float | None) -> Kind | None:
    """The kind that follows from baseline and target, when ``kind`` is omitted."""
    if baseline is None or target is None or baseline == target:
        return None
    return Kind.INCREASE if target > baseline else Kind.DECREASE


def resolve_kind(
    kind: str | None, baseline: float | None, target: float | None
) -> tuple[Kind | None, list[tuple[str, str]]]:
    """The KR's kind, given or inferred from baseline and target, or the errors saying why not."""
    if kind:
        if kind not in Kind._value2member_map_:
            return None, [("kind", one_of(k.value for k in Kind))]
        return Kind(kind), []
    inferred = infer_kind(baseline, target)
    if inferred is not None:
        return inferred, []
    if baseline is not None and target is not None:
        return None, [("target", N_("must differ from baseline"))]
    return None, [
        ("kind", N_("is required unless baseline and target differ (then it follows from them)"))
    ]


def definition_errors(facts: KeyResultFacts) -> list[tuple[str, str]]:
    """What is wrong with a KR definition, as (field, message) pairs. Empty when valid."""
    errors: list[tuple[str, str]] = []
    kind = facts.kind
    if kind in METRIC_KINDS:
        if facts.baseline is None:
            errors.append(("baseline", N_("is required for an increase or decrease key result")))
        if facts.target is None:
            errors.append(("target", N_("is required for an increase or decrease key result")))
        if facts.baseline is not None and facts.target is not None:
            if facts.target == facts.baseline:
                errors.append(("target", N_("must differ from baseline")))
            elif kind == Kind.INCREASE and facts.target < facts.baseline:
                errors.append(("target", N_("must be above baseline for an increase key result")))
            elif kind == Kind.DECREASE and facts.target > facts.baseline:
                errors.append(("target", N_("must be below baseline for a decrease key result")))
    elif kind == Kind.MILESTONE:
        if facts.milestones < 1:
            errors.append(("milestones", N_("a milestone key result needs at least one milestone")))
    elif kind == Kind.MAINTAIN:
        if facts.minimum is None and facts.maximum is None:
            errors.append(("min", N_("a maintain key result needs min, max or both")))
        elif (
            facts.minimum is not None
            and facts.maximum is not None
            and facts.minimum > facts.maximum
        ):
            errors.append(("max", N_("must be at least min")))
    return errors


def value_errors(facts: KeyResultFacts, value: float) -> list[str]:
    """What is wrong with a check-in value for this KR."""
    if facts.kind == Kind.BOOLEAN and value not in (0, 1):
        return ["a boolean key result takes 1 (done) or 0 (not done)"]
    if facts.kind == Kind.MILESTONE:
        if value != int(value) or not 0 <= value <= facts.milestones:
            return [
                f"a milestone check-in is the number of milestones done, 0 to {facts.milestones}"
            ]
    return []


def current_reading(readings: Sequence[Reading]) -> Reading | None:
    """The latest check-in by effective date; ties go to the latest recorded."""
    if not readings:
        return None
    return max(readings, key=lambda r: (r.effective, r.sequence))


def inside_bounds(facts: KeyResultFacts, value: float) -> bool:
    if facts.minimum is not None and value < facts.minimum:
        return False
    if facts.maximum is not None and value > facts.maximum:
        return False
    return True


def _clamp(x: float) -> float:
    return 0.0 if x < 0 else 1.0 if x > 1 else x


def progress_of_value(facts: KeyResultFacts, value: float) -> float:
    """Progress (0..1) a KR would have at ``value``."""
    kind = facts.kind
    if kind in METRIC_KINDS:
        assert facts.baseline is not None and facts.target is not None
        return _clamp((value - facts.baseline) / (facts.target - facts.baseline))
    if kind == Kind.BOOLEAN:
        return 1.0 if value >= 1 else 0.0
    if kind == Kind.MILESTONE:
        return _clamp(value / facts.milestones) if facts.milestones else 0.0
    return 1.0 if inside_bounds(facts, value) else 0.0


def kr_progress(facts: KeyResultFacts, current: float | None) -> float | None:
    """KR progress in 0..1, or None ("no data") when there is no check-in."""
    if current is None:
        return None
    return progress_of_value(facts, current)


def explain_kr_progress(facts: KeyResultFacts, current: float | None) -> Explanation:
    value = kr_progress(facts, current)
    kind = facts.kind
    if current is None:
        return Explanation(
            "progress",
            None,
            "no check-in yet: no data",
            notes=("No data is never shown as 0 or green.",),
            code="no_check_in",
        )
    if kind in METRIC_KINDS:
        formula = f"clamp(({current:g} − {facts.baseline:g}) ÷ ({facts.target:g} − {facts.baseline:g}), 0, 1)"
        terms = (
            Term("current", current),
            Term("baseline", facts.baseline),
            Term("target", facts.target),
        )
        code = "metric"
        params = {"current": current, "baseline": facts.baseline, "target": facts.target}
    elif kind == Kind.BOOLEAN:
        formula = "done = 1, not done = 0"
        terms = (Term("current", current),)
        code, params = "boolean", {"current": current}
    elif kind == Kind.MILESTONE:
        formula = f"{current:g} milestones done ÷ {facts.milestones} milestones"
        terms = (Term("done", current), Term("total", float(facts.milestones)))
        code, params = "milestones", {"done": current, "total": facts.milestones}
    else:
        formula = "1 if the current value is inside the bounds, else 0"
        terms = (Term("current", current), Term("min", facts.minimum), Term("max", facts.maximum))
        code = "bounds"
        params = {"current": current, "minimum": facts.minimum, "maximum": facts.maximum}
    return Explanation(
        "progress", value, formula, terms, code=code, params={**params, "value": value}
    )
