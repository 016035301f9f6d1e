"""OKRs from a spreadsheet into one cycle: what would be created or changed, then all or
nothing, every write through the actions as the person importing (their rights hold).

``run(actor, sheets, cycle, …, dry_run=True)`` is the preview: it plans (matching each row
to today's data), then performs every write inside a transaction it rolls back, so the
preview names every error the real import would meet — rights, rules, unknown people —
each at its cell (``Feuil1!D7``). ``dry_run=False`` keeps the writes when nothing failed.

**Matching.** An objective is the cycle's objective with the same key (an "objective key"
column) or else the same title (case and accents aside); a key result, its objective's KR
with the same key or title. What the sheet gives and differs is changed; what it leaves
blank, or has no column for, stays as it is. A current value that differs from the KR's
reading becomes a check-in dated ``as_of`` (today by default).

**Where things go.** A team column names a unit by its key or its name; without one (or
left blank), ``unit`` (the page's choice; else the importer's own unit; else the root
unit). The level is the level column's, else strategic for the root unit and tactical
below it. Owners are named by e-mail or by name (a name two members share is refused:
write the e-mail); an empty owner is allowed.

**Kinds.** A kind column says it; else, for a new key result, a target below the baseline
is a decrease, yes/no (or 0 → 1) a boolean, anything else an increase — *inferred*, shown
so in the preview, and ``kinds`` (cell reference of the row → kind) confirms or corrects
them. An existing key result keeps its kind unless the column says otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from pilote.errors import PiloteError
from pilote.goals import actions as goals
from pilote.goals import keyresults
from pilote.goals.models import Cycle, KeyResult, Objective
from pilote.okr.text import N_
from pilote.orgs.access import Actor
from pilote.orgs.models import Membership, Unit, User

from . import sheets as S

KINDS = ("increase", "decrease", "boolean", "milestone", "maintain")
# An action's error path → the sheet field whose column it names.
_OBJECTIVE_PATHS = {"title": "title", "owner": "objective_owner", "unit": "team",
                    "level": "level"}  # fmt: skip
_KR_PATHS = {"title": "title", "owner": "owner", "baseline": "baseline", "target": "target",
             "unit": "measure", "kind": "kind", "due": "due", "value": "current"}  # fmt: skip


@dataclass
class Item:
    """One objective or key result of the sheet, and what importing it does."""

    what: str  # "objective" or "key_result"
    ref: str  # its row: "Feuil1!5"
    title: str
    action: str = "create"  # "create", "update" or "same"
    key: str = ""  # the existing key (new ones get theirs when created)
    objective_ref: str = ""  # a key result's objective row
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field → (before, after)
    data: dict[str, Any] = field(default_factory=dict)  # what the action is given
    kind: str | None = None
    kind_inferred: bool = False
    check_in: float | None = None
    confidence: int | None = None
    comment: str = ""
    next_step: str = ""
    columns: dict[str, int] = field(default_factory=dict)  # field → column (for errors)
    notes: list[str] = field(default_factory=list)  # what the import assumed, for the preview
    sheet: str = ""
    row: int = 0


@dataclass
class Plan:
    cycle: str
    as_of: dt.date
    sheets: list[dict] = field(
        default_factory=list
    )  # name, layout, columns [(letter, header, field)]
    items: list[Item] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (row ref, why)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (cell ref, message)
    counts: Counter = field(default_factory=Counter)
    dry_run: bool = True
    organization: Any = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        c = self.counts
        parts = [f"{n} {what}" for what, n in sorted(c.items()) if n]
        verb = "would change" if self.dry_run else "imported"
        return f"{self.cycle}: {verb} " + (", ".join(parts) if parts else "nothing (up to date)")

    def diff_lines(self) -> list[str]:
        """The preview as lines of text (the CLI's --dry-run)."""
        out = []
        for item in self.items:
            if item.action == "same" and item.check_in is None:
                continue
            sign = {"create": "+", "update": "~", "same": "="}[item.action]
            label = "objective" if item.what == "objective" else "  key result"
            text = f"{sign} {label} {item.title!r} ({item.ref})"
            if item.changes and item.action == "update":
                text += ": " + ", ".join(
                    f"{k} {_show(a)} → {_show(b)}" for k, (a, b) in item.changes.items()
                )
            if item.kind_inferred:
                text += f" [kind {item.kind}, inferred]"
            for note in item.notes:
                text += f" [{note}]"
            if item.check_in is not None:
                text += f" [check-in {_show(item.check_in)} on {self.as_of.isoformat()}]"
            out.append(text)
        return out


def _show(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return "—" if v in (None, "") else str(v)


class _People:
    """Members by e-mail or by name (names only when one member has it)."""

    def __init__(self, actor: Actor):
        self.by_email: dict[str, User] = {}
        names: dict[str, list[User]] = {}
        for m in Membership.objects.filter(organization=actor.organization).select_related("user"):
            self.by_email[m.user.email.lower()] = m.user
            if m.user.name:
                names.setdefault(S.normalise(m.user.name), []).append(m.user)
        self.by_name = names

    def find(self, text: str) -> User:
        text = text.strip()
        if "@" in text:
            user = self.by_email.get(text.lower())
            if user is None:
                raise ValueError(N_("no member of the organisation has this e-mail"))
            return user
        found = self.by_name.get(S.normalise(text), [])
        if len(found) > 1:
            raise ValueError(N_("two members have this name: write the e-mail"))
        if not found:
            raise ValueError(N_("no member of the organisation has this name or e-mail"))
        return found[0]


class _Units:
    def __init__(self, actor: Actor):
        self.all = list(Unit.objects.filter(organization=actor.organization))
        self.by_key = {u.key: u for u in self.all}
        self.by_name: dict[str, list[Unit]] = {}
        for u in self.all:
            self.by_name.setdefault(S.normalise(u.name), []).append(u)

    def find(self, text: str) -> Unit:
        text = text.strip()
        if text in self.by_key:
            return self.by_key[text]
        found = self.by_name.get(S.normalise(text), [])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ValueError(N_("two units have this name: write the unit's key"))
        raise ValueError(N_("no unit has this name or key"))

    def root(self) -> Unit | None:
        roots = [u for u in self.all if u.parent_id is None]
        return roots[0] if roots else None


def default_unit(actor: Actor, units: _Units, key: str | None) -> Unit | None:
    if key:
        return units.by_key.get(key)
    mine = [u for u in units.all if u.pk in actor.unit_ids] if actor.user else []
    return mine[0] if mine else units.root()


def run(
    actor: Actor,
    sheets: list[S.Sheet],
    cycle_key: str,
    *,
    mapping: dict[str, str | None] | None = None,
    unit: str | None = None,
    kinds: dict[str, str] | None = None,
    as_of: dt.date | None = None,
    dry_run: bool = True,
) -> Plan:
    """Plan the import of ``sheets`` into the cycle, and perform it unless ``dry_run`` or an
    error (see the module's text). Never raises for what the file says: ``plan.errors``."""
    plan = Plan(cycle_key, as_of or timezone.localdate(), dry_run=dry_run,
                organization=actor.organization)  # fmt: skip
    cycle = Cycle.objects.filter(organization=actor.organization, key=cycle_key).first()
    if cycle is None:
        plan.errors.append(("cycle", N_("no cycle has this key")))
        return plan
    for name, value in (mapping or {}).items():
        if value is not None and value not in S.FIELD_NAMES:
            plan.errors.append((f"mapping.{name}", N_("not a field Pilote reads from a column")))
    units, people = _Units(actor), _People(actor)
    fallback = default_unit(actor, units, unit)
    if unit and fallback is None:
        plan.errors.append(("unit", N_("no unit has this key")))
    found_any = False
    for sheet in sheets:
        columns = S.find_columns(sheet, mapping)
        if columns is None:
            continue
        found_any = True
        layout = S.rows_of(sheet, columns)
        plan.sheets.append({
            "name": sheet.name,
            "layout": layout.name,
            "header_row": columns.header_row + 1,
            "columns": [(S.column_letter(c), h, columns.fields.get(c))
                        for c, h in sorted(columns.headers.items())],
        })  # fmt: skip
        plan.errors += layout.errors
        plan.skipped += [(S.ref(sheet.name, r), why) for r, why in layout.skipped]
        _plan_sheet(plan, sheet, layout, cycle, units, people, fallback, kinds or {})
    if not found_any and not plan.errors:
        plan.errors.append(("", N_(
            "no header row was recognised: name the columns (Objectif / Objective, Résultat clé"
            " / Key result, Responsable / Owner, Départ / Baseline, Cible / Target…) or give a"
            " mapping"
        )))  # fmt: skip
    order = {s["name"]: i for i, s in enumerate(plan.sheets)}
    plan.errors.sort(key=lambda e: _position(e[0], order))
    if plan.ok:
        _perform(actor, plan, cycle)
    return plan


def _position(where: str, order: dict[str, int]) -> tuple:
    """A cell reference's place in reading order: sheet, row, column ("AA" after "Z")."""
    import re

    sheet, _, cell = where.rpartition("!")
    m = re.fullmatch(r"([A-Z]*)(\d+)", cell)
    if not sheet or m is None:
        return (-1, 0, 0, "")
    letters, row = m.groups()
    return (order.get(sheet, len(order)), int(row), len(letters), letters)


def _cell_error(plan: Plan, sheet: S.Sheet, row: int, column: int, message: str) -> None:
    plan.errors.append((S.ref(sheet.name, row, column), message))


def _read(plan, sheet, row, values, name, reader):
    """A field's value read from its cell; None when blank or wrong (the error noted)."""
    if name not in values:
        return None
    column, cell = values[name]
    if cell.empty:
        return None
    try:
        return reader(cell)
    except ValueError as exc:
        _cell_error(plan, sheet, row, column, str(exc))
        return None


def _plan_sheet(plan, sheet, layout, cycle, units, people, fallback, kinds) -> None:
    existing = list(Objective.objects.filter(organization=cycle.organization, cycle=cycle)
                    .select_related("unit", "owner"))  # fmt: skip
    by_key = {o.key: o for o in existing}
    by_title = {S.normalise(o.title): o for o in existing}
    objectives: dict[int, tuple[Item, Objective | None]] = {}
    seen_titles: dict[str, str] = {}
    for row in layout.rows:
        values = row.cells
        cols = {name: c for name, (c, _) in values.items()}
        cols["title"] = row.title_column
        ref = S.ref(sheet.name, row.index)
        if row.kind == "objective":
            item = Item("objective", ref, row.title, columns=cols, sheet=sheet.name, row=row.index)
            key = _read(plan, sheet, row.index, values, "objective_key", lambda c: c.text)
            obj = by_key.get(key) if key else by_title.get(S.normalise(row.title))
            if (
                key
                and obj is None
                and Objective.objects.filter(organization=cycle.organization, key=key).exists()
            ):
                _cell_error(plan, sheet, row.index, cols["objective_key"], N_(
                    "this objective is in another cycle: import its rows into that cycle"))  # fmt: skip
                continue
            team = _read(plan, sheet, row.index, values, "team", lambda c: units.find(c.text))
            owner_field = "objective_owner" if "objective_owner" in values else (
                "owner" if layout.name == "outline" else None)  # fmt: skip
            owner = (_read(plan, sheet, row.index, values, owner_field,
                           lambda c: people.find(c.text)) if owner_field else None)  # fmt: skip
            if owner_field:
                cols["objective_owner"] = cols.get(owner_field, row.title_column)
            level = _read(plan, sheet, row.index, values, "level", S.level_of)
            twice = seen_titles.get(S.normalise(row.title))
            if twice:
                _cell_error(plan, sheet, row.index, row.title_column,
                            N_("this objective is already in the sheet, above"))  # fmt: skip
            seen_titles[S.normalise(row.title)] = ref
            if obj is None:
                unit = team or fallback
                if unit is None:
                    _cell_error(plan, sheet, row.index, row.title_column,
                                N_("no unit to put this objective in: add a team column"))  # fmt: skip
                    continue
                item.data = {"title": row.title, "cycle": cycle.key, "unit": unit.key,
                             "level": level or ("strategic" if unit.parent_id is None else "tactical"),
                             "owner": owner.email if owner else None}  # fmt: skip
                if key:
                    item.data["key"] = key
            else:
                item.action, item.key = "update", obj.key
                wanted = {"title": row.title, "unit": team.key if team else None,
                          "owner": owner.email if owner else None, "level": level}  # fmt: skip
                now = {"title": obj.title, "unit": obj.unit.key,
                       "owner": obj.owner.email if obj.owner_id else None, "level": obj.level}  # fmt: skip
                item.changes = {k: (now[k], v) for k, v in wanted.items()
                                if v is not None and v != now[k]}  # fmt: skip
                item.data = {k: b for k, (_, b) in item.changes.items()}
                if not item.changes:
                    item.action = "same"
            objectives[row.index] = (item, obj)
            plan.items.append(item)
        else:
            parent = objectives.get(row.objective_row)
            if parent is None:
                continue  # its objective row had an error, already said
            _plan_key_result(plan, sheet, row, values, cols, ref, parent, people, kinds)


def parent_item_org(obj, plan: Plan):
    return obj.organization if obj is not None else plan.organization


def _said(values: dict, name: str) -> bool:
    """The row has something in this field's cell (read or not)."""
    return name in values and not values[name][1].empty


def _plan_key_result(plan, sheet, row, values, cols, ref, parent, people, kinds) -> None:
    parent_item, obj = parent
    item = Item("key_result", ref, row.title, objective_ref=parent_item.ref, columns=cols,
                sheet=sheet.name, row=row.index)  # fmt: skip
    r = row.index
    key = _read(plan, sheet, r, values, "key", lambda c: c.text)
    existing = None
    if obj is not None:
        krs = list(obj.key_results.select_related("owner"))
        existing = (next((k for k in krs if k.key == key), None) if key else
                    next((k for k in krs if S.normalise(k.title) == S.normalise(row.title)), None))  # fmt: skip
    if (
        key
        and existing is None
        and KeyResult.objects.filter(organization=parent_item_org(obj, plan), key=key).exists()
    ):
        # The key is another objective's KR: a sheet does not move key results.
        _cell_error(plan, sheet, r, cols.get("key", row.title_column),
                    N_("this key belongs to a key result of another objective"))  # fmt: skip
        return
    baseline = _read(plan, sheet, r, values, "baseline", S.number)
    target = _read(plan, sheet, r, values, "target", S.number)
    current = _read(plan, sheet, r, values, "current", S.number)
    owner = _read(plan, sheet, r, values, "owner", lambda c: people.find(c.text))
    due = _read(plan, sheet, r, values, "due", S.day)
    item.confidence = _read(plan, sheet, r, values, "confidence", _confidence)
    item.comment = _read(plan, sheet, r, values, "comment", lambda c: c.text) or ""
    item.next_step = _read(plan, sheet, r, values, "next_step", lambda c: c.text) or ""
    told_kind = _read(plan, sheet, r, values, "kind", S.kind_of)
    measure = _read(plan, sheet, r, values, "measure", lambda c: c.text[:30])
    if measure is None:
        measure = next((n.unit for n in (target, baseline, current) if n and n.unit), None)
    kind = kinds.get(ref) or told_kind
    if kind is not None and kind not in KINDS:
        _cell_error(
            plan, sheet, r, cols.get("kind", row.title_column), N_("not a kind of key result")
        )
        kind = None
    if kind is None and existing is None:
        yes_no = any(S.is_yes_no(values[f][1]) for f in ("baseline", "target", "current")
                     if f in values)  # fmt: skip
        b, t = (baseline.value if baseline else None), (target.value if target else None)
        if yes_no or (b in (None, 0) and t == 1 and (current is None or current.value in (0, 1))):
            kind = "boolean"
        elif b is not None and t is not None and t < b:
            kind = "decrease"
        else:
            kind = "increase"
        item.kind_inferred = ref not in kinds
    item.kind = kind or (existing.kind if existing else None)
    wanted = {
        "title": row.title,
        "kind": kind,
        "baseline": baseline.value if baseline and item.kind != "boolean" else None,
        "target": target.value if target and item.kind != "boolean" else None,
        "unit": measure,
        "owner": owner.email if owner else None,
        "due": due,
    }
    if item.kind == "boolean" and existing is None:
        wanted.update(baseline=None, target=None)
    if existing is None:
        item.data = {k: v for k, v in wanted.items() if v is not None}
        item.data["kind"] = item.kind
        if key:
            item.data["key"] = key
        if item.kind in ("increase", "decrease") and target is None and not _said(values, "target"):
            _cell_error(plan, sheet, r, cols.get("target", row.title_column),
                        N_("a target is needed for this key result"))  # fmt: skip
        if item.kind == "increase" and baseline is None and not _said(values, "baseline"):
            item.data["baseline"] = 0.0  # what a sheet without a start means; the preview says so
            item.notes.append(N_("no baseline given: it starts from 0"))
        elif item.kind == "decrease" and baseline is None and not _said(values, "baseline"):
            _cell_error(plan, sheet, r, cols.get("baseline", row.title_column),
                        N_("a baseline is needed for a key result that decreases"))  # fmt: skip
    else:
        item.action, item.key = "update", existing.key
        now = {"title": existing.title, "kind": existing.kind, "baseline": existing.baseline,
               "target": existing.target, "unit": existing.unit_label,
               "owner": existing.owner.email if existing.owner_id else None,
               "due": existing.due}  # fmt: skip
        item.changes = {k: (now[k], v) for k, v in wanted.items() if v is not None and v != now[k]}
        item.data = {k: b for k, (_, b) in item.changes.items()}
        if not item.changes:
            item.action = "same"
    if current is not None:
        value = current.value
        if item.kind == "boolean":
            value = 1.0 if value else 0.0
        if existing is None or existing.last_value is None or existing.last_value != value:
            item.check_in = value
    plan.items.append(item)


def _confidence(cell: S.Cell) -> int:
    n = S.number(cell)
    if n is None or not n.value.is_integer() or not 0 <= n.value <= 10:
        raise ValueError(N_("a confidence is a whole number from 0 to 10"))
    return int(n.value)


def _perform(actor: Actor, plan: Plan, cycle: Cycle) -> None:
    """Every write, through the actions, in one transaction: rolled back on the first
    error's end (each write in a savepoint, so that every error is found) or a dry run."""
    made: dict[str, Objective] = {}
    with transaction.atomic():
        for item in plan.items:
            if item.what == "objective":
                obj = _attempt(
                    plan, item, _OBJECTIVE_PATHS, lambda i=item: _objective(actor, plan, i)
                )
                if obj is not None:
                    made[item.ref] = obj
                continue
            objective = made.get(item.objective_ref)
            if objective is None:
                continue
            kr = _attempt(
                plan, item, _KR_PATHS, lambda i=item, o=objective: _key_result(actor, plan, o, i)
            )
            if kr is not None and item.check_in is not None:
                if _attempt(plan, item, {"value": "current", "effective": "current", "date": "current",
                                         "confidence": "confidence", "next_step": "next_step",
                                         "comment": "comment"},
                            lambda i=item, k=kr: keyresults.record_check_in(
                                actor, k, i.check_in, i.confidence, i.comment,
                                effective=plan.as_of, next_step=i.next_step,
                                idempotency_key=f"sheet:{k.key}:{plan.as_of}:{i.check_in}"))\
                        is not None:  # fmt: skip
                    plan.counts["check-ins"] += 1
        if plan.errors or plan.dry_run:
            transaction.set_rollback(True)
    if plan.errors:
        plan.counts.clear()


def _attempt(plan: Plan, item: Item, paths: dict[str, str], fn):
    try:
        with transaction.atomic():
            return fn()
    except PiloteError as exc:
        for path, message in exc.errors or [("", exc.detail)]:
            name = paths.get(path.split(".")[0].split("[")[0], "title")
            column = item.columns.get(name, item.columns.get("title"))
            plan.errors.append((S.ref(item.sheet, item.row, column), message))
        return None


def _objective(actor: Actor, plan: Plan, item: Item) -> Objective:
    if item.action == "create":
        obj = goals.create_objective(actor, item.data)
        item.key = obj.key
        plan.counts["objectives"] += 1
        return obj
    obj = Objective.objects.get(organization=actor.organization, key=item.key)
    if item.action == "update":
        obj = goals.update_objective(actor, obj, item.data)
        plan.counts["objectives"] += 1
    return obj


def _key_result(actor: Actor, plan: Plan, objective: Objective, item: Item) -> KeyResult:
    if item.action == "create":
        kr = keyresults.create_key_result(actor, objective, item.data)
        item.key = kr.key
        plan.counts["key results"] += 1
        return kr
    kr = KeyResult.objects.get(organization=actor.organization, key=item.key)
    if item.action == "update":
        kr = keyresults.update_key_result(actor, kr, item.data)
        plan.counts["key results"] += 1
    return kr
