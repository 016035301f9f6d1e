"""Sign-in, organisation switcher, password."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from pilote.api.auth import SESSION_ORG
from pilote.orgs.access import organizations_of

from ..forms import Styled
from .common import member_required


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


@member_required
@require_POST
def switch_organization(request: HttpRequest) -> HttpResponse:
    org = organizations_of(request.user).filter(name=request.POST.get("organization", "")).first()
    if org is None:
        return HttpResponseBadRequest("not a member of that organisation")
    request.session[SESSION_ORG] = org.pk
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)
