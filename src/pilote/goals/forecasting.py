"""Forecasts of the KRs and objectives a read shows (the rule is ``pilote.okr.forecast``).

A forecast needs a KR's check-ins up to the day read, not only its current reading: they are
read once for every KR the reader holds (one query for a page of the tree, not one per KR),
kept in the reader's memo, and the forecasts computed on demand, cheap per KR shown.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from pilote.okr.forecast import Forecast, NoForecast, forecast, objective_probability
from pilote.okr.forecast import progress_moments as _moments
from pilote.okr.types import Kind, Reading
from pilote.orgs.access import scoped

from .keyresults import facts_of
from .models import CheckIn, KeyResult, Objective

TRENDED = (Kind.INCREASE, Kind.DECREASE, Kind.MILESTONE)
BATCH = 2000  # KRs whose check-ins one query reads


def _memo(reader) -> dict:
    memo = getattr(reader, "memo", None)
    if memo is None:
        memo = reader.memo = {}
    return memo.setdefault("forecast", {"readings": {}, "forecasts": {}})


def _held(reader) -> list[KeyResult]:
    held = getattr(reader, "krs_by_objective", None) or {}
    return [kr for krs in held.values() for kr in krs]


def prefetch(reader, krs: list[KeyResult]) -> None:
    """Read at once the check-ins of these KRs (a page of a list) for their forecasts."""
    memo = _memo(reader)["readings"]
    todo = [kr.pk for kr in krs if kr.pk not in memo and kr.kind in TRENDED]
    for start in range(0, len(todo), BATCH):
        _read(reader, todo[start : start + BATCH])


def _load(reader, kr: KeyResult) -> None:
    """The KR's check-ins, with those of the next KRs the reader holds (up to ``BATCH``).

    The KRs still to read are a queue walked once (made again when the reader holds more
    KRs): listing every held KR anew for each batch made the unpaged tree of
    140,000 KRs pay 70 passes over all of them."""
    m = _memo(reader)
    memo, batch = m["readings"], [kr.pk]
    held = getattr(reader, "krs_by_objective", None) or {}
    size = sum(len(krs) for krs in held.values())
    if m.get("queued_for") != size:  # the reader holds more KRs than when it was made
        m["queued_for"] = size
        m["queue"] = iter([k.pk for k in _held(reader) if k.kind in TRENDED and k.pk not in memo])
    for pk in m["queue"]:
        if pk not in memo and pk != kr.pk:
            batch.append(pk)
            if len(batch) >= BATCH:
                break
    _read(reader, batch)


def _read(reader, wanted: list[int]) -> None:
    memo = _memo(reader)["readings"]
    found: dict[int, list[Reading]] = {pk: [] for pk in wanted}
    rows = scoped(
        reader.actor, CheckIn.objects.filter(key_result_id__in=wanted, effective__lte=reader.as_of)
    ).values_list("key_result_id", "value", "effective", "confidence", "id")
    for pk, value, effective, confidence, seq in rows:
        found[pk].append(Reading(value, effective, confidence, seq))
    memo.update(found)


def kr_forecast(reader, kr: KeyResult) -> Forecast | NoForecast:
    """The KR's forecast as of the reader's day (``Stored``, ``Snapshot`` or
    ``KeyResultFiguresOnly``: anything with ``actor``, ``as_of`` and a memo)."""
    done = _memo(reader)["forecasts"]
    if kr.pk not in done:
        facts = facts_of(kr)
        if facts.kind not in TRENDED:
            done[kr.pk] = forecast(facts, [], kr.objective.cycle.start, facts.due, reader.as_of)
        else:
            readings = _memo(reader)["readings"]
            if kr.pk not in readings:
                _load(reader, kr)
            cycle = kr.objective.cycle
            done[kr.pk] = forecast(facts, readings[kr.pk], cycle.start, facts.due, reader.as_of)
    return done[kr.pk]


def forecast_fields(reader, kr: KeyResult) -> dict:
    """What the API and the JSON export say of it: ``forecast`` {projected, low, high,
    probability}, or null and ``forecast_reason`` {code, message} saying why."""
    f = kr_forecast(reader, kr)
    if isinstance(f, Forecast):
        return {"forecast": f.as_dict(), "forecast_reason": None}
    return {"forecast": None, "forecast_reason": {"code": f.code, "message": _(f.message)}}


def objective_odds(reader, objective: Objective) -> float | None:
    """The probability that the objective reaches its expected grade (the policy's green,
    0.7 by default) at the cycle's end, from its KRs' forecasts: a KR without one counts at
    its progress today, for sure; None when none of its KRs has a forecast."""
    terms, any_forecast = [], False
    for kr in reader.key_results_of(objective):
        f = kr_forecast(reader, kr)
        if isinstance(f, Forecast):
            any_forecast = True
            terms.append((kr.weight, *_moments(facts_of(kr), f)))
        else:
            progress = reader.kr(kr).progress
            terms.append((kr.weight, progress or 0.0, 0.0))
    if not any_forecast:
        return None
    return objective_probability(terms, reader.policy.grade_green)


def preload(reader, check_ins: dict[int, list[CheckIn]]) -> None:
    """Give the reader check-ins it already read (the export's history), by KR: nothing is
    read again."""
    readings = _memo(reader)["readings"]
    for pk, rows in check_ins.items():
        readings[pk] = [
            Reading(c.value, c.effective, c.confidence, c.pk)
            for c in rows
            if c.effective <= reader.as_of
        ]


def objective_forecast(reader, objective: Objective) -> dict | None:
    """What the API and the JSON export say of an objective's odds: {probability, grade},
    or null when none of its KRs has a forecast."""
    p = objective_odds(reader, objective)
    return None if p is None else {"probability": p, "grade": reader.policy.grade_green}
