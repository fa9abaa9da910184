"""C4 gradient_norm: the gradient norm falls sharply early in training (003 §2.2); the loss drops until ~400
epochs, then plateaus (003 §2.2); after 1800 epochs the gradient norm is ≈ 0.0057 and the MSE ≈ 1e-3 (003 §2.2);
while the gradient norm is near zero the loss keeps decreasing (004); the loss has about converged after ~1200
epochs (004).

Variants, one per sentence: drops_early-003, plateau-003 and final_values-003 read the same 1800-epoch runs of
003's 1501-parameter net on sin(5πx)/(5πx) (one cached training); loss_falls_near_zero-004 trains 004's
one-hidden-layer net on sin(3πx)+cos(6πx) (C6 measures around these nets); converged_by_1200-004 trains 004's
one-hidden-layer net on |sin(5πx)/(5πx)| for the 9500 MSE epochs 004 chose from that sentence. All are the
reports' own settings. Each decision is a
function of the measured curves (`*_checks`), which tests/test_counterexamples_optimization.py runs on
counter-examples.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from claims.function_fits import function_task, numbers
from fixtures import FAITHFUL, Quote, Variant, claim, variants
from harness import figures, metrics, stats, verdict
from harness.data import FUNCTION_LABELS
from harness.models import MLPSpec, count_params
from harness.record import Record
from harness.train import TrainConfig

# --- the reports' words --------------------------------------------------------------------------------------
Q003_GRAD = Quote("003", "§2.2", "Starting with the gradient values, it is observed that there was a drastic decrease "
                                 "until around the 200th epoch.")
Q003_GRAD_FINAL = Quote("003", "§2.2", "the final gradient value at the end of the training was 0.005702.")
Q003_PLATEAU = Quote("003", "§2.2", "Moving on to the loss, the model experienced a substantial drop in loss until around "
                                    "the 400th epoch. However, after this point, the rate of decrease in loss slowed down "
                                    "and stabilized into a plateau.")
Q003_CONVERGED_1800 = Quote("003", "§2.2", "After training the model for 1800 epochs, convergence was reached with a final MSE "
                                      "loss value of 0.0009995186.")
Q004_CONVERGED_1200 = Quote("004", "HW1-2 minimal ratio", "在 hwl-1-1 中,我們可以發現 loss-epoch 的圖,"
                                                         "在約莫 1200 epochs 後 loss 就幾乎收斂到最小值(local min)")
Q004_GRAD = Quote("004", "HW1-2 Observe gradient norm during training",
                  "當 梯度范數 (Gradient Norm)接近 0 的時候,我們可以發現 Loss 其實還是不斷的下降")

DROPS = ("The gradient norm drops drastically until around the 200th epoch and ends near zero "
         "(003: 1501-parameter net, final gradient norm 0.0057)")
PLATEAU = ("The loss drops substantially until around the 400th epoch, then its decrease slows down into a plateau "
           "(003 §2.2)")
FINAL_VALUES = ("After 1800 epochs the gradient norm and the MSE are of the order 003 reports: gradient norm "
                "≈ 0.0057, MSE ≈ 0.0010 (003 §2.2)")
CONVERGED_BY_1200 = ("After about 1200 epochs the loss has almost converged to its minimum (004, on its "
                     "one-hidden-layer net fitting |sin(5πx)/(5πx)|)")
LOSS_KEEPS_FALLING = "While the gradient norm is near zero, the loss still keeps decreasing (004)"

# --- thresholds ----------------------------------------------------------------------------------------------
EARLY_STEPS = 50      # "early level" = the largest gradient norm over the first 50 iterations
LATE_FRACTION = 0.1   # "final level" = the median gradient norm over the last 10% of iterations
LARGE_FALL = 10.0     # 003: the gradient norm "drastically" decreases: early / final level >= 10, every seed
BY_ITERATION = 200    # 003: "a drastic decrease until around the 200th epoch" ...
MOST_OF_FALL = 0.5    # ... = by iterations 150–250 (median there) at least half the total log-fall is done
NEAR_ZERO = 0.1       # 004: gradient norm "near zero" = below a tenth of its early level (on 004's linear axis
                      # everything under a tenth of the peak lies on the axis)
KEEPS_FALLING = 0.9   # 004: "the loss keeps decreasing": loss at the end <= 0.9 x loss when the norm first got
                      # near zero, every seed ...
PHASE_WINDOWS = 10    # ... and the mean loss of each tenth of that phase is below the previous tenth's
MOST_WINDOWS = 8      # in at least 8 of the 9 transitions, every seed
# 003 §2.2's loss sentence, read as 003 drew it, on a linear axis: "a substantial drop in loss until around the
# 400th epoch. However, after this point, the rate of decrease in loss slowed down and stabilized into a plateau".
# One measure holds both halves: the share of the loss's fall (first epoch to the final level, the median of the
# last 10%) that still comes after epoch ~400 (median of epochs 350–450), median over seeds.
DROP_UNTIL = 400
PLATEAU_REST = 0.1    # supports at <= 0.1: after ~400 the curve adds at most a tenth of the drop drawn before it —
                      # "stabilized into a plateau" after "a substantial drop": on the linear axis the rest of the
                      # descent is within one tick of a ten-tick axis spanning the drop
STILL_FALLING = 0.5   # against at > 0.5: more of the fall comes after epoch ~400 than before, so the drop did not
                      # happen "until around the 400th epoch" and the stretch called a plateau holds most of the
                      # descent. Between 0.1 and 0.5 the words do not decide (a grey zone: neither)
# Both fixed from the words before any verdict seed (issue 20: the former plateau check, a < 5% fall over the last
# 20% of the epochs, was the suite's convergence criterion, not 003's words).
REPORTED_GRAD_003 = 0.005702   # 003 §2.2: "the final gradient value at the end of the training was 0.005702"
REPORTED_MSE_003 = 0.0009995186  # 003 §2.2: "a final MSE loss value of 0.0009995186"
SAME_ORDER = 1.0      # "of the order reported": |log10(measured / reported)| <= 1, i.e. within a factor of 10 either
                      # way; beyond it the value is of another order of magnitude (the words draw the line both
                      # ways, as C3's "same order of magnitude"). Median over seeds; 003 ran once
CONVERGED_AT = 1200   # 004: "after about 1200 epochs the loss has almost converged to its minimum" = the share of the
                      # loss's fall (first epoch to the final level of 004's 9500 MSE epochs) still to come after
                      # epoch ~1200 (median of 1150–1250), median over seeds: "almost converged" supports at
                      # <= PLATEAU_REST (a tenth of the way left), against beyond STILL_FALLING (half or more of the
                      # fall still to come: not near the minimum); the same reading of a flattening loss as 003's
# Budget gates: loss_falls_near_zero-004 needs the phase it is about: harness.verdict.reached — every seed's
# gradient norm got near zero (pilot, seed base 10000: 5 of 5, by iteration 17–34). The 003 variants read 003's own
# 1800-epoch curves and converged_by_1200-004 004's own 9500 epochs: the budgets their sentences are about. No
# variant compares models, so none is read along a growing budget (harness.budget): more epochs would test
# another sentence.


# --- settings and variants -----------------------------------------------------------------------------------
DROPS_EARLY_CHECKS, PLATEAU_CHECKS, NEAR_ZERO_CHECKS = "drops_early", "plateau", "loss_falls_near_zero"
FINAL_VALUES_CHECKS, CONVERGED_CHECKS = "final_values", "converged_by_1200"


@dataclass(frozen=True)
class GradientNorm:
    checks: str                 # which sentence's checks run: one of the *_CHECKS names
    function: str
    model: MLPSpec
    epochs: int                 # full batch: one iteration per epoch
    lr: float                   # Adam
    weight_decay: float = 0.0
    seeds: int = 5              # threshold checks on every seed (no p-values): 5 show the run-to-run spread


NET_003 = MLPSpec(1, (500,), 1)   # 003: one hidden layer, 1501 parameters
NET_004 = MLPSpec(1, (336,), 1)   # 004: one hidden layer, 1008 parameters (336 units give 1009)
# 003: Adam 1e-3, wd 1e-4, 1800 epochs (batch not stated: full batch here). 004 states no epochs: 5000, as its
# 5000-epoch runs of HW1-2.1 (in a pilot the loss of this net was still falling at 5000). These budgets are cheap
# at 1-D, so both profiles use them; the cpu profile fits 200 points instead of 1000. drops_early-003 and
# plateau-003 are two sentences about the same runs (one cached training).
RUNS_003 = dict(function="sinc", model=NET_003, epochs=1800, lr=1e-3, weight_decay=1e-4)
DROPS_EARLY_003 = GradientNorm(DROPS_EARLY_CHECKS, **RUNS_003)
PLATEAU_003 = GradientNorm(PLATEAU_CHECKS, **RUNS_003)
FINAL_VALUES_003 = GradientNorm(FINAL_VALUES_CHECKS, **RUNS_003)
# 004's one-hidden-layer net on |sin(5πx)/(5πx)| (C5's full-profile net), 9500 MSE epochs: 004's own budget, which
# it chose from this sentence ("因此我們採取訓練 10000 個 epoch,前面 9500 個 epoch 使用 MSE").
CONVERGED_004 = GradientNorm(CONVERGED_CHECKS, "abs_sinc", NET_004, epochs=9500, lr=1e-3)
NEAR_ZERO_004 = GradientNorm(NEAR_ZERO_CHECKS, "sin_cos", NET_004, epochs=5000, lr=1e-3)

VARIANTS = variants(
    Variant("drops_early-003", FAITHFUL, quotes=[Q003_GRAD, Q003_GRAD_FINAL], statement=DROPS, sources=["003 §2.2"],
            cpu=DROPS_EARLY_003, full=DROPS_EARLY_003,
            deviations_cpu=["unstated: 200 training points, full batch", "5 seeds (003: one run)"],
            deviations_full=["unstated: 1000 training points, full batch", "5 seeds (003: one run)"]),
    Variant("plateau-003", FAITHFUL, quotes=[Q003_PLATEAU], statement=PLATEAU,
            sources=["003 §2.2"], cpu=PLATEAU_003, full=PLATEAU_003,
            deviations_cpu=[
                "unstated: 200 training points, full batch", "5 seeds (003: one run)",
                "read on a linear axis, as 003 drew it: the share of the loss's fall still to come after epoch ~400 "
                "(median of 350-450), median over seeds, supports at <= 0.1, against above 0.5, neither between "
                "(003 gives no number)"],
            deviations_full=["unstated: 1000 training points, full batch", "5 seeds (003: one run)",
                             "thresholds as cpu"]),
    Variant("final_values-003", FAITHFUL, quotes=[Q003_GRAD_FINAL, Q003_CONVERGED_1800], statement=FINAL_VALUES,
            sources=["003 §2.2"], cpu=FINAL_VALUES_003, full=FINAL_VALUES_003,
            deviations_cpu=[
                "unstated: 200 training points, full batch", "5 seeds (003: one run)",
                "'final' = median of the last 10% of the 1800 epochs (003: the last value of its one run); 'of "
                "the order' = within a factor of 10, median over seeds",
                "'convergence was reached' is not tested apart: 003 gives no criterion but the MSE it reached"],
            deviations_full=["unstated: 1000 training points, full batch", "5 seeds (003: one run)",
                             "thresholds as cpu"]),
    Variant("loss_falls_near_zero-004", FAITHFUL, quotes=[Q004_GRAD], statement=LOSS_KEEPS_FALLING, sources=["004"],
            cpu=NEAR_ZERO_004, full=NEAR_ZERO_004,
            deviations_cpu=[
                "unstated: 1-336-1 ReLU net (1009 parameters, HW1-1's 1-hidden-layer budget 1008; 004 says "
                "'one-layer DNN')",
                "unstated: 5000 full-batch epochs of Adam 1e-3", "unstated: 200 training points", "5 seeds"],
            deviations_full=["unstated: 1-336-1 net, 5000 full-batch epochs of Adam 1e-3, 1000 training points",
                             "5 seeds"]),
    Variant("converged_by_1200-004", FAITHFUL, quotes=[Q004_CONVERGED_1200], statement=CONVERGED_BY_1200,
            sources=["004"], cpu=CONVERGED_004, full=CONVERGED_004,
            deviations_cpu=[
                "the one-hidden-layer net only (1-336-1, 1009 parameters; 004's plot also drew its 3- and 6-layer "
                "nets): the net 004 applied the sentence to", "unstated: full-batch Adam lr 1e-3, 200 training points",
                "the minimum = the final level after 004's 9500 MSE epochs", "5 seeds",
                "'almost converged' = at most a tenth of the fall still to come after epoch ~1200, against when "
                "more than half is (median over seeds; 004 gives no number)"],
            deviations_full=["unstated: full-batch Adam lr 1e-3, 1000 training points", "5 seeds",
                             "thresholds and net as cpu"]),
)


def gradient_norm_config(s: GradientNorm, profile_name: str) -> TrainConfig:
    """Full-batch training that records the gradient norm and the loss at every step (C6 perturbs these nets)."""
    return TrainConfig(model=s.model, data=function_task(s.function, profile_name), epochs=s.epochs, lr=s.lr,
                       weight_decay=s.weight_decay, record_every=max(1, s.epochs // 100), record_steps=True)


# --- checks --------------------------------------------------------------------------------------------------
def _share_of_log_fall(start: np.ndarray, middle: np.ndarray, end: np.ndarray) -> np.ndarray:
    """log(start / middle) / log(start / end) per seed: the share of the fall (on a log scale) done by the
    middle; 0 where the curve did not fall at all (nothing of a fall can have happened early)."""
    total = np.log(start / end)
    return np.where(total > 0, np.log(start / middle) / np.where(total > 0, total, 1.0), 0.0)


def drops_early_checks(record: Record, grad_norm: np.ndarray) -> None:
    """003's gradient sentence from the (seeds, iterations) gradient norms of 003's 1800-epoch runs."""
    early, final = metrics.gradient_fall(grad_norm, EARLY_STEPS, LATE_FRACTION)
    record.check("early / final gradient norm", stats.each_seed(early / final, ">=", LARGE_FALL))
    name = f"share of the log-fall done by iteration ~{BY_ITERATION}, median over seeds"
    if grad_norm.shape[1] < BY_ITERATION + 50:  # e.g. a smoke run: the window does not exist
        record.check(name, stats.no_evidence(f"the runs are shorter than iteration {BY_ITERATION + 50}"))
        return
    around = metrics.window_median(grad_norm, BY_ITERATION - 50, BY_ITERATION + 50)
    share = _share_of_log_fall(early, around, final)
    record.check(name, float(np.median(share)), ">=", MOST_OF_FALL, detail=f"per seed {numbers(share)}")


def rest_of_fall(loss: np.ndarray, epoch: int) -> np.ndarray:
    """Per seed of (seeds, epochs) losses, on a linear scale: the share of the fall (first epoch to the final
    level, the median of the last LATE_FRACTION) that comes after `epoch` (median of epoch ± 50); 1 where the loss
    did not fall at all (no drop has happened)."""
    late = max(1, int(round(loss.shape[1] * LATE_FRACTION)))
    first, final = loss[:, 0], metrics.window_median(loss, loss.shape[1] - late, loss.shape[1])
    around = metrics.window_median(loss, epoch - 50, epoch + 50)
    total = first - final
    return np.where(total > 0, (around - final) / np.where(total > 0, total, 1.0), 1.0)


def _rest_check(record: Record, loss: np.ndarray, epoch: int, words: str) -> None:
    name = f"share of the loss's fall (linear) still to come after epoch ~{epoch}, median over seeds"
    if loss.shape[1] < 2 * epoch:  # e.g. a smoke run: no stretch after `epoch` to read
        record.check(name, stats.no_evidence(f"the runs are shorter than {2 * epoch} epochs"))
        return
    rest = rest_of_fall(loss, epoch)
    record.check(name, float(np.median(rest)), "<=", PLATEAU_REST, against=STILL_FALLING,
                 detail=f"{words}; per seed {numbers(rest)}")


def plateau_checks(record: Record, loss: np.ndarray) -> None:
    """003's loss sentence from the (seeds, epochs) training loss: a drop until ~400, then a plateau."""
    _rest_check(record, loss, DROP_UNTIL, "003 drew its loss on a linear axis")


def final_values_checks(record: Record, grad_norm: np.ndarray, loss: np.ndarray) -> None:
    """003's final numbers from the (seeds, epochs) gradient norms and losses of its 1800-epoch runs."""
    late = max(1, int(round(loss.shape[1] * LATE_FRACTION)))
    for what, curves, reported in (("gradient norm", grad_norm, REPORTED_GRAD_003),
                                   ("MSE", loss, REPORTED_MSE_003)):
        final = np.median(np.asarray(curves, dtype=float)[:, -late:], axis=1)
        orders = np.abs(np.log10(final / reported))
        record.check(f"final {what}: orders of magnitude from 003's {reported:.4g}, median over seeds",
                     float(np.median(orders)), "<=", SAME_ORDER, against=SAME_ORDER,
                     detail=f"final {what} per seed {numbers(final)}")


def converged_checks(record: Record, loss: np.ndarray) -> None:
    """004's sentence from the (seeds, epochs) training loss of its 9500 MSE epochs."""
    _rest_check(record, loss, CONVERGED_AT, "the final level: the last 10% of the epochs")


def near_zero_checks(record: Record, grad_norm: np.ndarray, loss: np.ndarray) -> None:
    """004's sentence from the (seeds, iterations) gradient norm and training loss."""
    early, _final = metrics.gradient_fall(grad_norm, EARLY_STEPS, LATE_FRACTION)
    start, loss_ratio, falls = metrics.near_zero_phase(grad_norm, loss, NEAR_ZERO * early, PHASE_WINDOWS)
    reached = start >= 0
    gate = verdict.reached("gradient norm near zero", float(reached.mean()),
                           f"a gradient norm below {NEAR_ZERO:g} x its early level (first at iterations "
                           f"{start.tolist()}, -1: never)")
    names = ("loss at the end / loss when the norm first got near zero",
             f"tenths of that phase whose mean loss fell (of {PHASE_WINDOWS - 1})")
    if not reached.any():
        for name in names:
            record.check(name, stats.no_evidence("no seed's gradient norm got near zero"), requires=(gate,))
        return
    record.check(names[0], stats.each_seed(loss_ratio[reached], "<=", KEEPS_FALLING), requires=(gate,))
    record.check(names[1], stats.each_seed(falls[reached], ">=", MOST_WINDOWS), requires=(gate,))


# --- the test ------------------------------------------------------------------------------------------------
@claim("gradient_norm", ref="C4", title="Gradient norm and loss during training", statement=DROPS,
       sources=["003 §2.2", "004", "001"], variants=VARIANTS, needs_mnist=False)
def test_gradient_norm(settings, profile, runner, record):
    s = settings
    config = gradient_norm_config(s, profile.name)
    record.setting(s, parameters=count_params(s.model), points=config.data.n_points)
    runs = runner.train(config, record.seeds(s.seeds))
    early, final = metrics.gradient_fall(runs.grad_norm, EARLY_STEPS, LATE_FRACTION)
    near_zero = NEAR_ZERO * early if s.checks == NEAR_ZERO_CHECKS else None  # the line 004's sentence is about
    record.figure(figures.gradient_norm_and_loss(runs, near_zero=near_zero, title=(
        f"{s.model.label} ({count_params(s.model)} parameters) on {FUNCTION_LABELS[s.function]}, full-batch Adam")))
    record.note(f"final gradient norm (median of the last {LATE_FRACTION:.0%}) per seed "
                f"{numbers(final)}; final loss {numbers(runs.step_loss[:, -1])}")
    if s.checks == DROPS_EARLY_CHECKS:
        drops_early_checks(record, runs.grad_norm)
    elif s.checks == PLATEAU_CHECKS:
        plateau_checks(record, runs.step_loss)
    elif s.checks == FINAL_VALUES_CHECKS:
        final_values_checks(record, runs.grad_norm, runs.step_loss)
    elif s.checks == NEAR_ZERO_CHECKS:
        near_zero_checks(record, runs.grad_norm, runs.step_loss)
    elif s.checks == CONVERGED_CHECKS:
        converged_checks(record, runs.step_loss)
    else:
        raise ValueError(f"unknown gradient-norm checks {s.checks!r}: use one of the *_CHECKS names of "
                         f"claims/test_c04_gradient_norm.py")
