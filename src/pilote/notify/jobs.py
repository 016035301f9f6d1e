"""What each reminder, alert and digest says, and to whom (reads the rules; writes through notify)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from pilote.goals.models import KeyResult, Objective
from pilote.goals.queries import KeyResultFiguresOnly
from pilote.okr.pace import check_in_due
from pilote.okr.types import Status
from pilote.orgs.access import Actor
from pilote.orgs.models import Membership, Organization, Role, Unit, User

from .actions import broadcast, notify
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
    """Tell the owner and the leads when a KR is at risk or off track (once a week per status)."""
    kr = _open_key_results(organization, timezone.localdate()).filter(key=kr_key).first()
    if kr is None:
        return 0
    figures = KeyResultFiguresOnly(Actor.system(organization), [kr]).kr(kr)
    if figures.status not in ALERTING:
        return 0
    label = "at risk" if figures.status == Status.AT_RISK else "off track"
    title = f"{kr.title}: {label}"
    body = (
        f"Progress {figures.progress or 0:.0%} where {figures.expected:.0%} was expected by now "
        f"(objective: {kr.objective.title})."
    )
    link = f"/objectives/{kr.objective.key}/"
    made = notify(
        organization, [kr.owner, *leads_of(kr.objective.unit_id)], Kind.AT_RISK, title, body, link,
        dedupe=f"at_risk:{kr.key}:{figures.status}:{week_key(timezone.localdate())}",
    )  # fmt: skip
    if made:
        broadcast(organization, Kind.AT_RISK, {"title": title, "text": body, "link": link,
                                               "key_result": kr.key, "status": str(figures.status)})  # fmt: skip
    return len(made)


def validation_request(organization: Organization, objective_key: str) -> int:
    objective = Objective.objects.filter(organization=organization, key=objective_key).first()
    if objective is None or objective.status != "submitted":
        return 0
    executives = User.objects.filter(
        memberships__organization=organization, memberships__role=Role.EXECUTIVE
    )
    title = f"To validate: {objective.title}"
    link = "/inbox/"
    made = notify(organization, executives, Kind.VALIDATION, title,
                  f"Submitted for validation (version {objective.version}).", link,
                  dedupe=f"validation:{objective.key}:{objective.version}")  # fmt: skip
    if made:
        broadcast(organization, Kind.VALIDATION, {"title": title, "text": "Submitted for validation",
                                                  "link": link, "objective": objective.key})  # fmt: skip
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
        lines = "\n".join(f"- {kr.title}" for kr in owner_krs)
        made += len(notify(
            organization, [owner], Kind.REMINDER,
            f"{len(owner_krs)} key result(s) wait for your check-in", lines, "/my/",
            dedupe=f"reminder:{week_key(on)}",
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
        statuses[kr.pk] = status
        by_status[status] = by_status.get(status, 0) + 1
    counts = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in sorted(by_status.items()))
    waiting = Objective.objects.filter(organization=organization, status="submitted").count()
    made = 0
    members = Membership.objects.filter(organization=organization).select_related("user")
    for m in members:
        mine = [kr for kr in krs if kr.owner_id == m.user_id]
        lines = [f"Key results this cycle: {counts or 'none'}."]
        lines += [f"- {kr.title}: {statuses[kr.pk].replace('_', ' ')}" for kr in mine]
        if m.role == Role.EXECUTIVE and waiting:
            lines.append(f"{waiting} objective(s) wait for your validation.")
        made += len(notify(organization, [m.user], Kind.DIGEST, f"Weekly digest — {week_key(on)}",
                           "\n".join(lines), "/", dedupe=f"digest:{week_key(on)}"))  # fmt: skip
    broadcast(organization, Kind.DIGEST, {"title": f"Weekly digest — {week_key(on)}",
                                          "text": f"Key results: {counts or 'none'}.", "link": "/"})  # fmt: skip
    return made


def source_trouble(organization: Organization, source_key: str, what: str) -> int:
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
    return len(notify(organization, people, Kind.SOURCE, f"{source.name}: {what}",
                      source.last_error or "", f"/sources/{source.key}/",
                      dedupe=f"source:{source.key}:{what}:{timezone.localdate()}"))  # fmt: skip
