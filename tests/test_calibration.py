"""Calibration of the verdict rule (issue 20 §3; docs: DESIGN "What a verdict means"): for every evidence kind
the claims use, at the sample sizes they use, N simulated null datasets go through harness.verdict.decide; the
rate of "holds" and the rate of "refuted" must each be at most α plus Monte-Carlo slack.

Slack: three standard errors of a rate α over N datasets, α + 3·sqrt(α(1 − α)/N) = 0.0707 at N = 1,000. The
generators are seeded, so each test is deterministic; the slack only keeps a calibrated rule from failing on
its own Monte-Carlo noise. (Exact size checks, without slack, are in tests/test_stats.py.)

Where the settings come from (claims/*.py at this commit; cpu profile, full in brackets):
- paired Wilcoxon: C1 8 seeds [12], C2 8, C9 6 pairs [20];  paired sign test: C2 8 (accuracies tie), C9 6
- log-rank (stats.earlier): C1 8 + 8 [12 + 12] steps on a 10-step grid, C2 8 + 8 epochs with a 5-epoch budget
- TOST (stats.equivalent): C7 8 seeds [5], C8 5, C1 8 [12], C2 8, C9 6 [20]
- Spearman (stats.trend): C8 10 structures × 3 seeds [× 5] and 10 × 5; C10/C11 6 batch sizes × 6 seeds and × 4
  [8 × 5]; C10's function fit 5 × 4 [5 × 5]; C10's sensitivity against test accuracy (both measured); C5's loss
  against the minimal ratio over the runs that have one (a varying count: small n)
- binomial (stats.majority): C5 ~87 small-gradient runs [100 runs] and ~225 [260 runs]
- stats.at_every: C5's Spearman at 5 tolerances;  Holm: C2's 3 checks per pair, a mixed family of 4
Threshold checks (each_seed, threshold, none_robustly) are rules, not tests, so they have no null rate;
tests/test_counterexamples_* show each of them not saying "holds".
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import pytest

from harness import stats
from harness.verdict import ALPHA, Check, decide

N = 1000
LIMIT = ALPHA + 3 * math.sqrt(ALPHA * (1 - ALPHA) / N)


@pytest.fixture(autouse=True)
def no_effect_intervals(monkeypatch):
    """Effect intervals (9,999 bootstrap resamples each) never enter a verdict; without them a dataset costs ~1 ms."""
    monkeypatch.setattr(stats, "EFFECT_RESAMPLES", 0, raising=False)  # (absent before issue 20)


def rates(make: Callable[[np.random.Generator], list[stats.Evidence]], seed: int) -> tuple[float, float]:
    """Rates of holds and of refuted over N datasets, each decided as one variant with make(rng)'s checks."""
    rng = np.random.default_rng(seed)
    verdicts = [decide([Check(f"check {i}", e) for i, e in enumerate(make(rng))]).verdict for _ in range(N)]
    return verdicts.count("holds") / N, verdicts.count("refuted") / N


def assert_calibrated(holds: float, refuted: float) -> None:
    assert holds <= LIMIT and refuted <= LIMIT, f"holds {holds:.3f}, refuted {refuted:.3f}; limit {LIMIT:.4f}"


# --- paired tests -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [6, 8, 12, 20])
def test_wilcoxon_under_no_difference(n):
    assert_calibrated(*rates(lambda rng: [stats.paired(rng.normal(size=n), rng.normal(size=n), "greater")], 20_000 + n))


ACCURACIES = np.array([0.96, 0.97, 0.98, 0.99, 1.0])  # coarse: many pairs tie


@pytest.mark.parametrize("n", [6, 8])
def test_sign_test_under_no_difference_with_ties(n):
    def make(rng):
        return [stats.paired(rng.choice(ACCURACIES, n), rng.choice(ACCURACIES, n), "greater", "sign")]

    assert_calibrated(*rates(make, 21_000 + n))


# --- censored time to a threshold ---------------------------------------------------------------------------

def epochs_to_trained(rng, n, budget=5):  # C2: whole epochs, most runs within the first few, some never
    epochs = rng.geometric(0.35, n).astype(float)
    return epochs, epochs <= budget


def steps_to_fit(rng, n, budget=6000):  # C1: steps on the 10-step record grid, ~40% not within the budget
    steps = 10 * np.ceil(rng.lognormal(math.log(5000), 0.8, n) / 10)
    return steps, steps <= budget


@pytest.mark.parametrize("times,n,budget", [(epochs_to_trained, 8, 5), (steps_to_fit, 8, 6000), (steps_to_fit, 12, 6000)],
                         ids=["C2 epochs 8+8", "C1 steps 8+8", "C1 steps 12+12"])
def test_log_rank_under_equal_times(times, n, budget):
    def make(rng):
        (ta, ra), (tb, rb) = times(rng, n, budget), times(rng, n, budget)
        return [stats.earlier(ta, ra, tb, rb, budget=budget)]

    assert_calibrated(*rates(make, 22_000 + n + budget))


# --- equivalence ------------------------------------------------------------------------------------------------

MARGIN = 0.02


@pytest.mark.parametrize("spread", [0.5, 2.0], ids=["sd half the margin", "sd twice the margin"])
@pytest.mark.parametrize("n", [5, 6, 8, 12, 20])
def test_equivalence_at_the_edge_of_the_margin(n, spread):
    """True mean exactly at target + margin: not inside, so holds at most α; not outside, so refuted at most α."""
    def make(rng):
        return [stats.equivalent(0.1 + MARGIN + rng.normal(scale=spread * MARGIN, size=n), 0.1, MARGIN)]

    assert_calibrated(*rates(make, 23_000 + n + int(10 * spread)))


@pytest.mark.parametrize("spread", [0.5, 2.0], ids=["sd half the margin", "sd twice the margin"])
@pytest.mark.parametrize("n", [5, 8, 20])
def test_a_true_equivalence_is_refuted_at_most_alpha(n, spread):
    """True mean at the target (and at half the margin from it): refuted at most α."""
    for offset in (0.0, 0.5 * MARGIN):
        def make(rng):
            return [stats.equivalent(0.1 + offset + rng.normal(scale=spread * MARGIN, size=n), 0.1, MARGIN)]

        _, refuted = rates(make, 24_000 + n + int(10 * spread) + int(1000 * offset))
        assert refuted <= LIMIT, f"refuted {refuted:.3f} at mean target + {offset}; limit {LIMIT:.4f}"


# --- rank correlation ---------------------------------------------------------------------------------------------

TREND_DESIGNS = {  # x values: settings repeated over seeds (tied), or a measured quantity (continuous)
    "C8 10x3": np.repeat(np.arange(10.0), 3),
    "C8 10x5": np.repeat(np.arange(10.0), 5),
    "C10 6x6": np.repeat(np.arange(6.0), 6),
    "C10 6x4": np.repeat(np.arange(6.0), 4),
    "C10 fit 5x4": np.repeat(np.arange(5.0), 4),
    "full 8x5": np.repeat(np.arange(8.0), 5),
    "measured 36": None,
    "C5 8 runs": None,
    "C5 10 runs": None,
}


@pytest.mark.parametrize("design", list(TREND_DESIGNS))
def test_spearman_under_no_trend(design):
    fixed = TREND_DESIGNS[design]
    n = fixed.size if fixed is not None else int(design.split()[1])

    def make(rng):
        x = fixed if fixed is not None else rng.lognormal(size=n)
        return [stats.trend(x, rng.normal(size=n), "greater")]

    assert_calibrated(*rates(make, 25_000 + n))


@pytest.mark.parametrize("n", [12, 30])
def test_spearman_at_every_tolerance_under_no_trend(n):
    """C5: one trend claimed at each of 5 tolerances, the ratios at different tolerances strongly related."""
    def make(rng):
        loss, ratio = rng.lognormal(size=n), rng.normal(size=n)
        return [stats.at_every([stats.trend(loss, ratio + rng.normal(scale=0.3, size=n), "less") for _ in range(5)],
                               "tolerance")]

    assert_calibrated(*rates(make, 26_000 + n))


# --- "most runs" ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n,undecidable", [(87, 0.0), (225, 0.0), (225, 0.4)])
def test_majority_at_one_half(n, undecidable):
    """The claimed kind at exactly half the runs: holds at most α. The contrary kind at the rest but the
    undecidable runs: with none, also exactly half, so refuted at most α too."""
    def make(rng):
        kinds = rng.choice(3, size=n, p=[0.5, 0.5 - undecidable, undecidable])
        return [stats.majority(int((kinds == 0).sum()), int((kinds == 1).sum()), n)]

    assert_calibrated(*rates(make, 27_000 + n + int(10 * undecidable)))


# --- families under Holm -------------------------------------------------------------------------------------

def test_a_family_of_three_under_holm():
    """C2 'better' for one pair: lower log training loss (Wilcoxon), higher train and test accuracy (sign)."""
    def make(rng):
        return [stats.paired(rng.normal(size=8), rng.normal(size=8), "less"),
                stats.paired(rng.choice(ACCURACIES, 8), rng.choice(ACCURACIES, 8), "greater", "sign"),
                stats.paired(rng.choice(ACCURACIES, 8), rng.choice(ACCURACIES, 8), "greater", "sign")]

    assert_calibrated(*rates(make, 29_000))


def test_a_mixed_family_of_four_under_holm():
    """One check of each kind at its null: a Wilcoxon, a sign test with ties, a log-rank test on tied epochs and
    an equivalence test at the edge of its margin."""
    def make(rng):
        (ta, ra), (tb, rb) = epochs_to_trained(rng, 8), epochs_to_trained(rng, 8)
        return [stats.paired(rng.normal(size=8), rng.normal(size=8), "greater"),
                stats.paired(rng.choice(ACCURACIES, 8), rng.choice(ACCURACIES, 8), "greater", "sign"),
                stats.earlier(ta, ra, tb, rb, budget=5),
                stats.equivalent(0.1 + MARGIN + rng.normal(scale=MARGIN, size=8), 0.1, MARGIN)]

    assert_calibrated(*rates(make, 30_000))
