"""C10 sensitivity — input sensitivity and test accuracy vs batch size (000 §4, 002, 003 §3.3.2, 004; contrary:
Novak et al. 2018).

Variants, one per sentence and training regime: sensitivity falls as the batch size grows (002, 003), test accuracy
falls and the test loss rises (002, 003), sensitivity is larger where accuracy is smaller (000, with its own
measure), and Novak et al.'s opposite direction — each at fixed epochs (the reports' regime) and at fixed optimizer
steps (an extension); and 004's sentence with 004's measure on 004's function fitting. Every point of a rank
correlation is one (batch size, seed). Each variant's answer is read along its sweep's budget (harness.budget: ½, ¾
and all of it, growing to the sweep's cap while it moves); its gates (batch_size_sweeps.sweep_gates) are the
reports' regime at fixed epochs and, for Novak et al.'s sentence about trained networks, that every model fits its
training set. The sweeps are shared with C11 (identical configs train once; a longer budget resumes a shorter
one). The relations are pure functions of the measured arrays (`relation_evidence`), tested in
tests/test_counterexamples_generalization_c9_c11.py.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from claims.batch_size_sweeps import (FIT_SWEEP_CPU, FIT_SWEEP_CPU_TEXT, FIT_SWEEP_FULL, FIT_SWEEP_FULL_TEXT,
                                      FIXED_EPOCHS_CPU, FIXED_EPOCHS_FULL, FIXED_STEPS, FIXED_STEPS_CPU,
                                      FIXED_STEPS_FULL, SWEEP_CPU, SWEEP_FULL, BatchSweep, measure_members,
                                      steps_note, sweep_gates, train_sweep)
from fixtures import EXTENSION, SCALED, Quote, Variant, claim, variants
from harness import figures, metrics, stats
from harness.budget import file_until_stable

# --- the reports' words ----------------------------------------------------------------------------------------
Q002_SENS = Quote("002", "Flatness v.s. Generalization - part2", "隨著 batch size 越來越大，sensitivity 越來越小，趨近於 0。")
Q003_SENS = Quote("003", "§3.3.2", "On the contrary, as the batch size increases, the sensitivity of the model decreases.")
Q002_ACC = Quote("002", "Flatness v.s. Generalization - part2",
                 "由下圖也可以發現 loss 的低點和 accuracy 的高點都出現在 batch size 以較小的地方。")
Q003_ACC = Quote("003", "§3.3.2", "as the batch size increases, the performance of the model deteriorates over the same "
                                  "number of epochs.")
Q000_SENS = Quote("000", "§4", "The sensitivity getting larger when the training/testing accuracy getting smaller.")
Q_NOVAK = Quote("Novak et al. 2018", "CLAIMS.md",
                "found it correlates with the generalization gap and is *higher* for full-batch training")
Q004_SENS = Quote("004", "HW1-3 Flatness part 2", "Batch size 大的 model sensitivity 普遍比較低(儘管 loss 不見得比較低)")
Q004_SENS_SETUP = Quote("004", "HW1-3 Flatness part 2", "我們 train 在 1-1 做的 function fitting 上,batch size 使用 $10 \\cdot 50 \\cdot 100 \\cdot 500$ 以及 1000")

# --- what is checked and measured -------------------------------------------------------------------------------
RELATIONS = {  # name: (x, y, sign of their rank correlation); every point one (batch size, seed)
    "sensitivity falls": ("batch size", "sensitivity", "less"),
    "sensitivity rises": ("batch size", "sensitivity", "greater"),
    "test accuracy falls": ("batch size", "test accuracy", "less"),
    "test loss rises": ("batch size", "test loss", "greater"),
    "sensitivity tracks error": ("test accuracy", "sensitivity", "less"),
}
APPROACHES_ZERO = "sensitivity approaches 0"  # 002's "趨近於 0": not a rank correlation (relation_evidence)
NEAR_ZERO = 0.1      # reading of "approaching 0" (002 gives no scale, its figure is not in the text): at the largest
                     # batch below a tenth of the smallest batch's sensitivity (C4 reads "near zero" as a tenth too)
NOT_NEAR_ZERO = 0.5  # against it: at the largest batch still above half the smallest batch's (not even halved over
                     # 002's own 32x range of batch sizes); between the two, undecided
SENSITIVITY_MEASURES = {
    "jacobian_frobenius": "mean over test points of ‖∂softmax(f(x))/∂x‖_F (Novak et al. 2018, cited by 002)",
    "jacobian_two_norm": "000's: 2-norm of the Jacobian ∂softmax(f(x))/∂x at random inputs x ~ U[0, 1]^784, mean of 100",
    "loss_gradient_max": "004's: largest over the training points of ‖∂loss/∂x‖",
}
RANDOM_INPUTS = 100  # 000 used one random input; the mean over 100 (seeded by the seed base) is less noisy
METRICS = ("train_loss", "test_loss", "train_acc", "test_acc")


# --- settings ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sensitivity:
    sweep: BatchSweep            # claims/batch_size_sweeps.py: the sweeps, their pilots and seeds
    relations: tuple[str, ...]   # names in RELATIONS, or APPROACHES_ZERO: one check each
    measure: str                 # a name in SENSITIVITY_MEASURES
    trained_models: bool = False  # the sentence is about trained models (Novak et al. measured networks that fit
                                  # their training set): every model must fit it (batch_size_sweeps.sweep_gates)


# How the settings differ from the reports' (the variants' deviations)
SENSITIVITY_MEASURE = "sensitivity = mean over test points of ||d softmax/dx||_F (Novak et al. 2018)"
REPORTS_002_003 = "003 used 784-500-10 at batch 10…1510 with wd 1e-4; 002 a conv -> output CNN at lr 1e-2 on 55,000 images"
EPOCHS_002_003_CPU = f"50 epochs at every batch size, read up to {FIXED_EPOCHS_CPU.cap} (003: 5; 002: 200)"
EPOCHS_002_003_FULL = f"20 epochs at every batch size, read up to {FIXED_EPOCHS_FULL.cap} (003: 5; 002: 200)"
EPOCHS_002_CPU = f"50 epochs at every batch size, read up to {FIXED_EPOCHS_CPU.cap} (002: 200)"
STEPS_CPU = f"1000 optimizer steps at every batch size, read up to {FIXED_STEPS_CPU.cap}"
STEPS_FULL = "10000 optimizer steps at every batch size, read up to 40000"

VARIANTS = variants(
    Variant("sensitivity_falls-002-003-fixed_epochs", SCALED, quotes=[Q002_SENS, Q003_SENS],
            statement="Sensitivity falls as the batch size grows", sources=["002", "003 §3.3.2"],
            cpu=Sensitivity(FIXED_EPOCHS_CPU, ("sensitivity falls",), "jacobian_frobenius"),
            full=Sensitivity(FIXED_EPOCHS_FULL, ("sensitivity falls",), "jacobian_frobenius"),
            deviations_cpu=[SWEEP_CPU, EPOCHS_002_003_CPU, SENSITIVITY_MEASURE + " (002 cites that paper; 003 does not "
                            "define its measure)", REPORTS_002_003],
            deviations_full=[SWEEP_FULL, EPOCHS_002_003_FULL, SENSITIVITY_MEASURE]),
    Variant("accuracy_falls-002-003-fixed_epochs", SCALED, quotes=[Q002_ACC, Q003_ACC],
            statement="Test accuracy falls as the batch size grows", sources=["002", "003 §3.3.2"],
            cpu=Sensitivity(FIXED_EPOCHS_CPU, ("test accuracy falls",), "jacobian_frobenius"),
            full=Sensitivity(FIXED_EPOCHS_FULL, ("test accuracy falls",), "jacobian_frobenius"),
            deviations_cpu=[SWEEP_CPU, EPOCHS_002_003_CPU,
                            "003 used 784-500-10 at batch 10…1510 with wd 1e-4; 002 a CNN at lr 1e-2"],
            deviations_full=[SWEEP_FULL, EPOCHS_002_003_FULL]),
    Variant("sensitivity_tracks_error-000-fixed_epochs", SCALED, quotes=[Q000_SENS],
            statement="Sensitivity is larger where accuracy is smaller", sources=["000 §4"],
            cpu=Sensitivity(FIXED_EPOCHS_CPU, ("sensitivity tracks error",), "jacobian_two_norm"),
            full=Sensitivity(FIXED_EPOCHS_FULL, ("sensitivity tracks error",), "jacobian_two_norm"),
            deviations_cpu=[SWEEP_CPU + " (000: 55,000 images, batch 500…5000, lr 1e-2, optimiser not given)",
                            f"50 epochs, read up to {FIXED_EPOCHS_CPU.cap} (000: 200)",
                            "000's measure, the 2-norm of the Jacobian at a random input, "
                            "averaged over 100 random inputs (000: one); of the softmax output (000: unstated)",
                            "test accuracy only (000: training/testing accuracy)"],
            deviations_full=[SWEEP_FULL + " (000: batch 500…5000, lr 1e-2)",
                             f"20 epochs, read up to {FIXED_EPOCHS_FULL.cap} (000: 200)"]),
    Variant("sensitivity_rises-novak2018-fixed_epochs", EXTENSION, quotes=[Q_NOVAK],
            statement="Sensitivity is higher for large-batch training",
            sources=["Novak et al. 2018", "contrary: 002, 003, 004"],
            cpu=Sensitivity(FIXED_EPOCHS_CPU, ("sensitivity rises",), "jacobian_frobenius", trained_models=True),
            full=Sensitivity(FIXED_EPOCHS_FULL, ("sensitivity rises",), "jacobian_frobenius", trained_models=True),
            deviations_cpu=[SWEEP_CPU, f"50 epochs at every batch size, grown up to {FIXED_EPOCHS_CPU.cap} until "
                                       "every model is trained"],
            deviations_full=[SWEEP_FULL, f"20 epochs at every batch size, grown up to {FIXED_EPOCHS_FULL.cap} until "
                                         "every model is trained"],
            condition="Novak et al.'s direction tested on one small MLP's batch-size sweep at fixed epochs; the "
                      "paper's networks and training regime are not reproduced"),
    Variant("sensitivity_falls-002-003-fixed_steps", EXTENSION, quotes=[Q002_SENS, Q003_SENS],
            statement="Sensitivity falls as the batch size grows", sources=["002", "003 §3.3.2"],
            cpu=Sensitivity(FIXED_STEPS_CPU, ("sensitivity falls",), "jacobian_frobenius"),
            full=Sensitivity(FIXED_STEPS_FULL, ("sensitivity falls",), "jacobian_frobenius"),
            deviations_cpu=[SWEEP_CPU, STEPS_CPU, SENSITIVITY_MEASURE],
            deviations_full=[SWEEP_FULL, STEPS_FULL, SENSITIVITY_MEASURE],
            condition=FIXED_STEPS),
    Variant("accuracy_falls-002-003-fixed_steps", EXTENSION, quotes=[Q002_ACC, Q003_ACC],
            statement="Test accuracy falls as the batch size grows", sources=["002", "003 §3.3.2"],
            cpu=Sensitivity(FIXED_STEPS_CPU, ("test accuracy falls",), "jacobian_frobenius"),
            full=Sensitivity(FIXED_STEPS_FULL, ("test accuracy falls",), "jacobian_frobenius"),
            deviations_cpu=[SWEEP_CPU, STEPS_CPU], deviations_full=[SWEEP_FULL, STEPS_FULL],
            condition=FIXED_STEPS + " (003 says 'over the same number of epochs')"),
    Variant("sensitivity_tracks_error-000-fixed_steps", EXTENSION, quotes=[Q000_SENS],
            statement="Sensitivity is larger where accuracy is smaller", sources=["000 §4"],
            cpu=Sensitivity(FIXED_STEPS_CPU, ("sensitivity tracks error",), "jacobian_two_norm"),
            full=Sensitivity(FIXED_STEPS_FULL, ("sensitivity tracks error",), "jacobian_two_norm"),
            deviations_cpu=[SWEEP_CPU, STEPS_CPU, "000's measure at 100 random inputs"],
            deviations_full=[SWEEP_FULL, STEPS_FULL],
            condition=FIXED_STEPS),
    Variant("sensitivity_rises-novak2018-fixed_steps", EXTENSION, quotes=[Q_NOVAK],
            statement="Sensitivity is higher for large-batch training",
            sources=["Novak et al. 2018", "contrary: 002, 003, 004"],
            cpu=Sensitivity(FIXED_STEPS_CPU, ("sensitivity rises",), "jacobian_frobenius", trained_models=True),
            full=Sensitivity(FIXED_STEPS_FULL, ("sensitivity rises",), "jacobian_frobenius", trained_models=True),
            deviations_cpu=[SWEEP_CPU, STEPS_CPU], deviations_full=[SWEEP_FULL, STEPS_FULL],
            condition="Novak et al.'s direction at fixed optimizer steps on one small MLP's batch-size sweep"),
    # 002's other half ("the loss's low ... at the small batch sizes"), its own variant so that it cannot decide
    # 003's accuracy sentence; reading: the validation loss (002 plots both; the section is about generalisation).
    # An extension: only 002 says it, of its conv -> output CNN; an MLP is another model family (fixtures/claims.py)
    Variant("test_loss_rises-002-fixed_epochs", EXTENSION, quotes=[Q002_ACC],
            statement="The test loss is lowest at small batch sizes: it rises as the batch size grows", sources=["002"],
            cpu=Sensitivity(FIXED_EPOCHS_CPU, ("test loss rises",), "jacobian_frobenius"),
            full=Sensitivity(FIXED_EPOCHS_FULL, ("test loss rises",), "jacobian_frobenius"),
            deviations_cpu=[SWEEP_CPU, EPOCHS_002_CPU, "lr 1e-3 on 4000 "
                            "images (002: lr 1e-2 on 55,000)", "reading: 'loss' = the test (validation) loss; 002 "
                            "does not say which of its plotted losses"],
            deviations_full=[SWEEP_FULL, EPOCHS_002_003_FULL],
            condition="an MLP (784-32-10, cpu; 784-500-10, full) instead of 002's two-layer conv -> output CNN: "
                      "another model family, which 002 did not train"),
    # 002's "approaching 0" (part 2). An extension like test_loss_rises-002: only 002 says it, of its CNN
    Variant("sensitivity_near_zero-002-fixed_epochs", EXTENSION, quotes=[Q002_SENS],
            statement="As the batch size grows the sensitivity approaches 0: at the largest batch it is near zero",
            sources=["002"],
            cpu=Sensitivity(FIXED_EPOCHS_CPU, (APPROACHES_ZERO,), "jacobian_frobenius"),
            full=Sensitivity(FIXED_EPOCHS_FULL, (APPROACHES_ZERO,), "jacobian_frobenius"),
            deviations_cpu=[SWEEP_CPU, EPOCHS_002_CPU, "lr 1e-3 on 4000 "
                            "images (002: lr 1e-2 on 55,000)", SENSITIVITY_MEASURE, f"reading: near zero = the "
                            f"median over seeds of sensitivity(batch 1024) / sensitivity(batch 32) <= {NEAR_ZERO:g}; "
                            f"against it >= {NOT_NEAR_ZERO:g} (002 gives no scale)"],
            deviations_full=[SWEEP_FULL, EPOCHS_002_003_FULL, "the same reading, over batch 32 to 4096"],
            condition="an MLP (784-32-10, cpu; 784-500-10, full) instead of 002's two-layer conv -> output CNN: "
                      "another model family, which 002 did not train"),
    Variant("sensitivity_falls-004-function_fit", SCALED, quotes=[Q004_SENS, Q004_SENS_SETUP],
            statement="Sensitivity falls as the batch size grows (004's measure, on 004's function fitting)",
            sources=["004 Flatness part 2"],
            cpu=Sensitivity(FIT_SWEEP_CPU, ("sensitivity falls",), "loss_gradient_max"),
            full=Sensitivity(FIT_SWEEP_FULL, ("sensitivity falls",), "loss_gradient_max"),
            deviations_cpu=[FIT_SWEEP_CPU_TEXT, "004's measure: the largest over the 1000 training points of "
                            "|d loss / dx|"],
            deviations_full=[FIT_SWEEP_FULL_TEXT]),
)


# --- the checks and the measures ----------------------------------------------------------------------------------
def relation_evidence(relation: str, batch_sizes, sensitivity: np.ndarray, finals: dict[str, np.ndarray]) -> stats.Evidence:
    """One rank correlation of RELATIONS over every (batch size, seed), or APPROACHES_ZERO: the median over seeds
    of the largest batch's sensitivity over the smallest's, against NEAR_ZERO (grey zone up to NOT_NEAR_ZERO).
    Sensitivity and finals' arrays are (batch sizes, seeds), batch sizes ascending."""
    if relation == APPROACHES_ZERO:
        ratio = np.median(sensitivity[-1] / sensitivity[0])
        return stats.threshold(ratio, "<=", NEAR_ZERO, against=NOT_NEAR_ZERO,
                               label=f"median sensitivity(batch {batch_sizes[-1]}) / "
                                     f"sensitivity(batch {batch_sizes[0]})")
    values = {"batch size": np.repeat(batch_sizes, sensitivity.shape[1]), "sensitivity": sensitivity.ravel(),
              "test accuracy": finals["test_acc"].ravel(), "test loss": finals["test_loss"].ravel()}
    x, y, sign = RELATIONS[relation]
    return stats.trend(values[x], values[y], sign, labels=(x, y))


def measure_sensitivity(measure: str, runs, runner, seed: int) -> np.ndarray:
    """(batch sizes, seeds) of one SENSITIVITY_MEASURES measure."""
    split = runner.split(runs[0].config, runs[0].seeds)
    if measure == "jacobian_two_norm":  # random inputs, not data: the same for every member
        shape = split.x_test.shape[2:] if split.per_member else split.x_test.shape[1:]
        inputs = torch.rand(RANDOM_INPUTS, *shape, generator=torch.Generator().manual_seed(seed)).to(split.x_test)
        return np.stack([runner.measure(metrics.jacobian_two_norm, r.config, r.params, inputs).numpy() for r in runs])
    if measure == "jacobian_frobenius":
        return np.stack([measure_members(runner, metrics.input_sensitivity, r, split, ("x_test",)) for r in runs])
    return np.stack([measure_members(runner, metrics.loss_input_gradient_max, r, split, ("x_train", "y_train"))
                     for r in runs])


# --- the test ---------------------------------------------------------------------------------------------------
@claim("sensitivity", ref="C10", title="Input sensitivity vs batch size", statement="Sensitivity falls as the batch size grows",
       sources=["000 §4", "002", "003 §3.3.2", "004", "contrary: Novak et al. 2018"], variants=VARIANTS)
def test_sensitivity(settings, profile, runner, record):
    s, sweep = settings, settings.sweep
    record.setting(s, dataset=sweep.task.name if sweep.task else profile.mnist, sensitivity=SENSITIVITY_MEASURES[s.measure])
    seeds = record.seeds(sweep.seeds)

    def file_checks(budget, point):
        """Train (or resume) the sweep to `budget`, measure, and file the checks on `point`."""
        runs = train_sweep(sweep, budget, profile, runner, seeds)
        sensitivity = measure_sensitivity(s.measure, runs, runner, record.seed_base)  # (batch sizes, seeds)
        finals = {name: np.stack([getattr(r, name)[:, -1] for r in runs]) for name in METRICS}
        gates = sweep_gates(sweep, runs, budget, s.trained_models)
        for relation in s.relations:
            point.check(relation, relation_evidence(relation, sweep.batch_sizes, sensitivity, finals), requires=gates)
        return budget, sensitivity, finals

    budget, sensitivity, finals = file_until_stable(record, file_checks, sweep.budget, sweep.cap, sweep.step)
    record.note(steps_note(sweep, budget))
    title = f"fixed {sweep.regime} ({budget}), {len(seeds)} seeds"
    if sweep.task is None:
        record.figure(figures.versus_batch_size(sweep.batch_sizes, finals, sensitivity, title=title))
    else:
        curves = {"final train MSE": finals["train_loss"], "004 sensitivity": sensitivity}
        record.figure(figures.sharpness_vs_batch_size(sweep.batch_sizes, curves, title=title))
    record.note(f"median sensitivity per batch size: {np.round(np.median(sensitivity, axis=1), 4).tolist()}")
    record.note(f"median final train accuracy (NaN: regression) per batch size: "
                f"{np.round(np.median(finals['train_acc'], axis=1), 4).tolist()}")
