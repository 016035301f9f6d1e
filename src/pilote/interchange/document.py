"""The YAML interchange document (PRODUCT.md "OKRs as code"), as typed models.

Parsing checks shapes and types and names every error by its path in the file
(``objectives[1].key_results[0].target``); the importer then checks references
and rules. Keys computed by ``pilote export --format json`` (current, progress,
expected, status, forecast of KRs; progress, grade, forecast of objectives; as_of) are
accepted and ignored, so a JSON export imports back.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from pilote.okr.text import N_


def _to_str(v: Any) -> Any:
    # Unquoted YAML keys such as 2027 arrive as numbers: keys are strings.
    return str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


Key = Annotated[str, BeforeValidator(_to_str)]
Number = float


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class VisionIn(Model):
    statement: str
    description: str = ""


class UnitIn(Model):
    key: Key
    name: str
    parent: Key | None = None


class PersonIn(Model):
    email: str
    name: str = ""
    role: Literal["admin", "executive", "lead", "contributor", "viewer"] = "viewer"
    units: list[Key] = Field(default_factory=list)


class CycleIn(Model):
    key: Key
    name: str = ""
    start: dt.date
    end: dt.date
    parent: Key | None = None


class CheckInIn(Model):
    date: dt.date
    value: Number
    confidence: int | None = Field(default=None, ge=0, le=10)
    comment: str = ""
    next_step: str = Field(default="", max_length=2000)
    by: str | None = None


class PhaseIn(Model):
    date: dt.date
    value: Number


class CommentIn(Model):
    """A comment of the conversation on an objective, a KR or an initiative (a deleted one is
    left out of exports; ``reply_to`` is the position of the comment it answers in the same
    list)."""

    by: str | None = None
    at: dt.datetime
    body: str = Field(min_length=1, max_length=5000)
    reply_to: int | None = Field(default=None, ge=0)


class KeyResultIn(Model):
    key: Key
    title: str
    kind: Literal["increase", "decrease", "boolean", "milestone", "maintain"] | None = None
    unit: str = ""
    baseline: Number | None = None
    target: Number | None = None
    min: Number | None = None
    max: Number | None = None
    milestones: list[str] = Field(default_factory=list)
    phases: list[PhaseIn] = Field(default_factory=list)
    weight: Number = 1.0
    owner: str | None = None
    due: dt.date | None = None
    check_ins: list[CheckInIn] = Field(default_factory=list)
    # computed by the JSON export; ignored on import
    current: Number | None = None
    progress: Number | None = None
    expected: Number | None = None
    status: str | None = None
    grade: Number | None = None
    forecast: dict[str, Any] | None = None
    forecast_reason: dict[str, Any] | None = None
    carried_from: Key | None = None  # the KR of an earlier cycle it continues
    comments: list[CommentIn] = Field(default_factory=list)


class AlignmentIn(Model):
    objective: Key
    weight: Number = 1.0


class DecisionIn(Model):
    """The end of its cycle (pilote/okr/carry.py)."""

    decision: Literal["keep", "change", "defer", "drop"]
    what_worked: str = Field(default="", max_length=5000)
    what_did_not: str = Field(default="", max_length=5000)
    learnt: str = Field(default="", max_length=5000)
    by: str | None = None


class ObjectiveIn(Model):
    key: Key
    level: Literal["strategic", "tactical"]
    cycle: Key
    unit: Key
    owner: str | None = None
    title: str
    description: str = ""
    status: str | None = None
    workflow_status: (
        Literal["draft", "submitted", "approved", "changes_requested", "deferred", "dropped"] | None
    ) = None
    progress_from: Literal["key_results", "children", "both"] = "key_results"
    aligns_to: list[AlignmentIn] = Field(default_factory=list)
    key_results: list[KeyResultIn] = Field(default_factory=list)
    decision: DecisionIn | None = None
    carried_from: Key | None = None  # the objective of an earlier cycle it continues
    comments: list[CommentIn] = Field(default_factory=list)
    # computed by the JSON export; ignored on import
    progress: Number | None = None
    grade: Number | None = None
    forecast: dict[str, Any] | None = None

    def workflow(self) -> str | None:
        """The workflow status: ``workflow_status`` in a JSON export (where ``status`` is the
        computed health), ``status`` in a YAML file."""
        return self.workflow_status if self.workflow_status is not None else self.status


class ImpactIn(Model):
    key_result: Key
    expected: Number
    rationale: str = ""


class InitiativeIn(Model):
    key: Key
    title: str
    description: str = ""
    unit: Key | None = None
    owner: str | None = None
    status: Literal["idea", "planned", "in_progress", "done", "dropped"] = "idea"
    horizon: Literal["now", "next", "later"] | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    effort: Number | None = None
    confidence: Number | None = None
    delivered_on: dt.date | None = None
    reach: Number | None = None
    rice_impact: Number | None = None
    value: Number | None = None
    impacts: list[ImpactIn] = Field(default_factory=list)
    comments: list[CommentIn] = Field(default_factory=list)
    # computed by the JSON export; ignored on import
    score: Number | None = None
    rank: int | None = None


class Document(Model):
    organization: str
    locale: Literal["fr", "en"] = "fr"
    # Overrides of the rule defaults (docs/rules.md, docs/roadmap.md), e.g. {rhythm_days: 14}
    policy: dict[str, Any] | None = None
    check_in_template: list[str] | None = None  # the prompts a check-in answers
    vision: VisionIn | None = None
    units: list[UnitIn] = Field(default_factory=list)
    people: list[PersonIn] = Field(default_factory=list)
    cycles: list[CycleIn] = Field(default_factory=list)
    objectives: list[ObjectiveIn] = Field(default_factory=list)
    initiatives: list[InitiativeIn] = Field(default_factory=list)
    as_of: dt.date | None = None  # written by the JSON export; ignored on import


def path_of(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


_MESSAGES = {
    "extra_forbidden": "unknown key (check its spelling)",
    "missing": "is required",
}


def parse(data: Any) -> tuple[Document | None, list[tuple[str, str]]]:
    """The document, or None and every shape error with its path."""
    if not isinstance(data, dict):
        return None, [("", N_("the file must be a mapping with at least 'organization'"))]
    try:
        return Document.model_validate(data), []
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            loc = tuple(
                p
                for p in err["loc"]
                if not (isinstance(p, str) and p.startswith(("function-", "literal[")))
            )
            errors.append(
                (path_of(loc), _MESSAGES.get(err["type"], err["msg"][0].lower() + err["msg"][1:]))
            )
        return None, errors
