"""Every action the audit log records is named in the reader's words (pilote/words.py): the
objective's history and the review read them on pages in French and English."""

from __future__ import annotations

import ast
from pathlib import Path

import pilote
from pilote.orgs.audit import AuditAction
from pilote.words import AUDIT_ACTIONS

SRC = Path(pilote.__file__).parent


def recorded_actions() -> set[str]:
    found = {a.value for a in AuditAction}
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("record", "record_many")
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
                and len(node.args) > 1
                and isinstance(node.args[1], ast.Constant)
            ):
                found.add(node.args[1].value)
            # goals/keyresults.py's grading steps name their action for audit.record
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "_graded"
                and isinstance(node.args[2], ast.Constant)
            ):
                found.add(node.args[2].value)
    return found


def test_every_recorded_audit_action_has_words():
    actions = recorded_actions()
    assert {"update", "close", "decide", "grade_proposal"} <= actions  # the scan finds them
    assert sorted(actions - set(AUDIT_ACTIONS)) == []
