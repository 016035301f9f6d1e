"""The roadmap as the rules of pilote.okr.impact see it: scores, ranks, reviews, ledgers.

Built from one Snapshot plus one query for initiatives and one for the check-ins of the
KRs that delivered bets declared: a fixed number of queries, whatever the roadmap's size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from pilote.goals import cache
from pilote.goals.models import CheckIn, KeyResult
from pilote.goals.queries import Snapshot
from pilote.okr.impact import (
    Bet,
    DeclaredImpact,
    Ledger,
    Review,
    Score,
    calibration_for,
    contribution,
    ledger,
    priority_score,
    rank,
    review_impact,
)
from pilote.okr.types import Reading, Status
from pilote.orgs.access import Actor, scoped

from .models import Initiative
from .queries import initiatives


@dataclass
class Row:
    initiative: Initiative
    score: Score
    rank: int | None
    calibration: float
    calibration_source: str
    reviews: list[Review]


class Roadmap:
    def __init__(self, actor: Actor, snap: Snapshot | None = None):
        self.actor = actor
        self.snap = snap or cache.snapshot(actor)
        self.policy = self.snap.policy
        self.today = self.snap.as_of
        self.items: list[Initiative] = list(initiatives(actor).order_by("id"))
        self.krs: dict[int, KeyResult] = {
            kr.pk: kr for krs in self.snap.krs_by_objective.values() for kr in krs
        }
        self._contribution = self._contributions()
        self._reviews = self._review_all()
        self.org_ledger, self.unit_ledgers = self._ledgers()
        self.rows = self._score_all()

    # --- the strategy's shape
    def _contributions(self) -> dict[int, float]:
        snap = self.snap
        by_key = {o.key: o for o in snap.objectives.values()}
        parents = {o.key: [(p.key, w) for p, w in snap.parents_of(o)] for o in by_key.values()}
        children_weights = {o.key: sum(w for _, w in snap.all_children(o)) for o in by_key.values()}
        strategic = {k for k, o in by_key.items() if o.level == "strategic"}
        return {
            o.pk: contribution(parents, children_weights, strategic, o.key) for o in by_key.values()
        }

    def kr_share(self, kr: KeyResult) -> float:
        siblings = self.snap.krs_by_objective.get(kr.objective_id, [])
        total = sum(k.weight for k in siblings)
        return kr.weight / total if total else 0.0

    def bet(self, ini: Initiative) -> Bet:
        impacts = []
        for m in ini.impacts.all():
            kr = self.krs.get(m.key_result_id)
            if kr is None:
                continue
            kr_range = (
                (kr.target - kr.baseline)
                if kr.target is not None and kr.baseline is not None
                else 0.0
            )
            impacts.append(
                DeclaredImpact(
                    kr.key,
                    m.expected,
                    kr_range,
                    self.kr_share(kr),
                    self._contribution.get(kr.objective_id, 0.0),
                )
            )
        return Bet(
            tuple(impacts), ini.confidence, ini.effort, ini.reach, ini.rice_impact, ini.value
        )

    # --- the loop: measured vs declared
    def _review_all(self) -> dict[int, list[Review]]:
        done = [i for i in self.items if i.status == "done" and i.delivered_on]
        kr_ids = {m.key_result_id for i in done for m in i.impacts.all()}
        readings: dict[int, list[Reading]] = defaultdict(list)
        rows = scoped(self.actor, CheckIn.objects.filter(key_result_id__in=kr_ids)).values_list(
            "key_result_id", "value", "effective", "id"
        )
        for kr_id, value, effective, pk in rows:
            readings[kr_id].append(Reading(value, effective, sequence=pk))
        window = self.policy.review_window_days
        return {
            i.pk: [
                review_impact(
                    m.key_result.key,
                    m.expected,
                    readings[m.key_result_id],
                    i.delivered_on,
                    self.today,
                    window,
                )
                for m in i.impacts.all()
            ]
            for i in done
        }

    def _ledgers(self) -> tuple[Ledger, dict[int | None, Ledger]]:
        per_unit: dict[int | None, list[list[float]]] = defaultdict(list)
        everything: list[list[float]] = []
        for ini in self.items:
            ratios = [r.ratio for r in self._reviews.get(ini.pk, []) if r.ratio is not None]
            if ratios:
                per_unit[ini.unit_id].append(ratios)
                everything.append(ratios)
        return ledger(everything), {u: ledger(r) for u, r in per_unit.items()}

    def reviews(self, ini: Initiative) -> list[Review]:
        return self._reviews.get(ini.pk, [])

    # --- scores and ranks
    def _score_all(self) -> dict[int, Row]:
        method = self.policy.prioritisation
        rows = {}
        for ini in self.items:
            factor, source = calibration_for(self.unit_ledgers.get(ini.unit_id), self.org_ledger)
            if method != "impact":
                factor, source = 1.0, "not used by this method"
            score = priority_score(self.bet(ini), method, factor)
            rows[ini.pk] = Row(ini, score, None, factor, source, self.reviews(ini))
        active = {
            pk: r.score.value
            for pk, r in rows.items()
            if r.initiative.status not in ("done", "dropped")
        }
        for position, pk in enumerate(rank(active), start=1):
            if rows[pk].score.value is not None:
                rows[pk].rank = position
        return rows

    def ranked(self, horizon: str | None = None, include_closed: bool = False) -> list[Row]:
        rows = [
            r
            for r in self.rows.values()
            if (include_closed or r.initiative.status not in ("done", "dropped"))
            and (horizon is None or (r.initiative.horizon or "later") == horizon)
        ]
        return sorted(
            rows, key=lambda r: (r.score.value is None, -(r.score.value or 0.0), r.initiative.key)
        )

    def explain(self, ini: Initiative) -> dict:
        row = self.rows[ini.pk]
        out = row.score.explanation.as_dict()
        out["rank"] = row.rank
        out["method"] = self.policy.prioritisation
        out["calibration"] = {"factor": row.calibration, "from": row.calibration_source}
        out["why_rank"] = (
            f"ranked {row.rank} of {sum(1 for r in self.rows.values() if r.rank)} open initiatives by score"
            if row.rank
            else "not ranked: "
            + ("closed" if ini.status in ("done", "dropped") else "not scorable yet")
        )
        return out

    # --- views
    def unaligned(self) -> list[Row]:
        """Work that moves no KR."""
        return [r for r in self.ranked() if not r.initiative.impacts.all()]

    def uncovered(self) -> list[tuple[KeyResult, object]]:
        """KRs at risk or off track that no open initiative declares it will move."""
        covered = {
            m.key_result_id
            for i in self.items
            if i.status not in ("done", "dropped")
            for m in i.impacts.all()
        }
        out = []
        for kr in self.krs.values():
            f = self.snap.kr(kr)
            if f.status in (Status.AT_RISK, Status.OFF_TRACK) and kr.pk not in covered:
                out.append((kr, f))
        return sorted(out, key=lambda p: (p[1].status != Status.OFF_TRACK, p[0].pk))

    def by_strategic_objective(self) -> list[tuple[object, list[Row]]]:
        """For each strategic objective, the open initiatives that move it (directly or through
        an objective aligned to it)."""
        snap = self.snap
        reach: dict[int, set[int]] = {}

        def strategic_of(o, seen=frozenset()):
            if o.level == "strategic":
                return {o.pk}
            found = set()
            for p, _ in snap.parents_of(o):
                if p.pk not in seen:
                    found |= strategic_of(p, seen | {o.pk})
            return found

        for ini in self.items:
            reach[ini.pk] = set()
            for m in ini.impacts.all():
                kr = self.krs.get(m.key_result_id)
                if kr is not None:
                    reach[ini.pk] |= strategic_of(snap.objectives[kr.objective_id])
        rows = self.ranked()
        return [
            (o, [r for r in rows if o.pk in reach[r.initiative.pk]])
            for o in sorted(snap.strategic, key=lambda o: o.pk)
        ]

    def by_unit(self) -> dict[str, list[Row]]:
        out: dict[str, list[Row]] = defaultdict(list)
        for r in self.ranked():
            out[r.initiative.unit.name if r.initiative.unit_id else "—"].append(r)
        return dict(sorted(out.items()))

    def timeline(self) -> list[tuple[str, list[Row]]]:
        """Open initiatives by the quarter they start (or end) in; undated ones last."""
        groups: dict[str, list[Row]] = defaultdict(list)
        for r in self.ranked():
            d = r.initiative.start or r.initiative.end
            groups[f"{d.year}-T{(d.month - 1) // 3 + 1}" if d else ""].append(r)
        return sorted(groups.items(), key=lambda kv: (kv[0] == "", kv[0]))
