"""Metrics over market and user feedback (pure; PRODUCT.md "Feedback")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

METRICS = ("average_rating", "nps", "volume")


def average_rating(ratings: Iterable[float | None]) -> float | None:
    """Mean of the given ratings, ignoring items without one; None when there is none."""
    values = [r for r in ratings if r is not None]
    return sum(values) / len(values) if values else None


def nps(scores: Iterable[int | None]) -> float | None:
    """Net Promoter Score: % promoters (9–10) − % detractors (0–6), from −100 to 100."""
    values = [s for s in scores if s is not None]
    if not values:
        return None
    promoters = sum(1 for s in values if s >= 9)
    detractors = sum(1 for s in values if s <= 6)
    return 100.0 * (promoters - detractors) / len(values)


def volume_by_tag(tag_lists: Iterable[Sequence[str]]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for tags in tag_lists:
        counts.update(set(tags))
    return dict(counts.most_common())
