"""Request and response schemas, one per direction (Create, Update, Out) — house rule 5."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

Role = Literal["admin", "executive", "lead", "contributor", "viewer"]
KRKind = Literal["increase", "decrease", "boolean", "milestone", "maintain"]
Health = Literal["no_data", "outdated", "off_track", "at_risk", "on_track"]
Workflow = Literal["draft", "submitted", "approved", "changes_requested"]


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class Page(Schema):
    count: int
    items: list[Any]


# --- units
class UnitCreate(In):
    key: str
    name: str
    parent: str | None = None


class UnitUpdate(In):
    name: str | None = None
    parent: str | None = None


class UnitOut(Schema):
    key: str
    name: str
    parent: str | None
    version: int


# --- people
class PersonCreate(In):
    email: str
    name: str = ""
    role: Role = "viewer"
    units: list[str] = []
    password: str | None = None


class PersonUpdate(In):
    name: str | None = None
    role: Role | None = None
    units: list[str] | None = None


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
    key: str
    name: str = ""
    start: dt.date
    end: dt.date
    parent: str | None = None


class CycleUpdate(In):
    name: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    parent: str | None = None


class CycleOut(Schema):
    key: str
    name: str
    start: dt.date
    end: dt.date
    parent: str | None
    closed: bool
    version: int


class CloseIn(In):
    retrospective: str = ""


# --- vision
class VisionIn(In):
    statement: str
    description: str = ""


class VisionOut(Schema):
    version: int
    statement: str
    description: str
    created_at: dt.datetime
    created_by: str | None


# --- objectives and key results
class AlignmentIn(In):
    objective: str
    weight: float = 1.0


class AlignmentOut(Schema):
    objective: str
    weight: float


class KeyResultFields(In):
    title: str | None = None
    kind: KRKind | None = None
    unit: str | None = None
    baseline: float | None = None
    target: float | None = None
    min: float | None = None
    max: float | None = None
    milestones: list[str] | None = None
    phases: list[dict[str, Any]] | None = None
    weight: float | None = None
    owner: str | None = None
    due: dt.date | None = None


class KeyResultCreate(KeyResultFields):
    key: str
    title: str


class KeyResultUpdate(KeyResultFields):
    pass


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
    version: int


class ObjectiveCreate(In):
    key: str
    title: str
    level: Literal["strategic", "tactical"]
    cycle: str
    unit: str
    owner: str | None = None
    description: str = ""
    progress_from: Literal["key_results", "children", "both"] = "key_results"
    aligns_to: list[AlignmentIn] = []
    key_results: list[KeyResultCreate] = []


class ObjectiveUpdate(In):
    title: str | None = None
    description: str | None = None
    level: Literal["strategic", "tactical"] | None = None
    cycle: str | None = None
    unit: str | None = None
    owner: str | None = None
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
    pending_changes: list[dict[str, Any]]
    review_comment: str
    grade: float | None
    key_results: list[KeyResultOut]
    version: int


class CommentIn(In):
    comment: str = ""


class GradeIn(In):
    grade: float
    reason: str


# --- check-ins
class CheckInCreate(In):
    value: float
    confidence: int | None = None
    comment: str = ""
    date: dt.date | None = None


class BulkCheckInItem(CheckInCreate):
    key_result: str


class BulkCheckIns(In):
    check_ins: list[BulkCheckInItem] = Field(min_length=1, max_length=1000)


class CheckInOut(Schema):
    id: int
    key_result: str
    value: float
    confidence: int | None
    comment: str
    date: dt.date
    recorded_at: dt.datetime
    author: str | None
    source: str
    fetched_at: dt.datetime | None = None
    raw_value: str = ""


class CheckInResult(Schema):
    check_in: CheckInOut
    key_result: KeyResultOut


# --- initiatives
class ImpactIn(In):
    key_result: str
    expected: float
    rationale: str = ""


class InitiativeFields(In):
    title: str | None = None
    description: str | None = None
    unit: str | None = None
    owner: str | None = None
    status: Literal["idea", "planned", "in_progress", "done", "dropped"] | None = None
    horizon: Literal["now", "next", "later"] | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    effort: float | None = None
    confidence: float | None = None
    delivered_on: dt.date | None = None
    reach: float | None = None
    rice_impact: float | None = None
    value: float | None = None
    impacts: list[ImpactIn] | None = None


class InitiativeCreate(InitiativeFields):
    key: str
    title: str


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
    name: str
    user: str | None = Field(
        default=None, description="admins only: create the token for this member"
    )
    unit: str | None = Field(
        default=None,
        description="narrow the token to recording check-ins on this unit's key results",
    )
    key_result: str | None = Field(
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
    parents: list[AlignmentOut]
    key_results: list[KeyResultOut]
    children: list[TreeNode]


class TreeOut(Schema):
    cycle: str
    as_of: dt.date
    vision: str | None
    objectives: list[TreeNode]
