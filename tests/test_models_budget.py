"""Tests for the HW1-1 harness additions: parameter budgets (models.spec_for_budget), the 8×8 digits
task (data), predictions and epochs-to-threshold (metrics), and the predicted-curves figure."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from harness import figures, metrics
from harness.data import DataSpec, load_mnist
from harness.models import (CNNSpec, MLPSpec, count_params, count_spec, mlp_for_budget, spec_for_budget,
                            width_for_budget)
from harness.train import FunctionTask, TrainConfig, load_split, train_ensemble

# --- spec_for_budget ------------------------------------------------------------------------------


def _closest_among_neighbours(make, spec, width, budget):
    """No neighbouring width of the family lands closer to the budget than the chosen one."""
    got = abs(count_spec(spec) - budget)
    return all(got <= abs(count_spec(make(w)) - budget) for w in (width - 1, width + 1) if w >= 1)


@settings(max_examples=60, deadline=None)
@given(depth=st.integers(1, 8), budget=st.integers(200, 5000))
def test_mlp_budget_is_within_tolerance_and_closest(depth, budget):
    make = lambda w: MLPSpec(1, (w,) * depth, 1)  # noqa: E731
    try:
        spec = spec_for_budget(make, budget)
    except ValueError:  # no width within 5%: the closed form of width_for_budget must agree
        with pytest.raises(ValueError):
            width_for_budget(depth, budget)
        return
    assert abs(count_spec(spec) - budget) <= 0.05 * budget
    assert _closest_among_neighbours(make, spec, spec.hidden[0], budget)
    # The closed-form mlp_for_budget agrees on how far from the budget the best width is.
    assert abs(count_spec(spec) - budget) == abs(count_params(mlp_for_budget(depth, budget)) - budget)


@settings(max_examples=15, deadline=None)
@given(conv_layers=st.integers(1, 4), budget=st.integers(3000, 60000))
def test_cnn_conv_family_budget(conv_layers, budget):
    make = lambda c: CNNSpec(channels=(c,) * conv_layers, kernel=3)  # noqa: E731
    try:
        spec = spec_for_budget(make, budget)
    except ValueError:
        return
    assert abs(count_spec(spec) - budget) <= 0.05 * budget
    assert _closest_among_neighbours(make, spec, spec.channels[0], budget)


def test_reports_families_hit_their_budgets():
    """003's 571 parameters at 1/4/7 and 004's ~1000 at 1/3/6 hidden layers, 004's ~90.9k CNNs."""
    for budget, depths in ((571, (1, 4, 7)), (1000, (1, 3, 6))):
        for depth in depths:
            spec = spec_for_budget(lambda w, d=depth: MLPSpec(1, (w,) * d, 1), budget)
            assert len(spec.hidden) == depth and abs(count_params(spec) - budget) <= 0.05 * budget
    for conv_layers in (1, 2, 4):
        spec = spec_for_budget(lambda c, n=conv_layers: CNNSpec(channels=(c,) * n), 90_900)
        assert abs(count_params(spec) - 90_900) <= 0.05 * 90_900


def test_family_without_free_width_returns_its_only_member_or_raises():
    fixed = CNNSpec(channels=(8, 16), kernel=4)  # 003's single-dense member: nothing to tune
    assert spec_for_budget(lambda _: fixed, 10_000) == fixed  # 10,050 parameters: within 5%
    with pytest.raises(ValueError, match="within 5%"):
        spec_for_budget(lambda _: fixed, 20_000)


def test_budget_below_the_smallest_member_raises():
    with pytest.raises(ValueError, match="closest: width 1, 4 parameters"):
        spec_for_budget(lambda w: MLPSpec(1, (w,), 1), 2)
    with pytest.raises(ValueError, match="positive"):
        spec_for_budget(lambda w: MLPSpec(1, (w,), 1), 0)


def test_count_spec_matches_count_params_and_leaves_the_rng_alone():
    spec = CNNSpec(channels=(16, 16), dense=(20,))
    state = torch.random.get_rng_state()
    assert count_spec(spec) == count_params(spec) == 10 * 16 + (9 * 16 + 1) * 16 + (7 * 7 * 16 + 1) * 20 + 21 * 10
    torch.manual_seed(0)  # count_params built a model with the global RNG; count_spec must not
    expected = torch.rand(1)
    torch.manual_seed(0)
    count_spec(spec)
    assert torch.rand(1) == expected
    torch.random.set_rng_state(state)


# --- the 8×8 digits task ------------------------------------------------------------------------------


def test_digits_split_is_stratified_scaled_and_deterministic():
    split = load_mnist(DataSpec("digits"))
    assert split.x_train.shape == (1437, 1, 8, 8) and split.x_test.shape == (360, 1, 8, 8)
    assert 0.0 <= split.x_train.min() and split.x_train.max() == 1.0
    test_share = split.y_test.bincount(minlength=10) / (split.y_test.bincount(minlength=10) + split.y_train.bincount(minlength=10))
    assert torch.all((test_share - 0.2).abs() < 0.01)  # every class holds out ~20%
    again = load_mnist(DataSpec("digits"))
    assert torch.equal(split.x_train, again.x_train) and torch.equal(split.y_test, again.y_test)
    subset = load_mnist(DataSpec("digits", n_train=100, n_test=50, seed=3))
    assert subset.x_train.shape == (100, 1, 8, 8) and subset.y_test.shape == (50,)


def test_unknown_dataset_names_the_choices():
    with pytest.raises(ValueError, match="'digits'"):
        load_mnist(DataSpec("cifar"))


# --- predict_stacked and first_epoch_below -------------------------------------------------------------


@pytest.mark.parametrize("config", [
    TrainConfig(MLPSpec(1, (7, 5), 1, "tanh"), FunctionTask("sinc", 50), epochs=3, lr=1e-2),
    TrainConfig(CNNSpec(channels=(3,), kernel=3, image_size=8), DataSpec("digits", 64, 32), epochs=1, lr=1e-2,
                batch_size=32),
])
def test_predict_stacked_matches_each_member_as_a_module(config):
    split = load_split(config.data, "cpu")
    runs = train_ensemble(config, [0, 1, 2], split)
    out = metrics.predict_stacked(config, runs.params, split.x_test)
    assert out.shape == (3, len(split.x_test), config.model.out_dim)
    for i in range(3):
        with torch.no_grad():
            torch.testing.assert_close(out[i], runs.model(i)(split.x_test), rtol=1e-5, atol=1e-5)


def test_first_epoch_below_known_values():
    epochs = np.array([0, 10, 20, 30])
    losses = np.array([[1.0, 0.5, 0.1, 0.05],    # first at or below 0.1: epoch 20
                       [1.0, 1.0, 1.0, 1.0],     # never
                       [0.1, 0.2, 0.05, 0.0]])   # at initialisation
    assert metrics.first_epoch_below(epochs, losses, 0.1, never=40).tolist() == [20, 40, 0]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=30), st.floats(0, 1, allow_nan=False))
def test_first_epoch_below_is_the_first_crossing(curve, threshold):
    losses = np.array([curve])
    epochs = np.arange(len(curve)) * 5
    (got,) = metrics.first_epoch_below(epochs, losses, threshold, never=-1)
    if got == -1:
        assert all(loss > threshold for loss in curve)
    else:
        index = int(got) // 5
        assert curve[index] <= threshold and all(loss > threshold for loss in curve[:index])


# --- the predicted-curves figure ---------------------------------------------------------------------------


def test_function_fits_draws_truth_every_seed_and_one_bold_curve_per_model():
    x = np.linspace(-1, 1, 20)
    predictions = {"shallow": np.stack([x, 2 * x, 3 * x]), "deep": np.stack([-x, x])}
    fig = figures.function_fits(x, np.sin(x), predictions, {"shallow": np.array([3.0, 1.0, 2.0]), "deep": np.array([1.0, 2.0])},
                                title="t")
    ax = fig.axes[0]
    assert len(ax.lines) == 1 + (3 + 1) + (2 + 1)
    bold = [line for line in ax.lines if "median" in line.get_label()]
    np.testing.assert_allclose(bold[0].get_ydata(), 3 * x)  # shallow: median loss 2.0 is seed 2
    np.testing.assert_allclose(bold[1].get_ydata(), -x)     # deep, even count: the lower middle (loss 1.0)
    plt.close(fig)
