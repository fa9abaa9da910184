"""C9 interpolation — the loss and accuracy on the line θ(α) = (1 − α)·θ₁ + α·θ₂ between two trained models
(000 §3, 002 Flatness part 1, 003 §3.3.1, 004 Flatness part 1).

One variant per report sentence: the loss peaks at α = 0.5 (000; and, an extension, with both ends from one
initialisation, after Goodfellow et al. 2015); the small-batch end reaches the lower loss (002); accuracy is high only
near the ends, and the α = 1 end has the lower loss at equal accuracy (004); accuracy falls towards 0.5, improves
towards 1 and falls beyond 1.5 (003's batch pair), and stays stable as α approaches 0 (003's learning-rate pair). Each
pair trains as the report trained its own: both ends for the same number of epochs, from independent initialisations,
on one shared subset; 003's lines, as 003's, train each point one epoch more before measuring it
(harness/line_retrain.py). The variants train three configs between them (identical configs train once: cache). Every
check requires both ends to fit their training set; the budget grows while the answer moves (harness.budget). The
checks are pure functions of the curves (`LINE_FINDINGS`), tested on synthetic lines in
tests/test_counterexamples_generalization_c9_c11.py.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from claims.batch_size_sweeps import batch_config
from harness.line_retrain import Retrain, retrained_line_metrics
from claims.training_gates import trained_gate
from fixtures import EXTENSION, SCALED, Quote, Variant, claim, variants
from harness import budget, figures, metrics, stats
from harness.data import DataSpec
from harness.models import MLPSpec, ModelSpec

# --- the reports' words ----------------------------------------------------------------------------------------
Q000_PEAK = Quote("000", "§3", "The interpolation of two weights show the peak through loss surface. The performance is "
                               "not good when alpha is 0.5")
Q_GOODFELLOW = Quote("Goodfellow et al. 2015", "CLAIMS.md",
                     "barrier between two solutions depends on whether they share their initialisation.")
Q002_SMALL_LOSS = Quote("002", "Flatness v.s. Generalization - part1", "在 training 的部分可以發現小的 batch size 會有小的 loss。")
Q002_VAL_LOSS = Quote("002", "Flatness v.s. Generalization - part1", "validation 的 loss 相對於 training 來的大")
Q004_LINE = Quote("004", "HW1-3 Flatness part 1", "只有在[0] 以及[1]的位置 Accuracy 特別高(Loss 特別低)")
Q004_LINE_SETUP = Quote("004", "HW1-3 Flatness part 1", "做在 MNIST 上面,一層 CNN+四層 DNN,learning rate=0.001, Batch_Size 分別為 50 和 1000。")
Q004_LOSS_NOT_ACC = Quote("004", "HW1-3 Flatness part 1", "儘管已 Loss 的角度而言,位於 1.0 的參數設定表現比較好,但是在 Accuracy 上沒有太明顯的區別")
Q003_BATCH_LINE = Quote("003", "§3.3.1", "The models trained with different batch sizes show improved performance with "
                                         "lower loss and higher accuracy as alpha approaches 0.0, but a decrease in "
                                         "performance as alpha increases from 0.0 to 0.5")
Q003_BATCH_LINE_END = Quote("003", "§3.3.1", "followed by improvement and then a steep decline for alpha values "
                                             "between 1.5 to")
Q003_LR_LINE = Quote("003", "§3.3.1", "The models trained with different learning rates, however, show stable good "
                                      "performance as alpha approaches 0.0.")

# --- thresholds, fixed from the reports' words before any run --------------------------------------------------
ALPHAS = np.linspace(-1, 2, 31)  # 004's range [-1, 2] in steps of 0.1 (003 drew 31 points)
NEAR = 0.25        # 004 "only at [0] and [1]": within a quarter of the distance between the minima
HIGH = 0.02        # 004 "accuracy is high": within 2 points of the worse minimum's test accuracy
EQUAL_ACC = 0.01   # 004 "no clearly different accuracy" (沒有太明顯的區別): within one accuracy point, a difference
                   # too small to see on an accuracy-vs-α plot
STABLE = 0.02      # 003 "stable good performance": test accuracy within 2 points of α = 0's over every α drawn below
                   # 0: "as alpha approaches 0.0" is the approach from below, as in 003's batch sentence, whose fall
                   # begins only past 0 ("a decrease ... as alpha increases from 0.0 to 0.5"); 003 names no nearer
                   # bound than the start of its drawn range (-2.0; the suite's grid starts at -1)
# the budget gate (training_gates.TRAINED): an end is a minimum when it fits its training set (train accuracy >= 0.99)
METRICS = ("train_loss", "test_loss", "train_acc", "test_acc")


# --- settings ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class End:
    """How one end of the line trained (Adam)."""
    batch_size: int
    lr: float


@dataclass(frozen=True)
class Interpolation:
    finding: str                 # a name in LINE_FINDINGS: the checks this sentence gets
    model: ModelSpec
    a: End                       # θ₁ (α = 0)
    b: End                       # θ₂ (α = 1)
    epochs: int                  # both ends, as every report trained its pair: the start budget
    cap: int                     # the most epochs the budget may grow to (harness.budget)
    shared_init: bool            # pair i: θ₁ and θ₂ both from seed i (same initial weights), else θ₂ from seed i+1
    pairs: int
    n_train: int
    retrain: Retrain | None = None  # 003: each model on the line trained once more before it is measured


SMALL, LARGE = End(64, 1e-3), End(1024, 1e-3)  # 003's and 004's batch pairs (64 vs 1000; 50 vs 1000), lr 1e-3
LARGE_FAST = End(1024, 1e-2)                    # 000's and 002's large-batch end: batch and lr varied together
PAIRS = 6  # sign test over 6 pairs: p = 0.5⁶ = 0.016 when all agree, below Holm's 0.025 for a variant's 2 tests;
           # in the pilot (seed base 10000) every sign test came out 6 of 6 one way, so 6 pairs give power ≈ 1
EPOCHS_LINE_CPU = 225  # start: every end; batch 1024 at lr 1e-3 then takes 900 steps (003's batch-1000 end: 15 epochs
                       # × 60 = 900); pilot (seed base 10000): it reached train accuracy 0.992–0.994 by epoch 200
CAP_LINE_CPU = 450     # cost: one doubling, ≈ 30 CPU-s more for the three configs, and ≈ 10 CPU-s more for each pair
                       # of 003's retrained lines (the reports' 500 would not fit the cpu profile's share). Pilot (seed
                       # base 10000): at 225 epochs the ends' gate is unmet at the rung's ½ and ¾ points (100, 175), so
                       # a variant decides at 450 at the earliest; C9 cold, at these caps: 118 CPU-s
EPOCHS_LINE_FULL = 500  # 000's and 002's epochs (003: 15): start and cap, the reports' own setting
LINE_RECORD_EVERY = 25  # epochs between records: fixed, so that every budget of a line's ends shares one lineage
MLP_LINE_CPU = MLPSpec(784, (32,), 10)   # cost: one hidden layer like 003's 784-500-10, narrower
MLP_LINE_FULL = MLPSpec(784, (500,), 10)  # 003's 397,510-parameter DNN


def on_cpu(finding: str, a: End, b: End, shared_init: bool = False, retrain: Retrain | None = None) -> Interpolation:
    return Interpolation(finding, MLP_LINE_CPU, a, b, EPOCHS_LINE_CPU, CAP_LINE_CPU, shared_init, PAIRS, n_train=4000,
                         retrain=retrain)


def on_full(finding: str, a: End, b: End, shared_init: bool = False, pairs: int = PAIRS,
            retrain: Retrain | None = None) -> Interpolation:
    return Interpolation(finding, MLP_LINE_FULL, a, b, EPOCHS_LINE_FULL, EPOCHS_LINE_FULL, shared_init, pairs,
                         n_train=55000, retrain=retrain)


RETRAIN_003 = Retrain()  # 003 §3.3.1: one epoch, batch 100, Adam lr 1e-3 for each of the line's models


# How the settings differ from the reports' (the variants' deviations)
LINE_CPU = ("MLP 784-32-10 (25,450 parameters), 4000 training / 1000 test images of the offline 5000-image MNIST "
            "subset; 6 pairs from independent initialisations")
LINE_EPOCHS_CPU = "225 epochs each, up to 450 while the answer moves"
RETRAIN_TEXT = ("each of the 31 models on the line trained one epoch more (batch 100, Adam lr 1e-3, as 003) before it "
                "is measured; no weight decay (003: 1e-4)")
MLP_FOR_CNN = ("cpu profile: an MLP (784-32-10; full profile 784-500-10) stands in for {}: a change of model family, "
               "which no report tested for this sentence")
LINE_FULL = "MLP 784-500-10 (397,510 parameters), 55,000 images; 6 pairs"
# Seeds by power for the equivalence check of lower_loss_equal_accuracy-004: pilot (seed base 10000) accuracy
# differences had mean 0.0015, sd 0.011 against the ±0.01 margin: stats.seeds_needed gives ≈ 20 pairs, ≈ 130 CPU-s
# more than the cpu profile affords (it stays at 6 pairs, likely inconclusive); the full profile trains 20.
DEVIATIONS_003_BATCH_CPU = [LINE_CPU, "batch 64 vs 1024 (003: 64 vs 1000) at lr 1e-3 (003: 1.5e-3, weight decay 1e-4), "
                            + LINE_EPOCHS_CPU + " (003: 15 epochs of 60,000 images: 900 steps at batch 1000, as the "
                            "suite's 900 at 1024)", "MLP 784-32-10 instead of 003's 784-500-10", RETRAIN_TEXT,
                            "α from -1 to 2 (003: -2 to 2)", "'performance' = test accuracy"]
DEVIATIONS_003_BATCH_FULL = [LINE_FULL + " (003's net)", "500 epochs (003: 15)",
                             "lr 1e-3, no weight decay (003: 1.5e-3, 1e-4)", RETRAIN_TEXT]
VARIANTS = variants(
    Variant("peak_at_half-000", SCALED, quotes=[Q000_PEAK],
            statement="Between the two minima the loss peaks and the model is poor at α = 0.5", sources=["000 §3"],
            cpu=on_cpu("peak_at_half-000", SMALL, LARGE_FAST), full=on_full("peak_at_half-000", SMALL, LARGE_FAST),
            deviations_cpu=[LINE_CPU, "θ₁ batch 64 lr 1e-3, θ₂ batch 1024 lr 1e-2 as 000, " + LINE_EPOCHS_CPU
                            + " (000: 500)", "000's model unstated; MLP 784-32-10"],
            deviations_full=[LINE_FULL, "500 epochs each as 000", "55,000 images as 000"]),
    Variant("small_batch_lower_loss-002", EXTENSION, quotes=[Q002_SMALL_LOSS, Q002_VAL_LOSS],
            statement="The small-batch model reaches the lower training loss, and the validation loss is above the "
                      "training loss", sources=["002 Flatness part 1"],
            cpu=on_cpu("small_batch_lower_loss-002", LARGE_FAST, SMALL),
            full=on_full("small_batch_lower_loss-002", LARGE_FAST, SMALL),
            deviations_cpu=[LINE_CPU, "θ₁ batch 1024 lr 1e-2, θ₂ batch 64 lr 1e-3 as 002, " + LINE_EPOCHS_CPU
                            + " (002: 500)", "MLP 784-32-10 instead of 002's conv1 -> conv2 -> conv3 -> dense -> output "
                            "CNN", "test split of the offline subset (002: the first 1000 MNIST test images)"],
            deviations_full=[LINE_FULL + " instead of 002's CNN", "500 epochs each as 002"],
            condition=MLP_FOR_CNN.format("002's conv1 -> conv2 -> conv3 -> dense -> output CNN")),
    Variant("high_only_near_ends-004", EXTENSION, quotes=[Q004_LINE, Q004_LINE_SETUP],
            statement="Accuracy is high (loss low) only near α = 0 and α = 1", sources=["004 Flatness part 1"],
            cpu=on_cpu("high_only_near_ends-004", SMALL, LARGE), full=on_full("high_only_near_ends-004", SMALL, LARGE),
            deviations_cpu=[LINE_CPU, "batch 64 vs 1024 (004: 50 vs 1000) at 004's lr 1e-3, " + LINE_EPOCHS_CPU
                            + " (004: unstated)", "MLP 784-32-10 instead of 004's 1 conv + 4 dense net"],
            deviations_full=[LINE_FULL + " instead of 004's 1 conv + 4 dense net",
                             "batch 64 vs 1024, 500 epochs (004: unstated)"],
            condition=MLP_FOR_CNN.format("004's 1 conv + 4 dense net")),
    Variant("lower_loss_equal_accuracy-004", EXTENSION, quotes=[Q004_LOSS_NOT_ACC, Q004_LINE_SETUP],
            statement="The model at α = 1 has the lower loss but no clearly different accuracy",
            sources=["004 Flatness part 1"],
            cpu=on_cpu("lower_loss_equal_accuracy-004", SMALL, LARGE),
            full=on_full("lower_loss_equal_accuracy-004", SMALL, LARGE, pairs=20),
            deviations_cpu=[LINE_CPU, "batch 64 (α = 0) vs 1024 (α = 1; 004: 50 and 1000, in that order) at lr 1e-3, "
                            + LINE_EPOCHS_CPU, "MLP 784-32-10 instead of 004's 1 conv + 4 dense net",
                            "reading: 'loss' = test loss, 'accuracy' = test accuracy; 004 does not say which model sits "
                            "at α = 1, the suite reads its listing order (50, 1000)"],
            deviations_full=[LINE_FULL + " instead of 004's net", "batch 64 vs 1024, 500 epochs"],
            condition=MLP_FOR_CNN.format("004's 1 conv + 4 dense net")),
    Variant("drops_to_half_and_beyond-003", SCALED, quotes=[Q003_BATCH_LINE, Q003_BATCH_LINE_END],
            statement="Performance falls from α = 0 to α = 0.5 and declines steeply from α = 1.5 to 2",
            sources=["003 §3.3.1"],
            cpu=on_cpu("drops_to_half_and_beyond-003", SMALL, LARGE, retrain=RETRAIN_003),
            full=on_full("drops_to_half_and_beyond-003", SMALL, LARGE, retrain=RETRAIN_003),
            deviations_cpu=DEVIATIONS_003_BATCH_CPU, deviations_full=DEVIATIONS_003_BATCH_FULL),
    Variant("improves_from_half_to_one-003", SCALED, quotes=[Q003_BATCH_LINE_END],
            statement="Past its fall to α = 0.5, performance improves again towards α = 1", sources=["003 §3.3.1"],
            cpu=on_cpu("improves_from_half_to_one-003", SMALL, LARGE, retrain=RETRAIN_003),
            full=on_full("improves_from_half_to_one-003", SMALL, LARGE, retrain=RETRAIN_003),
            deviations_cpu=DEVIATIONS_003_BATCH_CPU, deviations_full=DEVIATIONS_003_BATCH_FULL),
    Variant("stable_near_zero-003", SCALED, quotes=[Q003_LR_LINE],
            statement="The learning-rate pair shows stable good performance near α = 0", sources=["003 §3.3.1"],
            cpu=on_cpu("stable_near_zero-003", LARGE, LARGE_FAST, retrain=RETRAIN_003),
            full=on_full("stable_near_zero-003", LARGE, LARGE_FAST, retrain=RETRAIN_003),
            deviations_cpu=[LINE_CPU, "lr 1e-3 (α = 0) vs 1e-2 as 003, at batch 1024 (003: unstated; it names batch 100 "
                            "for its evaluation), " + LINE_EPOCHS_CPU, "MLP 784-32-10 instead of 003's 784-500-10",
                            RETRAIN_TEXT, "reading: 'stable good performance as alpha approaches 0.0' = test accuracy "
                            "at every α drawn below 0 (-1 <= α <= 0; 003 drew from -2) within 2 points of α = 0's: the "
                            "approach from below, as in 003's batch sentence"],
            deviations_full=[LINE_FULL + " (003's net)", "batch 1024, 500 epochs", RETRAIN_TEXT]),
    Variant("peak_at_half-000-shared_init", EXTENSION, quotes=[Q000_PEAK, Q_GOODFELLOW],
            statement="Between the two minima the loss peaks and the model is poor at α = 0.5",
            sources=["000 §3", "Goodfellow et al. 2015"],
            cpu=on_cpu("peak_at_half-000", SMALL, LARGE_FAST, shared_init=True),
            full=on_full("peak_at_half-000", SMALL, LARGE_FAST, shared_init=True),
            deviations_cpu=[LINE_CPU, "θ₁ batch 64 lr 1e-3, θ₂ batch 1024 lr 1e-2, " + LINE_EPOCHS_CPU],
            deviations_full=[LINE_FULL, "500 epochs each"],
            condition="shared initialisation: θ₁ and θ₂ start from the same weights; 000 trained its pair from two "
                      "initialisations"),
)


# --- the checks: one function per report sentence, each of the curves (pairs, alphas) ----------------------------
def points(alphas: np.ndarray) -> dict[float, int]:
    """The indices of α = 0, 0.5, 1, 1.5 and 2 (the nearest grid points)."""
    return {a: int(np.argmin(np.abs(alphas - a))) for a in (0, 0.5, 1, 1.5, 2)}


def sign(x, y, side, labels) -> stats.Evidence:
    return stats.paired(x, y, side, "sign", labels)


def peak_at_half(curves, alphas):  # 000: "the peak through loss surface ... not good when alpha is 0.5"
    at, loss, acc = points(alphas), curves["train_loss"], curves["test_acc"]
    ends = [at[0], at[1]]
    return [("train loss at α = 0.5 above both ends", sign(loss[:, at[0.5]], loss[:, ends].max(1), "greater",
                                                            ("loss at 0.5", "higher end"))),
            ("test accuracy at α = 0.5 below both ends", sign(acc[:, at[0.5]], acc[:, ends].min(1), "less",
                                                              ("accuracy at 0.5", "worse end")))]


def small_batch_lower_loss(curves, alphas):  # 002: θ₂ (α = 1) is the small batch
    at, loss, test_loss = points(alphas), curves["train_loss"], curves["test_loss"]
    gap = np.minimum(test_loss[:, at[0]] - loss[:, at[0]], test_loss[:, at[1]] - loss[:, at[1]])
    return [("train loss lower at the small-batch end (α = 1)",
             stats.paired(loss[:, at[1]], loss[:, at[0]], "less", "wilcoxon", ("small batch", "large batch"))),
            ("validation loss above training loss at both ends",
             sign(gap, np.zeros_like(gap), "greater", ("smaller test − train loss gap of the ends", "0")))]


def high_only_near_ends(curves, alphas):  # 004: "only at [0] and [1] accuracy is high (loss is low)"
    at, test_loss, acc = points(alphas), curves["test_loss"], curves["test_acc"]
    ends = [at[0], at[1]]
    far = np.minimum(np.abs(alphas), np.abs(alphas - 1)) > NEAR
    return [(f"best test accuracy farther than {NEAR} from both ends more than {HIGH} below the worse end",
             sign(acc[:, far].max(1), acc[:, ends].min(1) - HIGH, "less", ("best far accuracy", f"worse end − {HIGH}"))),
            (f"lowest test loss farther than {NEAR} from both ends above the higher end",
             sign(test_loss[:, far].min(1), test_loss[:, ends].max(1), "greater", ("lowest far loss", "higher end")))]


def lower_loss_equal_accuracy(curves, alphas):  # 004: at 1.0 the loss is lower, accuracy not clearly different
    at, test_loss, acc = points(alphas), curves["test_loss"], curves["test_acc"]
    return [("test loss lower at α = 1 than at α = 0",
             stats.paired(test_loss[:, at[1]], test_loss[:, at[0]], "less", "wilcoxon", ("α = 1", "α = 0"))),
            (f"test accuracy at α = 1 minus α = 0 within ±{EQUAL_ACC}",
             stats.equivalent(acc[:, at[1]] - acc[:, at[0]], 0.0, EQUAL_ACC, label="accuracy difference"))]


def drops_to_half_and_beyond(curves, alphas):  # 003: falls from 0 to 0.5; steep decline from 1.5 to 2
    at, acc = points(alphas), curves["test_acc"]
    return [("test accuracy lower at α = 0.5 than at α = 0", sign(acc[:, at[0.5]], acc[:, at[0]], "less",
                                                                  ("α = 0.5", "α = 0"))),
            ("test accuracy lower at α = 2 than at α = 1.5", sign(acc[:, at[2]], acc[:, at[1.5]], "less",
                                                                  ("α = 2", "α = 1.5")))]


def improves_from_half_to_one(curves, alphas):  # 003: after the fall to 0.5, "followed by improvement"
    at, acc = points(alphas), curves["test_acc"]
    return [("test accuracy higher at α = 1 than at α = 0.5", sign(acc[:, at[1]], acc[:, at[0.5]], "greater",
                                                                   ("α = 1", "α = 0.5")))]


def stable_near_zero(curves, alphas):  # 003: "stable good performance as alpha approaches 0.0" (from below)
    at, acc = points(alphas), curves["test_acc"]
    drop = acc[:, at[0]] - acc[:, alphas <= 1e-9].min(1)
    return [(f"largest test-accuracy drop below α = 0's over {alphas[0]:g} <= α <= 0 within {STABLE}",
             stats.equivalent(drop, 0.0, STABLE, label="accuracy drop"))]


LINE_FINDINGS = {"peak_at_half-000": peak_at_half, "small_batch_lower_loss-002": small_batch_lower_loss,
                 "high_only_near_ends-004": high_only_near_ends, "lower_loss_equal_accuracy-004": lower_loss_equal_accuracy,
                 "drops_to_half_and_beyond-003": drops_to_half_and_beyond,
                 "improves_from_half_to_one-003": improves_from_half_to_one, "stable_near_zero-003": stable_near_zero}


def line_checks(finding: str, curves: dict[str, np.ndarray], alphas: np.ndarray) -> list[tuple[str, stats.Evidence]]:
    """The checks of one report sentence (a name in LINE_FINDINGS) on the curves along the line, each (pairs, alphas)."""
    if finding not in LINE_FINDINGS:
        raise ValueError(f"unknown interpolation finding {finding!r}; known: {list(LINE_FINDINGS)}")
    return LINE_FINDINGS[finding](curves, alphas)


# --- the test ---------------------------------------------------------------------------------------------------
@claim("interpolation", ref="C9", title="Loss and accuracy on the line between two minima",
       statement="The loss and accuracy along the line between two trained models",
       sources=["000 §3", "002", "003 §3.3.1", "004"], variants=VARIANTS)
def test_interpolation(settings, profile, runner, record):
    s = settings
    record.setting(s, dataset=profile.mnist, alphas=f"{len(ALPHAS)} points from {ALPHAS[0]} to {ALPHAS[-1]}")
    seeds = record.seeds(s.pairs)
    # One subset for every pair: the two ends of a line train on the same data, as in every report; per-seed
    # subsets would give an independent pair's ends (seeds i and i+1) different data.
    data = DataSpec(profile.mnist, s.n_train, None, seed=record.seed_base)
    ends = [replace(batch_config(s.model, data, end.batch_size, end.lr, s.epochs), record_every=LINE_RECORD_EVERY)
            for end in (s.a, s.b)]
    partner = [i if s.shared_init else (i + 1) % len(seeds) for i in range(len(seeds))]  # distinct seeds: independent pairs

    def file_checks(epochs: int, rec):  # both ends trained (or resumed) to `epochs`, their lines measured, checks filed
        first, second = (runner.train(replace(config, epochs=epochs), seeds) for config in ends)
        split = runner.split(first.config)
        lines = [runner.measure(retrained_line_metrics, first.config, first.member_params(i), second.member_params(j),
                                ALPHAS, split, s.retrain, seeds[i]) if s.retrain else
                 runner.measure(metrics.line_metrics, first.config, first.member_params(i), second.member_params(j),
                                ALPHAS, split)
                 for i, j in enumerate(partner)]
        curves = {name: np.stack([line[name] for line in lines]) for name in METRICS}  # (pairs, alphas)
        gates = tuple(trained_gate(f"θ{k} (batch {end.batch_size}, lr {end.lr:g}, {epochs} epochs)",
                                   runs.train_acc[:, -1]) for k, end, runs in (("₁", s.a, first), ("₂", s.b, second)))
        for name, evidence in line_checks(s.finding, curves, ALPHAS):
            rec.check(name, evidence, requires=gates)
        return first.config.epochs, curves

    epochs, curves = budget.file_until_stable(record, file_checks, s.epochs, s.cap, LINE_RECORD_EVERY)
    init = "shared initialisation" if s.shared_init else "independent initialisations"
    retrained = ", each point trained one more epoch" if s.retrain else ""
    record.figure(figures.along_line(ALPHAS, curves, title=f"θ₁: batch {s.a.batch_size}, lr {s.a.lr:g}; θ₂: batch "
                                     f"{s.b.batch_size}, lr {s.b.lr:g}; {epochs} epochs each; {init}, "
                                     f"{len(seeds)} pairs{retrained}"))
    for name in ("train_loss", "test_loss", "test_acc"):
        record.note(f"{name} per pair at α = 0, 0.5, 1: "
                    f"{np.round(curves[name][:, [int(np.argmin(np.abs(ALPHAS - a))) for a in (0, 0.5, 1)]], 4).tolist()}")
