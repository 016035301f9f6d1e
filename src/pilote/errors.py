"""Domain errors raised by actions and queries; entry points translate them.

The API renders them as RFC 9457 problem details, the CLI as messages on
standard error with a non-zero exit, the importer as errors with file paths.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable


class PiloteError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str = "", errors: Iterable[tuple[str, str]] = ()):
        self.detail = detail or self.title
        # A message that is already a str stays the object it is (a coded one keeps its code)
        self.errors = [(str(p), m if isinstance(m, str) else str(m)) for p, m in errors]
        super().__init__(self.describe())

    def describe(self, words: Callable[[str], str] = str) -> str:
        """Each part of the error, through ``words`` (the pages pass their translation)."""
        if not self.errors:
            return words(self.detail)
        return "; ".join(f"{p}: {words(m)}" if p else words(m) for p, m in self.errors)


class Invalid(PiloteError):
    """Input that breaks a rule; ``errors`` names each field path."""

    status = 422
    title = "Invalid input"


class NotFound(PiloteError):
    """Missing, or belonging to another organisation: both answer the same, leaking nothing."""

    status = 404
    title = "Not found"


class Forbidden(PiloteError):
    status = 403
    title = "Forbidden"


class Conflict(PiloteError):
    status = 409
    title = "Conflict"


class PreconditionFailed(PiloteError):
    status = 412
    title = "Precondition failed"


class PreconditionRequired(PiloteError):
    status = 428
    title = "Precondition required"


UNKNOWN = "unknown "


def unknown(what: str, ref: object) -> str:
    """The one wording of a reference to something that does not exist (e.g. "unknown unit 'x'").

    The importer recognises these (``is_unknown_reference``): it checks every
    reference of a file up front, so a later one is either already reported or the
    echo of another object's error.
    """
    from pilote.okr.explain import coded

    return coded("unknown", f"{UNKNOWN}{what} {ref!r}", what=what, ref=str(ref))


def is_unknown_reference(message: str) -> bool:
    return message.startswith(UNKNOWN)


class Unavailable(PiloteError):
    """Work that could not be done now (a PDF that took too long): try again later."""

    status = 503
    title = "Unavailable"


class TooMany(PiloteError):
    """Too many requests of one kind (password resets, invitations): wait and try again."""

    status = 429
    title = "Too many requests"
