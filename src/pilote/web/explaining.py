"""Explanations ("why this number?") in the reader's language.

The rules (``pilote.okr``) give every explanation a code and its values beside its English
(``formula``, ``notes``: the API and the CLI read those); pages word the code here, with
the reader's number and date formats. An unknown code falls back to the English.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from pilote.words import FIELD_LABELS, long_date, message, number, percentage

FACTORS = FIELD_LABELS  # the names a "needs …" note lists


def _values(params: dict) -> dict:
    out = {}
    for name, value in params.items():
        if name in PERCENTAGES:
            out[name] = percentage(value)
        elif isinstance(value, date):
            out[name] = long_date(value)
        elif isinstance(value, str):
            try:
                out[name] = long_date(date.fromisoformat(value))
            except ValueError:
                out[name] = value
        elif isinstance(value, list):
            out[name] = ", ".join(str(FACTORS.get(v, v)) for v in value)
        else:
            out[name] = number(value, DIGITS.get(name, 2))
    return out


# Values shown with more digits than the usual two (a score of 0.0099 is not "0,01").
DIGITS = {"score": 4, "total": 4, "part": 4}
# Values that are shares of a whole, shown as percentages.
PERCENTAGES = {"value", "share", "kr_share", "contribution", "change"}


def formulas() -> dict[str, str]:
    """code -> words; the codes are those of the ``pilote.okr`` explanations."""
    return {
        # KR progress
        "metric": _(
            "(%(current)s − %(baseline)s) ÷ (%(target)s − %(baseline)s), kept between 0 and 1: "
            "%(value)s"
        ),
        "boolean": _("done counts as 100%%, not done as 0: %(value)s"),
        "milestones": _("%(done)s milestones done ÷ %(total)s milestones: %(value)s"),
        "bounds": _("inside the bounds counts as 100%%, outside as 0: %(value)s"),
        "no_check_in": _("no check-in yet: no data (never shown as 0 or as on track)"),
        # objective progress and status
        "weighted_mean": _("Σ(weight × progress) ÷ Σ weight: %(value)s"),
        "worst_of_terms": _(
            "the worst status of what counts towards it (worst first: off track, at risk, "
            "outdated, no data, on track)"
        ),
        # expected progress
        "elapsed": _("%(elapsed)s days elapsed ÷ %(days)s days in the cycle: %(value)s"),
        "phased": _("linear between its %(phases)s phased targets: %(value)s"),
        # current value
        "latest": _(
            "the latest check-in on or before the day read (ties: the latest recorded): "
            "%(reading)s on %(day)s"
        ),
        # an initiative's score
        "impact": _(
            "calibration %(calibration)s × confidence %(confidence)s × Σ impacts %(total)s ÷ "
            "effort %(effort)s = %(score)s"
        ),
        "impact_unscored": _("not scored yet"),
        # KR status
        "outdated": _("the latest check-in is %(age)s days old, more than %(limit)s"),
        "behind_beyond": _("%(points)s points behind the expected progress, more than %(limit)s"),
        "behind_within": _("%(points)s points behind the expected progress, within %(limit)s"),
        "done": _("done"),
        "late": _("not done after the due date, %(due)s"),
        "no_confidence": _("not done, and no confidence given"),
        "confident": _("not done, confidence %(confidence)s ≥ %(threshold)s"),
        "unsure": _("not done, confidence %(confidence)s between %(low)s and %(high)s"),
        "not_confident": _("not done, confidence %(confidence)s < %(threshold)s"),
        "inside_bounds": _("inside the bounds"),
        "outside_bounds": _("outside the bounds"),
    }


def notes() -> dict[str, str]:
    return {
        "no_terms": _("No key result and no approved child: no data."),
        "no_term_has_data": _("Nothing that counts towards it has data yet: no data."),
        "missing_terms_count_as_zero": _(
            "What has no data yet counts as 0, since at least one term has data."
        ),
        "progress_from_key_results": _("Its progress comes from its key results."),
        "progress_from_children": _("Its progress comes from its approved children."),
        "progress_from_both": _(
            "Its progress comes from its key results and its approved children."
        ),
        "approved_children_only": _("Only approved children count."),
        "no_data_left_out": _(
            "%(n)s without data yet left out until their first check-in (the organisation's "
            "choice)."
        ),
    }


def term_notes() -> dict[str, str]:
    return {
        "impact_term": _(
            "a change of %(change)s of its range × its share %(kr_share)s among its objective's "
            "key results × the strategy it carries %(contribution)s = %(part)s"
        ),
        "no_range": _("no range (target = baseline): not counted"),
    }


def score_notes() -> dict[str, str]:
    return {
        "calibration": _("calibration × %(factor)s (the history of delivered bets)"),
        "no_impact": _("declares no impact: unaligned work scores 0"),
        "needs": _("needs %(missing)s to be scored"),
        "unit_bets": _("the unit's %(n)s reviewed bets"),
        "organization_bets": _("the organisation's %(n)s reviewed bets"),
        "no_bets": _("no reviewed bet yet"),
        "measurable_from": _("measurable from %(day)s"),
        "no_reading": _("no check-in at delivery or at the end of the window"),
        "measured": _("%(after)s on %(end)s − %(before)s on %(delivered)s"),
    }


def worded(words: dict[str, str], code: str, params: dict, english: str) -> str:
    """``words[code] % params`` in the reader's formats; the English when unknown."""
    text = words.get(code or "")
    if text is None:
        return english
    try:
        return text % _values(params or {})
    except (KeyError, TypeError, ValueError):  # a translation that names another value
        return english


def term_note(term: dict) -> str:
    return worded(term_notes(), term.get("code", ""), term.get("params", {}), term.get("note", ""))


def coded_words(words) -> str:
    """A ``pilote.okr.explain.Coded`` (or a plain English string) in the reader's words: an
    explanation's note, else a message of the rules and actions (``pilote.words.message``)."""
    code = getattr(words, "code", "")
    if code in score_notes():
        return worded(score_notes(), code, getattr(words, "params", {}), words)
    return message(words)


def formula(explanation: dict) -> str:
    """An explanation's formula or reason in words, with its values."""
    return worded(
        formulas(), explanation.get("code", ""), explanation.get("params", {}),
        explanation.get("formula", ""),
    )  # fmt: skip


def note_lines(explanation: dict) -> list[str]:
    known = {**notes(), **score_notes()}
    codes = list(explanation.get("note_codes") or [])
    english = list(explanation.get("notes") or [])
    if len(codes) != len(english):
        return english
    params = list(explanation.get("note_params") or [])
    params += [{}] * (len(codes) - len(params))
    return [
        worded(known, code, p, text) for code, p, text in zip(codes, params, english, strict=True)
    ]
