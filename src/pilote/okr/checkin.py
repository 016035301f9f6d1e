"""What a check-in asks of the person writing it (PRODUCT.md "Confidence"; issue 14).

- A confidence under 4 (out of 10) asks for a **next step**: what will be done about it.
  The rule applies to people checking in (the web, the API, the CLI with ``--as``), not to
  history brought back by an import nor to values a data source reads.
- An organisation's **check-in template** is the prompts a check-in answers (default: what
  moved, what blocks); the answers make the check-in's comment, one line a prompt answered,
  and the next step is its own field.
"""

from __future__ import annotations

from .text import N_

LOW_CONFIDENCE = 4
MAX_PROMPTS = 6
MAX_PROMPT = 80
DEFAULT_PROMPTS = (N_("What moved"), N_("What blocks"))


def next_step_errors(confidence: int | None, next_step: str) -> list[tuple[str, str]]:
    if confidence is not None and confidence < LOW_CONFIDENCE and not (next_step or "").strip():
        return [("next_step", N_("a confidence under 4 needs a next step: what will you do?"))]
    return []


def template_errors(prompts: list[str]) -> list[tuple[str, str]]:
    errors = []
    if len(prompts) > MAX_PROMPTS:
        errors.append(("check_in_template", N_("at most 6 prompts")))
    for i, prompt in enumerate(prompts):
        if not prompt.strip():
            errors.append((f"check_in_template[{i}]", N_("must not be empty")))
        elif len(prompt) > MAX_PROMPT:
            errors.append((f"check_in_template[{i}]", N_("at most 80 characters")))
    return errors


def compose_comment(answers: list[tuple[str, str]]) -> str:
    """The comment from (prompt, answer) pairs: "What moved: …" a line, unanswered left out.
    A single answer to no prompt is the comment as written."""
    lines = []
    for prompt, answer in answers:
        answer = " ".join((answer or "").split())
        if answer:
            lines.append(f"{prompt}: {answer}" if prompt else answer)
    return "\n".join(lines)
