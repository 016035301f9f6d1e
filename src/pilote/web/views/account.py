"""Sign-in, organisation switcher, password (change, reset), invitations' links, signing
out everywhere (orgs/accounts.py holds the rules)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pilote.api.auth import SESSION_ORG
from pilote.errors import Conflict, Invalid, NotFound, TooMany
from pilote.orgs import accounts
from pilote.orgs import actions as orgs
from pilote.orgs.access import organizations_of
from pilote.orgs.models import User
from pilote.orgs.signin import client_address

from ..forms import JoinForm, ResetRequestForm, Styled
from .common import _t, form_errors, member_required, safe_next


class LoginView(auth_views.LoginView):
    template_name = "pilote/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["signed_out_everywhere"] = self.request.GET.get("signed_out") == "everywhere"
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
    context = {"invitation": invitation, "inviter": invitation.invited_by}
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
