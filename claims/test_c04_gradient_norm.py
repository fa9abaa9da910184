"""C4 gradient_norm: the gradient norm falls sharply early in training (003 §2.2); the loss drops until ~400
epochs, then plateaus (003 §2.2); while the gradient norm is near zero the loss keeps decreasing (004).

Variants, one per sentence: drops_early-003 and plateau-003 read the same 1800-epoch runs of 003's 1501-parameter
net on sin(5πx)/(5πx) (one cached training); loss_falls_near_zero-004 trains 004's one-hidden-layer net on
sin(3πx)+cos(6πx) (C6 measures around these nets). All three are the reports' own settings. Each decision is a
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
Q004_GRAD = Quote("004", "HW1-2 Observe gradient norm during training",
                  "當 梯度范數 (Gradient Norm)接近 0 的時候,我們可以發現 Loss 其實還是不斷的下降")

DROPS = ("The gradient norm drops drastically until around the 200th epoch and ends near zero "
         "(003: 1501-parameter net, final gradient norm 0.0057)")
PLATEAU = ("The loss drops substantially until around the 400th epoch, then its decrease slows down into a plateau "
           "(003 §2.2)")
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
DROP_UNTIL = 400      # 003: "a substantial drop in loss until around the 400th epoch" = by epochs 350–450 (median
                      # loss there) at least MOST_OF_FALL of the log-fall of the loss, first epoch to the last 10%,
                      # is done, every seed ...
PLATEAU_FALL = 0.05   # ... "after this point ... stabilized into a plateau": the loss falls by less than 5% over the
                      # last 20% of the 1800 epochs, every seed (harness.verdict.converged's criterion; levels are
                      # medians of 100 epochs, so one oscillating full-batch step does not count)
PLATEAU_TAIL, PLATEAU_WINDOW = 0.2, 100
# Budget gates: loss_falls_near_zero-004 needs the phase it is about: harness.verdict.reached — every seed's
# gradient norm got near zero (pilot, seed base 10000: 5 of 5, by iteration 17–34). drops_early-003 and plateau-003
# read 003's own 1800-epoch curves, the budget their sentences are about, and compare no models: no convergence
# gate. 003's "After training the model for 1800 epochs, convergence was reached" is plateau-003's second check
# (pilot: the loss still fell 19–28% over the last 20% of the epochs; converging would need far more than 1800:
# the unconverged budget cannot weaken drops_early's sentence, more epochs only lower the final gradient norm).


# --- settings and variants -----------------------------------------------------------------------------------
DROPS_EARLY_CHECKS, PLATEAU_CHECKS, NEAR_ZERO_CHECKS = "drops_early", "plateau", "loss_falls_near_zero"


@dataclass(frozen=True)
class GradientNorm:
    checks: str                 # which sentence's checks run: DROPS_EARLY_CHECKS, PLATEAU_CHECKS or NEAR_ZERO_CHECKS
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
NEAR_ZERO_004 = GradientNorm(NEAR_ZERO_CHECKS, "sin_cos", NET_004, epochs=5000, lr=1e-3)

VARIANTS = variants(
    Variant("drops_early-003", FAITHFUL, quotes=[Q003_GRAD, Q003_GRAD_FINAL], statement=DROPS, sources=["003 §2.2"],
            cpu=DROPS_EARLY_003, full=DROPS_EARLY_003,
            deviations_cpu=["unstated: 200 training points, full batch", "5 seeds (003: one run)"],
            deviations_full=["unstated: 1000 training points, full batch", "5 seeds (003: one run)"]),
    Variant("plateau-003", FAITHFUL, quotes=[Q003_PLATEAU, Q003_CONVERGED_1800], statement=PLATEAU,
            sources=["003 §2.2"], cpu=PLATEAU_003, full=PLATEAU_003,
            deviations_cpu=[
                "unstated: 200 training points, full batch", "5 seeds (003: one run)",
                "'substantial drop until ~400' = half the log-fall of the loss done by epochs 350-450; 'plateau' = "
                "the loss falls < 5% over the last 20% of the 1800 epochs (the suite's convergence criterion; 003 "
                "gives no number)"],
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


def plateau_checks(record: Record, loss: np.ndarray) -> None:
    """003's loss sentence from the (seeds, iterations) training loss."""
    if loss.shape[1] < 2 * DROP_UNTIL:  # e.g. a smoke run
        for name in ("loss drop by epoch ~400", "plateau"):
            record.check(name, stats.no_evidence(f"the runs are shorter than {2 * DROP_UNTIL} epochs"))
        return
    late = max(1, int(round(loss.shape[1] * LATE_FRACTION)))
    first, final = loss[:, 0], metrics.window_median(loss, loss.shape[1] - late, loss.shape[1])
    around = metrics.window_median(loss, DROP_UNTIL - 50, DROP_UNTIL + 50)
    share = _share_of_log_fall(first, around, final)
    record.check(f"share of the loss's log-fall done by epoch ~{DROP_UNTIL}",
                 stats.each_seed(share, ">=", MOST_OF_FALL))
    fall = metrics.relative_fall(loss, PLATEAU_TAIL, PLATEAU_WINDOW)
    record.check(f"relative fall of the loss over the last {PLATEAU_TAIL:.0%} of the epochs",
                 stats.each_seed(fall, "<", PLATEAU_FALL))


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
    elif s.checks == NEAR_ZERO_CHECKS:
        near_zero_checks(record, runs.grad_norm, runs.step_loss)
    else:
        raise ValueError(f"unknown gradient-norm checks {s.checks!r}: use DROPS_EARLY_CHECKS, PLATEAU_CHECKS or "
                         f"NEAR_ZERO_CHECKS")
