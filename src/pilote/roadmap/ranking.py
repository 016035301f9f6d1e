"""The roadmap as the rules of pilote.okr.impact see it: scores, ranks, reviews, ledgers.

Reads only what the scores need, never the whole organisation: the initiatives with their
declared impacts, the KRs they name (with their objectives' stored contributions to the
strategy, ``goals/contributions.py``, and their siblings' weights), and the check-ins of
delivered bets' KRs; the view by strategic objective also walks the alignment graph above
those KRs' objectives (a level per query). Figures (a KR's status, the uncovered view) come
from a ``Figures`` reader: ``goals.stored.Stored`` by default (the rows' stored figures), or
the export's ``Snapshot``. The number of queries depends on the graph's depth, not its size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from types import EllipsisType
from typing import NamedTuple

from django.db.models import Sum

from pilote.db import fast_values
from pilote.goals import contributions
from pilote.goals.models import CheckIn, KeyResult, Objective
from pilote.goals.queries import Figures
from pilote.goals.stored import Stored
from pilote.okr.impact import (
    Bet,
    DeclaredImpact,
    Ledger,
    Review,
    Score,
    calibration_for,
    ledger,
    priority_score,
    priority_value,
    rank,
    review_impact,
)
from pilote.okr.types import Reading
from pilote.orgs.access import Actor, scoped

from .models import Impact, Initiative
from .queries import initiatives

CLOSED = ("done", "dropped")  # an initiative's statuses that end it


class Bid(NamedTuple):
    """What scoring, ranking and grouping read of an initiative (one row of a values query;
    a tuple: a frozen dataclass's ``__init__`` was a seventh of the board at 10,000)."""

    pk: int
    key: str
    unit_id: int | None
    unit_name: str | None
    status: str
    horizon: str
    start: date | None
    end: date | None
    delivered_on: date | None
    effort: float | None
    confidence: float | None
    reach: float | None
    rice_impact: float | None
    value: float | None
    impacts: tuple[tuple[int, float], ...]  # (KR id, expected change)

    @property
    def closed(self) -> bool:
        return self.status in CLOSED


class KRFacts(NamedTuple):
    """What a score reads of a KR a bet names."""

    key: str
    objective_id: int
    target: float | None
    baseline: float | None
    weight: float
    contribution: float | None  # its objective's, stored (goals/contributions.py)


@dataclass
class Row:
    bid: Bid
    value: float | None  # the score (``priority_value``)
    rank: int | None
    calibration: float
    calibration_source: str
    reviews: list[Review]
    loaded: Initiative | None = None
    title: str | None = None  # the initiative's title, once ``Roadmap.titled`` read it
    points: int | None = None  # the score on a scale of 100: the best open initiative's
    explain: Callable[[], Score] | None = None
    _score: Score | None = None

    @property
    def score(self) -> Score:
        """The score with its explanation, made when first asked for (the rows shown)."""
        if self._score is None:
            self._score = self.explain()
        return self._score

    @property
    def initiative(self) -> Initiative:
        """The initiative's row, once ``Roadmap.load`` read it for the rows shown."""
        if self.loaded is None:
            raise LookupError(f"initiative {self.bid.key} not loaded: call Roadmap.load(rows)")
        return self.loaded


def bids_of(impacts, initiatives) -> list[Bid]:
    """The bids of these initiatives (a query), by id, with their declared impacts among
    ``impacts`` (a query of the same initiatives' impacts)."""
    declared: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for ini, kr, expected in impacts.order_by("id").values_list(
        "initiative_id", "key_result_id", "expected"
    ):
        declared[ini].append((kr, expected))
    # The query's columns in Bid's order, then the impacts (dates read by ``fast_values``:
    # Django's parsing of SQLite's was a fifth of reading 10,000 initiatives).
    columns = [f if f != "unit_name" else "unit__name" for f in Bid._fields[:-1]]
    return [
        Bid(*values, tuple(declared.get(values[0], ())))
        for values in fast_values(
            initiatives.order_by("id"), columns, dates=("start", "end", "delivered_on")
        )
    ]


def kr_facts(actor: Actor, named) -> dict[int, KRFacts]:
    """The actor's KRs among ``named`` (a query of KR ids: thousands of ids as parameters
    cost more to bind than the rows to read)."""
    facts = {
        pk: KRFacts(*values)
        for pk, *values in scoped(actor, KeyResult.objects.filter(pk__in=named))
        .order_by()
        .values_list("pk", "key", "objective_id", "target", "baseline", "weight",
                     "objective__stored_contribution")
    }  # fmt: skip
    # A row whose contribution is not stored yet (written around the actions, before
    # ``pilote check --fix``) has it by the rule, from the graph above it.
    missing = {kr.objective_id for kr in facts.values() if kr.contribution is None}
    if missing:
        known = contributions.computed(missing)
        facts = {
            pk: kr._replace(contribution=known.get(kr.objective_id, 0.0))
            if kr.contribution is None else kr
            for pk, kr in facts.items()
        }  # fmt: skip
    return facts


def review_bets(
    actor: Actor, bids: list[Bid], krs: dict[int, KRFacts], policy, today: date
) -> dict[int, list[Review]]:
    """Each delivered bet's reviews as of ``today``: what it declared against what its KRs
    (among ``krs``) measurably moved."""
    done = [b for b in bids if b.status == "done" and b.delivered_on]
    kr_ids = {kr for b in done for kr, _ in b.impacts}
    readings: dict[int, list[Reading]] = defaultdict(list)
    rows = scoped(actor, CheckIn.objects.filter(key_result_id__in=kr_ids)).values_list(
        "key_result_id", "value", "effective", "id"
    )
    for kr_id, value, effective, pk in rows:
        readings[kr_id].append(Reading(value, effective, sequence=pk))
    window = policy.review_window_days
    return {
        b.pk: [
            review_impact(krs[kr_id].key, expected, readings[kr_id], b.delivered_on, today, window)
            for kr_id, expected in b.impacts
            if kr_id in krs
        ]
        for b in done
    }


def delivered(
    actor: Actor, start: date, end: date, unit: int | None | EllipsisType = ...
) -> list[tuple[Bid, list[Review]]]:
    """The initiatives delivered from ``start`` to ``end`` (of ``unit``, a unit's id or None
    for those without one; every one by default), by delivery date then key, each with its
    reviews as of today. Reads those initiatives only: the retrospective scored every
    initiative of the roadmap for them (10,000 at 100,000 people)."""
    rows = scoped(actor, Initiative.objects.filter(status="done", delivered_on__range=(start, end)))
    if unit is not ...:
        rows = rows.filter(unit_id=unit)
    impacts = Impact.objects.filter(initiative__in=rows)
    bids = bids_of(impacts, rows)
    krs = kr_facts(actor, impacts.values("key_result_id"))
    reviews = review_bets(actor, bids, krs, actor.organization.policy, date.today())
    return [(b, reviews[b.pk]) for b in sorted(bids, key=lambda b: (b.delivered_on, b.key))]


class Roadmap:
    def __init__(self, actor: Actor, figures: Figures | None = None):
        self.actor = actor
        self.figures = figures or Stored(actor)
        self.policy = self.figures.policy
        self.today = self.figures.as_of
        # Impacts have no organisation of their own: those of the actor's initiatives.
        self._impacts = Impact.objects.filter(
            initiative__in=scoped(actor, Initiative.objects.all())
        )
        self.items: list[Bid] = self._bids()
        # The KRs bets name, and their objectives, as subqueries: thousands of ids as
        # parameters cost more to bind than the rows to read.
        named = self._impacts.values("key_result_id")
        self.krs: dict[int, KRFacts] = kr_facts(actor, named)
        self._kr_weights = self._sibling_weights(
            KeyResult.objects.filter(pk__in=named).values("objective_id")
        )
        self._kr_terms: dict[int, tuple] | None = None
        # The graph above the named KRs, walked by the view by strategic objective only.
        self.levels: dict[int, str] | None = None
        self.parents: dict[int, list[tuple[int, float]]] = {}
        self._reviews = self._review_all()
        self.org_ledger, self.unit_ledgers = self._ledgers()
        self.rows = self._score_all()

    def _bids(self) -> list[Bid]:
        return bids_of(self._impacts, scoped(self.actor, Initiative.objects.all()))

    def load(self, rows: list[Row]) -> list[Row]:
        """Read the initiatives of these rows (the ones a page shows), in one query."""
        wanted = [r.bid.pk for r in rows if r.loaded is None]
        if wanted:
            found = {i.pk: i for i in initiatives(self.actor).filter(pk__in=wanted)}
            for r in rows:
                if r.loaded is None:
                    r.loaded = found[r.bid.pk]
        return rows

    def titled(self, rows: list[Row]) -> list[Row]:
        """Read the titles of these rows (a card shows its bid and its title), in one query:
        loading the initiatives as rows, with their impacts' KRs and objectives, was a fifth
        of the board."""
        wanted = [r.bid.pk for r in rows if r.title is None]
        if wanted:
            titles = dict(
                Initiative.objects.filter(pk__in=wanted).order_by().values_list("pk", "title")
            )
            for r in rows:
                if r.title is None:
                    r.title = titles[r.bid.pk]
        return rows

    # --- the strategy's shape, above the KRs the roadmap names
    def _sibling_weights(self, objectives) -> dict[int, float]:
        """Each of these objectives' total of KR weights (``objectives``: a subquery), summed
        by the database (a row per objective, not per KR)."""
        return dict(
            KeyResult.objects.filter(objective_id__in=objectives)
            .order_by()
            .values("objective_id")
            .annotate(total=Sum("weight"))
            .values_list("objective_id", "total")
        )

    def _graph(self) -> None:
        """Each objective above the KRs bets name: its level and its parents (the view by
        strategic objective walks it; scores read each objective's stored contribution)."""
        if self.levels is None:
            self.levels, self.parents = contributions.graph_above(
                {kr.objective_id for kr in self.krs.values()},
                scoped(self.actor, Objective.objects.all()),
            )

    def kr_share(self, kr: KRFacts) -> float:
        total = self._kr_weights.get(kr.objective_id, 0.0)
        return kr.weight / total if total else 0.0

    def _terms(self) -> dict[int, tuple[str, float, float, float]]:
        """What a declared impact reads of each KR (the same for every bet naming it): its
        key, range, share of its objective and that objective's contribution."""
        terms = {}
        for pk, kr in self.krs.items():
            kr_range = (
                (kr.target - kr.baseline)
                if kr.target is not None and kr.baseline is not None
                else 0.0
            )
            terms[pk] = (kr.key, kr_range, self.kr_share(kr), kr.contribution)
        return terms

    def bet(self, bid: Bid) -> Bet:
        if self._kr_terms is None:
            self._kr_terms = self._terms()
        terms = self._kr_terms
        impacts = tuple(
            DeclaredImpact(terms[kr][0], expected, *terms[kr][1:])
            for kr, expected in bid.impacts
            if kr in terms
        )
        return Bet(impacts, bid.confidence, bid.effort, bid.reach, bid.rice_impact, bid.value)

    # --- the loop: measured vs declared
    def _review_all(self) -> dict[int, list[Review]]:
        return review_bets(self.actor, self.items, self.krs, self.policy, self.today)

    def _ledgers(self) -> tuple[Ledger, dict[int | None, Ledger]]:
        per_unit: dict[int | None, list[list[float]]] = defaultdict(list)
        everything: list[list[float]] = []
        for b in self.items:
            ratios = [r.ratio for r in self._reviews.get(b.pk, []) if r.ratio is not None]
            if ratios:
                per_unit[b.unit_id].append(ratios)
                everything.append(ratios)
        return ledger(everything), {u: ledger(r) for u, r in per_unit.items()}

    def reviews(self, ini: Initiative | Bid) -> list[Review]:
        return self._reviews.get(ini.pk, [])

    # --- scores and ranks
    def _score_all(self) -> dict[int, Row]:
        method = self.policy.prioritisation
        rows = {}
        calibrations: dict[int | None, tuple[float, str]] = {}  # a unit's, once
        for b in self.items:
            calibration = calibrations.get(b.unit_id)
            if calibration is None:
                calibration = calibrations[b.unit_id] = (
                    calibration_for(self.unit_ledgers.get(b.unit_id), self.org_ledger)
                    if method == "impact" else (1.0, "not used by this method")
                )  # fmt: skip
            factor, source = calibration
            bet = self.bet(b)
            rows[b.pk] = Row(
                b, priority_value(bet, method, factor), None, factor, source, self.reviews(b),
                explain=partial(priority_score, bet, method, factor),
            )  # fmt: skip
        active = {pk: r.value for pk, r in rows.items() if not r.bid.closed}
        for position, pk in enumerate(rank(active), start=1):
            if rows[pk].value is not None:
                rows[pk].rank = position
        best = max((v for v in active.values() if v is not None), default=None)
        for r in rows.values():
            # Open initiatives only: a delivered one scored above the best open one read
            # "121 / 100"; closed ones keep their exact score.
            if r.value is not None and best and not r.bid.closed:
                r.points = max(0, round(100 * r.value / best))
        return rows

    def ranked(self, horizon: str | None = None, include_closed: bool = False) -> list[Row]:
        rows = [
            r
            for r in self.rows.values()
            if (include_closed or not r.bid.closed)
            and (horizon is None or (r.bid.horizon or "later") == horizon)
        ]
        return sorted(rows, key=lambda r: (r.value is None, -(r.value or 0.0), r.bid.key))

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

    # --- views (rows not loaded: ``load`` the ones shown)
    def unaligned(self) -> list[Row]:
        """Work that moves no KR."""
        return [r for r in self.ranked() if not r.bid.impacts]

    def uncovered(
        self, start: int = 0, stop: int | None = None
    ) -> tuple[int, list[tuple[KeyResult, object]]]:
        """KRs at risk or off track that no open initiative declares it will move: how many,
        and those of positions ``start:stop``."""
        covered = self._impacts.exclude(initiative__status__in=CLOSED).values_list(
            "key_result_id", flat=True
        )
        return self.figures.key_results_in_trouble(covered, start, stop)

    def by_strategic_objective(self) -> list[tuple[Objective, list[Row]]]:
        """For each strategic objective, the open initiatives that move it (directly or through
        an objective aligned to it)."""
        self._graph()
        strategic_of: dict[int, set[int]] = {}
        reach: dict[int, set[int]] = {}
        for b in self.items:
            reach[b.pk] = set()
            for kr_id, _ in b.impacts:
                kr = self.krs.get(kr_id)
                if kr is not None:
                    reach[b.pk] |= self._strategic_above(kr.objective_id, strategic_of)
        rows = self.ranked()
        strategic = scoped(self.actor, Objective.objects.filter(level="strategic")).order_by("id")
        return [(o, [r for r in rows if o.pk in reach[r.bid.pk]]) for o in strategic]

    def _strategic_above(
        self, pk: int, memo: dict[int, set[int]], seen: frozenset = frozenset()
    ) -> set[int]:
        """The strategic objectives at or above ``pk`` (``memo``: those found from a start).
        A method, not a nested function: a recursive closure is a reference cycle, which
        kept the whole ranking alive until the cyclic collector came (110 ms at 10,000
        initiatives)."""
        if self.levels.get(pk) == "strategic":
            return {pk}
        if not seen and pk in memo:
            return memo[pk]
        found: set[int] = set()
        for parent, _ in self.parents.get(pk, ()):
            if parent not in seen:
                found |= self._strategic_above(parent, memo, seen | {pk})
        if not seen:
            memo[pk] = found
        return found

    def by_unit(self) -> dict[str, list[Row]]:
        out: dict[str, list[Row]] = defaultdict(list)
        for r in self.ranked():
            out[r.bid.unit_name if r.bid.unit_id else "—"].append(r)
        return dict(sorted(out.items()))

    def timeline(self) -> list[tuple[str, list[Row]]]:
        """Open initiatives by the quarter they start (or end) in; undated ones last."""
        groups: dict[str, list[Row]] = defaultdict(list)
        for r in self.ranked():
            d = r.bid.start or r.bid.end
            groups[f"{d.year}-T{(d.month - 1) // 3 + 1}" if d else ""].append(r)
        return sorted(groups.items(), key=lambda kv: (kv[0] == "", kv[0]))
