"""C7 random_labels — a network memorises random labels: train accuracy near 100 %, train loss near 0, test loss
rising while train loss falls (000 §1, 002; contrary: 001 §3-1).

Variants, one per report sentence: 000's DNN fits 1000 randomly labelled images; 002's setting fits completely (loss
near 0); 001's CNN's test loss climbs while its train loss falls, and 001's literal "cannot fit". 003's "poor on the
test data" and 002's "poor on validation data" have no check: uniform random labels make chance the expected test
accuracy by construction (docs/findings.md). Each seed draws its own random labels (and its own training subset), so
seeds are independent replicates. The budget grows while any check's answer moves along it (harness.budget), up to
each variant's cap; the gates are the sentences' own words ("learned completely", "as the learning process goes",
"cannot fit" once training stopped improving): unmet, a check is inconclusive (budget), never refuted. The checks are
a pure function of the curves (`file_random_label_checks`), tested on synthetic curves in
tests/test_counterexamples_generalization_c7_c8.py.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from claims.training_gates import NEAR_100, fitted, stopped_improving
from fixtures import SCALED, Quote, Variant, claim, variants
from harness import budget, figures, stats, verdict
from harness.data import DataSpec
from harness.models import CNNSpec, MLPSpec, ModelSpec, count_params
from harness.train import TrainConfig

# --- the reports' words ----------------------------------------------------------------------------------------
Q000_FITS = Quote("000", "§1", "It can let the model fit the training data (Overfitting) easily.")
Q002_FITS = Quote("002", "Can network fit random labels?", "從實驗中可以發現 model 是可以將擁有錯誤 label 的訓練資料完整學習下來。")
Q002_FITS_NUMBERS = Quote("002", "Can network fit random labels?", "訓練 loss 接近 0， accuracy 接近 1。但在驗證資料上面表現的就相當差。")
Q001_OVERFIT = Quote("001", "§3-1", "though the training loss is decreasing as the learning process goes, the testing "
                                    "loss climes up. Which means the model is over-fitting the training set")
Q001_CANNOT = Quote("001", "§3-1", "This infers that this CNN model cannot fit with random label.")

# --- thresholds, fixed from the reports' words before any run --------------------------------------------------
# NEAR_100 (training_gates): "fit" (000), "完整學習" learned completely / "accuracy 接近 1" (002): train accuracy >= 0.99
NEAR_ZERO_LOSS = 0.05  # 002 "訓練 loss 接近 0" (train loss near 0): below 2% of ln 10 = 2.30, the loss at chance
RISE = 0.01           # 001 "the testing loss climes up": final test loss at least 1% above its minimum
UNDER_WAY = 0.9       # 001 "as the learning process goes": judged once every seed's train loss is 10% below its start
RANDOM_LABEL_CHECKS = ("fits", "cannot fit", "train loss near 0", "test loss climbs")


@dataclass(frozen=True)
class RandomLabels:
    checks: tuple[str, ...]      # what the report's sentence says: names in RANDOM_LABEL_CHECKS
    model: ModelSpec
    n_train: int                 # images, all with uniformly random labels
    batch_size: int
    epochs: int                  # the start budget
    cap: int                     # the most epochs the budget may grow to (harness.budget)
    lr: float                    # Adam
    seeds: int
    n_test: int = 1000           # true labels, 100 per class in the offline split
    record_every: int = 5        # epochs


DNN_000 = MLPSpec(784, (20, 20, 20), 10)                      # 000's 16,750-parameter DNN: 3 hidden layers of 20
DNN_003 = MLPSpec(784, (500,), 10)                            # 003's 397,510-parameter DNN (002's stand-in)
CNN_001 = CNNSpec(channels=(16, 32), dense=(50,), kernel=5, padding="valid")  # 001's CNN: conv 16, 32, k5, pool, dense 50
CAP_CNN_001 = 200  # first allocation 50 (one doubling, ≈ 30 CPU-s at 2 seeds); second (see "Caps, second allocation"
                  # below) 200: ≈ 90 CPU-s at 2 seeds in the pilot, which still left 001's "cannot fit" waiting
FITS = "A network fits random labels: train accuracy near 100%, test accuracy at chance, test loss rises"
CNN_001_FEATURES = "unpadded convolutions leave 32×4×4 = 512 features where 001's dense layer takes 32×5×5 = 800"
CNN_001_CPU = ("unstated: all 4000 images of the offline split, batch 50, Adam lr 1e-3, 25 epochs (up to 200 while the "
               "answer moves)")
CNN_001_FULL = ("32×4×4 features (001: 32×5×5)", "unstated: all 60,000 images, batch 100, lr 1e-3, 300 epochs")

# Budgets: start = today's epochs; cap per profile, each with what sets it (fixed before any verdict seed). Pilots
# (seed base 10000), from when the gate was "fits or the training loss stopped falling":
# - 000's net, 1000 images, batch 100, lr 3e-3 (3 seeds): train accuracy >= 0.99 in every seed by epoch 200.
# - 002's setting, 003's net on 4000 images, lr 1e-3 (2 seeds): 1.000 at epoch 100, train loss 0.028 and 0.029;
#   test accuracy 0.095, 0.115 (sd 0.014); ~13 CPU-s per seed.
# - 001's CNN, 4000 images, batch 50 (2 seeds): train accuracy 0.36 and 0.51 at epoch 25, 0.60 and 0.91 at epoch 60,
#   still rising; the test loss 15% above its minimum at epoch 25, 19% and 34% at 30. Fitting would take >= ~150
#   epochs, more than the cpu profile's share affords.
# Pilot of these budgets (seed base 10000, cold: C7 91, C8 74, C9 118 CPU-s here, 283 in all): fits-000 fits from
# epoch 200 (stable at 500, 8 CPU-s); 002's fit is 'against' at epoch 50 and holds from 80 (200 epochs: 101 CPU-s);
# 001's CNN 30 CPU-s to 50 epochs, its test loss climbing from epoch 20.
# Seeds: 002's 5 were set by the power of its former "test at chance" TOST (dropped in issue 20: true by
# construction, docs/findings.md); its checks and 001's are now per-seed thresholds (no power calculation): 5 and 2.
# Caps, second allocation (issue 20, from the pilot at seed base 10000 with every cap raised, before any verdict
# seed at these caps): where the pilot's answer still moved at its cap, the cap doubles again, cheapest next rung
# first, while the cold run's estimate stays within issue 20's 15 minutes on this machine (docs/budgets.md has the list):
# 002's 200 -> 400 (93 CPU-s; the last doubling below 002's own 500 epochs); 001's CNN stays at 200 (its next rung,
# 400, ≈ 121 CPU-s, does not fit; its loss still fell 71% over the last 20% of 200 epochs in the pilot).
VARIANTS = variants(
    Variant("fits-000", SCALED, quotes=[Q000_FITS],
            statement="000's 16,750-parameter DNN fits 1000 randomly labelled images easily", sources=["000 §1"],
            cpu=RandomLabels(checks=("fits",), model=DNN_000, n_train=1000, batch_size=100, epochs=250,
                             cap=500,  # cost: ≈ 7 CPU-s at the cap (000's 5000 epochs: ≈ 70)
                             lr=3e-3, seeds=5, record_every=25),
            full=RandomLabels(checks=("fits",), model=DNN_000, n_train=1000, batch_size=100, epochs=5000,
                              cap=5000, lr=3e-3, seeds=5, record_every=100),  # 000's own 5000 epochs
            deviations_cpu=["250 epochs, up to 500 while the answer moves, instead of 5000 (pilot, seed base 10000: "
                            "every seed at train accuracy >= 0.99 by epoch 200)",
                            "1000 images drawn per seed from the offline 4000-image split (000: 1000 MNIST images)",
                            "unstated: 784-20-20-20-10, the member of 000's §2 family with exactly 000's 16,750 "
                            "parameters; Adam (000 gives lr 3e-3, no optimiser)", "5 seeds"],
            deviations_full=["unstated: 784-20-20-20-10 and Adam", "5 seeds"]),
    Variant("learns_completely-002", SCALED, quotes=[Q002_FITS, Q002_FITS_NUMBERS],
            statement="Trained on 5000 randomly labelled images, the model learns them completely (train loss near 0, "
                      "accuracy near 1); the validation half ('poor') is true by construction and not tested",
            sources=["002"],
            cpu=RandomLabels(checks=("fits", "train loss near 0"), model=DNN_003, n_train=4000,
                             batch_size=128, epochs=100,
                             cap=400,  # see "Caps, second allocation" above (002's own 500 epochs: ≈ 230 CPU-s)
                             lr=1e-3, seeds=5, record_every=10),
            full=RandomLabels(checks=("fits", "train loss near 0"), model=DNN_003, n_train=5000,
                              batch_size=128, epochs=500, cap=500,  # 002's own 500 epochs
                              lr=1e-4, seeds=5, n_test=10000, record_every=25),
            deviations_cpu=["4000 images (the whole offline split) instead of 5000",
                            "100 epochs, up to 400 while the answer moves, instead of 500",
                            "Adam lr 1e-3 instead of 1e-4", "unstated: 003's 784-500-10 DNN (002 names no model)",
                            "5 seeds"],
            deviations_full=["unstated: 003's 784-500-10 DNN (002 names no model)", "5 seeds"]),
    Variant("test_loss_climbs-cnn-001", SCALED, quotes=[Q001_OVERFIT],
            statement="001's CNN on random labels: the training loss decreases while the testing loss climbs up",
            sources=["001 §3-1"],
            cpu=RandomLabels(checks=("test loss climbs",), model=CNN_001, n_train=4000, batch_size=50, epochs=25,
                             cap=CAP_CNN_001, lr=1e-3, seeds=2),
            full=RandomLabels(checks=("test loss climbs",), model=CNN_001, n_train=60000, batch_size=100, epochs=300,
                              cap=300, lr=1e-3, seeds=5, n_test=10000, record_every=10),
            deviations_cpu=[CNN_001_FEATURES, CNN_001_CPU, "2 seeds"], deviations_full=CNN_001_FULL),
    Variant("cannot_fit-cnn-001", SCALED, quotes=[Q001_CANNOT],
            statement="This CNN model cannot fit random labels (001)", sources=["001 §3-1"],
            cpu=RandomLabels(checks=("cannot fit",), model=CNN_001, n_train=4000, batch_size=50, epochs=25,
                             cap=CAP_CNN_001, lr=1e-3, seeds=2),
            full=RandomLabels(checks=("cannot fit",), model=CNN_001, n_train=60000, batch_size=100, epochs=300,
                              cap=300, lr=1e-3, seeds=5, n_test=10000, record_every=10),
            deviations_cpu=[CNN_001_FEATURES, CNN_001_CPU, "2 seeds",
                            "budget: the cap of 200 epochs did not reach the gate in the pilot (seed base 10000: the "
                            "loss still fell 71% over the last 20% of 200 epochs); the next rung does not fit the cpu "
                            "profile's 15 minutes"],
            deviations_full=CNN_001_FULL,
            misattributed="001's 'cannot fit' follows from curves whose training loss keeps falling while the test loss "
                          "climbs (which 001 calls over-fitting); the variant reads it literally: train accuracy stays "
                          "below 0.99 once training has stopped improving"),
)


# --- the checks: a pure function of the curves ------------------------------------------------------------------
def file_random_label_checks(record, checks: tuple[str, ...], train_loss, train_acc, test_loss, test_acc) -> None:
    """C7's checks on the curves (seeds, records) of random-label runs, each seed with its own labels."""
    unknown = set(checks) - set(RANDOM_LABEL_CHECKS)
    if unknown:
        raise ValueError(f"unknown random-label checks {sorted(unknown)}; known: {RANDOM_LABEL_CHECKS}")
    fit = fitted("learned completely", train_acc[:, -1])  # 002's "完整學習下來": its sentence's other halves need it
    if "fits" in checks:  # the sentence's own criterion: no gate, harness.budget reads it along the budget
        record.check(f"final train accuracy >= {NEAR_100} (fits)", stats.each_seed(train_acc[:, -1], ">=", NEAR_100))
    if "cannot fit" in checks:  # refuted when every seed fits; holds only once the training loss has stopped falling
        record.check(f"final train accuracy < {NEAR_100} (cannot fit)", stats.each_seed(train_acc[:, -1], "<", NEAR_100),
                     requires=(stopped_improving("training stopped improving", train_loss),))
    if "train loss near 0" in checks:
        record.check(f"final train loss <= {NEAR_ZERO_LOSS}", stats.each_seed(train_loss[:, -1], "<=", NEAR_ZERO_LOSS),
                     requires=(fit,))
    if "test loss climbs" in checks:  # an observation during training: needs training under way, not finished
        under_way = verdict.reached("learning under way", float(np.mean(train_loss[:, -1] <= UNDER_WAY * train_loss[:, 0])),
                                    f"final train loss <= {UNDER_WAY} x its initial value")
        rise = test_loss[:, -1] / test_loss.min(axis=1) - 1
        at_min = test_loss.argmin(axis=1)
        train_fell = train_loss[:, -1] < train_loss[np.arange(len(train_loss)), at_min]
        record.check(f"final test loss more than {RISE:.0%} above its minimum", stats.each_seed(rise, ">", RISE),
                     requires=(under_way,))
        record.check("train loss fell after the test-loss minimum", stats.each_seed(train_fell, ">=", 1),
                     requires=(under_way,))


# --- the test ---------------------------------------------------------------------------------------------------
@claim("random_labels", ref="C7", title="A network memorises random labels", statement=FITS,
       sources=["000 §1", "002", "003 §3.1", "001 §3-1"], variants=VARIANTS)
def test_random_labels(settings, profile, runner, record):
    s = settings
    record.setting(s, dataset=profile.mnist, parameters=count_params(s.model))
    # each seed draws its own training subset (when n_train is below the split) and its own random labels
    config = TrainConfig(model=s.model, data=DataSpec(profile.mnist, s.n_train, s.n_test, seed=None),
                         epochs=s.epochs, lr=s.lr, batch_size=s.batch_size, record_every=s.record_every,
                         label_noise=1.0)
    seeds = record.seeds(s.seeds)

    def file_checks(epochs: int, rec):  # trained (or resumed) to `epochs`, the checks filed
        runs = runner.train(replace(config, epochs=epochs), seeds)
        file_random_label_checks(rec, s.checks, runs.train_loss, runs.train_acc, runs.test_loss, runs.test_acc)
        return runs

    runs = budget.file_until_stable(record, file_checks, s.epochs, s.cap, s.record_every)
    record.figure(figures.training_curves({s.model.label: runs}, [["train_loss", "test_loss"], ["train_acc", "test_acc"]],
                                          title=f"Random labels: {s.n_train} images, {len(runs)} seeds, "
                                                f"{runs.config.epochs} epochs"))
