"""The worked example of docs/roadmap.md, computed from the demo bank: the docs stay true."""

import re
from datetime import date

import pytest

from pilote import demo
from pilote.goals.queries import Snapshot
from pilote.interchange.importer import import_data
from pilote.orgs.access import Actor
from pilote.orgs.models import Organization
from pilote.roadmap.ranking import Roadmap

TODAY = date(2027, 3, 15)


@pytest.fixture
def roadmap(db):
    import_data(demo.document(TODAY))
    actor = Actor.system(Organization.objects.get(name=demo.ORGANIZATION))
    return Roadmap(actor, Snapshot(actor, TODAY))


def test_the_demo_ledger_is_the_one_in_the_docs(roadmap):
    led = roadmap.org_ledger
    assert led.reviewed == 3
    assert led.delivered_half == pytest.approx(2 / 3)
    assert round(led.mean_ratio, 2) == 0.51 and round(led.calibration, 2) == 0.51
    ratios = {
        r.bid.key: round(r.reviews[0].ratio, 2)
        for r in roadmap.ranked(include_closed=True)
        if r.reviews
    }
    assert ratios == {"connexion-biometrique": 0.55, "faq-selfcare": 0.52, "cache-api": 0.47}


def test_the_worked_example_score_and_rank(roadmap):
    chatbot = next(r for r in roadmap.ranked() if r.bid.key == "chatbot-v1")
    terms = [t.value for t in chatbot.score.explanation.terms]
    assert terms == [
        pytest.approx(0.667 / 3.5, abs=1e-3),
        pytest.approx(0.1333 * 0.5 / 3.5, abs=1e-4),
    ]
    assert chatbot.score.value == pytest.approx(0.0043, abs=5e-5)
    assert chatbot.rank == 3


def test_the_demo_has_unaligned_work_and_uncovered_results(roadmap):
    assert {r.bid.key for r in roadmap.unaligned()} == {"nouveau-logo", "refonte-intranet"}
    count, shown = roadmap.uncovered()
    assert count == len(shown) > 0


def test_the_demo_timeline_shows_its_planned_quarters(roadmap):
    groups = dict(roadmap.timeline())
    planned = [q for q in groups if q]
    assert planned and all(re.fullmatch(r"\d{4}-T[1-4]", q) for q in planned)
    # "Later" stays unscheduled, and nothing planned is in that group.
    assert all((r.bid.horizon or "later") == "later" for r in groups.get("", []))


def test_scores_read_as_points_out_of_100_of_the_best_open_initiative(roadmap):
    ranked = [r for r in roadmap.ranked() if r.score.value is not None]
    best = ranked[0].score.value
    assert ranked[0].points == 100 and ranked[0].rank == 1
    for r in ranked:
        assert r.points == round(100 * r.score.value / best)
    chatbot = next(r for r in ranked if r.bid.key == "chatbot-v1")
    assert 0 < chatbot.points < 100
