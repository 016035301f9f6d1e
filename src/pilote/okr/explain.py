"""Explanations: every computed number says how it was computed ("why 47%?")."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


class Coded(str):
    """English words (a ``str``, as callers always read them) that also carry a code and the
    values they were built from, for pages to word in the reader's language."""

    code: str
    params: dict


def coded(code: str, english: str, **params: Any) -> Coded:
    words = Coded(english)
    words.code, words.params = code, params
    return words


@dataclass(frozen=True)
class Term:
    """One input of a computation, with the weight it carries."""

    label: str
    value: float | None
    weight: float = 1.0
    note: str = ""
    name: str = ""  # the row's title, for people (``label`` names it by key)
    share: float | None = None  # its weight ÷ the sum of the weights, in a weighted mean
    # ``note`` as a code and values (see Explanation.code)
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Explanation:
    """The value of a computed number, the formula, and the terms that fed it."""

    quantity: str
    value: Any
    formula: str
    terms: tuple[Term, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = field(default_factory=tuple)
    # The formula and the notes as codes with values, for pages to word in the reader's
    # language (``formula`` and ``notes`` are their English, for the API and the CLI).
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    note_codes: tuple[str, ...] = field(default_factory=tuple)
    note_params: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
