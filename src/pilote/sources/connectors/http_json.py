"""HTTP JSON: GET a URL, pick the number out of the JSON with a JMESPath expression."""

from __future__ import annotations

import json

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pilote.messages import say
from pilote.okr.text import N_

from .. import net
from ..paths import extract
from .base import Param, Reading, SourceConfig, SourceError, register, to_number


class HttpJson:
    name = "http_json"
    label = _("JSON over HTTP")
    parameters = (
        Param("url", _("the address to read, http(s)://…"), label=_("Address")),
        Param(
            "path",
            _("a JMESPath expression selecting the number, e.g. data.rating"),
            label=_("Where the number is"),
        ),
        Param(
            "timeout",
            _("seconds to wait (default 10, at most 60)"),
            required=False,
            label=_("Time limit (seconds)"),
            number=True,
        ),
        Param(
            "headers",
            _("extra request headers, one “name: value” per line (e.g. Authorization)"),
            required=False,
            secret=True,
            label=_("Request headers"),
            mapping=True,
        ),
    )

    def fetch(self, config: SourceConfig) -> Reading:
        p = config.params
        headers = config.secrets.get("headers") or {}
        if not isinstance(headers, dict):
            raise SourceError(N_("secrets.headers must be a mapping of header names to values"))
        body = net.get(p["url"], headers, p.get("timeout"), config.allow_private)
        fetched_at = timezone.now()
        try:
            document = json.loads(body)
        except ValueError:
            # what it read is not quoted: a source's data is not for every reader of its runs
            raise SourceError(say("not_json", url=p["url"], n=len(body))) from None
        found = extract(p["path"], document)
        return Reading(
            to_number(found, say("value_at", path=p["path"])), json.dumps(found)[:500], fetched_at
        )


register(HttpJson())
