"""Measurements on trained models: losses of arbitrary parameter sets, curvature, sensitivity,
sharpness, loss along a line or around a point.

Parameter sets are dicts name -> (members, ...) stacked tensors, as in Runs.params, so many points
(interpolation ratios, noise samples, perturbation directions) are evaluated as one batched pass.
"""
from __future__ import annotations

import numpy as np
import torch

from harness.models import build
from harness.train import TrainConfig, _stacked_forward, evaluate


def evaluate_stacked(config: TrainConfig, params: dict[str, torch.Tensor], x: torch.Tensor,
                     y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-member (loss, accuracy) of stacked parameter sets on (x, y); accuracy NaN for regression."""
    forward = _stacked_forward(config.model, build(config.model).to("meta"))
    return evaluate(config, forward, params, x, y)


def flatten(params: dict[str, torch.Tensor]) -> torch.Tensor:
    """Stacked parameter dict -> (members, n_params)."""
    return torch.cat([p.flatten(1) for p in params.values()], dim=1)


def unflatten(flat: torch.Tensor, like: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """(members, n_params) -> stacked dict with the shapes of `like` (any members count)."""
    out, start = {}, 0
    for name, p in like.items():
        size = p[0].numel()
        out[name] = flat[:, start:start + size].reshape(flat.shape[0], *p.shape[1:])
        start += size
    return out


# --- Deep vs shallow (C1, C2): predicted curves, epochs to reach a loss --------------------------

@torch.no_grad()
def predict_stacked(config: TrainConfig, params: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Outputs (members, n, out) of stacked parameter sets on inputs x (n, ...), in one pass: meant for
    the few thousand grid points of a 1-D function, not for a whole image split."""
    forward = _stacked_forward(config.model, build(config.model).to("meta"))
    return forward(params, x)


def first_epoch_below(epochs: np.ndarray, losses: np.ndarray, threshold: float, never: float) -> np.ndarray:
    """Per member, the first recorded epoch whose loss is at or below `threshold`; `never` for members
    that do not get there. losses (members, records) as in Runs.train_loss."""
    below = np.asarray(losses) <= threshold
    return np.where(below.any(axis=1), np.asarray(epochs)[below.argmax(axis=1)], never)


# --- Optimisation (C3–C6): Hessian and minimal ratio, gradient norm, error surface ------------------


# --- Generalisation (C9–C11): interpolation, input sensitivity, sharpness ---------------------------
# Imported here rather than at the top so that the sections of this file merge independently.
import numpy as np  # noqa: E402
from torch.func import functional_call, jacrev, vmap  # noqa: E402

from harness.data import Split  # noqa: E402
from harness.train import EVAL_CHUNK, _losses  # noqa: E402


def interpolate(theta_a: dict[str, torch.Tensor], theta_b: dict[str, torch.Tensor], alphas) -> dict[str, torch.Tensor]:
    """θ(α) = (1 − α)·θ_a + α·θ_b for every α, stacked: one member per α.

    theta_a, theta_b are one model's parameters each (name -> tensor, as `Runs.member_params(i)`).
    Written as two products, not `lerp`, so that α = 0 and α = 1 give θ_a and θ_b exactly."""
    out = {}
    for name, a in theta_a.items():
        alpha = torch.as_tensor(alphas, dtype=a.dtype, device=a.device).view(-1, *[1] * a.dim())
        out[name] = (1 - alpha) * a.detach() + alpha * theta_b[name].detach()
    return out


def line_metrics(config: TrainConfig, theta_a: dict[str, torch.Tensor], theta_b: dict[str, torch.Tensor],
                 alphas, split: Split) -> dict[str, np.ndarray]:
    """Train and test loss and accuracy of θ(α) along the line through θ_a (α = 0) and θ_b (α = 1),
    each an array over `alphas`; all points evaluated as one stacked pass per split."""
    params = interpolate(theta_a, theta_b, alphas)
    train_loss, train_acc = evaluate_stacked(config, params, split.x_train, split.y_train)
    test_loss, test_acc = evaluate_stacked(config, params, split.x_test, split.y_test)
    return {name: value.cpu().numpy() for name, value in
            (("train_loss", train_loss), ("train_acc", train_acc), ("test_loss", test_loss), ("test_acc", test_acc))}


def input_sensitivity(config: TrainConfig, params: dict[str, torch.Tensor], x: torch.Tensor,
                      softmax: bool | None = None, chunk: int = 1000) -> torch.Tensor:
    """Per member: the mean over the points x of ‖∂f(x)/∂x‖_F, the Frobenius norm of the input–output
    Jacobian (Novak et al. 2018). f is the softmax of the network's output for classifiers and the raw
    output for regression (softmax=False forces the raw output). One `jacrev` per point, `vmap`ped."""
    softmax = config.loss == "cross_entropy" if softmax is None else softmax
    base = build(config.model).to("meta")
    members = next(iter(params.values())).shape[0]
    means = torch.empty(members, dtype=torch.float64)
    for i in range(members):
        member = {name: p[i].detach() for name, p in params.items()}

        def output(point: torch.Tensor) -> torch.Tensor:
            y = functional_call(base, member, (point.unsqueeze(0),))[0]
            return y.softmax(-1) if softmax else y

        jacobian = vmap(jacrev(output))  # (points, outputs, *input shape)
        total = sum(jacobian(x[s:s + chunk]).flatten(1).norm(dim=1).double().sum() for s in range(0, len(x), chunk))
        means[i] = total / len(x)
    return means


def noise_sharpness(config: TrainConfig, params: dict[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor,
                    sigma: float, samples: int = 20, seed: int = 0) -> torch.Tensor:
    """004's sharpness, per member: the largest increase of the loss on (x, y) over `samples` Gaussian
    perturbations θ + N(0, σ²I) of all parameters. Every member gets the same draws (from `seed`), so
    differences between members are not differences between their draws."""
    base_loss, _ = evaluate_stacked(config, params, x, y)
    flat = flatten({name: p.detach() for name, p in params.items()})
    noise = torch.randn(samples, flat.shape[1], generator=torch.Generator().manual_seed(seed)).to(flat)
    increase = torch.empty(len(flat), dtype=torch.float64)
    for i in range(len(flat)):
        loss, _ = evaluate_stacked(config, unflatten(flat[i] + sigma * noise, params), x, y)
        increase[i] = (loss.max() - base_loss[i]).cpu()
    return increase


def epsilon_sharpness(config: TrainConfig, params: dict[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor,
                      epsilon: float = 1e-3, steps: int = 10) -> torch.Tensor:
    """Keskar et al. 2017's ε-sharpness, per member: φ = 100·(max_{δ∈C} f(θ+δ) − f(θ)) / (1 + f(θ)), where f
    is the mean loss on (x, y) and C the box |δ_i| ≤ ε(|θ_i| + 1) in the full parameter space.

    The maximum comes from `steps` projected sign-gradient ascent steps of 2.5·radius/steps each (the
    usual L∞ ascent step), starting at δ = 0; the largest loss seen at any iterate counts, so φ ≥ 0."""
    forward = _stacked_forward(config.model, build(config.model).to("meta"))
    theta = {name: p.detach() for name, p in params.items()}
    radius = {name: epsilon * (p.abs() + 1) for name, p in theta.items()}
    delta = {name: torch.zeros_like(p) for name, p in theta.items()}
    base_loss, _ = evaluate(config, forward, theta, x, y)
    best = base_loss.clone()
    for step in range(steps + 1):
        for d in delta.values():
            d.requires_grad_(True)
        loss_sum = torch.zeros_like(base_loss)
        for start in range(0, len(x), EVAL_CHUNK):  # as `evaluate` sums it, gradients accumulated by chunk
            xb, yb = x[start:start + EVAL_CHUNK], y[start:start + EVAL_CHUNK]
            perturbed = {name: theta[name] + delta[name] for name in theta}
            chunk_loss = _losses(config, forward(perturbed, xb), yb)
            loss_sum += chunk_loss.detach().double() * len(xb)
            if step < steps:
                (chunk_loss.sum() * len(xb)).backward()
        best = torch.maximum(best, loss_sum / len(x))
        if step == steps:
            break
        with torch.no_grad():
            for name, d in delta.items():
                moved = d + 2.5 * radius[name] / steps * d.grad.sign()
                delta[name] = torch.maximum(torch.minimum(moved, radius[name]), -radius[name])
    return (100 * (best - base_loss) / (1 + base_loss)).cpu()
