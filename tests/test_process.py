"""The cyclic collector is held off while one large answer is built (pilote/process.py)."""

import gc

import pytest

from pilote.process import collecting_after


def test_the_collector_waits_inside_the_block_and_runs_again_after_it_even_on_error():
    assert gc.isenabled()
    with collecting_after():
        assert not gc.isenabled()
        with collecting_after():  # nested: leaves it as it found it
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), collecting_after():
        raise ZeroDivisionError
    assert gc.isenabled()


def test_the_tree_answer_leaves_the_collector_running(api, monkeypatch):
    seen = []
    from pilote.api import routes_goals

    real = routes_goals._tree

    def spy(*args):
        seen.append(gc.isenabled())
        return real(*args)

    monkeypatch.setattr(routes_goals, "_tree", spy)
    assert api("viewer").get("/cycles/q/tree").status_code == 200
    assert seen == [False] and gc.isenabled()
    assert api("viewer").get("/cycles/nope/tree").status_code == 404 and gc.isenabled()
