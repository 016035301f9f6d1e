"""@mentions in a comment: "@ada@acme.example" names a person by their e-mail address (the
one identifier every member has and no two share). Pure: which addresses a text mentions,
and what a comment's text must be."""

from __future__ import annotations

import re

from .text import N_

MAX_BODY = 5000
MAX_MENTIONS = 20
# "@" then an address; the address ends before trailing punctuation ("@ada@acme.example,").
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


def mentioned(body: str) -> list[str]:
    """The addresses a text mentions, lower-cased, each once, in order of appearance."""
    seen: list[str] = []
    for match in MENTION.finditer(body or ""):
        email = match.group(1).rstrip(".-").lower()
        if email not in seen:
            seen.append(email)
    return seen


def body_errors(body: str) -> list[tuple[str, str]]:
    if not isinstance(body, str) or not body.strip():
        return [("body", N_("a comment needs some words"))]
    if len(body) > MAX_BODY:
        return [("body", N_("at most 5,000 characters"))]
    if len(mentioned(body)) > MAX_MENTIONS:
        return [("body", N_("at most 20 people mentioned in one comment"))]
    return []
