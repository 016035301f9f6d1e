"""HMAC-SHA256 signatures of webhook bodies, in and out: ``sha256=<hex digest>``."""

from __future__ import annotations

import hashlib
import hmac


def signature_of(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """Constant-time comparison of a received signature header with the expected one."""
    return bool(header) and hmac.compare_digest(signature_of(secret, body), header.strip())
