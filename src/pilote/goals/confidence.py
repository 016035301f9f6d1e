"""Calibrated confidence over Pilote's rows (the rule is ``pilote.okr.calibration``): every
check-in's confidence (0–10) read as its author's probability that the KR reaches its
target, scored against what happened.

- **what was said**: each check-in with a confidence, on a KR of the unit (or of a unit
  beneath it), in the cycles asked — the closed ones for a unit's track record, the cycle
  being closed at its close;
- **what happened**: the KR reached its target when its grade that counts (a person's
  override, else the computed one) is 1, or, before the cycle is graded, its progress is 1.

A per-person score is read only by those ``access.can_read_people_calibration`` allows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pilote.okr.calibration import Calibration, Said, calibration
from pilote.okr.calibration import verdict as calibration_verdict
from pilote.okr.grading import effective_grade
from pilote.okr.text import N_
from pilote.orgs.access import Actor, scoped, units_below
from pilote.words import number, percentage

from .models import CheckIn

REACHED = 1.0 - 1e-9


@dataclass(frozen=True)
class PersonScore:
    name: str
    email: str
    calibration: Calibration


def _rows(actor: Actor, unit_ids=None, cycle=None):
    qs = scoped(actor, CheckIn.objects.filter(confidence__isnull=False))
    if cycle is not None:
        qs = qs.filter(key_result__objective__cycle=cycle)
    else:
        qs = qs.filter(key_result__objective__cycle__closed_at__isnull=False)
    if unit_ids is not None:
        qs = qs.filter(key_result__objective__unit_id__in=list(unit_ids))
    return qs.values_list(
        "confidence",
        "author_id",
        "author__name",
        "author__email",
        "key_result__objective__unit_id",
        "key_result__grade",
        "key_result__grade_override",
        "key_result__stored_progress",
    )


def _reached(grade, override, progress) -> bool:
    value = effective_grade(grade, override)
    if value is None:
        value = progress
    return value is not None and value >= REACHED


def unit_track_record(actor: Actor, unit, people: bool = False):
    """The unit's (and the units' beneath it) calibration across closed cycles, and, when
    ``people``, each author's there (most check-ins first)."""
    said, by_person, names = [], {}, {}
    for conf, author, name, email, _unit, grade, override, progress in _rows(
        actor, units_below(actor.organization, unit.pk)
    ):
        s = Said(min(10, conf), _reached(grade, override, progress))
        said.append(s)
        if people and author is not None:
            by_person.setdefault(author, []).append(s)
            names[author] = (name or email, email)
    scores = sorted(
        (PersonScore(*names[a], calibration(v)) for a, v in by_person.items()),
        key=lambda p: (-p.calibration.count, p.email),
    )
    return calibration(said), scores


def cycle_by_unit(actor: Actor, cycle) -> list[tuple[int, Calibration]]:
    """Each unit's calibration in this cycle (its own KRs), as its close reads it."""
    by_unit: dict[int, list[Said]] = {}
    for conf, _a, _n, _e, unit, grade, override, progress in _rows(actor, cycle=cycle):
        by_unit.setdefault(unit, []).append(
            Said(min(10, conf), _reached(grade, override, progress))
        )
    return sorted(((u, calibration(s)) for u, s in by_unit.items()), key=lambda x: -x[1].count)


def sentences(cal: Calibration, who: str | None = None) -> list[str]:
    """The reliability table in words, one sentence per confidence said, most said first:
    "when this team says 8/10, it reaches its target 45 % of the time (11 check-ins)"."""
    out = []
    for b in sorted(cal.buckets, key=lambda b: (-b.count, -b.confidence)):
        out.append(
            ngettext(
                "when %(who)s says %(confidence)s/10, the target is reached %(rate)s of the "
                "time (%(count)s check-in)",
                "when %(who)s says %(confidence)s/10, the target is reached %(rate)s of the "
                "time (%(count)s check-ins)",
                b.count,
            )
            % {
                "who": who or _("this team"),
                "confidence": b.confidence,
                "rate": percentage(b.rate),
                "count": number(b.count),
            }
        )
    return out


VERDICTS = {
    "none": N_("no check-in with a confidence in a closed cycle yet"),
    "well": N_("well calibrated: its confidence can be taken at its word"),
    "over": N_("over-confident: it reaches its targets less often than it says"),
    "under": N_("under-confident: it reaches its targets more often than it says"),
    "fair": N_("fairly calibrated"),
    "poor": N_("poorly calibrated: its confidence says little about what happens"),
}


def verdict(cal: Calibration) -> str:
    """The calibration in words (the rule: ``pilote.okr.calibration.verdict``)."""
    return _(VERDICTS[calibration_verdict(cal)])
