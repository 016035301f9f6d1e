"""Python's cyclic garbage collector held off while one large answer is built.

The whole-tree API at 10,000 people makes ~100,000 short-lived objects (rows, nodes, dicts)
in one request; CPython's collector runs a full collection each time the objects that
survived young collections grow by a quarter, and each full collection scans every object
of the process: a large answer paid for being large several times over. Measured
in-process, interleaved, medians of 9 (session 6): 2,122 ms with the default pace,
1,182 ms with a slower pace for the whole process — which cost 30 to 130 MB more per
process after a round of every page, above the 200 MB budget of issue 12's table.

Held off for the one answer instead: reference counting frees every object that is not in
a cycle as soon as it is unused, as always (the tree's rows and nodes hold no cycles);
cyclic garbage made meanwhile waits for the next collection after it. The process's
collector then runs at its default pace for everything else.

Every request is such a block (``CollectorMiddleware``, outermost): the same cause showed
on every page that reads many rows — the roadmap board at 100,000 people (10,000
initiatives) took 650 ms with the collector running during the request, 355 ms with it
held off (in-process, interleaved, session 13); the timeline and the uncovered KRs the
same way. The one collection that follows a request finds little: its rows were freed by
their references as it went.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collecting_after() -> Iterator[None]:
    """No cyclic collection inside the block (a collection may follow it as usual).

    Sync views of one process run in one thread under ASGI (Django's thread-sensitive
    mode), so two blocks never overlap; a nested block leaves the collector as it found it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class CollectorMiddleware:
    """Each request built with the cyclic collector held off (``collecting_after``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with collecting_after():
            return self.get_response(request)
