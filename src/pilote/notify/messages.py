"""What notifications say: a stable code with its parameters, rendered in the reader's language.

Jobs never write a sentence: they name a message (``AT_RISK``…) and give its values (titles,
fractions, counts). ``render`` writes the title and body in a language — each recipient's own
(``User.language``, else the organisation's) for in-app notifications and e-mails, the
organisation's for webhooks — with that language's number format. The code and values are
kept on the notification and sent with webhooks, so integrations read data, not prose.

Parameters are JSON values; by convention a key ending in ``_share`` is a fraction shown as
a percentage, ``status`` a KR status code, ``counts`` a {status: count} map.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pilote.messages import said
from pilote.words import STATUS_LABELS, message, number, percentage

AT_RISK = "kr_at_risk"
TRENDING = "kr_trending_off_track"
STRATEGY = "strategy_reminder"
VALIDATION = "validation_request"
APPROVED = "objective_approved"
CHANGES_REQUESTED = "objective_changes_requested"
REMINDER = "check_in_reminder"
DIGEST = "weekly_digest"
SOURCE_FAILED = "source_failed"
SOURCE_HELD = "source_value_held"
MENTIONED = "comment_mention"
REPLIED = "comment_reply"


def _status(code: str) -> str:
    return str(STATUS_LABELS.get(code, code))


def _at_risk(p: dict) -> tuple[str, str]:
    title = _("%(kr)s: %(status)s") % {"kr": p["kr"], "status": _status(p["status"]).lower()}
    body = _(
        "Progress %(progress)s where %(expected)s was expected by now (objective: %(objective)s)."
    ) % {
        "progress": percentage(p.get("progress_share") or 0),
        "expected": percentage(p.get("expected_share") or 0),
        "objective": p["objective"],
    }
    return title, body


def _trending(p: dict) -> tuple[str, str]:
    title = _("%(kr)s: trending off track") % p
    body = _(
        "Still on track today, but its trend reaches %(projected)s by %(due)s where the target "
        "is %(target)s: %(odds)s chance of making it (objective: %(objective)s)."
    ) % {
        "projected": number(p["projected"], 2),
        "target": number(p["target"], 2),
        "due": date_format(date.fromisoformat(p["due"]), "SHORT_DATE_FORMAT"),
        "odds": percentage(p["odds_share"]),
        "objective": p["objective"],
    }
    return title, body


def _strategy(p: dict) -> tuple[str, str]:
    return (
        _("The strategy of %(cycle)s, on one page") % p,
        _(
            "Where the company is going this cycle and how your work serves it: two minutes to read."
        ),
    )


def _validation(p: dict) -> tuple[str, str]:
    return (
        _("To validate: %(objective)s") % p,
        _("Submitted for validation (version %(version)s).") % p,
    )


def _approved(p: dict) -> tuple[str, str]:
    body = _("%(by)s approved your objective.") % p
    if p.get("comment"):
        body += " " + _("Comment: %(comment)s") % p
    return _("Approved: %(objective)s") % p, body


def _changes_requested(p: dict) -> tuple[str, str]:
    return (
        _("Changes requested: %(objective)s") % p,
        _("%(by)s asks for changes: %(comment)s") % p,
    )


def _reminder(p: dict) -> tuple[str, str]:
    n = len(p["key_results"])
    title = ngettext(
        "%(count)s key result waits for your check-in",
        "%(count)s key results wait for your check-in",
        n,
    ) % {"count": n}
    return title, "\n".join(f"- {t}" for t in p["key_results"])


def _counts(counts: dict) -> str:
    if not counts:
        return _("none")
    return ", ".join(f"{n} {_status(s).lower()}" for s, n in sorted(counts.items()))


def _digest(p: dict) -> tuple[str, str]:
    lines = [_("Key results this cycle: %(counts)s.") % {"counts": _counts(p.get("counts", {}))}]
    lines += [
        "- " + _("%(kr)s: %(status)s") % {"kr": title, "status": _status(status).lower()}
        for title, status in p.get("mine", [])
    ]
    waiting = p.get("waiting", 0)
    if waiting:
        lines.append(
            ngettext(
                "%(count)s objective waits for your validation.",
                "%(count)s objectives wait for your validation.",
                waiting,
            )
            % {"count": waiting}
        )
    return _("Weekly digest — %(week)s") % p, "\n".join(lines)


def _source_failed(p: dict) -> tuple[str, str]:
    error = said(p.get("error", ""), p.get("error_code", ""), p.get("error_params"))
    return _("%(source)s: sync failed") % p, message(error)


def _source_held(p: dict) -> tuple[str, str]:
    return _("%(source)s: a value waits for confirmation") % p, p.get("error", "")


def _mentioned(p: dict) -> tuple[str, str]:
    return _("%(by)s mentioned you: %(about)s") % p, p.get("excerpt", "")


def _replied(p: dict) -> tuple[str, str]:
    return _("%(by)s replied to you: %(about)s") % p, p.get("excerpt", "")


RENDER: dict[str, Callable[[dict], tuple[str, str]]] = {
    AT_RISK: _at_risk,
    TRENDING: _trending,
    STRATEGY: _strategy,
    VALIDATION: _validation,
    APPROVED: _approved,
    CHANGES_REQUESTED: _changes_requested,
    REMINDER: _reminder,
    DIGEST: _digest,
    SOURCE_FAILED: _source_failed,
    SOURCE_HELD: _source_held,
    MENTIONED: _mentioned,
    REPLIED: _replied,
}


def render(code: str, params: dict, language: str) -> tuple[str, str]:
    """The message's title and body in ``language``."""
    with translation.override(language):
        return RENDER[code](params)


def language_of(user, organization) -> str:
    """The language a person reads: their own choice, else their organisation's."""
    return getattr(user, "language", "") or organization.locale
