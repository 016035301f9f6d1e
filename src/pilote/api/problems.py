"""Errors as RFC 9457 problem details, naming the field paths."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja.errors import AuthenticationError, HttpError, ValidationError

from pilote.errors import PiloteError

CONTENT_TYPE = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    415: "Unsupported media type",
    422: "Invalid input",
    428: "Precondition required",
    500: "Internal error",
}


def problem(
    request: HttpRequest,
    status: int,
    detail: str,
    errors: list[tuple[str, str]] | None = None,
    title: str | None = None,
    **headers: str,
) -> JsonResponse:
    body: dict[str, Any] = {
        "type": f"urn:pilote:problem:{status}",
        "title": title or TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if errors:
        body["errors"] = [{"path": p, "message": m} for p, m in errors]
    response = JsonResponse(
        body, status=status, content_type=CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
    )
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
                msg = "is required"
            elif e.get("type") == "extra_forbidden":
                msg = "unknown field (check its spelling)"
            errors.append((_path(e.get("loc", ())), msg))
        return problem(request, 422, "the request has invalid fields", errors)

    @api.exception_handler(AuthenticationError)
    def auth_error(request, exc):
        return problem(
            request,
            401,
            "sign in, or send a valid API token (Authorization: Bearer …)",
            WWW_Authenticate='Bearer realm="pilote"',
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return problem(request, exc.status_code, str(exc))
