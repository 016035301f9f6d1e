"""Administration of units, people, roles and cycles, in the app itself (admins)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pilote.errors import Forbidden, NotFound, TooMany
from pilote.goals import actions as goals
from pilote.goals.models import Cycle
from pilote.orgs import accounts, queries
from pilote.orgs import actions as orgs
from pilote.orgs.access import INVITED_BY_LEADS, scoped
from pilote.orgs.models import Role

from ..forms import CycleForm, InviteForm, PersonForm, RulesForm, SingleSignOnForm, UnitForm
from .common import FORM_ERRORS, _t, form_errors, member_required, posted_version, safe_next


def _admin(request: HttpRequest) -> None:
    if request.actor.role != "admin":
        raise Forbidden(_("Only administrators manage units, people and cycles."))


@member_required
def index(request: HttpRequest) -> HttpResponse:
    _admin(request)
    return redirect("manage_people")


def _create_page(request, form, create, message, template, context):
    """An administration list page with its creation form: create, or show the form's errors."""
    if request.method == "POST" and form.is_valid():
        try:
            create(form.cleaned_data)
            messages.success(request, message)
            return redirect(request.path)
        except FORM_ERRORS as exc:
            form_errors(form, exc)
    return render(request, template, {"form": form, **context}, status=422 if form.errors else 200)


@member_required
def units(request: HttpRequest) -> HttpResponse:
    _admin(request)
    actor = request.actor
    all_units = queries.units(actor).order_by("name")
    return _create_page(
        request,
        UnitForm(request.POST or None, units=all_units),
        lambda d: orgs.create_unit(actor, d["key"], d["name"], d["parent"] or None),
        _("Unit created."),
        "pilote/manage_units.html",
        {"units": all_units, "section": "units"},
    )


@member_required
def people(request: HttpRequest) -> HttpResponse:
    _admin(request)
    actor = request.actor
    return _create_page(
        request,
        PersonForm(request.POST or None, units=queries.units(actor).order_by("name")),
        lambda d: (
            orgs.add_person(actor, d["email"], d["name"], d["role"], d["units"], d["password"])
            if d["password"]
            else accounts.invite(actor, d["email"], d["name"], d["role"], d["units"])
        ),
        # The same words whether the address was new or already had an account elsewhere.
        _("Done. Someone who already uses Pilote, or who was invited, joins once they accept."),
        "pilote/manage_people.html",
        {
            # Fifty a page, searched by name or address: not 10,000 rows at once.
            "people": Paginator(
                queries.people_matching(actor, request.GET.get("q", "")), 50
            ).get_page(request.GET.get("page")),
            "q": request.GET.get("q", ""),
            "invitations": queries.invitations(actor),
            "section": "people",
        },
    )


def _inviter(request: HttpRequest) -> None:
    if request.actor.role not in ("admin", "lead"):
        raise Forbidden(_("Only administrators, and leads for their units, invite people."))


@member_required
def invitations(request: HttpRequest) -> HttpResponse:
    """Invite by e-mail, and the invitations waiting (resend, withdraw). Admins invite
    anyone; a lead, contributors and viewers into the units they lead."""
    _inviter(request)
    actor = request.actor
    admin = actor.role == "admin"
    units = queries.units(actor).order_by("name")
    if not admin:
        units = [u for u in units if u.pk in actor.unit_ids]
    form = InviteForm(
        request.POST or None,
        units=units,
        roles=Role.values if admin else INVITED_BY_LEADS,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            accounts.invite(actor, d["email"], d["name"], d["role"], d["units"])
            messages.success(request, _sent_message())
            return redirect("manage_invitations")
        except FORM_ERRORS as exc:
            form_errors(form, exc)
    return render(
        request,
        "pilote/invitations.html",
        {
            "form": form,
            "invitations": queries.manageable_invitations(actor),
            "email_enabled": settings.EMAIL_ENABLED,
            "section": "invitations",
        },
        status=422 if form.errors else 200,
    )


def _sent_message() -> str:
    if settings.EMAIL_ENABLED:
        return _("Invitation sent. The link works for %(days)d days.") % {
            "days": settings.PILOTE_INVITATION_DAYS
        }
    return _(
        "Invitation recorded, but this server sends no e-mail: someone who already uses"
        " Pilote sees it when they sign in; for a new address, ask the operator to set up"
        " e-mail, or add the person with a first password."
    )


@require_POST
@member_required
def resend_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    _inviter(request)
    try:
        accounts.resend_invitation(request.actor, queries.get_invitation(request.actor, pk))
        messages.success(request, _sent_message())
    except TooMany as exc:
        messages.error(request, _t(exc.detail))
    return redirect("manage_invitations")


@require_POST
@member_required
def revoke_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    _inviter(request)
    accounts.revoke_invitation(request.actor, queries.get_invitation(request.actor, pk))
    messages.success(request, _("Invitation withdrawn."))
    return safe_next(request, "/manage/invitations/")


@member_required
def person(request: HttpRequest, email: str) -> HttpResponse:
    _admin(request)
    actor = request.actor
    m = queries.get_person(actor, email)
    all_units = queries.units(actor).order_by("name")
    initial = {
        "email": m.user.email,
        "name": m.user.name,
        "role": m.role,
        "units": [u.key for u in m.units.all()],
    }
    form = PersonForm(request.POST or None, units=all_units, initial=initial)
    form.fields["email"].disabled = True
    form.fields["password"].widget = form.fields["password"].hidden_widget()
    if orgs.account_is_shared(actor, m.user):
        # The account belongs to other organisations too: its name is its owner's to change.
        form.fields["name"].disabled = True
        form.fields["name"].help_text = _(
            "This person also uses Pilote elsewhere: they change their name themselves."
        )
    if request.method == "POST":
        if request.POST.get("remove"):
            try:
                orgs.remove_person(actor, m)
            except FORM_ERRORS as exc:
                messages.error(request, exc.detail)
                return redirect("manage_person", m.user.email)
            messages.success(request, _("Person removed from the organisation."))
            return redirect("manage_people")
        if form.is_valid():
            d = form.cleaned_data
            changes = {"role": d["role"], "units": d["units"]}
            if d["name"] != m.user.name:
                changes["name"] = d["name"]
            try:
                orgs.update_person(actor, m, changes, posted_version(request, m))
                messages.success(request, _("Saved."))
                return redirect("manage_people")
            except FORM_ERRORS as exc:
                form_errors(form, exc)
    return render(
        request,
        "pilote/manage_person.html",
        {"form": form, "m": m, "section": "people"},
        status=422 if form.errors else 200,
    )


@member_required
def cycles(request: HttpRequest) -> HttpResponse:
    _admin(request)
    actor = request.actor
    all_cycles = scoped(actor, Cycle.objects.select_related("parent")).order_by("start")
    return _create_page(
        request,
        CycleForm(request.POST or None, cycles=all_cycles),
        lambda d: goals.create_cycle(
            actor, d["key"], d["start"], d["end"], d["name"], d["parent"] or None
        ),
        _("Cycle created."),
        "pilote/manage_cycles.html",
        {"cycles": all_cycles, "section": "cycles"},
    )


def _edit_or_delete(request, obj, form, update, delete, done_url, extra_changes=lambda d: d):
    """The shared POST handling of an administration edit page: save, or delete."""
    if request.POST.get("delete"):
        try:
            delete(request.actor, obj)
            messages.success(request, _("Deleted."))
            return redirect(done_url)
        except FORM_ERRORS as exc:
            form_errors(form, exc)
            return None
    if form.is_valid():
        try:
            update(
                request.actor, obj, extra_changes(form.cleaned_data), posted_version(request, obj)
            )
            messages.success(request, _("Saved."))
            return redirect(done_url)
        except FORM_ERRORS as exc:
            form_errors(form, exc)
    return None


@member_required
def unit(request: HttpRequest, key: str) -> HttpResponse:
    _admin(request)
    actor = request.actor
    u = queries.get_unit(actor, key)
    others = queries.units(actor).exclude(pk=u.pk).order_by("name")
    initial = {"key": u.key, "name": u.name, "parent": u.parent.key if u.parent_id else ""}
    form = UnitForm(request.POST or None, units=others, initial=initial)
    form.fields["key"].disabled = True
    if request.method == "POST":
        done = _edit_or_delete(
            request,
            u,
            form,
            orgs.update_unit,
            orgs.delete_unit,
            "manage_units",
            lambda d: {"name": d["name"], "parent": d["parent"] or None},
        )
        if done:
            return done
    return render(
        request,
        "pilote/manage_edit.html",
        {"form": form, "obj": u, "title": u.name, "section": "units"},
        status=422 if form.errors else 200,
    )


@member_required
def cycle(request: HttpRequest, key: str) -> HttpResponse:
    from pilote.goals.queries import get_cycle

    _admin(request)
    actor = request.actor
    c = get_cycle(actor, key)
    others = scoped(actor, Cycle.objects.exclude(pk=c.pk)).order_by("start")
    initial = {
        "key": c.key,
        "name": c.name,
        "start": c.start,
        "end": c.end,
        "parent": c.parent.key if c.parent_id else "",
    }
    form = CycleForm(request.POST or None, cycles=others, initial=initial)
    form.fields["key"].disabled = True
    if request.method == "POST":
        done = _edit_or_delete(
            request,
            c,
            form,
            goals.update_cycle,
            goals.delete_cycle,
            "manage_cycles",
            lambda d: {
                "name": d["name"],
                "start": d["start"],
                "end": d["end"],
                "parent": d["parent"] or None,
            },
        )
        if done:
            return done
    return render(
        request,
        "pilote/manage_edit.html",
        {"form": form, "obj": c, "title": c.name or c.key, "section": "cycles"},
        status=422 if form.errors else 200,
    )


@member_required
def rules(request: HttpRequest) -> HttpResponse:
    """The organisation's rule settings: rhythm, thresholds, how what has no data counts."""
    _admin(request)
    org = request.actor.organization
    initial = {**RulesForm.initial_of(org.policy),
               "check_in_prompts": "\n".join(org.check_in_template or [])}  # fmt: skip
    form = RulesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            orgs.update_organization(
                request.actor,
                org,
                {"policy": form.policy(), "check_in_template": form.prompts()},
            )
            messages.success(request, _("Rules saved: every figure follows them."))
            return redirect("manage_rules")
        except FORM_ERRORS as exc:
            prompts = {"check_in_template": "check_in_prompts"}
            prompts.update({f"check_in_template[{i}]": "check_in_prompts" for i in range(99)})
            form_errors(form, exc, {**{f"policy.{name}": name for name in form.fields}, **prompts})
    return render(
        request,
        "pilote/manage_rules.html",
        {"form": form, "section": "rules"},
        status=422 if form.errors else 200,
    )


CHECKED_LABELS = {
    "issuer": gettext_lazy("Issuer"),
    "authorization_endpoint": gettext_lazy("Authorisation address"),
    "token_endpoint": gettext_lazy("Token address"),
    "jwks_uri": gettext_lazy("Signing keys address"),
    "entity_id": gettext_lazy("Entity ID"),
    "sign_in_url": gettext_lazy("Sign-in address"),
    "certificate_ends": gettext_lazy("Signing certificate valid until"),
}


@member_required
def single_sign_on(request: HttpRequest) -> HttpResponse:
    """The organisation's identity provider (OpenID Connect or SAML 2.0): set up, tested,
    removed."""
    from pilote.orgs import saml, sso
    from pilote.orgs.models import SingleSignOn

    _admin(request)
    actor = request.actor
    current = SingleSignOn.objects.filter(organization=actor.organization).first()
    initial = (
        {**sso.sso_snapshot(current), "domains": ", ".join(current.domains)}
        if current else {"enabled": True, "protocol": "oidc"}
    )  # fmt: skip
    if current is not None and current.protocol == SingleSignOn.Protocol.SAML:
        # The entity ID comes from the metadata; pasted metadata is shown back to keep it.
        initial["issuer"] = ""
        initial["metadata_xml"] = "" if current.metadata_url else current.metadata_xml
    form = SingleSignOnForm(request.POST or None, initial=initial)
    checked = None
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "delete":
                sso.delete_sso(actor)
                messages.success(
                    request, _("Single sign-on removed: everyone signs in with a password.")
                )
                return redirect("manage_sso")
            if action == "test":
                checked = [
                    (CHECKED_LABELS.get(k, k),
                     ", ".join(date_format(d) for d in v) if isinstance(v, list) else v)
                    for k, v in sso.check(actor).items() if k != "changed"
                ]  # fmt: skip
                messages.success(request, _("The identity provider answered as it should."))
            elif form.is_valid():
                sso.set_sso(actor, form.cleaned_data)
                messages.success(request, _("Saved."))
                return redirect("manage_sso")
        except FORM_ERRORS as exc:
            form_errors(form, exc)
        except NotFound:
            messages.error(request, _("Save the set-up first."))
    return render(
        request,
        "pilote/manage_sso.html",
        {
            "form": form,
            "current": current,
            "checked": checked,
            "callback": settings.PILOTE_BASE_URL + sso.CALLBACK,
            "saml_entity_id": saml.entity_id(actor.organization.pk),
            "saml_acs": saml.acs_url(actor.organization.pk),
            "section": "sso",
        },
        status=422 if form.errors else 200,
    )


@member_required
def provisioning(request: HttpRequest) -> HttpResponse:
    """The directory's tokens for SCIM provisioning: made (the secret shown once), revoked."""
    from pilote.orgs import scim
    from pilote.orgs.models import ScimToken

    _admin(request)
    actor = request.actor
    secret = None
    errors = []
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke":
                token = ScimToken.objects.filter(organization=actor.organization,
                                                 pk=request.POST.get("token") or 0).first()  # fmt: skip
                if token is None:
                    raise NotFound("token not found")
                scim.revoke_token(actor, token)
                messages.success(request, _("Token revoked: the directory can no longer use it."))
                return redirect("manage_provisioning")
            _token, secret = scim.create_token(actor, request.POST.get("name", ""))
        except FORM_ERRORS as exc:
            errors = [_t(m) for _f, m in getattr(exc, "errors", [])] or [_t(str(exc))]
    return render(
        request,
        "pilote/manage_provisioning.html",
        {
            "tokens": ScimToken.objects.filter(organization=actor.organization).order_by("-id"),
            "secret": secret,
            "errors": errors,
            "base_url": settings.PILOTE_BASE_URL + "/scim/v2",
            "section": "provisioning",
        },
        status=422 if errors else 200,
    )
