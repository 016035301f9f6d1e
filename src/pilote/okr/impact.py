"""Roadmap by impact: an initiative's priority score and the review of its measured effect.

Pure functions (no Django). docs/roadmap.md explains them with a worked example.

Priority score (the default method, "impact"):

    score = calibration × confidence ÷ effort × Σ over declared impacts of
            (expected ÷ (target − baseline))      the change, in shares of the KR's range
            × KR weight ÷ Σ KR weights of its objective   the KR's share of its objective
            × contribution of the objective to the strategy

where the contribution of a strategic objective is 1 and that of another objective is
Σ over its parents of (link weight ÷ Σ link weights of that parent's children) × the
parent's contribution. Unaligned objectives contribute 0: work on them moves no strategy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from .explain import Explanation, Term, coded
from .types import Reading

# How much a team's history may move its scores: a factor outside this range says more about
# a small sample than about the team.
CALIBRATION_RANGE = (0.25, 1.5)
MIN_REVIEWS_FOR_UNIT = 3


class DeclaredImpact(NamedTuple):
    """A bet's declared change on one KR. (Plain tuples, as ``Bet``: a roadmap builds one per
    impact of every initiative, 20,000 at 100,000 people, and a frozen dataclass's
    ``__init__`` costs several times a tuple's.)"""

    key_result: str
    expected: float  # in the KR's own unit
    kr_range: float  # target − baseline (signed); 0 or None when the KR has no range
    kr_share: float  # KR weight ÷ Σ KR weights of its objective
    contribution: float  # the objective's contribution up to the strategic level


class Bet(NamedTuple):
    """What the score needs to know about an initiative."""

    impacts: tuple[DeclaredImpact, ...] = ()
    confidence: float | None = None
    effort: float | None = None
    reach: float | None = None
    rice_impact: float | None = None
    value: float | None = None


@dataclass(frozen=True)
class Score:
    value: float | None
    explanation: Explanation
    missing: tuple[str, ...] = field(default_factory=tuple)


def contribution(
    parents: dict[str, list[tuple[str, float]]],
    children_weights: dict[str, float],
    strategic: set[str],
    objective: str,
    _seen: frozenset[str] = frozenset(),
) -> float:
    """How much of the strategy an objective carries: 1 for a strategic objective, else
    Σ (link weight ÷ Σ child link weights of the parent) × the parent's contribution."""
    if objective in strategic:
        return 1.0
    total = 0.0
    for parent, weight in parents.get(objective, []):
        if parent in _seen or children_weights.get(parent, 0) <= 0:
            continue
        share = weight / children_weights[parent]
        total += share * contribution(
            parents, children_weights, strategic, parent, _seen | {objective}
        )
    return total


def normalised_change(impact: DeclaredImpact) -> float | None:
    """The declared change in shares of the KR's range; a decrease KR's drop counts as positive."""
    if not impact.kr_range:
        return None
    return impact.expected / impact.kr_range


def _impact_total(bet: Bet) -> float:
    """Σ change × KR share × contribution over the impacts with a range, in their order."""
    total = 0.0
    for imp in bet.impacts:
        change = normalised_change(imp)
        if change is not None:
            total += change * imp.kr_share * imp.contribution
    return total


def priority_value(bet: Bet, method: str = "impact", calibration: float = 1.0) -> float | None:
    """``priority_score(...).value`` without its explanation (a board ranks every initiative
    and explains the few it shows: the explanations' texts were a third of its page at
    10,000 initiatives)."""
    if method == "rice":
        return _ratio_value(bet, (bet.reach, bet.rice_impact, bet.confidence))
    if method == "value_effort":
        return _ratio_value(bet, (bet.value,))
    if bet.effort is None or bet.confidence is None or bet.effort <= 0:
        return None
    return calibration * bet.confidence * _impact_total(bet) / bet.effort


def _ratio_value(bet: Bet, factors: tuple[float | None, ...]) -> float | None:
    if any(v is None for v in factors) or bet.effort is None or bet.effort <= 0:
        return None
    return math.prod(factors) / bet.effort  # type: ignore[arg-type]


def priority_score(bet: Bet, method: str = "impact", calibration: float = 1.0) -> Score:
    """The initiative's priority under the organisation's method, with its explanation."""
    if method == "rice":
        return _ratio_score(
            bet,
            "RICE = reach × impact × confidence ÷ effort",
            [("reach", bet.reach), ("impact", bet.rice_impact), ("confidence", bet.confidence)],
        )
    if method == "value_effort":
        return _ratio_score(bet, "value ÷ effort", [("value", bet.value)])
    missing = tuple(
        n for n, v in (("effort", bet.effort), ("confidence", bet.confidence)) if v is None
    )
    terms = []
    for imp in bet.impacts:
        change = normalised_change(imp)
        if change is None:
            terms.append(
                Term(
                    f"key result {imp.key_result}",
                    None,
                    0.0,
                    "no range (target = baseline): not counted",
                    code="no_range",
                    params={"key_result": imp.key_result},
                )
            )
            continue
        part = change * imp.kr_share * imp.contribution
        terms.append(
            Term(
                f"key result {imp.key_result}",
                part,
                1.0,
                f"change {change:.3f} of its range × KR share {imp.kr_share:.2f} × strategic contribution {imp.contribution:.2f}",
                code="impact_term",
                params={
                    "key_result": imp.key_result,
                    "change": change,
                    "kr_share": imp.kr_share,
                    "contribution": imp.contribution,
                    "part": part,
                },
            )  # fmt: skip
        )
    notes = [coded("calibration", f"calibration × {calibration:.2f} (the history of delivered bets)",
                   factor=calibration)]  # fmt: skip
    if not bet.impacts:
        notes.append(coded("no_impact", "declares no impact: unaligned work scores 0"))
    if missing or (bet.effort is not None and bet.effort <= 0):
        notes.append(
            coded("needs", "needs " + " and ".join(missing or ("an effort above 0",)) + " to be scored",
                  missing=list(missing) or ["effort"])
        )  # fmt: skip
        return Score(
            None,
            Explanation("score", None, "impact score", tuple(terms), tuple(str(n) for n in notes),
                        code="impact_unscored", note_codes=tuple(n.code for n in notes),
                        note_params=tuple(n.params for n in notes)),
            missing or ("effort",),
        )  # fmt: skip
    total = _impact_total(bet)
    value = priority_value(bet, "impact", calibration)
    formula = f"{calibration:.2f} × {bet.confidence:g} × {total:.4f} ÷ {bet.effort:g} = {value:.4f}"
    return Score(
        value,
        Explanation("score", value, formula, tuple(terms), tuple(str(n) for n in notes),
                    code="impact",
                    params={"calibration": calibration, "confidence": bet.confidence,
                            "total": total, "effort": bet.effort, "score": value},
                    note_codes=tuple(n.code for n in notes),
                    note_params=tuple(n.params for n in notes)),
    )  # fmt: skip


def _ratio_score(bet: Bet, formula: str, factors: list[tuple[str, float | None]]) -> Score:
    missing = tuple(n for n, v in factors + [("effort", bet.effort)] if v is None)
    terms = tuple(Term(n, v) for n, v in factors + [("effort", bet.effort)])
    if missing or not bet.effort or bet.effort <= 0:
        return Score(
            None,
            Explanation(
                "score", None, formula, terms, ("needs " + ", ".join(missing or ("effort",)),)
            ),
            missing or ("effort",),
        )
    value = _ratio_value(bet, tuple(v for _, v in factors))
    return Score(value, Explanation("score", value, formula, terms))


def rank(scores: dict[str, float | None]) -> list[str]:
    """Keys by score, highest first; unscored last (in key order, for a stable list)."""
    return sorted(scores, key=lambda k: (scores[k] is None, -(scores[k] or 0.0), k))


# --- impact review -------------------------------------------------------------------


def value_at(readings: Sequence[Reading], on: date) -> float | None:
    """The KR's value on a date: its latest check-in effective on or before it."""
    known = [r for r in readings if r.effective <= on]
    if not known:
        return None
    return max(known, key=lambda r: (r.effective, r.sequence)).value


@dataclass(frozen=True)
class Review:
    key_result: str
    expected: float
    measured: float | None  # None: not measurable yet (window not over, or no check-in)
    ratio: float | None  # measured ÷ expected
    reason: str


def review_impact(
    key_result: str,
    expected: float,
    readings: Sequence[Reading],
    delivered: date,
    today: date,
    window_days: int = 28,
) -> Review:
    """Declared vs measured: the KR's value `window_days` after delivery minus its value at delivery."""
    end = delivered + timedelta(days=window_days)
    if today < end:
        why = coded("measurable_from", f"measurable from {end.isoformat()}", day=end)
        return Review(key_result, expected, None, None, why)
    before, after = value_at(readings, delivered), value_at(readings, end)
    if before is None or after is None:
        why = coded("no_reading", "no check-in at delivery or at the end of the window")
        return Review(key_result, expected, None, None, why)
    measured = after - before
    ratio = measured / expected if expected else None
    return Review(
        key_result,
        expected,
        measured,
        ratio,
        coded(
            "measured",
            f"{after:g} on {end.isoformat()} − {before:g} on {delivered.isoformat()}",
            after=after, end=end, before=before, delivered=delivered,
        ),
    )  # fmt: skip


@dataclass(frozen=True)
class Ledger:
    reviewed: int
    delivered_half: float | None  # share of bets whose impacts reached ≥ half the declared change
    mean_ratio: float | None  # 1.0 = as declared; 0.6 = 40 % over-estimated
    calibration: float  # the factor applied to future scores


def ledger(ratios_per_bet: Iterable[Sequence[float]]) -> Ledger:
    """A ledger over reviewed bets (each: the ratios of its measured impacts)."""
    bets = [sum(r) / len(r) for r in ratios_per_bet if r]
    if not bets:
        return Ledger(0, None, None, 1.0)
    mean = sum(bets) / len(bets)
    low, high = CALIBRATION_RANGE
    return Ledger(
        len(bets), sum(1 for b in bets if b >= 0.5) / len(bets), mean, min(high, max(low, mean))
    )


def calibration_for(unit_ledger: Ledger | None, org_ledger: Ledger) -> tuple[float, str]:
    """The unit's own history once it has enough reviewed bets, else the organisation's."""
    if unit_ledger is not None and unit_ledger.reviewed >= MIN_REVIEWS_FOR_UNIT:
        return unit_ledger.calibration, coded(
            "unit_bets", f"the unit's {unit_ledger.reviewed} reviewed bets", n=unit_ledger.reviewed
        )
    if org_ledger.reviewed:
        return org_ledger.calibration, coded(
            "organization_bets",
            f"the organisation's {org_ledger.reviewed} reviewed bets",
            n=org_ledger.reviewed,
        )
    return 1.0, coded("no_bets", "no reviewed bet yet")
