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


@pytest.mark.parametrize("path", ["/strategy/", "/roadmap/", "/api/v1/cycles/q/tree"])
def test_every_request_is_built_with_the_collector_held_off_and_leaves_it_running(
    world, db, monkeypatch, path
):
    from django.template import base

    from tests.conftest import signed_in

    seen = []
    real = base.Template.render if path[1] != "a" else None
    if real is not None:  # a page: while its template is rendered

        def render(self, context):
            seen.append(gc.isenabled())
            return real(self, context)

        monkeypatch.setattr(base.Template, "render", render)
    response = signed_in("executive@acme.example").get(path)
    assert response.status_code == 200, response.content[:300]
    assert gc.isenabled()
    if real is not None:
        assert seen and not any(seen)


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
