"""OKRs in and out of spreadsheets from the browser: upload or paste, see what Pilote read
(the columns, which the person may remap), preview what would be created or changed (kinds
inferred shown to confirm), then import all or nothing; export the same layout, and the
YAML/JSON interchange."""

from __future__ import annotations

import base64
import binascii
import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pilote.errors import Forbidden
from pilote.goals import queries
from pilote.goals.models import Cycle
from pilote.interchange import exporter, sheet_import, sheets
from pilote.interchange.sheets import FIELD_NAMES
from pilote.okr.text import N_
from pilote.orgs.access import can_write_objective, scoped
from pilote.orgs.queries import units as org_units

from .common import _t, member_required

# What each field is called in the mapping menu.
FIELD_LABELS = {
    "objective": gettext_lazy("Objective"),
    "key_result": gettext_lazy("Key result"),
    "okr": gettext_lazy("Objective or key result (an outline)"),
    "owner": gettext_lazy("Owner"),
    "objective_owner": gettext_lazy("Objective owner"),
    "baseline": gettext_lazy("Baseline"),
    "target": gettext_lazy("Target"),
    "current": gettext_lazy("Current value (a check-in)"),
    "team": gettext_lazy("Team (unit)"),
    "kind": gettext_lazy("Kind"),
    "measure": gettext_lazy("Unit of measure"),
    "level": gettext_lazy("Level"),
    "due": gettext_lazy("Due"),
    "confidence": gettext_lazy("Confidence"),
    "next_step": gettext_lazy("Next step"),
    "comment": gettext_lazy("Comment"),
    "objective_key": gettext_lazy("Objective key"),
    "key": gettext_lazy("Key result key"),
}
KIND_CHOICES = ("increase", "decrease", "boolean", "milestone", "maintain")


def _cycles(actor):
    return list(scoped(actor, Cycle.objects.all()).order_by("-start"))


def _default_cycle(actor, cycles):
    today = timezone.localdate()
    current = [c for c in cycles if c.start <= today <= c.end]
    return min(current, key=lambda c: (c.end - c.start).days) if current else (
        cycles[0] if cycles else None)  # fmt: skip


def _writable_units(actor):
    return [u for u in org_units(actor).order_by("name")
            if can_write_objective(actor, "tactical", u.pk)]  # fmt: skip


@member_required
def import_export(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    can_import = actor.role in ("admin", "executive", "lead")
    cycles = _cycles(actor)
    context = {
        "cycles": cycles,
        "cycle": next((c for c in cycles if c.key == request.GET.get("cycle")), None)
        or _default_cycle(actor, cycles),
        "units": _writable_units(actor) if can_import else [],
        "can_import": can_import,
        "can_export_all": actor.role == "admin",
        "today": timezone.localdate(),
        "field_labels": FIELD_LABELS,
    }
    if request.method != "POST":
        return render(request, "pilote/import.html", context)
    if not can_import:
        raise Forbidden(_("Only leads, executives and administrators import OKRs."))
    return _preview_or_import(request, context)


def _preview_or_import(request: HttpRequest, context: dict) -> HttpResponse:
    actor = request.actor
    post = request.POST
    cycle_key = post.get("cycle", "")
    context["cycle"] = next((c for c in context["cycles"] if c.key == cycle_key), context["cycle"])
    problems: list[str] = []
    filename, data = "", b""
    upload = request.FILES.get("file")
    if upload is not None:
        filename = upload.name or "upload.csv"
        if upload.size and upload.size > sheets.MAX_BYTES:
            problems.append(_t(N_("the file is larger than 10 MB")))
        else:
            data = upload.read()
    elif post.get("content"):
        filename = post.get("filename", "upload.csv")
        try:
            data = base64.b64decode(post["content"], validate=True)
        except (binascii.Error, ValueError):
            problems.append(_("The file sent with the preview was damaged: upload it again."))
    elif post.get("paste", "").strip():
        filename = "paste.tsv"
        data = post["paste"].encode("utf-8")
        context["paste"] = post["paste"]
    else:
        problems.append(_("Choose a file, or paste cells from a spreadsheet."))
    book = []
    if data and not problems:
        try:
            book = sheets.read(data, filename)
        except sheets.SheetError as exc:
            problems.append(_t(exc.message))
    if problems:
        context["problems"] = problems
        return render(request, "pilote/import.html", context, status=422)
    mapping = _posted_mapping(post)
    kinds = {k.removeprefix("kind-"): v for k, v in post.items()
             if k.startswith("kind-") and v in KIND_CHOICES}  # fmt: skip
    as_of = parse_date(post.get("as_of", "") or "") or timezone.localdate()
    importing = post.get("action") == "import"
    plan = sheet_import.run(
        actor, book, cycle_key, mapping=mapping, unit=post.get("unit") or None, kinds=kinds,
        as_of=as_of, dry_run=not importing,
    )  # fmt: skip
    if importing and plan.ok:
        c = plan.counts
        messages.success(request, _(
            "Imported: %(objectives)d objectives, %(krs)d key results, %(checkins)d check-ins"
            " created or changed."
        ) % {"objectives": c["objectives"], "krs": c["key results"],
             "checkins": c["check-ins"]})  # fmt: skip
        return redirect(f"/strategy/?cycle={cycle_key}")
    for item in plan.items:  # what the import assumed, in the reader's words
        item.notes = [_t(n) for n in item.notes]
    context.update(
        plan=plan,
        errors=[(where, _t(message)) for where, message in plan.errors],
        skipped=[(where, _t(why)) for where, why in plan.skipped if why != "blank row"],
        content=base64.b64encode(data).decode(),
        filename=filename,
        chosen_unit=post.get("unit", ""),
        as_of=as_of,
        counts={
            "objectives": plan.counts["objectives"],
            "krs": plan.counts["key results"],
            "checkins": plan.counts["check-ins"],
        },  # fmt: skip
        groups=_groups(plan),
        columns=_columns(plan),
        kinds=KIND_CHOICES,
        fields=FIELD_NAMES,
    )
    return render(request, "pilote/import.html", context, status=422 if plan.errors else 200)


def _posted_mapping(post) -> dict[str, str | None] | None:
    """The columns as the person set them in the preview: header → field ("" ignores it)."""
    raw = post.get("mapping")
    if not raw:
        return None
    try:
        headers = json.loads(raw)
    except ValueError:
        return None
    out: dict[str, str | None] = {}
    for i, header in enumerate(headers if isinstance(headers, list) else []):
        choice = post.get(f"map-{i}")
        if choice is None:
            continue
        out[str(header)] = choice if choice in FIELD_NAMES else None
    return out


def _columns(plan: sheet_import.Plan) -> list[dict]:
    """Every column read, numbered for the mapping menus (a header once, whatever the sheet)."""
    out, seen = [], {}
    for sheet in plan.sheets:
        for letter, header, field in sheet["columns"]:
            if header in seen:
                continue
            seen[header] = len(out)
            out.append({"i": len(out), "sheet": sheet["name"], "letter": letter,
                        "header": header, "field": field or ""})  # fmt: skip
    return out


def _groups(plan: sheet_import.Plan) -> list[dict]:
    """Each objective with its key results, for the preview's table."""
    groups, by_ref = [], {}
    for item in plan.items:
        if item.what == "objective":
            group = {"objective": item, "key_results": []}
            by_ref[item.ref] = group
            groups.append(group)
        elif item.objective_ref in by_ref:
            by_ref[item.objective_ref]["key_results"].append(item)
    return groups


@member_required
def export(request: HttpRequest) -> HttpResponse:
    """A download: the cycle's OKRs as XLSX or CSV (everyone), or the organisation as YAML or
    JSON (administrators: it holds everything, people included)."""
    from pilote.api.routes_sheets import sheet_response

    actor = request.actor
    fmt = request.GET.get("format", "xlsx")
    as_of = parse_date(request.GET.get("as_of", "") or "")
    language = request.LANGUAGE_CODE if request.LANGUAGE_CODE in ("fr", "en") else "en"
    if fmt in ("xlsx", "csv"):
        cycle = queries.get_cycle(actor, request.GET.get("cycle", ""))
        return sheet_response(actor, cycle, fmt, as_of, language)
    if fmt not in ("yaml", "json"):
        return redirect("import_export")
    if actor.role != "admin":
        raise Forbidden(_("Only administrators export the whole organisation."))
    if fmt == "json":
        text = exporter.to_json(exporter.build(actor, computed=True, as_of=as_of))
        content_type = "application/json"
    else:
        text = exporter.to_yaml(exporter.build(actor, as_of=as_of))
        content_type = "application/yaml"
    response = HttpResponse(text.encode("utf-8"), content_type=f"{content_type}; charset=utf-8")
    day = (as_of or timezone.localdate()).isoformat()
    response["Content-Disposition"] = f'attachment; filename="pilote-{day}.{fmt}"'
    return response


@member_required
def sample(request: HttpRequest, fmt: str) -> HttpResponse:
    """The demo bank's sample spreadsheet (interchange/samples.py), to try the import with."""
    from pilote.interchange import samples

    if fmt == "xlsx":
        response = HttpResponse(
            samples.xlsx(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(
            samples.csv_text().encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="okr-tableur-exemple.{fmt}"'
    return response
