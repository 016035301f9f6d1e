"""Filters for pages: percentages, statuses and workflow states in the reader's language."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from pilote.words import (  # the words live outside the web layer (notifications use them)
    DECISION_LABELS,
    KIND_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    WORKFLOW_LABELS,
    number,
    percentage,
)

register = template.Library()


@register.filter
def percent(value):
    """0.4286 -> '43 %'; None -> 'No data' (never a silent 0)."""
    return percentage(value)


@register.filter
def pct(value):
    """A bare integer percentage for widths and bars (0 when there is no data)."""
    return 0 if value is None else max(0, min(100, round(value * 100)))


@register.filter
def status_label(code):
    return STATUS_LABELS.get(str(code), code)


@register.filter
def workflow_label(code):
    return WORKFLOW_LABELS.get(str(code), code)


@register.filter
def decision_label(code):
    return DECISION_LABELS.get(str(code), code)


@register.filter
def role_label(code):
    return ROLE_LABELS.get(str(code), code)


@register.filter
def kind_label(code):
    return KIND_LABELS.get(str(code), code)


@register.filter
def num(value, digits=2):
    """A value in the reader's format: 4.8 -> « 4,8 » in French; None -> '—'."""
    return number(value, digits)


@register.filter
def split_words(value):
    return str(value).split()


@register.filter
def term_value(value):
    """A term of an explanation: a progress as a percentage, anything else as a number."""
    return percent(value) if isinstance(value, float) and 0 <= value <= 1 else num(value)


INITIATIVE_STATUS_LABELS = {
    "idea": _("Idea"),
    "planned": _("Planned"),
    "in_progress": _("In progress"),
    "done": _("Done"),
    "dropped": _("Dropped"),
}
HORIZON_LABELS = {"now": _("Now"), "next": _("Next"), "later": _("Later"), "": _("Later")}
ROADMAP_VIEW_LABELS = {
    "board": _("Board"),
    "timeline": _("Timeline"),
    "objectives": _("By strategic objective"),
    "units": _("By unit"),
    "unaligned": _("Unaligned work"),
    "uncovered": _("Uncovered results"),
    "ledger": _("Impact ledger"),
}


@register.filter
def initiative_status_label(code):
    return INITIATIVE_STATUS_LABELS.get(str(code), code)


@register.filter
def horizon_label(code):
    return HORIZON_LABELS.get(str(code or ""), code)


@register.filter
def roadmap_view_label(code):
    return ROADMAP_VIEW_LABELS.get(str(code), code)


RUN_LABELS = {
    "applied": _("applied"),
    "unchanged": _("unchanged"),
    "held": _("held"),
    "failed": _("failed"),
    "schedule": _("schedule"),
    "manual": _("manual"),
    "webhook": _("webhook"),
    "cli": _("cli"),
}


@register.filter
def run_label(code):
    """A sync run's outcome or trigger in the reader's language."""
    return RUN_LABELS.get(str(code), code)


@register.filter
def audit_who(entry):
    """Who made an audit entry, by name (pilote.words.audit_who)."""
    from pilote.words import audit_who as who

    return who(entry)


@register.filter
def audit_what(entry):
    """What an audit entry says was done, in the reader's language (pilote.words.audit_what)."""
    from pilote.words import audit_what as what

    return what(entry)


@register.filter
def explain_formula(explanation):
    """An explanation's formula or reason in the reader's words (web/explaining.py)."""
    from pilote.web.explaining import formula

    return formula(explanation) if explanation else ""


@register.filter
def explain_notes(explanation):
    from pilote.web.explaining import note_lines

    return note_lines(explanation) if explanation else []


@register.simple_tag
def colon():
    """The colon after a label: French puts a (no-break) space before it, English does not."""
    from django.utils.translation import get_language

    return "\u00a0:" if (get_language() or "").startswith("fr") else ":"


@register.filter
def held_reason(held):
    """Why a source's value waits for confirmation, in the reader's language."""
    from pilote.words import jump_reason

    return jump_reason(held.reason_code, held.reason_params, held.reason)


@register.filter
def check_in_source(check_in):
    """Who or what recorded a check-in, by name (its author, else its source)."""
    from pilote.words import provenance

    if check_in.author_id:
        return check_in.author.name or check_in.author.email
    return provenance(
        check_in.source, check_in.organization_id, getattr(check_in, "source_name", None)
    )


@register.filter
def term_note(term):
    """A term's note in the reader's words (web/explaining.py)."""
    from pilote.web.explaining import term_note as note

    return note(term) if term else ""


@register.filter
def coded_words(words):
    """English words that carry a code (pilote.okr.explain.Coded), in the reader's words."""
    from pilote.web.explaining import coded_words as worded

    return worded(words) if words else ""


@register.filter
def quoted(text):
    """Words quoted as the reader's language does: “so” in English, « ainsi » in French."""
    from django.utils.translation import gettext

    return gettext("“%(text)s”") % {"text": text}


@register.filter
def kr_sentence(kr):
    """A key result's definition in words: "Increase from 4.1 to 4.8 ★" (pilote.words)."""
    from pilote.words import kr_sentence as sentence

    return sentence(kr.kind, kr.baseline, kr.target, kr.minimum, kr.maximum, kr.unit_label,
                    len(kr.milestones or []))  # fmt: skip


@register.simple_tag
def kr_sentences_json():
    """The sentences of ``kr_sentence`` for the KR form's script, as JSON."""
    import json

    from pilote.words import kr_sentences

    return json.dumps(kr_sentences(), ensure_ascii=False)


@register.filter
def source_kind(kind):
    """A data source's kind by name: "CSV file", not "csv"."""
    from pilote.sources.actions import kind_label

    return kind_label(kind)


@register.filter
def long_date(value):
    """``{{ day|long_date }}``: "1 December 2026", "1er décembre 2026" (pilote.words)."""
    from pilote.words import long_date as written

    return written(value) if value else ""


@register.filter
def to_json(value) -> str:
    """A value as JSON, for a data attribute (escaped by the template like any text): the data
    stays on its element when htmx swaps the page (it drops swapped JSON script tags)."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


@register.filter
def approved_nodes(nodes):
    """The tree nodes whose objective is approved (a list's separators then fall right)."""
    return [n for n in nodes if n.objective.status == "approved"]


# The strategy tree's nodes (pilote/web/tree_html.py: written in Python, ~130 per page).
@register.simple_tag(takes_context=True)
def tree_node(context, n):
    from pilote.web import tree_html

    return tree_html.node(n, context.get("tree_query") or "")


@register.simple_tag(takes_context=True)
def tree_node_body(context, n):
    from pilote.web import tree_html

    return tree_html.body(n, context.get("tree_query") or "")


@register.simple_tag(takes_context=True)
def tree_node_children(context, n):
    from pilote.web import tree_html

    return tree_html.children(n, context.get("tree_query") or "")


# The fields a spreadsheet import changes, as its preview names them.
IMPORT_FIELD_LABELS = {
    "title": _("title"),
    "kind": _("kind"),
    "baseline": _("baseline"),
    "target": _("target"),
    "unit": _("unit"),
    "owner": _("owner"),
    "due": _("due"),
    "level": _("level"),
}


@register.filter
def import_field(name):
    return IMPORT_FIELD_LABELS.get(str(name), name)


@register.filter
def import_value(value):
    """A value before or after an import's change: numbers in the reader's format, dates
    written out, a level or kind in words; nothing is '—'."""
    import datetime as dt

    from pilote.words import long_date

    if value is None or value == "":
        return "—"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number(value)
    if isinstance(value, dt.date):
        return long_date(value)
    text = str(value)
    return KIND_LABELS.get(text) or {"strategic": _("Strategic"), "tactical": _("Tactical")}.get(
        text, text
    )


@register.filter
def mapping_headers(columns):
    """The headers of the preview's mapping menus, in order, as JSON (for a hidden field)."""
    import json

    return json.dumps([c["header"] for c in columns], ensure_ascii=False)
