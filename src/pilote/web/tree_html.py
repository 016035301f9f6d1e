"""The strategy tree's nodes as HTML, written in Python.

The strategy page's first screen holds about 130 nodes at 10,000 people (the top level and
25 children of each); through ``{% include %}`` of three templates per node, with a URL,
a translation and a dozen lookups each, rendering them was 80 % of the page (200–250 ms of
~300). These functions write the markup those templates wrote (the strategy page and
``_node_body.html``, ``_node_children.html`` call them through tags) with ``format_html``,
so every value is escaped as the templates escaped it and every word goes through gettext.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pilote.words import number

from .templatetags.pilote import percent, status_label, workflow_label


def _join(parts) -> SafeString:
    return mark_safe("".join(conditional_escape(p) for p in parts))


def _status(status) -> SafeString:
    s = getattr(status, "value", status)
    return format_html('<span class="badge status status-{}">{}</span>', s, status_label(s))


def _progress(f) -> SafeString:
    if f.progress is None:
        return mark_safe("")
    return format_html(
        '<span class="small">{} <span class="text-body-secondary">/ {}</span></span>',
        percent(f.progress),
        percent(f.expected),
    )


def _person(person) -> str:
    return (person.name or person.email) if person else ""


def _query(tree_query: str, first: str = "?") -> str:
    return f"{first}{tree_query}" if tree_query else ""


def node(n, tree_query: str = "") -> SafeString:
    """One objective of the tree. Its disclosure button sits beside the objective's link,
    not a ``<summary>`` around it: no link nested in a toggle (axe "nested-interactive")."""
    o = n.objective
    toggle = ""
    if n.loaded or n.more:
        toggle = format_html(
            '<button type="button" class="node-toggle" aria-expanded="{}">'
            '<span class="visually-hidden">{}</span></button>',
            "true" if n.depth < 1 and n.loaded else "false",
            _("Show or hide what counts towards %(t)s") % {"t": o.title},
        )
    level = _("Strategic") if o.level == "strategic" else _("Tactical")
    meta = [_status(n.figures.status), _progress(n.figures)]
    owner = format_html(" · {}", _person(o.owner)) if o.owner else ""
    meta.append(
        format_html('<span class="small text-body-secondary">{}{}</span>', o.unit.name, owner)
    )
    if o.status != "approved":
        meta.append(
            format_html(
                '<span class="badge text-bg-light border">{}</span>', workflow_label(o.status)
            )
        )
    if getattr(o, "carried_from_id", None):  # its page links to the one it continues
        meta.append(
            format_html(
                '<span class="small text-body-secondary" data-lineage>↻ {}</span>',
                _("continues an objective of an earlier cycle"),
            )
        )
    if len(n.parents) > 1:
        meta.append(
            format_html(
                '<span class="small text-body-secondary">{} {}</span>',
                _("contributes to"),
                ", ".join(p.title for p, _w in n.parents),
            )
        )
    if n.loaded:
        panel = body(n, tree_query)
    elif n.more:
        panel = format_html(
            '<div class="node-body" hx-get="{}{}" data-node-loader hx-trigger="node-open once"'
            ' hx-swap="outerHTML"><p class="small text-body-secondary mb-0">{}</p></div>',
            reverse("strategy_node", args=[o.key]),
            _query(tree_query),
            _("Loading…"),
        )
    else:
        panel = ""
    hidden = " hidden" if not n.loaded or n.depth >= 1 else ""
    return format_html(
        '<li class="node level-{}"><div class="node-head"><span class="node-title">{}'
        '<span class="level-tag">{}</span> <a href="{}">{}</a></span>'
        '<span class="node-meta">{}</span></div><div class="node-panel"{}>{}</div></li>',
        o.level,
        toggle,
        level,
        reverse("objective", args=[o.key]),
        o.title,
        _join(meta),
        hidden,
        panel,
    )


def body(n, tree_query: str = "") -> SafeString:
    parts = []
    if n.key_results:
        rows = []
        for kr, f in n.key_results:
            owner = (
                format_html(
                    ' <span class="small text-body-secondary">· {}</span>', _person(kr.owner)
                )
                if kr.owner
                else ""
            )
            rows.append(
                format_html(
                    '<li class="kr">{} {} {}{}</li>',
                    _status(f.status),
                    kr.title,
                    _progress(f),
                    owner,
                )
            )
        parts.append(format_html('<ul class="krs list-unstyled">{}</ul>', _join(rows)))
    if n.children:
        parts.append(
            format_html('<ul class="children list-unstyled">{}</ul>', children(n, tree_query))
        )
    return _join(parts)


def children(n, tree_query: str = "") -> SafeString:
    parts = [node(c, tree_query) for c in n.children]
    if n.hidden:
        parts.append(
            format_html(
                '<li class="node-more"><button type="button" class="btn btn-link btn-sm p-0"'
                ' hx-get="{}?offset={}{}" hx-target="closest li" hx-swap="outerHTML">{}</button>'
                "</li>",
                reverse("strategy_node", args=[n.objective.key]),
                n.next_offset,
                _query(tree_query, "&"),
                ngettext(
                    "Show %(counter)s more objective", "Show %(counter)s more objectives", n.hidden
                )
                % {"counter": number(n.hidden)},
            )
        )
    return _join(parts)
