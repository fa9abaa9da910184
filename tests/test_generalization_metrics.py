"""The generalisation measurements (harness/metrics.py, C9–C11): input sensitivity, interpolation, sharpness."""
from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.func import stack_module_state

from harness import metrics
from harness.data import Split
from harness.models import MLPSpec, build
from harness.train import FunctionTask, TrainConfig


def stacked(spec: MLPSpec, seeds: list[int]) -> dict[str, torch.Tensor]:
    """Freshly initialised parameters of one model per seed, stacked as in Runs.params."""
    models = []
    for seed in seeds:
        torch.manual_seed(seed)
        models.append(build(spec))
    params, _ = stack_module_state(models)
    return {name: p.detach() for name, p in params.items()}


def classifier(spec: MLPSpec) -> TrainConfig:
    return TrainConfig(model=spec, data=None, epochs=1, lr=1e-3)  # data is never read by the metrics


def regression(spec: MLPSpec) -> TrainConfig:
    return TrainConfig(model=spec, data=FunctionTask("sinc", 50), epochs=1, lr=1e-3)


@settings(max_examples=25, deadline=None)
@given(in_dim=st.integers(1, 12), out_dim=st.integers(1, 6), members=st.integers(1, 3), seed=st.integers(0, 10_000))
def test_linear_map_jacobian_norm_is_its_weights_frobenius_norm(in_dim, out_dim, members, seed):
    spec = MLPSpec(in_dim, (), out_dim)  # a single Linear layer: f(x) = Wx + b, so ∂f/∂x = W at every x
    params = stacked(spec, [seed + i for i in range(members)])
    x = torch.randn(7, in_dim, generator=torch.Generator().manual_seed(seed))
    sensitivity = metrics.input_sensitivity(classifier(spec), params, x, softmax=False)
    expected = params["1.weight"].flatten(1).norm(dim=1).double()
    torch.testing.assert_close(sensitivity, expected, rtol=1e-5, atol=1e-6)


def test_softmax_sensitivity_matches_a_plain_autograd_loop():
    spec = MLPSpec(5, (8,), 3, "tanh")
    params = stacked(spec, [0, 1])
    x = torch.randn(6, 5, generator=torch.Generator().manual_seed(0))
    got = metrics.input_sensitivity(classifier(spec), params, x, chunk=4)  # chunks of 4 and 2 points
    for i in range(2):
        model = build(spec)
        model.load_state_dict({name: p[i] for name, p in params.items()})
        norms = [torch.autograd.functional.jacobian(lambda p: model(p.unsqueeze(0))[0].softmax(-1), point).norm()
                 for point in x]
        assert abs(got[i].item() - torch.stack(norms).mean().item()) < 1e-5


def test_regression_sensitivity_uses_the_raw_output():
    spec = MLPSpec(1, (), 1)
    params = stacked(spec, [3])
    x = torch.linspace(-1, 1, 9).unsqueeze(1)
    got = metrics.input_sensitivity(regression(spec), params, x)
    assert abs(got.item() - params["1.weight"].abs().item()) < 1e-6


@settings(max_examples=25, deadline=None)
@given(hidden=st.lists(st.integers(1, 6), max_size=2), seed=st.integers(0, 10_000),
       inner=st.lists(st.floats(-1.0, 2.0, allow_nan=False), max_size=4))
def test_interpolation_at_zero_and_one_reproduces_the_endpoints(hidden, seed, inner):
    spec = MLPSpec(4, tuple(hidden), 3)
    both = stacked(spec, [seed, seed + 1])
    theta_a = {name: p[0] for name, p in both.items()}
    theta_b = {name: p[1] for name, p in both.items()}
    alphas = [0.0, 1.0, *inner]
    line = metrics.interpolate(theta_a, theta_b, alphas)
    for name in theta_a:
        assert torch.equal(line[name][0], theta_a[name])
        assert torch.equal(line[name][1], theta_b[name])

    generator = torch.Generator().manual_seed(seed)
    split = Split(torch.randn(20, 4, generator=generator), torch.randint(0, 3, (20,), generator=generator),
                  torch.randn(10, 4, generator=generator), torch.randint(0, 3, (10,), generator=generator))
    config = classifier(spec)
    along = metrics.line_metrics(config, theta_a, theta_b, alphas, split)
    for end, index in ((0, 0), (1, 1)):
        for x, y, prefix in ((split.x_train, split.y_train, "train"), (split.x_test, split.y_test, "test")):
            loss, acc = metrics.evaluate_stacked(config, {k: p[end:end + 1] for k, p in both.items()}, x, y)
            assert along[f"{prefix}_loss"][index] == loss.item()
            assert along[f"{prefix}_acc"][index] == acc.item()


def test_interpolation_is_linear_in_alpha():
    both = stacked(MLPSpec(3, (4,), 2), [0, 1])
    a, b = ({name: p[i] for name, p in both.items()} for i in (0, 1))
    line = metrics.interpolate(a, b, [-1.0, 0.5, 2.0])
    for name in a:
        torch.testing.assert_close(line[name][0], 2 * a[name] - b[name])
        torch.testing.assert_close(line[name][1], (a[name] + b[name]) / 2)
        torch.testing.assert_close(line[name][2], 2 * b[name] - a[name])


def data(seed: int, n: int = 64, dim: int = 6) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, dim, generator=generator), torch.randint(0, 3, (n,), generator=generator)


def test_epsilon_sharpness_is_zero_in_a_zero_box_and_grows_with_the_box():
    spec = MLPSpec(6, (10,), 3)
    params, config = stacked(spec, [0, 1, 2]), classifier(spec)
    x, y = data(0)
    assert torch.equal(metrics.epsilon_sharpness(config, params, x, y, epsilon=0.0), torch.zeros(3, dtype=torch.float64))
    small = metrics.epsilon_sharpness(config, params, x, y, epsilon=1e-3)
    large = metrics.epsilon_sharpness(config, params, x, y, epsilon=1e-1)
    assert (small > 0).all() and (large > small).all()


def test_epsilon_sharpness_of_a_linear_model_is_the_box_corner_along_the_gradient():
    # Where the gradient keeps its sign over the whole box, the box maximum is the corner δ = radius·sign(∇f):
    # one ascent step of 2.5·radius/steps ≥ radius (steps = 2) reaches it, and the projection keeps it there.
    spec = MLPSpec(2, (), 1)
    params = {"1.weight": torch.tensor([[[0.5, -2.0]]]), "1.bias": torch.tensor([[1.0]])}
    config = regression(spec)
    x, y = torch.tensor([[1.0, 1.0]]), torch.tensor([[10.0]])  # residual -10.5: the loss falls as θ grows
    epsilon = 1e-3
    got = metrics.epsilon_sharpness(config, params, x, y, epsilon=epsilon, steps=2)
    radius_sum = epsilon * (1.5 + 3.0 + 2.0)  # Σ ε(|θ_i| + 1) · |x_i|, with the bias's input 1
    f0, f1 = 10.5 ** 2, (10.5 + radius_sum) ** 2
    assert abs(got.item() - 100 * (f1 - f0) / (1 + f0)) < 1e-3


def test_noise_sharpness_is_zero_without_noise_and_shared_draws_give_equal_members_equal_values():
    spec = MLPSpec(6, (10,), 3)
    one = stacked(spec, [5])
    twins = {name: p.repeat(2, *[1] * (p.dim() - 1)) for name, p in one.items()}
    config = classifier(spec)
    x, y = data(1)
    assert torch.equal(metrics.noise_sharpness(config, twins, x, y, sigma=0.0), torch.zeros(2, dtype=torch.float64))
    got = metrics.noise_sharpness(config, twins, x, y, sigma=0.1, samples=8, seed=3)
    assert got[0] == got[1] and got[0] > 0
    assert torch.equal(got, metrics.noise_sharpness(config, twins, x, y, sigma=0.1, samples=8, seed=3))


def test_noise_sharpness_is_the_largest_loss_increase_over_the_draws():
    spec = MLPSpec(6, (4,), 3)
    params, config = stacked(spec, [7]), classifier(spec)
    x, y = data(2)
    got = metrics.noise_sharpness(config, params, x, y, sigma=0.2, samples=5, seed=4)

    model = build(spec)
    flat = metrics.flatten(params)[0]
    draws = torch.randn(5, flat.numel(), generator=torch.Generator().manual_seed(4))

    def loss_at(vector: torch.Tensor) -> float:
        torch.nn.utils.vector_to_parameters(vector, model.parameters())  # same name order as the stacked dict
        return torch.nn.functional.cross_entropy(model(x), y).item()

    expected = max(loss_at(flat + 0.2 * d) for d in draws) - loss_at(flat)
    assert abs(got.item() - expected) < 1e-5
