"""Path expressions: JMESPath (https://jmespath.org), a documented, specified language.

``data.rating``, ``items[-1].value``, ``sum(items[].amount)``, ``length(reviews)``:
one expression turns a JSON body into the number a key result needs.
"""

from __future__ import annotations

from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError

from pilote.messages import say
from pilote.okr.text import N_

from .connectors.base import SourceError


def path_errors(expression: str, where: str) -> list[tuple[str, str]]:
    if not expression or not str(expression).strip():
        return [(where, N_("a JMESPath expression is required, e.g. data.rating"))]
    try:
        jmespath.compile(expression)
    except JMESPathError as exc:
        return [(where, say("path_invalid", detail=str(exc).splitlines()[0]))]
    return []


def extract(expression: str, document: Any) -> Any:
    try:
        found = jmespath.search(expression, document)
    except JMESPathError as exc:
        # the error's class, not its text: JMESPath's runtime errors quote the values they met
        raise SourceError(say("path_failed", path=expression, detail=type(exc).__name__)) from None
    if found is None:
        raise SourceError(say("path_found_nothing", path=expression))
    return found
