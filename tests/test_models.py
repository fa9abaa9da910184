"""harness.models: builders, parameter counts, the parameter-budget solver."""
import pytest
import torch
from hypothesis import given, settings, strategies as st

from harness.models import (CNNSpec, MLPSpec, build, count_params, mlp_for_budget, mlp_params, width_for_budget)


def test_mlp_shapes_and_count():
    spec = MLPSpec(784, (500,), 10)
    model = build(spec)
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    assert count_params(model) == mlp_params(784, (500,), 10) == 397_510  # 003's DNN


def test_cnn_shapes_and_count():
    spec = CNNSpec(channels=(16, 32), dense=(50,), kernel=5)
    model = build(spec)
    assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    expected = (16 * 25 + 16) + (32 * 16 * 25 + 32) + (32 * 7 * 7 * 50 + 50) + (50 * 10 + 10)
    assert count_params(spec) == expected


def test_valid_padding_cnn_is_lenet_sized():
    spec = CNNSpec(channels=(16, 32), dense=(50,), kernel=5, padding="valid")  # 28 → 24 → 12 → 8 → 4
    assert build(spec)(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert count_params(spec) == (16 * 25 + 16) + (32 * 16 * 25 + 32) + (32 * 4 * 4 * 50 + 50) + (50 * 10 + 10)


def test_builds_are_seeded():
    torch.manual_seed(1)
    a = build(MLPSpec(1, (5, 5), 1))
    torch.manual_seed(1)
    b = build(MLPSpec(1, (5, 5), 1))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


@pytest.mark.parametrize("depth, budget", [(1, 571), (4, 571), (7, 571), (1, 1000), (3, 1000), (6, 1000)])
def test_report_families_hit_their_budgets(depth, budget):
    spec = mlp_for_budget(depth, budget)
    assert len(spec.hidden) == depth
    assert abs(count_params(spec) - budget) <= 0.05 * budget


@settings(max_examples=200, deadline=None)
@given(depth=st.integers(1, 10), budget=st.integers(200, 200_000))
def test_budget_solver_is_closest_and_within_tolerance(depth, budget):
    try:
        width = width_for_budget(depth, budget)
    except ValueError:
        # only allowed when no width can be within 5% (tiny budgets at large depth)
        widths = range(1, 2000)
        assert all(abs(mlp_params(1, (w,) * depth, 1) - budget) > 0.05 * budget for w in widths)
        return
    got = mlp_params(1, (width,) * depth, 1)
    assert abs(got - budget) <= 0.05 * budget
    for other in (width - 1, width + 1):
        if other >= 1:
            assert abs(got - budget) <= abs(mlp_params(1, (other,) * depth, 1) - budget)


def test_budget_solver_rejects_nonsense():
    with pytest.raises(ValueError):
        width_for_budget(0, 100)


@pytest.mark.parametrize("spec", [MLPSpec(784, (500,), 10), CNNSpec(channels=(16, 32), dense=(50,), kernel=5)])
def test_counting_a_spec_leaves_the_global_random_stream_alone(spec):
    """A claim counts parameters for its report rows between draws: counting must not draw."""
    before = torch.random.get_rng_state()
    count = count_params(spec)
    assert torch.equal(torch.random.get_rng_state(), before)
    assert count == count_params(build(spec))
