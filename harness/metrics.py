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
