"""Tests for harness.stats: known values, agreement with scipy, and refusal of NaN and bad shapes."""

import json
import math

import numpy as np
import pytest
import scipy.stats
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from harness.stats import (
    BinomialInterval,
    binomial_ci,
    bootstrap_ci,
    rank_correlation,
    sign_test,
    wilcoxon_test,
)

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


# --- binomial_ci ---------------------------------------------------------------------------


def test_binomial_zero_successes_has_lower_bound_zero():
    ci = binomial_ci(0, 10)
    assert ci.low == 0.0
    assert 0 < ci.high < 1
    assert ci.estimate == 0.0


def test_binomial_all_successes_has_upper_bound_one():
    assert binomial_ci(10, 10).high == 1.0


def test_binomial_half_is_symmetric_around_half():
    ci = binomial_ci(5, 10)
    assert ci.low + ci.high == pytest.approx(1.0)
    assert ci.contains(0.5)
    assert not ci.contains(0.01)


def test_binomial_known_value():
    # Clopper–Pearson for 412/1000 at 95%, as scipy computes it.
    ci = binomial_ci(412, 1000)
    assert ci.low == pytest.approx(0.3812, abs=1e-3)
    assert ci.high == pytest.approx(0.4433, abs=1e-3)
    assert str(ci) == "412/1000 = 0.412 (95% CI 0.381–0.443)"


def test_binomial_wider_at_higher_level():
    narrow, wide = binomial_ci(30, 100, level=0.9), binomial_ci(30, 100, level=0.99)
    assert wide.low < narrow.low and wide.high > narrow.high


@pytest.mark.parametrize("k,n", [(-1, 10), (11, 10), (0, 0), (1.5, 10)])
def test_binomial_rejects_impossible_counts(k, n):
    with pytest.raises(ValueError):
        binomial_ci(k, n)


def test_binomial_is_frozen_and_json_able():
    ci = binomial_ci(3, 7)
    with pytest.raises(AttributeError):
        ci.low = 0.0  # type: ignore[misc]
    d = ci.as_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["estimate"] == pytest.approx(3 / 7)
    assert isinstance(ci, BinomialInterval)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_binomial_contains_estimate_and_matches_scipy(kn):
    k, n = kn
    ci = binomial_ci(k, n)
    expected = scipy.stats.binomtest(k, n).proportion_ci(method="exact")
    assert (ci.low, ci.high) == (expected.low, expected.high)
    assert ci.contains(ci.estimate)


# --- sign_test -----------------------------------------------------------------------------


def test_sign_test_seven_of_eight():
    x = [1, 1, 1, 1, 1, 1, 1, 0]
    y = [0, 0, 0, 0, 0, 0, 0, 1]
    result = sign_test(x, y)
    assert (result.wins, result.losses, result.ties) == (7, 1, 0)
    assert result.p_value == pytest.approx(9 / 256)


def test_sign_test_drops_ties():
    result = sign_test([1, 2, 3, 4], [1, 2, 0, 0])
    assert (result.wins, result.losses, result.ties) == (2, 0, 2)
    assert result.p_value == pytest.approx(0.25)


def test_sign_test_all_ties_gives_p_one():
    result = sign_test([1.0, 2.0], [1.0, 2.0])
    assert result.ties == 2 and result.p_value == 1.0


def test_sign_test_accepts_tensors_and_prints():
    result = sign_test(torch.tensor([3.0, 4.0, 5.0]), np.array([1.0, 1.0, 1.0]), alternative="less")
    assert result.p_value == pytest.approx(1.0)
    assert "3 wins" in str(result)
    assert json.loads(json.dumps(result.as_dict())) == result.as_dict()


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 40).flatmap(lambda n: st.tuples(arrays(float, n, elements=finite), arrays(float, n, elements=finite))),
       st.sampled_from(["greater", "less", "two-sided"]))
def test_sign_test_matches_binomtest(xy, alternative):
    x, y = xy
    result = sign_test(x, y, alternative=alternative)
    wins, losses = int((x > y).sum()), int((x < y).sum())
    assert (result.wins, result.losses) == (wins, losses)
    if wins + losses:
        assert result.p_value == scipy.stats.binomtest(wins, wins + losses, 0.5, alternative=alternative).pvalue
    else:
        assert result.p_value == 1.0


# --- wilcoxon_test -------------------------------------------------------------------------


def test_wilcoxon_all_positive_differences():
    result = wilcoxon_test([1, 2, 3, 4, 5, 6], [0, 0, 0, 0, 0, 0])
    assert result.statistic == 21
    assert result.p_value == pytest.approx(1 / 64)
    assert result.n == 6


@settings(max_examples=25, deadline=None)
@given(st.integers(6, 30).flatmap(lambda n: st.tuples(arrays(float, n, elements=finite, unique=True),
                                                       arrays(float, n, elements=finite, unique=True))))
def test_wilcoxon_matches_scipy(xy):
    x, y = xy
    if np.any(x == y):
        return  # zero differences are handled by scipy's zero_method; compared elsewhere
    result = wilcoxon_test(x, y)
    expected = scipy.stats.wilcoxon(x, y, alternative="greater")
    assert result.statistic == expected.statistic
    assert result.p_value == expected.pvalue


# --- rank_correlation ----------------------------------------------------------------------


def test_spearman_perfectly_monotone():
    x = np.arange(6.0)
    result = rank_correlation(x, np.exp(x))
    assert result.rho == pytest.approx(1.0)
    assert result.p_value < 0.05
    assert result.n == 6


def test_kendall_perfectly_reversed():
    result = rank_correlation([1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1], method="kendall", alternative="less")
    assert result.rho == pytest.approx(-1.0)
    assert result.p_value < 0.05
    assert "kendall" in str(result)


def test_rank_correlation_refuses_constant_input():
    with pytest.warns(scipy.stats.ConstantInputWarning), pytest.raises(ValueError, match="not finite"):
        rank_correlation([1, 1, 1, 1], [1, 2, 3, 4])


def test_rank_correlation_rejects_unknown_method():
    with pytest.raises(ValueError, match="method"):
        rank_correlation([1, 2, 3], [1, 2, 3], method="pearson")


@settings(max_examples=40, deadline=None)
@given(st.integers(3, 50).flatmap(lambda n: st.tuples(arrays(float, n, elements=finite, unique=True),
                                                       arrays(float, n, elements=finite, unique=True))))
def test_spearman_and_kendall_match_scipy(xy):
    x, y = xy
    spearman = rank_correlation(x, y)
    expected = scipy.stats.spearmanr(x, y)
    assert spearman.rho == pytest.approx(expected.statistic, abs=1e-12)
    assert spearman.p_value == pytest.approx(expected.pvalue, abs=1e-12)
    kendall = rank_correlation(x, y, method="kendall")
    expected = scipy.stats.kendalltau(x, y)
    assert kendall.rho == pytest.approx(expected.statistic, abs=1e-12)
    assert kendall.p_value == pytest.approx(expected.pvalue, abs=1e-12)


# --- bootstrap_ci --------------------------------------------------------------------------


def test_bootstrap_contains_sample_mean_and_is_reproducible():
    samples = np.random.default_rng(1).normal(2.0, 1.0, size=50)
    ci = bootstrap_ci(samples, n_resamples=999)
    assert ci.estimate == pytest.approx(samples.mean())
    assert ci.low < ci.estimate < ci.high
    assert ci.contains(samples.mean())
    assert ci == bootstrap_ci(samples, n_resamples=999)
    assert ci != bootstrap_ci(samples, n_resamples=999, seed=1)
    assert ci.n == 50 and "bootstrap CI" in str(ci)
    assert json.loads(json.dumps(ci.as_dict())) == ci.as_dict()


def test_bootstrap_other_statistic_and_tensor_input():
    samples = torch.tensor([1.0, 2.0, 3.0, 4.0, 100.0])
    ci = bootstrap_ci(samples, statistic=np.median, n_resamples=999)
    assert ci.estimate == 3.0
    assert ci.low >= 1.0 and ci.high <= 100.0


def test_bootstrap_rejects_single_sample():
    with pytest.raises(ValueError, match="at least 2"):
        bootstrap_ci([1.0])


# --- rejections common to all --------------------------------------------------------------

PAIRED = [
    lambda x, y: sign_test(x, y),
    lambda x, y: wilcoxon_test(x, y),
    lambda x, y: rank_correlation(x, y),
    lambda x, y: rank_correlation(x, y, method="kendall"),
]


@pytest.mark.parametrize("test", PAIRED)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_paired_tests_reject_non_finite(test, bad):
    good = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    with pytest.raises(ValueError, match="x has 1 non-finite"):
        test([1.0, 2.0, bad, 4.0, 5.0, 6.0], good)
    with pytest.raises(ValueError, match="y has 1 non-finite"):
        test(good, torch.tensor([1.0, 2.0, bad, 4.0, 5.0, 6.0]))


@pytest.mark.parametrize("test", PAIRED)
def test_paired_tests_reject_length_mismatch(test):
    with pytest.raises(ValueError, match="different lengths"):
        test([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [1.0, 2.0, 3.0, 4.0, 5.0])


@pytest.mark.parametrize("test", PAIRED)
def test_paired_tests_reject_empty_input(test):
    with pytest.raises(ValueError, match="empty"):
        test([], [])


def test_bootstrap_rejects_nan():
    with pytest.raises(ValueError, match="non-finite"):
        bootstrap_ci([1.0, float("nan"), 3.0])


def test_bad_alternative_rejected():
    with pytest.raises(ValueError, match="alternative"):
        sign_test([1, 2], [0, 0], alternative="bigger")


# --- issue 20 §3: inputs the evidence functions refuse -----------------------------------------------

from harness import stats  # noqa: E402
from harness.verdict import converged, reached  # noqa: E402

ONE_TO_EIGHT = np.arange(1.0, 9.0)


@pytest.mark.parametrize("bad", [math.nan, math.inf, 2.0])
def test_reached_flags_must_be_flags(bad):
    """NaN converts to True (and so would 2): a broken flag must not count as a run that reached the threshold."""
    flags = np.ones(8)
    flags[3] = bad
    with pytest.raises(ValueError, match="reached_a must be flags"):
        stats.earlier(ONE_TO_EIGHT, flags, ONE_TO_EIGHT, np.ones(8, bool), budget=10)
    with pytest.raises(ValueError, match="possibly must be flags"):
        stats.none_robustly(flags, np.zeros(8, bool))


def test_a_run_cannot_reach_after_the_budget():
    with pytest.raises(ValueError, match="after the budget"):
        stats.earlier(ONE_TO_EIGHT + 10, np.ones(8, bool), ONE_TO_EIGHT, np.ones(8, bool), budget=10)


TABLE = np.arange(12.0).reshape(3, 4)  # seeds × records: flattening it would count records as seeds


@pytest.mark.parametrize("call", [
    lambda: stats.paired(TABLE, TABLE + 1, "less"),
    lambda: stats.trend(TABLE, TABLE, "greater"),
    lambda: stats.equivalent(TABLE, 0.0, 1.0),
    lambda: stats.each_seed(TABLE, ">=", 0.0),
    lambda: stats.earlier(TABLE, np.ones((3, 4), bool), TABLE, np.ones((3, 4), bool), budget=20),
    lambda: stats.none_robustly(np.zeros((2, 4), bool), np.zeros((2, 4), bool)),
    lambda: stats.bootstrap_ci(TABLE),
    lambda: stats.paired(3.0, 2.0, "greater"),
], ids=["paired", "trend", "equivalent", "each_seed", "earlier", "none_robustly", "bootstrap", "scalar"])
def test_arrays_of_the_wrong_shape_are_refused_not_flattened(call):
    with pytest.raises(ValueError, match="must be 1-D"):
        call()


@pytest.mark.parametrize("call", [
    lambda: stats.proportion(2.7, 10, 0.5),
    lambda: stats.proportion(3, math.nan, 0.5),
    lambda: stats.majority(2.5, 1, 10),
    lambda: stats.majority(2, math.inf, 10),
    lambda: stats.binomial_ci(3, 10.5),
], ids=["fraction", "nan-trials", "majority-fraction", "majority-inf", "binomial"])
def test_counts_must_be_integers(call):
    with pytest.raises(ValueError, match="must be an integer count"):
        call()


def test_integral_counts_of_any_number_type_are_accepted():
    assert stats.proportion(np.int64(7), 10.0, 0.5).n == 10


def test_equivalence_refuses_a_margin_that_is_not_a_positive_number():
    for margin in (0.0, -1.0, math.nan):
        with pytest.raises(ValueError, match="margin"):
            stats.equivalent([0.1, 0.2, 0.3], 0.2, margin)


def test_gates_refuse_nan():
    with pytest.raises(ValueError, match="NaN or infinite"):
        converged("net", [[1.0, 0.5, math.nan]])
    with pytest.raises(ValueError, match="fraction_reached"):
        reached("net", math.nan, "train accuracy 0.99")  # the mean of no seeds


# --- issue 20 §3: exact and permutation p-values at the suite's n ------------------------------------

def test_tost_p_is_the_larger_of_the_two_one_sided_t_tests():
    from statsmodels.stats.weightstats import DescrStatsW

    values = np.array([0.098, 0.104, 0.107, 0.1, 0.093, 0.111])
    ours = stats.equivalent(values, 0.1, 0.02)
    assert ours.p == pytest.approx(DescrStatsW(values).ttost_mean(0.08, 0.12)[0], rel=1e-10)
    low, high = DescrStatsW(values).tconfint_mean(alpha=0.05)
    assert (ours.effect.low, ours.effect.high) == pytest.approx((low, high), rel=1e-12)


def test_outside_the_margin_is_two_one_sided_tests_beyond_the_bounds():
    values = np.array([0.131, 0.128, 0.135, 0.127, 0.133])  # above 0.12
    beyond_upper = scipy.stats.ttest_1samp(values, 0.12, alternative="greater").pvalue
    assert stats.equivalent(values, 0.1, 0.02).p_opposite == pytest.approx(2 * beyond_upper, rel=1e-10)
    # inside the margin, however far from the target in standard errors: no evidence of "outside"
    inside = np.array([0.1101, 0.1099, 0.1100, 0.1102, 0.1098])
    assert scipy.stats.ttest_1samp(inside, 0.1).pvalue < 1e-6
    assert stats.equivalent(inside, 0.1, 0.02).p_opposite == 1.0


def _all_orderings(n):
    import itertools

    return np.array(list(itertools.permutations(range(n))), dtype=float)


@pytest.mark.parametrize("x", [np.arange(4.0), np.arange(5.0), np.arange(6.0), np.arange(7.0),
                               np.repeat(np.arange(3.0), 2), np.repeat(np.arange(2.0), 3)],
                         ids=["4", "5", "6", "7", "3x2 tied", "2x3 tied"])
def test_spearman_p_values_are_exact_at_small_n(x):
    """Over every ordering of y (the permutation null), a p-value below a level happens at most that often.
    Spearman's t-approximation fails this at n = 4 to 7 (e.g. 5.5% below 0.05 at n = 7; p = 0 for a perfect
    order at any n)."""
    orderings = _all_orderings(x.size)
    p = np.array([stats.trend(x, y, "greater").p for y in orderings])
    for level in (0.05, 0.025, 0.0125):
        assert np.mean(p < level) <= level
    perfect = stats.trend(x, np.arange(x.size, dtype=float), "greater")
    assert perfect.p == pytest.approx(perfect.min_p, rel=1e-9) and perfect.p == p.min()  # min_p: this test's


def test_spearman_p_values_match_scipys_permutation_test():
    x, y = np.array([3.0, 1, 4, 1.5, 5, 9, 2, 6]), np.array([2.7, 1.8, 2.8, 1.1, 8.3, 1.4, 5.9, 0.5])
    rx = scipy.stats.rankdata(x) - 4.5

    def rho(v, axis=-1):  # Spearman's rho of x and each row of v, vectorised
        rv = scipy.stats.rankdata(v, axis=axis) - 4.5
        return (rv @ rx) / np.sqrt((rv**2).sum(axis=axis) * (rx @ rx))

    assert rho(y) == pytest.approx(scipy.stats.spearmanr(x, y).statistic)
    reference = scipy.stats.permutation_test((y,), rho, permutation_type="pairings", vectorized=True,
                                             n_resamples=40320, alternative="greater")
    assert stats.trend(x, y, "greater").p == pytest.approx(reference.pvalue, rel=1e-12)


def test_spearman_with_many_points_uses_seeded_permutations():
    x = np.repeat(np.arange(6.0), 6)  # 6 batch sizes × 6 seeds, as C10/C11
    y = np.random.default_rng(3).normal(size=36) + 0.05 * x
    one, again = stats.trend(x, y, "greater"), stats.trend(x, y, "greater")
    assert one.p == again.p and "permutation" in one.method
    assert one.min_p == pytest.approx(1 / (stats.PERMUTATIONS + 1))
    assert one.p == pytest.approx(scipy.stats.spearmanr(x, y, alternative="greater").pvalue, abs=0.02)


# A tied design like C2's (epochs to a training accuracy, 5-epoch budget): most runs reach it at epoch 1.
TIED_TIMES = np.array([1.0, 1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 5])
TIED_REACHED = np.array([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0], bool)


def _splits(n, k):
    import itertools

    for chosen in itertools.combinations(range(n), k):
        in_a = np.zeros(n, bool)
        in_a[list(chosen)] = True
        yield in_a


def test_log_rank_p_is_the_exact_permutation_p():
    """Brute force over the 924 splits of 12 runs into 6 + 6: the log-rank statistic (observed - expected
    events of a) of each split, against the observed one."""
    times, reached_ = TIED_TIMES, TIED_REACHED
    in_a = np.array([1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1], bool)
    evidence = stats.earlier(times[in_a], reached_[in_a], times[~in_a], reached_[~in_a], budget=5)

    def observed_minus_expected(a):
        total = 0.0
        for t in np.unique(times[reached_]):
            at_risk, deaths = times >= t, (times == t) & reached_
            total += deaths[a].sum() - deaths.sum() * at_risk[a].sum() / at_risk.sum()
        return total

    null = np.array([observed_minus_expected(a) for a in _splits(12, 6)])
    observed = observed_minus_expected(in_a)
    assert evidence.p == pytest.approx(np.mean(null >= observed - 1e-9), rel=1e-12)
    assert evidence.p_opposite == pytest.approx(np.mean(null <= observed + 1e-9), rel=1e-12)


def test_log_rank_p_values_are_exact_with_tied_epochs(monkeypatch):
    """Over every split of one tied pool of 12 runs into 6 + 6, a p-value below a level happens at most that
    often. scipy's asymptotic log-rank test gives p < 0.05 on 9.1% of these splits."""
    monkeypatch.setattr(stats, "EFFECT_RESAMPLES", 0, raising=False)  # no effect intervals: they never enter p
    times, reached_ = TIED_TIMES, TIED_REACHED
    p = np.array([stats.earlier(times[a], reached_[a], times[~a], reached_[~a], budget=5).p for a in _splits(12, 6)])
    for level in (0.05, 0.025):
        assert np.mean(p < level) <= level


def test_log_rank_min_p_is_the_p_of_a_perfect_separation():
    first = stats.earlier(np.full(8, 1.0), np.ones(8, bool), np.full(8, 5.0), np.zeros(8, bool), budget=5)
    assert first.p == pytest.approx(first.min_p) and first.min_p == pytest.approx(1 / 12870)  # C(16, 8)


def test_log_rank_splits_beyond_the_exact_size_are_seeded_permutations(monkeypatch):
    times = np.r_[np.arange(1.0, 9.0), np.arange(3.0, 11.0)]
    exact = stats.earlier(times[:8], times[:8] <= 9, times[8:], times[8:] <= 9, budget=9)
    monkeypatch.setattr(stats, "EXACT_LOGRANK_UP_TO", 10)
    sampled = stats.earlier(times[:8], times[:8] <= 9, times[8:], times[8:] <= 9, budget=9)
    assert "resamples" in sampled.method and sampled.min_p == pytest.approx(1 / (stats.PERMUTATIONS + 1))
    assert sampled.p == pytest.approx(exact.p, abs=0.01)
