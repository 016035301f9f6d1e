"""The quality coach over Pilote's rows (the rules are ``pilote.okr.coach``): an objective as
it is stored, or as a form is writing it, read against its cycle — the other objectives of
its unit (``objectives-per-unit``) and of the cycle (``near-duplicate``) — with the
organisation's thresholds and blocking rules (``Policy.coach_*``).

Read by the writing forms (inline, as the user types), the validation inbox, the API
(``GET /objectives/{key}/coach``) and the submission, which the blocking rules stop.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from datetime import date
from functools import lru_cache

from django.utils.translation import gettext

from pilote.errors import Invalid
from pilote.okr import coach
from pilote.okr.coach import Finding
from pilote.okr.text import N_
from pilote.orgs.access import Actor, scoped
from pilote.words import number

from .models import Alignment, KeyResult, Objective

PATH = "objective"


def kr_mapping(kr: KeyResult, progress: float | None = None) -> dict:
    return {
        "title": kr.title,
        "kind": kr.kind,
        "baseline": kr.baseline,
        "target": kr.target,
        "min": kr.minimum,
        "max": kr.maximum,
        "milestones": list(kr.milestones or []),
        "progress": progress,
    }


def objective_mapping(objective: Objective, krs=None, parents=None, progress_of=None) -> dict:
    """The stored objective as the rules read it (its KRs, owner and alignments); ``krs`` and
    ``parents`` (keys) when the caller has them already read."""
    if krs is None:
        krs = list(objective.key_results.order_by("position", "id"))
    if parents is None:
        parents = list(
            Alignment.objects.filter(child=objective).values_list("parent__key", flat=True)
        )
    return {
        "title": objective.title,
        "level": objective.level,
        "owner": objective.owner_id,
        "aligns_to": list(parents),
        "key_results": [kr_mapping(kr, progress_of(kr) if progress_of else None) for kr in krs],
    }


@lru_cache(maxsize=50_000)
def _signature(title: str, locale: str) -> frozenset[str]:
    return coach.signature(title, coach.language_of(title, locale))


def _cycle_rows(actor: Actor, cycle, memo: dict | None) -> list[tuple[int, str, int]]:
    """(pk, title, unit id) of every objective of the cycle, read once per request."""
    memo = {} if memo is None else memo
    if cycle.pk not in memo:
        memo[cycle.pk] = list(
            scoped(actor, Objective.objects.filter(cycle=cycle)).values_list(
                "pk", "title", "unit_id"
            )
        )
    return memo[cycle.pk]


# Indexes of titles kept by the process, each under the very titles it was built from (a
# lookup compares them: a title changed, or one more, makes another index): building one
# for a cycle of 40,000 objectives was half of the inbox at 100,000 people. Read-only once
# built, so shared by the process's threads.
_INDEXES: OrderedDict[tuple, coach.SimilarTitles] = OrderedDict()
_INDEXES_KEPT = 4
_INDEXES_LOCK = threading.Lock()


def _cycle_titles(actor: Actor, cycle, memo: dict | None, threshold: float):
    """The cycle's titles indexed for near-duplicate lookups, once per request, and kept
    while the titles stay the same."""
    memo = {} if memo is None else memo
    key = ("titles", cycle.pk, threshold)
    if key not in memo:
        locale = actor.organization.locale
        titles = tuple(t for _, t, _ in _cycle_rows(actor, cycle, memo))
        kept = (locale, threshold, titles)
        with _INDEXES_LOCK:
            index = _INDEXES.get(kept)
            if index is not None:
                _INDEXES.move_to_end(kept)
        if index is None:
            index = coach.SimilarTitles([_signature(t, locale) for t in titles], threshold)
            with _INDEXES_LOCK:
                _INDEXES[kept] = index
                while len(_INDEXES) > _INDEXES_KEPT:
                    _INDEXES.popitem(last=False)
        memo[key] = index
    return memo[key]


def _unit_counts(actor: Actor, cycle, memo: dict) -> tuple[Counter, dict[int, int]]:
    """How many objectives of the cycle each unit has, and each one's unit."""
    key = ("units", cycle.pk)
    if key not in memo:
        rows = _cycle_rows(actor, cycle, memo)
        memo[key] = (Counter(u for _, _, u in rows), {pk: u for pk, _, u in rows})
    return memo[key]


def findings(
    actor: Actor,
    draft: dict,
    *,
    cycle,
    unit_id: int | None,
    unit_name: str = "",
    objective_pk: int | None = None,
    today: date | None = None,
    memo: dict | None = None,
) -> list[Finding]:
    """What the coach says of ``draft`` (an objective mapping: title, level, owner,
    aligns_to, key_results) in ``cycle``, as the objective ``objective_pk`` (None: a new one)
    of the unit ``unit_id``; ``memo`` keeps each cycle's objectives for the next call."""
    org = actor.organization
    policy = coach.coach_policy(org.policy)
    today = today or date.today()
    out = coach.check_objective(
        draft, PATH, policy, org.locale, (cycle.start, cycle.end) if cycle else None, today
    )
    if cycle is None:
        return out
    memo = {} if memo is None else memo
    low, high = policy.objectives_per_unit
    if unit_id is not None:
        per_unit, unit_of = _unit_counts(actor, cycle, memo)
        # the others of the unit, and this one (counted once, wherever it is now)
        count = 1 + per_unit[unit_id] - (unit_of.get(objective_pk, object()) == unit_id)
        if not low <= count <= high:
            out.append(coach.finding(policy, f"{PATH}.unit", "objectives-per-unit",
                                     unit=unit_name, count=count, low=low, high=high))  # fmt: skip
    mine = _signature(draft.get("title") or "", org.locale)
    titles = _cycle_titles(actor, cycle, memo, policy.duplicate_similarity)
    everyone = _cycle_rows(actor, cycle, memo)
    for i in titles.similar(mine) if mine else ():
        if everyone[i][0] != objective_pk:  # the first other objective with that meaning
            out.append(coach.finding(policy, f"{PATH}.title", "near-duplicate",
                                     other=everyone[i][1]))  # fmt: skip
            break
    return out


def of_objective(
    actor: Actor, objective: Objective, reader=None, today: date | None = None,
    memo: dict | None = None,
) -> list[Finding]:  # fmt: skip
    """What the coach says of a stored objective, its KRs' progress read from their rows
    (``reader``: a ``Stored`` that holds them already, as the inbox has)."""
    krs = parents = None
    if reader is not None:
        krs = reader.key_results_of(objective)
        parents = [p.key for p, _ in reader.parents_of(objective)]
    return findings(
        actor,
        objective_mapping(objective, krs, parents, lambda kr: kr.stored_progress),
        cycle=objective.cycle,
        unit_id=objective.unit_id,
        unit_name=objective.unit.name if objective.unit_id else "",
        objective_pk=objective.pk,
        today=today,
        memo=memo,
    )


def in_words(found: list[Finding]) -> list[dict]:
    """Each finding as the reader reads it: rule, severity, message, why, fix, in their
    language with their numbers."""
    return [f.as_dict(gettext, number) for f in found]


def check_submission(actor: Actor, objective: Objective) -> None:
    """Refuse a submission for validation that a blocking rule of the organisation stops."""
    blocking = [f for f in of_objective(actor, objective) if f.severity == "blocking"]
    if blocking:
        raise Invalid(
            N_("the quality coach blocks this submission"),
            [(f"coach.{d['rule']}", d["message"] + " — " + d["fix"]) for d in in_words(blocking)],
        )
