"""Request and response schemas, one per direction (Create, Update, Out) — house rule 5."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import AllowInfNan, BaseModel, BeforeValidator, ConfigDict, Field, Strict

Role = Literal["admin", "executive", "lead", "contributor", "viewer"]
KRKind = Literal["increase", "decrease", "boolean", "milestone", "maintain"]
Health = Literal["no_data", "outdated", "off_track", "at_risk", "on_track"]
Workflow = Literal["draft", "submitted", "approved", "changes_requested", "deferred", "dropped"]


# --- input types: what a field accepts is what its schema says (the fuzzer holds us to it)
FIRST_DAY, LAST_DAY = dt.date(1970, 1, 1), dt.date(2199, 12, 31)


def _iso_date(value: Any) -> Any:
    """A date only as YYYY-MM-DD within a sane range: 0 is not a date (Pydantic would read a
    number as a Unix time), nor is 9999-12-31 a quarter's end."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        day = value
    elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError("is not a calendar date") from None
    else:
        raise ValueError("must be a date written YYYY-MM-DD")
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"must be between {FIRST_DAY} and {LAST_DAY}")
    return day


Date = Annotated[
    dt.date,
    BeforeValidator(_iso_date),
    Field(json_schema_extra={"pattern": r"^\d{4}-\d{2}-\d{2}$"}),
]
# Numbers: a JSON number, finite, never a boolean or a string that looks like one.
Number = Annotated[float, Strict(), AllowInfNan(False), Field(ge=-1e15, le=1e15)]
Integer = Annotated[int, Strict(), Field(ge=-(2**53), le=2**53)]
Flag = Annotated[bool, Strict()]


def _query_int(value: Any) -> Any:
    """A whole number in a query string: digits only ("+0.0" or "1e3" are not page sizes)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,15}", value):
        return int(value)
    raise ValueError("must be a whole number")


QueryInt = Annotated[int, BeforeValidator(_query_int)]
# Keys: what validate_key accepts (a slug, as Django's slugify leaves it).
Key = Annotated[
    str,
    Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9](?:_*(?:-_+)*(?:-_*)?[A-Za-z0-9])*$"),
]
Ref = Annotated[str, Field(max_length=254)]  # a key, an e-mail: what names another object
Title = Annotated[str, Field(max_length=300)]  # the columns' own lengths (pilote.guards)
Name = Annotated[str, Field(max_length=200)]
ShortName = Annotated[str, Field(max_length=100)]
Text = Annotated[str, Field(max_length=10_000)]


class In(BaseModel):
    """What a request's body may hold, nothing else. A plain pydantic model: ninja's
    ``Schema`` reads objects' attributes (for answers) and, with ``extra="forbid"``,
    validates every input twice (a tenth of a 10,000-check-in bulk)."""

    model_config = ConfigDict(extra="forbid")


class Page(Schema):
    count: int
    items: list[Any]


# --- units
class UnitCreate(In):
    key: Key
    name: Name
    parent: Ref | None = None


class UnitUpdate(In):
    name: Name | None = None
    parent: Ref | None = None


class UnitOut(Schema):
    key: str
    name: str
    parent: str | None
    version: int


# --- people
class PersonCreate(In):
    email: Ref
    name: Name = ""
    role: Role = "viewer"
    units: list[Text] = []
    password: Text | None = None


class InvitationCreate(In):
    email: Ref
    name: Name = ""
    role: Role = "viewer"
    units: list[Text] = []


class InvitationOut(Schema):
    id: int
    email: str
    name: str
    role: str
    units: list[str]
    invited_by: str | None
    created_at: dt.datetime
    expires_at: dt.datetime | None
    expired: bool
    sent_at: dt.datetime | None
    sent_count: int


class PersonUpdate(In):
    name: Name | None = None
    role: Role | None = None
    units: list[Text] | None = None


class PersonOut(Schema):
    email: str
    name: str
    role: str
    units: list[str]
    version: int


class MeOut(Schema):
    email: str
    name: str
    organization: str
    role: str
    units: list[str]
    organizations: list[str]
    via_token: bool


# --- cycles
class CycleCreate(In):
    key: Key
    name: Name = ""
    start: Date
    end: Date
    parent: Ref | None = None


class CycleUpdate(In):
    name: Name | None = None
    start: Date | None = None
    end: Date | None = None
    parent: Ref | None = None


class CycleOut(Schema):
    key: str
    name: str
    start: dt.date
    end: dt.date
    parent: str | None
    closed: bool
    version: int


class CloseIn(In):
    retrospective: Text = ""


Retro = Annotated[str, Field(max_length=5000)]  # pilote.okr.carry.RETROSPECTIVE_MAX


class DecisionIn(In):
    decision: Literal["keep", "change", "defer", "drop"]
    what_worked: Retro = ""
    what_did_not: Retro = ""
    learnt: Retro = ""


class DecisionOut(Schema):
    decision: Literal["keep", "change", "defer", "drop"]
    what_worked: str
    what_did_not: str
    learnt: str
    by: str | None
    at: dt.datetime | None


class CarryIn(In):
    to: Key = Field(description="the cycle the objectives continue in (a later one)")
    objectives: list[Key] | None = Field(
        None, max_length=1000,
        description="the objectives to carry (default: every one decided keep or change, "
        "not carried yet)",
    )  # fmt: skip
    targets: dict[Key, Number] = Field(
        default_factory=dict, max_length=5000,
        description="new targets by key result key (old keys); others keep theirs",
    )  # fmt: skip


class CarriedOut(Schema):
    came_from: str
    objective: str
    key_results: dict[str, str]  # old key -> new key
    unaligned: list[str]  # parents it no longer aligns to (neither carried nor still open)


class HitsOut(Schema):
    objectives: int = Field(description="objectives in the roll-up (approved)")
    graded: int = Field(description="those with a grade (the others had no data)")
    hits: int = Field(description="those graded in the green (0.7 and above by default)")
    hit_rate: float | None = Field(description="hits ÷ graded, or null when none is graded")
    mean_grade: float | None


class UnitHitsOut(HitsOut):
    unit: str
    name: str
    deferred: int
    dropped: int


class GradeOut(Schema):
    objective: str
    title: str
    unit: str
    level: str
    workflow_status: str
    owner: str | None
    grade: float | None = Field(description="the grade that counts (an override included)")
    computed: float | None
    color: Literal["green", "yellow", "red"] | None
    counted: bool = Field(description="in the hit rate (approved objectives only)")
    decision: Literal["keep", "change", "defer", "drop"] | None


class LearningOut(Schema):
    objective: str
    title: str
    decision: Literal["keep", "change", "defer", "drop"] | None
    what_worked: str
    what_did_not: str
    learnt: str


class ReviewOut(Schema):
    key_result: str
    expected: float
    measured: float | None
    ratio: float | None


class DeliveredOut(Schema):
    initiative: str
    title: str
    delivered_on: dt.date
    unit: str | None
    reviews: list[ReviewOut]


class ImpactLedgerOut(Schema):
    reviewed: int
    delivered_half: float | None
    mean_ratio: float | None
    initiatives: list[DeliveredOut]


class RetrospectiveOut(Schema):
    cycle: str
    closed: bool
    provisional: bool = Field(description="true before the cycle is closed: grades as of `as_of`")
    as_of: dt.date
    retrospective: str
    total: HitsOut
    units: list[UnitHitsOut]
    grades: list[GradeOut]
    learnings: list[LearningOut]
    impact: ImpactLedgerOut


# --- vision
class VisionIn(In):
    statement: Text
    description: Text = ""


class VisionOut(Schema):
    version: int
    statement: str
    description: str
    created_at: dt.datetime
    created_by: str | None


# --- objectives and key results
class AlignmentIn(In):
    objective: Ref
    weight: Number = 1.0


class AlignmentOut(Schema):
    objective: str
    weight: float


class KeyResultFields(In):
    title: Title | None = None
    kind: KRKind | None = None
    unit: Annotated[str, Field(max_length=30)] | None = None  # "%", "€", "points"
    baseline: Number | None = None
    target: Number | None = None
    min: Number | None = None
    max: Number | None = None
    milestones: list[Text] | None = None
    phases: list[dict[Text, Any]] | None = None
    weight: Number | None = None
    owner: Ref | None = None
    due: Date | None = None


class KeyResultCreate(KeyResultFields):
    key: Key
    title: Title


class KeyResultUpdate(KeyResultFields):
    pass


class GradeProposalOut(Schema):
    """An owner's or a lead's proposed grade, until an executive confirms or dismisses it."""

    grade: float
    reason: str


class ReachShareOut(Schema):
    unit: str | None = Field(description="null for the whole organisation")
    name: str
    people: int
    opened: int = Field(description="how many of them opened the strategy this cycle")
    share: float | None
    merged: list[str] = Field(description="units under 5 people counted in this figure")


class ReachOut(Schema):
    cycle: str
    organization: ReachShareOut
    units: list[ReachShareOut] = Field(description="lowest share first")


class BucketOut(Schema):
    confidence: int = Field(description="the confidence said, 0..10")
    count: int
    reached: int = Field(description="how many of those check-ins' KRs reached their target")
    rate: float


class PersonCalibrationOut(Schema):
    email: str
    name: str
    count: int
    brier: float | None
    verdict: str
    buckets: list[BucketOut]


class CalibrationOut(Schema):
    unit: str
    count: int = Field(description="check-ins with a confidence, in closed cycles")
    brier: float | None = Field(description="mean of (confidence/10 − reached)²; 0 is perfect")
    verdict: str
    buckets: list[BucketOut]
    in_words: list[str]
    people: list[PersonCalibrationOut]


class CoachFindingOut(Schema):
    path: str = Field(description="where, e.g. `objective.key_results[1].title`")
    rule: str = Field(description="the rule's stable code (docs/coach.md)")
    name: str = Field(description="the rule's name, in the reader's language")
    severity: Literal["warning", "blocking"]
    message: str
    why: str
    fix: str


class ForecastOut(Schema):
    """A KR's forecast for its due date (docs/forecast.md)."""

    projected: float = Field(description="the value its trend reaches at its due date")
    low: float = Field(description="the 90 % interval's lower end")
    high: float = Field(description="the 90 % interval's upper end")
    probability: float = Field(description="of reaching its target, 0..1")


class NoForecastOut(Schema):
    code: Literal["kind", "too_few_check_ins"]
    message: str


class ObjectiveForecastOut(Schema):
    probability: float = Field(
        description="of reaching `grade` at the cycle's end, from its key results' forecasts"
    )
    grade: float = Field(description="the expected grade: the organisation's green")


class KeyResultOut(Schema):
    key: str
    objective: str
    title: str
    kind: str
    unit: str
    baseline: float | None
    target: float | None
    min: float | None
    max: float | None
    milestones: list[str]
    phases: list[dict[str, Any]]
    weight: float
    owner: str | None
    due: dt.date
    current: float | None
    progress: float | None = Field(description="0..1, or null when there is no data")
    expected: float
    status: Health
    last_check_in: dt.date | None
    grade: float | None
    grade_proposal: GradeProposalOut | None
    forecast: ForecastOut | None = Field(description="null when `forecast_reason` says why")
    forecast_reason: NoForecastOut | None
    version: int


class ObjectiveCreate(In):
    key: Key
    title: Title
    level: Literal["strategic", "tactical"]
    cycle: Ref
    unit: Ref
    owner: Ref | None = None
    description: Text = ""
    progress_from: Literal["key_results", "children", "both"] = "key_results"
    aligns_to: list[AlignmentIn] = []
    key_results: list[KeyResultCreate] = []


class ObjectiveUpdate(In):
    title: Title | None = None
    description: Text | None = None
    level: Literal["strategic", "tactical"] | None = None
    cycle: Ref | None = None
    unit: Ref | None = None
    owner: Ref | None = None
    progress_from: Literal["key_results", "children", "both"] | None = None
    aligns_to: list[AlignmentIn] | None = None


class ObjectiveOut(Schema):
    key: str
    title: str
    description: str
    level: str
    cycle: str
    unit: str
    owner: str | None
    workflow_status: Workflow
    progress_from: str
    aligns_to: list[AlignmentOut]
    progress: float | None
    expected: float
    status: Health
    forecast: ObjectiveForecastOut | None
    pending_changes: list[dict[str, Any]]
    review_comment: str
    grade: float | None
    grade_proposal: GradeProposalOut | None
    decision: DecisionOut | None
    carried_from: str | None
    carried_to: str | None
    key_results: list[KeyResultOut]
    version: int


class CommentIn(In):
    comment: Text = ""


class GradeIn(In):
    grade: Number
    reason: Text


# --- check-ins
class CheckInCreate(In):
    value: Number
    confidence: Integer | None = None
    comment: Text = ""
    next_step: Annotated[str, Field(max_length=2000)] = Field(
        "", description="what will be done next: required when `confidence` is under 4"
    )
    date: Date | None = None


class WithdrawIn(In):
    reason: Text


class CorrectIn(In):
    value: Number
    confidence: Integer | None = None
    comment: Text | None = None  # None: the withdrawn check-in's comment is kept
    reason: Text = ""


class BulkCheckInItem(CheckInCreate):
    key_result: Ref


class BulkCheckIns(In):
    check_ins: list[BulkCheckInItem] = Field(min_length=1, max_length=10_000)


class CheckInOut(Schema):
    id: int
    key_result: str
    value: float
    confidence: int | None
    comment: str
    next_step: str
    date: dt.date
    recorded_at: dt.datetime
    author: str | None
    source: str
    fetched_at: dt.datetime | None = None
    raw_value: str = ""
    # Set on a withdrawn check-in (listed with ?withdrawn=true): it counts in no figure.
    withdrawn_at: dt.datetime | None = None
    withdrawn_by: str | None = None
    withdrawal_reason: str = ""
    replaced_by: int | None = None


class CheckInResult(Schema):
    check_in: CheckInOut
    key_result: KeyResultOut


# --- initiatives
class ImpactIn(In):
    key_result: Ref
    expected: Number
    rationale: Text = ""


class InitiativeFields(In):
    title: Title | None = None
    description: Text | None = None
    unit: Ref | None = None
    owner: Ref | None = None
    status: Literal["idea", "planned", "in_progress", "done", "dropped"] | None = None
    horizon: Literal["now", "next", "later"] | None = None
    start: Date | None = None
    end: Date | None = None
    effort: Number | None = None
    confidence: Number | None = None
    delivered_on: Date | None = None
    reach: Number | None = None
    rice_impact: Number | None = None
    value: Number | None = None
    impacts: list[ImpactIn] | None = None


class InitiativeCreate(InitiativeFields):
    key: Key
    title: Title


class InitiativeUpdate(InitiativeFields):
    pass


class ImpactOut(Schema):
    key_result: str
    expected: float
    rationale: str


class InitiativeOut(Schema):
    key: str
    title: str
    description: str
    unit: str | None
    owner: str | None
    status: str
    horizon: str | None
    start: dt.date | None
    end: dt.date | None
    effort: float | None
    confidence: float | None
    delivered_on: dt.date | None
    reach: float | None
    rice_impact: float | None
    value: float | None
    impacts: list[ImpactOut]
    version: int


# --- tokens, audit, explanations, tree
class TokenCreate(In):
    name: ShortName
    user: Ref | None = Field(
        default=None, description="admins only: create the token for this member"
    )
    unit: Ref | None = Field(
        default=None,
        description="narrow the token to recording check-ins on this unit's key results",
    )
    key_result: Ref | None = Field(
        default=None, description="narrow the token to recording check-ins on this key result"
    )


class TokenOut(Schema):
    prefix: str
    name: str
    user: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    unit: str | None = None
    key_result: str | None = None


class TokenSecretOut(TokenOut):
    secret: str = Field(description="shown once; only its hash is kept")


class AuditOut(Schema):
    id: int
    at: dt.datetime
    actor: str
    action: str
    object_type: str
    object_key: str
    before: Any
    after: Any
    comment: str


class TreeNode(Schema):
    key: str
    title: str
    level: str
    unit: str
    owner: str | None
    workflow_status: str
    progress: float | None
    expected: float
    status: Health
    forecast: ObjectiveForecastOut | None
    parents: list[AlignmentOut]
    key_results: list[KeyResultOut]
    children: list[TreeNode]
    loaded: bool = Field(
        True, description="false beyond `depth`: its key results and children are not in this "
        "answer (`more` says whether it has any); ask with `root` = its key",
    )  # fmt: skip
    more: bool = False
    hidden: int = Field(0, description="children not in this answer (with `page_size`)")
    next_offset: int = Field(0, description="the `offset` that asks for the next children")


class TreeOut(Schema):
    cycle: str
    as_of: dt.date
    vision: str | None
    objectives: list[TreeNode]


class WhatIfIn(In):
    key_results: dict[Annotated[str, Field(max_length=200)], float] = Field(
        description="The hypothetical value of each KR, by key (at most 500)"
    )
    as_of: Date | None = None


class WhatIfKRFigures(Schema):
    current: float | None
    progress: float | None
    status: str


class WhatIfKR(Schema):
    key: str
    title: str
    objective: str
    before: WhatIfKRFigures
    after: WhatIfKRFigures


class WhatIfFigures(Schema):
    progress: float | None
    status: str


class WhatIfObjective(Schema):
    key: str
    title: str
    level: str
    before: WhatIfFigures
    after: WhatIfFigures


class WhatIfOut(Schema):
    cycle: str
    as_of: dt.date
    key_results: list[WhatIfKR]
    objectives: list[WhatIfObjective]
