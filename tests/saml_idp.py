"""A real SAML 2.0 identity provider on loopback (pysaml2's IdP), for the single sign-on tests.

It publishes its metadata (``/metadata``) and answers an authentication request
(HTTP-Redirect binding, ``/sso``) at once, as the person it is told to sign in, with a page
that posts a signed response to Pilote's assertion consumer service (HTTP-POST binding) —
what a browser would submit. ``idp.issue`` holds the next person (``email``, ``name``) and
``idp.tamper`` what to get wrong: ``signature`` (signed with a key its metadata does not
publish), ``unsigned``, ``audience`` (issued for another service provider), ``expired``
(the assertion's validity already over), ``sha1`` (signed with SHA-1), ``altered`` (the address changed after signing).
``idp.learn(sp_metadata)`` gives it the service provider's metadata, as an admin would.
"""

from __future__ import annotations

import base64
import datetime
import html
import re
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


def key_pair(folder: Path, name: str) -> tuple[str, str]:
    """A self-signed certificate and its key, written as PEM files: (key path, cert path)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    key_path, cert_path = folder / f"{name}.key", folder / f"{name}.crt"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))  # fmt: skip
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_path), str(cert_path)


DSIG = "http://www.w3.org/2000/09/xmldsig#"
MORE = "http://www.w3.org/2001/04/xmldsig-more#"
ENC = "http://www.w3.org/2001/04/xmlenc#"


@dataclass
class IdentityProvider:
    url: str
    entity_id: str
    folder: Path
    issue: dict = field(default_factory=dict)
    tamper: set[str] = field(default_factory=set)
    sp_metadata: list[str] = field(default_factory=list)
    server: object = None  # saml2.server.Server, made once the SP is known

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/metadata"

    def config(self, key: tuple[str, str]) -> dict:
        from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
        from saml2.saml import NAMEID_FORMAT_EMAILADDRESS

        weak = "sha1" in self.tamper
        lifetime = {"minutes": -30} if "expired" in self.tamper else {"minutes": 5}
        return {
            "entityid": self.entity_id,
            "service": {"idp": {
                "endpoints": {"single_sign_on_service": [
                    (f"{self.url}/sso", BINDING_HTTP_REDIRECT),
                    (f"{self.url}/sso", BINDING_HTTP_POST)]},
                "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                "policy": {"default": {"lifetime": lifetime, "attribute_restrictions": None,
                                       "name_form": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"}},
                "want_authn_requests_signed": False,
                "signing_algorithm": f"{DSIG}rsa-sha1" if weak else f"{MORE}rsa-sha256",
                "digest_algorithm": f"{DSIG}sha1" if weak else f"{ENC}sha256",
            }},
            "key_file": key[0], "cert_file": key[1],
            "metadata": {"inline": self.sp_metadata} if self.sp_metadata else {},
            "xmlsec_binary": "/usr/bin/xmlsec1",
        }  # fmt: skip

    def metadata(self) -> str:
        from saml2.config import IdPConfig
        from saml2.metadata import entity_descriptor

        conf = IdPConfig()
        conf.load(self.config(self.good))
        return str(entity_descriptor(conf))

    def learn(self, sp_metadata: str) -> None:
        self.sp_metadata = [sp_metadata]

    def answer(self, query: str) -> tuple[str, str, str]:
        """(the ACS address, the SAMLResponse, the RelayState) for an authentication request."""
        from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
        from saml2.config import IdPConfig
        from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID
        from saml2.server import Server

        q = {k: v[0] for k, v in parse_qs(query).items()}
        signer = self.rogue if "signature" in self.tamper else self.good
        conf = IdPConfig()
        conf.load(self.config(signer))
        server = Server(config=conf)
        request = server.parse_authn_request(q["SAMLRequest"], BINDING_HTTP_REDIRECT)
        sp = request.message.issuer.text
        acs = request.message.assertion_consumer_service_url
        email = self.issue.get("email", "")
        identity = {"mail": [email], "displayName": [self.issue.get("name", "Sam Saml")]}
        response = server.create_authn_response(
            identity,
            in_response_to=request.message.id,
            destination=acs,
            sp_entity_id="https://another-service.example/" if "audience" in self.tamper else sp,
            name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=email),
            userid=email,
            authn={
                "class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
            },
            sign_assertion="unsigned" not in self.tamper,
            sign_response=False,
        )
        xml = str(response)
        if "altered" in self.tamper:
            xml = xml.replace(email, self.issue.get("altered_to", "boss@acme.example"))
        args = server.apply_binding(BINDING_HTTP_POST, xml, acs, q.get("RelayState", ""),
                                    response=True)  # fmt: skip
        form = args["data"]
        found = dict(re.findall(r'name="(SAMLResponse|RelayState)" value="([^"]*)"', form))
        return acs, html.unescape(found["SAMLResponse"]), html.unescape(found.get("RelayState", ""))


@contextmanager
def saml_idp():
    folder = Path(tempfile.mkdtemp(prefix="pilote-idp-"))
    state: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def _send(self, status: int, body: str, kind: str = "text/html") -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802 (the standard library's name)
            idp: IdentityProvider = state["idp"]
            parts = urlsplit(self.path)
            if parts.path == "/metadata":
                return self._send(200, idp.metadata(), "application/samlmetadata+xml")
            if parts.path == "/sso":
                acs, response, relay = idp.answer(parts.query)
                page = (f'<form method="post" action="{html.escape(acs)}">'
                        f'<input type="hidden" name="SAMLResponse" value="{html.escape(response)}">'
                        f'<input type="hidden" name="RelayState" value="{html.escape(relay)}">'
                        "</form>")  # fmt: skip
                return self._send(200, page)
            return self._send(404, "not found")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    url = f"http://127.0.0.1:{server.server_address[1]}"
    idp = IdentityProvider(url=url, entity_id=f"{url}/metadata", folder=folder)
    idp.good = key_pair(folder, "idp")
    idp.rogue = key_pair(folder, "rogue")
    state["idp"] = idp
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield idp
    finally:
        server.shutdown()
        server.server_close()


def read_form(page: str) -> tuple[str, dict]:
    """The action and the fields of the page the provider sends the browser back with."""
    action = html.unescape(re.search(r'action="([^"]*)"', page).group(1))
    fields = {k: html.unescape(v) for k, v in re.findall(r'name="(\w+)" value="([^"]*)"', page)}
    return action, fields


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()
