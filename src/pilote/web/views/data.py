"""Pages: data sources and their runs, held values, market and user feedback."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pilote.errors import Forbidden, Invalid, NotFound
from pilote.goals import queries as goals
from pilote.goals.models import Objective
from pilote.orgs.access import can_manage_source, scoped
from pilote.sources import actions, feedback, queries
from pilote.sources.models import FeedbackItem
from pilote.words import message

from ..forms import FeedbackForm, FeedbackImportForm, SourceForm
from .common import FORM_ERRORS, describe, form_errors, member_required, safe_next


def _source_form(request, data=None, initial=None, stored_secrets=()) -> SourceForm:
    form = SourceForm(
        data,
        initial=initial,
        kinds=actions.kinds(),
        key_results=goals.key_results(request.actor).order_by("title"),
        stored_secrets=stored_secrets,
    )
    if request.actor.role != "admin":
        # Only an admin decides to let a source reach inside the network: others neither see
        # the box nor, by saving the form, undo an admin's choice.
        del form.fields["allow_private"]
    return form


def _source_data(d: dict) -> dict:
    """The action's fields from the form's (the per-kind fields are gathered in ``params``)."""
    return {k: v for k, v in d.items() if "__" not in k} | {
        "key_result": d.get("key_result") or None
    }


def _test(request, form: SourceForm, kind: str, source=None) -> None:
    """The form's "Test" button: read the value once, record nothing, say what was read."""
    if not form.is_valid():
        return
    data = _source_data(form.cleaned_data)
    if source is not None:
        data = {k: v for k, v in data.items() if k not in ("key", "kind")}
    try:
        reading = actions.try_source(request.actor, data, source)
    except FORM_ERRORS + (Forbidden,) as exc:
        _source_errors(form, exc, kind)
        return
    from pilote.words import number

    messages.info(
        request,
        _("Test: it reads %(value)s (raw “%(raw)s”). Nothing was recorded.")
        % {"value": number(reading.value, 4), "raw": reading.raw[:80]},
    )


def _source_errors(form: SourceForm, exc, kind: str) -> None:
    """The action's errors on the fields they name: "params.column" is the kind's column."""
    names = {f"{'secrets' if p.secret else 'params'}.{p.name}": name
             for p, name in form.kind_fields.get(kind, [])}  # fmt: skip
    form_errors(form, exc, names)


@member_required
def sources(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    form = _source_form(request, request.POST or None)
    if request.method == "POST" and "test" in request.POST:
        _test(request, form, form.cleaned_data.get("kind", "") if form.is_valid() else "")
    elif request.method == "POST":
        if form.is_valid():
            try:
                source = actions.create_source(actor, _source_data(form.cleaned_data))
                messages.success(request, _("Source created."))
                if source.kind in actions.PUSH_KINDS:
                    messages.info(
                        request,
                        _("Sign the bodies you push with this secret (shown once): %(s)s")
                        % {"s": source.webhook_secret},
                    )
                return redirect("source", source.key)
            except FORM_ERRORS + (Forbidden,) as exc:
                _source_errors(form, exc, form.cleaned_data.get("kind", ""))
    rows = [(s, queries.stale(s)) for s in queries.sources(actor)]
    return render(
        request,
        "pilote/sources.html",
        {
            "rows": rows,
            "form": form,
            "can_create": actor.role != "viewer" and actor.role != "contributor",
        },
        status=422 if form.errors else 200,
    )


@member_required
def source(request: HttpRequest, key: str) -> HttpResponse:
    actor = request.actor
    src = queries.get_source(actor, key)
    can_manage = can_manage_source(actor, src)
    form = None
    if can_manage:
        initial = {f: getattr(src, f) for f in ("key", "name", "kind", "interval_minutes",
                                                "expect_every_minutes", "jump_factor", "allow_private")}  # fmt: skip
        initial["key_result"] = src.key_result.key if src.key_result_id else ""
        for name, value in src.params.items():
            initial[f"{src.kind}__{name}"] = value
        form = _source_form(request, request.POST or None, initial, stored_secrets=src.secrets)
        form.fields["key"].disabled = True
        form.fields["kind"].disabled = True
        if request.method == "POST" and "test" in request.POST:
            _test(request, form, src.kind, src)
        elif request.method == "POST" and form.is_valid():
            data = {
                k: v for k, v in _source_data(form.cleaned_data).items() if k not in ("key", "kind")
            }
            try:
                actions.update_source(actor, src, data)
                messages.success(request, _("Source saved."))
                return redirect("source", src.key)
            except FORM_ERRORS + (Forbidden,) as exc:
                _source_errors(form, exc, src.kind)
    return render(
        request,
        "pilote/source.html",
        {
            "s": src,
            "stale": queries.stale(src),
            "runs": queries.runs(actor, src).select_related("check_in")[:50],
            "held": queries.held_readings(actor).filter(source=src),
            "form": form,
            "can_manage": can_manage,
            "push": src.kind in actions.PUSH_KINDS,
            "hook_url": request.build_absolute_uri(f"/api/v1/hooks/{src.hook_id}"),
        },
        status=422 if form is not None and form.errors else 200,
    )


@require_POST
@member_required
def source_action(request: HttpRequest, key: str, what: str) -> HttpResponse:
    actor = request.actor
    src = queries.get_source(actor, key)
    if what == "sync":
        run = actions.sync_now(actor, src)
        if run.outcome == "failed":
            messages.error(request, _("Sync failed: %(e)s") % {"e": message(run.error_said)})
        else:
            from ..templatetags.pilote import run_label

            messages.success(request, _("Sync done: %(o)s.") % {"o": run_label(run.outcome)})
    elif what == "rotate":
        secret = actions.rotate_webhook_secret(actor, src)
        messages.info(request, _("New signing secret (shown once): %(s)s") % {"s": secret})
    elif what == "delete":
        actions.delete_source(actor, src)
        messages.success(request, _("Source deleted."))
        return redirect("sources")
    else:
        raise NotFound(what)
    return redirect("source", src.key)


@require_POST
@member_required
def held_decide(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    actor = request.actor
    held = queries.get_held(actor, pk)
    if what not in ("confirm", "reject"):
        raise NotFound(what)
    if what == "confirm":
        actions.confirm_reading(actor, held)
        messages.success(request, _("Value applied."))
    else:
        actions.reject_reading(actor, held)
        messages.info(request, _("Value discarded."))
    return safe_next(request, f"/sources/{held.source.key}/")


@member_required
def feedback_page(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    g = request.GET
    items = feedback.search(actor, g.get("q", "").strip(), g.get("channel", ""), g.get("segment", ""),
                            g.get("tag", "").strip())  # fmt: skip
    form = FeedbackForm(None)
    upload = FeedbackImportForm(None)
    status = 200
    if request.method == "POST" and actor.role == "viewer":
        raise Forbidden(_("Viewers read feedback; they do not record it."))
    if request.method == "POST" and "file" in request.FILES:
        upload = FeedbackImportForm(request.POST, request.FILES)
        if upload.is_valid():
            try:
                text = upload.cleaned_data["file"].read().decode("utf-8-sig")
                created = feedback.record_feedback(
                    actor, feedback.items_from_csv(text), path="rows"
                )
                messages.success(request, _("%(n)s feedback items imported.") % {"n": len(created)})
                return redirect("feedback")
            except UnicodeDecodeError:
                upload.add_error("file", _("The file is not UTF-8 text."))
            except Invalid as exc:
                for path, english in exc.errors[:20]:
                    upload.add_error("file", f"{path}: {message(english)}")
        status = 422
    elif request.method == "POST":
        form = FeedbackForm(request.POST)
        if form.is_valid():
            d = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
            if "date" in d:
                d["date"] = str(d["date"])
            try:
                feedback.record_feedback(actor, [d])
                messages.success(request, _("Feedback recorded."))
                return redirect("feedback")
            except Invalid as exc:
                form_errors(
                    form,
                    Invalid(exc.detail, [(p.removeprefix("items[0]."), m) for p, m in exc.errors]),
                )
        status = 422
    page = Paginator(items.prefetch_related("objectives", "initiatives"), 50).get_page(
        g.get("page")
    )
    return render(
        request,
        "pilote/feedback.html",
        {
            "page": page,
            "metrics": feedback.metrics(
                items, int(g["window"]) if g.get("window", "").isdigit() else None
            ),
            "channels": feedback.channels(actor),
            "form": form,
            "upload": upload,
            "q": g.get("q", ""),
            "channel": g.get("channel", ""),
            "tag": g.get("tag", ""),
            "window": g.get("window", ""),
            "can_link": actor.role in ("admin", "executive", "lead"),
            "objectives": scoped(actor, Objective.objects.order_by("title").only("key", "title")),
        },
        status=status,
    )


@require_POST
@member_required
def feedback_link(request: HttpRequest, pk: int) -> HttpResponse:
    from pilote.sources.queries import get_feedback

    actor = request.actor
    item: FeedbackItem = get_feedback(actor, pk)
    objectives = [k for k in request.POST.getlist("objectives") if k]
    initiatives = [k for k in request.POST.get("initiatives", "").replace(",", " ").split() if k]
    try:
        feedback.link_feedback(actor, item, objectives, initiatives)
        messages.success(request, _("Evidence links saved."))
    except Invalid as exc:
        messages.error(request, describe(exc))
    return safe_next(request, "/feedback/")
