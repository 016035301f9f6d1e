"""The REST API under /api/v1 (django-ninja): OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs."""

from __future__ import annotations

from ninja import NinjaAPI

from . import problems
from .auth import SessionAuth, TokenAuth
from .routes_feedback import router as feedback_router
from .routes_goals import router as goals_router
from .routes_org import router as org_router
from .routes_roadmap import router as roadmap_router
from .routes_sheets import router as sheets_router
from .routes_sources import hooks as hooks_router
from .routes_sources import router as sources_router
from .routes_talk import router as talk_router


class PiloteAPI(NinjaAPI):
    """The API whose OpenAPI document also lists every problem answer (api/problems.py)."""

    def get_openapi_schema(self, *args, **kwargs):
        return problems.document(super().get_openapi_schema(*args, **kwargs))


api = PiloteAPI(
    title="Pilote API",
    version="1",
    description=(
        "Pilote's REST API. Authenticate with a personal token (`Authorization: Bearer plt_…`) "
        "or a browser session. Errors are RFC 9457 problem details naming the field paths. "
        "Updates need `If-Match` with the ETag you read; check-in POSTs accept `Idempotency-Key`."
    ),
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
)
problems.install(api)
api.add_router("", org_router)
api.add_router("", goals_router)
api.add_router("", roadmap_router)
api.add_router("", sources_router)
api.add_router("", feedback_router)
api.add_router("", hooks_router)
api.add_router("", talk_router)
api.add_router("", sheets_router)
