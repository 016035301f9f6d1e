"""What each reminder, alert and digest says, and to whom (reads the rules; writes through notify)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from pilote.goals.forecasting import kr_forecast
from pilote.goals.keyresults import facts_of
from pilote.goals.models import KeyResult, Objective
from pilote.goals.queries import KeyResultFiguresOnly
from pilote.okr.forecast import Forecast
from pilote.okr.pace import check_in_due
from pilote.okr.types import Kind as OkrKind
from pilote.okr.types import Status
from pilote.orgs.access import Actor
from pilote.orgs.models import Membership, Organization, Role, Unit, User

from . import messages
from .actions import broadcast_message, notify
from .models import Kind

ALERTING = (Status.AT_RISK, Status.OFF_TRACK)


def week_key(on: date) -> str:
    year, week, _ = on.isocalendar()
    return f"{year}-W{week:02d}"


def _open_key_results(organization: Organization, on: date):
    return KeyResult.objects.filter(
        organization=organization,
        objective__cycle__start__lte=on,
        objective__cycle__end__gte=on,
        objective__cycle__closed_at__isnull=True,
    ).select_related("objective__cycle", "owner")


def leads_of(unit_id: int | None) -> list[User]:
    """The leads of a unit and of the units above it."""
    if unit_id is None:
        return []
    chain, unit = [], Unit.objects.filter(pk=unit_id).first()
    while unit is not None and len(chain) < 50:
        chain.append(unit.pk)
        unit = unit.parent
    return [
        m.user
        for m in Membership.objects.filter(role=Role.LEAD, units__in=chain)
        .select_related("user")
        .distinct()
    ]


def at_risk_alert(organization: Organization, kr_key: str) -> int:
    """Tell the owner and the leads when a KR is at risk or off track (once a week per status),
    or still on track but trending off it (``trending_alert``)."""
    kr = _open_key_results(organization, timezone.localdate()).filter(key=kr_key).first()
    if kr is None:
        return 0
    reader = KeyResultFiguresOnly(Actor.system(organization), [kr])
    figures = reader.kr(kr)
    if figures.status == Status.ON_TRACK:
        return trending_alert(organization, reader, kr)
    if figures.status not in ALERTING:
        return 0
    params = {
        "kr": kr.title,
        "key_result": kr.key,
        "status": str(figures.status),
        "progress_share": figures.progress or 0,
        "expected_share": figures.expected,
        "objective": kr.objective.title,
    }
    return _alert_kr(organization, kr, messages.AT_RISK, params, f"/objectives/{kr.objective.key}/",
                     f"at_risk:{kr.key}:{figures.status}", str(figures.status))  # fmt: skip


def _alert_kr(organization, kr, message: str, params: dict, link: str, dedupe: str,
              status: str) -> int:  # fmt: skip
    """Tell a KR's owner and the leads above it (once a week per ``dedupe``), in the app, by
    e-mail and to the webhooks that listen to at-risk alerts."""
    made = notify(
        organization, [kr.owner, *leads_of(kr.objective.unit_id)], Kind.AT_RISK, message,
        params, link, dedupe=f"{dedupe}:{week_key(timezone.localdate())}",
    )  # fmt: skip
    if made:
        broadcast_message(organization, Kind.AT_RISK, message, params, link,
                          key_result=kr.key, status=status)  # fmt: skip
    return len(made)


def trending_alert(organization: Organization, reader, kr: KeyResult) -> int:
    """Tell the owner and the leads when a KR still on track is forecast to miss: its odds of
    reaching the target are under the policy's ``trending_alert_odds`` (once a week; the
    same channels and preferences as at-risk alerts, message ``kr_trending_off_track``)."""
    threshold = organization.policy.trending_alert_odds
    f = kr_forecast(reader, kr)
    if not isinstance(f, Forecast) or f.probability >= threshold:
        return 0
    facts = facts_of(kr)
    params = {
        "kr": kr.title,
        "key_result": kr.key,
        "projected": f.projected,
        "target": float(facts.milestones) if facts.kind == OkrKind.MILESTONE else facts.target,
        "due": facts.due.isoformat(),
        "odds_share": f.probability,
        "objective": kr.objective.title,
    }
    return _alert_kr(organization, kr, messages.TRENDING, params,
                     f"/objectives/{kr.objective.key}/#kr-{kr.key}", f"trending:{kr.key}",
                     "trending_off_track")  # fmt: skip


def validation_request(organization: Organization, objective_key: str) -> int:
    objective = Objective.objects.filter(organization=organization, key=objective_key).first()
    if objective is None or objective.status != "submitted":
        return 0
    executives = User.objects.filter(
        memberships__organization=organization, memberships__role=Role.EXECUTIVE
    )
    params = {"objective": objective.title, "version": objective.version}
    link = "/inbox/"
    made = notify(organization, executives, Kind.VALIDATION, messages.VALIDATION, params, link,
                  dedupe=f"validation:{objective.key}:{objective.version}")  # fmt: skip
    if made:
        broadcast_message(organization, Kind.VALIDATION, messages.VALIDATION, params, link,
                          objective=objective.key)  # fmt: skip
    return len(made)


def workflow_outcome(organization: Organization, objective_key: str) -> int:
    """Tell an objective's owner and its submitters that it was approved or sent back, with
    the reviewer's comment (both read from the decision's audit entry: live events carry no
    comment); not the reviewer."""
    from pilote.orgs.models import AuditEntry

    objective = (
        Objective.objects.filter(organization=organization, key=objective_key)
        .select_related("owner")
        .first()
    )
    if objective is None or objective.status not in ("approved", "changes_requested"):
        return 0
    decision = (
        AuditEntry.objects.filter(organization=organization, object_type="objective",
                                  object_key=objective.key,
                                  action__in=("approve", "request_changes"))
        .select_related("actor")
        .order_by("-id")
        .first()
    )  # fmt: skip
    reviewer = decision.actor if decision else None
    by_user_id = reviewer.pk if reviewer else None
    code = messages.APPROVED if objective.status == "approved" else messages.CHANGES_REQUESTED
    people = [objective.owner, *User.objects.filter(pk__in=objective.interested_user_ids or [])]
    people = [u for u in people if u is not None and u.pk != by_user_id]
    params = {
        "objective": objective.title,
        "by": (reviewer.name or reviewer.email)
        if reviewer
        else (decision.actor_label if decision else "Pilote"),
        "comment": decision.comment if decision else "",
    }
    made = notify(organization, people, Kind.VALIDATION, code, params,
                  f"/objectives/{objective.key}/",
                  dedupe=f"{code}:{objective.key}:{objective.version}")  # fmt: skip
    return len(made)


def reminders(organization: Organization, on: date | None = None) -> int:
    """One reminder per owner whose KRs wait for a check-in on the organisation's rhythm."""
    on = on or timezone.localdate()
    krs = list(_open_key_results(organization, on).filter(owner__isnull=False))
    figures = KeyResultFiguresOnly(Actor.system(organization), krs, on)
    due: dict[int, list[KeyResult]] = {}
    for kr in krs:
        if check_in_due(figures.latest.get(kr.pk), on, organization.policy):
            due.setdefault(kr.owner_id, []).append(kr)
    made = 0
    for owner_krs in due.values():
        owner = owner_krs[0].owner
        made += len(notify(
            organization, [owner], Kind.REMINDER, messages.REMINDER,
            {"key_results": [kr.title for kr in owner_krs]}, "/my/",
            dedupe=f"reminder:{week_key(on)}",
        ))  # fmt: skip
    return made


def weekly_reminders(organization: Organization, on: date | None = None) -> int:
    """The weekly "reminders" job: check-ins due, and the strategy to read."""
    return reminders(organization, on) + strategy_reminders(organization, on)


STRATEGY_REMINDER_AFTER_DAYS = 14


def strategy_reminders(organization: Organization, on: date | None = None) -> int:
    """Once a cycle, two weeks in, remind each member who has not opened its strategy (one
    page or tree) to read it. Sent by the system: nobody is told who they are
    (``goals.reach``)."""
    from pilote.goals.models import Cycle
    from pilote.goals.reach import not_opened

    on = on or timezone.localdate()
    made = 0
    for cycle in Cycle.objects.filter(
        organization=organization, start__lte=on, end__gte=on, closed_at__isnull=True
    ):
        if (on - cycle.start).days < STRATEGY_REMINDER_AFTER_DAYS:
            continue
        users = User.objects.filter(pk__in=not_opened(organization, cycle))
        made += len(notify(
            organization, list(users), Kind.REMINDER, messages.STRATEGY,
            {"cycle": cycle.name or cycle.key}, f"/strategy/one-page/?cycle={cycle.key}",
            dedupe=f"strategy:{cycle.key}",
        ))  # fmt: skip
    return made


def digest(organization: Organization, on: date | None = None) -> int:
    """The weekly digest: how the organisation's KRs stand, and what waits for each person."""
    on = on or timezone.localdate()
    krs = list(_open_key_results(organization, on))
    figures = KeyResultFiguresOnly(Actor.system(organization), krs, on)
    by_status: dict[str, int] = {}
    statuses = {}
    for kr in krs:
        status = figures.kr(kr).status
        statuses[kr.pk] = str(status)
        by_status[str(status)] = by_status.get(str(status), 0) + 1
    waiting = Objective.objects.filter(organization=organization, status="submitted").count()
    made = 0
    week = week_key(on)
    members = Membership.objects.filter(organization=organization).select_related("user")
    for m in members:
        params = {
            "week": week,
            "counts": by_status,
            "mine": [[kr.title, statuses[kr.pk]] for kr in krs if kr.owner_id == m.user_id],
            "waiting": waiting if m.role == Role.EXECUTIVE else 0,
        }
        made += len(notify(organization, [m.user], Kind.DIGEST, messages.DIGEST, params, "/",
                           dedupe=f"digest:{week}"))  # fmt: skip
    broadcast_message(organization, Kind.DIGEST, messages.DIGEST,
                      {"week": week, "counts": by_status}, "/")  # fmt: skip
    return made


def source_trouble(organization: Organization, source_key: str, message: str) -> int:
    """Tell a source's KR owner and leads that it failed or holds a value (``message``: a code
    of notify/messages.py)."""
    from pilote.sources.models import DataSource

    source = (
        DataSource.objects.filter(organization=organization, key=source_key)
        .select_related("key_result__objective")
        .first()
    )
    if source is None or source.key_result is None:
        return 0
    kr = source.key_result
    people = [kr.owner, *leads_of(kr.objective.unit_id)]
    params = {
        "source": source.name, "error": source.last_error or "",
        "error_code": source.last_error_code, "error_params": source.last_error_params,
    }  # fmt: skip
    return len(notify(organization, people, Kind.SOURCE, message, params,
                      f"/sources/{source.key}/",
                      dedupe=f"source:{source.key}:{message}:{timezone.localdate()}"))  # fmt: skip
