"""The connector contract (ARCHITECTURE.md rule 6): a name, its parameters, and ``fetch``.

A connector is a plain object registered under its name. ``fetch`` gets the source's
configuration and returns one ``Reading`` (a number and the raw text it came from), or
raises ``SourceError`` with a message for the person who set the source up. It never
writes anything: the sync action (pilote.sources.actions) records runs and check-ins,
the same way whether a schedule, "Sync now" or the CLI asked.

Third-party connectors register through the ``pilote.connectors`` entry point group
(a callable returning the connector), or by calling ``register`` at import time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import entry_points
from typing import Any, Protocol


class SourceError(Exception):
    """What went wrong while fetching, said for the person who set the source up."""


@dataclass(frozen=True)
class Param:
    """One parameter of a connector; the form shows ``label`` and ``help`` (translatable,
    in a third-party connector plain text), a list when there are ``choices``."""

    name: str
    help: str
    required: bool = True
    secret: bool = False
    label: str = ""
    choices: tuple[str, ...] = ()
    number: bool = False  # typed as a number
    mapping: bool = False  # "name: value" lines, e.g. request headers


@dataclass(frozen=True)
class SourceConfig:
    organization_id: int
    params: dict[str, Any]
    secrets: dict[str, Any] = field(default_factory=dict)
    allow_private: bool = False


@dataclass(frozen=True)
class Reading:
    value: float
    raw: str
    fetched_at: datetime


class Connector(Protocol):
    name: str
    label: str
    parameters: tuple[Param, ...]

    def fetch(self, config: SourceConfig) -> Reading: ...


_registry: dict[str, Connector] = {}


def register(connector: Connector) -> Connector:
    _registry[connector.name] = connector
    return connector


def connectors() -> dict[str, Connector]:
    if not _registry.get("_loaded"):
        from . import csv_file, feedback, http_json, sql  # noqa: F401  (they register)

        for ep in entry_points(group="pilote.connectors"):
            register(ep.load()())
    return {k: v for k, v in _registry.items() if k != "_loaded"}


def get(name: str) -> Connector | None:
    return connectors().get(name)


def param_errors(connector: Connector, params: dict, secrets: dict) -> list[tuple[str, str]]:
    errors = []
    known = {p.name for p in connector.parameters}
    for p in connector.parameters:
        where = secrets if p.secret else params
        if p.required and where.get(p.name) in (None, ""):
            errors.append(
                (f"{'secrets' if p.secret else 'params'}.{p.name}", f"required: {p.help}")
            )
    for name in params:
        if name not in known:
            errors.append((f"params.{name}", f"unknown parameter for {connector.name}"))
    return errors


def to_number(raw: Any, what: str = "value") -> float:
    """A number from JSON, SQL or CSV; « 4,8 » (French decimal comma) is read as 4.8.

    The error says what was expected, not what was found: a source's data is not for
    every reader of its runs (ARCHITECTURE.md rule 12).
    """
    if isinstance(raw, bool) or raw is None:
        found = "empty" if raw is None else "a true/false value"
        raise SourceError(f"the {what} is {found}, not a number")
    if isinstance(raw, (int, float)):
        value = float(raw)
    else:
        text = str(raw).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            raise SourceError(f"the {what} is {_shape(raw)}, not a number") from None
    if not math.isfinite(value):
        raise SourceError(f"the {what} is not a finite number")
    return value


def _shape(raw: Any) -> str:
    """What kind of value this is, without its content."""
    if isinstance(raw, (list, tuple)):
        return f"a list of {len(raw)} item(s)"
    if isinstance(raw, dict):
        return f"an object of {len(raw)} field(s)"
    return f"a text of {len(str(raw))} character(s)"
