"""C1 function_fit_depth and C2 cnn_depth: every check of claims/test_c01_function_fit_depth.py and
claims/test_c02_cnn_depth.py on synthetic curves and per-seed finals (no training), where it must not say
"holds" — and, where cheap, where it must."""
from __future__ import annotations

import numpy as np

from claims.test_c01_function_fit_depth import (FITTED, fewer_steps_to_fit, lower_final_loss, lower_loss_along_training,
                                                similar_final_fit)
from claims.test_c02_cnn_depth import (COMPARABLE, COMPARABLE_LOSS_RATIO, COMPARABLE_MARGIN, TRAINED_ACC,
                                       TRAINS_AND_TESTS_BETTER, TRAINS_BETTER, TRAINS_BETTER_AND_SOONER, cnn_checks)
from harness.budget import file_until_stable
from harness.record import Record

BUDGET = 4000
EPOCHS = np.arange(0, BUDGET + 1, 10)
SEEDS = 12
RNG = np.random.default_rng(10_000)


def curves(tau, floor, seeds: int = SEEDS, jitter: float = 0.1) -> np.ndarray:
    """MSE / variance: exponential fall from 1 with time constant tau (steps) to `floor`, seed-to-seed jitter."""
    tau = np.asarray(tau, dtype=float) * np.exp(RNG.normal(0, jitter, (seeds, 1)))
    floor = np.asarray(floor, dtype=float) * np.exp(RNG.normal(0, jitter, (seeds, 1)))
    return floor + (1 - floor) * np.exp(-EPOCHS / tau)


def fit_verdict(check, pairs, by_depth, must_fit=()) -> tuple[str, Record]:
    record = Record("function_fit_depth")
    check(record, pairs, EPOCHS, by_depth, BUDGET, must_fit)
    return record.decide().verdict, record


def statuses(record: Record) -> set[str]:
    return {c.status for c in record.checks}


# --- C1 fewer_steps_to_fit (003 §1.1.1 sinc; 003 §1.1.2 sgn, only the deepest gated) -----------------------

def test_faster_holds_when_deeper_nets_fit_sooner():
    # tau 100 reaches 1% of the variance at ~460 steps, tau 400 at ~1850: both well inside the budget
    depth = {1: curves(400, 1e-3), 4: curves(100, 1e-3), 7: curves(100, 1e-3)}
    assert fit_verdict(fewer_steps_to_fit, ((7, 1), (4, 1)), depth, (1, 4, 7))[0] == "holds"


def test_faster_is_refuted_when_the_shallow_net_fits_sooner():
    depth = {1: curves(100, 1e-3), 4: curves(400, 1e-3), 7: curves(400, 1e-3)}
    verdict, record = fit_verdict(fewer_steps_to_fit, ((7, 1), (4, 1)), depth, (1, 4, 7))
    assert verdict == "refuted" and statuses(record) == {"against"}


def test_faster_is_inconclusive_when_depths_fit_at_the_same_pace():
    same = curves(200, 1e-3)
    verdict, _ = fit_verdict(fewer_steps_to_fit, ((7, 1), (4, 1)), {1: same, 4: same.copy(), 7: same.copy()}, (1, 4, 7))
    assert verdict == "inconclusive"


def test_faster_is_inconclusive_budget_when_the_shallow_net_never_fits():
    # 003's sinc models all converged: a budget where the 1-layer net never fits is not 003's regime
    depth = {1: curves(400, 0.05), 4: curves(100, 1e-3), 7: curves(100, 1e-3)}
    verdict, record = fit_verdict(fewer_steps_to_fit, ((7, 1), (4, 1)), depth, (1, 4, 7))
    assert verdict == "inconclusive" and statuses(record) == {"budget"}


def test_deepest_faster_on_sgn_needs_only_the_deepest_to_fit():
    # 003 §1.1.2: Models 2 and 3 did not converge in 25000 epochs; only the 7-layer net must fit
    depth = {1: curves(400, 0.05), 4: curves(400, 0.05), 7: curves(150, 1e-3)}
    assert fit_verdict(fewer_steps_to_fit, ((7, 1), (7, 4)), depth, (7,))[0] == "holds"


def test_deepest_faster_is_inconclusive_budget_when_the_deepest_never_fits():
    depth = {1: curves(400, 0.05), 4: curves(400, 0.05), 7: curves(400, 0.03)}
    verdict, record = fit_verdict(fewer_steps_to_fit, ((7, 1), (7, 4)), depth, (7,))
    assert verdict == "inconclusive" and statuses(record) == {"budget"}


# --- C1 similar_final_fit (003 §1.1.1: final fits similar, equivalence within FITTED) -----------------------
SINC_DEPTHS = (1, 4, 7)  # sinc-003-similar's gate: the median seed of every depth converged


def test_similar_holds_for_converged_fits_with_equal_final_error():
    depth = {d: curves(100, 2e-3) for d in (1, 4, 7)}
    assert fit_verdict(similar_final_fit, ((7, 1), (4, 1)), depth, SINC_DEPTHS)[0] == "holds"


def test_similar_counts_every_seed_so_it_can_fail_once_the_median_seed_converged():
    # half the 1-layer seeds end far off (20% of the variance), half fit: the gate (median seed fitted) is met, and
    # the unfitted seeds enter: the mean difference lies far outside the margin. Keeping only fitted seeds would
    # bound every difference inside ±FITTED, where this check could not fail.
    depth = {d: curves(100, 2e-3) for d in (1, 4, 7)}
    depth[1][: SEEDS // 2, -1] = 0.2
    verdict, record = fit_verdict(similar_final_fit, ((7, 1), (4, 1)), depth, SINC_DEPTHS)
    assert verdict == "refuted" and statuses(record) == {"against"}


def test_similar_is_refuted_when_one_depth_ends_far_worse():
    # the 1-layer net ends at 5% of the variance, five times the margin: not equivalent and clearly different
    depth = {1: curves(100, 0.05), 4: curves(100, 2e-3), 7: curves(100, 2e-3)}
    verdict, record = fit_verdict(similar_final_fit, ((7, 1), (4, 1)), depth)
    assert verdict == "refuted" and statuses(record) == {"against"}


def test_similar_is_inconclusive_when_the_difference_straddles_the_margin():
    # differences spread around the margin itself: neither equivalent nor shown different
    depth = {1: curves(100, 2e-3), 4: curves(100, 2e-3), 7: curves(100, 2e-3)}
    noise = RNG.normal(0, 1, SEEDS)
    spread = (noise - noise.mean()) / noise.std(ddof=1)  # mean half the margin, sd three margins: t ≈ 0.6
    depth[7] *= (0.1 / depth[7][:, -1])[:, None]  # final MSEs set by scaling whole curves: the tails stay flat
    depth[1] *= ((0.1 + 0.5 * FITTED + 3 * FITTED * spread) / depth[1][:, -1])[:, None]
    verdict, record = fit_verdict(similar_final_fit, ((7, 1),), depth)
    assert verdict == "inconclusive" and statuses(record) == {"undecided"}


def test_similar_is_inconclusive_budget_until_the_median_seed_of_every_depth_converged():
    # tau 3000 on a 4000-step budget: the 1-layer net is far from a near-zero loss (003: all three converged)
    depth = {1: curves(3000, 1e-3), 4: curves(100, 2e-3), 7: curves(100, 2e-3)}
    verdict, record = fit_verdict(similar_final_fit, ((7, 1), (4, 1)), depth, SINC_DEPTHS)
    assert verdict == "inconclusive" and statuses(record) == {"budget"}


# --- C1 lower_final_loss (004 deeper lower; 004 tiny budget wider lower; 001 deeper better) -----------------

def test_lower_loss_holds_when_deeper_ends_lower():
    depth = {1: curves(100, 1e-2), 3: curves(100, 1e-3), 6: curves(100, 1e-3)}
    assert fit_verdict(lower_final_loss, ((3, 1), (6, 1)), depth)[0] == "holds"


def test_lower_loss_is_refuted_when_deeper_ends_higher():
    depth = {1: curves(100, 1e-3), 3: curves(100, 1e-2), 6: curves(100, 1e-2)}
    verdict, record = fit_verdict(lower_final_loss, ((3, 1), (6, 1)), depth)
    assert verdict == "refuted" and statuses(record) == {"against"}


def test_lower_loss_is_inconclusive_for_identical_models():
    same = curves(100, 1e-3)
    verdict, record = fit_verdict(lower_final_loss, ((6, 1),), {1: same, 6: same.copy()})
    assert verdict == "inconclusive" and "tied in 12 of 12 pairs" in record.decision.reason


def test_lower_loss_is_inconclusive_budget_when_the_answer_moves_at_the_cap():
    # no gate of 004's own words: the budget's stability decides. The 1-layer net drops below the 6-layer one
    # after 3500 steps: lower at ½ and ¾ of the 4000-step cap, higher at all of it, so the answer still moves
    depth = {1: curves(100, 1e-2), 6: curves(100, 1e-3)}
    depth[1][:, EPOCHS > 3500] = 1e-4 * np.exp(RNG.normal(0, 0.1, (SEEDS, 1)))

    def file_checks(budget, record):
        upto = EPOCHS <= budget
        lower_final_loss(record, ((6, 1),), EPOCHS[upto], {d: c[:, upto] for d, c in depth.items()}, budget)

    record = Record("function_fit_depth")
    file_until_stable(record, file_checks, start=BUDGET, cap=BUDGET, step=10)
    assert record.decide().verdict == "inconclusive" and statuses(record) == {"budget"}
    assert not record.budget_trace.stable


def test_the_tiny_budget_sentence_is_refuted_when_the_deep_net_ends_lower():
    # 004's conjecture tested in its own direction: the wide 1-layer net lower than the 6-layer
    depth = {1: curves(100, 1e-2), 6: curves(100, 1e-3)}
    assert fit_verdict(lower_final_loss, ((1, 6),), depth)[0] == "refuted"


# --- C1 lower_loss_along_training (001 §1-1: the simplest net's loss decreases slowly) -----------------------

def test_slower_holds_when_the_simplest_net_falls_later_to_the_same_floor():
    # the same final MSE: lower_final_loss cannot tell them apart, the mean log MSE along training can
    depth = {2: curves(800, 1e-3), 4: curves(100, 1e-3), 7: curves(100, 1e-3)}
    assert fit_verdict(lower_loss_along_training, ((7, 2), (4, 2)), depth)[0] == "holds"


def test_slower_is_refuted_when_the_simplest_net_falls_sooner():
    depth = {2: curves(100, 1e-3), 4: curves(800, 1e-3), 7: curves(800, 1e-3)}
    verdict, record = fit_verdict(lower_loss_along_training, ((7, 2), (4, 2)), depth)
    assert verdict == "refuted" and statuses(record) == {"against"}


def test_slower_is_inconclusive_for_identical_curves():
    same = curves(300, 1e-3)
    verdict, _ = fit_verdict(lower_loss_along_training, ((7, 2),), {2: same, 7: same.copy()})
    assert verdict == "inconclusive"


# --- C2: CNNs and DNNs on MNIST ------------------------------------------------------------------------------

EPOCHS_C2 = 10
CNN_SEEDS = 8


def finals(loss, acc, test_acc=None, seeds: int = CNN_SEEDS) -> dict[str, np.ndarray]:
    noise = RNG.normal(0, 1, seeds)
    return {"train_loss": loss * np.exp(0.05 * noise), "train_acc": np.clip(acc + 0.001 * noise, 0, 1),
            "test_acc": np.clip((acc if test_acc is None else test_acc) + 0.001 * noise, 0, 1)}


def cnn_verdict(checks, pairs, models: dict[str, dict[str, np.ndarray]], trained_at: dict[str, float],
                gated) -> tuple[str, Record]:
    final = {metric: {m: f[metric] for m, f in models.items()} for metric in ("train_loss", "train_acc", "test_acc")}
    to_trained = {m: np.full(CNN_SEEDS, float(e)) for m, e in trained_at.items()}
    record = Record("cnn_depth")
    cnn_checks(record, checks, pairs, final, to_trained, EPOCHS_C2, gated)
    return record.decide().verdict, record


NEVER = EPOCHS_C2 + 1
GOOD, WORSE = finals(0.02, 0.995, 0.985), finals(0.08, 0.982, 0.975)


def test_deeper_cnn_better_holds_and_the_reverse_is_refuted():
    pairs, gated = (("4 conv", "1 conv"),), ("4 conv", "1 conv")
    assert cnn_verdict(TRAINS_BETTER, pairs, {"4 conv": GOOD, "1 conv": WORSE}, {"4 conv": 4, "1 conv": 6}, gated)[0] == "holds"
    verdict, record = cnn_verdict(TRAINS_BETTER, pairs, {"4 conv": WORSE, "1 conv": GOOD}, {"4 conv": 6, "1 conv": 4}, gated)
    assert verdict == "refuted"


def test_deeper_cnn_is_inconclusive_budget_when_a_model_is_not_trained():
    # TRAINED_ACC not reached within the budget by the deep net's seeds: never refuted, "budget"
    verdict, record = cnn_verdict(TRAINS_BETTER, (("4 conv", "1 conv"),), {"4 conv": WORSE, "1 conv": GOOD},
                                  {"4 conv": NEVER, "1 conv": 4}, ("4 conv", "1 conv"))
    assert verdict == "inconclusive" and statuses(record) == {"budget"}
    assert f"{TRAINED_ACC:.1%}" in record.decision.reason


def test_one_dense_layer_best_checks_test_accuracy_too():
    # 003 §1.2: the 1-dense-layer CNN best in train loss and accuracy, but worse on test: not "holds"
    one_dense = finals(0.02, 0.995, test_acc=0.960)
    verdict, record = cnn_verdict(TRAINS_AND_TESTS_BETTER, (("1 dense", "4 dense"),), {"1 dense": one_dense, "4 dense": WORSE},
                                  {"1 dense": 4, "4 dense": 6}, ("1 dense", "4 dense"))
    assert verdict == "refuted" and {c.name.split(": ")[1] for c in record.checks if c.status == "against"} == \
        {"higher final test accuracy"}


def test_identical_cnns_decide_nothing_about_depth():
    same = finals(0.05, 0.99)
    verdict, _ = cnn_verdict(TRAINS_BETTER, (("2 conv", "1 conv"),), {"2 conv": same, "1 conv": same}, {"2 conv": 5, "1 conv": 5},
                             ("2 conv", "1 conv"))
    assert verdict == "inconclusive"


def test_comparable_cnns_hold_within_the_margin_and_are_refuted_beyond_it():
    pair, gated = (("a", "b"),), ("a", "b")
    close = finals(0.05, 0.990 + 0.1 * COMPARABLE_MARGIN)
    assert cnn_verdict(COMPARABLE, pair, {"a": close, "b": finals(0.05, 0.990)}, {"a": 5, "b": 5}, gated)[0] == "holds"
    far = finals(0.05, 0.990 - 3 * COMPARABLE_MARGIN)
    assert cnn_verdict(COMPARABLE, pair, {"a": far, "b": finals(0.05, 0.990)}, {"a": 5, "b": 5}, gated)[0] == "refuted"


def test_comparable_is_refuted_when_the_losses_differ_by_more_than_the_factor():
    # 001 §1-2 says "the loss and accuracy": equal accuracies with losses 4x apart are not comparable
    pair = (("a", "b"),)
    low, high = finals(0.02, 0.99), finals(0.02 * 2 * COMPARABLE_LOSS_RATIO, 0.99)
    verdict, record = cnn_verdict(COMPARABLE, pair, {"a": low, "b": high}, {"a": 5, "b": 5}, ())
    assert verdict == "refuted"
    assert {c.name.split(": ")[1] for c in record.checks if c.status == "against"} == \
        {f"final training losses equal within a factor of {COMPARABLE_LOSS_RATIO:g}"}


def test_comparable_is_inconclusive_when_seeds_scatter_widely():
    wide_a, wide_b = finals(0.05, 0.97), finals(0.05, 0.97)
    wide_a["train_acc"] = 0.97 + RNG.normal(0, 3 * COMPARABLE_MARGIN, CNN_SEEDS)
    verdict, _ = cnn_verdict(COMPARABLE, (("a", "b"),), {"a": wide_a, "b": wide_b}, {"a": 5, "b": 5}, ("a", "b"))
    assert verdict == "inconclusive"


def test_deep_dnn_worse_and_slower_holds_and_a_tie_does_not():
    pair, gated = (("1 hidden", "6 hidden"),), ("1 hidden",)
    shallow, deep = finals(0.05, 0.99), finals(0.60, 0.80)
    # the shallow net trained at epoch 5, the deep never: censored at the budget, still evidence of "slower"
    assert cnn_verdict(TRAINS_BETTER_AND_SOONER, pair, {"1 hidden": shallow, "6 hidden": deep},
                       {"1 hidden": 5, "6 hidden": NEVER}, gated)[0] == "holds"
    verdict, _ = cnn_verdict(TRAINS_BETTER_AND_SOONER, pair, {"1 hidden": shallow, "6 hidden": shallow},
                             {"1 hidden": 5, "6 hidden": 5}, gated)
    assert verdict == "inconclusive"


def test_deep_dnn_worse_is_inconclusive_budget_when_even_the_shallow_net_is_untrained():
    verdict, record = cnn_verdict(TRAINS_BETTER_AND_SOONER, (("1 hidden", "6 hidden"),),
                                  {"1 hidden": finals(0.3, 0.9), "6 hidden": finals(0.6, 0.8)},
                                  {"1 hidden": NEVER, "6 hidden": NEVER}, ("1 hidden",))
    assert verdict == "inconclusive" and statuses(record) == {"budget"}
