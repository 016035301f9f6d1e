"""Strategy reach (PRODUCT.md "Strategy reach", issue 16): the share of the organisation's
people, and of each unit's, who opened the one-page strategy or the strategy tree this
cycle — aggregates only, never who.

- An opening is kept once per person and cycle as a keyed digest (``StrategyOpening``): the
  table names nobody. Each process remembers whom it has kept, so a page view costs no
  query after the first.
- A unit of fewer than ``SMALL_UNIT`` people is merged into its parent's figure (and so on
  up; at the top, into the organisation's only): a figure over 3 people would say who.
- Who has not looked gets a reminder from the system (``notify.jobs.strategy_reminders``):
  the only place digests are compared with people, and nothing of it is shown to anyone.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from django.conf import settings

from pilote.okr.reach import merge_small_units
from pilote.orgs.access import Actor
from pilote.orgs.models import Membership, Unit

from .models import Cycle, StrategyOpening

_SEEN: OrderedDict[tuple[int, int, int], None] = OrderedDict()  # this process's, bounded
SEEN_MAX = 100_000


@lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    return hashlib.sha256(b"pilote-strategy-reach:" + secret.encode()).digest()


def digest_of(organization_id: int, user_id: int, cycle_id: int) -> str:
    message = f"{organization_id}:{user_id}:{cycle_id}".encode()
    return hmac.digest(_key(settings.SECRET_KEY), message, "sha256").hex()


def note_opening(actor: Actor, cycle: Cycle | None) -> None:
    """Keep that this member opened the strategy of ``cycle``: one insert the first time this
    process sees them do it this cycle (another process's, or an earlier one's, is ignored
    by the unique digest), nothing after — no session or row written on every page."""
    if cycle is None or actor.user is None or actor.role == "system":
        return
    seen = (actor.organization.pk, actor.user.pk, cycle.pk)
    if seen in _SEEN:
        _SEEN.move_to_end(seen)
        return
    StrategyOpening.objects.bulk_create(
        [StrategyOpening(organization=actor.organization, cycle=cycle,
                         digest=digest_of(*seen), day=date.today())],
        ignore_conflicts=True,
    )  # fmt: skip
    _SEEN[seen] = None
    if len(_SEEN) > SEEN_MAX:
        _SEEN.popitem(last=False)


@dataclass(frozen=True)
class Share:
    key: str | None  # None: the organisation
    name: str
    people: int
    opened: int
    merged: tuple[str, ...] = ()  # the small units counted in this figure

    @property
    def share(self) -> float | None:
        return self.opened / self.people if self.people else None


FRESH_SECONDS = 300  # how long a process reuses a cycle's figures (the cockpit reads them)
_FIGURES: dict[tuple[int, int], tuple[float, tuple]] = {}


def reach(actor: Actor, cycle: Cycle, fresh: bool = False) -> tuple[Share, list[Share]]:
    """The organisation's figure and each unit's (units of fewer than ``SMALL_UNIT`` people
    merged upwards), the units with the lowest share first. Computed at most every
    ``FRESH_SECONDS`` per process and cycle (~0.1 s at 10,000 people: a digest per member),
    unless ``fresh``."""
    import time

    key = (actor.organization.pk, cycle.pk)
    kept = _FIGURES.get(key)
    if not fresh and kept is not None and time.monotonic() - kept[0] < FRESH_SECONDS:
        return kept[1]
    figures = _reach(actor, cycle)
    _FIGURES[key] = (time.monotonic(), figures)
    return figures


def _reach(actor: Actor, cycle: Cycle) -> tuple[Share, list[Share]]:
    org = actor.organization
    members = list(
        Membership.objects.filter(organization=org, deactivated_at__isnull=True).values_list(
            "pk", "user_id", "units"
        )
    )
    units_of: dict[int, set[int]] = {}
    users: dict[int, int] = {}
    for pk, user, unit in members:
        users[pk] = user
        units_of.setdefault(pk, set())
        if unit is not None:
            units_of[pk].add(unit)
    opened_digests = set(
        StrategyOpening.objects.filter(organization=org, cycle=cycle).values_list(
            "digest", flat=True
        )
    )
    opened = {
        pk for pk, user in users.items() if digest_of(org.pk, user, cycle.pk) in opened_digests
    }
    units = {
        u.pk: u
        for u in Unit.objects.filter(organization=org).only("id", "key", "name", "parent_id")
    }
    people: dict[int, set[int]] = {}
    for pk, us in units_of.items():
        for u in us:
            people.setdefault(u, set()).add(pk)
    kept = merge_small_units({pk: u.parent_id for pk, u in units.items()}, people)
    shares = [
        Share(units[u].key, units[u].name, len(ps), len(ps & opened),
              tuple(units[m].name for m in merged))
        for u, (ps, merged) in kept.items()
    ]  # fmt: skip
    shares.sort(key=lambda s: (s.share, s.name))
    return Share(None, org.name, len(units_of), len(opened)), shares


def not_opened(organization, cycle: Cycle) -> list[int]:
    """The members (user ids) who have not opened the strategy of ``cycle``: for the
    system's reminder only."""
    opened = set(
        StrategyOpening.objects.filter(organization=organization, cycle=cycle).values_list(
            "digest", flat=True
        )
    )
    return [
        user
        for user in Membership.objects.filter(
            organization=organization, deactivated_at__isnull=True
        ).values_list("user_id", flat=True)
        if digest_of(organization.pk, user, cycle.pk) not in opened
    ]
