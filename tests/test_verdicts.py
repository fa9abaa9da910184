"""The verdict rules (harness.verdict) and the evidence they read (harness.stats): each rule can produce each
verdict, and every kind of check a claim uses says something other than "holds" on a counter-example."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness import stats
from harness.record import Record
from harness.verdict import ALPHA, Check, DesignError, converged, decide, holm, reached

RNG = np.random.default_rng(10_000)


def verdict_of(*evidence, requires=()) -> str:
    return decide([Check(f"check {i}", e, tuple(requires)) for i, e in enumerate(evidence)]).verdict


# --- paired tests: holds, refuted, inconclusive ----------------------------------------------------

@pytest.mark.parametrize("method", ["wilcoxon", "sign"])
def test_a_clear_effect_in_the_claimed_direction_holds(method):
    x = np.arange(12.0)
    assert verdict_of(stats.paired(1.1 * x + 1, x, "greater", method)) == "holds"


@pytest.mark.parametrize("method", ["wilcoxon", "sign"])
def test_the_opposite_effect_is_refuted(method):
    x = np.arange(12.0)
    decision = decide([Check("deeper is lower", stats.paired(1.1 * x + 1, x, "less", method))])
    assert decision.verdict == "refuted" and "the opposite" in decision.reason


def test_a_tie_is_inconclusive_and_says_so():
    decision = decide([Check("faster", stats.paired(np.full(12, 2010.0), np.full(12, 2010.0), "less", "sign"))])
    assert decision.verdict == "inconclusive" and "tied in 12 of 12 pairs" in decision.reason


def test_a_non_significant_effect_is_inconclusive_with_the_seeds_that_would_decide_it():
    noise = np.random.default_rng(10_001).normal(size=12)
    decision = decide([Check("lower", stats.paired(noise + 0.25, np.random.default_rng(10_002).normal(size=12),
                                                   "greater"))])
    check = decision.checks[0]
    assert decision.verdict == "inconclusive" and check.status == "undecided"
    assert check.seeds_needed is not None and check.seeds_needed > 12 and "would decide it" in check.why


def test_holm_across_a_variants_checks_can_turn_two_single_successes_into_inconclusive():
    # 9 wins of 11 pairs: one-sided sign-test p = 0.033 < 0.05 alone; Holm over two such tests gives 0.065
    x, y = np.r_[np.ones(9), np.zeros(2)], np.r_[np.zeros(9), np.ones(2)]
    one = stats.paired(x, y, "greater", "sign")
    assert one.p < ALPHA and verdict_of(one) == "holds"
    assert verdict_of(one, one) == "inconclusive"


def test_refuted_wins_over_a_supporting_check():
    x = np.arange(10.0)
    assert verdict_of(stats.paired(1.1 * x + 1, x, "greater"), stats.paired(x, 1.1 * x + 1, "greater")) == "refuted"


# --- the power rule ---------------------------------------------------------------------------------

def test_a_check_that_can_never_reach_alpha_is_a_design_error_not_a_verdict():
    x = np.arange(4.0)  # a sign test over 4 pairs reaches p = 1/16 at best
    with pytest.raises(DesignError, match="smallest attainable p .* is 0.0625"):
        decide([Check("4 pairs", stats.paired(x + 1, x, "greater", "sign"))])


def test_holm_is_part_of_the_power_rule():
    x = np.arange(6.0)  # 1/64 = 0.016 passes alone, but not Holm's first rung over four tests (0.0125)
    decide([Check("one", stats.paired(x + 1, x, "greater", "sign"))])
    with pytest.raises(DesignError, match="Holm's correction over 4 tests"):
        decide([Check(str(i), stats.paired(x + 1, x, "greater", "sign")) for i in range(4)])


# --- censored time to a threshold ---------------------------------------------------------------------

def test_never_reached_is_censored_and_the_log_rank_test_decides():
    deep_steps = np.r_[np.full(8, 300.0), np.zeros(4)]
    deep_reached = deep_steps > 0
    shallow_steps, shallow_reached = np.zeros(12), np.zeros(12, bool)
    faster = stats.earlier(deep_steps, deep_reached, shallow_steps, shallow_reached, budget=2000)
    assert faster.method.startswith("log-rank") and verdict_of(faster) == "holds"
    # the same data the other way round is evidence against "shallow is faster"
    assert verdict_of(stats.earlier(shallow_steps, shallow_reached, deep_steps, deep_reached, budget=2000)) == "refuted"
    # nobody reached it: no information, whatever the test would say about identical censored samples
    nobody = stats.earlier(shallow_steps, shallow_reached, shallow_steps, shallow_reached, budget=2000)
    assert nobody.no_information and verdict_of(nobody) == "inconclusive"


def test_every_run_reaching_at_the_same_step_is_a_tie_not_an_error():
    """scipy's log-rank statistic is 0/0 (NaN) when every run of both groups has its event at one step."""
    same = np.full(8, 3.0)
    tie = stats.earlier(same, np.ones(8, bool), same, np.ones(8, bool), budget=5)
    assert tie.p == tie.p_opposite == 1.0 and "a tie" in tie.no_information
    assert verdict_of(tie) == "inconclusive"


def test_censoring_is_not_a_tie_at_the_budget():
    """4 of 12 deep runs fit, no shallow one: a sign test on steps-with-budget ties 8 pairs (p = 0.0625);
    the log-rank test reads the 8 censored runs as 'not yet' and decides."""
    deep = np.r_[np.full(4, 500.0), np.full(8, 2010.0)]
    shallow = np.full(12, 2010.0)
    assert stats.paired(deep, shallow, "less", "sign").p == pytest.approx(0.0625)
    assert stats.earlier(deep, deep < 2010, shallow, shallow < 2010, budget=2000).p < ALPHA


# --- equivalence ("at chance") ----------------------------------------------------------------------

def test_at_chance_holds_inside_the_margin_and_is_refuted_well_outside_it():
    assert verdict_of(stats.equivalent([0.098, 0.101, 0.103, 0.1, 0.099], 0.1, 0.02)) == "holds"
    assert verdict_of(stats.equivalent([0.31, 0.30, 0.33, 0.29, 0.32], 0.1, 0.02)) == "refuted"


def test_equivalence_with_too_much_spread_is_inconclusive():
    assert verdict_of(stats.equivalent([0.05, 0.15], 0.1, 0.02)) == "inconclusive"


# --- trends, proportions, thresholds -----------------------------------------------------------------

def test_a_monotone_trend_holds_one_way_and_is_refuted_the_other():
    x = np.repeat(np.arange(6), 4)
    y = x + RNG.normal(scale=0.1, size=x.size)
    assert verdict_of(stats.trend(x, y, "greater")) == "holds"
    assert verdict_of(stats.trend(x, y, "less")) == "refuted"
    assert verdict_of(stats.trend(x, RNG.normal(size=x.size), "greater")) in ("inconclusive",)
    assert verdict_of(stats.trend(x, np.ones(x.size), "greater")) == "inconclusive"  # constant: no order


def test_most_runs_is_a_binomial_test():
    assert verdict_of(stats.proportion(86, 100, 0.5)) == "holds"
    assert verdict_of(stats.proportion(0, 100, 0.5)) == "refuted"
    assert verdict_of(stats.proportion(52, 100, 0.5)) == "inconclusive"


def test_every_seed_threshold_supports_refutes_or_neither():
    assert verdict_of(stats.each_seed([0.995, 1.0, 0.999], ">=", 0.99)) == "holds"
    assert verdict_of(stats.each_seed([0.95, 0.97, 0.90], ">=", 0.99)) == "refuted"
    assert verdict_of(stats.each_seed([0.995, 0.97, 0.999], ">=", 0.99)) == "inconclusive"


def test_a_single_statistic_is_against_the_sentence_only_beyond_a_declared_threshold():
    record = Record("c")
    record.check("spread", 286.0, "<", 10.0)  # missed, nothing declared against: neither
    assert record.decide().verdict == "inconclusive"
    record = Record("c")
    record.check("spread", 286.0, "<", 10.0, against=10.0)  # the words draw the line both ways
    assert record.decide().verdict == "refuted"


def test_no_evidence_is_inconclusive():
    assert verdict_of(stats.no_evidence("only 2 runs reached a small gradient")) == "inconclusive"


# --- the budget gate ---------------------------------------------------------------------------------

def test_an_unconverged_budget_makes_any_comparison_inconclusive():
    falling = np.linspace(1.0, 0.1, 50)[None, :].repeat(3, axis=0)  # still falling steeply at the end
    flat = np.r_[np.linspace(1.0, 0.1, 40), np.full(10, 0.1)][None, :].repeat(3, axis=0)
    gate_open, gate_met = converged("7 layers", falling), converged("1 layer", flat)
    assert not gate_open.met and gate_met.met
    x = np.arange(12.0)
    for evidence in (stats.paired(1.1 * x + 1, x, "greater"), stats.paired(x, 1.1 * x + 1, "greater")):  # for or against
        decision = decide([Check("lower", evidence, (gate_open, gate_met))])
        assert decision.verdict == "inconclusive" and "budget: 7 layers" in decision.reason
    assert decide([Check("lower", stats.paired(1.1 * x + 1, x, "greater"), (gate_met,))]).verdict == "holds"


def test_a_gate_from_the_claims_own_trained_threshold():
    assert not reached("CNN", 2 / 3, "train accuracy 0.99").met and reached("CNN", 1.0, "train accuracy 0.99").met


# --- extensions cannot refute a report ----------------------------------------------------------------

def test_a_refuted_extension_is_attributed_to_the_suites_condition():
    record = Record("sensitivity", variant="x-fixed_steps")
    record.fidelity = {"tag": "extension", "condition": "fixed optimizer steps"}
    record.check("falls", stats.trend(np.arange(12), np.arange(12), "less"))
    decision = record.decide()
    assert decision.verdict == "refuted" and decision.reason.startswith("does not hold under fixed optimizer steps")


# --- properties ----------------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-5, 5, allow_nan=False), min_size=8, max_size=16), st.floats(-2, 2), st.integers(0, 2**32 - 1))
def test_swapping_the_claimed_direction_swaps_holds_and_refuted(base, shift, seed):
    x = np.asarray(base)
    y = x + shift + np.random.default_rng(seed).normal(scale=0.5, size=x.size)
    forward = verdict_of(stats.paired(y, x, "greater"))
    backward = verdict_of(stats.paired(y, x, "less"))
    swap = {"holds": "refuted", "refuted": "holds", "inconclusive": "inconclusive"}
    assert backward == swap[forward]


@settings(max_examples=40, deadline=None)
@given(st.floats(0.55, 0.95), st.floats(0.6, 1.0))
def test_a_larger_effect_never_needs_more_seeds(win, informative):
    smaller = stats.Evidence("test", "sign test", "", 10, "", power=("sign", win, informative))
    larger = stats.Evidence("test", "sign test", "", 10, "", power=("sign", min(win + 0.04, 0.99), informative))
    need_small, need_large = stats.seeds_needed(smaller, 0.05), stats.seeds_needed(larger, 0.05)
    assert need_large <= need_small + 1  # +1: the discreteness of the binomial


@settings(max_examples=12, deadline=None)  # multipletests runs gc.collect() per call: few examples
@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=8))
def test_holm_equals_statsmodels(pvalues):
    from statsmodels.stats.multitest import multipletests

    assert holm(pvalues) == pytest.approx(list(multipletests(pvalues, method="holm")[1]))


# --- issue 20 §3: equivalence counts against the sentence only outside the margin ---------------------------

def test_a_mean_inside_the_margin_is_never_refuted_however_precisely_it_differs_from_the_target():
    # mean 0.11: half a margin from 0.1, thousands of standard errors away from it, well inside 0.1 ± 0.02
    inside = 0.11 + np.random.default_rng(10_003).normal(scale=1e-4, size=8)
    decision = decide([Check("at chance", stats.equivalent(inside, 0.1, 0.02))])
    assert decision.verdict == "holds"
    near_the_edge = 0.118 + np.random.default_rng(10_004).normal(scale=0.01, size=5)  # inside, too noisy to show it
    assert verdict_of(stats.equivalent(near_the_edge, 0.1, 0.02)) == "inconclusive"


def test_a_mean_just_outside_the_margin_is_refuted_only_on_evidence():
    noisy = np.array([0.125, 0.11, 0.14, 0.115, 0.135])  # mean 0.125 > 0.12, but not shown to be beyond it
    decision = decide([Check("at chance", stats.equivalent(noisy, 0.1, 0.02))])
    assert decision.verdict == "inconclusive" and "neither inside the margin" in decision.reason
    assert "lies outside the margin" in decision.reason  # the power note: more seeds would not show equivalence
    tight = np.array([0.131, 0.128, 0.135, 0.127, 0.133])
    decision = decide([Check("at chance", stats.equivalent(tight, 0.1, 0.02))])
    assert decision.verdict == "refuted" and "outside the margin" in decision.reason


# --- issue 20 §3: zero spread is not certainty ---------------------------------------------------------------

@pytest.mark.parametrize("value", [0.1, 0.3])  # inside and far outside 0.1 ± 0.02
def test_identical_values_do_not_decide_an_equivalence_test(value):
    """sd = 0 makes the t statistics infinite (p = 0 either way); identical accuracies are a coarse measure or
    too few seeds, not a certain mean."""
    decision = decide([Check("at chance", stats.equivalent(np.full(5, value), 0.1, 0.02))])
    assert decision.verdict == "inconclusive" and "zero spread" in decision.reason


# --- issue 20 §3: the convergence criterion uses the size of the change -----------------------------------

def test_a_loss_that_rises_over_the_tail_has_not_converged():
    rising = np.r_[np.linspace(1.0, 0.1, 40), np.linspace(0.1, 0.3, 10)][None, :].repeat(3, axis=0)
    gate = converged("batch 1024", rising)
    assert not gate.met and "3 of 3 seeds rose" in gate.detail
    wobbling = np.r_[np.linspace(1.0, 0.1, 40), 0.1 * (1 + 0.01 * np.sin(np.arange(10)))][None, :].repeat(3, axis=0)
    assert converged("batch 32", wobbling).met  # a change of about 1% either way is flat


def test_the_convergence_criterion_refuses_a_table_of_tables():
    with pytest.raises(ValueError, match="seeds × records"):
        converged("net", np.ones((2, 3, 4)))


# --- issue 20 §3: the power message follows the test's own direction ---------------------------------------

OPPOSITE = "not in the claimed direction"


def test_an_outlier_does_not_turn_the_power_message_against_the_signed_rank_tests_direction():
    """6 of 8 pairs favour the sentence and so do the signed ranks (W+ = 21 of 36); one large loss makes the
    mean difference negative. The test leans the claimed way, so must its power note."""
    d = np.array([1.0, 2, 3, 4, 5, 6, -7, -100])
    decision = decide([Check("lower", stats.paired(d, np.zeros(8), "greater"))])
    check = decision.checks[0]
    assert check.status == "undecided" and OPPOSITE not in check.why
    assert check.seeds_needed is not None and "would decide it" in check.why
    backwards = decide([Check("higher", stats.paired(d, np.zeros(8), "less"))]).checks[0]
    assert backwards.status == "undecided" and OPPOSITE in backwards.why  # and the opposite still says so


def test_reaching_sooner_with_every_run_reaching_is_not_called_the_opposite_direction():
    """Every run of both reaches the threshold, a's a little sooner: the fractions reached are equal (the old
    power model compared those and said 'not in the claimed direction'); the log-rank statistic leans a's way."""
    a, b = np.array([100.0, 140, 180, 200, 230, 260, 300, 330]), np.array([120.0, 150, 210, 220, 250, 290, 340, 360])
    check = decide([Check("sooner", stats.earlier(a, np.ones(8, bool), b, np.ones(8, bool), budget=1000))]).checks[0]
    assert check.status == "undecided" and OPPOSITE not in check.why and "runs per group" in check.why


def test_no_effect_is_not_called_the_opposite_direction():
    even = stats.paired(np.array([1.0, 0, 1, 0, 1, 0, 1, 0]), np.array([0.0, 1, 0, 1, 0, 1, 0, 1]), "greater", "sign")
    check = decide([Check("higher", even)]).checks[0]
    assert check.status == "undecided" and OPPOSITE not in check.why and "no effect observed" in check.why
