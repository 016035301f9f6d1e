"""What an app process sets once it has loaded: the pace of Python's garbage collector.

A read of a large tree makes ~100,000 short-lived objects (rows, dicts, figures); with the
collector's default pace (a young collection every 700 allocations, a full one every
~70,000) the full collections scanned every object of the process again and again.
Measured in-process on the whole-tree API at 10,000 people, interleaved, medians of 9:
2,122 ms with the default pace, 1,182 ms with this one (session 6). Reference counting
still frees every object that is not in a cycle at once; only cyclic garbage waits longer,
which costs memory: the process after a round of every page was 122 MB with the default
pace, 150–200 MB with this one (the unpaged whole tree's high-water mark dominates).
``gc.freeze()`` after loading was tried as well: no measurable gain, and more memory.
"""

from __future__ import annotations

import gc

# (young, middle, old): a young collection every 50,000 allocations, a middle one every 20
# young, a full one every 10 middle (and only once a quarter of the objects are new:
# CPython's own rule).
THRESHOLDS = (50_000, 20, 10)


def settle() -> None:
    gc.set_threshold(*THRESHOLDS)
