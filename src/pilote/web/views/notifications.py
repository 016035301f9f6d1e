"""Pages: your notifications and channel preferences; the organisation's outgoing webhooks."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pilote.notify import actions
from pilote.notify.models import Kind, Notification, Webhook
from pilote.orgs.access import get_scoped, scoped

from ..forms import WebhookForm
from .common import FORM_ERRORS, form_errors, member_required
from .manage import _admin

KIND_LABELS = {
    "reminder": gettext_lazy("Check-in reminders"),
    "at_risk": gettext_lazy("Key results at risk"),
    "validation": gettext_lazy("Validation requests"),
    "digest": gettext_lazy("Weekly digest"),
    "source": gettext_lazy("Data sources needing attention"),
    "mention": gettext_lazy("Mentions and replies"),
}


@member_required
def notifications(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    if request.method == "POST":
        choices = {
            kind: {
                "in_app": f"{kind}-in_app" in request.POST,
                "email": f"{kind}-email" in request.POST,
            }
            for kind in Kind.values
        }
        actions.set_preferences(actor, choices)
        messages.success(request, _("Preferences saved."))
        return redirect("notifications")
    mine = scoped(actor, Notification.objects.filter(user=actor.user, in_app=True))[:100]
    prefs = actions.preferences_of(actor.organization, [actor.user])
    rows = [(k, KIND_LABELS.get(k, k), *prefs[(actor.user.pk, k)]) for k in Kind.values]
    return render(request, "pilote/notifications.html", {"items": mine, "prefs": rows})


@require_POST
@member_required
def notifications_read(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    actions.mark_read(request.actor, ids)
    return redirect("notifications")


@member_required
def webhooks(request: HttpRequest) -> HttpResponse:
    _admin(request)
    actor = request.actor
    form = WebhookForm(request.POST or None, kinds=list(KIND_LABELS.items()))
    if request.method == "POST" and "delete" in request.POST:
        hook = get_scoped(actor, Webhook.objects.all(), "webhook", pk=request.POST["delete"])
        actions.delete_webhook(actor, hook)
        messages.success(request, _("Webhook removed."))
        return redirect("manage_webhooks")
    if request.method == "POST" and form.is_valid():
        try:
            hook = actions.create_webhook(actor, form.cleaned_data)
            messages.success(
                request,
                _("Webhook added. Its signing secret (shown once): %(s)s") % {"s": hook.secret},
            )
            return redirect("manage_webhooks")
        except FORM_ERRORS as exc:
            form_errors(form, exc)
    hooks = scoped(actor, Webhook.objects.all())
    return render(request, "pilote/manage_webhooks.html",
                  {"hooks": hooks, "form": form, "section": "webhooks"},
                  status=422 if form.errors else 200)  # fmt: skip
