"""Every edge case PRODUCT.md names, as examples."""

from datetime import date

import pytest

from pilote.okr.grading import effective_grade, grade_color, grade_errors
from pilote.okr.pace import expected_progress, kr_status, worst_status
from pilote.okr.progress import (
    current_reading,
    definition_errors,
    infer_kind,
    kr_progress,
    value_errors,
)
from pilote.okr.rollup import (
    RollupTerm,
    explain_objective_progress,
    objective_progress,
    objective_status,
)
from pilote.okr.types import KeyResultFacts, Kind, Phase, Policy, Reading, Status
from pilote.okr.workflow import Transition, WorkflowStatus, transition_error

INC = KeyResultFacts(Kind.INCREASE, baseline=60, target=72)
DEC = KeyResultFacts(Kind.DECREASE, baseline=8.5, target=6)
START, END = date(2027, 1, 1), date(2027, 6, 30)


def test_metric_progress_is_the_share_of_the_way_from_baseline_to_target():
    assert kr_progress(INC, 66) == pytest.approx(0.5)
    assert kr_progress(
        KeyResultFacts(Kind.INCREASE, baseline=4.1, target=4.8), 4.3
    ) == pytest.approx(0.2 / 0.7)


def test_metric_progress_is_clamped_to_zero_and_one():
    assert kr_progress(INC, 50) == 0.0
    assert kr_progress(INC, 80) == 1.0


def test_a_decreasing_kr_progresses_as_its_value_falls():
    assert kr_progress(DEC, 7.25) == pytest.approx(0.5)
    assert kr_progress(DEC, 9) == 0.0
    assert kr_progress(DEC, 5) == 1.0


def test_no_check_in_means_no_data_never_zero():
    assert kr_progress(INC, None) is None


def test_boolean_progress_is_zero_or_one():
    b = KeyResultFacts(Kind.BOOLEAN)
    assert kr_progress(b, 0) == 0.0 and kr_progress(b, 1) == 1.0


def test_milestone_progress_is_done_over_total():
    m = KeyResultFacts(Kind.MILESTONE, milestones=4)
    assert kr_progress(m, 3) == 0.75


@pytest.mark.parametrize(
    ("minimum", "maximum", "value", "expected"),
    [
        (80, None, 80, 1.0),
        (80, None, 79.9, 0.0),
        (None, 5, 5, 1.0),
        (None, 5, 6, 0.0),
        (1, 2, 1.5, 1.0),
        (1, 2, 2.5, 0.0),
    ],
)
def test_maintain_progress_is_one_inside_the_bounds_else_zero(minimum, maximum, value, expected):
    assert (
        kr_progress(KeyResultFacts(Kind.MAINTAIN, minimum=minimum, maximum=maximum), value)
        == expected
    )


def test_target_equal_to_baseline_is_rejected_for_metrics():
    assert ("target", "must differ from baseline") in definition_errors(
        KeyResultFacts(Kind.INCREASE, baseline=5, target=5)
    )


def test_kind_follows_from_baseline_and_target_when_omitted():
    assert infer_kind(60, 72) == Kind.INCREASE
    assert infer_kind(8.5, 6) == Kind.DECREASE
    assert infer_kind(5, 5) is None
    assert infer_kind(None, 5) is None


def test_maintain_needs_a_bound_and_milestones_need_a_list():
    assert definition_errors(KeyResultFacts(Kind.MAINTAIN))
    assert definition_errors(KeyResultFacts(Kind.MILESTONE, milestones=0))
    assert definition_errors(KeyResultFacts(Kind.MAINTAIN, minimum=3, maximum=1))


def test_increase_with_a_lower_target_is_rejected():
    assert definition_errors(KeyResultFacts(Kind.INCREASE, baseline=10, target=5))


def test_check_in_values_of_boolean_and_milestone_krs_are_checked():
    assert value_errors(KeyResultFacts(Kind.BOOLEAN), 0.5)
    assert value_errors(KeyResultFacts(Kind.MILESTONE, milestones=3), 4)
    assert value_errors(KeyResultFacts(Kind.MILESTONE, milestones=3), 1.5)
    assert not value_errors(KeyResultFacts(Kind.MILESTONE, milestones=3), 3)


def test_current_value_is_latest_by_effective_date_and_ties_go_to_the_latest_recorded():
    a = Reading(1, date(2027, 2, 1), sequence=1)
    b = Reading(2, date(2027, 3, 1), sequence=2)
    late_entry_of_older_date = Reading(3, date(2027, 1, 15), sequence=3)
    assert current_reading([a, b, late_entry_of_older_date]) == b
    tie = Reading(4, date(2027, 3, 1), sequence=5)
    assert current_reading([tie, b]) == tie
    assert current_reading([]) is None


def test_objective_progress_is_the_weighted_mean():
    terms = [RollupTerm("a", 1, 0.5), RollupTerm("b", 3, 1.0)]
    assert objective_progress(terms) == pytest.approx((0.5 + 3) / 4)


def test_a_term_without_data_counts_as_zero_when_another_has_data():
    assert objective_progress([RollupTerm("a", 1, 0.8), RollupTerm("b", 1, None)]) == pytest.approx(
        0.4
    )


def test_an_objective_whose_terms_have_no_data_has_no_data():
    assert objective_progress([RollupTerm("a", 1, None), RollupTerm("b", 2, None)]) is None
    assert objective_progress([]) is None


def test_the_explanation_lists_terms_weights_and_values():
    ex = explain_objective_progress(
        [RollupTerm("key result x", 2, 0.5), RollupTerm("key result y", 1, None)]
    )
    assert ex.value == pytest.approx(1 / 3)
    assert [(t.label, t.weight, t.value) for t in ex.terms] == [
        ("key result x", 2, 0.5),
        ("key result y", 1, None),
    ]
    assert any("count as 0" in n for n in ex.notes)


def test_expected_progress_runs_from_start_to_the_last_day_and_is_clamped():
    assert expected_progress(START, END, START) == 0.0
    assert expected_progress(START, END, date(2027, 4, 1)) == pytest.approx(90 / 180)
    assert expected_progress(START, END, END) == 1.0
    assert expected_progress(START, END, date(2026, 12, 1)) == 0.0
    assert expected_progress(START, END, date(2027, 9, 1)) == 1.0


def test_expected_progress_follows_phased_targets_when_given():
    facts = KeyResultFacts(
        Kind.INCREASE, baseline=0, target=100, phases=(Phase(date(2027, 4, 1), 20),)
    )
    assert expected_progress(START, END, date(2027, 4, 1), facts) == pytest.approx(0.2)
    # halfway between the phase (0.2 on Apr 1) and the end (1.0 on Jun 30)
    assert expected_progress(START, END, date(2027, 5, 16), facts) == pytest.approx(
        0.2 + 0.8 * 45 / 90
    )


def _status(facts, value, on, *, effective=None, confidence=None, expected=0.5):
    reading = Reading(value, effective or on, confidence)
    return kr_status(facts, reading, kr_progress(facts, value), expected, on)


def test_status_no_data_comes_first():
    assert kr_status(INC, None, None, 0.5, date(2027, 4, 1)) == Status.NO_DATA


def test_status_outdated_after_rhythm_plus_grace():
    on = date(2027, 4, 1)
    assert (
        _status(INC, 72, on, effective=date(2027, 3, 18)) == Status.ON_TRACK
    )  # 14 days: still fresh
    assert _status(INC, 72, on, effective=date(2027, 3, 17)) == Status.OUTDATED  # 15 days


def test_the_organisation_can_change_the_rhythm():
    on = date(2027, 4, 1)
    reading = Reading(72, date(2027, 3, 12))  # 20 days old
    assert (
        kr_status(INC, reading, 1.0, 0.5, on, Policy(rhythm_days=14, grace_days=7))
        == Status.ON_TRACK
    )


@pytest.mark.parametrize(
    ("value", "status"),
    [
        (66, Status.ON_TRACK),
        (64.79, Status.AT_RISK),
        (64.8, Status.ON_TRACK),
        (62.9, Status.OFF_TRACK),
        (63.1, Status.AT_RISK),
    ],
)
def test_metric_status_from_pace(value, status):
    # expected 0.5; progress (value-60)/12. 10 points behind = 64.8; 25 points behind = 63.0
    assert _status(INC, value, date(2027, 4, 1)) == status


def test_milestone_status_from_pace():
    m = KeyResultFacts(Kind.MILESTONE, milestones=4)
    assert _status(m, 2, date(2027, 4, 1)) == Status.ON_TRACK
    assert (
        _status(m, 1, date(2027, 4, 1)) == Status.AT_RISK
    )  # 25 points behind exactly: not "more than 25"
    assert _status(m, 0, date(2027, 4, 1)) == Status.OFF_TRACK


def test_boolean_status():
    b = KeyResultFacts(Kind.BOOLEAN, due=date(2027, 6, 30))
    on = date(2027, 4, 1)
    assert _status(b, 1, on, confidence=0) == Status.ON_TRACK
    assert _status(b, 0, on, confidence=7) == Status.ON_TRACK
    assert _status(b, 0, on, confidence=4) == Status.AT_RISK
    assert _status(b, 0, on, confidence=3) == Status.OFF_TRACK
    late = date(2027, 7, 2)
    assert _status(b, 0, late, confidence=9) == Status.OFF_TRACK


def test_maintain_status():
    m = KeyResultFacts(Kind.MAINTAIN, minimum=99.5)
    assert _status(m, 99.7, date(2027, 4, 1)) == Status.ON_TRACK
    assert _status(m, 99.2, date(2027, 4, 1)) == Status.OFF_TRACK


def test_objective_status_is_the_worst_in_the_documented_order():
    order = [Status.OFF_TRACK, Status.AT_RISK, Status.OUTDATED, Status.NO_DATA, Status.ON_TRACK]
    for i, worst in enumerate(order):
        assert worst_status(order[i:]) == worst
    assert objective_status([]) == Status.NO_DATA
    assert (
        objective_status(
            [RollupTerm("a", 1, 1.0, Status.ON_TRACK), RollupTerm("b", 1, None, Status.NO_DATA)]
        )
        == Status.NO_DATA
    )


def test_grades_colours_and_overrides():
    assert grade_color(0.7) == "green" and grade_color(0.69) == "yellow"
    assert grade_color(0.4) == "yellow" and grade_color(0.39) == "red"
    assert grade_color(None) is None
    assert effective_grade(0.3, 0.6) == 0.6 and effective_grade(0.3, None) == 0.3
    assert grade_errors(0.5, "") == [("reason", "a grade override needs a written reason")]
    assert grade_errors(1.5, "because")


def test_workflow_only_executives_validate_and_never_their_own():
    sub = WorkflowStatus.SUBMITTED
    assert transition_error(Transition.APPROVE, sub, actor_is_executive=False, actor_owns=False)
    assert transition_error(Transition.APPROVE, sub, actor_is_executive=True, actor_owns=True)
    assert (
        transition_error(Transition.APPROVE, sub, actor_is_executive=True, actor_owns=False) is None
    )


def test_requesting_changes_needs_a_comment():
    sub = WorkflowStatus.SUBMITTED
    assert "comment" in transition_error(
        Transition.REQUEST_CHANGES, sub, actor_is_executive=True, actor_owns=False, comment=" "
    )
    assert (
        transition_error(
            Transition.REQUEST_CHANGES,
            sub,
            actor_is_executive=True,
            actor_owns=False,
            comment="why",
        )
        is None
    )


def test_workflow_transitions_start_only_from_their_states():
    assert transition_error(
        Transition.APPROVE, WorkflowStatus.DRAFT, actor_is_executive=True, actor_owns=False
    )
    assert transition_error(
        Transition.SUBMIT, WorkflowStatus.APPROVED, actor_is_executive=True, actor_owns=False
    )
    assert (
        transition_error(
            Transition.BACK_TO_DRAFT,
            WorkflowStatus.CHANGES_REQUESTED,
            actor_is_executive=False,
            actor_owns=True,
        )
        is None
    )


def test_a_check_in_is_due_after_the_rhythm():
    from pilote.okr.pace import check_in_due

    on = date(2027, 4, 1)
    assert check_in_due(None, on)
    assert not check_in_due(Reading(1, date(2027, 3, 25)), on)  # 7 days: on rhythm
    assert check_in_due(Reading(1, date(2027, 3, 24)), on)
