"""Sign-in, organisation switcher, password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pilote.api.auth import SESSION_ORG
from pilote.orgs import actions as orgs
from pilote.orgs.access import organizations_of

from ..forms import Styled
from .common import member_required, safe_next


class LoginView(auth_views.LoginView):
    template_name = "pilote/login.html"
    redirect_authenticated_user = True


class StyledPasswordChangeForm(Styled, PasswordChangeForm):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "pilote/password.html"
    form_class = StyledPasswordChangeForm
    success_url = "/account/password/done/"


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "pilote/password_done.html"


@login_required
@require_POST
def answer_invitation(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    """The invited person joins the organisation (and switches to it), or declines."""
    if what == "accept":
        membership = orgs.accept_invitation(request.user, pk)
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
