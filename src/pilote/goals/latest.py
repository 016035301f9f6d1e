"""Each KR's current reading, stored on the KR and kept up to date by the check-in action.

The rule (pilote.okr.progress.current_reading): the latest check-in by effective date,
ties going to the latest recorded. Check-ins are append-only, so a new check-in either
becomes the current one or changes nothing: one conditional UPDATE, safe under concurrent
writers (the WHERE re-checks the stored reading). Reads as of today use the stored reading;
reads as of a past date (or a KR whose current check-in is dated after it) fall back to the
check-ins themselves.

``refresh`` recomputes from the check-ins (after bulk loads); ``mismatches`` is the
consistency check behind ``pilote check``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

from pilote.db import update_rows
from pilote.okr.progress import current_reading
from pilote.okr.types import Reading

from .models import CheckIn, KeyResult

FIELDS = ("last_value", "last_effective", "last_confidence", "last_check_in_id")
# The rule's order (pilote.okr.progress.current_reading: effective date, then the order of
# recording) in SQL: the last row of this order per KR is its current reading. The
# conditional UPDATE below says the same in its WHERE; tests/goals/test_stored_readings.py
# proves both equal to the pure rule over random check-in sequences.
CHECK_IN_ORDER = ("effective", "id")


# Inside ``figures_deferred``: {organization: (KR ids, dates of their new check-ins)}.
_deferred: ContextVar[dict | None] = ContextVar("pilote_deferred_figures", default=None)


@contextmanager
def figures_deferred() -> Iterator[None]:
    """Check-ins recorded inside keep their KRs' readings at once but refresh the stored
    figures (the KRs', the objectives' above them and their history) once, on leaving: an
    import of 200 dated check-ins rebuilt the history 190 times, half of ``pilote demo``.
    Whoever reads figures inside must leave first; on an error nothing is refreshed (the
    caller's transaction is rolled back)."""
    if _deferred.get() is not None:  # already deferred by a caller: its exit refreshes
        yield
        return
    pending: dict = {}
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    from . import figures

    for organization, (ids, days) in pending.items():
        figures.refresh_key_results(organization, ids, check_ins=days)


def reading_of(ci: CheckIn) -> Reading:
    return Reading(ci.value, ci.effective, ci.confidence, ci.pk)


def note_check_in(check_in: CheckIn) -> None:
    """Make ``check_in`` its KR's current reading if it is later than the stored one."""
    note_check_ins([check_in])


def note_check_ins(check_ins: list[CheckIn]) -> None:
    """Make each KR's newest of ``check_ins`` its current reading where it is later than the
    stored one: one conditional UPDATE of them all (the condition re-checks each stored
    reading, so concurrent writers cannot go back in time)."""
    by_kr: dict[int, list[Reading]] = {}
    for ci in check_ins:
        by_kr.setdefault(ci.key_result_id, []).append(reading_of(ci))
    newest = {kr_id: current_reading(readings) for kr_id, readings in by_kr.items()}
    update_rows(
        KeyResult,
        ("last_value", "last_effective", "last_confidence", "last_check_in_id"),
        [(kr_id, r.value, r.effective, r.confidence, r.sequence) for kr_id, r in newest.items()],
        only_if="t.last_effective IS NULL OR t.last_effective < v.last_effective"
        " OR (t.last_effective = v.last_effective AND t.last_check_in_id < v.last_check_in_id)",
    )
    days = {ci.effective for ci in check_ins}
    pending = _deferred.get()
    if pending is not None:
        ids, seen = pending.setdefault(check_ins[0].organization, (set(), set()))
        ids.update(newest)
        seen.update(days)
        return
    from . import figures

    figures.refresh_key_results(check_ins[0].organization, newest, check_ins=days)


def stored(kr: KeyResult) -> Reading | None:
    if kr.last_effective is None:
        return None
    return Reading(kr.last_value, kr.last_effective, kr.last_confidence, kr.last_check_in_id or 0)


def recomputed(kr_ids: Iterable[int]) -> dict[int, tuple]:
    """The current reading of each KR from its check-ins: {kr id: (value, date, confidence, id)}."""
    out: dict[int, tuple] = {}
    for kr_id, value, effective, confidence, pk in (
        CheckIn.objects.filter(key_result_id__in=list(kr_ids))
        .order_by("key_result_id", *CHECK_IN_ORDER)
        .values_list("key_result_id", "value", "effective", "confidence", "id")
        .iterator(chunk_size=10_000)
    ):
        out[kr_id] = (value, effective, confidence, pk)
    return out


def _rows(organization_id: int):
    return KeyResult.objects.filter(organization_id=organization_id).values_list("pk", *FIELDS)


@transaction.atomic
def refresh(organization_id: int, batch: int = 2000) -> int:
    """Recompute every KR's stored reading from its check-ins; returns how many changed.

    A change is audited.
    """
    changed = 0
    ids = list(
        KeyResult.objects.filter(organization_id=organization_id).values_list("pk", flat=True)
    )
    for i in range(0, len(ids), batch):
        chunk = ids[i : i + batch]
        truth = recomputed(chunk)
        fix = []
        for kr in KeyResult.objects.filter(pk__in=chunk).only("pk", *FIELDS):
            want = truth.get(kr.pk, (None, None, None, None))
            if tuple(getattr(kr, f) for f in FIELDS) != want:
                kr.last_value, kr.last_effective, kr.last_confidence, kr.last_check_in_id = want
                fix.append(kr)
        KeyResult.objects.bulk_update(fix, FIELDS, batch_size=1000)
        changed += len(fix)
    from pilote.orgs.models import Organization

    from . import figures

    changed += figures.rebuild(Organization.objects.get(pk=organization_id))
    if changed:
        from pilote.orgs import audit
        from pilote.orgs.access import Actor
        from pilote.orgs.audit import AuditType
        from pilote.orgs.models import Organization

        system = Actor.system(Organization.objects.get(pk=organization_id), label="pilote check")
        audit.record(system, "refresh", AuditType.KEY_RESULT, f"{changed} key result(s)",
                     after={"changed": changed})  # fmt: skip
    return changed


def mismatches(organization_id: int) -> list[tuple[str, tuple, tuple]]:
    """KRs whose stored reading differs from the recomputed one: (key, stored, recomputed)."""
    keys = dict(KeyResult.objects.filter(organization_id=organization_id).values_list("pk", "key"))
    truth = recomputed(keys)
    out = []
    for pk, *stored_row in _rows(organization_id):
        want = truth.get(pk, (None, None, None, None))
        if tuple(stored_row) != want:
            out.append((keys[pk], tuple(stored_row), want))
    return out
