"""C11 sharpness (bonus) — sharpness vs batch size: 004's noise measure and Keskar et al. 2017's ε-sharpness (004
HW1-3 Bonus; Keskar et al. 2017).

Variants: 004's sentence (a larger batch gives a smaller sharpness) with 004's own measure on 004's function fitting;
Keskar et al.'s opposite (large-batch minima are sharper) with their ε-sharpness on MNIST, at fixed epochs (their
regime) and at fixed optimizer steps (an extension). The sweeps are C10's (claims/batch_size_sweeps.py: identical
configs train once; a longer budget resumes a shorter one). Each variant's answer is read along its sweep's budget
(harness.budget: ½, ¾ and all of it, growing to the sweep's cap while it moves); Keskar et al.'s sentence is about
minima, so every model must fit its training set (batch_size_sweeps.sweep_gates). The trend is a pure function of
the measured array (`sharpness_evidence`), tested in tests/test_counterexamples_generalization_c9_c11.py.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from claims.batch_size_sweeps import (FIT_SWEEP_CPU, FIT_SWEEP_CPU_TEXT, FIT_SWEEP_FULL, FIT_SWEEP_FULL_TEXT,
                                      FIXED_EPOCHS_CPU, FIXED_EPOCHS_FULL, FIXED_STEPS, FIXED_STEPS_CPU, FIXED_STEPS_FULL,
                                      SWEEP_CPU, SWEEP_FULL, BatchSweep, measure_members, steps_note, sweep_gates, train_sweep)
from fixtures import EXTENSION, SCALED, Quote, Variant, claim, variants
from harness import figures, metrics, stats
from harness.budget import file_until_stable

# --- the reports' words ----------------------------------------------------------------------------------------
Q004_SHARP = Quote("004", "HW1-3 Bonus (sharpness)", "在 batch size 較大的 sharpness 比較小(跟 Paper 結果相反@@)")
Q004_NOT_MNIST = Quote("004", "HW1-3 Bonus (sharpness)", "我們沒有坐在 MNIST 上面")
Q_KESKAR = Quote("Keskar et al. 2017", "CLAIMS.md",
                 "large-batch minima are sharper under ε-sharpness (ε = 1e-3, 5e-4).")

# --- the measures, their parameters fixed before measuring ----------------------------------------------------------
NOISE_RELATIVE_SIGMA = 0.05  # 004 gives no σ: σ = 5% of each model's parameter RMS, fixed before measuring (a
                             # small perturbation; 004: "加入些微的 noise", a slight noise)
NOISE_SAMPLES = 20     # 004: n = 20
EPSILON = 1e-3         # Keskar et al. 2017's ε (they also used 5e-4)
ASCENT_STEPS = 10      # a few projected ascent steps; Keskar et al. also maximised inexactly (L-BFGS-B)
MEASURES = {"noise": "004 sharpness: largest loss increase, N(0, σ²) noise, σ relative to the parameters",
            "epsilon": "Keskar ε-sharpness φ"}


# --- settings ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sharpness:
    sweep: BatchSweep            # claims/batch_size_sweeps.py: the sweeps, their pilots and seeds
    measure: str                 # "noise" (004's) or "epsilon" (Keskar et al. 2017's)
    sign: str                    # of the rank correlation with batch size: "less" = larger batch, less sharp
    trained_models: bool = False  # the sentence is about minima (Keskar et al.): every model must fit its training
                                  # set (batch_size_sweeps.sweep_gates)


VARIANTS = variants(
    Variant("smaller-004-function_fit", SCALED, quotes=[Q004_SHARP, Q004_NOT_MNIST],
            statement="A larger batch gives a smaller sharpness (largest loss increase under Gaussian parameter noise), "
                      "on 004's function fitting", sources=["004"],
            cpu=Sharpness(FIT_SWEEP_CPU, "noise", "less"), full=Sharpness(FIT_SWEEP_FULL, "noise", "less"),
            deviations_cpu=[FIT_SWEEP_CPU_TEXT, "σ = 5% of each model's parameter RMS (004 gives no σ), 20 draws as 004"],
            deviations_full=[FIT_SWEEP_FULL_TEXT, "σ = 5% of the parameter RMS, 20 draws"]),
    Variant("sharper-keskar2017-fixed_epochs", SCALED, quotes=[Q_KESKAR],
            statement="Large-batch minima are sharper (ε-sharpness)", sources=["Keskar et al. 2017", "contrary: 004"],
            cpu=Sharpness(FIXED_EPOCHS_CPU, "epsilon", "greater", trained_models=True),
            full=Sharpness(FIXED_EPOCHS_FULL, "epsilon", "greater", trained_models=True),
            deviations_cpu=[SWEEP_CPU + " (Keskar et al.: small batch 256 vs large ~10% of the data, larger networks on "
                            "full datasets)", f"50 epochs at every batch size, grown up to {FIXED_EPOCHS_CPU.cap} "
                            "until every model is trained (the paper's budget is not in CLAIMS.md)",
                            "ε = 1e-3 with 10 projected ascent steps (Keskar et al.: L-BFGS-B)"],
            deviations_full=[SWEEP_FULL, f"20 epochs, grown up to {FIXED_EPOCHS_FULL.cap} until every model is trained",
                             "ε = 1e-3, 10 ascent steps"]),
    Variant("sharper-keskar2017-fixed_steps", EXTENSION, quotes=[Q_KESKAR],
            statement="Large-batch minima are sharper (ε-sharpness)", sources=["Keskar et al. 2017", "contrary: 004"],
            cpu=Sharpness(FIXED_STEPS_CPU, "epsilon", "greater", trained_models=True),
            full=Sharpness(FIXED_STEPS_FULL, "epsilon", "greater", trained_models=True),
            deviations_cpu=[SWEEP_CPU, f"1000 optimizer steps at every batch size, read up to {FIXED_STEPS_CPU.cap}",
                            "ε = 1e-3, 10 ascent steps"],
            deviations_full=[SWEEP_FULL, "10000 optimizer steps at every batch size, read up to 40000",
                             "ε = 1e-3, 10 ascent steps"],
            condition=FIXED_STEPS),
)


# --- the check: a pure function of the measured array -------------------------------------------------------------
def sharpness_evidence(batch_sizes, sharpness: np.ndarray, sign: str) -> stats.Evidence:
    """Rank correlation of sharpness (batch sizes, seeds) with the batch size, in the sentence's direction."""
    return stats.trend(np.repeat(batch_sizes, sharpness.shape[1]), sharpness.ravel(), sign, labels=("batch size", "sharpness"))


# --- the test ---------------------------------------------------------------------------------------------------
@claim("sharpness", ref="C11", title="Sharpness vs batch size", statement="Sharpness changes with the batch size",
       sources=["004", "Keskar et al. 2017"], variants=VARIANTS)
def test_sharpness(settings, profile, runner, record):
    s, seed_base = settings, record.seed_base
    record.setting(s, dataset=s.sweep.task.name if s.sweep.task else profile.mnist, measure=MEASURES[s.measure],
                   noise_relative_sigma=NOISE_RELATIVE_SIGMA, noise_samples=NOISE_SAMPLES, epsilon=EPSILON,
                   ascent_steps=ASCENT_STEPS, loss="mean loss on the whole training split")
    sweep, seeds = s.sweep, record.seeds(s.sweep.seeds)
    fn, args = ((metrics.relative_noise_sharpness, (NOISE_RELATIVE_SIGMA, NOISE_SAMPLES, seed_base)) if s.measure == "noise"
                else (metrics.epsilon_sharpness, (EPSILON, ASCENT_STEPS)))
    name = f"{MEASURES[s.measure]} {'falls' if s.sign == 'less' else 'rises'} with batch size"

    def file_checks(budget, point):
        """Train (or resume) the sweep to `budget`, measure, and file the check on `point`."""
        runs = train_sweep(sweep, budget, profile, runner, seeds)
        split = runner.split(runs[0].config, seeds)
        sharpness = np.stack([measure_members(runner, fn, r, split, ("x_train", "y_train"), *args) for r in runs])
        point.check(name, sharpness_evidence(sweep.batch_sizes, sharpness, s.sign),  # sharpness: (batch sizes, seeds)
                    requires=sweep_gates(sweep, runs, budget, s.trained_models))
        return budget, sharpness, [np.median(r.train_acc[:, -1]) for r in runs]

    budget, sharpness, train_acc = file_until_stable(record, file_checks, sweep.budget, sweep.cap, sweep.step)
    record.note(steps_note(sweep, budget))
    record.figure(figures.sharpness_vs_batch_size(sweep.batch_sizes, {MEASURES[s.measure]: sharpness},
                                                  title=f"fixed {sweep.regime} ({budget}), {len(seeds)} seeds"))
    record.note(f"median {MEASURES[s.measure]} per batch size: {np.round(np.median(sharpness, axis=1), 4).tolist()}")
    record.note(f"median final train accuracy (NaN: regression) per batch size: {np.round(train_acc, 4).tolist()}")
