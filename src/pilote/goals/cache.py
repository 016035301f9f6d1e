"""Each process keeps the figures of today for the organisations it serves, exactly up to date.

A whole-organisation ``Snapshot`` costs ~1 s to build at 10,000 people (rows, current
readings, then every figure by the rules of ``pilote.okr``). Pages and API reads as of
today share one per organisation instead, checked on every read against the organisation's
data version (``orgs/versions.py``: one indexed read), which every audited write raises in
its own transaction:

- same version, same day: the cached snapshot is used as it is;
- newer version: the audit entries carrying the versions in between say what changed. If
  they are only check-ins, the snapshot advances (the KRs' current readings are read again,
  their figures and those of every objective above them are recomputed on the next read);
  anything else (an objective edited, a unit moved, a KR created…) rebuilds it;
- another day, another epoch (the organisation was recreated), or the cache turned off
  (``PILOTE_FIGURES_CACHE=0``): rebuilt.

Nothing read inside an open transaction enters the cache, nor is served from it: its
writes (and its version) may still be rolled back, and a version number seen before a
rollback is reused by the next write. Committed versions never go back, except when a
backup is restored: restart the app processes after a restore (docs/operations.md).

A snapshot is built in one consistent read (``pilote.db.consistent_read``: PostgreSQL
``REPEATABLE READ``, a deferred SQLite transaction) with the version read inside it, so its
rows and its version are of one moment: a write committed during a build is neither half
in it nor lost (the next read sees a newer version). ``pilote check`` compares the cached figures with a fresh
recomputation (``differences``). Reads as of another date build their own snapshot.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from django.conf import settings
from django.db import connection

from pilote.db import consistent_read
from pilote.orgs import versions
from pilote.orgs.access import Actor
from pilote.orgs.audit import AuditAction, AuditType
from pilote.orgs.models import AuditEntry

from .queries import Snapshot

# Audit entries of these kinds change no figure a snapshot holds (rows, readings, roll-ups);
# every other kind does (tests/goals/test_figures_cache.py goes through every member).
UNRELATED = frozenset(
    {
        AuditType.DATA_SOURCE,
        AuditType.WEBHOOK,
        AuditType.TOKEN,
        AuditType.INITIATIVE,
        AuditType.FEEDBACK,
        AuditType.HELD_READING,  # its check-in, if any, is audited as one
        AuditType.PREFERENCES,
    }
)
RELATED = frozenset(AuditType) - UNRELATED
# Beyond this many changes at once, rebuilding is as cheap as advancing.
MAX_ADVANCE = 5000


@dataclass
class Entry:
    epoch: UUID
    version: int
    snapshot: Snapshot


# Atomic blocks that stand for autocommit: tests run each test inside one (tests/conftest.py).
OUTER_BLOCKS = 0

_entries: OrderedDict[int, Entry] = OrderedDict()
_lock = threading.Lock()
_org_locks: dict[int, threading.Lock] = {}
stats = {"hits": 0, "advances": 0, "builds": 0}


def clear() -> None:
    with _lock:
        _entries.clear()
        _org_locks.clear()


def build(actor: Actor, as_of: date | None = None) -> Snapshot:
    """A fresh snapshot, all of it read in one consistent view of the database."""
    with consistent_read():
        return Snapshot(actor, as_of)


def snapshot(actor: Actor, as_of: date | None = None) -> Snapshot:
    """The snapshot of the actor's organisation as of ``as_of`` (today: from the cache)."""
    today = date.today()
    size = settings.PILOTE_FIGURES_CACHE
    in_transaction = len(connection.atomic_blocks) > OUTER_BLOCKS
    if (as_of is not None and as_of != today) or size <= 0 or in_transaction:
        return build(actor, as_of)
    org_id = actor.organization.pk
    epoch, version = versions.current(org_id)
    # Requests run in threads of their own (Django under ASGI): one builds or advances an
    # organisation's snapshot while the others wait for it instead of doing it again.
    with _lock:
        org_lock = _org_locks.setdefault(org_id, threading.Lock())
    with org_lock:
        with _lock:
            entry = _entries.get(org_id)
        snap = None
        if entry is not None and entry.epoch == epoch and entry.snapshot.as_of == today:
            if entry.version >= version:
                # Another request stored a snapshot at least as new as the version read
                # here: everything committed before that read is in it.
                stats["hits"] += 1
                with _lock:
                    if org_id in _entries:
                        _entries.move_to_end(org_id)  # the most recently read stay
                return entry.snapshot
            with consistent_read():
                epoch, version = versions.current(org_id)
                snap = _advance(entry, version) if epoch == entry.epoch else None
        if snap is None:
            stats["builds"] += 1
            with consistent_read():
                epoch, version = versions.current(org_id)
                snap = Snapshot(actor, today)
        with _lock:
            _entries[org_id] = Entry(epoch, version, snap)
            _entries.move_to_end(org_id)
            while len(_entries) > size:
                _entries.popitem(last=False)
    return snap


def _advance(entry: Entry, version: int) -> Snapshot | None:
    """The entry's snapshot brought to ``version``, or None when it must be rebuilt.

    Only check-ins advance it. A version raised without an audit entry (a shared account
    renamed in another organisation: ``orgs.actions``) leaves a gap in the versions the
    audit trail covers, and a gap rebuilds: nothing unlogged is ever taken for no change.
    """
    snap = entry.snapshot
    changes = list(
        AuditEntry.objects.filter(
            organization_id=snap.organization_id,
            version__gt=entry.version,
            version__lte=version,
        ).values_list("version", "action", "object_type", "object_key")[: MAX_ADVANCE + 1]
    )
    if len(changes) > MAX_ADVANCE:
        return None
    if len({v for v, *_ in changes}) < version - entry.version:
        return None
    keys = set()
    for _, action, object_type, key in changes:
        if object_type in UNRELATED:
            continue
        if action != AuditAction.CHECK_IN or object_type != AuditType.KEY_RESULT:
            return None
        if key not in snap.kr_ids_by_key:
            return None
        keys.add(snap.kr_ids_by_key[key])
    if not keys:
        return snap
    stats["advances"] += 1
    return snap.advanced(keys)


def differences(actor: Actor) -> list[str]:
    """What the cached snapshot of today says differently from one read afresh: every field
    pages show (titles, owners and their names, units, cycles, alignment, workflow, each KR's
    definition), then every figure, then the cockpit."""
    cached = snapshot(actor)
    fresh = build(actor, cached.as_of)
    out = []
    if set(fresh.objectives) != set(cached.objectives):
        out.append("the cached objectives are not the organisation's objectives")
    for what, a, b in (("objective", _objective_rows(cached), _objective_rows(fresh)),
                       ("key result", _kr_rows(cached), _kr_rows(fresh))):  # fmt: skip
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                out.append(f"{what} {key}: cached {a.get(key)}, read afresh {b.get(key)}")
    cached_krs = {kr.pk: kr for krs in cached.krs_by_objective.values() for kr in krs}
    for krs in fresh.krs_by_objective.values():
        for kr in krs:
            if kr.pk not in cached_krs:
                out.append(f"key result {kr.key}: not in the cached figures")
                continue
            a, b = cached.kr(cached_krs[kr.pk]), fresh.kr(kr)
            if _kr_figures(a) != _kr_figures(b):
                out.append(
                    f"key result {kr.key}: cached {_kr_figures(a)}, recomputed {_kr_figures(b)}"
                )
    for pk, objective in fresh.objectives.items():
        if pk not in cached.objectives:
            continue
        a, b = cached.objective(cached.objectives[pk]), fresh.objective(objective)
        if (a.progress, a.status, a.terms) != (b.progress, b.status, b.terms):
            out.append(
                f"objective {objective.key}: cached {a.progress} {a.status.value}, "
                f"recomputed {b.progress} {b.status.value}"
            )
    # The cockpit's counts and lists, kept up to date from the recomputed KRs.
    from .cockpit import build_cockpit

    kept, built = build_cockpit(actor, cached), build_cockpit(actor, fresh)
    if _cockpit_figures(kept) != _cockpit_figures(built):
        out.append(
            f"cockpit: cached {_cockpit_figures(kept)}, recomputed {_cockpit_figures(built)}"
        )
    return out


def _person(user) -> tuple | None:
    return (user.email, user.name) if user is not None else None


def _objective_rows(snap: Snapshot) -> dict[str, tuple]:
    return {
        o.key: (
            o.title, o.description, o.level, o.status, o.progress_from, o.review_comment,
            o.grade, o.grade_override, o.grade_reason, o.retrospective,
            (o.cycle.key, o.cycle.name, o.cycle.start, o.cycle.end, o.cycle.closed_at),
            (o.unit.key, o.unit.name) if o.unit else None, _person(o.owner),
            sorted((snap.objectives[p].key, w) for p, w in snap.parents.get(o.pk, [])),
        )
        for o in snap.objectives.values()
    }  # fmt: skip


def _kr_rows(snap: Snapshot) -> dict[str, tuple]:
    return {
        kr.key: (
            kr.objective.key, kr.title, kr.kind, kr.unit_label, kr.baseline, kr.target,
            kr.minimum, kr.maximum, kr.milestones, kr.phases, kr.weight, kr.due, kr.position,
            kr.grade, kr.grade_override, kr.grade_reason, _person(kr.owner),
        )
        for krs in snap.krs_by_objective.values()
        for kr in krs
    }  # fmt: skip


def _cockpit_figures(c) -> tuple:
    return (
        c.counts,
        c.attention_total,
        [f.kr.key for f in c.attention],
        c.overdue_total,
        [f.kr.key for f in c.overdue],
        [(f.objective.key, f.progress, f.status.value) for f in c.strategic],
        c.waiting_total,
    )


def _kr_figures(f) -> tuple:
    return (f.latest, f.progress, f.expected, f.status.value)
