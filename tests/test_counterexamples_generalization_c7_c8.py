"""C7 random_labels and C8 param_count: each check on synthetic curves and sweeps, where it must not say "holds"
(and, where cheap, where it must). No training: the claims' decisions are pure functions of the measured arrays."""
from __future__ import annotations

import numpy as np
import pytest

import claims.test_c07_random_labels as c07
import claims.test_c08_param_count as c08
from claims.training_gates import fitted, stopped_improving
from harness import budget
from harness.record import Record

RNG = np.random.default_rng(10_000)
EPOCHS = 21  # records per curve


def decided(checks, **curves):
    record = Record("random_labels")
    c07.file_random_label_checks(record, checks, **curves)
    return record.decide()


def curves(seeds=5, final_acc=1.0, loss_end=0.01, loss_flat=True, test_acc=0.1, test_loss=None, acc_sd=0.003):
    """Random-label curves (seeds, records): train loss from ln 10 to loss_end (flat over the last third, or still
    falling steeply), train accuracy to final_acc, test accuracy around test_acc, test loss as given (default rising)."""
    t = np.linspace(0, 1, EPOCHS)
    shape = np.minimum(t / 0.6, 1.0) if loss_flat else t
    train_loss = np.log(10) + (loss_end - np.log(10)) * shape
    train_acc = 0.1 + (final_acc - 0.1) * shape
    test_loss = 2.3 + 3 * t if test_loss is None else test_loss
    return dict(train_loss=np.tile(train_loss, (seeds, 1)), train_acc=np.tile(train_acc, (seeds, 1)),
                test_loss=np.tile(test_loss, (seeds, 1)),
                test_acc=np.clip(test_acc + RNG.normal(0, acc_sd, (seeds, EPOCHS)), 0, 1))


# --- C7: fits / cannot fit ---------------------------------------------------------------------------------

def test_fits_holds_when_every_seed_memorises():
    assert decided(("fits",), **curves()).verdict == "holds"


def test_fits_is_refuted_when_no_seed_fits_and_the_loss_has_stopped_falling():
    decision = decided(("fits",), **curves(final_acc=0.6, loss_end=1.2))
    assert decision.verdict == "refuted"


def test_fits_still_moving_at_the_cap_is_inconclusive_budget():
    # no "trained" gate on a fit: harness.budget reads it along the budget; a fit reached only at the full budget
    # (not at its half or three quarters) moves, so at the cap the check is inconclusive (budget), never refuted
    def file_checks(epochs, rec):
        c07.file_random_label_checks(rec, ("fits",), **curves(final_acc=1.0 if epochs >= 100 else 0.6))
    checks, _, trace = budget.until_stable(file_checks, start=100, cap=100, step=25)
    record = Record("random_labels")
    record.checks.extend(checks)
    decision = record.decide()
    assert trace.moving and decision.verdict == "inconclusive" and "budget" in decision.reason


def test_cannot_fit_is_refuted_when_every_seed_fits():
    assert decided(("cannot fit",), **curves()).verdict == "refuted"


def test_cannot_fit_holds_only_once_training_has_stopped_improving():
    assert decided(("cannot fit",), **curves(final_acc=0.6, loss_end=1.2)).verdict == "holds"
    unfinished = decided(("cannot fit",), **curves(final_acc=0.6, loss_end=1.2, loss_flat=False))
    assert unfinished.verdict == "inconclusive" and "budget" in unfinished.reason


def test_train_loss_near_zero_is_not_met_by_a_fit_in_accuracy_with_a_large_loss():
    decision = decided(("fits", "train loss near 0"), **curves(loss_end=0.4))
    assert decision.verdict == "refuted"  # accuracy 1.0 but the loss stays 8x the threshold in every seed


# --- C7: 001's "train loss falls while the test loss climbs" ------------------------------------------------

def test_test_loss_climbs_holds_on_a_u_shaped_test_loss():
    u_shape = 2.3 + 4 * (np.linspace(0, 1, EPOCHS) - 0.3) ** 2
    assert decided(("test loss climbs",), **curves(test_loss=u_shape)).verdict == "holds"


def test_a_model_that_generalises_is_refuted_on_test_loss_climbs():
    falling = np.linspace(2.3, 0.3, EPOCHS)  # test loss falls with the train loss (true labels)
    assert decided(("test loss climbs",), **curves(test_loss=falling)).verdict == "refuted"


def test_test_loss_climbs_waits_for_training_to_get_under_way():
    c = curves()
    c["train_loss"] = np.full_like(c["train_loss"], np.log(10))  # nothing learned yet
    decision = decided(("test loss climbs",), **c)
    assert decision.verdict == "inconclusive" and "budget" in decision.reason


# --- C8: trends, flattening and 004's flat accuracy over a sweep --------------------------------------------

PARAMS = np.array([800, 1600, 3200, 6400, 12800, 25600, 51200, 102400, 204800, 409600])
SEEDS = 3


def sweep(test_acc, train_acc=None, test_loss=None, train_loss=None):
    """Final metrics (structures, seeds) from per-structure means plus a little seed noise (the same noise
    whatever order the tests run in: xdist distributes them)."""
    rng = np.random.default_rng(0)
    noisy = lambda mean, sd: np.asarray(mean, float)[:, None] + rng.normal(0, sd, (len(PARAMS), SEEDS))  # noqa: E731
    finals = {"test_acc": noisy(test_acc, 0.002),
              "train_acc": noisy(np.ones(len(PARAMS)) if train_acc is None else train_acc, 0.002),
              "test_loss": noisy(np.full(len(PARAMS), 0.4) if test_loss is None else test_loss, 0.01),
              "train_loss": noisy(np.full(len(PARAMS), 0.01) if train_loss is None else train_loss, 0.001)}
    finals["acc_gap"] = finals["train_acc"] - finals["test_acc"]
    finals["loss_gap"] = finals["test_loss"] - finals["train_loss"]
    return finals


def param_decision(variant, finals):
    record = Record("param_count", variant=variant)
    c08.file_param_checks(record, c08.VARIANTS[variant].cpu, PARAMS, finals)
    return record.decide()


RISING = np.linspace(0.80, 0.95, len(PARAMS))


def test_more_parameters_generalise_better_holds_on_rising_test_accuracy():
    assert param_decision("improves-000", sweep(RISING)).verdict == "holds"


def test_more_parameters_generalise_better_is_refuted_when_test_accuracy_falls():
    assert param_decision("improves-000", sweep(RISING[::-1])).verdict == "refuted"


def test_000_reads_only_the_structures_that_fit():
    # "even when the number of parameters is enough": a rise carried by small structures that do not fit, flat
    # among those that do, must not hold (the old check, over every structure, said holds)
    underfit = np.r_[np.linspace(0.6, 0.9, 4), np.full(6, 0.95)]
    test = np.r_[np.linspace(0.5, 0.85, 4), np.full(6, 0.9)]
    finals = sweep(test, train_acc=underfit)
    finals["test_acc"][4:] = 0.9 + np.random.default_rng(3).normal(0, 0.002, (6, SEEDS))
    finals["train_acc"][4:] = 1.0
    decision = param_decision("improves-000", finals)
    assert decision.verdict != "holds" and "the structures that fit" in decision.checks[0].name


def test_000_with_too_few_structures_that_fit_is_inconclusive_budget():
    finals = sweep(RISING, train_acc=np.r_[np.full(8, 0.9), np.ones(2)])
    decision = param_decision("improves-000", finals)
    assert decision.verdict == "inconclusive" and "budget" in decision.reason
    assert "2 of 10 structures fit" in str(decision.checks[0].requires)


def test_loss_and_accuracy_improve_is_refuted_when_test_loss_rises():
    finals = sweep(RISING, train_acc=RISING + 0.04, test_loss=np.linspace(0.3, 0.9, len(PARAMS)),
                   train_loss=np.linspace(0.5, 0.01, len(PARAMS)))
    assert param_decision("improves-001", finals).verdict == "refuted"


def test_gains_that_do_not_flatten_are_not_holds():
    linear_in_index = np.linspace(0.5, 0.95, len(PARAMS))  # the larger half gains as much as the smaller
    finals = sweep(linear_in_index, train_acc=linear_in_index + 0.02, test_loss=np.linspace(1.0, 0.2, len(PARAMS)),
                   train_loss=np.linspace(1.0, 0.1, len(PARAMS)))
    decision = param_decision("improves_then_flattens-002", finals)
    assert decision.verdict != "holds"
    assert any(c.status == "undecided" and "gain" in c.name for c in decision.checks)


def test_a_gap_that_does_not_grow_refutes_003():
    # train accuracy saturated at 1 while test accuracy keeps rising: the gap shrinks (the old cpu sweep's regime)
    finals = sweep(RISING, train_acc=np.ones(len(PARAMS)), test_loss=np.linspace(0.8, 0.3, len(PARAMS)),
                   train_loss=np.full(len(PARAMS), 0.01))
    assert param_decision("test_plateaus_gap_grows-003", finals).verdict == "refuted"


def test_a_growing_gap_with_a_test_plateau_holds_for_003():
    test = np.r_[np.linspace(0.5, 0.88, 5), np.linspace(0.885, 0.89, 5)]
    train = np.linspace(0.5, 1.0, len(PARAMS))
    finals = sweep(test, train_acc=train, test_loss=np.r_[np.linspace(1.5, 0.45, 5), np.linspace(0.5, 0.9, 5)],
                   train_loss=np.linspace(1.5, 0.01, len(PARAMS)))
    assert param_decision("test_plateaus_gap_grows-003", finals).verdict == "holds"


def test_test_loss_rises_is_refuted_when_test_loss_falls():
    finals = sweep(RISING, test_loss=np.linspace(0.9, 0.3, len(PARAMS)))
    assert param_decision("test_loss_rises-004", finals).verdict == "refuted"


def test_flat_accuracy_holds_when_largest_and_smallest_agree():
    assert param_decision("accuracy_flat-004", sweep(np.full(len(PARAMS), 0.92))).verdict == "holds"


def test_flat_accuracy_is_refuted_when_accuracy_rises_by_five_points():
    assert param_decision("accuracy_flat-004", sweep(np.linspace(0.88, 0.93, len(PARAMS)))).verdict == "refuted"


def test_flat_accuracy_with_noisy_seeds_is_inconclusive():
    finals = sweep(np.full(len(PARAMS), 0.92))
    finals["test_acc"] = 0.92 + np.random.default_rng(10_003).normal(0, 0.03, finals["test_acc"].shape)
    assert param_decision("accuracy_flat-004", finals).verdict == "inconclusive"


# --- the gate itself ---------------------------------------------------------------------------------------

def test_fitted_and_stopped_improving_gates():
    fit, plateau = curves(), curves(final_acc=0.6, loss_end=1.2)
    still_falling = curves(final_acc=0.6, loss_end=1.2, loss_flat=False)
    assert fitted("x", fit["train_acc"][:, -1]).met and not fitted("x", plateau["train_acc"][:, -1]).met
    assert stopped_improving("x", plateau["train_loss"]).met
    assert not stopped_improving("x", still_falling["train_loss"]).met


def test_the_lower_loss_of_003_is_refuted_when_the_test_loss_rises():
    finals = sweep(RISING, test_loss=np.linspace(0.3, 0.9, len(PARAMS)), train_loss=np.linspace(0.5, 0.01, len(PARAMS)))
    assert param_decision("lower_loss-003", finals).verdict == "refuted"
    falling = sweep(RISING, test_loss=np.linspace(0.9, 0.3, len(PARAMS)),
                    train_loss=np.linspace(0.5, 0.01, len(PARAMS)))
    assert param_decision("lower_loss-003", falling).verdict == "holds"


@pytest.mark.parametrize("variant", list(c08.VARIANTS))
def test_every_c8_variant_spans_at_least_ten_structures(variant):
    assert len(c08.VARIANTS[variant].cpu.sweep.family) >= 10


def test_an_unknown_random_label_check_is_an_error_not_a_silent_pass():
    with pytest.raises(ValueError, match="unknown random-label checks"):
        decided(("fit",), **curves())
