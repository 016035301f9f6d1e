"""Words and numbers in the reader's language, for pages, notifications and e-mails alike:
the labels of codes (statuses, workflow states, roles, KR kinds) and the number formats.
Call them with the reader's language active (``django.utils.translation.override``)."""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pilote.messages import TEMPLATES

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
    "deferred": pgettext_lazy("objective", "Deferred"),
    "dropped": pgettext_lazy("objective", "Dropped"),
}
DECISION_LABELS = {
    "keep": _("Keep"),
    "change": _("Change"),
    "defer": _("Defer"),
    "drop": _("Drop"),
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
    """0.4286 -> '43%' in English, '43 %' in French; None -> 'No data' (never a silent 0)."""
    from django.utils.translation import get_language

    if value is None:
        return str(_("No data"))
    english = (get_language() or "en").startswith("en")
    return f"{number_format(round(value * 100))}{'' if english else ' '}%"


def number(value, digits=2) -> str:
    """4.8 -> « 4,8 » in French; None -> '—'."""
    if value is None:
        return "—"
    value = round(float(value), int(digits))
    if value == int(value):
        return number_format(int(value), force_grouping=True)
    return number_format(value, decimal_pos=None, force_grouping=True)


# A key result's definition in a sentence (the KR form, live, and the objective page): the
# same words in Python and in the form's script (``kr_sentences``), values named %(name)s.
def kr_sentences() -> dict[str, str]:
    return {
        "increase": str(_("Increase from %(baseline)s to %(target)s%(unit)s")),
        "decrease": str(_("Decrease from %(baseline)s to %(target)s%(unit)s")),
        "maintain": str(_("Keep between %(min)s and %(max)s%(unit)s")),
        "maintain_min": str(_("Keep at %(min)s%(unit)s or more")),
        "maintain_max": str(_("Keep at %(max)s%(unit)s or less")),
        "boolean": str(_("Done or not done")),
        "milestone": str(_("Milestones reached, out of %(n)s")),
        "increase_wrong_way": str(
            _(
                "The target is not above the baseline: an increase goes up (choose “Decrease” "
                "to go down)."
            )
        ),  # fmt: skip
        "decrease_wrong_way": str(
            _(
                "The target is not below the baseline: a decrease goes down (choose “Increase” "
                "to go up)."
            )
        ),  # fmt: skip
    }


def kr_sentence(kind, baseline=None, target=None, minimum=None, maximum=None, unit="",
                milestones=0) -> str:  # fmt: skip
    """ "Increase from 4.1 to 4.8 ★" in the reader's language; "" while the values that the
    kind needs are missing."""
    words = kr_sentences()
    values = {"baseline": number(baseline), "target": number(target), "min": number(minimum),
              "max": number(maximum), "unit": f"\u00a0{unit}" if unit else "", "n": milestones}  # fmt: skip
    if kind in ("increase", "decrease"):
        if baseline is None or target is None:
            return ""
        if (target <= baseline) if kind == "increase" else (target >= baseline):
            return words[f"{kind}_wrong_way"]
        return words[kind] % values
    if kind == "maintain":
        if minimum is not None and maximum is not None:
            return words["maintain"] % values
        if minimum is not None or maximum is not None:
            return words["maintain_min" if minimum is not None else "maintain_max"] % values
        return ""
    if kind == "milestone":
        return words["milestone"] % values if milestones else ""
    return words["boolean"] if kind == "boolean" else ""


def long_date(day) -> str:
    """A date written out in the reader's language ("1 December 2026"); French writes the
    first of a month as an ordinal, "1er décembre 2026", which Django's "j F Y" does not."""
    from django.utils.formats import date_format
    from django.utils.translation import get_language

    text = date_format(day, "DATE_FORMAT")
    if day.day == 1 and (get_language() or "").startswith("fr") and text.startswith("1 "):
        text = "1er " + text[2:]
    return text


# What an audit entry says was done (``orgs.audit.record``'s action), for history lines.
AUDIT_ACTIONS = {
    "create": _("created"),
    "update": _("edited"),
    "delete": _("deleted"),
    "submit": _("submitted for validation"),
    "approve": _("approved"),
    "request_changes": _("changes requested"),
    "back_to_draft": _("back to draft"),
    "revalidate": _("to validate again after a change"),
    "set_status": _("status changed"),
    "grade_override": _("grade overridden"),
    "check_in": _("check-in"),
    "withdraw_check_in": _("check-in withdrawn"),
    "link": _("linked"),
    "record": _("recorded"),
    "refresh": _("figures recomputed"),
    "grade_proposal": _("grade proposed"),
    "grade_confirm": _("proposed grade confirmed"),
    "grade_dismiss": _("proposed grade dismissed"),
    "close": _("cycle closed"),
    "decide": _("end-of-cycle decision"),
    "carry_over": _("carried over"),
    "import": _("imported"),
    "invite": _("invited"),
    "sso_join": _("joined by single sign-on"),
    "deactivate": _("deactivated"),
    "reactivate": _("reactivated"),
    "resend": _("invitation sent again"),
    "accept": _("invitation accepted"),
    "decline": _("invitation declined"),
    "revoke": _("revoked"),
    "rotate_secret": _("secret renewed"),
    "set_password": _("password set"),
    "comment": _("commented"),
    "edit_comment": _("comment edited"),
    "delete_comment": _("comment deleted"),
}
# The fields an edit names (objectives, key results, initiatives share most of them).
FIELD_LABELS = {
    "key": _("key"),
    "title": _("title"),
    "description": _("description"),
    "level": _("level"),
    "cycle": _("cycle"),
    "unit": _("unit"),
    "owner": _("owner"),
    "status": _("status"),
    "progress_from": _("progress from"),
    "aligns_to": _("alignment"),
    "weight": _("weight"),
    "baseline": _("baseline"),
    "target": _("target"),
    "min": _("minimum"),
    "max": _("maximum"),
    "milestones": _("milestones"),
    "phases": _("phased targets"),
    "due": _("due date"),
    "kind": _("kind"),
    "effort": _("effort"),
    "confidence": _("confidence"),
}
# Who acted, when it was not a person (``Actor.system``'s labels).
SYSTEM_ACTORS = {
    "import": pgettext_lazy("who acted", "Import"),
    "demo": _("Demo data"),
    "system": _("Pilote"),
    "pilote check": _("Consistency check"),
    "cli": _("Command line"),
    "bench": _("Benchmark"),
}


def audit_who(entry) -> str:
    """The person's name (with "API token" when they acted through one), a data source's
    name, or what the system label stands for; never a raw label where a name exists."""
    label = entry.actor_label or ""
    if entry.actor_id is not None:
        name = entry.actor.name or entry.actor.email
        return name + (f" ({_('API token')})" if "(token " in label else "")
    return provenance(label, entry.organization_id)


def audit_what(entry) -> str:
    """What was done, with the fields an edit changed: "edited: title, owner"."""
    what = str(AUDIT_ACTIONS.get(entry.action, entry.action.replace("_", " ")))
    if entry.action == "update" and isinstance(entry.after, dict) and entry.after:
        # in the fields' usual order (PostgreSQL's jsonb keeps a mapping's keys in its own)
        order = {name: i for i, name in enumerate(FIELD_LABELS)}
        names = sorted(entry.after, key=lambda k: (order.get(k, len(order)), k))
        fields = [str(FIELD_LABELS.get(k, k.replace("_", " "))) for k in names]
        return str(_("%(what)s: %(fields)s") % {"what": what, "fields": ", ".join(fields)})
    return what


def jump_reason(code: str, params: dict, english: str = "") -> str:
    """Why a source's value is held (pilote.okr.freshness.judge_jump), in the reader's words:
    "a change of 1,062, beyond 90 = 5 × the usual change of 18 (median of 11 changes)"."""
    p = {k: percentage(v) if k == "share" else number(v) for k, v in (params or {}).items()}
    try:
        if code == "beyond_usual":
            return str(_(
                "a change of %(change)s, beyond %(limit)s = %(factor)s × the usual change of "
                "%(usual)s (median of %(changes)s changes)"
            ) % p)  # fmt: skip
        if code == "beyond_range":
            return str(_(
                "a change of %(change)s, beyond %(limit)s = %(share)s of the key result's range "
                "(%(range)s)"
            ) % p)  # fmt: skip
    except KeyError:
        pass
    return english


def provenance(
    label: str, organization_id: int | None = None, source_name: str | None = None
) -> str:
    """Where a check-in or an action came from, by name: "person:ada@…" → the address,
    "source:notes-stores" → the source's name, "token:ab12cd" → "API token ab12cd", "import"
    → "Import"."""
    if label.startswith("person:"):
        return label.removeprefix("person:")
    if label.startswith("token:"):
        return str(_("API token %(prefix)s") % {"prefix": label.removeprefix("token:")})
    if label.startswith("source:"):
        from pilote.sources.models import DataSource

        key = label.removeprefix("source:")
        if source_name is None:  # the caller did not read the names of its sources at once
            found = DataSource.objects.filter(organization_id=organization_id, key=key).first()
            source_name = found.name if found else key
        return str(_("data source %(name)s") % {"name": source_name})
    return str(SYSTEM_ACTORS.get(label, label))


# What "unknown …" names, for "unknown unit 'x'" in the reader's words.
THINGS = {
    "unit": _("unit"),
    "person": _("person"),
    "cycle": _("cycle"),
    "objective": _("objective"),
    "key result": _("key result"),
    "initiative": _("initiative"),
    "data source": _("data source"),
}


def message(english: str) -> str:
    """An error message of the rules and actions in the active language: a fixed one from
    the catalogue (marked ``N_``), one built with values from its code (``one_of``,
    ``errors.unknown``); anything else as it is."""
    from django.utils.translation import get_language, gettext

    if (get_language() or "en").startswith("en"):
        return english  # the English of the rules, word for word (the API's stable wording)
    code = getattr(english, "code", "")
    params = getattr(english, "params", {})
    if code == "one_of":
        return str(_("must be one of: %(values)s") % {"values": ", ".join(params["values"])})
    if code == "between":
        return str(_("must be between %(low)s and %(high)s")
                   % {"low": number(params["low"]), "high": number(params["high"])})  # fmt: skip
    if code == "number_range":
        words = (_("must be a whole number from %(low)s to %(high)s") if params["whole"]
                 else _("must be a number from %(low)s to %(high)s"))  # fmt: skip
        return str(words % {"low": number(params["low"]), "high": number(params["high"])})
    if code == "at_most_characters":
        return str(_("must be at most %(n)s characters") % {"n": params["n"]})
    if code == "listed_twice":
        return str(_("“%(key)s” is listed twice") % {"key": params["key"]})
    if code == "unknown":
        what = THINGS.get(params["what"], params["what"])
        return str(_("unknown %(what)s “%(ref)s”") % {"what": what, "ref": params["ref"]})
    if code in TEMPLATES:
        try:
            return gettext(TEMPLATES[code]).format(
                **{name: _worded_value(name, value) for name, value in params.items()}
            )
        except (KeyError, IndexError, ValueError):  # a translation naming another value
            return english
    return gettext(english) if english else english


def _worded_value(name: str, value) -> str:
    """A value of a coded message in the reader's words: numbers in their format, a nested
    coded message worded, the things Pilote names (``what``) by their name."""
    from pilote.messages import rebuilt

    if isinstance(value, dict):
        nested = rebuilt(value)
        return message(nested) if nested is not None else str(value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return number(value, 2)
    if name == "what" and value in THINGS:
        return str(THINGS[value])
    if name in ("help", "reason"):  # a connector's help, a rule's message: in the catalogue
        return message(value) if value else ""
    return str(value)
