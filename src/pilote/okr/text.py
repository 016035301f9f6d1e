"""Marking an English message for the translation catalogue without translating it here.

Rules and actions raise errors in English (the API's stable wording, the CLI's); ``N_`` marks
each fixed message so that ``makemessages`` (pilote.web's command adds the keyword) puts it
in ``django.po``, and the pages translate it where a person reads it
(``pilote.web.views.common.form_errors``). It returns its argument: nothing is translated
at the point of raising, and this package stays free of Django.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802  the usual name of a gettext no-op marker
    return message


def one_of(values) -> str:
    """ "must be one of a, b, c", carrying its code and values (``explain.Coded``) so that a
    page or the API words it in the reader's language."""
    from .explain import coded

    values = [str(v) for v in values]
    return coded("one_of", "must be one of " + ", ".join(values), values=values)


def between(low, high) -> str:
    """ "must be between 0 and 1", with its values."""
    from .explain import coded

    return coded("between", f"must be between {low:g} and {high:g}", low=low, high=high)


def at_most_characters(n: int) -> str:
    from .explain import coded

    return coded("at_most_characters", f"must be at most {n} characters", n=n)


def listed_twice(key: str) -> str:
    from .explain import coded

    return coded("listed_twice", f"{key!r} is listed twice", key=key)
