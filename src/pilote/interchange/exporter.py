"""Export an organisation in the interchange format: YAML, or JSON with computed figures.

The YAML export re-imports to the same data: ``import(export(x)) == x``.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import yaml

from pilote.goals.carrying import decision_of
from pilote.goals.forecasting import forecast_fields, objective_forecast, preload
from pilote.goals.models import CheckIn, Cycle, KeyResult, Objective
from pilote.goals.queries import Snapshot, consistent_snapshot, current_vision
from pilote.okr.grading import effective_grade
from pilote.orgs.access import Actor, scoped
from pilote.orgs.queries import people, units
from pilote.roadmap.queries import initiatives
from pilote.roadmap.ranking import Roadmap


def _drop_empty(d: dict, keep: tuple[str, ...] = ()) -> dict:
    return {k: v for k, v in d.items() if k in keep or v not in (None, "", [], {})}


def _num(v: float | None) -> float | int | None:
    if v is None:
        return None
    return int(v) if float(v).is_integer() else v


def build(actor: Actor, *, computed: bool = False, as_of: date | None = None) -> dict[str, Any]:
    """The organisation as a plain document (same structure as the YAML format)."""
    snap = consistent_snapshot(actor, as_of)
    org = actor.organization
    doc: dict[str, Any] = {
        "organization": org.name,
        "locale": org.locale,
        "policy": dict(org.policy_overrides or {}),
        **({"check_in_template": list(org.check_in_template)} if org.check_in_template else {}),
    }
    if computed:
        doc["as_of"] = snap.as_of.isoformat()
    vision = current_vision(actor)
    if vision:
        doc["vision"] = _drop_empty(
            {"statement": vision.statement, "description": vision.description}
        )
    doc["units"] = [
        _drop_empty({"key": u.key, "name": u.name, "parent": u.parent.key if u.parent_id else None})
        for u in units(actor).order_by("id")
    ]
    doc["people"] = [
        _drop_empty(
            {
                "email": m.user.email,
                "name": m.user.name,
                "role": m.role,
                "units": sorted(u.key for u in m.units.all()),
            }
        )
        for m in people(actor).order_by("id")
    ]
    doc["cycles"] = [
        _drop_empty(
            {
                "key": c.key,
                "name": c.name,
                "start": c.start,
                "end": c.end,
                "parent": c.parent.key if c.parent_id else None,
            }
        )
        for c in scoped(actor, Cycle.objects.select_related("parent")).order_by("start", "id")
    ]
    history: dict[int, list[CheckIn]] = {}
    for ci in scoped(actor, CheckIn.objects.select_related("author")).order_by("effective", "id"):
        history.setdefault(ci.key_result_id, []).append(ci)
    # Where each objective and KR came from (carry-over), and who decided: one query each.
    lineage: dict[tuple[str, int], str] = {}
    for pk, came_from, by in scoped(actor, Objective.objects.all()).values_list(
        "pk", "carried_from__key", "decided_by__email"
    ):
        if came_from:
            lineage[("objective", pk)] = came_from
        if by:
            lineage[("by", pk)] = by
    for pk, came_from in scoped(
        actor, KeyResult.objects.filter(carried_from__isnull=False)
    ).values_list("pk", "carried_from__key"):
        lineage[("kr", pk)] = came_from
    talk = _conversations(actor)
    if computed:
        preload(snap, history)
    objectives = []
    for o in sorted(snap.objectives.values(), key=lambda o: o.pk):
        entry: dict[str, Any] = {
            "key": o.key,
            "level": o.level,
            "cycle": o.cycle.key,
            "unit": o.unit.key,
            "owner": o.owner.email if o.owner_id else None,
            "title": o.title,
            "description": o.description,
        }
        if computed:
            f = snap.objective(o)
            entry["workflow_status"] = o.status
            entry["progress"] = f.progress
            entry["status"] = f.status.value
            entry["forecast"] = objective_forecast(snap, o)
            grade = effective_grade(o.grade, o.grade_override)
            if grade is not None:
                entry["grade"] = grade
        else:
            entry["status"] = o.status
        if o.progress_from != "key_results":
            entry["progress_from"] = o.progress_from
        entry["aligns_to"] = [
            {"objective": p.key, "weight": _num(w)} for p, w in snap.parents_of(o)
        ]
        entry["key_results"] = [
            {**_kr(snap, kr, history.get(kr.pk, []), computed, lineage.get(("kr", kr.pk))),
             **_said(talk, "key_result", kr.pk)}
            for kr in snap.key_results_of(o)
        ]  # fmt: skip
        decision = decision_of(o, lineage.get(("by", o.pk)))
        if decision is not None:
            decision.pop("at")
            entry["decision"] = _drop_empty(decision)
        entry["carried_from"] = lineage.get(("objective", o.pk))
        entry.update(_said(talk, "objective", o.pk))
        kept = ("progress", "status", "forecast") if computed else ()
        objectives.append(_drop_empty(entry, keep=kept))
    doc["objectives"] = objectives
    roadmap = Roadmap(actor, snap) if computed else None
    doc["initiatives"] = [
        {**_initiative(i, roadmap), **_said(talk, "initiative", i.pk)}
        for i in initiatives(actor).order_by("id")
    ]
    return _drop_empty(doc)


def _conversations(actor: Actor) -> dict[tuple[str, int], list]:
    """Every comment not deleted, by what it is about (one query), replies pointing to the
    position of the comment they answer in the same list."""
    from pilote.conversations.models import Comment

    talk: dict[tuple[str, int], list] = {}
    rows = (
        scoped(actor, Comment.objects.filter(deleted_at__isnull=True))
        .select_related("author")
        .order_by("created_at", "id")
    )
    for c in rows:
        about = ("objective", c.objective_id) if c.objective_id else (
            ("key_result", c.key_result_id) if c.key_result_id else ("initiative", c.initiative_id)
        )  # fmt: skip
        talk.setdefault(about, []).append(c)
    return talk


def _said(talk: dict, kind: str, pk: int) -> dict:
    comments = talk.get((kind, pk), [])
    if not comments:
        return {}
    position = {c.pk: i for i, c in enumerate(comments)}
    return {
        "comments": [
            _drop_empty(
                {
                    "by": c.author.email if c.author_id else None,
                    "at": c.created_at,
                    "body": c.body,
                    "reply_to": position.get(c.reply_to_id),
                }
            )  # fmt: skip
            for c in comments
        ]
    }


def _initiative(i, roadmap: Roadmap | None) -> dict:
    entry: dict[str, Any] = {
        "key": i.key,
        "title": i.title,
        "description": i.description,
        "unit": i.unit.key if i.unit_id else None,
        "owner": i.owner.email if i.owner_id else None,
        "status": i.status,
        "horizon": i.horizon or None,
        "start": i.start,
        "end": i.end,
        "effort": _num(i.effort),
        "confidence": _num(i.confidence),
        "delivered_on": i.delivered_on,
        "reach": _num(i.reach),
        "rice_impact": _num(i.rice_impact),
        "value": _num(i.value),
        "impacts": [
            _drop_empty(
                {
                    "key_result": m.key_result.key,
                    "expected": _num(m.expected),
                    "rationale": m.rationale,
                }
            )
            for m in i.impacts.all()
        ],
    }
    if roadmap is not None:
        row = roadmap.rows[i.pk]
        entry["score"] = row.value
        entry["rank"] = row.rank
    return _drop_empty(entry)


def _kr(
    snap: Snapshot, kr, check_ins: list[CheckIn], computed: bool, carried_from: str | None = None
) -> dict:
    entry: dict[str, Any] = {
        "key": kr.key,
        "title": kr.title,
        "kind": kr.kind,
        "unit": kr.unit_label,
        "baseline": _num(kr.baseline),
        "target": _num(kr.target),
        "min": _num(kr.minimum),
        "max": _num(kr.maximum),
        "milestones": list(kr.milestones or []),
        "phases": [
            {"date": date.fromisoformat(p["date"]), "value": _num(p["value"])}
            for p in kr.phases or []
        ],
        "weight": _num(kr.weight),
        "owner": kr.owner.email if kr.owner_id else None,
        "due": kr.due,
        "check_ins": [
            _drop_empty(
                {
                    "date": c.effective,
                    "value": _num(c.value),
                    "confidence": c.confidence,
                    "comment": c.comment,
                    "next_step": c.next_step,
                    "by": c.author.email if c.author_id else None,
                }
            )
            for c in check_ins
        ],
        "carried_from": carried_from,
    }
    keep: tuple[str, ...] = ()
    if computed:
        f = snap.kr(kr)
        entry.update(
            current=_num(f.current), progress=f.progress, expected=f.expected, status=f.status.value
        )
        entry.update(forecast_fields(snap, kr))
        grade = effective_grade(kr.grade, kr.grade_override)
        if grade is not None:
            entry["grade"] = grade
        keep = ("current", "progress", "forecast")
    return _drop_empty(entry, keep=keep)


def _json_default(v: Any) -> Any:
    if isinstance(v, date):  # datetimes too
        return v.isoformat()
    raise TypeError(f"cannot write {type(v).__name__} as JSON")


# libyaml's C emitter when PyYAML was built with it (the wheels are): about 10x faster.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def to_yaml(doc: dict) -> str:
    return yaml.dump(doc, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=100)


def to_json(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, default=_json_default)
