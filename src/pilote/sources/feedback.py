"""Market and user feedback: record (API, webhook, CSV), link as evidence, search, measure.

Recording is all or nothing: one bad item and nothing is recorded, every error named
with its path (``items[3].rating``). An item with an ``external_id`` already recorded
for its channel is skipped, so re-importing the same export adds nothing twice.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from pilote import events
from pilote.errors import Forbidden, Invalid
from pilote.goals.models import Objective
from pilote.guards import row_errors
from pilote.messages import say
from pilote.okr.explain import coded
from pilote.okr.feedback import average_rating, nps, volume_by_tag
from pilote.okr.text import N_
from pilote.orgs import audit
from pilote.orgs.access import Actor, scoped
from pilote.orgs.audit import AuditType
from pilote.orgs.models import Role
from pilote.roadmap.models import Initiative

from .connectors.base import SourceError, to_number
from .models import FeedbackItem
from .paths import extract

FIELDS = ("channel", "date", "text", "rating", "nps", "segment", "tags", "link", "external_id")
MAX_ITEMS = 10_000


def _require_writer(actor: Actor) -> None:
    if actor.role == Role.VIEWER:
        raise Forbidden(N_("viewers read feedback; they do not record it"))


def _item(raw: Any, path: str, errors: list) -> FeedbackItem | None:
    if not isinstance(raw, dict):
        errors.append((path, N_("must be a mapping of feedback fields")))
        return None
    for name in raw:
        if name not in FIELDS:
            errors.append((f"{path}.{name}", say("unknown_field", known=", ".join(FIELDS))))
    item = FeedbackItem(
        channel=str(raw.get("channel") or "").strip()[:100],
        text=str(raw.get("text") or "").strip(),
        segment=str(raw.get("segment") or "").strip()[:100],
        external_id=str(raw.get("external_id") or "").strip()[:200],
        link=str(raw.get("link") or "").strip(),
    )
    if not item.channel:
        errors.append(
            (f"{path}.channel", N_("required: where the feedback came from, e.g. App Store"))
        )
    try:
        item.received = (
            date.fromisoformat(str(raw["date"])[:10]) if raw.get("date") else timezone.localdate()
        )
    except ValueError:
        errors.append((f"{path}.date", N_("must be a date (YYYY-MM-DD)")))
    for name, low, high in (("rating", 0, 5), ("nps", 0, 10)):
        value = raw.get(name)
        if value in (None, ""):
            continue
        try:
            number = to_number(value)
        except SourceError as exc:
            errors.append((f"{path}.{name}", exc.message))
            continue
        if not low <= number <= high or (name == "nps" and number != int(number)):
            whole = name == "nps"
            kind = "a whole number" if whole else "a number"
            errors.append((
                f"{path}.{name}",
                coded("number_range", f"must be {kind} from {low} to {high}",
                      whole=whole, low=low, high=high),
            ))  # fmt: skip
            continue
        setattr(item, name, int(number) if name == "nps" else number)
    tags = raw.get("tags") or []
    if isinstance(tags, str):
        tags = [t for t in (s.strip() for s in tags.replace(";", ",").split(",")) if t]
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        errors.append((f"{path}.tags", N_("must be a list of words")))
    else:
        item.tags = sorted({t.strip().lower() for t in tags if t.strip()})
    if item.link:
        try:
            URLValidator(schemes=["http", "https"])(item.link)
        except ValidationError:
            errors.append((f"{path}.link", N_("must be an http(s) address")))
    if not item.text and all(raw.get(k) in (None, "") for k in ("rating", "nps")):
        errors.append((path, N_("needs a text, a rating or an NPS score")))
    # bulk_create sends no pre_save signal: the rows' own limits are checked here.
    errors += [(f"{path}.{field}", message) for field, message in row_errors(item)]
    return item


@transaction.atomic
def record_feedback(actor: Actor, raw_items: list, path: str = "items") -> list[FeedbackItem]:
    """Record feedback items, all or nothing; returns the items created (duplicates skipped)."""
    _require_writer(actor)
    if not isinstance(raw_items, list):
        raise Invalid("invalid feedback", [(path, "must be a list of feedback items")])
    if len(raw_items) > MAX_ITEMS:
        raise Invalid(N_("too many items"), [(path, say("at_most_items", n=MAX_ITEMS))])
    errors: list[tuple[str, str]] = []
    items = [_item(raw, f"{path}[{i}]", errors) for i, raw in enumerate(raw_items)]
    if errors:
        raise Invalid("invalid feedback: nothing was recorded", errors)
    known = set(
        scoped(actor, FeedbackItem.objects.exclude(external_id="")).values_list(
            "channel", "external_id"
        )
    )
    fresh = []
    for item in items:
        if item.external_id and (item.channel, item.external_id) in known:
            continue
        if item.external_id:
            known.add((item.channel, item.external_id))
        item.organization = actor.organization
        fresh.append(item)
    created = FeedbackItem.objects.bulk_create(fresh, batch_size=500)
    audit.record(
        actor, "record", AuditType.FEEDBACK, f"{len(created)} items",
        after={"created": len(created), "skipped": len(items) - len(created)},
    )  # fmt: skip
    events.publish(actor.organization.pk, "feedback.recorded", {"count": len(created)})
    return created


def items_from_csv(text: str) -> list[dict]:
    """Rows of a CSV export as feedback items (header names are the fields; tags split on , or ;)."""
    head = text.splitlines()[0] if text else ""
    delimiter = max((",", ";", "\t"), key=head.count)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    return [{k.strip(): v for k, v in row.items() if k and v not in (None, "")} for row in reader]


def items_from_document(document: Any, params: dict) -> list[dict]:
    """A webhook body as feedback items: ``params.items`` selects them (default: the body)."""
    try:
        found = extract(params.get("items") or "@", document)
    except SourceError as exc:
        raise Invalid(N_("the body holds no feedback"), [("body", exc.message)]) from None
    found = found if isinstance(found, list) else [found]
    fixed = {k: params[k] for k in ("channel", "segment") if params.get(k)}
    return [{**fixed, **item} if isinstance(item, dict) else item for item in found]


@transaction.atomic
def link_feedback(
    actor: Actor, item: FeedbackItem, objectives: list[str] | None, initiatives: list[str] | None
) -> FeedbackItem:
    """Set the objectives and initiatives this item is evidence for (None leaves a list as it is)."""
    if actor.role not in (Role.ADMIN, Role.EXECUTIVE, Role.LEAD, "system"):
        raise Forbidden(N_("only leads and executives link feedback to objectives and initiatives"))
    errors = []
    found = {}
    for name, model, keys in (
        ("objectives", Objective, objectives),
        ("initiatives", Initiative, initiatives),
    ):
        if keys is None:
            continue
        rows = {o.key: o for o in scoped(actor, model.objects.filter(key__in=keys))}
        errors += [
            (f"{name}[{i}]", say("no_such", what=name[:-1], ref=k))
            for i, k in enumerate(keys)
            if k not in rows
        ]
        found[name] = list(rows.values())
    if errors:
        raise Invalid("invalid links", errors)
    for name, rows in found.items():
        getattr(item, name).set(rows)
    audit.record(
        actor, "link", AuditType.FEEDBACK, str(item.pk),
        after={name: sorted(r.key for r in rows) for name, rows in found.items()},
    )  # fmt: skip
    return item


# --- reading ---------------------------------------------------------------------------


def search(actor: Actor, q: str = "", channel: str = "", segment: str = "", tag: str = "",
           since: date | None = None, until: date | None = None) -> QuerySet[FeedbackItem]:  # fmt: skip
    items = scoped(actor, FeedbackItem.objects.all())
    if q:
        items = items.filter(
            Q(text__icontains=q) | Q(channel__icontains=q) | Q(segment__icontains=q)
        )
    if channel:
        items = items.filter(channel=channel)
    if segment:
        items = items.filter(segment=segment)
    if tag:
        # JSON containment is not on SQLite; tags are lower-case words, stored as a JSON list.
        items = items.filter(tags__icontains=f'"{tag.lower()}"')
    if since:
        items = items.filter(received__gte=since)
    if until:
        items = items.filter(received__lte=until)
    return items


def metrics(items: QuerySet[FeedbackItem], window_days: int | None = None) -> dict:
    if window_days:
        items = items.filter(received__gte=timezone.localdate() - timedelta(days=window_days - 1))
    rows = list(items.values_list("rating", "nps", "tags"))
    return {
        "count": len(rows),
        "average_rating": average_rating(r[0] for r in rows),
        "rated": sum(1 for r in rows if r[0] is not None),
        "nps": nps(r[1] for r in rows),
        "nps_answers": sum(1 for r in rows if r[1] is not None),
        "volume_by_tag": volume_by_tag(r[2] or [] for r in rows),
    }


def channels(actor: Actor) -> list[str]:
    return list(
        scoped(actor, FeedbackItem.objects.all())
        .order_by("channel")
        .values_list("channel", flat=True)
        .distinct()
    )
