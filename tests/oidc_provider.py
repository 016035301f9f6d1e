"""A real OpenID Connect provider on loopback, for the single sign-on tests.

It publishes its discovery document and its keys, authorises by redirecting at once (as
the person it is told to sign in), and exchanges each code once, checking the client's
secret and the PKCE verifier. ``provider.issue`` holds the claims of the next identity
token and ``provider.tamper`` what to get wrong in it (another signing key, another
audience, an expired token, another nonce or issuer, no identity token at all).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey


@dataclass
class Provider:
    url: str
    client_id: str = "pilote-tests"
    client_secret: str = "s3cret-of-the-tests"
    issue: dict = field(default_factory=dict)  # the next sign-in's claims (email, name…)
    tamper: set[str] = field(default_factory=set)
    metadata_issuer: str | None = None  # what the discovery document says (default: url)
    codes: dict = field(default_factory=dict)
    token_requests: int = 0


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@contextmanager
def oidc_provider():
    key = RSAKey.generate_key(2048, parameters={"kid": "good", "alg": "RS256"}, private=True)
    rogue = RSAKey.generate_key(2048, parameters={"kid": "good", "alg": "RS256"}, private=True)
    state: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def _json(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802 (the standard library's name)
            p: Provider = state["provider"]
            parts = urlsplit(self.path)
            if parts.path == "/.well-known/openid-configuration":
                return self._json(200, {
                    "issuer": p.metadata_issuer or p.url,
                    "authorization_endpoint": f"{p.url}/authorize",
                    "token_endpoint": f"{p.url}/token",
                    "jwks_uri": f"{p.url}/jwks",
                    "response_types_supported": ["code"],
                    "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                })  # fmt: skip
            if parts.path == "/jwks":
                return self._json(200, {"keys": [key.as_dict(private=False)]})
            if parts.path == "/authorize":
                q = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if q.get("client_id") != p.client_id or q.get("response_type") != "code":
                    return self._json(400, {"error": "invalid_request"})
                code = secrets.token_urlsafe(16)
                p.codes[code] = {"nonce": q.get("nonce"), "challenge": q.get("code_challenge"),
                                 "redirect_uri": q.get("redirect_uri"), "used": False}  # fmt: skip
                self.send_response(302)
                location = q["redirect_uri"] + "?" + urlencode({"code": code, "state": q["state"]})
                self.send_header("Location", location)
                self.end_headers()
                return None
            return self._json(404, {"error": "not_found"})

        def do_POST(self):  # noqa: N802
            p: Provider = state["provider"]
            if urlsplit(self.path).path != "/token":
                return self._json(404, {"error": "not_found"})
            p.token_requests += 1
            length = int(self.headers.get("Content-Length", 0))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            auth = self.headers.get("Authorization", "")
            expected = (
                "Basic " + base64.b64encode(f"{p.client_id}:{p.client_secret}".encode()).decode()
            )
            if auth != expected:
                return self._json(401, {"error": "invalid_client"})
            grant = p.codes.get(form.get("code", ""))
            if grant is None or grant["used"] or grant["redirect_uri"] != form.get("redirect_uri"):
                return self._json(400, {"error": "invalid_grant"})
            grant["used"] = True
            verifier = form.get("code_verifier", "")
            if _b64(hashlib.sha256(verifier.encode()).digest()) != grant["challenge"]:
                return self._json(400, {"error": "invalid_grant"})
            now = int(time.time())
            claims = {"iss": p.url, "aud": p.client_id, "sub": p.issue.get("email", "x"),
                      "iat": now, "exp": now + 300, "nonce": grant["nonce"],
                      "email_verified": True, **p.issue}  # fmt: skip
            if "aud" in p.tamper:
                claims["aud"] = "another-application"
            if "expired" in p.tamper:
                claims.update(iat=now - 3600, exp=now - 1800)
            if "nonce" in p.tamper:
                claims["nonce"] = "not-the-one-sent"
            if "issuer" in p.tamper:
                claims["iss"] = "https://impostor.example"
            signer = rogue if "signature" in p.tamper else key
            body = {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                    "expires_in": 300}  # fmt: skip
            if "no_id_token" not in p.tamper:
                body["id_token"] = jwt.encode({"alg": "RS256", "kid": "good"}, claims, signer)
            return self._json(200, body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state["provider"] = Provider(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["provider"]
    finally:
        server.shutdown()
        server.server_close()
