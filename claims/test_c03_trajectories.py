"""C3 trajectories: runs from different initialisations reach losses of the same order, yet their parameters do
not come together: they end at least as far apart as they started (004; PCA as 001 and 003 §2.1, t-SNE as 004).
A convex problem, where every run ends at the one minimum, refutes it.

One variant, function-004: 004's own experiment (a 6-hidden-layer net fitting sin(3πx)+cos(6πx), 8 runs of 5000
epochs), scaled. Its checks compare the runs, so they are read along the budget (harness.budget: at ½, ¾ and all
of it). The decision is a function of the measured arrays (`trajectory_checks`), which
tests/test_counterexamples_optimization.py runs on counter-examples. (mnist-001-003, the sentence on MNIST, was
dropped in issue 20: from independent initialisations its distance ratio >= 1 could not fail.)
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from scipy.spatial.distance import pdist

from claims.function_fits import function_task, numbers
from fixtures import SCALED, Quote, Variant, claim, variants
from harness import budget, figures, metrics
from harness.data import FUNCTION_LABELS
from harness.models import MLPSpec, count_params
from harness.record import Record
from harness.train import TrainConfig

# --- the reports' words --------------------------------------------------------------------------------------
Q004_PATHS = Quote("004", "HW1-2 Visualize the optimization process",
                   "訓練八次,每次 5000 個 epochs,loss 下降的數量級非常接近,但是參數的更新卻大不相同")
Q004_PATHS_INIT = Quote("004", "HW1-2 Visualize the optimization process",
                        "隨著每次訓練 initialization 的不同,gradient descent 所走的路徑是非常不同的")

# --- thresholds (fixed before any run was measured) ----------------------------------------------------------
SAME_ORDER = 10.0     # 004: "loss reaches the same order of magnitude": max / min final train loss < 10; the
                      # words draw the line both ways: a spread of 10x or more is a different order of magnitude
APART = 1.0           # 004: "the paths differ greatly" / "the updates of the parameters differ greatly": training
                      # does not bring the runs together — the median over pairs of runs of (distance between
                      # their final points) / (distance between their initial points) is >= 1 ...
TOGETHER = 0.5        # ... and against the sentence below 0.5: the runs closed half their initial distance, i.e.
                      # they converge towards a common point (a convex problem drives the ratio to 0)
# Budget: the checks compare the runs, so they are read at ½, ¾ and all of the budget (harness.budget's rule,
# replacing this module's former gate "the answer is the same at every record of the last 20%"). The loss keeps
# creeping down (pilots: 0.1–25% over the last 20% of 5000–15000 epochs), which says nothing about whether the
# runs' losses are of one order or their parameters apart. Start = cap = 5000 epochs on both profiles: 004's own
# ("每次 5000 個 epochs"); its sentence is about runs of that length, so a longer budget would test another
# sentence. An answer that still moves between 2500, 3750 and 5000 is inconclusive (budget).
# Runs: 8, as every report ("train the model 8 times"); both checks are thresholds on all runs (no p-value).


# --- settings and variants -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Trajectories:
    model: MLPSpec
    task: str                   # a 1-D target function
    epochs: int
    lr: float                   # Adam
    snapshot_every: int         # epochs between parameter snapshots
    runs: int = 8               # every report: "train the model 8 times"
    layer: str = "1."           # the first Linear (weight and bias), the layer 001 and 003 plotted
    cap: int = 5000             # the most epochs the budget may grow to (harness.budget); = epochs: 004's own


# 004: 6 hidden layers (~1006 parameters; equal widths of 13 give 950), 5000 epochs, every 50.
FUNCTION_004 = Trajectories(MLPSpec(1, (13,) * 6, 1), "sin_cos", epochs=5000, lr=1e-3, snapshot_every=50)

VARIANTS = variants(
    Variant("function-004", SCALED, quotes=[Q004_PATHS, Q004_PATHS_INIT], sources=["004"],
            cpu=FUNCTION_004, full=FUNCTION_004,
            deviations_cpu=[
                "6 hidden layers of 13 units = 950 parameters (004: ~1006)", "200 training points (004: not given)",
                "unstated: full-batch Adam lr 1e-3",
                "'paths very different' read as: the runs end at least as far apart as they started (median over "
                "pairs of final / initial distance >= 1; below 0.5 the runs came together, against); 004 drew t-SNE "
                "paths, no measure",
                "budget: each check's answer read at 2500, 3750 and 5000 epochs (004 states no criterion); 5000 "
                "is also the cap"],
            deviations_full=[
                "950 parameters (004: ~1006)", "unstated: 1000 training points, full-batch Adam lr 1e-3",
                "'paths very different' = final / initial distance between runs >= 1, as cpu"]),
)


# --- checks --------------------------------------------------------------------------------------------------
def trajectory_checks(record: Record, train_loss: np.ndarray, snapshots: np.ndarray) -> None:
    """The two checks from the (runs, records) train loss and the (runs, records, n_params) parameters, recorded
    at the same epochs (record 0 = initialisation), read at the last record."""
    train_loss, snapshots = np.asarray(train_loss, dtype=float), np.asarray(snapshots, dtype=float)
    if train_loss.shape[1] != snapshots.shape[1]:
        raise ValueError("C3 needs the loss and the parameters recorded at the same epochs")
    spread = train_loss[:, -1].max() / train_loss[:, -1].min()
    initial = pdist(snapshots[:, 0])
    final = pdist(snapshots[:, -1]) / initial  # per pair of runs
    record.check("final train loss, largest / smallest over runs", spread, "<", SAME_ORDER, against=SAME_ORDER,
                 detail=f"final losses {numbers(train_loss[:, -1])}")
    record.check("distance between two runs' final points / between their initial points, median over pairs",
                 float(np.median(final)), ">=", APART, against=TOGETHER,
                 detail=f"over {len(final)} pairs: ratio range {final.min():.3g}–{final.max():.3g}; median distance "
                        f"initial {np.median(initial):.3g}, final {np.median(pdist(snapshots[:, -1])):.3g}")


# --- the test ------------------------------------------------------------------------------------------------
@claim("trajectories", ref="C3", title="Different initialisations: similar loss, different paths",
       statement="Runs from different initialisations reach losses of the same order of magnitude, "
                 "but their parameters follow very different paths: training does not bring them together (004)",
       sources=["004"], variants=VARIANTS, needs_mnist=False)
def test_trajectories(settings, profile, runner, record):
    s, seed_base = settings, record.seed_base
    data = function_task(s.task, profile.name)
    config = TrainConfig(model=s.model, data=data, epochs=s.epochs, lr=s.lr, record_every=s.snapshot_every,
                         snapshot_every=s.snapshot_every)
    seeds = record.seeds(s.runs)

    def file_checks(epochs: int, sink) -> object:  # longer budgets resume from the cached shorter runs
        runs = runner.train(dataclasses.replace(config, epochs=epochs), seeds)
        trajectory_checks(sink, runs.train_loss, runs.snapshots.numpy())
        return runs

    runs = budget.file_until_stable(record, file_checks, start=s.epochs, cap=s.cap, step=s.snapshot_every)
    record.setting(s, parameters=count_params(s.model), data=str(data), budget=runs.config.epochs)
    final_loss = runs.train_loss[:, -1]
    layer = runs.snapshots[:, :, metrics.layer_columns(runs.params, s.layer)]
    for method, name in (("pca", "PCA"), ("tsne", "t-SNE")):
        paths = {f"layer 1 ({layer.shape[2]} parameters)": runner.measure(metrics.project_paths, layer, method, seed_base),
                 f"whole model ({runs.snapshots.shape[2]} parameters)":
                     runner.measure(metrics.project_paths, runs.snapshots, method, seed_base)}
        record.figure(figures.trajectories(paths, final_loss, axis_name=name, title=(
            f"{name} of the parameters, recorded every {s.snapshot_every} epoch(s), of {len(runs)} runs: "
            f"{s.model.label} on {FUNCTION_LABELS.get(s.task, s.task)}")))
