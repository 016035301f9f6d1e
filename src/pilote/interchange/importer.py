"""All-or-nothing import of a YAML (or JSON) document.

Every write goes through the same actions as the API and the web, as the
system actor. The whole import runs in one transaction; each object runs in a
savepoint so that one error does not hide the next: every error is collected
with its path in the file, and if there is any, nothing is kept.

What the file names is created or updated (matched by key, people by e-mail);
what it does not name is left as it is.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from pilote.errors import Invalid, PiloteError, is_unknown_reference, unknown
from pilote.goals import actions as goals
from pilote.goals import carrying, keyresults
from pilote.goals.latest import figures_deferred
from pilote.goals.models import CheckIn, Cycle, KeyResult, Objective, Vision
from pilote.messages import say
from pilote.okr.progress import definition_errors, resolve_kind, value_errors
from pilote.okr.rollup import weight_errors
from pilote.okr.text import N_
from pilote.okr.types import KeyResultFacts
from pilote.orgs import actions as orgs
from pilote.orgs.access import Actor
from pilote.orgs.models import Membership, Organization, Unit, User
from pilote.roadmap import actions as roadmap
from pilote.roadmap.models import Initiative

from .document import CycleIn, Document, KeyResultIn, ObjectiveIn, UnitIn, parse


class ImportFailed(Invalid):
    title = N_("The file has errors; nothing was changed")


@dataclass
class Report:
    organization: str
    counts: Counter = field(default_factory=Counter)
    dry_run: bool = False

    def summary(self) -> str:
        parts = [f"{n} {what}" for what, n in sorted(self.counts.items()) if n]
        verb = "would change" if self.dry_run else "imported"
        return f"{self.organization}: {verb} " + (
            ", ".join(parts) if parts else "nothing (already up to date)"
        )


# libyaml's C parser when PyYAML was built with it; both are safe loaders (no object construction).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_file(path: str | Path) -> Any:
    """The parsed YAML/JSON of ``path``; a syntax error names its line and column."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFailed(
            f"cannot read {path}: {exc}", [("", say("cannot_read_file", detail=str(exc)))]
        ) from None
    try:
        return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader (C or Python)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = str(getattr(exc, "problem", exc))
        raise ImportFailed(
            N_("not valid YAML"),
            [(where, say("yaml_at", line=mark.line + 1, column=mark.column + 1, detail=problem)
                     if mark else problem)],
        ) from None  # fmt: skip


def _topological(items: list, parent_of: Callable[[Any], str | None]) -> list[tuple[int, Any]]:
    """Parents before children (a file may list them in any order); keeps file indices."""
    keys = {it.key for it in items}
    done: set[str] = set()
    out: list[tuple[int, Any]] = []
    pending = list(enumerate(items))
    while pending:
        rest = []
        for i, it in pending:
            p = parent_of(it)
            if p is None or p not in keys or p in done:
                out.append((i, it))
                done.add(it.key)
            else:
                rest.append((i, it))
        if len(rest) == len(pending):  # a loop: let the actions report it
            out.extend(rest)
            break
        pending = rest
    return out


def _facts(kr: KeyResultIn) -> tuple[KeyResultFacts | None, list[tuple[str, str]]]:
    kind, errors = resolve_kind(kr.kind, kr.baseline, kr.target)
    if kind is None:
        return None, errors
    return KeyResultFacts(kind, kr.baseline, kr.target, kr.min, kr.max, len(kr.milestones)), []


def rule_errors(doc: Document) -> list[tuple[str, str]]:
    """Errors found without the database: duplicate keys, KR definitions, check-in values."""
    errors: list[tuple[str, str]] = []
    for kind, items in (
        ("units", doc.units),
        ("cycles", doc.cycles),
        ("objectives", doc.objectives),
        ("initiatives", doc.initiatives),
    ):
        seen: dict[str, int] = {}
        for i, it in enumerate(items):
            if it.key in seen:
                errors.append(
                    (
                        f"{kind}[{i}].key",
                        say("key_used_by", key=it.key, where=f"{kind}[{seen[it.key]}]"),
                    )
                )
            seen.setdefault(it.key, i)
    emails: dict[str, int] = {}
    for i, p in enumerate(doc.people):
        if p.email.lower() in emails:
            errors.append(
                (
                    f"people[{i}].email",
                    say(
                        "email_listed_at", email=p.email, where=f"people[{emails[p.email.lower()]}]"
                    ),  # fmt: skip
                )
            )
        emails.setdefault(p.email.lower(), i)
    kr_seen: dict[str, str] = {}
    for oi, o in enumerate(doc.objectives):
        for ki, kr in enumerate(o.key_results):
            path = f"objectives[{oi}].key_results[{ki}]"
            if kr.key in kr_seen:
                errors.append(
                    (f"{path}.key", say("key_used_by", key=kr.key, where=kr_seen[kr.key]))
                )
            kr_seen.setdefault(kr.key, path)
            facts, kind_errors = _facts(kr)
            if facts is None:
                errors += [(f"{path}.{f}", m) for f, m in kind_errors]
                continue
            errors += [(f"{path}.{f}", m) for f, m in definition_errors(facts)]
            errors += [(f"{path}.weight", m) for m in weight_errors(kr.weight)]
            for ci, c in enumerate(kr.check_ins):
                errors += [
                    (f"{path}.check_ins[{ci}].value", m) for m in value_errors(facts, c.value)
                ]
    return errors


def existing_keys(org: Organization | None) -> dict[str, set[str]]:
    """Keys already in the database, which a file may refer to without listing them."""
    if org is None:
        return {k: set() for k in ("units", "people", "cycles", "objectives", "key results")}
    return {
        "units": set(Unit.objects.filter(organization=org).values_list("key", flat=True)),
        "people": set(
            Membership.objects.filter(organization=org).values_list("user__email", flat=True)
        ),
        "cycles": set(Cycle.objects.filter(organization=org).values_list("key", flat=True)),
        "objectives": set(Objective.objects.filter(organization=org).values_list("key", flat=True)),
        "key results": set(
            KeyResult.objects.filter(organization=org).values_list("key", flat=True)
        ),
    }


def reference_errors(doc: Document, existing: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Every reference of the file to a unit, person, cycle, objective or key result that exists nowhere."""
    units = existing["units"] | {u.key for u in doc.units}
    people = existing["people"] | {p.email.lower() for p in doc.people}
    cycles = existing["cycles"] | {c.key for c in doc.cycles}
    objectives = existing["objectives"] | {o.key for o in doc.objectives}
    krs = existing["key results"] | {kr.key for o in doc.objectives for kr in o.key_results}
    errors: list[tuple[str, str]] = []

    def check(path: str, what: str, ref: str | None, known: set[str]) -> None:
        if ref and (ref.lower() if what == "person" else ref) not in known:
            message = say("unknown_member", ref=ref) if what == "person" else unknown(what, ref)
            errors.append((path, message))

    for i, u in enumerate(doc.units):
        check(f"units[{i}].parent", "unit", u.parent, units)
    for i, p in enumerate(doc.people):
        for j, key in enumerate(p.units):
            check(f"people[{i}].units[{j}]", "unit", key, units)
    for i, c in enumerate(doc.cycles):
        check(f"cycles[{i}].parent", "cycle", c.parent, cycles)
    for i, o in enumerate(doc.objectives):
        check(f"objectives[{i}].cycle", "cycle", o.cycle, cycles)
        check(f"objectives[{i}].unit", "unit", o.unit, units)
        check(f"objectives[{i}].owner", "person", o.owner, people)
        for j, a in enumerate(o.aligns_to):
            check(f"objectives[{i}].aligns_to[{j}].objective", "objective", a.objective, objectives)
        for j, kr in enumerate(o.key_results):
            check(f"objectives[{i}].key_results[{j}].owner", "person", kr.owner, people)
            for k, c in enumerate(kr.check_ins):
                check(f"objectives[{i}].key_results[{j}].check_ins[{k}].by", "person", c.by, people)
            for k, c in enumerate(kr.comments):
                check(f"objectives[{i}].key_results[{j}].comments[{k}].by", "person", c.by, people)
        for k, c in enumerate(o.comments):
            check(f"objectives[{i}].comments[{k}].by", "person", c.by, people)
    for i, ini in enumerate(doc.initiatives):
        check(f"initiatives[{i}].unit", "unit", ini.unit, units)
        check(f"initiatives[{i}].owner", "person", ini.owner, people)
        for k, c in enumerate(ini.comments):
            check(f"initiatives[{i}].comments[{k}].by", "person", c.by, people)
        for j, m in enumerate(ini.impacts):
            check(f"initiatives[{i}].impacts[{j}].key_result", "key result", m.key_result, krs)
    return errors


class _Writer:
    def __init__(self, actor: Actor, doc: Document, report: Report):
        self.actor, self.doc, self.report = actor, doc, report
        self.errors: list[tuple[str, str]] = []
        self.failed_objectives: set[str] = set()

    def attempt(self, path: str, fn: Callable[[], Any]) -> Any:
        try:
            with transaction.atomic():
                return fn()
        except PiloteError as exc:
            prefix = f"{path}." if path else ""
            for p, m in exc.errors or [("", exc.detail)]:
                self.errors.append((f"{prefix}{p}" if p else path, m))
        return None

    def count(self, what: str, n: int = 1) -> None:
        self.report.counts[what] += n

    # each step ------------------------------------------------------------------
    def vision(self) -> None:
        v = self.doc.vision
        if v is None:
            return
        before = Vision.objects.filter(organization=self.actor.organization).count()
        self.attempt("vision", lambda: goals.set_vision(self.actor, v.statement, v.description))
        if Vision.objects.filter(organization=self.actor.organization).count() != before:
            self.count("vision")

    def units(self) -> None:
        def one(u: UnitIn) -> None:
            unit = Unit.objects.filter(organization=self.actor.organization, key=u.key).first()
            if unit is None:
                orgs.create_unit(self.actor, u.key, u.name, u.parent)
                self.count("units")
            elif unit.name != u.name or (unit.parent.key if unit.parent_id else None) != u.parent:
                orgs.update_unit(self.actor, unit, {"name": u.name, "parent": u.parent})
                self.count("units")

        for i, u in _topological(self.doc.units, lambda u: u.parent):
            self.attempt(f"units[{i}]", lambda u=u: one(u))

    def people(self) -> None:
        for i, p in enumerate(self.doc.people):

            def one(p=p) -> None:
                m = Membership.objects.filter(
                    organization=self.actor.organization, user__email=p.email.lower()
                ).first()
                if m is None:
                    orgs.add_person(self.actor, p.email, p.name, p.role, p.units)
                    self.count("people")
                else:
                    current = orgs.membership_snapshot(m)
                    if (current["role"], current["units"], current["name"]) != (
                        p.role,
                        sorted(p.units),
                        p.name,
                    ):
                        orgs.update_person(
                            self.actor, m, {"role": p.role, "units": p.units, "name": p.name}
                        )
                        self.count("people")

            self.attempt(f"people[{i}]", one)

    def cycles(self) -> None:
        def one(c: CycleIn) -> None:
            cycle = Cycle.objects.filter(organization=self.actor.organization, key=c.key).first()
            if cycle is None:
                goals.create_cycle(self.actor, c.key, c.start, c.end, c.name, c.parent)
                self.count("cycles")
            elif goals.cycle_snapshot(cycle) != {
                "key": c.key,
                "name": c.name,
                "start": c.start,
                "end": c.end,
                "parent": c.parent,
            }:
                goals.update_cycle(
                    self.actor,
                    cycle,
                    {"name": c.name, "start": c.start, "end": c.end, "parent": c.parent},
                )
                self.count("cycles")

        for i, c in _topological(self.doc.cycles, lambda c: c.parent):
            self.attempt(f"cycles[{i}]", lambda c=c: one(c))

    def objectives(self) -> None:
        def fields(o: ObjectiveIn) -> dict:
            return {
                "key": o.key,
                "title": o.title,
                "description": o.description,
                "level": o.level,
                "cycle": o.cycle,
                "unit": o.unit,
                "owner": o.owner,
                "progress_from": o.progress_from,
            }

        def one(o: ObjectiveIn) -> None:
            obj = Objective.objects.filter(organization=self.actor.organization, key=o.key).first()
            if obj is None:
                goals.create_objective(self.actor, fields(o), status=o.workflow())
                self.count("objectives")
            else:
                snap = goals.objective_snapshot(obj)
                wanted = {k: v for k, v in fields(o).items()}
                if any(snap.get(k) != v for k, v in wanted.items()):
                    goals.update_objective(
                        self.actor, obj, {k: v for k, v in wanted.items() if k != "key"}
                    )
                    self.count("objectives")

        for i, o in enumerate(self.doc.objectives):
            if self.attempt(f"objectives[{i}]", lambda o=o: one(o)) is None and any(
                p.startswith(f"objectives[{i}].") or p == f"objectives[{i}]" for p, _ in self.errors
            ):
                self.failed_objectives.add(o.key)

    def alignments(self) -> None:
        for i, o in enumerate(self.doc.objectives):
            if o.key in self.failed_objectives:
                continue

            def one(o=o) -> None:
                obj = Objective.objects.get(organization=self.actor.organization, key=o.key)
                wanted = [{"objective": a.objective, "weight": a.weight} for a in o.aligns_to]
                if goals.objective_snapshot(obj)["aligns_to"] != wanted:
                    goals.set_alignments(self.actor, obj, wanted)
                    self.count("alignments", len(wanted))

            self.attempt(f"objectives[{i}]", one)

    def key_results(self) -> None:
        for oi, o in enumerate(self.doc.objectives):
            if o.key in self.failed_objectives:
                continue
            objective = Objective.objects.get(organization=self.actor.organization, key=o.key)
            for ki, kr in enumerate(o.key_results):
                path = f"objectives[{oi}].key_results[{ki}]"
                self.attempt(
                    path, lambda kr=kr, objective=objective: self._key_result(objective, kr)
                )
                if KeyResult.objects.filter(
                    organization=self.actor.organization, key=kr.key
                ).exists():
                    self._check_ins(path, kr)
            if o.workflow():
                self.attempt(
                    f"objectives[{oi}].status",
                    lambda o=o: goals.set_status_from_file(
                        self.actor,
                        Objective.objects.get(organization=self.actor.organization, key=o.key),
                        o.workflow(),
                    ),
                )

    def end_of_cycle(self) -> None:
        """Decisions and lineage, once every objective and KR exists (a file may list an
        objective before the one it was carried from)."""
        for oi, o in enumerate(self.doc.objectives):
            lineage = {k.key: k.carried_from for k in o.key_results if k.carried_from}
            if o.key in self.failed_objectives or not (
                o.decision is not None or o.carried_from or lineage
            ):
                continue
            self.attempt(
                f"objectives[{oi}].decision",
                lambda o=o, lineage=lineage: carrying.set_end_of_cycle_from_file(
                    self.actor,
                    Objective.objects.get(organization=self.actor.organization, key=o.key),
                    o.decision.model_dump() if o.decision else None,
                    o.carried_from,
                    lineage,
                ),
            )

    def comments(self) -> None:
        """Conversations, once every objective, KR and initiative exists (replies point to
        the position of the comment they answer in the same list)."""
        from pilote.conversations.actions import restore_comments
        from pilote.roadmap.models import Initiative

        def people(items) -> list[dict]:
            out = []
            for i, c in enumerate(items):
                author = None
                if c.by:
                    author = User.objects.filter(
                        email=c.by.lower(), memberships__organization=self.actor.organization
                    ).first()
                    if author is None:
                        raise Invalid(
                            "unknown person", [(f"comments[{i}].by", unknown("person", c.by))]
                        )
                out.append({"by": author, "at": c.at, "body": c.body, "reply_to": c.reply_to})
            return out

        org = self.actor.organization
        targets = []
        for oi, o in enumerate(self.doc.objectives):
            if o.key in self.failed_objectives:
                continue
            if o.comments:
                targets.append((f"objectives[{oi}]", Objective, o.key, o.comments))
            for ki, kr in enumerate(o.key_results):
                if kr.comments:
                    path = f"objectives[{oi}].key_results[{ki}]"
                    targets.append((path, KeyResult, kr.key, kr.comments))
        for ii, ini in enumerate(self.doc.initiatives):
            if ini.comments:
                targets.append((f"initiatives[{ii}]", Initiative, ini.key, ini.comments))
        for path, model, key, items in targets:

            def one(path=path, model=model, key=key, items=items) -> None:
                target = model.objects.get(organization=org, key=key)
                self.count("comments", restore_comments(self.actor, target, people(items)))

            self.attempt(path, one)

    def _key_result(self, objective: Objective, kr: KeyResultIn) -> None:
        data = {
            "key": kr.key,
            "title": kr.title,
            "kind": kr.kind,
            "unit": kr.unit,
            "baseline": kr.baseline,
            "target": kr.target,
            "min": kr.min,
            "max": kr.max,
            "milestones": kr.milestones,
            "phases": [{"date": p.date.isoformat(), "value": p.value} for p in kr.phases],
            "weight": kr.weight,
            "owner": kr.owner,
            "due": kr.due,
        }
        existing = KeyResult.objects.filter(
            organization=self.actor.organization, key=kr.key
        ).first()
        if existing is None:
            keyresults.create_key_result(self.actor, objective, data)
            self.count("key results")
            return
        if existing.objective_id != objective.pk:
            raise Invalid(
                "moved key result",
                [("key", say("kr_belongs_to", key=kr.key, objective=existing.objective.key))],
            )
        snap = keyresults.kr_snapshot(existing)
        data["kind"] = data["kind"] or existing.kind
        if any(snap.get(k) != v for k, v in data.items() if k != "key"):
            keyresults.update_key_result(
                self.actor, existing, {k: v for k, v in data.items() if k != "key"}
            )
            self.count("key results")

    def _check_ins(self, path: str, kr: KeyResultIn) -> None:
        obj = KeyResult.objects.select_related("objective__cycle").get(
            organization=self.actor.organization, key=kr.key
        )
        seen: Counter = Counter()
        # Check-ins made in Pilote (the web, the API, a source) carry no import key: an export
        # of them imported again is matched by what they say, not recorded twice.
        made_here = Counter(
            (e.isoformat(), float(v), conf, comment, step)
            for e, v, conf, comment, step in CheckIn.objects.filter(key_result=obj)
            .exclude(idempotency_key__startswith="import:")
            .values_list("effective", "value", "confidence", "comment", "next_step")
        )
        for ci, c in enumerate(kr.check_ins):
            said = (c.date.isoformat(), float(c.value), c.confidence, c.comment.strip(),
                    c.next_step.strip())  # fmt: skip
            if made_here[said] > 0:
                made_here[said] -= 1
                continue
            content = json.dumps(
                [kr.key, c.date.isoformat(), c.value, c.confidence, c.comment]
                + ([c.next_step] if c.next_step else []),
                sort_keys=True,
            )
            seen[content] += 1
            key = "import:" + hashlib.sha256(f"{content}#{seen[content]}".encode()).hexdigest()[:40]

            def one(c=c, key=key) -> None:
                author = None
                if c.by:
                    author = User.objects.filter(
                        email=c.by.lower(), memberships__organization=self.actor.organization
                    ).first()
                    if author is None:
                        raise Invalid("unknown person", [("by", unknown("person", c.by))])
                _, created = keyresults.record_check_in(
                    self.actor,
                    obj,
                    c.value,
                    c.confidence,
                    c.comment,
                    c.date,
                    idempotency_key=key,
                    author=author,
                    next_step=c.next_step,
                )
                if created:
                    self.count("check-ins")

            self.attempt(f"{path}.check_ins[{ci}]", one)

    def initiatives(self) -> None:
        for i, ini in enumerate(self.doc.initiatives):

            def one(ini=ini) -> None:
                data = ini.model_dump(exclude={"key", "score", "rank", "comments"})
                data["impacts"] = [m.model_dump() for m in ini.impacts]
                existing = Initiative.objects.filter(
                    organization=self.actor.organization, key=ini.key
                ).first()
                if existing is None:
                    roadmap.create_initiative(self.actor, {"key": ini.key, **data})
                    self.count("initiatives")
                else:
                    snap = roadmap.initiative_snapshot(existing)
                    if any(snap.get(k) != v for k, v in data.items()):
                        roadmap.update_initiative(self.actor, existing, data)
                        self.count("initiatives")

            self.attempt(f"initiatives[{i}]", one)

    def run(self) -> None:
        for step in (
            self.vision,
            self.units,
            self.people,
            self.cycles,
            self.objectives,
            self.alignments,
        ):
            step()
        # The figures of the check-ins imported are refreshed once, before grading reads them.
        with figures_deferred():
            self.key_results()
        for step in (self.end_of_cycle, self.initiatives, self.comments):
            step()


def _dedupe(errors: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    seen, out = set(), []
    for e in errors:
        if e not in seen:
            seen.add(e)
            out.append(e)
    return out


def import_data(data: Any, *, dry_run: bool = False) -> Report:
    """Import a parsed document. Raises ImportFailed (nothing changed) listing every error."""
    doc, errors = parse(data)
    if doc is None:
        raise ImportFailed(N_("the file has errors; nothing was changed"), errors)
    errors = rule_errors(doc)
    report = Report(doc.organization, dry_run=dry_run)
    with transaction.atomic():
        org = Organization.objects.filter(name=doc.organization).first()
        if org is None:
            org = orgs.create_organization(doc.organization, doc.locale)
            report.counts["organizations"] += 1
        wanted: dict = {"locale": doc.locale}
        if doc.policy is not None:  # a file without `policy` leaves the organisation's as it is
            wanted["policy"] = doc.policy
        if doc.check_in_template is not None:
            wanted["check_in_template"] = doc.check_in_template
        if (
            org.locale != doc.locale
            or wanted.get("policy", org.policy_overrides) != org.policy_overrides
            or wanted.get("check_in_template", org.check_in_template) != org.check_in_template
        ):
            try:
                with transaction.atomic():
                    orgs.update_organization(Actor.system(org, "import"), org, wanted)
            except PiloteError as exc:
                errors += exc.errors
        errors += reference_errors(doc, existing_keys(org))
        writer = _Writer(Actor.system(org, "import"), doc, report)
        writer.run()
        # Every reference was checked above: a later "unknown ..." is a duplicate, or the
        # echo of another object's error (a person not created makes its objectives' owner unknown).
        errors = _dedupe(errors + [e for e in writer.errors if not is_unknown_reference(e[1])])
        if errors or dry_run:
            transaction.set_rollback(True)
    if errors:
        raise ImportFailed(N_("the file has errors; nothing was changed"), errors)
    return report


def import_file(path: str | Path, *, dry_run: bool = False) -> Report:
    return import_data(read_file(path), dry_run=dry_run)
