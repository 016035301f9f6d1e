"""Feedback metric: a number computed over the organisation's feedback items.

The bank's « note de 4,8 sur l'Espace Client » is ``average_rating`` over the last 90
days of the "App Store" channel; an NPS key result is ``nps`` over a survey channel.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pilote.messages import say
from pilote.okr.feedback import METRICS, average_rating, nps

from .base import Param, Reading, SourceConfig, SourceError, register


class FeedbackMetric:
    name = "feedback"
    label = _("Feedback metric")
    parameters = (
        Param(
            "metric",
            _("what is measured over the feedback"),
            label=_("Metric"),
            choices=tuple(METRICS),
        ),
        Param(
            "window_days",
            _("the last N days (default 90)"),
            required=False,
            label=_("Window (days)"),
            number=True,
        ),
        Param(
            "channel", _("only this channel, e.g. App Store"), required=False, label=_("Channel")
        ),
        Param("segment", _("only this segment"), required=False, label=_("Segment")),
        Param("tag", _("only items with this tag"), required=False, label=_("Tag")),
    )

    def fetch(self, config: SourceConfig) -> Reading:
        from ..models import FeedbackItem

        p = config.params
        metric = p.get("metric")
        if metric not in METRICS:
            raise SourceError(
                say("param_one_of", label=say("label_metric"), values=", ".join(METRICS))
            )
        days = int(p.get("window_days") or 90)
        since = timezone.localdate() - timedelta(days=days - 1)
        items = FeedbackItem.objects.filter(
            organization_id=config.organization_id, received__gte=since
        )
        if p.get("channel"):
            items = items.filter(channel=p["channel"])
        if p.get("segment"):
            items = items.filter(segment=p["segment"])
        rows = list(items.values_list("rating", "nps", "tags"))
        if p.get("tag"):
            rows = [r for r in rows if p["tag"] in (r[2] or [])]
        if metric != "volume":  # only the items that carry the measure count
            rows = [r for r in rows if r[0 if metric == "average_rating" else 1] is not None]
        if metric == "volume":
            value: float | None = float(len(rows))
        elif metric == "average_rating":
            value = average_rating(r[0] for r in rows)
        else:
            value = nps(r[1] for r in rows)
        if value is None:
            raise SourceError(say("no_feedback", metric=say(f"metric_{metric}"), days=days))
        return Reading(
            round(value, 4), f"{metric} over {len(rows)} items, {days} days", timezone.now()
        )


register(FeedbackMetric())
