"""Errors as RFC 9457 problem details, naming the field paths."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from ninja.errors import AuthenticationError, HttpError, ValidationError

from pilote.errors import PiloteError
from pilote.messages import say
from pilote.okr.text import N_

CONTENT_TYPE = "application/problem+json"
TITLES = {
    400: N_("Bad request"),
    401: N_("Authentication required"),
    403: N_("Forbidden"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    409: N_("Conflict"),
    412: N_("Precondition failed"),
    413: N_("Request too large"),
    415: N_("Unsupported media type"),
    422: N_("Invalid input"),
    428: N_("Precondition required"),
    500: N_("Internal error"),
}


def language_of(request: HttpRequest) -> str:
    """The language a client asked for (``Accept-Language``: "fr", "fr-FR;q=0.9"…); English
    when it asked for none or for one Pilote does not speak, as the API always answered."""
    from django.utils.translation.trans_real import parse_accept_lang_header

    spoken = {code for code, _ in settings.LANGUAGES}
    for code, _q in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        base = code.split("-")[0].lower()
        if base in spoken:
            return base
    return "en"


def problem(
    request: HttpRequest,
    status: int,
    detail: str,
    errors: list[tuple[str, str]] | None = None,
    title: str | None = None,
    **headers: str,
) -> JsonResponse:
    """The problem in the request's language (``Accept-Language``): the fixed messages of the
    rules and actions are in the catalogue; ``english`` keeps each one's English, stable for
    programs to match on."""
    from django.utils import translation

    language = language_of(request)

    from pilote.words import message as words

    with translation.override(language):
        title = title or TITLES.get(status, "Error")
        body: dict[str, Any] = {
            "type": f"urn:pilote:problem:{status}",
            "title": words(title),
            "status": status,
            "detail": words(detail),
            "instance": request.path,
        }
        if errors:
            body["errors"] = [
                {
                    "path": p,
                    "message": words(m),
                    **({"english": m} if words(m) != m else {}),
                    # a message built with values says which one it is, with its values
                    **({"code": m.code, "params": m.params} if getattr(m, "code", "") else {}),
                }
                for p, m in errors
            ]
    response = JsonResponse(
        body, status=status, content_type=CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
    )
    response["Content-Language"] = language
    for k, v in headers.items():
        response[k.replace("_", "-")] = v
    return response


def _path(loc: list | tuple) -> str:
    parts = list(loc)
    where = parts.pop(0) if parts else ""
    if where == "body" and parts:
        parts.pop(0)  # the parameter name ("payload")
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else ("." if out else "") + str(p)
    if where in ("query", "path", "header", "cookie"):
        return f"{where}.{out}" if out else where
    return out


def install(api) -> None:
    @api.exception_handler(PiloteError)
    def pilote_error(request, exc: PiloteError):
        return problem(request, exc.status, exc.detail, exc.errors, title=exc.title)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        errors = []
        for e in exc.errors:
            msg = e.get("msg", "invalid")
            if e.get("type") == "missing":
                msg = N_("is required")
            elif e.get("type") == "extra_forbidden":
                msg = N_("unknown field (check its spelling)")
            errors.append((_path(e.get("loc", ())), msg))
        return problem(request, 422, N_("the request has invalid fields"), errors)

    @api.exception_handler(AuthenticationError)
    def auth_error(request, exc):
        return problem(
            request,
            401,
            N_("sign in, or send a valid API token (Authorization: Bearer …)"),
            WWW_Authenticate='Bearer realm="pilote"',
        )

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        return problem(request, 413, say("body_too_large", limit=limit))

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return problem(request, exc.status_code, str(exc))


# --- the answers every operation may give, in the OpenAPI document ---------------------

PROBLEM_SCHEMA = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details; `errors` names each wrong field by its path.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "message"],
                "properties": {
                    "path": {"type": "string"},
                    "message": {"type": "string"},
                    "english": {
                        "type": "string",
                        "description": "the message in English, when `message` is translated",
                    },
                    "code": {
                        "type": "string",
                        "description": "for a message built with values: which (`unknown`, `one_of`)",
                    },
                    "params": {"type": "object", "description": "the values of a coded message"},
                },
            },
        },
    },
}
WRITES = {"post", "put", "patch", "delete"}


def problem_statuses(method: str, operation: dict) -> list[int]:
    """The 4xx answers an operation can give, from what it takes.

    Every operation: 401 (no or a bad token), 403 (the role or the token's scope), 404 (a
    key or the route's organisation not found), 422 (a parameter or field invalid). One that
    takes a body: 400 (not JSON), 413 (too large), 415 (not JSON's media type). A write: 409
    (the state forbids it), 412/428 (If-Match stale or missing, on updates).
    """
    codes = {401, 403, 404, 422}
    if "requestBody" in operation:
        codes |= {400, 413, 415}
    if method in WRITES:
        codes |= {409}
    if method in ("put", "patch", "delete"):
        codes |= {412, 428}
    return sorted(codes)


def document(schema: dict) -> dict:
    """Add the Problem schema and each operation's problem answers to an OpenAPI document."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    content = {CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code in problem_statuses(method, operation):
                responses.setdefault(
                    str(code), {"description": TITLES.get(code, "Error"), "content": content}
                )
    return schema
