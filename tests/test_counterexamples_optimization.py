"""Every check of C3–C6 (claims/test_c03_trajectories.py … claims/test_c06_error_surface.py) on a counter-example
where it must not say "holds", and, where cheap, on an example where it does. The claims' decisions are plain
functions of measured arrays (`*_checks`), run here on synthetic curves, convex problems and constructed
spectra — no MNIST, no training beyond a few numpy steps."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from claims.test_c03_trajectories import trajectory_checks
from claims.test_c04_gradient_norm import (REPORTED_GRAD_003, REPORTED_MSE_003, converged_checks, drops_early_checks,
                                           final_values_checks, near_zero_checks, plateau_checks)
from claims.test_c05_minimal_ratio import classify, ratio_checks
from claims.test_c06_error_surface import error_surface_checks
from harness import budget, metrics, stats
from harness.models import MLPSpec
from harness.record import Record
from harness.train import FunctionTask, TrainConfig, _stacked_params
from harness.verdict import reached

RNG = np.random.default_rng(10_000)
MET = reached("test gate", 1.0, "everything")
UNMET = reached("test gate", 0.0, "nothing")


def verdict(checks, *args) -> str:
    record = Record("test")
    checks(record, *args)
    return record.decide().verdict


# --- C3 trajectories ------------------------------------------------------------------------------------

def least_squares_runs(runs: int = 8, records: int = 21, steps_per_record: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """A convex problem: linear least squares from `runs` random initialisations, by gradient descent. Every
    run ends at the one minimum, whatever its start. Returns the (runs, records) loss and (runs, records, 10)
    parameters, record 0 at initialisation."""
    x = RNG.normal(size=(50, 10))
    y = x @ RNG.normal(size=10) + 0.1 * RNG.normal(size=50)
    theta = RNG.normal(size=(runs, 10))
    losses, points = [], []
    for record in range(records):
        if record:
            for _ in range(steps_per_record):
                theta = theta - 0.05 * (2 / len(x)) * (theta @ x.T - y) @ x
        losses.append(((theta @ x.T - y) ** 2).mean(axis=1))
        points.append(theta.copy())
    return np.stack(losses, axis=1), np.stack(points, axis=1)


def apart_runs(final_losses: np.ndarray, records: int = 21) -> tuple[np.ndarray, np.ndarray]:
    """Runs that each walk their own way (distances grow) while their losses fall to `final_losses`."""
    steps = RNG.normal(size=(len(final_losses), records, 200)) * (np.arange(records) > 0)[None, :, None]
    points = RNG.normal(size=(len(final_losses), 1, 200)) + np.cumsum(steps, axis=1) / 4
    losses = final_losses[:, None] * np.linspace(100, 1, records)[None, :]
    return losses, points


def test_a_convex_problem_refutes_different_paths():
    losses, points = least_squares_runs()
    record = Record("trajectories")
    trajectory_checks(record, losses, points)
    decision = record.decide()
    assert decision.verdict == "refuted"
    assert [c.status for c in decision.checks] == ["supports", "against"]  # same loss, but the runs came together


def test_runs_that_stay_apart_with_losses_of_one_order_hold():
    assert verdict(trajectory_checks, *apart_runs(np.linspace(1e-3, 5e-3, 8))) == "holds"


def test_losses_two_orders_apart_refute_the_same_order():
    assert verdict(trajectory_checks, *apart_runs(np.array([1e-4] * 7 + [1e-2]))) == "refuted"


def test_a_spread_that_crosses_ten_late_in_training_is_inconclusive_at_the_cap():
    """Read along the budget (harness.budget, as the claim does): of one order at half the records, two orders
    apart at all of them — the answer moves at the cap, so it is inconclusive (budget), not refuted."""
    losses, points = apart_runs(np.linspace(1e-3, 5e-3, 8), records=41)
    losses[0, 30:] *= 1e-2  # one run falls far below the others late in training

    def file_checks(records, sink):
        trajectory_checks(sink, losses[:, :records + 1], points[:, :records + 1])
    record = Record("trajectories")
    budget.file_until_stable(record, file_checks, start=40, cap=40, step=1)
    assert record.decide().verdict == "inconclusive" and record.checks[0].status == "budget"
    assert "the cap is reached" in record.checks[0].requires[-1].detail


# --- C4 gradient_norm -----------------------------------------------------------------------------------

ITERATIONS = np.arange(1800)


def test_a_gradient_norm_that_never_falls_refutes_003():
    flat = np.ones((5, 1800))
    assert verdict(drops_early_checks, flat) == "refuted"


def test_a_gradient_norm_that_falls_only_late_is_not_003s_early_drop():
    late = np.exp(-np.clip(ITERATIONS - 1000, 0, None) / 100.0)[None].repeat(5, axis=0)  # flat, then falls after 1000
    record = Record("gradient_norm")
    drops_early_checks(record, late)
    assert record.decide().verdict == "inconclusive" and record.checks[1].status == "undecided"  # share 0 < 0.5


def test_an_early_exponential_drop_holds():
    early = 1e-3 + np.exp(-ITERATIONS / 40.0)[None].repeat(5, axis=0)
    assert verdict(drops_early_checks, early) == "holds"


def test_a_loss_that_falls_at_one_rate_throughout_refutes_the_plateau():
    steady = (1.0 - 0.9 * ITERATIONS / 1800)[None].repeat(5, axis=0)  # a straight line on 003's linear axis
    record = Record("gradient_norm")
    plateau_checks(record, steady)
    assert record.decide().verdict == "refuted" and [c.status for c in record.checks] == ["against"]


def test_a_slow_exponential_is_in_the_plateaus_grey_zone():
    """exp(-t/300): at epoch 400 about a quarter of the fall is still to come — neither a plateau nor a drop that
    goes on past 400: the words do not decide it."""
    slow = np.exp(-ITERATIONS / 300.0)[None].repeat(5, axis=0)
    record = Record("gradient_norm")
    plateau_checks(record, slow)
    assert record.decide().verdict == "inconclusive" and record.checks[0].status == "undecided"


def test_a_drop_then_a_plateau_holds():
    dropped = (1e-3 + np.exp(-ITERATIONS / 60.0))[None].repeat(5, axis=0)
    assert verdict(plateau_checks, dropped) == "holds"


def test_a_plateau_that_still_creeps_down_by_5_percent_holds_on_a_linear_axis():
    """The former check (< 5% fall over the last 20%) refuted this; 003's linear axis shows a plateau."""
    creeping = (0.02 * np.exp(-ITERATIONS / 1000.0) + np.exp(-ITERATIONS / 60.0))[None].repeat(5, axis=0)
    assert metrics.relative_fall(creeping, 0.2, 100).min() > 0.05
    assert verdict(plateau_checks, creeping) == "holds"


def final_curves(grad: float, mse: float) -> tuple[np.ndarray, np.ndarray]:
    return np.full((5, 1800), grad), np.full((5, 1800), mse)


def test_final_values_of_003s_order_hold_and_values_100_times_off_refute():
    assert verdict(final_values_checks, *final_curves(2 * REPORTED_GRAD_003, 0.5 * REPORTED_MSE_003)) == "holds"
    assert verdict(final_values_checks, *final_curves(100 * REPORTED_GRAD_003, REPORTED_MSE_003)) == "refuted"
    assert verdict(final_values_checks, *final_curves(REPORTED_GRAD_003, REPORTED_MSE_003 / 100)) == "refuted"


EPOCHS_004 = np.arange(9500)


def test_a_loss_still_falling_steadily_after_1200_refutes_004s_convergence():
    steady = (1.0 - 0.9 * EPOCHS_004 / 9500)[None].repeat(5, axis=0)
    assert verdict(converged_checks, steady) == "refuted"
    assert verdict(converged_checks, (1e-3 + np.exp(-EPOCHS_004 / 200.0))[None].repeat(5, axis=0)) == "holds"


def test_a_loss_that_stops_falling_when_the_gradient_is_near_zero_refutes_004():
    grad = np.concatenate([np.ones(100), np.full(1700, 0.01)])[None].repeat(5, axis=0)
    loss = np.concatenate([np.linspace(1.0, 0.1, 100), np.full(1700, 0.1)])[None].repeat(5, axis=0)
    assert verdict(near_zero_checks, grad, loss) == "refuted"
    assert verdict(near_zero_checks, grad, np.exp(-ITERATIONS / 500.0)[None].repeat(5, axis=0)) == "holds"


def test_a_gradient_that_never_gets_near_zero_leaves_004_inconclusive():
    grad, loss = np.ones((5, 1800)), np.exp(-ITERATIONS / 500.0)[None].repeat(5, axis=0)
    record = Record("gradient_norm")
    near_zero_checks(record, grad, loss)
    decision = record.decide()
    assert decision.verdict == "inconclusive" and all(c.status == "budget" for c in decision.checks)


# --- C5 minimal_ratio: the ratio itself -------------------------------------------------------------------

def quadratic_spectra(positive: int, negative: int, zero: int, runs: int, seed: int = 0) -> torch.Tensor:
    """Hessian spectra of `runs` random quadratics (eigvalsh of Q·diag(λ)·Qᵀ) with the given eigenvalue signs."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(runs):
        spectrum = torch.cat([0.1 + 10 * torch.rand(positive, generator=g, dtype=torch.float64),
                              -(0.1 + 10 * torch.rand(negative, generator=g, dtype=torch.float64)),
                              torch.zeros(zero, dtype=torch.float64)])
        q, _ = torch.linalg.qr(torch.randn(len(spectrum), len(spectrum), generator=g, dtype=torch.float64))
        out.append(torch.linalg.eigvalsh(q @ torch.diag(spectrum) @ q.T))
    return torch.stack(out)


def test_a_convex_quadratic_has_ratio_one_and_is_a_minimum():
    at = torch.zeros(1, 3, dtype=torch.float64)
    bowl = torch.linalg.eigvalsh(metrics.hessians(lambda v: v[0] ** 2 + 3 * v[1] ** 2 + (v[0] + v[2]) ** 2, at))
    ratios, saddle, minimum = classify(bowl, np.zeros(1))
    assert (ratios == 1.0).all() and minimum.all() and not saddle.any()


def test_a_saddle_has_ratio_below_one():
    at = torch.zeros(1, 2, dtype=torch.float64)
    saddle_spectrum = torch.linalg.eigvalsh(metrics.hessians(lambda v: v[0] ** 2 - v[1] ** 2, at))
    ratios, saddle, minimum = classify(saddle_spectrum, np.full(1, 1e-6))
    assert (ratios == 0.5).all() and saddle.all() and not minimum.any()


def relu_net_at_a_global_minimum(hidden: int = 6) -> tuple[torch.Tensor, float]:
    """The Hessian spectrum of a 1-hidden-unit-layer ReLU net fitting its own outputs: loss 0, gradient 0 — a
    minimum — with one flat direction per hidden unit (rescaling its weights), so many zero eigenvalues."""
    config = TrainConfig(model=MLPSpec(1, (hidden,), 1), data=FunctionTask("sinc", 30), epochs=1, lr=1e-3)
    _base, params = _stacked_params(config, [10_000], "cpu")
    params = {k: v.detach().double() for k, v in params.items()}
    x = torch.linspace(-1, 1, 30, dtype=torch.float64).unsqueeze(1)
    y = metrics.predict_stacked(config, params, x)[0]  # the net's own outputs: its parameters fit them exactly
    spectrum = torch.linalg.eigvalsh(metrics.loss_hessians(config, params, x, y))
    return spectrum, metrics.gradient_norms(config, params, x, y).item()


def test_the_flat_directions_of_a_relu_net_do_not_pull_a_minimum_below_one():
    spectrum, grad = relu_net_at_a_global_minimum()
    old_ratio = (spectrum > 1e-4 * spectrum.abs().max()).sum().item() / spectrum.shape[1]  # positive / all
    ratios, saddle, minimum = classify(spectrum, np.array([grad]))
    assert old_ratio < 0.8  # the definition before issue 12 scored this minimum far below 1
    assert (ratios == 1.0).all() and minimum.all() and not saddle.any()


def test_negative_curvature_of_the_order_of_the_gradient_is_undecidable():
    spectrum = torch.tensor([[-5e-3, 0.0, 0.0, 1.0, 2.0]], dtype=torch.float64)  # λ_min = -5·‖g‖
    ratios, saddle, minimum = classify(spectrum, np.array([1e-3]))
    assert not saddle.any() and not minimum.any()  # a saddle at |λ| > ‖g‖, a minimum at |λ| > 100·‖g‖
    assert ratios[0, 0] == pytest.approx(2 / 3) and ratios[0, -1] == 1.0


# --- C5 minimal_ratio: the four statements ---------------------------------------------------------------

def ratio_verdict(statement: str, spectra: torch.Tensor, loss=None, grad=1e-6, gate=MET) -> str:
    n = len(spectra)
    loss = np.linspace(0.1, 1.0, n) if loss is None else loss
    record = Record("minimal_ratio")
    ratio_checks(record, statement, loss, np.full(n, grad), spectra, gate)
    return record.decide().verdict


MINIMA = quadratic_spectra(positive=10, negative=0, zero=40, runs=30)   # strict minima with many flat directions
SADDLES = quadratic_spectra(positive=8, negative=2, zero=40, runs=30)   # ratio 0.8


FULL_RANK_MINIMA = quadratic_spectra(positive=50, negative=0, zero=0, runs=30)  # no flat direction: ratio 1


def test_minima_refute_004_and_support_001():
    assert ratio_verdict("never_near_one_nonzero", MINIMA) == "refuted"
    assert ratio_verdict("saddles", MINIMA) == "refuted"
    assert ratio_verdict("near_minimum", MINIMA) == "holds"


def test_004s_own_ratio_counts_flat_directions_against_one():
    """004's ratio (positive / all eigenvalues): minima with 40 flat directions of 50 score 0.2, so 004's sentence
    holds there; minima without flat directions score 1 and refute it."""
    assert ratio_verdict("never_near_one", MINIMA) == "holds"
    assert ratio_verdict("never_near_one", FULL_RANK_MINIMA) == "refuted"


def test_saddles_support_004_and_refute_001():
    assert ratio_verdict("never_near_one", SADDLES) == "holds"
    assert ratio_verdict("never_near_one_nonzero", SADDLES) == "holds"
    assert ratio_verdict("saddles", SADDLES) == "holds"
    assert ratio_verdict("near_minimum", SADDLES) == "refuted"


def test_points_whose_class_depends_on_the_tolerance_are_inconclusive():
    spectra = torch.tensor([[-5e-3, 0.0, 1.0, 2.0]] * 30, dtype=torch.float64)
    for statement in ("saddles", "near_minimum", "never_near_one_nonzero"):
        assert ratio_verdict(statement, spectra, grad=1e-3) == "inconclusive"


def test_too_few_runs_with_a_small_gradient_leave_the_ratio_inconclusive():
    assert ratio_verdict("saddles", SADDLES, gate=UNMET) == "inconclusive"


def test_a_trend_that_depends_on_the_tolerance_is_inconclusive():
    """Runs with one negative eigenvalue of -5·‖g‖: ratio 0.8 at |λ| > ‖g‖, 1 at |λ| > 100·‖g‖ (constant: no
    order). The loss rising with the ratio at the smallest tolerance alone does not refute the sentence."""
    mixed = torch.cat([quadratic_spectra(positive=4, negative=1, zero=5, runs=15) * 5e-3 / 10.1,
                       quadratic_spectra(positive=5, negative=0, zero=5, runs=15)])
    mixed[:15, 5:] = mixed[:15, 5:].clamp_min(1.0)  # keep the positives large: only the negative is small
    loss = np.r_[np.full(15, 0.1), np.full(15, 1.0)]
    ratios, _saddle, _minimum = classify(mixed, np.full(30, 1e-3))
    assert stats.trend(loss, ratios[:, 0], "less").p_opposite < 0.01  # alone, the smallest tolerance says "opposite"
    record = Record("minimal_ratio")
    ratio_checks(record, "loss_vs_ratio", loss, np.full(30, 1e-3), mixed, MET)
    assert record.decide().verdict == "inconclusive"


def test_majority_counts_undecidable_runs_for_neither_side():
    assert verdict(lambda r: r.check("most", stats.majority(20, 0, 30))) == "holds"
    assert verdict(lambda r: r.check("most", stats.majority(0, 20, 30))) == "refuted"
    assert verdict(lambda r: r.check("most", stats.majority(10, 10, 30))) == "inconclusive"
    with pytest.raises(ValueError):
        stats.majority(20, 20, 30)


def test_none_robustly_needs_a_run_that_has_it_at_every_tolerance_to_speak_against():
    never, some, sure = np.zeros(5, bool), np.r_[True, np.zeros(4, bool)], np.r_[True, np.zeros(4, bool)]
    assert verdict(lambda r: r.check("none", stats.none_robustly(never, never))) == "holds"
    assert verdict(lambda r: r.check("none", stats.none_robustly(some, never))) == "inconclusive"
    assert verdict(lambda r: r.check("none", stats.none_robustly(some, sure))) == "refuted"


def test_loss_falling_with_the_ratio_holds_and_rising_refutes():
    # minimal ratios 0.1, 0.2 … 1.0, three runs each, in rising order
    spectra = torch.cat([quadratic_spectra(positive=p, negative=10 - p, zero=5, runs=3, seed=p) for p in range(1, 11)])
    rising_loss = np.arange(30.0)
    assert ratio_verdict("loss_vs_ratio", spectra, loss=rising_loss[::-1].copy()) == "holds"
    assert ratio_verdict("loss_vs_ratio", spectra, loss=rising_loss) == "refuted"


# --- C6 error_surface -------------------------------------------------------------------------------------

RADII = np.linspace(0, 1, 11)


def mean_over_directions(hessian_diagonal: np.ndarray, directions: int = 2000) -> np.ndarray:
    """The loss ½·θᵀHθ of a quadratic at θ = 0, averaged over random unit directions, at each radius."""
    u = RNG.normal(size=(directions, len(hessian_diagonal)))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    curvature = (u ** 2 * hessian_diagonal).sum(axis=1).mean()
    return 1.0 + 0.5 * RADII ** 2 * curvature


def test_a_flat_point_or_a_maximum_refutes_the_error_curve():
    flat = np.full((5, len(RADII)), 1.0)
    maximum = np.stack([mean_over_directions(-np.ones(20)) for _ in range(5)])
    assert verdict(error_surface_checks, RADII, flat) == "refuted"
    assert verdict(error_surface_checks, RADII, maximum) == "refuted"


def test_a_minimum_holds_and_so_does_a_saddle_with_positive_trace():
    """What the check does not show: a saddle whose curvature is positive on average passes like a minimum."""
    minimum = np.stack([mean_over_directions(np.ones(20)) for _ in range(5)])
    saddle = np.stack([mean_over_directions(np.r_[np.ones(15), -np.ones(5)]) for _ in range(5)])
    assert verdict(error_surface_checks, RADII, minimum) == "holds"
    assert verdict(error_surface_checks, RADII, saddle) == "holds"
