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

from django.utils import translation

from pilote.messages import say


class SourceError(Exception):
    """What went wrong while fetching, said for the person who set the source up."""

    @property
    def message(self) -> str:
        """The message as raised: a coded one (``pilote.messages.say``) keeps its code."""
        first = self.args[0] if self.args else ""
        return first if isinstance(first, str) and len(self.args) == 1 else str(self)


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
            with translation.override("en"):  # the English, worded again where it is read
                help_text = str(p.help)
            path = f"{'secrets' if p.secret else 'params'}.{p.name}"
            errors.append((path, say("required_param", help=help_text)))
    for name in params:
        if name not in known:
            errors.append((f"params.{name}", say("unknown_param", kind=connector.name)))
    return errors


def to_number(raw: Any, what: str | None = None) -> float:
    """A number from JSON, SQL or CSV; « 4,8 » (French decimal comma) is read as 4.8.

    The error says what was expected, not what was found: a source's data is not for
    every reader of its runs (ARCHITECTURE.md rule 12).
    """
    what = what or say("the_value")
    if isinstance(raw, bool) or raw is None:
        found = say("empty") if raw is None else say("true_false")
        raise SourceError(say("not_a_number", what=what, found=found))
    if isinstance(raw, (int, float)):
        value = float(raw)
    else:
        text = str(raw).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            raise SourceError(say("not_a_number", what=what, found=_shape(raw))) from None
    if not math.isfinite(value):
        raise SourceError(say("not_finite", what=what))
    return value


def _shape(raw: Any) -> str:
    """What kind of value this is, without its content."""
    if isinstance(raw, (list, tuple)):
        return say("a_list", n=len(raw))
    if isinstance(raw, dict):
        return say("an_object", n=len(raw))
    return say("a_text", n=len(str(raw)))
