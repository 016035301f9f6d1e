"""HTTP JSON: GET a URL, pick the number out of the JSON with a JMESPath expression."""

from __future__ import annotations

import json

from django.utils import timezone

from .. import net
from ..paths import extract
from .base import Param, Reading, SourceConfig, SourceError, register, to_number


class HttpJson:
    name = "http_json"
    label = "HTTP JSON"
    parameters = (
        Param("url", "the address to GET, http(s)://…"),
        Param("path", "a JMESPath expression selecting the number, e.g. data.rating"),
        Param("timeout", "seconds to wait (default 10, at most 60)", required=False),
        Param("headers", "extra request headers (e.g. Authorization)", required=False, secret=True),
    )

    def fetch(self, config: SourceConfig) -> Reading:
        p = config.params
        headers = config.secrets.get("headers") or {}
        if not isinstance(headers, dict):
            raise SourceError("secrets.headers must be a mapping of header names to values")
        body = net.get(p["url"], headers, p.get("timeout"), config.allow_private)
        fetched_at = timezone.now()
        try:
            document = json.loads(body)
        except ValueError:
            raise SourceError(f"{p['url']} did not answer JSON: {body[:80]!r}") from None
        found = extract(p["path"], document)
        return Reading(
            to_number(found, f"value at {p['path']!r}"), json.dumps(found)[:500], fetched_at
        )


register(HttpJson())
