"""HW1-3 Generalization: claims C7–C11 of CLAIMS.md.

C7 random_labels — a network memorises random labels: train accuracy near 100 %, test at chance,
test loss rising while train loss falls (000 §1, 002, 003 §3.1, 004; contrary: 001 §3-1).
C8 param_count — loss, accuracy and the train–test gap vs the number of parameters (000–004 §3-2).
C9 interpolation — the loss along the line between two minima (000 §3, 002, 003 §3.3.1, 004).
C10 sensitivity — input-Jacobian norm and test accuracy vs batch size (000 §4, 002, 003 §3.3.2, 004;
contrary: Novak et al. 2018).
C11 sharpness — sharpness vs batch size: 004's noise measure and Keskar et al. 2017's ε-sharpness.
C9 trains three configs shared by its variants; C10 and C11 read the same batch-size sweeps: identical configs train once (cache).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

from claims.fidelity import FIDELITY
from fixtures import claim
from harness import figures, metrics, stats, verdict
from harness.data import DataSpec
from harness.models import CNNSpec, MLPSpec, ModelSpec, count_params
from harness.train import FunctionTask, TrainConfig

# --- C7 random_labels -------------------------------------------------------------------------

@dataclass(frozen=True)
class RandomLabels:
    statement: str
    sources: tuple[str, ...]
    expect_fit: bool             # True: the report says it fits; False: 001 says it cannot
    model: ModelSpec
    n_train: int                 # images, all with uniformly random labels
    batch_size: int
    epochs: int
    lr: float                    # Adam
    seeds: int
    n_test: int = 1000           # true labels, 100 per class in the offline split
    record_every: int = 5        # epochs


MLP_003 = MLPSpec(784, (500,), 10)                           # 003's 397,510-parameter DNN
CNN_001 = CNNSpec(channels=(16, 32), dense=(50,), kernel=5, padding="valid")  # 001's LeNet-style CNN: conv 16, 32, k5, dense 50
FITS = "A network fits random labels: train accuracy near 100%, test accuracy at chance, test loss rises"
CANNOT_FIT = "This CNN model cannot fit random labels (001)"
# The reports trained to convergence (500–5000 epochs); the CPU budgets are the fewest epochs at which
# a pilot run's training loss had flattened, with Adam at 004's lr 1e-3 instead of 002/003's 1e-4.
RANDOM_LABELS = {
    "cpu": {
        "fits-1000-000-004": RandomLabels(FITS, ("000 §1", "004", "003 §3.1"), True, MLP_003,
                                          n_train=1000, batch_size=100, epochs=60, lr=1e-3, seeds=5),   # 000: 1000 images, batch 100
        "fits-4000-002": RandomLabels(FITS, ("002",), True, MLP_003,
                                      n_train=4000, batch_size=128, epochs=100, lr=1e-3, seeds=3),      # 002: 5000 (offline split: 4000)
        "cannot_fit-cnn-001": RandomLabels(CANNOT_FIT, ("001 §3-1",), False, CNN_001,
                                           n_train=500, batch_size=50, epochs=80, lr=1e-3, seeds=3),    # 001 gives no size
    },
    "full": {
        "fits-1000-000-004": RandomLabels(FITS, ("000 §1", "004", "003 §3.1"), True, MLP_003,
                                          n_train=1000, batch_size=100, epochs=1000, lr=1e-3, seeds=5),
        "fits-4000-002": RandomLabels(FITS, ("002",), True, MLP_003,
                                      n_train=5000, batch_size=128, epochs=500, lr=1e-4, seeds=5),
        "cannot_fit-cnn-001": RandomLabels(CANNOT_FIT, ("001 §3-1",), False, CNN_001,
                                           n_train=5000, batch_size=100, epochs=300, lr=1e-3, seeds=5),
    },
}
NEAR_100 = 0.99      # "train accuracy near 100%"
CHANCE = 0.10        # 10 balanced classes
CHANCE_MARGIN = 0.02  # "at chance": mean test accuracy within 0.10 ± 0.02 (a fifth of chance), an equivalence
                      # margin fixed from the words ("poor", "at chance"), not from any run
RISE = 0.01          # "test loss rises": final test loss at least 1% above its minimum (beyond float noise)


@claim("random_labels", ref="C7", fidelity=FIDELITY, title="A network memorises random labels", statement=FITS,
       sources=["000 §1", "002", "003 §3.1", "004", "contrary: 001 §3-1"], settings=RANDOM_LABELS)
def test_random_labels(settings, profile, runner, record):
    s = settings
    record.setting(s, dataset=profile.mnist)
    config = TrainConfig(model=s.model, data=DataSpec(profile.mnist, s.n_train, s.n_test, seed=record.seed_base),
                         epochs=s.epochs, lr=s.lr, batch_size=s.batch_size, record_every=s.record_every,
                         label_noise=1.0)
    runs = runner.train(config, record.seeds(s.seeds))
    record.figure(figures.training_curves({s.model.label: runs}, [["train_loss", "test_loss"], ["train_acc", "test_acc"]],
                                          title=f"Random labels: {s.n_train} images, {len(runs)} seeds"))

    final_train_acc = runs.train_acc[:, -1]
    if not s.expect_fit:
        record.check("final train accuracy below near-100%", stats.each_seed(final_train_acc, "<", NEAR_100))
        return
    record.check("final train accuracy near 100%", stats.each_seed(final_train_acc, ">=", NEAR_100))
    # Each seed draws its own labels, so seeds are independent replicates of the test accuracy.
    record.check("final test accuracy at chance", stats.equivalent(runs.test_acc[:, -1], CHANCE, CHANCE_MARGIN,
                                                                  label="test accuracy"))
    test_loss = runs.test_loss
    rise = test_loss[:, -1] / test_loss.min(axis=1) - 1
    train_fell = runs.train_loss[:, -1] < runs.train_loss[np.arange(len(runs)), test_loss.argmin(axis=1)]
    record.check("final test loss above its minimum (relative rise)", stats.each_seed(rise, ">", RISE))
    record.check("train loss fell after the test-loss minimum", stats.each_seed(train_fell, ">=", 1))


METRICS = ("train_loss", "test_loss", "train_acc", "test_acc")


# --- C8 param_count ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ParamSweep:
    """A family of structures and how each trains; every structure is its own runner.train call."""
    family: tuple[ModelSpec, ...]
    n_train: int | None          # training images; None = all
    epochs: int
    lr: float                    # Adam
    batch_size: int
    seeds: int


@dataclass(frozen=True)
class ParamCount:
    statement: str
    sources: tuple[str, ...]
    sweep: ParamSweep
    trends: tuple[str, ...]          # names in TRENDS: one one-sided rank test each, against the parameter count
    flattens: bool = False           # test accuracy's gain flattens over the larger half of the sweep
    larger_half_only: bool = False   # 004's models were all past the size where accuracy still changes


MLP_000 = tuple(MLPSpec(784, (w, w, w), 10) for w in (5, 10, 20, 30, 40, 50, 60, 70, 80, 90))  # 000: 3 hidden layers, 4k–88k params
CNN_002 = tuple(CNNSpec(channels=(k,), dense=(k,), kernel=3) for k in range(2, 21, 2))          # 002: conv → dense → output, 2…20 each
CNN_003 = tuple(CNNSpec(channels=(16, 32), dense=(d, d), kernel=4)                              # 003: 2 conv k4 + 2 dense, 41k–1.6M
                for d in (20, 40, 80, 120, 160, 240, 320, 400, 560, 700))
CNN_004 = tuple(CNNSpec(channels=(10, 39, 39, 38), dense=(d,) * 4, kernel=3)                    # 004: 4 conv + 4 dense, 32k–5M
                for d in (16, 32, 64, 128, 256, 384, 512, 768, 1024, 1280))
# CPU: 000's MLP family stands in for every report's family (a CNN sweep costs ~10x as much on a CPU), trained
# with 000's lr and batch; 40 epochs is where a pilot's widths >= 40 reached train accuracy 1.000 (width 5: 0.83).
SWEEP_CPU = ParamSweep(MLP_000, n_train=4000, epochs=40, lr=3e-3, batch_size=200, seeds=3)
IMPROVES = ("train loss falls", "train accuracy rises")
PARAM_COUNT_CPU = {
    "improves-000": ParamCount(
        "More parameters generalise better: train loss falls, train and test accuracy rise with the parameter count",
        ("000 §2",), SWEEP_CPU, IMPROVES + ("test accuracy rises",)),
    "improves-001": ParamCount(
        "Train and test loss fall and accuracy rises as the number of parameters grows",
        ("001 §3-2",), SWEEP_CPU, IMPROVES + ("test loss falls", "test accuracy rises")),
    "improves_then_flattens-002": ParamCount(
        "Train and validation loss and accuracy improve with the number of parameters, the gains flatten past "
        "~50k parameters, and no overfitting appears",
        ("002",), SWEEP_CPU, IMPROVES + ("test loss falls", "test accuracy rises"), flattens=True),
    "test_plateaus_gap_grows-003": ParamCount(
        "Test accuracy plateaus much earlier than train accuracy: the train–test gap grows with the parameter count",
        ("003 §3.2",), SWEEP_CPU, ("test accuracy rises", "train-test accuracy gap grows", "test-train loss gap grows"),
        flattens=True),
    "test_loss_rises-004": ParamCount(
        "With more parameters accuracy barely changes but the test loss keeps rising",
        ("004",), SWEEP_CPU, ("test loss rises",), larger_half_only=True),
}
SWEEP_000 = ParamSweep(MLP_000, n_train=55000, epochs=100, lr=3e-3, batch_size=200, seeds=5)
FULL_SWEEPS = {  # each report's own family and settings (003 and 004 gave no sample count: all of MNIST)
    "improves-000": SWEEP_000,
    "improves-001": SWEEP_000,  # 001: "745x5x30x10, similar structure for other 9 models": an MLP family too
    "improves_then_flattens-002": ParamSweep(CNN_002, n_train=2000, epochs=50, lr=1e-4, batch_size=128, seeds=5),
    "test_plateaus_gap_grows-003": ParamSweep(CNN_003, n_train=None, epochs=20, lr=1e-4, batch_size=128, seeds=5),
    "test_loss_rises-004": ParamSweep(CNN_004, n_train=None, epochs=50, lr=1e-3, batch_size=128, seeds=5),
}
PARAM_COUNT = {"cpu": PARAM_COUNT_CPU,
               "full": {vid: replace(v, sweep=FULL_SWEEPS[vid]) for vid, v in PARAM_COUNT_CPU.items()}}
TRENDS = {  # name: (final metric, the rank correlation's sign with the parameter count)
    "train loss falls": ("train_loss", "less"),
    "test loss falls": ("test_loss", "less"),
    "test loss rises": ("test_loss", "greater"),
    "train accuracy rises": ("train_acc", "greater"),
    "test accuracy rises": ("test_acc", "greater"),
    "train-test accuracy gap grows": ("acc_gap", "greater"),
    "test-train loss gap grows": ("loss_gap", "greater"),
}
FLATTEN = 0.25  # "gains flatten": the median test-accuracy gain over the larger half of the sweep is at most
                # a quarter of the gain over the smaller half


@claim("param_count", ref="C8", fidelity=FIDELITY, title="Number of parameters vs generalisation",
       statement="More parameters do not hurt generalisation", sources=["000 §2", "001 §3-2", "002", "003 §3.2", "004"],
       settings=PARAM_COUNT)
def test_param_count(settings, profile, runner, record):
    s = settings
    sweep = s.sweep
    record.setting(s, dataset=profile.mnist, family=f"{sweep.family[0].label} … {sweep.family[-1].label}")
    seeds = record.seeds(sweep.seeds)
    data = DataSpec(profile.mnist, sweep.n_train, None, seed=record.seed_base)
    runs = [runner.train(TrainConfig(model=model, data=data, epochs=sweep.epochs, lr=sweep.lr, batch_size=sweep.batch_size,
                                     record_every=sweep.epochs), seeds) for model in sweep.family]
    params = np.array([count_params(model) for model in sweep.family])
    finals = {name: np.stack([getattr(r, name)[:, -1] for r in runs]) for name in METRICS}  # (structures, seeds)
    finals["acc_gap"] = finals["train_acc"] - finals["test_acc"]
    finals["loss_gap"] = finals["test_loss"] - finals["train_loss"]
    record.figure(figures.versus_parameters(params, finals, title=f"{len(params)} structures × {len(seeds)} seeds, "
                                            f"{sweep.epochs} epochs: final loss and accuracy vs parameters"))

    for name in METRICS:
        record.note(f"median final {name} per structure: {np.round(np.median(finals[name], axis=1), 4).tolist()}")
    chosen = slice(len(params) // 2, None) if s.larger_half_only else slice(None)
    where = f"{params[chosen][0]}–{params[chosen][-1]} parameters"
    for trend in s.trends:
        metric, sign = TRENDS[trend]
        record.check(f"{trend} ({where})", stats.trend(np.repeat(params[chosen], len(seeds)), finals[metric][chosen].ravel(),
                                                       sign, labels=("parameters", metric)))
    if s.flattens:
        median = np.median(finals["test_acc"], axis=1)
        middle = len(median) // 2
        smaller, larger = median[middle] - median[0], median[-1] - median[middle]
        record.check(f"median test-accuracy gain {params[middle]}→{params[-1]} params, at most {FLATTEN} × the gain "
                     f"{params[0]}→{params[middle]} ({smaller:.4f})", larger, "<=", FLATTEN * smaller,
                     detail=f"median test accuracy per structure {np.round(median, 4).tolist()}")


# --- C9 interpolation -------------------------------------------------------------------------
# One variant per report sentence: each pair trained as the report trained its own (both ends for the same
# number of epochs, independent initialisations), each sentence checked by its own function of the curves.

@dataclass(frozen=True)
class End:
    """How one end of the line trained (Adam)."""
    batch_size: int
    lr: float


@dataclass(frozen=True)
class Interpolation:
    statement: str
    sources: tuple[str, ...]
    finding: str                 # a name in LINE_FINDINGS: the checks this sentence gets
    model: ModelSpec
    a: End                       # θ₁ (α = 0)
    b: End                       # θ₂ (α = 1)
    epochs: int                  # both ends, as every report trained its pair
    shared_init: bool            # pair i: θ₁ and θ₂ both from seed i (same initial weights), else θ₂ from seed i+1
    pairs: int
    n_train: int


SMALL, LARGE = End(64, 1e-3), End(1024, 1e-3)  # 003's and 004's batch pairs (64 vs 1000; 50 vs 1000), lr 1e-3
LARGE_FAST = End(1024, 1e-2)                    # 000's and 002's large-batch end: batch and lr varied together
LINE_FINDINGS = {  # finding: (statement, sources, θ₁, θ₂)
    "peak_at_half-000": ("Between the two minima the loss peaks and the model is poor at α = 0.5", ("000 §3",),
                         SMALL, LARGE_FAST),
    "small_batch_lower_loss-002": ("The small-batch model reaches the lower training loss, and the validation loss "
                                   "is above the training loss", ("002 Flatness part 1",), LARGE_FAST, SMALL),
    "high_only_near_ends-004": ("Accuracy is high (loss low) only near α = 0 and α = 1", ("004 Flatness part 1",),
                                SMALL, LARGE),
    "lower_loss_equal_accuracy-004": ("The model at α = 1 has the lower loss but no clearly different accuracy",
                                      ("004 Flatness part 1",), SMALL, LARGE),
    "drops_to_half_and_beyond-003": ("Performance falls from α = 0 to α = 0.5 and declines steeply from α = 1.5 to 2",
                                     ("003 §3.3.1",), SMALL, LARGE),
    "stable_near_zero-003": ("The learning-rate pair shows stable good performance near α = 0", ("003 §3.3.1",),
                             LARGE, LARGE_FAST),
}
PAIRS = 6  # sign test over 6 pairs: p = 0.5⁶ = 0.016 when all agree, below Holm's 0.025 for a variant's 2 tests;
           # in the pilot (seed base 10000) every sign test came out 6 of 6 one way, so 6 pairs give power ≈ 1
EPOCHS_LINE_CPU = 225  # every end; batch 1024 at lr 1e-3 then takes 900 steps (003's batch-1000 end: 15 epochs × 60
                       # = 900); pilot (seed base 10000): it reached train accuracy 0.992–0.994 by epoch 200
EPOCHS_LINE_FULL = 500  # 000's and 002's epochs (003: 15)


def interpolation_variants(model: ModelSpec, epochs: int, n_train: int) -> dict[str, Interpolation]:
    variants = {vid: Interpolation(statement, sources, vid, model, a, b, epochs, False, PAIRS, n_train)
                for vid, (statement, sources, a, b) in LINE_FINDINGS.items()}
    variants["peak_at_half-000-shared_init"] = replace(variants["peak_at_half-000"], shared_init=True,
                                                       sources=("000 §3", "Goodfellow et al. 2015"))
    return variants


# Seeds by power for the equivalence check of lower_loss_equal_accuracy-004: pilot (seed base 10000) accuracy
# differences had mean 0.0015, sd 0.011 against the ±0.01 margin: stats.seeds_needed gives ≈ 20 pairs, ≈ 130 CPU-s
# more than the cpu profile affords (it stays at 6 pairs, likely inconclusive); the full profile trains 20.


MLP_LINE_CPU = MLPSpec(784, (32,), 10)   # cost: one hidden layer like 003's 784-500-10, narrower
MLP_LINE_FULL = MLPSpec(784, (500,), 10)  # 003's 397,510-parameter DNN
INTERPOLATION = {"cpu": interpolation_variants(MLP_LINE_CPU, EPOCHS_LINE_CPU, n_train=4000),
                 "full": interpolation_variants(MLP_LINE_FULL, EPOCHS_LINE_FULL, n_train=55000)}
INTERPOLATION["full"]["lower_loss_equal_accuracy-004"] = replace(INTERPOLATION["full"]["lower_loss_equal_accuracy-004"],
                                                                 pairs=20)
ALPHAS = np.linspace(-1, 2, 31)  # 004's range [-1, 2] in steps of 0.1 (003 drew 31 points)
NEAR = 0.25        # 004 "only at [0] and [1]": within a quarter of the distance between the minima
HIGH = 0.02        # 004 "accuracy is high": within 2 points of the worse minimum's test accuracy
EQUAL_ACC = 0.01   # 004 "no clearly different accuracy" (沒有太明顯的區別): within one accuracy point, a difference
                   # too small to see on an accuracy-vs-α plot
STABLE = 0.02      # 003 "stable good performance": test accuracy within 2 points of α = 0's ...
STABLE_WINDOW = 0.5  # ... over -0.5 <= α <= 0: "as alpha approaches 0.0" is the approach from below, as in 003's batch
                     # sentence, whose fall begins only past 0 ("a decrease ... as alpha increases from 0.0 to 0.5")
TRAINED = 0.99     # budget gate: an end is a minimum when it fits its training set (train accuracy >= 0.99);
                   # cross-entropy on a separable training set falls forever, so "loss stopped falling" never comes


def line_checks(finding: str, curves: dict[str, np.ndarray], alphas: np.ndarray) -> list[tuple[str, stats.Evidence]]:
    """The checks of one report sentence on the curves along the line, each (pairs, alphas)."""
    at = {a: int(np.argmin(np.abs(alphas - a))) for a in (0, 0.5, 1, 1.5, 2)}
    loss, test_loss, acc = curves["train_loss"], curves["test_loss"], curves["test_acc"]
    ends = lambda values: values[:, [at[0], at[1]]]  # noqa: E731
    sign = lambda x, y, side, labels: stats.paired(x, y, side, "sign", labels)  # noqa: E731
    if finding.startswith("peak_at_half"):  # 000: "the peak through loss surface ... not good when alpha is 0.5"
        return [("train loss at α = 0.5 above both ends", sign(loss[:, at[0.5]], ends(loss).max(1), "greater",
                                                                ("loss at 0.5", "higher end"))),
                ("test accuracy at α = 0.5 below both ends", sign(acc[:, at[0.5]], ends(acc).min(1), "less",
                                                                  ("accuracy at 0.5", "worse end")))]
    if finding.startswith("small_batch_lower_loss"):  # 002: θ₂ (α = 1) is the small batch
        gap = np.minimum(test_loss[:, at[0]] - loss[:, at[0]], test_loss[:, at[1]] - loss[:, at[1]])
        return [("train loss lower at the small-batch end (α = 1)",
                 stats.paired(loss[:, at[1]], loss[:, at[0]], "less", "wilcoxon", ("small batch", "large batch"))),
                ("validation loss above training loss at both ends",
                 sign(gap, np.zeros_like(gap), "greater", ("smaller test − train loss gap of the ends", "0")))]
    if finding.startswith("high_only_near_ends"):  # 004: "only at [0] and [1] accuracy is high (loss is low)"
        far = np.minimum(np.abs(alphas), np.abs(alphas - 1)) > NEAR
        return [(f"best test accuracy farther than {NEAR} from both ends more than {HIGH} below the worse end",
                 sign(acc[:, far].max(1), ends(acc).min(1) - HIGH, "less", ("best far accuracy", f"worse end − {HIGH}"))),
                (f"lowest test loss farther than {NEAR} from both ends above the higher end",
                 sign(test_loss[:, far].min(1), ends(test_loss).max(1), "greater", ("lowest far loss", "higher end")))]
    if finding.startswith("lower_loss_equal_accuracy"):  # 004: at 1.0 the loss is lower, accuracy not clearly different
        return [("test loss lower at α = 1 than at α = 0",
                 stats.paired(test_loss[:, at[1]], test_loss[:, at[0]], "less", "wilcoxon", ("α = 1", "α = 0"))),
                (f"test accuracy at α = 1 minus α = 0 within ±{EQUAL_ACC}",
                 stats.equivalent(acc[:, at[1]] - acc[:, at[0]], 0.0, EQUAL_ACC, label="accuracy difference"))]
    if finding.startswith("drops_to_half_and_beyond"):  # 003: falls from 0 to 0.5; steep decline from 1.5 to 2
        return [("test accuracy lower at α = 0.5 than at α = 0", sign(acc[:, at[0.5]], acc[:, at[0]], "less",
                                                                      ("α = 0.5", "α = 0"))),
                ("test accuracy lower at α = 2 than at α = 1.5", sign(acc[:, at[2]], acc[:, at[1.5]], "less",
                                                                      ("α = 2", "α = 1.5")))]
    if finding.startswith("stable_near_zero"):  # 003: "stable good performance as alpha approaches 0.0"
        drop = acc[:, at[0]] - acc[:, (alphas >= -STABLE_WINDOW - 1e-9) & (alphas <= 1e-9)].min(1)
        return [(f"largest test-accuracy drop below α = 0's over -{STABLE_WINDOW} <= α <= 0 within {STABLE}",
                 stats.equivalent(drop, 0.0, STABLE, label="accuracy drop"))]
    raise ValueError(f"unknown interpolation finding {finding!r}")


def trained_gate(label: str, final_train_acc: np.ndarray) -> verdict.Gate:
    return verdict.reached(label, float(np.mean(final_train_acc >= TRAINED)), f"train accuracy >= {TRAINED}")


@claim("interpolation", ref="C9", fidelity=FIDELITY, title="Loss and accuracy on the line between two minima",
       statement="The loss and accuracy along the line between two trained models",
       sources=["000 §3", "002", "003 §3.3.1", "004"], settings=INTERPOLATION)
def test_interpolation(settings, profile, runner, record):
    s = settings
    record.setting(s, dataset=profile.mnist, alphas=f"{len(ALPHAS)} points from {ALPHAS[0]} to {ALPHAS[-1]}")
    seeds = record.seeds(s.pairs)
    # One subset for every pair: the two ends of a line train on the same data, as in every report; per-seed
    # subsets would give an independent pair's ends (seeds i and i+1) different data.
    data = DataSpec(profile.mnist, s.n_train, None, seed=record.seed_base)
    first, second = (runner.train(batch_config(s.model, data, end.batch_size, end.lr, s.epochs), seeds) for end in (s.a, s.b))
    partner = [i if s.shared_init else (i + 1) % len(seeds) for i in range(len(seeds))]  # distinct seeds: independent pairs
    split = runner.split(first.config)
    lines = [runner.measure(metrics.line_metrics, first.config, first.member_params(i), second.member_params(j), ALPHAS, split)
             for i, j in enumerate(partner)]
    curves = {name: np.stack([line[name] for line in lines]) for name in METRICS}  # (pairs, alphas)
    init = "shared initialisation" if s.shared_init else "independent initialisations"
    record.figure(figures.along_line(ALPHAS, curves, title=f"θ₁: batch {s.a.batch_size}, lr {s.a.lr:g}; θ₂: batch "
                                     f"{s.b.batch_size}, lr {s.b.lr:g}; {s.epochs} epochs each; {init}, {len(lines)} pairs"))

    gates = tuple(trained_gate(f"θ{k} (batch {end.batch_size}, lr {end.lr:g}, {s.epochs} epochs)", runs.train_acc[:, -1])
                  for k, end, runs in (("₁", s.a, first), ("₂", s.b, second)))
    for name, evidence in line_checks(s.finding, curves, ALPHAS):
        record.check(name, evidence, requires=gates)
    for name in ("train_loss", "test_loss", "test_acc"):
        record.note(f"{name} per pair at α = 0, 0.5, 1: "
                    f"{np.round(curves[name][:, [int(np.argmin(np.abs(ALPHAS - a))) for a in (0, 0.5, 1)]], 4).tolist()}")


# --- the batch-size sweeps of C10 and C11 -------------------------------------------------------

@dataclass(frozen=True)
class BatchSweep:
    """One model trained at several batch sizes. The budget is the same number of epochs for every batch
    size (as the reports ran it: a large batch then takes far fewer steps) or about the same number of
    optimizer steps (epochs = steps / steps per epoch, rounded), so that batch size is not confounded
    with the amount of training."""
    model: ModelSpec
    batch_sizes: tuple[int, ...]
    regime: str                  # "epochs" or "steps"
    budget: int                  # epochs, or steps
    lr: float                    # Adam
    seeds: int
    n_train: int                 # training images (or points of `task`)
    task: FunctionTask | None = None  # a 1-D regression task (004); None = the profile's MNIST

    def epochs(self, batch_size: int) -> int:
        if self.regime == "epochs":
            return self.budget
        return max(1, round(self.budget / -(-self.n_train // batch_size)))

    def steps(self, batch_size: int) -> int:
        return self.epochs(batch_size) * -(-self.n_train // batch_size)


def batch_config(model: ModelSpec, data, batch_size: int, lr: float, epochs: int) -> TrainConfig:
    """C9–C11's configs: equal settings give equal configs, which the cache trains once. Ten records per run
    (the budget gates read the training curves)."""
    return TrainConfig(model=model, data=data, epochs=epochs, lr=lr, batch_size=batch_size,
                       record_every=max(1, epochs // 10))


def train_sweep(sweep: BatchSweep, profile, runner, record) -> tuple[list, list[int]]:
    """Runs per batch size (each its own ensemble over the seeds), and the seeds. On MNIST seed i draws its own
    training subset (the same one at every batch size): the sentences are about models, not one subset."""
    seeds = record.seeds(sweep.seeds)
    data = sweep.task or DataSpec(profile.mnist, sweep.n_train, None, seed=None)
    record.note(f"{sweep.regime} regime: optimizer steps per batch size { {b: sweep.steps(b) for b in sweep.batch_sizes} }")
    return [runner.train(batch_config(sweep.model, data, b, sweep.lr, sweep.epochs(b)), seeds) for b in sweep.batch_sizes], seeds


REPORT_STEPS = 200  # fixed-epochs gate: the largest batch took at least the fewest steps any report's sweep gave its
                    # largest batch (003: 5 epochs × 60,000 / 1,510 ≈ 200); fewer, and the sweep leaves the reports' regime


def sweep_gate(sweep: BatchSweep, runs: list) -> verdict.Gate:
    """The budget gate of a sweep's comparisons. MNIST at fixed epochs (the reports' regime, where a large batch
    trains less by design): every batch size took >= REPORT_STEPS steps. MNIST at fixed steps (equal training, an
    extension): every model at every batch size fits its training set. 004's regression: every batch size's
    training loss stopped falling, since 004 says its large batches' loss was not clearly higher ("儘管 loss 不見得
    比較低"): trained to comparable losses, not cut off early."""
    label = f"fixed {sweep.regime} ({sweep.budget})"
    if sweep.task is not None:
        gates = [verdict.converged(f"batch {b}", r.train_loss) for b, r in zip(sweep.batch_sizes, runs)]
        unmet = [g for g in gates if not g.met]
        return verdict.Gate(label, not unmet, "; ".join(g.detail for g in unmet) or "every batch size converged")
    if sweep.regime == "epochs":
        met = np.mean([sweep.steps(b) >= REPORT_STEPS for b in sweep.batch_sizes])
        return verdict.reached(label, float(met), f">= {REPORT_STEPS} optimizer steps at every batch size")
    trained = np.concatenate([r.train_acc[:, -1] >= TRAINED for r in runs])
    return verdict.reached(label, float(trained.mean()), f"train accuracy >= {TRAINED} at every batch size")


MLP_BATCH_CPU = MLPSpec(784, (32,), 10)  # cost: one hidden layer like 003's 784-500-10, narrower
BATCH_SIZES_CPU = (32, 64, 128, 256, 512, 1024)  # 8 … 26% of the 4000 images (the reports: 10 … 1510 of 60,000,
                                                 # 32 … 1024 of 55,000, 500 … 5000 of 55,000)
# 50 epochs: batch 1024 then takes 200 steps (REPORT_STEPS). Fixed steps: 1000 steps is what the cpu budget affords;
# it leaves the fixed-steps variants inconclusive (budget): in the pilot (seed base 10000) batch 32 reached train
# accuracy 0.95 at 1000 steps (0.99 needs ≈ 4000 steps, ≈ 130 CPU-s more for the sweep).
# Seeds by power: pilot Spearman rho over 6 batch sizes × 4 seeds: sensitivity -0.94, test accuracy -0.65, Keskar
# ε-sharpness +0.44; stats.seeds_needed at Holm's first rung (α/2 where a variant has 2 checks) gives 6, 19 and 34
# points; 6 seeds (36 points) cover all three.
FIXED_EPOCHS_CPU = BatchSweep(MLP_BATCH_CPU, BATCH_SIZES_CPU, "epochs", 50, lr=1e-3, seeds=6, n_train=4000)
FIXED_STEPS_CPU = BatchSweep(MLP_BATCH_CPU, BATCH_SIZES_CPU, "steps", 1000, lr=1e-3, seeds=4, n_train=4000)
MLP_BATCH_FULL = MLPSpec(784, (500,), 10)  # 003's 397,510-parameter DNN
BATCH_SIZES_FULL = (32, 64, 128, 256, 512, 1024, 2048, 4096)
FIXED_EPOCHS_FULL = BatchSweep(MLP_BATCH_FULL, BATCH_SIZES_FULL, "epochs", 20, lr=1e-3, seeds=5, n_train=60000)
FIXED_STEPS_FULL = BatchSweep(MLP_BATCH_FULL, BATCH_SIZES_FULL, "steps", 10000, lr=1e-3, seeds=5, n_train=60000)
NET_004 = MLPSpec(1, (336,), 1)  # 004's one-hidden-layer HW1-1 net (1008 parameters; 336 units give 1009)
FIT_004 = FunctionTask("abs_sinc", 1000)  # 004 HW1-1's first function |sin(5πx)/(5πx)|; 004 states no point count
# 004's batch sizes; 004 states no epochs. 200 epochs is what the cpu budget affords (batch 10: 20,000 steps, 14 CPU-s
# for 4 seeds); it leaves both 004 variants inconclusive (budget): in the pilot (seed base 10000) the MSE still fell
# 21-32% over the last 40 epochs at every batch size, so convergence needs thousands of epochs (the full profile: 1000).
FIT_SWEEP_CPU = BatchSweep(NET_004, (10, 50, 100, 500, 1000), "epochs", 200, lr=1e-3, seeds=4, n_train=1000,
                           task=FIT_004)
FIT_SWEEP_FULL = replace(FIT_SWEEP_CPU, budget=1000, seeds=5)


# --- C10 sensitivity --------------------------------------------------------------------------

@dataclass(frozen=True)
class Sensitivity:
    statement: str
    sources: tuple[str, ...]
    sweep: BatchSweep
    relations: tuple[str, ...]   # names in RELATIONS: one check each
    measure: str                 # a name in SENSITIVITY_MEASURES


RELATIONS = {  # name: (x, y, sign of their rank correlation); every point one (batch size, seed)
    "sensitivity falls": ("batch size", "sensitivity", "less"),
    "sensitivity rises": ("batch size", "sensitivity", "greater"),
    "test accuracy falls": ("batch size", "test accuracy", "less"),
    "test loss rises": ("batch size", "test loss", "greater"),
    "sensitivity tracks error": ("test accuracy", "sensitivity", "less"),
}
SENSITIVITY_MEASURES = {
    "jacobian_frobenius": "mean over test points of ‖∂softmax(f(x))/∂x‖_F (Novak et al. 2018, cited by 002)",
    "jacobian_two_norm": "000's: 2-norm of the Jacobian ∂softmax(f(x))/∂x at random inputs x ~ U[0, 1]^784, mean of 100",
    "loss_gradient_max": "004's: largest over the training points of ‖∂loss/∂x‖",
}
RANDOM_INPUTS = 100  # 000 used one random input; the mean over 100 (seeded by the seed base) is less noisy
SENSITIVITY_STATEMENTS = {  # variant id prefix: (statement, sources, relations, measure)
    "sensitivity_falls-002-003": ("Sensitivity falls as the batch size grows", ("002", "003 §3.3.2"),
                                  ("sensitivity falls",), "jacobian_frobenius"),
    "accuracy_falls-002-003": ("Test accuracy falls as the batch size grows", ("002", "003 §3.3.2"),
                               ("test accuracy falls",), "jacobian_frobenius"),
    "sensitivity_tracks_error-000": ("Sensitivity is larger where accuracy is smaller", ("000 §4",),
                                     ("sensitivity tracks error",), "jacobian_two_norm"),
    "sensitivity_rises-novak2018": ("Sensitivity is higher for large-batch training",
                                    ("Novak et al. 2018", "contrary: 002, 003, 004"), ("sensitivity rises",),
                                    "jacobian_frobenius"),
}


def sensitivity_variants(epochs: BatchSweep, steps: BatchSweep, fit: BatchSweep) -> dict[str, Sensitivity]:
    variants = {f"{prefix}-fixed_{sweep.regime}": Sensitivity(statement, sources, sweep, relations, measure)
                for sweep in (epochs, steps) for prefix, (statement, sources, relations, measure)
                in SENSITIVITY_STATEMENTS.items()}
    # 002's other half ("the loss's low ... at the small batch sizes"), its own variant so that it cannot decide
    # 003's accuracy sentence; reading: the validation loss (002 plots both; the section is about generalisation)
    variants["test_loss_rises-002-fixed_epochs"] = Sensitivity(
        "The test loss is lowest at small batch sizes: it rises as the batch size grows", ("002",), epochs,
        ("test loss rises",), "jacobian_frobenius")
    variants["sensitivity_falls-004-function_fit"] = Sensitivity(
        "Sensitivity falls as the batch size grows (004's measure, on 004's function fitting)", ("004 Flatness part 2",),
        fit, ("sensitivity falls",), "loss_gradient_max")
    return variants


SENSITIVITY = {"cpu": sensitivity_variants(FIXED_EPOCHS_CPU, FIXED_STEPS_CPU, FIT_SWEEP_CPU),
               "full": sensitivity_variants(FIXED_EPOCHS_FULL, FIXED_STEPS_FULL, FIT_SWEEP_FULL)}


def relation_evidence(relation: str, batch_sizes, sensitivity: np.ndarray, finals: dict[str, np.ndarray]) -> stats.Evidence:
    """One rank correlation of RELATIONS over every (batch size, seed); sensitivity and finals' arrays are
    (batch sizes, seeds)."""
    values = {"batch size": np.repeat(batch_sizes, sensitivity.shape[1]), "sensitivity": sensitivity.ravel(),
              "test accuracy": finals["test_acc"].ravel(), "test loss": finals["test_loss"].ravel()}
    x, y, sign = RELATIONS[relation]
    return stats.trend(values[x], values[y], sign, labels=(x, y))


def measure_members(runner, fn, run, split, fields: tuple[str, ...], *args, **kwargs) -> np.ndarray:
    """fn(config, params, *split fields, *args) per member: all members at once on one shared split, or member by
    member on its own subset (a per-seed split)."""
    if not split.per_member:
        return runner.measure(fn, run.config, run.params, *(getattr(split, f) for f in fields), *args, **kwargs).numpy()
    return np.concatenate([runner.measure(fn, run.config, {k: p[i:i + 1] for k, p in run.params.items()},
                                          *(getattr(split, f)[i] for f in fields), *args, **kwargs).numpy()
                           for i in range(len(run))])


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


@claim("sensitivity", ref="C10", fidelity=FIDELITY, title="Input sensitivity vs batch size", statement="Sensitivity falls as the batch size grows",
       sources=["000 §4", "002", "003 §3.3.2", "004", "contrary: Novak et al. 2018"], settings=SENSITIVITY)
def test_sensitivity(settings, profile, runner, record):
    s = settings
    record.setting(s, dataset=s.sweep.task.name if s.sweep.task else profile.mnist, sensitivity=SENSITIVITY_MEASURES[s.measure])
    runs, seeds = train_sweep(s.sweep, profile, runner, record)
    sensitivity = measure_sensitivity(s.measure, runs, runner, record.seed_base)  # (batch sizes, seeds)
    finals = {name: np.stack([getattr(r, name)[:, -1] for r in runs]) for name in METRICS}
    title = f"fixed {s.sweep.regime} ({s.sweep.budget}), {len(seeds)} seeds"
    if s.sweep.task is None:
        record.figure(figures.versus_batch_size(s.sweep.batch_sizes, finals, sensitivity, title=title))
    else:
        record.figure(figures.sharpness_vs_batch_size(s.sweep.batch_sizes, {"final train MSE": finals["train_loss"],
                                                                             "004 sensitivity": sensitivity}, title=title))

    gate = sweep_gate(s.sweep, runs)
    for relation in s.relations:
        record.check(relation, relation_evidence(relation, s.sweep.batch_sizes, sensitivity, finals), requires=(gate,))
    record.note(f"median sensitivity per batch size: {np.round(np.median(sensitivity, axis=1), 4).tolist()}")
    record.note(f"median final train accuracy (NaN: regression) per batch size: "
                f"{np.round(np.median(finals['train_acc'], axis=1), 4).tolist()}")


# --- C11 sharpness (bonus) --------------------------------------------------------------------

@dataclass(frozen=True)
class Sharpness:
    statement: str
    sources: tuple[str, ...]
    sweep: BatchSweep
    measure: str                 # "noise" (004's) or "epsilon" (Keskar et al. 2017's)
    sign: str                    # of the rank correlation with batch size: "less" = larger batch, less sharp


NOISE_RELATIVE_SIGMA = 0.05  # 004 gives no σ: σ = 5% of each model's parameter RMS, fixed before measuring (a
                             # small perturbation; 004: "加入些微的 noise", a slight noise)
NOISE_SAMPLES = 20     # 004: n = 20
EPSILON = 1e-3         # Keskar et al. 2017's ε (they also used 5e-4)
ASCENT_STEPS = 10      # a few projected ascent steps; Keskar et al. also maximised inexactly (L-BFGS-B)
MEASURES = {"noise": "004 sharpness: largest loss increase, N(0, σ²) noise, σ relative to the parameters",
            "epsilon": "Keskar ε-sharpness φ"}


SHARPNESS = {profile: {
    "smaller-004-function_fit": Sharpness("A larger batch gives a smaller sharpness (largest loss increase under "
                                          "Gaussian parameter noise), on 004's function fitting", ("004",), fit, "noise",
                                          "less"),
    "sharper-keskar2017-fixed_epochs": Sharpness("Large-batch minima are sharper (ε-sharpness)",
                                                 ("Keskar et al. 2017", "contrary: 004"), epochs, "epsilon", "greater"),
    "sharper-keskar2017-fixed_steps": Sharpness("Large-batch minima are sharper (ε-sharpness)",
                                                ("Keskar et al. 2017", "contrary: 004"), steps, "epsilon", "greater"),
} for profile, (epochs, steps, fit) in {"cpu": (FIXED_EPOCHS_CPU, FIXED_STEPS_CPU, FIT_SWEEP_CPU),
                                         "full": (FIXED_EPOCHS_FULL, FIXED_STEPS_FULL, FIT_SWEEP_FULL)}.items()}


def sharpness_evidence(batch_sizes, sharpness: np.ndarray, sign: str) -> stats.Evidence:
    """Rank correlation of sharpness (batch sizes, seeds) with the batch size, in the sentence's direction."""
    return stats.trend(np.repeat(batch_sizes, sharpness.shape[1]), sharpness.ravel(), sign, labels=("batch size", "sharpness"))


@claim("sharpness", ref="C11", fidelity=FIDELITY, title="Sharpness vs batch size", statement="Sharpness changes with the batch size",
       sources=["004", "Keskar et al. 2017"], settings=SHARPNESS)
def test_sharpness(settings, profile, runner, record):
    s, seed_base = settings, record.seed_base
    record.setting(s, dataset=s.sweep.task.name if s.sweep.task else profile.mnist, measure=MEASURES[s.measure],
                   noise_relative_sigma=NOISE_RELATIVE_SIGMA, noise_samples=NOISE_SAMPLES, epsilon=EPSILON,
                   ascent_steps=ASCENT_STEPS, loss="mean loss on the whole training split")
    runs, seeds = train_sweep(s.sweep, profile, runner, record)
    split = runner.split(runs[0].config, seeds)
    fn, args = ((metrics.relative_noise_sharpness, (NOISE_RELATIVE_SIGMA, NOISE_SAMPLES, seed_base)) if s.measure == "noise"
                else (metrics.epsilon_sharpness, (EPSILON, ASCENT_STEPS)))
    sharpness = np.stack([measure_members(runner, fn, r, split, ("x_train", "y_train"), *args) for r in runs])  # (batch sizes, seeds)
    record.figure(figures.sharpness_vs_batch_size(s.sweep.batch_sizes, {MEASURES[s.measure]: sharpness},
                                                  title=f"fixed {s.sweep.regime} ({s.sweep.budget}), {len(seeds)} seeds"))

    record.check(f"{MEASURES[s.measure]} {'falls' if s.sign == 'less' else 'rises'} with batch size",
                 sharpness_evidence(s.sweep.batch_sizes, sharpness, s.sign), requires=(sweep_gate(s.sweep, runs),))
    record.note(f"median {MEASURES[s.measure]} per batch size: {np.round(np.median(sharpness, axis=1), 4).tolist()}")
