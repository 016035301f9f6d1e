"""What an app process sets once it has loaded: the pace of Python's garbage collector.

A read of a large tree makes ~100,000 short-lived objects (rows, dicts, figures); with the
collector's default pace (a young collection every 700 allocations, a full one every
~70,000) the full collections scanned every object of the process again and again: a
third of the whole-tree API's time at 10,000 people (in-process, 1.8 s with the default
pace, 1.15 s with this one; benchmarks/results/2026-12-01-session-6.md). Reference
counting still frees every object that is not in a cycle at once; only cyclic garbage
waits longer. ``gc.freeze`` moves what loading made (modules, classes, templates) out of
the collector's sight: it lives as long as the process anyway.
"""

from __future__ import annotations

import gc

# (young, middle, old): a young collection every 50,000 allocations, a middle one every 20
# young, a full one every 100 middle (the last also waits until a quarter of the objects
# are new: CPython's own rule).
THRESHOLDS = (50_000, 20, 100)


def settle() -> None:
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
