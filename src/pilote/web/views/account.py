"""Sign-in, organisation switcher, password (change, reset), invitations' links, signing
out everywhere (orgs/accounts.py holds the rules)."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from pilote.api.auth import SESSION_ORG
from pilote.errors import Conflict, Invalid, NotFound, TooMany
from pilote.okr.text import N_
from pilote.orgs import accounts
from pilote.orgs import actions as orgs
from pilote.orgs.access import organizations_of
from pilote.orgs.models import User
from pilote.orgs.signin import client_address

from ..forms import JoinForm, ResetRequestForm, Styled
from .common import _t, form_errors, member_required, safe_next


class SignInForm(Styled, AuthenticationForm):
    """Django's sign-in form; an address whose organisation requires its identity provider
    is sent there (no password is checked for it)."""

    def clean(self):
        from pilote.orgs import sso

        email = (self.data.get("username") or "").strip()
        if email and sso.password_refused(email):
            raise forms.ValidationError(
                _("Your organisation signs in with its identity provider: use « Continue with"
                  " single sign-on »."),
                code="sso_required",
            )  # fmt: skip
        return super().clean()


class LoginView(auth_views.LoginView):
    template_name = "pilote/login.html"
    redirect_authenticated_user = True
    form_class = SignInForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["signed_out_everywhere"] = self.request.GET.get("signed_out") == "everywhere"
        form = context.get("form")
        context["sso_required"] = bool(form is not None and form.is_bound and any(
            e.code == "sso_required" for e in form.errors.as_data().get("__all__", [])))  # fmt: skip
        context["email"] = (
            form.data.get("username", "") if form is not None and form.is_bound
            else self.request.GET.get("email", "")
        )  # fmt: skip
        return context


class StyledPasswordChangeForm(Styled, PasswordChangeForm):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "pilote/password.html"
    form_class = StyledPasswordChangeForm
    success_url = "/account/password/done/"


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "pilote/password_done.html"


def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link. The answer is the same whether or not the address has an
    account; too many requests (per e-mail, per address) get a 429 saying when to retry."""
    form = ResetRequestForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            accounts.request_password_reset(form.cleaned_data["email"], client_address(request))
            return redirect("password_reset_sent")
        except TooMany as exc:
            form.add_error(None, _t(exc.detail))
            status = 429
        except Invalid as exc:
            form_errors(form, exc)
    elif form.errors:
        status = 422
    return render(
        request,
        "pilote/password_reset.html",
        {"form": form, "email_enabled": settings.EMAIL_ENABLED},
        status=status,
    )


def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "pilote/password_reset_sent.html",
        {"minutes": settings.PASSWORD_RESET_TIMEOUT // 60},
    )


class StyledSetPasswordForm(Styled, SetPasswordForm):
    pass


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's: the link's token checked, a new password set (every session of the account
    then ends, the password being part of their hash), the sign-in lockout lifted."""

    template_name = "pilote/password_reset_confirm.html"
    form_class = StyledSetPasswordForm
    success_url = "/password-reset/done/"

    def form_valid(self, form):
        response = super().form_valid(form)
        accounts.password_was_reset(form.user)
        return response


def password_reset_done(request: HttpRequest) -> HttpResponse:
    return render(request, "pilote/password_reset_done.html")


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The person's own account: password, sessions, language."""
    return render(request, "pilote/account.html", {"section": "account"})


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    accounts.sign_out_everywhere(request.user)
    logout(request)
    return redirect(reverse("login") + "?" + urlencode({"signed_out": "everywhere"}))


def join(request: HttpRequest, token: str) -> HttpResponse:
    """An invitation's link. A new address chooses its name and password and is in; an
    address with an account signs in (as that address) and accepts."""
    try:
        invitation = accounts.invitation_by_token(token)
    except NotFound:
        return render(request, "pilote/join.html", {"state": "invalid"}, status=404)
    if not request.user.is_authenticated and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        # Nobody chose a language yet: the one the inviting organisation speaks.
        translation.activate(invitation.organization.locale)
        request.LANGUAGE_CODE = invitation.organization.locale
    from pilote.orgs import sso

    found = sso.for_email(invitation.email)
    by_sso = found is not None and found.organization_id == invitation.organization_id
    context = {"invitation": invitation, "inviter": invitation.invited_by, "sso": by_sso,
               "sso_required": by_sso and found.required}  # fmt: skip
    if invitation.expired:
        return render(request, "pilote/join.html", {**context, "state": "expired"}, status=410)
    signed_in = request.user.is_authenticated
    if signed_in and request.user.email != invitation.email:
        return render(request, "pilote/join.html", {**context, "state": "other_account"})
    if User.objects.filter(email=invitation.email).exists():
        if not signed_in:
            login_url = reverse("login") + "?" + urlencode({"next": request.path})
            return render(
                request, "pilote/join.html", {**context, "state": "sign_in", "login": login_url}
            )
        return render(request, "pilote/join.html", {**context, "state": "accept"})
    form = JoinForm(request.POST or None, initial={"name": invitation.name})
    if request.method == "POST" and form.is_valid():
        try:
            membership = accounts.join(
                token, form.cleaned_data["name"], form.cleaned_data["password"]
            )
        except (Invalid, Conflict) as exc:
            form_errors(form, exc)
        except NotFound:
            return render(request, "pilote/join.html", {"state": "invalid"}, status=404)
        else:
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[SESSION_ORG] = membership.organization_id
            messages.success(
                request, _("Welcome to %(org)s.") % {"org": membership.organization.name}
            )
            return redirect("cockpit")
    return render(
        request,
        "pilote/join.html",
        {**context, "state": "new", "form": form},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def answer_invitation(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    """The invited person joins the organisation (and switches to it), or declines."""
    if what == "accept":
        try:
            membership = orgs.accept_invitation(request.user, pk)
        except Conflict as exc:  # expired
            messages.error(request, _t(exc.detail))
            return redirect("cockpit")
        request.session[SESSION_ORG] = membership.organization_id
        messages.success(request, _("You joined %(org)s.") % {"org": membership.organization.name})
    elif what == "decline":
        orgs.decline_invitation(request.user, pk)
        messages.success(request, _("Invitation declined."))
    else:
        raise Http404
    return redirect("cockpit")


@member_required
@require_POST
def switch_organization(request: HttpRequest) -> HttpResponse:
    org = organizations_of(request.user).filter(name=request.POST.get("organization", "")).first()
    if org is None:
        return HttpResponseBadRequest("not a member of that organisation")
    request.session[SESSION_ORG] = org.pk
    return safe_next(request, "/")


@require_POST
def choose_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch (cookie, redirect), remembered on the person's account too:
    notifications and e-mails are then written in it."""
    from django.views.i18n import set_language

    response = set_language(request)
    if request.user.is_authenticated:
        orgs.set_language(request.user, request.POST.get("language", ""))
    return response


@require_POST
def sso_start(request: HttpRequest) -> HttpResponse:
    """Sign in with the identity provider of the address's organisation (found by its
    domain), or back to the sign-in page saying there is none."""
    from pilote.orgs import sso
    from pilote.orgs.signin import over_limit

    email = (request.POST.get("username") or request.POST.get("email") or "").strip().lower()
    if over_limit("sso-start", client_address(request) or "?", 60, timedelta(minutes=10)):
        messages.error(request, _t(N_("too many sign-ins started: try again in a few minutes")))
        return redirect("login")
    found = sso.for_email(email) if "@" in email else None
    if found is None:
        messages.error(request, _("No single sign-on is set up for this address: sign in with"
                                  " your password."))  # fmt: skip
        return redirect(reverse("login") + "?" + urlencode({"email": email}))
    try:
        return redirect(sso.start(request, found, email))
    except sso.Refused as exc:
        messages.error(request, _t(exc.message))
        return redirect("login")


def sso_callback(request: HttpRequest) -> HttpResponse:
    from pilote.orgs import sso

    return _signed_in_by_sso(request, sso.finish)


def _signed_in_by_sso(request: HttpRequest, finish) -> HttpResponse:
    """Sign in the person a checked answer names (OpenID Connect or SAML), or say why not."""
    from pilote.orgs import sso

    try:
        membership = finish(request)
    except sso.Refused as exc:
        return render(request, "pilote/sso_refused.html", {"reason": _t(exc.message)}, status=403)
    login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_ORG] = membership.organization_id
    return redirect("cockpit")


def saml_metadata(request: HttpRequest, org_id: int) -> HttpResponse:
    """Pilote's SAML metadata for an organisation that signs in with SAML (public, as
    identity providers read it): its entity ID and assertion consumer service."""
    from pilote.orgs import saml
    from pilote.orgs.models import SingleSignOn

    if not SingleSignOn.objects.filter(organization_id=org_id,
                                       protocol=SingleSignOn.Protocol.SAML).exists():  # fmt: skip
        raise Http404
    try:
        xml = saml.sp_metadata(org_id)
    except saml.Refused as exc:
        return render(request, "pilote/sso_refused.html", {"reason": _t(exc.message)}, status=503)
    return HttpResponse(xml, content_type="application/samlmetadata+xml")


@csrf_exempt  # the identity provider's page posts here, from its own site
@require_POST
def saml_acs(request: HttpRequest, org_id: int) -> HttpResponse:
    """The identity provider's response: checked here (no session comes with this cross-site
    POST), then the browser goes on to ``saml_finish`` with its session."""
    from pilote.orgs import saml
    from pilote.orgs.signin import over_limit

    if over_limit("saml-acs", client_address(request) or "?", 120, timedelta(minutes=10)):
        return render(request, "pilote/sso_refused.html",
                      {"reason": _t(N_("too many sign-ins started: try again in a few minutes"))},
                      status=429)  # fmt: skip
    try:
        request_id = saml.consume(request, org_id)
    except saml.Refused as exc:
        return render(request, "pilote/sso_refused.html", {"reason": _t(exc.message)}, status=403)
    return redirect(reverse("saml_finish") + "?" + urlencode({"request": request_id}))


def saml_finish(request: HttpRequest) -> HttpResponse:
    from pilote.orgs import saml

    return _signed_in_by_sso(request, saml.finish)
