"""HW1-1 Deep vs shallow: claims C1–C2 of CLAIMS.md, one variant per report sentence.

C1 function_fit_depth — MLPs of several depths fitted to a 1-D function: 003 §1.1 (deeper converges faster;
   final fits similar; on sgn only the deepest converges), 004 (at equal parameters, deeper reaches a lower
   loss; at a tiny budget a wider net may beat a deeper one), 001 §1-1 (tanh nets with SGD: the more layers,
   the better).
C2 cnn_depth — CNNs on MNIST: 004 (more conv layers, lower loss and higher accuracy; its deep DNNs did worse),
   003 §1.2 (with the conv stack fixed, one dense layer is best), 001 §1-2 (two similar CNNs are comparable).
Seeds pair the models (seed i: same batch order, its own initialisation). Every check that compares trained
models requires a budget gate (harness.verdict): unmet, the check is inconclusive (budget), never refuted.
Each claim's decision is a pure function of the measured arrays (`fit_checks`, `cnn_checks`), unit-tested on
synthetic curves in tests/test_counterexamples_depth.py. Expected verdicts: claims/expected/.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from claims.fidelity import FIDELITY
from fixtures import claim
from harness import figures, metrics, stats, verdict
from harness.data import FUNCTION_LABELS, DataSpec, function_data
from harness.models import CNNSpec, MLPSpec, ModelSpec, count_params, mlp_for_budget, spec_for_budget
from harness.record import Record
from harness.train import FunctionTask, TrainConfig

# --- thresholds, fixed from the reports' words before any verdict seed -------------------------------------
FITTED = 0.01        # 003 §1.1: "converged, which is indicated by a near-zero loss": training MSE <= 1% of the
                     # target's variance (R² >= 0.99), a fit that lies on the ground truth by eye
SIMILAR_MARGIN = FITTED  # 003 §1.1.1 "all the models exhibit similar performance compared to the ground truth":
                     # two fits are similar when their MSEs differ by less than the near-zero criterion itself
MEDIAN_SEED = 0.5    # a budget gate is met when the median seed meets the criterion (as verdict.converged)
# verdict.converged (defaults): 003's "a near-zero loss that no longer decreases" = the median seed's loss fell
# by < 5% over the last 20% of the budget.


def model_row(spec: ModelSpec) -> str:
    """What the report prints for each model: depth, widths, exact parameter count."""
    if isinstance(spec, MLPSpec):
        return f"hidden layers {len(spec.hidden)}, widths {list(spec.hidden)}: {count_params(spec)} parameters"
    return (f"conv layers {len(spec.channels)}, channels {list(spec.channels)} (kernel {spec.kernel}); dense layers "
            f"{len(spec.dense) + 1}, widths {[*spec.dense, spec.out_dim]}: {count_params(spec)} parameters")


# --- C1 function_fit_depth ----------------------------------------------------------------------

@dataclass(frozen=True)
class FunctionFit:
    """MLPs of several depths fitted to one target function, several seeds each."""
    function: str                  # key of harness.data.TARGET_FUNCTIONS
    activation: str
    depths: tuple[int, ...]        # hidden layers
    budget: int | None             # parameters per model (widths from harness.models, ±5%) ...
    width: int | None              # ... or one width for every depth (001 gives no parameter counts)
    optimizer: str                 # full batch: one step per epoch
    lr: float
    weight_decay: float
    steps: int
    seeds: int
    n_points: int                  # evenly spaced on [-1, 1]; the training set
    record_every: int = 10         # steps between records: the resolution of "steps to fit" and of the gate


@dataclass(frozen=True)
class FitSentence:
    statement: str
    sources: tuple[str, ...]
    fit: FunctionFit
    test: str                      # "faster" | "lower_loss" | "similar" (see fit_checks)
    pairs: tuple[tuple[int, int], ...]  # (depth claimed faster / lower / similar, the depth it is compared with)
    must_fit: tuple[int, ...] = () # "faster": depths whose median seed must reach the fit (the budget gate)


def fit_models(fit: FunctionFit) -> dict[int, MLPSpec]:
    if fit.width is not None:
        return {d: MLPSpec(1, (fit.width,) * d, 1, fit.activation) for d in fit.depths}
    return {d: mlp_for_budget(d, fit.budget, activation=fit.activation) for d in fit.depths}


def fit_checks(record: Record, test: str, pairs, epochs: np.ndarray, curves: dict[int, np.ndarray], budget: int,
               must_fit: tuple[int, ...] = ()) -> None:
    """File C1's checks. curves[depth]: training MSE / target variance, (seeds, records) at `epochs`.

    faster: steps to MSE <= FITTED, never-fitted runs censored at the budget (log-rank); gate: the median seed
    of each depth in `must_fit` fitted. lower_loss: paired Wilcoxon on log final MSE; similar: TOST on the paired
    differences of final MSE within ± SIMILAR_MARGIN; both gated on verdict.converged for the two depths."""
    final = {d: c[:, -1] for d, c in curves.items()}
    if test == "faster":
        never = budget + 1  # a marker only: stats.earlier censors unfitted runs at the budget
        steps = {d: metrics.first_epoch_below(epochs, c, FITTED, never) for d, c in curves.items()}
        fitted = {d: s <= budget for d, s in steps.items()}
        gates = {d: verdict.reached(f"{d} hidden layers", float(fitted[d].mean()),
                                    f"MSE <= {FITTED:.0%} of the target's variance", at_least=MEDIAN_SEED)
                 for d in must_fit}
        for fast, slow in pairs:
            record.check(f"{fast} vs {slow} hidden layers: fewer steps to MSE <= {FITTED:.0%} of the variance",
                         stats.earlier(steps[fast], fitted[fast], steps[slow], fitted[slow], budget=budget,
                                       labels=(f"{fast} layers", f"{slow} layers")),
                         requires=tuple(gates[d] for d in (fast, slow) if d in gates))
        return
    gates = {d: verdict.converged(f"{d} hidden layers", c) for d, c in curves.items()}
    for a, b in pairs:
        detail = f"median MSE / variance {np.median(final[a]):.3g} ({a} layers) vs {np.median(final[b]):.3g} ({b})"
        if test == "similar":
            evidence = stats.equivalent(final[a] - final[b], 0.0, SIMILAR_MARGIN,
                                        label=f"MSE difference / variance, {a} - {b} layers")
            name = f"{a} vs {b} hidden layers: final MSE equal within {SIMILAR_MARGIN:.0%} of the variance"
        elif test == "lower_loss":  # ratios of MSEs, so compare logs: heavy seed tails weigh by rank only
            evidence = stats.paired(np.log(final[a]), np.log(final[b]), "less",
                                    labels=(f"log MSE, {a} layers", f"{b} layers"))
            name = f"{a} vs {b} hidden layers: lower final MSE"
        else:
            raise ValueError(f"unknown test {test!r}")
        record.check(name, evidence, requires=(gates[a], gates[b]), detail=detail)


FASTER_003 = ("At equal parameter count (571), the 7- and 4-hidden-layer nets fit sin(5πx)/(5πx) (MSE <= 1% of "
              "its variance) in fewer steps than the 1-hidden-layer net (003 §1.1.1: 'the addition of more layers "
              "allows the model to reach convergence more quickly')")
SIMILAR_003 = ("At equal parameter count (571), the 1-, 4- and 7-hidden-layer nets end with similar fits of "
               "sin(5πx)/(5πx): final MSEs equal within 1% of the target's variance (003 §1.1.1: 'all the models "
               "exhibit similar performance compared to the ground truth')")
DEEPEST_003 = ("At equal parameter count (571), the 7-hidden-layer net fits sgn(sin(5πx)) in fewer steps than the "
               "4- and 1-hidden-layer nets (003 §1.1.2: only Model 1, the deepest, converged within 25000 epochs)")
LOWER_004 = ("At equal parameter count (~1000), the 3- and 6-hidden-layer nets reach a lower final training MSE "
             "than the 1-hidden-layer net (004: 'the deeper, the lower the loss goes')")
TINY_004 = ("At a tiny parameter budget (~70: 6 hidden layers of 3 units), the 1-hidden-layer net reaches a lower "
            "final training MSE than the 6-hidden-layer net (004: a wider model may do better than a deeper one "
            "with very few units per layer)")
DEEPER_001 = ("tanh nets trained with SGD: the 7- and 4-hidden-layer nets reach a lower final training MSE than "
              "the 2-hidden-layer net (001 §1-1: 'the more complex the neuron network is, the better the results')")


def fit_sentences(steps_003: int, steps_003_sgn: int, steps_004: int, steps_001: int, seeds: int, n_points: int):
    """One variant per report sentence; variants that share a fit share its runs through the cache."""
    def fit(function, activation, depths, optimizer, lr, wd, steps, budget=None, width=None):
        return FunctionFit(function, activation, depths, budget, width, optimizer, lr, wd, steps, seeds, n_points)
    # 003 §1.1: 571/572/571 parameters at 1/4/7 dense layers, leaky ReLU, Adam lr 1.2e-3 (1.1e-3 for the 1-layer
    # net: the suite uses 1.2e-3 for all, one config per depth family), wd 1e-4; lr 9e-3 on sgn
    sinc_003 = fit("sinc", "leaky_relu", (1, 4, 7), "adam", 1.2e-3, 1e-4, steps_003, budget=571)
    sgn_003 = fit("sign_sin", "leaky_relu", (1, 4, 7), "adam", 9e-3, 1e-4, steps_003_sgn, budget=571)
    # 004: 1008/1019/1006 parameters at 1/3/6 hidden layers; activation and optimiser not given (ReLU, Adam 1e-3)
    abs_sinc_004 = fit("abs_sinc", "relu", (1, 3, 6), "adam", 1e-3, 0.0, steps_004, budget=1000)
    sin_cos_004 = fit("sin_cos", "relu", (1, 3, 6), "adam", 1e-3, 0.0, steps_004, budget=1000)
    # 004's conjecture names its condition: "very few units per layer" in its deepest (6-layer) net = 3 units,
    # 70 parameters; the 1-hidden-layer net of the same budget has 23 units
    tiny_004 = fit("sin_cos", "relu", (1, 6), "adam", 1e-3, 0.0, steps_004, budget=70)
    # 001 §1-1: 7/4/2 hidden layers, tanh, SGD; no widths, counts or lr given: width 20 at every depth, lr 0.1
    sin_001 = fit("sin", "tanh", (2, 4, 7), "sgd", 0.1, 0.0, steps_001, width=20)
    sgn_001 = fit("sign_sin", "tanh", (2, 4, 7), "sgd", 0.1, 0.0, steps_001, width=20)
    return {
        "sinc-003-faster": FitSentence(FASTER_003, ("003 §1.1.1",), sinc_003, "faster", ((7, 1), (4, 1)), (1, 4, 7)),
        "sinc-003-similar": FitSentence(SIMILAR_003, ("003 §1.1.1",), sinc_003, "similar", ((7, 1), (4, 1))),
        "sign_sin-003-deepest_faster": FitSentence(DEEPEST_003, ("003 §1.1.2",), sgn_003, "faster", ((7, 1), (7, 4)),
                                                   (7,)),
        "abs_sinc-004-lower_loss": FitSentence(LOWER_004, ("004",), abs_sinc_004, "lower_loss", ((3, 1), (6, 1))),
        "sin_cos-004-lower_loss": FitSentence(LOWER_004, ("004",), sin_cos_004, "lower_loss", ((3, 1), (6, 1))),
        "sin_cos-004-tiny_wider": FitSentence(TINY_004, ("004",), tiny_004, "lower_loss", ((1, 6),)),
        "sin-001-deeper_better": FitSentence(DEEPER_001, ("001 §1-1",), sin_001, "lower_loss", ((7, 2), (4, 2))),
        "sign_sin-001-deeper_better": FitSentence(DEEPER_001, ("001 §1-1",), sgn_001, "lower_loss", ((7, 2), (4, 2))),
    }


# cpu, from pilots on seeds >= 10000 (4 seeds at 4000-10000 steps, then the claim at 8 seeds, base 10000):
# - sinc (003): the 4- and 7-layer nets fitted (MSE <= 1% of the variance) by a median 1275 / 1885 steps, the
#   1-layer net by 3525 (7 of 8 seeds by 6000): 6000 steps meet the "faster" gate. The "similar" gate is not met
#   there: the deeper nets still fell 5-11% over the last 20% of 6000 steps.
# - sgn (003): the 7-layer net fitted by a median 2015 steps, the 1-layer net never within 10000, the 4-layer net
#   by 7205 (5 of 8): 6000 steps meet the gate (only the 7-layer net must fit, as in 003).
# - 004: the 1-layer nets still fell 13% (|sinc|) and 7% (sin+cos) over the last 20% of 6000 steps: the gate may
#   not pass at 7000, the most the C1 budget (200 CPU-s, measured with the trainer of 2 Dec before c5e9d54) allows;
#   the full profile carries 25000. Tiny budget: the 23-unit net fell 5.2% over the last 20% of 6000: 7000.
# - 001: SGD lr 0.1 (0.5 diverged); on sin all three depths plateau near MSE 0.93 x variance by 3000 steps, on sgn
#   they still fall 15-29% over the last 20% of 4000: 3000 steps (cost), inconclusive (budget) expected on sgn.
# Seeds: 8 per fit. Power at the pilot's effects (stats.seeds_needed at the first Holm rung, alpha 0.025 for two
# checks): 004 sin+cos 9 and 5, |sinc| 30 and 8, tiny 5, 001 sgn 7 and 8; 003 sinc-faster's log-rank test had
# p = 0.029 (4 vs 1) and 0.21 (7 vs 1) at 8 seeds — no closed-form n for censored times here (stats' power model
# for the log-rank test compares fractions reached, equal at 7 of 8): it is underpowered at 8, and 12+ seeds cost
# ~15 CPU-s more than the budget has; "similar" would need 152-284 seeds at the pilot's spread (one seed's 1-layer
# net ended at 0.04 x variance). 12 seeds at full.
# full: 003's 25000-epoch cap (it stopped earlier only on convergence) on 1000 points for every family (004 and 001
# give no epochs).
FIT_SENTENCES = {
    "cpu": fit_sentences(steps_003=6000, steps_003_sgn=6000, steps_004=7000, steps_001=3000,
                         seeds=8, n_points=200),
    "full": fit_sentences(steps_003=25000, steps_003_sgn=25000, steps_004=25000, steps_001=25000, seeds=12,
                          n_points=1000),
}


@claim("function_fit_depth", ref="C1", fidelity=FIDELITY, title="Deep vs shallow MLPs fitting a 1-D function",
       statement=LOWER_004, sources=["004", "003 §1.1", "001 §1-1"], settings=FIT_SENTENCES, needs_mnist=False)
def test_function_fit_depth(settings, device, runner, record):
    s, fit = settings, settings.fit
    configs = {d: TrainConfig(model=spec, data=FunctionTask(fit.function, fit.n_points), epochs=fit.steps, lr=fit.lr,
                              optimizer=fit.optimizer, weight_decay=fit.weight_decay, record_every=fit.record_every)
               for d, spec in fit_models(fit).items()}
    record.setting(s, models=[model_row(c.model) for c in configs.values()])
    seeds = record.seeds(fit.seeds)
    runs = {d: runner.train(config, seeds) for d, config in configs.items()}
    labels = {d: f"{d} hidden ({count_params(c.model)} p)" for d, c in configs.items()}
    name = f"{FUNCTION_LABELS[fit.function]}, {fit.activation}, {fit.optimizer}"
    record.figure(figures.training_curves({labels[d]: r for d, r in runs.items()}, [["train_loss"]], log_loss=True,
                                          title=f"Training MSE (full batch: epoch = step): {name}"))
    x, truth = function_data(fit.function, 1000, device)
    predictions = {labels[d]: metrics.predict_stacked(configs[d], r.params, x)[..., 0].cpu().numpy() for d, r in runs.items()}
    record.figure(figures.function_fits(x[:, 0].cpu().numpy(), truth[:, 0].cpu().numpy(), predictions,
                                        {labels[d]: r.train_loss[:, -1] for d, r in runs.items()},
                                        title=f"Predicted curves after {fit.steps} steps: {name}"))
    variance = runner.split(next(iter(configs.values()))).y_train.var(unbiased=False).item()
    curves = {d: np.asarray(r.train_loss) / variance for d, r in runs.items()}
    epochs = next(iter(runs.values())).epochs
    fit_checks(record, s.test, s.pairs, np.asarray(epochs), curves, fit.steps, s.must_fit)


# --- C2 cnn_depth -------------------------------------------------------------------------------

TRAINED_ACC = 0.978  # 003 §1.2's three trained CNNs reached 97.825%–98.898% training accuracy: a model counts as
                     # trained (the budget gate) when its median seed reaches 97.8% training accuracy
COMPARABLE_MARGIN = 0.01  # 001 §1-2 "the loss and accuracy are comparable" gives no number: the suite reads it as
                     # final training accuracies within ±1 percentage point (fixed before any run)


@dataclass(frozen=True)
class CNNDepth:
    statement: str
    sources: tuple[str, ...]
    test: str                      # "better": each pair's first model trains better (cnn_checks);
                                   # "better_and_test": also a higher test accuracy (003); "comparable": 001;
                                   # "worse_and_slower": 004's DNNs (the first model of each pair is the shallow)
    models: tuple[tuple[str, ModelSpec], ...]   # (label, spec), shallowest first
    pairs: tuple[tuple[str, str], ...]          # (the model claimed better or comparable, the other)
    gated: tuple[str, ...]         # models whose median seed must reach TRAINED_ACC (the budget gate)
    dataset: str                   # "mnist" (the profile's MNIST) or "digits" (scikit-learn's 8×8 digits)
    n_train: int | None            # None = the whole train split
    n_test: int | None
    epochs: int
    batch_size: int
    lr: float                      # Adam
    weight_decay: float
    seeds: int


def conv_family(depth: int, budget: int, image: int = 28) -> CNNSpec:
    """004: `depth` conv layers (3×3, 'same', each followed by a 2×2 max-pool), then one dense layer."""
    return spec_for_budget(lambda c: CNNSpec(channels=(c,) * depth, kernel=3, image_size=image), budget)


def dense_family(dense_layers: int, budget: int, conv: tuple[int, ...]) -> CNNSpec:
    """003: a fixed conv stack (4×4 kernels, max-pool), then `dense_layers` dense layers counting the output."""
    if dense_layers == 1:
        return CNNSpec(channels=conv, kernel=4)
    return spec_for_budget(lambda h: CNNSpec(channels=conv, dense=(h,) * (dense_layers - 1), kernel=4), budget)


def dnn_family(depth: int, budget: int) -> MLPSpec:
    return mlp_for_budget(depth, budget, in_dim=784, out_dim=10)


def cnn_checks(record: Record, test: str, pairs, final: dict[str, dict[str, np.ndarray]],
               epochs_to_trained: dict[str, np.ndarray], epochs: int, gated: tuple[str, ...]) -> None:
    """File C2's checks. final[metric][model]: per-seed final train_loss, train_acc, test_acc; epochs_to_trained:
    first epoch with training accuracy >= TRAINED_ACC (> epochs = never). Gate: the median seed of each model
    in `gated` reached TRAINED_ACC. Accuracies tie: sign tests; losses: Wilcoxon on logs."""
    reached = {m: e <= epochs for m, e in epochs_to_trained.items()}
    gates = {m: verdict.reached(m, float(reached[m].mean()), f"training accuracy >= {TRAINED_ACC:.1%}",
                                at_least=MEDIAN_SEED) for m in gated}
    acc, loss = final["train_acc"], final["train_loss"]
    for a, b in pairs:
        requires = tuple(gates[m] for m in (a, b) if m in gates)
        if test == "comparable":
            record.check(f"{a} vs {b}: final training accuracies equal within ±{COMPARABLE_MARGIN:.0%}",
                         stats.equivalent(acc[a] - acc[b], 0.0, COMPARABLE_MARGIN,
                                          label=f"training accuracy difference, {a} - {b}"),
                         requires=requires, detail=f"median {np.median(acc[a]):.4f} vs {np.median(acc[b]):.4f}")
            continue
        record.check(f"{a} vs {b}: lower final training loss",
                     stats.paired(np.log(loss[a]), np.log(loss[b]), "less", labels=(f"log loss, {a}", b)),
                     requires=requires, detail=f"median {np.median(loss[a]):.4f} vs {np.median(loss[b]):.4f}")
        metrics_ = ("train_acc", "test_acc") if test == "better_and_test" else ("train_acc",)
        for metric in metrics_:
            words = "training accuracy" if metric == "train_acc" else "test accuracy"
            record.check(f"{a} vs {b}: higher final {words}",
                         stats.paired(final[metric][a], final[metric][b], "greater", method="sign",
                                      labels=(f"{words}, {a}", b)),
                         requires=requires, detail=f"median {np.median(final[metric][a]):.4f} vs "
                                                   f"{np.median(final[metric][b]):.4f}")
        if test == "worse_and_slower":
            evidence = stats.earlier(epochs_to_trained[a], reached[a], epochs_to_trained[b], reached[b],
                                     budget=epochs, labels=(a, b))
            record.check(f"{a} vs {b}: fewer epochs to {TRAINED_ACC:.1%} training accuracy", evidence,
                         requires=requires)


DEEPER_004 = ("At equal parameter count, a CNN with more conv layers reaches a lower training loss and a higher "
              "training accuracy (004)")
ONE_DENSE_003 = ("With the conv stack fixed and equal parameter count, the CNN with a single dense layer is best: "
                 "lowest training loss, highest training and test accuracy (003 §1.2, contrary to 'deeper is better')")
COMPARABLE_001 = ("Two similar CNNs (two conv layers with max-pooling and one dense layer each) reach comparable "
                  "final training accuracies: within ±1 percentage point (001 §1-2)")
DNN_004 = ("At equal parameter count, an MLP with too many hidden layers (6) trains more slowly and reaches a lower "
           "training accuracy than a 1-hidden-layer MLP (004, of the DNNs it tried beside its CNNs)")


def cnn_depths(conv_budget: int, dense_budget: int, dense_conv: tuple[int, ...], epochs: int, seeds: int, dnn_epochs: int,
               n_train: int | None, n_test: int | None, lr_003: float, digits_epochs: int):
    """The MNIST variants share one training recipe (Adam, batch 32, wd 1e-4: 003's; 004 and 001 state none), so
    001's pair reuses the runs of 003's 1-dense-layer CNN and 004's 2-conv CNN through the cache (cpu profile)."""
    conv = {d: conv_family(d, conv_budget) for d in (1, 2, 4)}
    dense = {d: dense_family(d, dense_budget, dense_conv) for d in (1, 2, 4)}
    dnn = {d: dnn_family(d, 25_450) for d in (1, 6)}  # 25,450 = MLP 784-32-10; 004 gives no DNN sizes
    mnist = dict(dataset="mnist", n_train=n_train, n_test=n_test, epochs=epochs, batch_size=32, weight_decay=1e-4,
                 seeds=seeds)
    return {
        "conv_depth-mnist-004": CNNDepth(DEEPER_004, ("004",), "better", tuple((f"{d} conv", conv[d]) for d in conv),
                                         (("2 conv", "1 conv"), ("4 conv", "1 conv")), ("1 conv", "2 conv", "4 conv"),
                                         lr=1e-3, **mnist),
        "dense_depth-mnist-003": CNNDepth(ONE_DENSE_003, ("003 §1.2",), "better_and_test",
                                          tuple((f"{d} dense", dense[d]) for d in dense),
                                          (("1 dense", "2 dense"), ("1 dense", "4 dense")),
                                          ("1 dense", "2 dense", "4 dense"), lr=lr_003, **mnist),
        "comparable-mnist-001": CNNDepth(COMPARABLE_001, ("001 §1-2",), "comparable",
                                         (("conv 4x4 stack + 1 dense", dense[1]), ("conv 3x3 pair + 1 dense", conv_family(2, 25_500))),
                                         (("conv 4x4 stack + 1 dense", "conv 3x3 pair + 1 dense"),),
                                         ("conv 4x4 stack + 1 dense", "conv 3x3 pair + 1 dense"), lr=1e-3, **mnist),
        "dnn_depth-mnist-004": CNNDepth(DNN_004, ("004",), "worse_and_slower", tuple((f"{d} hidden", dnn[d]) for d in dnn),
                                        (("1 hidden", "6 hidden"),), ("1 hidden",), lr=1e-3, **{**mnist, "epochs": dnn_epochs}),
        "conv_depth-digits-004": CNNDepth(DEEPER_004 + ", on a second task: 8×8 digits", ("004", "homework bonus"),
                                          "better", tuple((f"{d} conv", conv_family(d, 5_000, image=8)) for d in (1, 2, 3)),
                                          (("2 conv", "1 conv"), ("3 conv", "1 conv")), ("1 conv", "2 conv", "3 conv"),
                                          dataset="digits", n_train=None, n_test=None, epochs=digits_epochs, batch_size=32,
                                          lr=1e-3, weight_decay=1e-4, seeds=seeds),
    }


# cpu: ~25k parameters for both families (004's 90.9k costs ~4x more per step), 1000 training images per seed.
# Pilot 1 (seeds 10000-10001, 12 epochs; training accuracy after 12): 1 conv 0.982, 2 conv 0.994, 4 conv 0.966;
# 1 dense 0.990, 4 dense 0.892; the best cross 97.8% at epoch ~9-10. The six CNNs cost 5.3 CPU-s per seed-epoch,
# so the 250 CPU-s budget buys 5 epochs (160 steps) at 8 seeds. Pilot 2 (the claim at 8 seeds, base 10000, 5
# epochs, 240 CPU-s cold): no CNN seed reached 97.8% (MNIST 0.87-0.97, digits 0.92-0.98 after 10 epochs), so the
# CNN variants are inconclusive (budget) on cpu; they would need >= 12 epochs for 004's family and 003's 1-dense
# net (~600 CPU-s at 8 seeds) and more for 003's 2- and 4-dense nets (0.61-0.85 and 0.26-0.75 after 5 epochs;
# 0.89 after 12 in pilot 1); the full profile carries 20 epochs on all of MNIST. The DNNs (004) met the gate at 25
# epochs (1-hidden-layer net 0.989-0.997). Seeds: 8, the power rule's minimum for sign tests under Holm over up to
# 6 checks (0.5^8 = 0.0039 < 0.05/6); at pilot 2's effects stats.seeds_needed gives 4-7 for 003's checks, 5-16 for
# 004's 2-vs-1-conv checks, 4-6 for the DNN checks, 17 for 001's equivalence (sd of the difference 0.0095).
CNN_DEPTHS = {
    "cpu": cnn_depths(conv_budget=25_500, dense_budget=24_200, dense_conv=(16, 32), epochs=5, seeds=8, dnn_epochs=25,
                      n_train=1000, n_test=500, lr_003=1e-3, digits_epochs=10),
    "full": cnn_depths(conv_budget=90_900, dense_budget=24_200, dense_conv=(16, 32), epochs=20, seeds=8, dnn_epochs=20,
                       n_train=None, n_test=None, lr_003=1e-4, digits_epochs=100),
}


@claim("cnn_depth", ref="C2", fidelity=FIDELITY, title="Deep vs shallow networks on MNIST at equal parameter count",
       statement=DEEPER_004, sources=["004", "003 §1.2", "001 §1-2"], settings=CNN_DEPTHS)
def test_cnn_depth(settings, profile, runner, record):
    s = settings
    dataset = profile.mnist if s.dataset == "mnist" else s.dataset
    # each seed draws its own training and test subset: the sentences are about models, not about one subset
    data = DataSpec(dataset, s.n_train, s.n_test, seed=None)
    configs = {label: TrainConfig(model=spec, data=data, epochs=s.epochs, lr=s.lr, batch_size=s.batch_size,
                                  weight_decay=s.weight_decay) for label, spec in s.models}
    record.setting(s, dataset=dataset, model_rows=[f"{label}: {model_row(c.model)}" for label, c in configs.items()])
    seeds = record.seeds(s.seeds)
    runs = {label: runner.train(config, seeds) for label, config in configs.items()}
    record.figure(figures.training_curves({f"{m} ({count_params(configs[m].model)} p)": r for m, r in runs.items()},
                                          [["train_loss"], ["train_acc"]], log_loss=True,
                                          title=f"{dataset}: {', '.join(runs)}"))
    final = {metric: {m: np.asarray(getattr(r, metric))[:, -1] for m, r in runs.items()}
             for metric in ("train_loss", "train_acc", "test_acc")}
    to_trained = {m: metrics.first_epoch_below(r.epochs, -np.asarray(r.train_acc), -TRAINED_ACC, s.epochs + 1)
                  for m, r in runs.items()}  # first epoch with training accuracy >= TRAINED_ACC
    cnn_checks(record, s.test, s.pairs, final, to_trained, s.epochs, s.gated)
