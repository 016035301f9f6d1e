"""Routes: OKRs in and out of spreadsheets (interchange/sheets.py, sheet_import.py,
sheet_export.py), the same import as the CLI's and the browser's."""

from __future__ import annotations

import json
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from pilote.errors import Invalid
from pilote.goals import queries
from pilote.interchange import sheet_export, sheet_import, sheets
from pilote.interchange.importer import ImportFailed
from pilote.okr.text import N_
from pilote.orgs.access import require_some_objective_writer

from .schemas import Date
from .serialize import actor

router = Router()


class SheetImportForm(Schema):
    dry_run: bool = False
    mapping: str | None = None  # JSON: {"header": "field" or null}
    kinds: str | None = None  # JSON: {"Sheet!7": "decrease"} (the preview's confirmations)
    unit: str | None = None
    as_of: Date | None = None


class ChangeOut(Schema):
    field: str
    before: Any = None
    after: Any = None


class ItemOut(Schema):
    what: Literal["objective", "key_result"]
    ref: str
    title: str
    action: Literal["create", "update", "same"]
    key: str
    objective_ref: str
    changes: list[ChangeOut]
    kind: str | None
    kind_inferred: bool
    check_in: float | None


class SheetOut(Schema):
    name: str
    layout: Literal["rows", "outline"]
    header_row: int
    columns: list[dict[str, str | None]]


class SkippedOut(Schema):
    ref: str
    reason: str


class SheetImportOut(Schema):
    dry_run: bool
    summary: str
    counts: dict[str, int]
    sheets: list[SheetOut]
    items: list[ItemOut]
    skipped: list[SkippedOut]


def _json_object(text: str | None, name: str) -> dict | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in value.items()
    ):
        raise Invalid(f"{name} is not a JSON object of texts", [(name, "a JSON object of texts")])
    return value


def plan_out(plan: sheet_import.Plan) -> dict:
    return {
        "dry_run": plan.dry_run,
        "summary": plan.summary(),
        "counts": dict(plan.counts),
        "sheets": [
            {
                **{k: s[k] for k in ("name", "layout", "header_row")},
                "columns": [{"column": c, "header": h, "field": f} for c, h, f in s["columns"]],
            }
            for s in plan.sheets
        ],  # fmt: skip
        "items": [
            {
                "what": i.what,
                "ref": i.ref,
                "title": i.title,
                "action": i.action,
                "key": i.key,
                "objective_ref": i.objective_ref,
                "changes": [
                    {"field": k, "before": _plain(a), "after": _plain(b)}
                    for k, (a, b) in i.changes.items()
                ],
                "kind": i.kind,
                "kind_inferred": i.kind_inferred,
                "check_in": i.check_in,
            }
            for i in plan.items
        ],
        "skipped": [{"ref": r, "reason": why} for r, why in plan.skipped],
    }


def _plain(v: Any) -> Any:
    return v.isoformat() if hasattr(v, "isoformat") else v


def read_upload(upload: UploadedFile) -> list[sheets.Sheet]:
    """The sheets of an uploaded file; an unreadable one is a 422 naming why."""
    if upload.size is not None and upload.size > sheets.MAX_BYTES:
        raise Invalid("file too large", [("file", N_("the file is larger than 10 MB"))])
    try:
        return sheets.read(upload.read(), upload.name or "upload.csv")
    except sheets.SheetError as exc:
        raise Invalid(exc.message, [(exc.where or "file", exc.message)]) from None


@router.post(
    "/cycles/{key}/import",
    response=SheetImportOut,
    tags=["import and export"],
    summary="Import OKRs from a spreadsheet (CSV or XLSX, multipart `file`) into the cycle",
)
def import_sheet(
    request: HttpRequest,
    key: str,
    file: File[UploadedFile],
    form: Form[SheetImportForm],
):
    """All or nothing, as the person the token acts for (their rights hold). With `dry_run`
    the answer is the preview — what would be created or changed, the kinds inferred —
    and nothing is written. Errors (422) name the cell: `Feuil1!D7`."""
    a = actor(request)
    cycle = queries.get_cycle(a, key)  # another organisation's cycle: 404, whatever the role
    require_some_objective_writer(a)
    mapping = _json_object(form.mapping, "mapping")
    kinds = _json_object(form.kinds, "kinds")
    book = read_upload(file)
    plan = sheet_import.run(
        a, book, cycle.key, mapping=mapping, unit=form.unit, kinds=kinds, as_of=form.as_of,
        dry_run=form.dry_run,
    )  # fmt: skip
    if not plan.ok:
        raise ImportFailed("the file has errors; nothing was changed", plan.errors)
    return plan_out(plan)


class SheetExportQuery(Schema):
    format: Literal["csv", "xlsx"] = "xlsx"
    as_of: Date | None = None


@router.get(
    "/cycles/{key}/export",
    response={200: None},
    tags=["import and export"],
    summary="The cycle's OKRs as a spreadsheet: one row per key result, with the figures",
    openapi_extra={
        "responses": {
            "200": {
                "description": "CSV or XLSX",
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}
                    },
                },
            }
        }
    },
)
def export_sheet(request: HttpRequest, key: str, query: Query[SheetExportQuery]):
    a = actor(request)
    cycle = queries.get_cycle(a, key)
    return sheet_response(a, cycle, query.format, query.as_of, a.organization.locale)


def sheet_response(a, cycle, fmt: str, as_of, language: str) -> HttpResponse:
    header, body, day = sheet_export.rows(a, cycle=cycle.key, as_of=as_of, language=language)
    name = f"{cycle.key}-{day.isoformat()}"
    if fmt == "csv":
        response = HttpResponse(
            sheet_export.to_csv(header, body, language).encode("utf-8-sig"),
            content_type="text/csv; charset=utf-8",
        )
    else:
        response = HttpResponse(
            sheet_export.to_xlsx(header, body, cycle.name or cycle.key, day),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
