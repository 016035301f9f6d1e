"""Validation workflow of tactical OKRs (PRODUCT.md "Validation"), as a pure state machine."""

from __future__ import annotations

from enum import StrEnum


class WorkflowStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    # Decided at the end of a cycle (pilote/okr/carry.py): out of the roll-up, saying why.
    DEFERRED = "deferred"
    DROPPED = "dropped"


class Transition(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    BACK_TO_DRAFT = "back_to_draft"


S = WorkflowStatus
# transition -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[Transition, tuple[frozenset[WorkflowStatus], WorkflowStatus]] = {
    Transition.SUBMIT: (frozenset({S.DRAFT, S.CHANGES_REQUESTED}), S.SUBMITTED),
    Transition.APPROVE: (frozenset({S.SUBMITTED}), S.APPROVED),
    Transition.REQUEST_CHANGES: (frozenset({S.SUBMITTED}), S.CHANGES_REQUESTED),
    Transition.BACK_TO_DRAFT: (frozenset({S.SUBMITTED, S.CHANGES_REQUESTED}), S.DRAFT),
}

# Fields of an approved KR whose change sends its objective back to submitted.
REVALIDATED_FIELDS = ("baseline", "target")


def transition_error(
    transition: Transition,
    current: WorkflowStatus,
    *,
    actor_is_executive: bool,
    actor_owns: bool,
    comment: str = "",
) -> str | None:
    """Why ``transition`` is refused, or None when it is allowed."""
    sources, _ = TRANSITIONS[transition]
    if current not in sources:
        allowed = ", ".join(sorted(s.value for s in sources))
        return (
            f"cannot {transition.value} an objective that is {current.value} (only from {allowed})"
        )
    if transition in (Transition.APPROVE, Transition.REQUEST_CHANGES):
        if not actor_is_executive:
            return "only executives validate objectives"
        if actor_owns:
            return "nobody validates an objective they own"
    if transition == Transition.REQUEST_CHANGES and not comment.strip():
        return "a comment is required to request changes"
    return None


def target_status(transition: Transition) -> WorkflowStatus:
    return TRANSITIONS[transition][1]
