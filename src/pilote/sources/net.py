"""Fetching a URL for a source, with the guard against reaching inside the network.

A source's URL is typed by a person; without a guard, Pilote could be made to read an
internal service (server-side request forgery). So a URL whose host resolves to a
private, loopback, link-local, reserved or multicast address is refused, unless an
admin allowed private addresses for that one source. Redirects are not followed (a
public URL could redirect inside); the answer is read up to ``MAX_BYTES``.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import httpx

from .connectors.base import SourceError

MAX_BYTES = 5 * 1024 * 1024
DEFAULT_TIMEOUT = 10.0
MAX_TIMEOUT = 60.0


def _refused(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


def check_url(url: str, allow_private: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceError(f"{url!r} is not an http(s) URL")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise SourceError(f"cannot resolve {parts.hostname!r}: {exc.strerror}") from None
    for info in infos:
        ip = ipaddress.ip_address(info[4][0])
        if _refused(ip):
            raise SourceError(
                f"{parts.hostname!r} resolves to {ip}, a private or loopback address: refused "
                "(an admin may allow private addresses for this source)"
            )


def get(url: str, headers: dict | None, timeout: float | None, allow_private: bool) -> bytes:
    """GET ``url`` and return its body, or raise SourceError saying what went wrong."""
    check_url(url, allow_private)
    seconds = min(float(timeout or DEFAULT_TIMEOUT), MAX_TIMEOUT)
    try:
        with httpx.Client(timeout=seconds, follow_redirects=False) as client:
            with client.stream("GET", url, headers=headers or {}) as response:
                if response.is_redirect:
                    raise SourceError(
                        f"{url} redirects to {response.headers.get('location')!r}; "
                        "give the final address"
                    )
                if response.status_code >= 400:
                    raise SourceError(f"{url} answered HTTP {response.status_code}")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_BYTES:
                        raise SourceError(f"{url} sent more than {MAX_BYTES // 1024 // 1024} MB")
                return bytes(body)
    except httpx.TimeoutException:
        raise SourceError(f"{url} did not answer within {seconds:g} s") from None
    except httpx.HTTPError as exc:
        raise SourceError(f"{url} could not be read: {exc}") from None
