"""Domain events, published only after the transaction that caused them commits.

Subscribers (live page updates, notifications) register with ``subscribe``;
the in-process fan-out is the embedded default (ARCHITECTURE.md "live updates").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

Subscriber = Callable[[int, str, dict[str, Any]], None]
_subscribers: list[Subscriber] = []


def subscribe(fn: Subscriber) -> Subscriber:
    _subscribers.append(fn)
    return fn


def unsubscribe(fn: Subscriber) -> None:
    if fn in _subscribers:
        _subscribers.remove(fn)


def publish(organization_id: int, name: str, payload: dict[str, Any]) -> None:
    def deliver() -> None:
        for fn in list(_subscribers):
            fn(organization_id, name, payload)

    transaction.on_commit(deliver)


def _install_fanout() -> None:
    # Every process (app, worker, CLI) tells the others through PostgreSQL NOTIFY.
    from pilote import fanout

    subscribe(fanout.forward)


_install_fanout()
