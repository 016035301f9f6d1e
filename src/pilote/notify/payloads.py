"""Outgoing webhook bodies (generic JSON, Slack, Microsoft Teams) and their signed POST.

Every body is signed like inbound webhooks: ``X-Pilote-Signature: sha256=<HMAC-SHA256 of
the body with the webhook's secret>``; receivers compare it in constant time.
"""

from __future__ import annotations

import json

from django.conf import settings

from pilote.messages import say
from pilote.signing import signature_of
from pilote.sources import net
from pilote.sources.connectors.base import SourceError

from .models import Delivery, Webhook


def body_of(delivery: Delivery) -> dict:
    p = delivery.payload
    link = f"{settings.PILOTE_BASE_URL}{p.get('link', '')}"
    fmt = delivery.webhook.format
    if fmt == Webhook.Format.SLACK:
        return {"text": f"*{p.get('title', '')}*\n{p.get('text', '')}\n<{link}|Open in Pilote>"}
    if fmt == Webhook.Format.TEAMS:
        return {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": p.get("title", ""),
            "title": p.get("title", ""),
            "text": p.get("text", ""),
            "potentialAction": [
                {
                    "@type": "OpenUri",
                    "name": "Open in Pilote",
                    "targets": [{"os": "default", "uri": link}],
                }
            ],
        }
    return {"event": delivery.kind, "delivery": delivery.pk, "organization": delivery.organization.name,
            **p, "url": link}  # fmt: skip


def post(delivery: Delivery) -> None:
    hook = delivery.webhook
    body = json.dumps(body_of(delivery)).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Pilote-Webhook/1",
        "X-Pilote-Event": delivery.kind,
        "X-Pilote-Delivery": str(delivery.pk),
        "X-Pilote-Signature": signature_of(hook.secret, body),
    }
    status, _ = net.request("POST", hook.url, headers, body, 10.0, hook.allow_private)
    if not 200 <= status < 300:
        raise SourceError(say("webhook_status", url=hook.url, status=status))
