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

The version is read before the rows, so a write committed during a build is applied again
on the next read, never lost. ``pilote check`` compares the cached figures with a fresh
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


def snapshot(actor: Actor, as_of: date | None = None) -> Snapshot:
    """The snapshot of the actor's organisation as of ``as_of`` (today: from the cache)."""
    today = date.today()
    size = settings.PILOTE_FIGURES_CACHE
    in_transaction = len(connection.atomic_blocks) > OUTER_BLOCKS
    if (as_of is not None and as_of != today) or size <= 0 or in_transaction:
        return Snapshot(actor, as_of)
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
            snap = _advance(entry, version)
        if snap is None:
            stats["builds"] += 1
            snap = Snapshot(actor, today)
        with _lock:
            _entries[org_id] = Entry(epoch, version, snap)
            _entries.move_to_end(org_id)
            while len(_entries) > size:
                _entries.popitem(last=False)
    return snap


def _advance(entry: Entry, version: int) -> Snapshot | None:
    snap = entry.snapshot
    changes = list(
        AuditEntry.objects.filter(
            organization_id=snap.organization_id,
            version__gt=entry.version,
            version__lte=version,
        ).values_list("action", "object_type", "object_key")[: MAX_ADVANCE + 1]
    )
    if len(changes) > MAX_ADVANCE:
        return None
    keys = set()
    for action, object_type, key in changes:
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
    """What the cached figures of today say differently from a full recomputation."""
    cached = snapshot(actor)
    fresh = Snapshot(actor, cached.as_of)
    out = []
    if set(fresh.objectives) != set(cached.objectives):
        out.append("the cached objectives are not the organisation's objectives")
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
