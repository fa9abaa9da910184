"""Tests for the Hessian and minimal-ratio code in harness.metrics: functions with known Hessians
(quadratic forms, least squares), matrices with known spectra, and agreement with plain autograd."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from harness import metrics
from harness.data import function_data
from harness.models import MLPSpec, build
from harness.train import FunctionTask, TrainConfig, _stacked_params

entries = st.floats(min_value=-5, max_value=5, allow_nan=False, allow_infinity=False)


def square_matrices(max_n: int = 6):
    return st.integers(1, max_n).flatmap(lambda n: arrays(np.float64, (n, n), elements=entries))


def linear_config(in_dim: int) -> TrainConfig:
    """A linear model (no hidden layer) with MSE: its loss is an exact quadratic form in (w, b)."""
    return TrainConfig(model=MLPSpec(in_dim, (), 1), data=FunctionTask("sinc", 8), epochs=1, lr=0.1)


# --- hessians on quadratic forms ----------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(matrix=square_matrices(), data=st.data())
def test_quadratic_form_hessian_equals_its_symmetrised_matrix(matrix, data):
    """f(v) = vᵀMv + bᵀv has Hessian M + Mᵀ at every point."""
    n = len(matrix)
    m = torch.from_numpy(matrix)
    b = torch.from_numpy(data.draw(arrays(np.float64, n, elements=entries)))
    points = torch.from_numpy(data.draw(arrays(np.float64, (3, n), elements=entries)))
    got = metrics.hessians(lambda v: v @ m @ v + b @ v, points, chunk_size=2)
    assert got.shape == (3, n, n)
    for h in got:
        torch.testing.assert_close(h, m + m.T, rtol=1e-12, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(n_points=st.integers(2, 12), in_dim=st.integers(1, 4), members=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_least_squares_hessian_is_two_over_n_design_gram(n_points, in_dim, members, seed):
    """For a linear model under MSE, L(w, b) = mean((Xw + b − y)²), the Hessian is (2/N)·AᵀA with
    A = [X, 1], whatever the parameters and targets — per stacked member."""
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(n_points, in_dim, generator=g), torch.randn(n_points, 1, generator=g)
    config = linear_config(in_dim)
    params = {"1.weight": torch.randn(members, 1, in_dim, generator=g), "1.bias": torch.randn(members, 1, generator=g)}
    design = torch.cat([x, torch.ones(n_points, 1)], dim=1).double()
    expected = 2 / n_points * design.T @ design
    got = metrics.loss_hessians(config, params, x, y, chunk_size=2)
    assert got.dtype == torch.float64 and got.shape == (members, in_dim + 1, in_dim + 1)
    for h in got:
        torch.testing.assert_close(h, expected, rtol=1e-10, atol=1e-10)


def test_loss_hessians_match_plain_autograd_per_member():
    """The vectorised torch.func Hessians equal torch.autograd.functional.hessian run member by member."""
    config = TrainConfig(model=MLPSpec(1, (6, 4), 1, "tanh"), data=FunctionTask("sinc", 30), epochs=1, lr=0.1)
    _base, params = _stacked_params(config, [0, 1, 2], "cpu")
    x, y = function_data("sinc", 30)
    got = metrics.loss_hessians(config, params, x, y, chunk_size=2)
    module = build(config.model).double()
    names = [n for n, _ in module.named_parameters()]
    for i in range(3):
        flat = metrics.flatten({k: v[i:i + 1].detach().double() for k, v in params.items()})[0]

        def loss(vector):
            one = {k: v[0] for k, v in metrics.unflatten(vector.unsqueeze(0), dict(zip(names, [p[:1] for p in params.values()]))).items()}
            return ((torch.func.functional_call(module, one, (x.double(),)) - y.double()) ** 2).mean()

        torch.testing.assert_close(got[i], torch.autograd.functional.hessian(loss, flat), rtol=1e-9, atol=1e-11)


# --- eigenvalue counts and the minimal ratio --------------------------------------------------------

spectra = st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(0, 6)).filter(lambda c: c[0] + c[2] > 0)


@settings(max_examples=60, deadline=None)
@given(counts=spectra, seed=st.integers(0, 2**16))
def test_counts_of_a_matrix_with_known_spectrum(counts, seed):
    """Q·diag(λ)·Qᵀ with k₊ eigenvalues in [0.1, 10], k₀ of size ≤ 1e-9 and k₋ in [−10, −0.1]:
    eigvalsh + eigenvalue_signs recover k₊, k₀, k₋ and the minimal ratio k₊ / (k₊ + k₋): the zeros do not count."""
    n_pos, n_zero, n_neg = counts
    g = torch.Generator().manual_seed(seed)
    magnitudes = lambda k: 0.1 + 9.9 * torch.rand(k, generator=g, dtype=torch.float64)  # noqa: E731
    spectrum = torch.cat([magnitudes(n_pos), 1e-9 * (2 * torch.rand(n_zero, generator=g, dtype=torch.float64) - 1),
                          -magnitudes(n_neg)])
    n = len(spectrum)
    q, _ = torch.linalg.qr(torch.randn(n, n, generator=g, dtype=torch.float64))
    matrix = q @ torch.diag(spectrum) @ q.T
    eigenvalues = torch.linalg.eigvalsh(matrix).unsqueeze(0)
    positive, zero, negative = metrics.eigenvalue_signs(eigenvalues, rel_tol=1e-6)
    assert (positive.item(), zero.item(), negative.item()) == (n_pos, n_zero, n_neg)
    assert metrics.minimal_ratio(eigenvalues, 1e-6).item() == pytest.approx(n_pos / (n_pos + n_neg))


@settings(max_examples=60, deadline=None)
@given(rows=st.integers(1, 4), n=st.integers(1, 12), seed=st.integers(0, 2**16),
       rel_tol=st.sampled_from([0.0, 1e-8, 1e-4, 1e-2, 0.5]))
def test_counts_partition_the_spectrum_and_ratio_is_a_fraction(rows, n, seed, rel_tol):
    eigenvalues = torch.randn(rows, n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    positive, zero, negative = metrics.eigenvalue_signs(eigenvalues, rel_tol)
    assert torch.equal(positive + zero + negative, torch.full((rows,), n))
    ratio = metrics.minimal_ratio(eigenvalues, rel_tol)
    assert ((0 <= ratio) & (ratio <= 1)).all()  # rel_tol < 1: the largest |λ| is always nonzero
    torch.testing.assert_close(ratio, positive.double() / (positive + negative))


def test_tolerance_is_relative_to_the_largest_magnitude():
    eigenvalues = torch.tensor([[100.0, 0.5, -0.5, -0.005, 0.0]], dtype=torch.float64)
    assert [c.item() for c in metrics.eigenvalue_signs(eigenvalues, 1e-4)] == [2, 2, 1]  # zero: |λ| <= 0.01
    assert [c.item() for c in metrics.eigenvalue_signs(eigenvalues, 1e-2)] == [1, 4, 0]  # zero: |λ| <= 1
    assert metrics.minimal_ratio(eigenvalues, 1e-2).item() == 1.0  # the one nonzero eigenvalue is positive
    assert metrics.minimal_ratio(eigenvalues, 1e-4).item() == pytest.approx(2 / 3)


def test_an_absolute_tolerance_per_row_and_no_nonzero_eigenvalue():
    eigenvalues = torch.tensor([[-0.5, 0.0, 2.0], [-0.5, 0.0, 2.0]], dtype=torch.float64)
    assert [c.tolist() for c in metrics.eigenvalue_signs(eigenvalues, abs_tol=np.array([0.1, 1.0]))] == \
        [[1, 1], [1, 2], [1, 0]]
    ratio = metrics.minimal_ratio(eigenvalues, abs_tol=np.array([0.1, 5.0]))
    assert ratio[0].item() == 0.5 and torch.isnan(ratio[1])  # nothing above the tolerance: undefined


def test_a_minimum_and_a_saddle_of_a_quadratic():
    """x² + y² has ratio 1 at its minimum; x² − y² ratio 1/2 and one negative eigenvalue at its saddle."""
    at = torch.zeros(1, 2, dtype=torch.float64)
    bowl = torch.linalg.eigvalsh(metrics.hessians(lambda v: v[0] ** 2 + v[1] ** 2, at))
    saddle = torch.linalg.eigvalsh(metrics.hessians(lambda v: v[0] ** 2 - v[1] ** 2, at))
    assert metrics.minimal_ratio(bowl, 1e-4).item() == 1.0
    assert metrics.minimal_ratio(saddle, 1e-4).item() == 0.5
    assert metrics.eigenvalue_signs(saddle, 1e-4)[2].item() == 1
