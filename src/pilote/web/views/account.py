"""Sign-in, organisation switcher, password."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.http import require_POST

from pilote.api.auth import SESSION_ORG
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


@member_required
@require_POST
def switch_organization(request: HttpRequest) -> HttpResponse:
    org = organizations_of(request.user).filter(name=request.POST.get("organization", "")).first()
    if org is None:
        return HttpResponseBadRequest("not a member of that organisation")
    request.session[SESSION_ORG] = org.pk
    return safe_next(request, "/")
