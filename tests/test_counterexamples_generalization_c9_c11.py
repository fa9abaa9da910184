"""C9–C11's checks on constructed counter-examples (no MNIST training): each check says refuted or
inconclusive where the sentence is false, and holds where it is plainly true.

Lines between two minima are synthetic curves over ALPHAS: a convex bowl (no barrier: what any convex problem
gives on a line), a barrier, identical ends (θ₁ = θ₂). Sweeps are synthetic (batch sizes × seeds) arrays. The
reports' own measures run on tiny linear models whose values are known in closed form."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from claims.batch_size_sweeps import (FIT_SWEEP_CPU, FIT_SWEEP_FULL, FIXED_EPOCHS_CPU, FIXED_EPOCHS_FULL,
                                      FIXED_STEPS_CPU, FIXED_STEPS_FULL, REPORT_STEPS, BatchSweep, batch_config,
                                      sweep_gates)
from claims.test_c09_interpolation import ALPHAS, EQUAL_ACC, LINE_FINDINGS, STABLE, line_checks
from claims.test_c10_sensitivity import APPROACHES_ZERO, relation_evidence
from claims.test_c11_sharpness import sharpness_evidence
from claims.training_gates import trained_gate
from harness import metrics
from harness.budget import rung
from harness.models import MLPSpec
from harness.train import FunctionTask, TrainConfig
from harness.verdict import Check, decide

PAIRS = 6
RNG = np.random.default_rng(10_000)


def verdict(checks, requires=()) -> str:
    return decide([Check(name, evidence, tuple(requires)) for name, evidence in checks]).verdict


def line(loss_shape: np.ndarray, acc_shape: np.ndarray, end_loss=(0.05, 0.05), end_acc=(0.92, 0.92),
         test_over_train=1.5) -> dict[str, np.ndarray]:
    """Curves (pairs, alphas): loss = ends' values blended along α plus `loss_shape`, accuracy likewise; a little
    per-pair noise so no two pairs tie."""
    blend = lambda a, b: (1 - ALPHAS) * a + ALPHAS * b  # noqa: E731
    noise = 1 + 0.01 * RNG.random((PAIRS, len(ALPHAS)))
    train_loss = (blend(*end_loss) + loss_shape) * noise
    test_acc = np.clip(blend(*end_acc) + acc_shape, 0, 1) * (1 - 0.001 * RNG.random((PAIRS, len(ALPHAS))))
    return {"train_loss": train_loss, "test_loss": test_over_train * train_loss, "train_acc": test_acc, "test_acc": test_acc}


BUMP = np.exp(-((ALPHAS - 0.5) / 0.15) ** 2)                          # a barrier centred on α = 0.5
BOWL = 2.0 * (np.minimum(np.abs(ALPHAS), np.abs(ALPHAS - 1)) * (np.abs(ALPHAS - 0.5) > 0.5))  # rises only outside [0, 1]
CONVEX = 0.2 * (ALPHAS - 0.5) ** 2 - 0.05                               # a convex bowl: lowest at the midpoint
BARRIER = line(2.0 * BUMP + BOWL, -0.6 * BUMP - 0.3 * BOWL)
NO_BARRIER = line(CONVEX + 0.05, 0.05 - 0.2 * (ALPHAS - 0.5) ** 2)


def test_every_finding_has_checks():
    for finding in LINE_FINDINGS:
        assert line_checks(finding, BARRIER, ALPHAS), finding


def test_000_peak_holds_on_a_barrier_and_is_refuted_on_a_convex_line():
    assert verdict(line_checks("peak_at_half-000", BARRIER, ALPHAS)) == "holds"
    assert verdict(line_checks("peak_at_half-000", NO_BARRIER, ALPHAS)) == "refuted"


def test_000_peak_is_inconclusive_between_identical_ends():
    identical = line(np.zeros_like(ALPHAS), np.zeros_like(ALPHAS))
    identical = {k: np.repeat(v[:, :1], len(ALPHAS), axis=1) for k, v in identical.items()}  # θ₁ = θ₂: a flat line
    assert verdict(line_checks("peak_at_half-000", identical, ALPHAS)) == "inconclusive"


def test_an_untrained_end_makes_the_line_inconclusive():
    gate = trained_gate("θ₂", np.array([0.99, 0.97, 1.0]))
    assert not gate.met
    assert verdict(line_checks("peak_at_half-000", BARRIER, ALPHAS), requires=(gate,)) == "inconclusive"
    assert trained_gate("θ₁", np.array([0.99, 1.0])).met


def test_002_small_batch_lower_loss_and_validation_above_training():
    small_lower = line(2.0 * BUMP, -0.5 * BUMP, end_loss=(0.2, 0.02))   # θ₂ = the small batch, lower loss
    assert verdict(line_checks("small_batch_lower_loss-002", small_lower, ALPHAS)) == "holds"
    small_higher = line(2.0 * BUMP, -0.5 * BUMP, end_loss=(0.02, 0.2))
    assert verdict(line_checks("small_batch_lower_loss-002", small_higher, ALPHAS)) == "refuted"
    test_below_train = line(2.0 * BUMP, -0.5 * BUMP, end_loss=(0.2, 0.02), test_over_train=0.8)
    assert verdict(line_checks("small_batch_lower_loss-002", test_below_train, ALPHAS)) == "refuted"


def test_004_high_only_near_the_ends():
    assert verdict(line_checks("high_only_near_ends-004", BARRIER, ALPHAS)) == "holds"
    flat = line(np.zeros_like(ALPHAS), np.zeros_like(ALPHAS))  # one wide basin: high everywhere on [-1, 2]
    assert verdict(line_checks("high_only_near_ends-004", flat, ALPHAS)) == "refuted"


def test_004_lower_loss_with_equal_accuracy():
    equal_acc = line(2.0 * BUMP, -0.5 * BUMP, end_loss=(0.2, 0.05), end_acc=(0.92, 0.92))
    assert verdict(line_checks("lower_loss_equal_accuracy-004", equal_acc, ALPHAS)) == "holds"
    # accuracy 5 points apart (well beyond EQUAL_ACC): not equivalent and different
    apart = line(2.0 * BUMP, -0.5 * BUMP, end_loss=(0.2, 0.05), end_acc=(0.87, 0.92))
    assert 0.05 > EQUAL_ACC and verdict(line_checks("lower_loss_equal_accuracy-004", apart, ALPHAS)) == "refuted"
    higher_at_one = line(2.0 * BUMP, -0.5 * BUMP, end_loss=(0.05, 0.2))
    assert verdict(line_checks("lower_loss_equal_accuracy-004", higher_at_one, ALPHAS)) == "refuted"


def test_003_drop_to_half_and_decline_beyond():
    assert verdict(line_checks("drops_to_half_and_beyond-003", BARRIER, ALPHAS)) == "holds"
    rising = line(np.zeros_like(ALPHAS), 0.02 * ALPHAS, end_acc=(0.9, 0.9))  # accuracy rises all along the line
    assert verdict(line_checks("drops_to_half_and_beyond-003", rising, ALPHAS)) == "refuted"


def test_003_stable_near_zero():
    flat = line(np.zeros_like(ALPHAS), np.zeros_like(ALPHAS))
    assert verdict(line_checks("stable_near_zero-003", flat, ALPHAS)) == "holds"
    barrier_near_zero = line(np.zeros_like(ALPHAS), -0.3 * np.exp(-((ALPHAS + 0.3) / 0.1) ** 2))
    assert 0.3 > STABLE and verdict(line_checks("stable_near_zero-003", barrier_near_zero, ALPHAS)) == "refuted"


def test_003_stable_near_zero_reads_every_alpha_drawn_below_zero():
    # 003's "as alpha approaches 0.0" names no nearer bound than its drawn range: a dip far below 0 (α = -0.9,
    # outside the old [-0.5, 0] window) counts against the sentence; a dip past 0 (the other side) does not
    dip_far_below = line(np.zeros_like(ALPHAS), -0.3 * np.exp(-((ALPHAS + 0.9) / 0.1) ** 2))
    assert verdict(line_checks("stable_near_zero-003", dip_far_below, ALPHAS)) == "refuted"
    dip_past_zero = line(np.zeros_like(ALPHAS), -0.3 * np.exp(-((ALPHAS - 0.5) / 0.1) ** 2))
    assert verdict(line_checks("stable_near_zero-003", dip_past_zero, ALPHAS)) == "holds"


def test_003_improves_from_half_to_one():
    assert verdict(line_checks("improves_from_half_to_one-003", BARRIER, ALPHAS)) == "holds"
    falling = line(np.zeros_like(ALPHAS), -0.1 * ALPHAS, end_acc=(0.9, 0.9))  # accuracy falls all along the line
    assert verdict(line_checks("improves_from_half_to_one-003", falling, ALPHAS)) == "refuted"
    flat_after_half = line(np.zeros_like(ALPHAS), -0.3 * np.clip(ALPHAS, 0, 0.5) / 0.5, end_acc=(0.9, 0.9))
    assert verdict(line_checks("improves_from_half_to_one-003", flat_after_half, ALPHAS)) != "holds"


def test_003_retraining_step_trains_each_point_and_keeps_the_members_apart():
    """harness/line_retrain.py: one epoch per point moves every point (the step is done, not skipped), and a point
    trained in the stack of 31 equals the same point trained alone (each member's gradient is its own)."""
    from harness.line_retrain import Retrain, retrained_line_metrics
    from harness.data import Split
    from harness.models import build

    rng = torch.Generator().manual_seed(0)
    x = torch.rand(200, 1, 4, 4, generator=rng)
    y = (x.flatten(1).sum(1) > 8).long()
    split = Split(x[:150], y[:150], x[150:], y[150:])
    config = TrainConfig(model=MLPSpec(16, (8,), 2), data=None, epochs=1, lr=1e-3, batch_size=50)
    torch.manual_seed(1)
    a, b = (dict(build(config.model).named_parameters()) for _ in range(2))
    alphas = np.array([-1.0, 0.0, 0.5, 1.0, 2.0])
    retrained = retrained_line_metrics(config, a, b, alphas, split, Retrain(batch_size=30), seed=3)
    plain = metrics.line_metrics(config, a, b, alphas, split)
    assert np.all(retrained["train_loss"] != plain["train_loss"])
    alone = retrained_line_metrics(config, a, b, alphas[2:3], split, Retrain(batch_size=30), seed=3)
    np.testing.assert_allclose(alone["train_loss"], retrained["train_loss"][2:3], rtol=1e-5)
    with pytest.raises(ValueError, match="shared split"):
        retrained_line_metrics(config, a, b, alphas, Split(x[None], y[None], x[None], y[None], per_member=True),
                               Retrain(), seed=3)


# --- C10 / C11: relations over a batch-size sweep ---------------------------------------------------------------

BATCHES = (32, 64, 128, 256, 512, 1024)


def sweep_values(slope: float) -> np.ndarray:
    """(batch sizes, 4 seeds): slope × log2(batch) plus small noise."""
    return slope * np.log2(BATCHES)[:, None] + 1.0 + 0.01 * RNG.random((len(BATCHES), 4))


@pytest.mark.parametrize("relation, truth, false", [
    ("sensitivity falls", -0.1, 0.1), ("sensitivity rises", 0.1, -0.1)])
def test_sensitivity_relation_holds_one_way_and_is_refuted_the_other(relation, truth, false):
    finals = {"test_acc": sweep_values(0.0), "test_loss": sweep_values(0.0)}
    assert verdict([(relation, relation_evidence(relation, BATCHES, sweep_values(truth), finals))]) == "holds"
    assert verdict([(relation, relation_evidence(relation, BATCHES, sweep_values(false), finals))]) == "refuted"


@pytest.mark.parametrize("largest_over_smallest, expected", [
    (0.05, "holds"), (0.3, "inconclusive"), (0.7, "refuted"), (1.5, "refuted")])
def test_002_sensitivity_approaching_zero(largest_over_smallest, expected):
    # falling in every case but the last; "approaching 0" needs the largest batch near zero, not just lower
    sensitivity = np.geomspace(1.0, largest_over_smallest, len(BATCHES))[:, None] * (1 + 0.01 * RNG.random((1, 4)))
    finals = {"test_acc": sweep_values(0.0), "test_loss": sweep_values(0.0)}
    assert verdict([("z", relation_evidence(APPROACHES_ZERO, BATCHES, sensitivity, finals))]) == expected


def test_accuracy_falls_loss_rises_and_sensitivity_tracking_error_can_fail():
    sens = sweep_values(0.0)
    rising_acc = np.clip(0.8 + sweep_values(0.02) - 1, 0, 1)
    improving = {"test_acc": rising_acc, "test_loss": sweep_values(-0.05)}  # large batches better on both counts
    assert verdict([("a", relation_evidence("test accuracy falls", BATCHES, sens, improving)),
                    ("a2", relation_evidence("test loss rises", BATCHES, sens, improving))]) == "refuted"
    # sensitivity rising with accuracy: the opposite of 000's "larger where accuracy is smaller"
    assert verdict([("b", relation_evidence("sensitivity tracks error", BATCHES, rising_acc + 1, improving))]) == "refuted"


def test_a_constant_measure_is_inconclusive():
    flat = np.ones((len(BATCHES), 4))
    assert verdict([("c", relation_evidence("sensitivity falls", BATCHES, flat, {"test_acc": flat, "test_loss": flat}))]) \
        == "inconclusive"
    assert verdict([("d", sharpness_evidence(BATCHES, flat, "greater"))]) == "inconclusive"


def test_sharpness_trend_refuted_the_other_way():
    assert verdict([("e", sharpness_evidence(BATCHES, sweep_values(-0.1), "greater"))]) == "refuted"
    assert verdict([("f", sharpness_evidence(BATCHES, sweep_values(0.1), "greater"))]) == "holds"


class _Runs:
    def __init__(self, train_acc=(1.0,), train_loss=((1.0, 0.5, 0.5),)):
        self.train_acc = np.asarray(train_acc, dtype=float)[:, None]
        self.train_loss = np.asarray(train_loss, dtype=float)


def test_sweep_gates():
    epochs, steps, fit = FIXED_EPOCHS_CPU, FIXED_STEPS_CPU, FIT_SWEEP_CPU
    assert sweep_gates(epochs, [], epochs.budget, False)[0].met, "the cpu sweep gives its largest batch the reports' steps"
    short = BatchSweep(epochs.model, (32, 4000), "epochs", 40, 40, 1e-3, 4, 4000)  # 40 steps at batch 4000
    assert short.steps(4000) < REPORT_STEPS and not sweep_gates(short, [], short.budget, False)[0].met
    assert not sweep_gates(epochs, [], epochs.budget // 2, False)[0].met, "half the start budget leaves the regime"
    trained = [_Runs([0.995, 1.0]) for _ in steps.batch_sizes]
    undertrained = trained[:-1] + [_Runs([0.95, 1.0])]  # the largest batch: 0.95, as at 50 epochs
    for sweep in (epochs, steps):
        assert [g.met for g in sweep_gates(sweep, trained, sweep.budget, True)] == [True]
        # the counter-example: the step count is met by arithmetic, but a sentence about trained models is not
        assert [g.met for g in sweep_gates(sweep, undertrained, sweep.budget, True)] == [False]
    # fixed steps and 004's function fitting have no gate of their sentences' words: harness.budget decides
    assert sweep_gates(steps, undertrained, steps.budget, False) == () and sweep_gates(fit, [], fit.budget, False) == ()
    checks = [("g", relation_evidence("sensitivity falls", BATCHES, sweep_values(-0.1), {"test_acc": sweep_values(0), "test_loss": sweep_values(0)}))]
    assert verdict(checks, requires=sweep_gates(short, [], short.budget, False)) == "inconclusive"
    assert verdict(checks, requires=sweep_gates(epochs, undertrained, epochs.budget, True)) == "inconclusive"


def test_sweep_budgets_resume_and_sit_on_their_grid():
    for sweep in (FIXED_EPOCHS_CPU, FIXED_STEPS_CPU, FIT_SWEEP_CPU, FIXED_EPOCHS_FULL, FIXED_STEPS_FULL, FIT_SWEEP_FULL):
        points = rung(sweep.budget, sweep.step)  # raises unless the start is on the grid
        assert sweep.cap >= sweep.budget and sweep.cap % sweep.step == 0
        for b in sweep.batch_sizes:  # configs at two budgets differ in epochs only: the longer resumes the shorter
            short, long = (batch_config(sweep.model, None, b, sweep.lr, sweep.epochs(b, p), sweep.record_every(b))
                           for p in (points[0], sweep.cap))
            assert 1 <= short.epochs <= long.epochs and replace(short, epochs=long.epochs) == long
    with pytest.raises(ValueError, match="multiple of its budget grid"):
        BatchSweep(FIXED_EPOCHS_CPU.model, (32,), "epochs", 50, 52, 1e-3, 4, 4000)
    with pytest.raises(ValueError, match="below its start"):
        BatchSweep(FIXED_EPOCHS_CPU.model, (32,), "epochs", 50, 25, 1e-3, 4, 4000)


# --- the reports' own measures, on models whose values are known --------------------------------------------------

LINEAR_FIT = TrainConfig(model=MLPSpec(1, (), 1), data=FunctionTask("abs_sinc", 5), epochs=1, lr=1e-3)


def linear(weights, biases) -> dict[str, torch.Tensor]:
    return {"1.weight": torch.tensor(weights, dtype=torch.float32).view(-1, 1, 1),
            "1.bias": torch.tensor(biases, dtype=torch.float32).view(-1, 1)}


def test_004_sensitivity_is_the_largest_input_gradient_of_the_loss():
    x = torch.linspace(-1, 1, 5).unsqueeze(1)
    y = torch.zeros_like(x)
    params = linear([2.0, 0.0], [0.0, 0.0])
    assert [n for n, _ in metrics.build(LINEAR_FIT.model).named_parameters()] == list(params)
    # loss (w x)^2: d/dx = 2 w^2 x, largest at |x| = 1: 8 for w = 2; a constant model (w = 0) has none
    assert metrics.loss_input_gradient_max(LINEAR_FIT, params, x, y).tolist() == pytest.approx([8.0, 0.0])


def test_000_sensitivity_is_the_jacobian_spectral_norm():
    config = TrainConfig(model=MLPSpec(3, (), 2), data=FunctionTask("abs_sinc", 5), epochs=1, lr=1e-3)
    weight = torch.tensor([[[3.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    params = {"1.weight": weight, "1.bias": torch.zeros(1, 2)}
    x = torch.randn(4, 3, generator=torch.Generator().manual_seed(10_000))
    # raw output: the Jacobian is W everywhere, spectral norm 3 (Frobenius would be √10)
    assert metrics.jacobian_two_norm(config, params, x, softmax=False).tolist() == pytest.approx([3.0])


def test_relative_noise_sharpness_is_zero_at_zero_parameters_and_scales_with_sigma():
    x = torch.linspace(-1, 1, 5).unsqueeze(1)
    y = torch.ones_like(x)
    flat_zero = linear([0.0], [0.0])  # σ = 5% of an RMS of 0: no perturbation, no sharpness
    assert metrics.relative_noise_sharpness(LINEAR_FIT, flat_zero, x, y, 0.05, 20, seed=10_000).tolist() == [0.0]
    params = linear([1.0], [1.0])
    small, large = (metrics.relative_noise_sharpness(LINEAR_FIT, params, x, y, s, 20, seed=10_000).item()
                    for s in (0.01, 0.1))
    assert 0 < small < large
