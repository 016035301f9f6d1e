"""Fetching a URL for a source, with the guard against reaching inside the network.

A source's URL is typed by a person; without a guard, Pilote could be made to read an
internal service (server-side request forgery). So a URL whose host resolves to a
private, loopback, link-local, reserved or multicast address is refused, unless an
admin allowed private addresses for that one source (``reach.resolve``). The connection
goes to the address that was checked (no second DNS answer can swap it: the URL's host
is kept for the ``Host`` header, TLS server name and certificate check). Redirects are
followed up to ``MAX_REDIRECTS``, each new address checked the same way. The answer is
read up to ``MAX_BYTES`` and within the time limit, whole (not per read).
"""

from __future__ import annotations

import ipaddress
import time
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from pilote.messages import say

from .connectors.base import SourceError
from .reach import MAX_BYTES, resolve

DEFAULT_TIMEOUT = 10.0
MAX_TIMEOUT = 60.0
MAX_REDIRECTS = 5


def check_url(url: str, allow_private: bool) -> tuple[str, str, str]:
    """(the URL rewritten to the checked address, its host, its Host header) or SourceError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceError(say("not_http", url=url))
    try:
        port = parts.port
    except ValueError:
        raise SourceError(say("bad_port", url=url)) from None
    address = resolve(parts.hostname, port or (443 if parts.scheme == "https" else 80),
                      allow_private)[0]  # fmt: skip
    host = f"[{address}]" if ipaddress.ip_address(address).version == 6 else address
    netloc = host + (f":{port}" if port else "")
    header = parts.hostname + (f":{port}" if port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")), parts.hostname, header


def get(url: str, headers: dict | None, timeout: float | None, allow_private: bool) -> bytes:
    """GET ``url`` and return its body, or raise SourceError saying what went wrong."""
    return request("GET", url, headers, None, timeout, allow_private)[1]


def request(
    method: str,
    url: str,
    headers: dict | None,
    body: bytes | None,
    timeout: float | None,
    allow_private: bool,
) -> tuple[int, bytes]:
    """(status, body) of a request to a checked, pinned address; SourceError on any failure.

    A GET follows redirects (each one checked); any other method refuses them.
    """
    seconds = min(float(timeout or DEFAULT_TIMEOUT), MAX_TIMEOUT)
    deadline = time.monotonic() + seconds
    try:
        with httpx.Client(timeout=seconds, follow_redirects=False) as client:
            for _ in range(MAX_REDIRECTS + 1):
                pinned, host, host_header = check_url(url, allow_private)
                request_headers = {**(headers or {}), "Host": host_header}
                with client.stream(
                    method, pinned, headers=request_headers, content=body,
                    extensions={"sni_hostname": host},
                ) as response:  # fmt: skip
                    if response.is_redirect:
                        location = response.headers.get("location")
                        if method != "GET" or not location:
                            raise SourceError(say("redirects", url=url))
                        url = urljoin(url, location)
                        continue
                    if response.status_code >= 400:
                        raise SourceError(say("http_status", url=url, status=response.status_code))
                    data = bytearray()
                    for chunk in response.iter_bytes():
                        data += chunk
                        if len(data) > MAX_BYTES:
                            raise SourceError(say("too_big", url=url, mb=MAX_BYTES // 1024 // 1024))
                        if time.monotonic() > deadline:
                            raise httpx.ReadTimeout("deadline")
                    return response.status_code, bytes(data)
            raise SourceError(say("too_many_redirects", url=url, n=MAX_REDIRECTS))
    except httpx.TimeoutException:
        raise SourceError(say("timed_out", url=url, seconds=seconds)) from None
    except httpx.HTTPError as exc:
        raise SourceError(say("unreadable", url=url, detail=type(exc).__name__)) from None
