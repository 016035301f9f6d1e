"""Single sign-on with an organisation's identity provider (OpenID Connect), through
Authlib: its Django client runs the authorisation-code flow with PKCE, keeps ``state`` and
``nonce`` in the session, exchanges the code and validates the ID token (signature against
the provider's published keys, issuer, audience, expiry, nonce). Pilote decides who the
answer lets in:

- the provider is the organisation's (``SingleSignOn``, set up by its admin: an issuer that
  publishes ``/.well-known/openid-configuration``, a client id and secret, e-mail domains);
- the e-mail must be given, verified (``email_verified`` not false) and of one of those
  domains; a new address gets an account (no password) and a membership with the default
  role — "just in time"; an existing member signs in as themselves;
- each ``state`` is used once: a replayed answer, or one that was not started here, is
  refused, as is one whose signature, audience, issuer, expiry or nonce is wrong — each with
  its own message (``REFUSALS``);
- the issuer, and every endpoint its discovery document names, must be a public address
  unless the operator allowed private ones (``PILOTE_SSO_ALLOW_PRIVATE``: an in-house
  Keycloak), as for data sources; and HTTPS unless the operator allowed plain HTTP.

With ``required``, members whose address is of the organisation's domains do not sign in
with a password (nor reset one): the sign-in page sends them to their provider.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from pilote.errors import Conflict, Invalid, NotFound
from pilote.okr.text import N_, one_of

from . import audit
from .access import Actor, require_admin
from .audit import AuditType
from .models import Invitation, Membership, Role, SingleSignOn, User

CALLBACK = "/sso/callback/"
SESSION = "pilote_sso"  # state → organisation id, for the sign-ins started in this session
SCOPES = "openid email profile"
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
ROLES_GIVEN = (Role.VIEWER, Role.CONTRIBUTOR)
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class Refused(Exception):
    """A sign-in refused, with what to tell the person (an N_ message)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


REFUSALS = {
    "replay": N_("this sign-in was already used, or has expired: start again"),
    "provider": N_("the identity provider refused the sign-in"),
    "unreachable": N_("the identity provider could not be reached: try again later"),
    "no_id_token": N_("the identity provider sent no identity token: sign-in refused"),
    "signature": N_(
        "the identity token is not signed by the identity provider's keys: sign-in refused"
    ),
    "audience": N_(
        "the identity token was issued for another application (its audience): check the client ID"
    ),
    "issuer": N_("the identity token comes from another issuer than the one set up"),
    "expired": N_("the identity token has expired: start again (or check the server's clock)"),
    "nonce": N_("the identity token does not belong to this sign-in (nonce): start again"),
    "invalid": N_("the identity token is not valid: sign-in refused"),
    "no_email": N_("the identity provider gave no verified e-mail address"),
    "domain": N_("this address is not of a domain the organisation signs in with"),
    "inactive": N_("this account is deactivated"),
    "disabled": N_("single sign-on is turned off for this organisation"),
}


# --- set-up ---------------------------------------------------------------------------


def sso_snapshot(sso: SingleSignOn) -> dict:
    return {"protocol": sso.protocol, "issuer": sso.issuer, "client_id": sso.client_id,
            "secret_set": bool(sso.client_secret), "metadata_url": sso.metadata_url, "domains": list(sso.domains),
            "default_role": sso.default_role, "required": sso.required,
            "enabled": sso.enabled}  # fmt: skip


def issuer_errors(issuer: str) -> list[tuple[str, str]]:
    """The issuer as the operator allows it: HTTPS (or HTTP where allowed), a public address
    (or a private one where allowed)."""
    from pilote.sources.connectors.base import SourceError
    from pilote.sources.reach import resolve

    parts = urlsplit(issuer or "")
    allowed = ("https", "http") if settings.PILOTE_SSO_ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        return [("issuer", N_("must be an https:// address"))]
    try:
        resolve(parts.hostname, parts.port, settings.PILOTE_SSO_ALLOW_PRIVATE)
    except SourceError as exc:
        return [("issuer", str(exc))]
    except ValueError:
        return [("issuer", N_("must be an https:// address"))]
    return []


def _domains(values) -> tuple[list[str], list[tuple[str, str]]]:
    if isinstance(values, str):
        values = re.split(r"[\s,;]+", values)
    out, errors = [], []
    for i, d in enumerate(values or []):
        d = str(d).strip().lower().lstrip("@")
        if not d:
            continue
        if not _DOMAIN.match(d):
            errors.append((f"domains[{i}]", N_("not an e-mail domain (e.g. example.com)")))
        elif d not in out:
            out.append(d)
    if not out and not errors:
        errors.append(("domains", N_("at least one e-mail domain is needed")))
    return out, errors


@transaction.atomic
def set_sso(actor: Actor, data: dict) -> SingleSignOn:
    """Create or change the organisation's single sign-on (admins). A blank secret keeps the
    one stored."""
    require_admin(actor)
    errors: list[tuple[str, str]] = []
    protocol = data.get("protocol") or SingleSignOn.Protocol.OIDC
    metadata_url = metadata_xml = client_id = ""
    if protocol == SingleSignOn.Protocol.SAML:
        issuer, metadata_url, metadata_xml, saml_errors = _saml_metadata(data)
        errors += saml_errors
    elif protocol == SingleSignOn.Protocol.OIDC:
        issuer = (data.get("issuer") or "").strip().rstrip("/")
        errors += issuer_errors(issuer)
        client_id = (data.get("client_id") or "").strip()
        if not client_id:
            errors.append(("client_id", N_("is required")))
    else:
        issuer = ""
        errors.append(("protocol", one_of(SingleSignOn.Protocol.values)))
    domains, domain_errors = _domains(data.get("domains"))
    errors += domain_errors
    claimed = {d for other in SingleSignOn.objects.exclude(organization=actor.organization)
               .values_list("domains", flat=True) for d in other}  # fmt: skip
    taken = [d for d in domains if d in claimed]
    if taken:
        errors.append(("domains", N_("another organisation already signs in with this domain")))
    role = data.get("default_role", Role.VIEWER)
    if role not in ROLES_GIVEN:
        errors.append(("default_role", one_of(ROLES_GIVEN)))
    if errors:
        raise Invalid("invalid single sign-on", errors)
    # Locked only now: the SAML metadata above may have been fetched over the network.
    sso = SingleSignOn.objects.filter(organization=actor.organization).select_for_update().first()
    before = sso_snapshot(sso) if sso else None
    sso = sso or SingleSignOn(organization=actor.organization)
    if protocol != sso.protocol:
        sso.client_secret = ""  # a secret belongs to the provider it was made for
    sso.protocol, sso.issuer, sso.client_id = protocol, issuer, client_id
    sso.metadata_url, sso.metadata_xml = metadata_url, metadata_xml
    sso.domains, sso.default_role = domains, role
    if data.get("client_secret") and protocol == SingleSignOn.Protocol.OIDC:
        sso.client_secret = data["client_secret"].strip()
    sso.required = bool(data.get("required"))
    sso.enabled = bool(data.get("enabled", True))
    sso.version = (sso.version or 0) + (1 if sso.pk else 0)
    sso.updated_at = timezone.now()
    sso.save()
    after = sso_snapshot(sso)
    audit.record(actor, "update" if before else "create", AuditType.ORGANIZATION, "sso",
                 before=before, after=after)  # fmt: skip
    return sso


def _saml_metadata(data: dict) -> tuple[str, str, str, list[tuple[str, str]]]:
    """(the provider's entity ID, its metadata address, its metadata, errors): the XML given,
    or fetched from the address."""
    from . import saml

    url = (data.get("metadata_url") or "").strip()
    xml = (data.get("metadata_xml") or "").strip()
    if url and not xml:
        try:
            xml = saml.fetch_metadata(url)
        except Refused as exc:
            return "", url, "", [("metadata_url", exc.message)]
    try:
        entity, _, errors = saml.read_metadata(xml)
    except Refused as exc:
        return "", url, "", [("metadata", exc.message)]
    if url and errors:
        errors = [("metadata_url", m) for _, m in errors]
    return entity, url, xml, errors


@transaction.atomic
def delete_sso(actor: Actor) -> None:
    require_admin(actor)
    sso = SingleSignOn.objects.filter(organization=actor.organization).first()
    if sso is None:
        raise NotFound("single sign-on not set up")
    before = sso_snapshot(sso)
    sso.delete()
    audit.record(actor, "delete", AuditType.ORGANIZATION, "sso", before=before)


def domain_of(email: str) -> str:
    return (email or "").rpartition("@")[2].strip().lower()


def for_email(email: str) -> SingleSignOn | None:
    """The enabled single sign-on whose domains include this address's domain."""
    domain = domain_of(email)
    if not domain:
        return None
    for sso in SingleSignOn.objects.filter(enabled=True).select_related("organization"):
        if domain in sso.domains:
            return sso
    return None


def password_refused(email: str) -> bool:
    """The account signs in with its organisation's provider only (``required``)."""
    sso = for_email(email)
    if sso is None or not sso.required:
        return False
    user = User.objects.filter(email=(email or "").strip().lower()).first()
    return (
        user is None or Membership.objects.filter(user=user, organization=sso.organization).exists()
    )


# --- signing in -------------------------------------------------------------------------


def _client(sso: SingleSignOn):
    from authlib.integrations.django_client import OAuth

    oauth = OAuth()
    return oauth.register(
        name=f"org{sso.organization_id}",
        client_id=sso.client_id,
        client_secret=sso.client_secret or None,
        server_metadata_url=f"{sso.issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPES, "code_challenge_method": "S256", "default_timeout": 10},
    )


def _checked_metadata(sso: SingleSignOn, client) -> dict:
    """The provider's discovery document, checked: its issuer is the one set up, and every
    endpoint it names is an address the operator allows."""
    import requests

    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        raise Refused(REFUSALS["unreachable"]) from exc
    if str(metadata.get("issuer", "")).rstrip("/") != sso.issuer:
        raise Refused(REFUSALS["issuer"])
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        url = metadata.get(name)
        if not url or issuer_errors(url):
            raise Refused(REFUSALS["unreachable"])
    algs = [a for a in metadata.get("id_token_signing_alg_values_supported", ["RS256"])
            if a in ALGORITHMS]  # fmt: skip
    metadata["id_token_signing_alg_values_supported"] = algs or ["RS256"]
    return metadata


def start(request: HttpRequest, sso: SingleSignOn, email: str = "") -> str:
    """The provider's address to send the person to (state, nonce and PKCE kept here)."""
    if not sso.enabled:
        raise Refused(REFUSALS["disabled"])
    if sso.protocol == SingleSignOn.Protocol.SAML:
        from . import saml

        return saml.start(request, sso, email)
    client = _client(sso)
    _checked_metadata(sso, client)
    redirect_uri = settings.PILOTE_BASE_URL + CALLBACK
    extra = {"login_hint": email} if email else {}
    rv = client.create_authorization_url(redirect_uri, **extra)
    client.save_authorize_data(request, redirect_uri=redirect_uri, **rv)
    pending = dict(request.session.get(SESSION, {}))
    pending[rv["state"]] = sso.organization_id
    request.session[SESSION] = dict(list(pending.items())[-5:])  # a few tabs at most
    return rv["url"]


def finish(request: HttpRequest) -> Membership:
    """The provider's answer: checked, then the person's membership (made if new)."""
    import requests
    from authlib.integrations.base_client import MismatchingStateError, OAuthError
    from joserfc import errors as jose

    state = request.GET.get("state", "")
    pending = dict(request.session.get(SESSION, {}))
    org_id = pending.pop(state, None)
    request.session[SESSION] = pending
    if org_id is None:
        raise Refused(REFUSALS["replay"])
    sso = SingleSignOn.objects.select_related("organization").filter(organization_id=org_id).first()
    if sso is None or not sso.enabled:
        raise Refused(REFUSALS["disabled"])
    client = _client(sso)
    _checked_metadata(sso, client)
    # The audience must contain this client (Authlib's own check only asks for ``azp``).
    options = {"iss": {"essential": True, "values": [sso.issuer]},
               "aud": {"essential": True, "values": [sso.client_id]},
               "exp": {"essential": True}}  # fmt: skip
    try:
        token = client.authorize_access_token(request, claims_options=options, leeway=60)
    except MismatchingStateError:
        raise Refused(REFUSALS["replay"]) from None
    except OAuthError as exc:
        raise Refused(
            REFUSALS["replay"] if getattr(exc, "error", "") == "invalid_grant"
            else REFUSALS["provider"]
        ) from None  # fmt: skip
    except requests.RequestException:
        raise Refused(REFUSALS["unreachable"]) from None
    except jose.BadSignatureError:
        raise Refused(REFUSALS["signature"]) from None
    except jose.ExpiredTokenError:
        raise Refused(REFUSALS["expired"]) from None
    except (jose.InvalidClaimError, jose.MissingClaimError) as exc:
        claim = getattr(exc, "claim", "")
        claim = "aud" if claim == "azp" else claim
        raise Refused(
            REFUSALS.get({"aud": "audience", "iss": "issuer", "nonce": "nonce"}.get(claim, ""),
                         REFUSALS["invalid"])
        ) from None  # fmt: skip
    except jose.JoseError:
        raise Refused(REFUSALS["invalid"]) from None
    claims = token.get("userinfo")
    if not claims:
        raise Refused(REFUSALS["no_id_token"])
    return _member(sso, claims)


@transaction.atomic
def _member(sso: SingleSignOn, claims) -> Membership:
    email = str(claims.get("email") or "").strip().lower()
    if not email or claims.get("email_verified") is False:
        raise Refused(REFUSALS["no_email"])
    if domain_of(email) not in sso.domains:
        raise Refused(REFUSALS["domain"])
    org = sso.organization
    user = User.objects.filter(email=email).first()
    name = str(claims.get("name") or "").strip()[:200]
    if user is None:
        user = User.objects.create_user(email=email, name=name)
    elif not user.is_active:
        raise Refused(REFUSALS["inactive"])
    membership = Membership.objects.filter(user=user, organization=org).first()
    invitation = Invitation.objects.filter(organization=org, email=email).first()
    if membership is None and invitation is not None and not invitation.expired:
        from .actions import join_as_invited

        membership = join_as_invited(invitation, user)  # the role and units invited with
    if membership is not None and membership.deactivated_at is not None:
        raise Refused(REFUSALS["inactive"])
    if membership is None:
        membership = Membership.objects.create(organization=org, user=user, role=sso.default_role)
        from .actions import membership_snapshot

        actor = Actor(organization=org, user=user, role=membership.role, label=email)
        audit.record(actor, "sso_join", AuditType.PERSON, email,
                     after=membership_snapshot(membership))  # fmt: skip
    return membership


def check(actor: Actor) -> dict:
    """Reach the provider now (the set-up page's "test"): its discovery document, checked."""
    require_admin(actor)
    sso = SingleSignOn.objects.filter(organization=actor.organization).first()
    if sso is None:
        raise NotFound("single sign-on not set up")
    if sso.protocol == SingleSignOn.Protocol.SAML:
        return _check_saml(sso)
    try:
        metadata = _checked_metadata(sso, _client(sso))
    except Refused as exc:
        raise Conflict(exc.message, [("issuer", exc.message)]) from None
    return {k: metadata.get(k) for k in ("issuer", "authorization_endpoint", "token_endpoint",
                                         "jwks_uri")}  # fmt: skip


def _check_saml(sso: SingleSignOn) -> dict:
    """The provider's metadata read again (fetched again from its address, not saved: saving
    the set-up again takes the new one), with when its certificates expire."""
    from . import saml

    xml = sso.metadata_xml
    try:
        if sso.metadata_url:
            xml = saml.fetch_metadata(sso.metadata_url)
        entity, url, errors = saml.read_metadata(xml)
    except Refused as exc:
        raise Conflict(exc.message, [("metadata", exc.message)]) from None
    if errors:
        raise Conflict(errors[0][1], errors)
    checked = SingleSignOn(organization_id=sso.organization_id, issuer=entity, metadata_xml=xml)
    return {"entity_id": entity, "sign_in_url": url,
            "certificate_ends": saml.certificate_ends(checked),
            "changed": xml != sso.metadata_xml}  # fmt: skip
