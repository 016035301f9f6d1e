"""Words and numbers in the reader's language, for pages, notifications and e-mails alike:
the labels of codes (statuses, workflow states, roles, KR kinds) and the number formats.
Call them with the reader's language active (``django.utils.translation.override``)."""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

STATUS_LABELS = {
    "on_track": _("On track"),
    "at_risk": _("At risk"),
    "off_track": _("Off track"),
    "outdated": _("Outdated"),
    "no_data": _("No data"),
}
WORKFLOW_LABELS = {
    "draft": _("Draft"),
    "submitted": _("Submitted"),
    "approved": _("Approved"),
    "changes_requested": _("Changes requested"),
}
ROLE_LABELS = {
    "admin": _("Administrator"),
    "executive": _("Executive"),
    "lead": _("Lead"),
    "contributor": _("Contributor"),
    "viewer": _("Viewer"),
}
KIND_LABELS = {
    "increase": _("Increase"),
    "decrease": _("Decrease"),
    "boolean": _("Done / not done"),
    "milestone": _("Milestones"),
    "maintain": _("Maintain"),
}


def percentage(value) -> str:
    """0.4286 -> '43 %'; None -> 'No data' (never a silent 0)."""
    if value is None:
        return str(_("No data"))
    return f"{number_format(round(value * 100))} %"


def number(value, digits=2) -> str:
    """4.8 -> « 4,8 » in French; None -> '—'."""
    if value is None:
        return "—"
    value = round(float(value), int(digits))
    if value == int(value):
        return number_format(int(value), force_grouping=True)
    return number_format(value, decimal_pos=None, force_grouping=True)


def long_date(day) -> str:
    """A date written out in the reader's language ("1 December 2026"); French writes the
    first of a month as an ordinal, "1er décembre 2026", which Django's "j F Y" does not."""
    from django.utils.formats import date_format
    from django.utils.translation import get_language

    text = date_format(day, "DATE_FORMAT")
    if day.day == 1 and (get_language() or "").startswith("fr") and text.startswith("1 "):
        text = "1er " + text[2:]
    return text
