"""Carry-over rules (pilote/okr/carry.py) over random closed cycles: nothing lost or
duplicated, baselines from the last values, alignments re-pointed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pilote.okr.carry import (
    CARRIED,
    Decision,
    KRToCarry,
    ToCarry,
    carry_plan,
    new_baseline,
    new_key,
)

values = st.floats(min_value=-1000, max_value=1000, allow_nan=False).map(lambda v: round(v, 2))


@st.composite
def krs(draw, prefix: str):
    out = []
    for i in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["increase", "decrease", "boolean", "maintain", "milestone"]))
        baseline = target = minimum = maximum = None
        milestones = 0
        if kind in ("increase", "decrease"):
            baseline = draw(values)
            step = draw(st.floats(min_value=0.5, max_value=100).map(lambda v: round(v, 2)))
            target = baseline + step if kind == "increase" else baseline - step
        elif kind == "maintain":
            minimum = draw(values)
        elif kind == "milestone":
            milestones = draw(st.integers(1, 5))
        last = draw(st.none() | values)
        out.append(KRToCarry(f"{prefix}-kr{i}", kind, baseline, target, minimum, maximum,
                             milestones, last))  # fmt: skip
    return tuple(out)


@st.composite
def cycles(draw):
    """Objectives of a closed cycle, each aligned to earlier ones (no alignment cycle) or to
    objectives outside the cycle ("x…"), each with a decision."""
    n = draw(st.integers(0, 8))
    objectives = []
    for i in range(n):
        parents = draw(
            st.lists(st.sampled_from([f"o{j}" for j in range(i)] + ["x1", "x2"]), unique=True,
                     max_size=3)
        )  # fmt: skip
        decision = draw(st.sampled_from([d.value for d in Decision]))
        objectives.append(ToCarry(f"o{i}", decision, tuple(parents), draw(krs(f"o{i}"))))
    kept = draw(st.dictionaries(st.sampled_from(["x1", "x2"]), st.sampled_from(["y1", "y2"])))
    taken = draw(st.sets(st.sampled_from(["o0-q2", "o1-q2", "o0-kr0-q2", "o2-q2-2"])))
    return objectives, kept, taken


@settings(max_examples=300, deadline=None)
@given(cycles())
def test_carry_over_loses_nothing_duplicates_nothing_and_starts_from_the_last_values(case):
    objectives, kept, taken = case
    all_keys = {o.key for o in objectives} | {k.key for o in objectives for k in o.key_results}
    plan, errors = carry_plan(objectives, "q2", taken=taken | all_keys, parents_kept=kept)
    carried = [o for o in objectives if o.decision in CARRIED]
    # Every objective decided keep or change exactly once; none decided defer or drop.
    assert [c.came_from for c in plan] == [o.key for o in carried]
    # New keys are new: unique, and none already taken.
    new = [c.key for c in plan] + [k.key for c in plan for k in c.key_results]
    assert len(new) == len(set(new)) and not set(new) & (taken | all_keys)
    assert all(len(k) <= 100 for k in new)
    by_key = {c.came_from: c for c in plan}
    for o in carried:
        c = by_key[o.key]
        # Every KR once, in order, starting from its last value (metric KRs), target kept.
        assert [k.came_from for k in c.key_results] == [k.key for k in o.key_results]
        for old, k in zip(o.key_results, c.key_results, strict=True):
            assert k.target == old.target
            if old.kind in ("increase", "decrease") and old.last_value is not None:
                assert k.baseline == old.last_value
            else:
                assert k.baseline == old.baseline
        # Each parent: re-pointed to its carried objective, kept where it lives on, or said.
        assert len(c.aligns_to) + len(c.unaligned) == len(o.parents)
        for p in o.parents:
            if p in by_key:
                assert by_key[p].key in c.aligns_to
            elif p in kept:
                assert kept[p] in c.aligns_to
            else:
                assert p in c.unaligned
    # An error exactly where a metric KR's last value already reaches its target.
    reached = {
        f"key_results.{k.key}.target"
        for o in carried
        for k in o.key_results
        if k.kind in ("increase", "decrease")
        and k.last_value is not None
        and (k.last_value >= k.target if k.kind == "increase" else k.last_value <= k.target)
    }
    assert {path for path, _ in errors} == reached


@given(st.text(alphabet="abc-", min_size=1, max_size=120), st.sets(st.text("abc-", max_size=5)))
def test_a_new_key_is_short_and_free(key, taken):
    made = new_key(key.strip("-") or "a", "q2", taken)
    assert made not in taken and len(made) <= 100


def test_a_new_target_clears_the_error_of_a_target_reached():
    o = ToCarry("o", "keep", (), (KRToCarry("k", "increase", 1.0, 5.0, last_value=6.0),))
    assert new_baseline(o.key_results[0]) == 6.0
    _, errors = carry_plan([o], "q2")
    assert [p for p, _ in errors] == ["key_results.k.target"]
    (c,), errors = carry_plan([o], "q2", targets={"k": 8.0})
    assert errors == [] and (c.key_results[0].baseline, c.key_results[0].target) == (6.0, 8.0)


def test_defer_and_drop_hold_the_status_they_replace_and_keep_gives_it_back():
    from pilote.okr.carry import decided_status

    assert decided_status("drop", "approved", "") == ("dropped", "approved")
    assert decided_status("defer", "dropped", "approved") == ("deferred", "approved")
    assert decided_status("keep", "deferred", "approved") == ("approved", "")
    assert decided_status("change", "dropped", "") == ("draft", "")
    assert decided_status("keep", "submitted", "") == ("submitted", "")
