"""My key results: check in inline, in at most two interactions (type, press Enter)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, Q, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from pilote.goals import queries
from pilote.goals.keyresults import (
    correct_check_in,
    doubt_about_check_in,
    record_check_in,
    record_check_ins,
    withdraw_check_in,
)
from pilote.goals.models import CheckIn
from pilote.goals.stored import Stored
from pilote.orgs.access import WRITERS_OF_EVERYTHING, require_withdraw_check_in
from pilote.orgs.models import Role
from pilote.words import number

from ..forms import CheckInForm, CorrectCheckInForm, WithdrawCheckInForm
from .common import FORM_ERRORS, form_errors, is_htmx, member_required, safe_next


def doubt_message(doubt) -> str:
    """Why a typed value asks for confirmation, in the reader's language and number format."""
    p = {k: number(v) for k, v in doubt.params.items()}
    if doubt.code == "below_minimum":
        text = _("%(value)s is below this key result's minimum (%(minimum)s).") % p
    elif doubt.code == "above_maximum":
        text = _("%(value)s is above this key result's maximum (%(maximum)s).") % p
    else:
        text = (
            _(
                "%(value)s is %(change)s away from the last value (%(last)s), far beyond its usual "
                "change (up to %(limit)s)."
            )
            % p
        )
    return text + " " + _("Check the value, or tick the box to record it as it is.")


def comment_hint(actor) -> str:
    """The organisation's check-in prompts as the comment's hint: "What moved? What blocks?"."""
    return " ".join(_("%(prompt)s?") % {"prompt": p} for p in actor.organization.check_in_prompts)


# The rows a page of "my key results" shows: an executive of the top unit may check in on
# every KR of the company (14,000 at 10,000 people), which was one 28 MB page.
MINE_PAGE = 50


def mine(actor):
    """KRs the person owns, then those of their units they may check in on (a query)."""
    user_id = actor.user.pk
    q = Q(owner_id=user_id)
    if actor.role in WRITERS_OF_EVERYTHING or actor.role in (Role.LEAD, Role.CONTRIBUTOR):
        q |= Q(objective__unit_id__in=list(actor.unit_ids))
    return (
        queries.key_results(actor)
        .filter(q)
        .annotate(own=Case(When(owner_id=user_id, then=Value(0)), default=Value(1)))
        .order_by("own", "objective_id", "position", "id")
    )


def _rows(actor, page, form=None, kr_pk=None) -> list[dict]:
    figures = Stored(actor)
    return [
        {
            "kr": kr,
            "f": figures.kr(kr),
            "form": form if kr.pk == kr_pk else CheckInForm(prefix=kr.key),
            "own": kr.owner_id == actor.user.pk,
        }
        for kr in page
    ]


def _page(request, form=None, kr_pk=None, status=200) -> HttpResponse:
    actor = request.actor
    page = Paginator(mine(actor), MINE_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "pilote/my_key_results.html",
        {
            "rows": _rows(actor, page, form, kr_pk),
            "page": page,
            "as_of": date.today(),
            "comment_hint": comment_hint(actor),
        },  # fmt: skip
        status=status,
    )


@member_required
def my_key_results(request: HttpRequest) -> HttpResponse:
    return _page(request)


WEEKLY_MAX = 100  # a person's own KRs: a handful, a hundred at the very most


@member_required
def weekly(request: HttpRequest) -> HttpResponse:
    """Every key result the person owns in one form: type the values, confidences and
    answers, press Enter once; all are recorded or none (goals.keyresults.record_check_ins),
    each problem said on its row. Rows left empty are not checked in this week."""
    from pilote.okr.checkin import compose_comment

    from ..forms import WeeklyCheckInForm

    actor = request.actor
    krs = list(mine(actor).filter(owner_id=actor.user.pk).select_related("objective")[:WEEKLY_MAX])
    last = {ci.pk: ci for ci in CheckIn.objects.filter(pk__in=[kr.last_check_in_id for kr in krs])}
    prompts = actor.organization.check_in_prompts
    data = request.POST if request.method == "POST" else None
    forms = [WeeklyCheckInForm(data, prefix=kr.key, prompts=prompts) for kr in krs]
    problems: list[str] = []
    if data is not None:
        valid = all([f.is_valid() for f in forms])  # every row validated, not the first only
        filled = [(kr, f) for kr, f in zip(krs, forms, strict=True) if not f.is_empty()]
        if valid and not filled:
            problems.append(_("Type at least one value."))
        if valid and filled:
            for kr, f in filled:
                if not f.cleaned_data["confirm"]:
                    doubt = doubt_about_check_in(actor, kr, f.cleaned_data["value"])
                    if doubt is not None:
                        f.add_error(None, doubt_message(doubt))
                        f.ask_confirm = True
        if valid and filled and not any(f.errors for _, f in filled):
            items = [
                {
                    "key_result": kr,
                    "value": f.cleaned_data["value"],
                    "confidence": f.cleaned_data["confidence"],
                    "comment": compose_comment(f.answers()),
                    "next_step": f.cleaned_data["next_step"],
                }
                for kr, f in filled
            ]
            try:
                recorded, _created = record_check_ins(actor, items)
                messages.success(
                    request,
                    ngettext(
                        "%(count)s check-in recorded.", "%(count)s check-ins recorded.",
                        len(recorded),
                    ) % {"count": len(recorded)},
                )  # fmt: skip
                return redirect("weekly_check_ins")
            except FORM_ERRORS as exc:
                _row_errors(exc, filled, problems)
    rows = []
    for kr, f in zip(krs, forms, strict=True):
        ci = last.get(kr.last_check_in_id)
        shown = f"{number(ci.value)} {kr.unit_label}".strip() if ci else ""
        rows.append({"kr": kr, "form": f, "last": ci, "last_value": shown})
    has_errors = bool(problems) or any(f.errors for f in forms)
    return render(
        request,
        "pilote/weekly.html",
        {"rows": rows, "problems": problems, "prompts": prompts, "today": date.today()},
        status=422 if has_errors else 200,
    )


def _row_errors(exc, filled, problems: list[str]) -> None:
    """An action's errors ("check_ins[2].confidence") on the row and field they name."""
    import re

    from .common import _t

    for path, english in exc.errors or [("", exc.detail)]:
        m = re.match(r"check_ins\[(\d+)\]\.(\w+)", path)
        if m and int(m.group(1)) < len(filled):
            form = filled[int(m.group(1))][1]
            name = m.group(2) if m.group(2) in form.fields else None
            form.add_error(name, _t(english))
        else:
            problems.append(_t(english))


@member_required
@require_POST
def check_in(request: HttpRequest, key: str) -> HttpResponse:
    actor = request.actor
    kr = queries.get_key_result(actor, key)
    form = CheckInForm(request.POST, prefix=kr.key)
    saved = False
    doubt = None
    if form.is_valid() and not form.cleaned_data["confirm"]:
        doubt = doubt_about_check_in(actor, kr, form.cleaned_data["value"])
        if doubt is not None:
            form.add_error(None, doubt_message(doubt))
            form.ask_confirm = True
    if form.is_valid():
        try:
            record_check_in(
                actor,
                kr,
                form.cleaned_data["value"],
                form.cleaned_data["confidence"],
                form.cleaned_data["comment"],
                next_step=form.cleaned_data["next_step"],
            )
            saved = True
        except FORM_ERRORS as exc:
            form_errors(form, exc)
    if not is_htmx(request) and saved:
        return safe_next(request, reverse("my_key_results"))
    if not is_htmx(request):  # a failed plain post: the whole page again, this row with its errors
        return _page(request, form, kr.pk, status=422)
    row = {
        "kr": kr,
        "f": queries.KeyResultFiguresOnly(actor, [kr]).kr(kr),
        "form": CheckInForm(prefix=kr.key) if saved else form,
        "saved": saved,
        "own": kr.owner_id == actor.user.pk,
    }
    # htmx swaps 2xx answers only: the row comes back with its errors and a 200.
    return render(request, "pilote/_kr_row.html", {"row": row, "comment_hint": comment_hint(actor)})


@member_required
def fix_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a wrong check-in (a new value of the same day replaces it) or withdraw it (it
    counts no more); either way it stays, struck out, in the key result's history."""
    actor = request.actor
    ci = queries.get_check_in(actor, pk)
    require_withdraw_check_in(actor, ci)  # a 403 page for the others, before any form
    kr = ci.key_result
    correct = CorrectCheckInForm(prefix="correct")
    withdraw = WithdrawCheckInForm(prefix="withdraw")
    status = 200
    if request.method == "POST" and ci.withdrawn_at is None:
        action = request.POST.get("action")
        form = (
            CorrectCheckInForm(request.POST, prefix="correct")
            if action == "correct"
            else WithdrawCheckInForm(request.POST, prefix="withdraw")
        )
        if form.is_valid():
            try:
                if action == "correct":
                    correct_check_in(
                        actor, ci, form.cleaned_data["value"], reason=form.cleaned_data["reason"]
                    )
                    messages.success(request, _("Check-in corrected."))
                else:
                    withdraw_check_in(actor, ci, form.cleaned_data["reason"])
                    messages.success(request, _("Check-in withdrawn."))
                return redirect("objective", kr.objective.key)
            except FORM_ERRORS as exc:
                form_errors(form, exc)
        status = 422
        if action == "correct":
            correct = form
        else:
            withdraw = form
    return render(
        request,
        "pilote/fix_check_in.html",
        {"ci": ci, "kr": kr, "correct": correct, "withdraw": withdraw},
        status=status,
    )
