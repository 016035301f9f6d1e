"""Single sign-on with SAML 2.0, through pysaml2 (the library djangosaml2 is built on): it
writes the authentication request, and checks the identity provider's response — its XML
signature (xmlsec1) against the certificate of the provider's metadata, the audience, the
validity window, the destination and ``InResponseTo``. Pilote decides the rest, as for
OpenID Connect (``sso.py``):

- Pilote is one service provider per organisation: its entity ID is the address of its
  metadata, ``/sso/saml/<organisation>/metadata/``, and its assertion consumer service is
  ``/sso/saml/<organisation>/acs/``. The admin gives the provider's metadata (an address
  Pilote fetches once, under the same rules as an OpenID Connect issuer, or the XML itself).
- A sign-in starts here (no "IdP-initiated" answers): the request's id travels in the
  signed ``RelayState`` and in this browser's session. The response comes back by a
  cross-site POST, which carries no session cookie (SameSite=Lax), so the assertion consumer
  checks the response, spends its request and assertion ids once (``SsoUse``: a replay is
  refused, in any process), keeps who it is for one minute, and sends the browser to
  ``/sso/saml/finish/`` — a top-level GET, with the session — which signs in only the
  browser that started that request.
- Accounts and memberships: ``sso._member`` (the address of one of the domains).
"""

from __future__ import annotations

import base64
import binascii
import secrets
from datetime import timedelta
from shutil import which

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from pilote.okr.text import N_

from .models import Membership, SingleSignOn, SsoUse
from .sso import REFUSALS, Refused, _member, issuer_errors

SESSION = "pilote_saml"  # request id → organisation id, for the sign-ins this browser started
RELAY_SALT = "pilote.saml.relay"
HANDOFF = timedelta(minutes=1)
MAX_METADATA = 1_000_000
MAX_RESPONSE = 500_000
EMAIL_ATTRIBUTES = ("email", "mail", "emailaddress", "emailAddress", "Email",
                    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
                    "urn:oid:0.9.2342.19200300.100.1.3")  # fmt: skip
NAME_ATTRIBUTES = ("displayName", "name", "cn",
                   "http://schemas.microsoft.com/identity/claims/displayname",
                   "urn:oid:2.16.840.1.113730.3.1.241")  # fmt: skip
GIVEN = (
    "givenName",
    "firstName",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
)
FAMILY = ("sn", "surname", "lastName",
          "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname")  # fmt: skip

SAML_REFUSALS = {
    "signature": N_("the response is not signed by the identity provider's certificate: sign-in refused"),
    "unsigned": N_("the response carries no signature: sign-in refused"),
    "audience": N_("the assertion was issued for another service provider (its audience): check the entity ID given to the identity provider"),
    "expired": N_("the assertion has expired: start again (or check the server's clock)"),
    "unsolicited": N_("this answer was not asked for from Pilote: start the sign-in from Pilote's sign-in page"),
    "issuer": N_("the assertion comes from another identity provider than the one set up"),
    "invalid": N_("the response is not a valid SAML response: sign-in refused"),
    "weak": N_("the response is signed with SHA-1, which can be forged: set the identity provider to sign with SHA-256"),
}  # fmt: skip


# --- Pilote as a service provider -------------------------------------------------------


def entity_id(org_id: int) -> str:
    return f"{settings.PILOTE_BASE_URL}/sso/saml/{org_id}/metadata/"


def acs_url(org_id: int) -> str:
    return f"{settings.PILOTE_BASE_URL}/sso/saml/{org_id}/acs/"


def xmlsec() -> str:
    found = which("xmlsec1")
    if not found:
        raise Refused(N_("SAML needs the xmlsec1 program on the server (apt install xmlsec1)"))
    return found


def _config(org_id: int, metadata_xml: str | None):
    from saml2 import BINDING_HTTP_POST
    from saml2.config import SPConfig
    from saml2.saml import NAMEID_FORMAT_EMAILADDRESS

    conf = SPConfig()
    conf.load({
        "entityid": entity_id(org_id),
        "service": {"sp": {
            "endpoints": {"assertion_consumer_service": [(acs_url(org_id), BINDING_HTTP_POST)]},
            "allow_unsolicited": False,
            "authn_requests_signed": False,
            "want_assertions_signed": False,
            "want_response_signed": False,
            "want_assertions_or_response_signed": True,
            "name_id_format": NAMEID_FORMAT_EMAILADDRESS,
            "name_id_format_allow_create": True,
        }},
        "metadata": {"inline": [metadata_xml]} if metadata_xml else {},
        "xmlsec_binary": xmlsec(),
        "accepted_time_diff": 60,
        "allow_unknown_attributes": True,
    })  # fmt: skip
    return conf


def sp_metadata(org_id: int) -> str:
    """Pilote's metadata for this organisation's identity provider (what the admin uploads)."""
    from saml2.metadata import entity_descriptor

    return str(entity_descriptor(_config(org_id, None)))


# --- the identity provider's metadata ---------------------------------------------------


def read_metadata(xml: str) -> tuple[str, str, list[tuple[str, str]]]:
    """(the provider's entity ID, its sign-in address, errors) of a metadata document: one
    identity provider, a sign-in service by redirect, a signing certificate."""
    from saml2 import BINDING_HTTP_REDIRECT
    from saml2.mdstore import MetadataStore

    errors: list[tuple[str, str]] = []
    if not xml or len(xml) > MAX_METADATA:
        return "", "", [("metadata", N_("the identity provider's metadata is needed (an address or the XML)"))]  # fmt: skip
    conf = _config(0, None)
    store = MetadataStore(None, conf)
    try:
        store.load("inline", xml)
        idps = list(store.identity_providers())
    except Exception:  # noqa: BLE001 - pysaml2 raises many kinds on a bad document
        return "", "", [("metadata", N_("not SAML metadata (an EntityDescriptor of an identity provider)"))]  # fmt: skip
    if len(idps) != 1:
        return "", "", [("metadata", N_("the metadata must describe exactly one identity provider"))]  # fmt: skip
    idp = idps[0]
    services = store.single_sign_on_service(idp, BINDING_HTTP_REDIRECT)
    url = services[0]["location"] if services else ""
    if not url:
        errors.append(("metadata", N_("the identity provider has no sign-in address by redirect (HTTP-Redirect binding)")))  # fmt: skip
    elif issuer_errors(url):
        errors.append(("metadata", N_("the identity provider's sign-in address must be https://")))
    if not store.certs(idp, "idpsso", "signing"):
        errors.append(("metadata", N_("the metadata has no signing certificate")))
    return idp, url, errors


def fetch_metadata(url: str) -> str:
    """The provider's metadata at ``url``: https and a public address unless the operator
    allowed otherwise (as an OpenID Connect issuer), fetched through the pinned client."""
    from pilote.sources.connectors.base import SourceError
    from pilote.sources.net import get

    errors = issuer_errors(url)
    if errors:
        raise Refused(errors[0][1])
    try:
        body = get(url, {"Accept": "application/samlmetadata+xml, application/xml"}, 10,
                   settings.PILOTE_SSO_ALLOW_PRIVATE)  # fmt: skip
    except SourceError as exc:
        raise Refused(str(exc)) from None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(
            N_("not SAML metadata (an EntityDescriptor of an identity provider)")
        ) from None


def certificate_ends(sso: SingleSignOn) -> list:
    """When the provider's signing certificates expire (dates), for the set-up page."""
    from cryptography import x509
    from saml2.mdstore import MetadataStore

    store = MetadataStore(None, _config(sso.organization_id, None))
    store.load("inline", sso.metadata_xml)
    ends = []
    for cert in store.certs(sso.issuer, "idpsso", "signing"):
        der = base64.b64decode("".join(cert[1].split()) if isinstance(cert, tuple) else cert)
        ends.append(x509.load_der_x509_certificate(der).not_valid_after_utc.date())
    return ends


# --- signing in ---------------------------------------------------------------------------


def _client(sso: SingleSignOn):
    from saml2.client import Saml2Client

    return Saml2Client(config=_config(sso.organization_id, sso.metadata_xml))


def start(request: HttpRequest, sso: SingleSignOn, email: str = "") -> str:
    """The provider's address to send the person to, with a request this browser keeps."""
    from saml2 import BINDING_HTTP_REDIRECT

    request_id = "id-" + secrets.token_hex(20)
    # The RelayState names the request, signed: the consumer reads it without a session.
    relay = signing.dumps({"o": sso.organization_id, "r": request_id}, salt=RELAY_SALT)
    _, info = _client(sso).prepare_for_authenticate(
        entityid=sso.issuer, binding=BINDING_HTTP_REDIRECT, relay_state=relay,
        message_id=request_id,
    )  # fmt: skip
    location = dict(info["headers"])["Location"]
    pending = dict(request.session.get(SESSION, {}))
    pending[request_id] = sso.organization_id
    request.session[SESSION] = dict(list(pending.items())[-5:])  # a few tabs at most
    return location + (("&login_hint=" + _quote(email)) if email else "")


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def _refuse_from(exc: Exception) -> Refused:
    """pysaml2's exception, said as what went wrong."""
    from saml2 import response as r
    from saml2 import sigver
    from saml2.validate import ResponseLifetimeExceed, ToEarly

    text = str(exc).lower()
    if isinstance(exc, sigver.SigverError) and "neither" in text:
        return Refused(SAML_REFUSALS["unsigned"])
    if isinstance(exc, (sigver.SigverError, r.IncorrectlySigned)):
        return Refused(SAML_REFUSALS["signature"])
    # pysaml2 says "Condition not OK" when the validity window (NotBefore, NotOnOrAfter) is
    # over or not yet begun; the audience has its own message, below.
    if isinstance(exc, (ResponseLifetimeExceed, ToEarly)) or (
        isinstance(exc, r.VerificationError) and "condition" in text
    ):
        return Refused(SAML_REFUSALS["expired"])
    if isinstance(exc, r.UnsolicitedResponse):
        return Refused(SAML_REFUSALS["unsolicited"])
    if isinstance(exc, r.StatusError):
        return Refused(REFUSALS["provider"])
    if "audience" in text or "not for me" in text:
        return Refused(SAML_REFUSALS["audience"])
    return Refused(SAML_REFUSALS["invalid"])


WEAK = ("xmldsig#rsa-sha1", "xmldsig#dsa-sha1", "xmldsig#hmac-sha1", "xmldsig#sha1",
        "xmldsig-more#rsa-md5", "xmldsig-more#md5")  # fmt: skip


def _refuse_weak_algorithms(xml: bytes) -> None:
    """A signature or digest by SHA-1 or MD5 is refused before anything is verified
    (xmlsec1 accepts them; a collision forges them). Read with defusedxml, no entities."""
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        root = ElementTree.fromstring(xml)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        raise Refused(SAML_REFUSALS["invalid"]) from None
    for node in root.iter():
        if node.tag.endswith(("}SignatureMethod", "}DigestMethod")):
            if node.get("Algorithm", "").endswith(WEAK):
                raise Refused(SAML_REFUSALS["weak"])


def consume(request: HttpRequest, org_id: int) -> str:
    """The provider's response (the POST to the assertion consumer service), checked; who it
    names is kept for one minute under its request id, which is returned."""
    from saml2 import BINDING_HTTP_POST

    sso = (SingleSignOn.objects.select_related("organization")
           .filter(organization_id=org_id, protocol=SingleSignOn.Protocol.SAML).first())  # fmt: skip
    if sso is None or not sso.enabled:
        raise Refused(REFUSALS["disabled"])
    try:
        relay = signing.loads(request.POST.get("RelayState", ""), salt=RELAY_SALT, max_age=900)
    except signing.BadSignature:
        raise Refused(SAML_REFUSALS["unsolicited"]) from None
    if relay.get("o") != org_id or not relay.get("r"):
        raise Refused(SAML_REFUSALS["unsolicited"])
    request_id = str(relay["r"])
    encoded = request.POST.get("SAMLResponse", "")
    if not encoded or len(encoded) > MAX_RESPONSE:
        raise Refused(SAML_REFUSALS["invalid"])
    try:
        xml = base64.b64decode(encoded, validate=False)
    except (binascii.Error, ValueError):
        raise Refused(SAML_REFUSALS["invalid"]) from None
    _refuse_weak_algorithms(xml)
    try:
        response = _client(sso).parse_authn_request_response(
            encoded, BINDING_HTTP_POST, outstanding={request_id: "/"}
        )
    except Refused:
        raise
    except Exception as exc:  # noqa: BLE001 - every pysaml2 failure is a refusal
        raise _refuse_from(exc) from None
    if response is None or response.assertion is None:
        raise Refused(SAML_REFUSALS["invalid"])
    if response.in_response_to != request_id:
        raise Refused(SAML_REFUSALS["unsolicited"])
    issuer = response.assertion.issuer.text if response.assertion.issuer is not None else ""
    if issuer and issuer != sso.issuer:
        raise Refused(SAML_REFUSALS["issuer"])
    claims = _claims(response)
    until = timezone.now() + timedelta(hours=1)
    try:
        with transaction.atomic():
            SsoUse.objects.filter(until__lt=timezone.now()).delete()
            SsoUse.objects.create(key=f"saml-assertion:{org_id}:{response.assertion.id}"[:200],
                                  until=until)  # fmt: skip
            SsoUse.objects.create(key=f"saml-request:{request_id}"[:200], until=until,
                                  payload={"o": org_id, **claims,
                                           "by": (timezone.now() + HANDOFF).timestamp()})  # fmt: skip
    except IntegrityError:
        raise Refused(REFUSALS["replay"]) from None
    return request_id


def _first(ava: dict, names) -> str:
    lowered = {k.lower(): v for k, v in ava.items()}
    for name in names:
        values = ava.get(name) or lowered.get(name.lower())
        if values:
            return str(values[0]).strip()
    return ""


def _claims(response) -> dict:
    from saml2.saml import NAMEID_FORMAT_EMAILADDRESS

    ava = response.ava or {}
    email = _first(ava, EMAIL_ATTRIBUTES)
    name_id = response.name_id
    if (
        not email
        and name_id is not None
        and (name_id.format == NAMEID_FORMAT_EMAILADDRESS or "@" in (name_id.text or ""))
    ):
        email = (name_id.text or "").strip()
    name = _first(ava, NAME_ATTRIBUTES) or " ".join(
        x for x in (_first(ava, GIVEN), _first(ava, FAMILY)) if x
    )
    return {"email": email[:254], "name": name[:200], "email_verified": True}


def finish(request: HttpRequest) -> Membership:
    """Back in the browser that started the sign-in: its request, once, within a minute."""
    request_id = request.GET.get("request", "")
    pending = dict(request.session.get(SESSION, {}))
    org_id = pending.pop(request_id, None)
    request.session[SESSION] = pending
    if org_id is None:
        raise Refused(REFUSALS["replay"])
    with transaction.atomic():
        use = (
            SsoUse.objects.select_for_update()
            .filter(key=f"saml-request:{request_id}"[:200])
            .first()
        )
        payload = use.payload if use is not None else None
        if not payload or payload.get("o") != org_id or payload["by"] < timezone.now().timestamp():
            raise Refused(REFUSALS["replay"])
        use.payload = None
        use.save(update_fields=["payload"])
    sso = SingleSignOn.objects.select_related("organization").filter(organization_id=org_id).first()
    if sso is None or not sso.enabled:
        raise Refused(REFUSALS["disabled"])
    return _member(sso, payload)
