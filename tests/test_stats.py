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
