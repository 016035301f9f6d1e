"""Organisations (tenants), units, people, memberships, API tokens, audit."""

from __future__ import annotations

import uuid
from dataclasses import fields

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from pilote.okr.types import Policy


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Roles live on memberships, one per organisation."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=200, blank=True)
    # The language the person chose (the language menu); blank: their organisation's.
    # Notifications and e-mails are written in it.
    language = models.CharField(
        max_length=5, blank=True, default="", choices=[("fr", "Français"), ("en", "English")]
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Raised by "sign out everywhere": every session signed with the earlier value ends.
    session_epoch = models.PositiveIntegerField(default=0)

    objects = UserManager()
    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self) -> str:
        return self.name or self.email

    def _get_session_auth_hash(self, secret=None):
        """Django's session check (the password's hash), with the sign-out-everywhere count.

        At 0 the hash is Django's own, so no one is signed out by the upgrade that added it;
        a password change still ends every other session, as in Django."""
        if not self.session_epoch:
            return super()._get_session_auth_hash(secret=secret)
        from django.utils.crypto import salted_hmac

        return salted_hmac(
            "pilote.orgs.User.session",
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class Organization(models.Model):
    name = models.CharField(max_length=200, unique=True)
    locale = models.CharField(
        max_length=5, default="fr", choices=[("fr", "Français"), ("en", "English")]
    )
    # Overrides of the rule defaults (pilote.okr.types.Policy), e.g. {"rhythm_days": 14}.
    policy_overrides = models.JSONField(default=dict, blank=True)
    # The prompts a check-in answers (pilote/okr/checkin.py); empty: the default ones.
    check_in_template = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name

    @property
    def check_in_prompts(self) -> list[str]:
        """The prompts as written by the admin, or the default ones translated on reading."""
        from django.utils.translation import gettext

        from pilote.okr.checkin import DEFAULT_PROMPTS

        return list(self.check_in_template) or [gettext(p) for p in DEFAULT_PROMPTS]

    @property
    def policy(self) -> Policy:
        known = {f.name for f in fields(Policy)}
        return Policy(
            **{
                k: tuple(v) if isinstance(v, list) else v
                for k, v in (self.policy_overrides or {}).items()
                if k in known
            }
        )


class Role(models.TextChoices):
    ADMIN = "admin", "admin"
    EXECUTIVE = "executive", "executive"
    LEAD = "lead", "lead"
    CONTRIBUTOR = "contributor", "contributor"
    VIEWER = "viewer", "viewer"


class Unit(models.Model):
    """A node of the org tree (general management at the root)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="units")
    key = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Provisioning (SCIM, orgs/scim.py): the directory's id, and what it sent that Pilote
    # does not model (kept to give it back as it was).
    external_id = models.CharField(max_length=200, blank=True)
    scim_data = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="unit_key_unique")
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    units = models.ManyToManyField(Unit, blank=True, related_name="members")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Deactivated (by the directory, SCIM ``active: false``, or an admin): the person no
    # longer acts in the organisation; what they wrote, owned and recorded stays.
    deactivated_at = models.DateTimeField(null=True, blank=True)
    # Provisioning (SCIM, orgs/scim.py): the directory's user name and id, what it sent that
    # Pilote does not model, and whether the directory deleted it (then gone from SCIM,
    # deactivated here).
    scim_username = models.CharField(max_length=300, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    scim_data = models.JSONField(default=dict, blank=True)
    scim_removed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="one_membership_per_org")
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.organization}"


class Invitation(models.Model):
    """An admin asked someone who already has an account to join their organisation.

    Until that person accepts, the organisation sees only what its admin typed (the
    address, a name, a role, units) and nothing of the account: the account is shared with
    the organisations the person belongs to, which are none of this one's business.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)  # as the admin typed it
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    units = models.ManyToManyField(Unit, blank=True, related_name="+")
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)
    # The e-mailed link: signed (SECRET_KEY) over the id and this nonce, which a resend
    # replaces, so only the latest link works. Null expiry: made before invitations expired.
    nonce = models.CharField(max_length=32, blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "email"], name="one_invitation_per_org")
        ]
        ordering = ["id"]

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class RateEvent(models.Model):
    """One request of a rate-limited kind (a password reset asked, an invitation sent), by
    e-mail or by address: counted over a sliding window, shared by every process and host."""

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=254)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["scope", "key", "at"])]


class ScimToken(models.Model):
    """The bearer token a directory (Entra ID, Okta…) provisions an organisation's people
    and units with, at ``/scim/v2/``. Not a person's: it acts as the directory. Only its
    hash is kept; the secret is shown once."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="scim_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]


class ApiToken(models.Model):
    """A personal API token: shown once, stored as a SHA-256 hash, scoped to one organisation."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tokens")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # A narrow token (for a data pipeline) may only record check-ins: on the KRs of one unit
    # (and the units below it), or on one KR. Both empty: the person's full rights.
    scope_unit = models.ForeignKey(
        "Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    scope_key_result_id = models.BigIntegerField(null=True, blank=True)

    @property
    def scoped(self) -> bool:
        return self.scope_unit_id is not None or self.scope_key_result_id is not None

    class Meta:
        ordering = ["id"]


class AuditEntry(models.Model):
    """Who did what, when, with the object's state before and after. Append-only."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="audit")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=40)
    object_key = models.CharField(max_length=200)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    comment = models.TextField(blank=True)
    # The organisation's data version after this write (see DataVersion): the change log
    # that caches of figures read to catch up.
    version = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["organization", "object_type", "object_key"]),
            models.Index(fields=["organization", "version"]),
        ]


class DataVersion(models.Model):
    """A counter per organisation, raised in the transaction of every audited write.

    Caches of computed figures compare it to tell, exactly, whether anything changed. The
    raise is an UPDATE of this one row, so on PostgreSQL concurrent writers of one
    organisation take its lock in turn: version numbers follow commit order and the audit
    entries carrying them are a gap-free change log. ``epoch`` is new whenever the row is
    created, so a cache never mistakes a recreated organisation (same id) for the one it knew.
    """

    organization = models.OneToOneField(
        Organization, primary_key=True, on_delete=models.CASCADE, related_name="data_version"
    )
    epoch = models.UUIDField(default=uuid.uuid4)
    value = models.BigIntegerField(default=0)


class SingleSignOn(models.Model):
    """An organisation's identity provider (OpenID Connect or SAML 2.0), set up by its admin.

    OpenID Connect: ``issuer`` (it publishes its discovery document), ``client_id`` and
    ``client_secret``. SAML 2.0: the provider's metadata (``metadata_xml``, fetched once from
    ``metadata_url`` when one is given), and ``issuer`` holds the provider's entity ID.

    People whose address is in ``domains`` sign in there (the sign-in page finds it from the
    address); a new one gets an account and a membership with ``default_role`` at their
    first sign-in. ``required`` turns passwords off for the organisation's members with such
    an address. A domain belongs to one organisation only.
    """

    class Protocol(models.TextChoices):
        OIDC = "oidc", "OpenID Connect"
        SAML = "saml", "SAML 2.0"

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="single_sign_on"
    )
    protocol = models.CharField(max_length=10, choices=Protocol.choices, default=Protocol.OIDC)
    issuer = models.CharField(max_length=500)
    client_id = models.CharField(max_length=300, blank=True)
    client_secret = models.CharField(max_length=500, blank=True)
    metadata_url = models.URLField(max_length=500, blank=True)
    metadata_xml = models.TextField(blank=True)
    domains = models.JSONField(default=list)  # lower-case e-mail domains
    default_role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    required = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)


class SsoUse(models.Model):
    """A single sign-on answer already used (a SAML request or assertion id), kept until it
    could no longer be accepted anyway: a replay is refused in every process. A request's row
    holds, for one minute, who the checked response named (``payload``), until the browser
    that started the sign-in comes back for it (``saml.finish``)."""

    key = models.CharField(max_length=200, unique=True)
    until = models.DateTimeField(db_index=True)
    payload = models.JSONField(null=True, blank=True)
