"""Tests for the optimisation measurements in harness.metrics (C3–C6): trajectories, gradient-norm
summaries, 004's gradient-norm descent, critical points, and the loss around a point."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from harness import metrics
from harness.data import function_data
from harness.models import MLPSpec
from harness.train import FunctionTask, TrainConfig, _stacked_params

SMALL = TrainConfig(model=MLPSpec(1, (8,), 1, "tanh"), data=FunctionTask("sinc", 40), epochs=1, lr=1e-2)


def small_params(seeds=(0, 1, 2)):
    _base, params = _stacked_params(SMALL, list(seeds), "cpu")
    return {k: v.detach() for k, v in params.items()}


# --- trajectories ---------------------------------------------------------------------------------

def test_layer_columns_pick_the_named_parameters_out_of_the_flat_vector():
    params = small_params()
    flat = metrics.flatten(params)
    columns = metrics.layer_columns(params, "1.")
    expected = torch.cat([params["1.weight"].flatten(1), params["1.bias"].flatten(1)], dim=1)
    assert torch.equal(flat[:, columns], expected)
    with pytest.raises(ValueError, match="no parameter name"):
        metrics.layer_columns(params, "9.")


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_project_paths_keeps_runs_and_steps(method):
    snapshots = torch.randn(3, 7, 12, generator=torch.Generator().manual_seed(0))
    paths = metrics.project_paths(snapshots, method)
    assert paths.shape == (3, 7, 2) and np.isfinite(paths).all()


def test_pca_paths_of_points_on_a_line_vary_along_one_axis():
    direction = torch.randn(20, generator=torch.Generator().manual_seed(1))
    snapshots = torch.linspace(-1, 1, 12).view(3, 4, 1) * direction
    paths = metrics.project_paths(snapshots, "pca")
    assert np.abs(paths[..., 1]).max() < 1e-6 * np.abs(paths[..., 0]).max()


def test_path_distances():
    snapshots = torch.zeros(3, 2, 2)
    snapshots[:, 1] = torch.tensor([[3.0, 4.0], [0.0, 1.0], [0.0, 0.0]])
    pairwise, travelled = metrics.path_distances(snapshots)
    np.testing.assert_allclose(travelled, [5.0, 1.0, 0.0])
    np.testing.assert_allclose(pairwise[0, 1], np.hypot(3, 3))
    np.testing.assert_allclose(np.diag(pairwise), 0.0, atol=1e-6)


# --- gradient-norm summaries --------------------------------------------------------------------------

def test_gradient_fall_takes_the_early_maximum_and_the_late_median():
    norms = np.array([[1.0, 5.0, 2.0] + [0.5] * 6 + [0.1]])
    early, final = metrics.gradient_fall(norms, early_steps=3, late_fraction=0.2)
    assert early[0] == 5.0 and final[0] == pytest.approx(0.3)  # median of the last 2 of 10 steps


def test_near_zero_phase_on_a_known_record():
    steps = 100
    grad = np.concatenate([np.ones(20), np.full(80, 0.01)])[None].repeat(2, axis=0)
    loss = np.vstack([np.linspace(1.0, 0.1, steps), np.full(steps, 0.5)])  # falling, then flat
    start, ratio, falls = metrics.near_zero_phase(grad, loss, np.array([0.1, 0.1]), windows=10)
    assert start.tolist() == [20, 20]
    assert ratio[0] == pytest.approx(0.1 / loss[0, 20]) and ratio[1] == 1.0
    assert falls.tolist() == [9, 0]


def test_near_zero_phase_reports_members_that_never_get_there():
    start, ratio, falls = metrics.near_zero_phase(np.ones((1, 30)), np.ones((1, 30)), np.array([0.5]), windows=10)
    assert start[0] == -1 and np.isnan(ratio[0]) and falls[0] == 0


# --- 004's gradient-norm descent and critical points ---------------------------------------------------

def test_descending_the_gradient_norm_lowers_it_and_keeps_members_independent():
    x, y = function_data("sinc", 40)
    params = small_params()
    together, history = metrics.descend_gradient_norm(SMALL, params, x, y, steps=30, lr=1e-2)
    assert history.shape == (3, 31)
    assert (history[:, -1] < history[:, 0]).all()
    alone, _ = metrics.descend_gradient_norm(SMALL, {k: v[1:2] for k, v in params.items()}, x, y, steps=30, lr=1e-2)
    for name in params:
        torch.testing.assert_close(together[name][1:2], alone[name], rtol=1e-5, atol=1e-6)


def test_gradient_norms_match_autograd_and_vanish_at_a_least_squares_solution():
    x = torch.linspace(-1, 1, 10).unsqueeze(1)
    y = 3 * x - 1
    config = TrainConfig(model=MLPSpec(1, (), 1), data=FunctionTask("sinc", 10), epochs=1, lr=0.1)
    exact = {"1.weight": torch.tensor([[[3.0]], [[2.0]]]), "1.bias": torch.tensor([[-1.0], [0.0]])}
    norms = metrics.gradient_norms(config, exact, x, y)
    assert norms[0].item() < 1e-6
    w, b = torch.tensor(2.0, requires_grad=True), torch.tensor(0.0, requires_grad=True)
    ((w * x + b - y) ** 2).mean().backward()
    assert norms[1].item() == pytest.approx(torch.hypot(w.grad, b.grad).item(), rel=1e-5)


def test_critical_points_round_trip_through_cache_payloads():
    x, y = function_data("sinc", 40)
    points = metrics.find_critical_points(SMALL, small_params(), x, y, steps=5, lr=1e-3)
    n = sum(p[0].numel() for p in small_params().values())
    assert points.eigenvalues.shape == (3, n) and points.history.shape == (3, 6)
    assert (points.eigenvalues[:, 1:] >= points.eigenvalues[:, :-1]).all()  # ascending
    again = metrics.CriticalPoints.from_payloads(points.payloads())
    np.testing.assert_array_equal(again.loss, points.loss)
    np.testing.assert_array_equal(again.history, points.history)
    assert torch.equal(again.eigenvalues, points.eigenvalues)


# --- loss around a point ----------------------------------------------------------------------------

def test_loss_vs_radius_starts_at_the_loss_and_matches_the_quadratic_average():
    """For a linear model the loss is quadratic, L(θ + r·u) = L(θ) + r·gᵀu + r²·uᵀHu/2; over many random
    unit directions the mean is close to L(θ) + r²·tr(H)/(2n)."""
    x = torch.linspace(-1, 1, 20).unsqueeze(1)
    y = torch.sin(3 * x)
    config = TrainConfig(model=MLPSpec(1, (), 1), data=FunctionTask("sinc", 20), epochs=1, lr=0.1)
    params = {"1.weight": torch.tensor([[[0.5]]]), "1.bias": torch.tensor([[0.1]])}
    radii = np.array([0.0, 0.5, 1.0])
    mean = metrics.loss_vs_radius(config, params, x, y, radii, n_directions=4000, seed=0)
    base = metrics.evaluate_stacked(config, params, x, y)[0].item()
    trace = torch.linalg.eigvalsh(metrics.loss_hessians(config, params, x, y))[0].sum().item()
    assert mean[0, 0] == pytest.approx(base, rel=1e-6)
    for r, got in zip(radii, mean[0]):
        assert got == pytest.approx(base + r ** 2 * trace / (2 * 2), rel=0.05)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**16))
def test_filter_normalised_direction_has_the_filters_norms_and_no_bias(seed):
    params = {k: v[0] for k, v in small_params((seed % 7,)).items()}
    direction = metrics.filter_normalized_direction(params, torch.Generator().manual_seed(seed))
    for name, p in params.items():
        if p.dim() < 2:
            assert torch.equal(direction[name], torch.zeros_like(p))
        else:
            torch.testing.assert_close(direction[name].flatten(1).norm(dim=1), p.flatten(1).norm(dim=1))


def test_loss_surface_is_the_loss_at_its_centre():
    x, y = function_data("sinc", 40)
    params = {k: v[0] for k, v in small_params((0,)).items()}
    coords = np.linspace(-1, 1, 5)
    surface = metrics.loss_surface(SMALL, params, x, y, coords, seed=0)
    centre = metrics.evaluate_stacked(SMALL, {k: v.unsqueeze(0) for k, v in params.items()}, x, y)[0].item()
    assert surface.shape == (5, 5)
    assert surface[2, 2] == pytest.approx(centre, rel=1e-5)
    assert surface[0, 0] != pytest.approx(centre, rel=1e-3)
