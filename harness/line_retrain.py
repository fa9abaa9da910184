"""003 §3.3.1's step between interpolating and measuring (C9): "All of these models were trained once, and their loss
and accuracy were captured" — each of the 31 models θ(α) on the line is trained for one epoch (batch 100, Adam lr
1e-3, 003's words for its learning-rate pair) before its loss and accuracy are measured. No pytest in here; a
harness module, so its source is in the key of every cached measurement (harness.runner).

The 31 models train together as one stack (one member per α): the loss is the sum of the members' mean losses, so
each member's gradient is its own, and Adam, elementwise, updates each as if it trained alone. Every member sees
the same minibatch order, drawn from `seed`.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch.func import functional_call, vmap

from harness import metrics
from harness.data import Split
from harness.models import MLPSpec, ModelSpec, build
from harness.train import TrainConfig


@dataclass(frozen=True)
class Retrain:
    """003's extra training of each interpolated model."""
    epochs: int = 1            # "trained once"
    batch_size: int = 100      # "Train Batch: 100" (batch pair); "a batch size of 100 for ... training" (lr pair)
    lr: float = 1e-3           # "a learning rate of 10^-3" (lr pair; 003 gives none for the batch pair's step)


def _stacked_module(spec: ModelSpec):
    """forward(params, x) -> (members, batch, out) for any model: vmap over the members' functional calls."""
    base = build(spec).to("meta")
    return vmap(lambda p, x: functional_call(base, p, (x,)), in_dims=(0, None))


def _stacked_mlp(spec: MLPSpec, params: dict[str, torch.Tensor]):
    """The same for an MLP as batched matmuls (nn.Linear layout, weights (members, out, in)): several times faster
    than vmap under autograd."""
    names = list(params)
    layers = list(zip(names[0::2], names[1::2]))
    activation = build(spec)[2]  # MLP layout: Flatten, Linear, activation, Linear, ...

    def forward(p, x):
        h = x.flatten(1).unsqueeze(0).expand(len(p[names[0]]), -1, -1)
        for i, (w, b) in enumerate(layers):
            h = torch.baddbmm(p[b].unsqueeze(1), h, p[w].transpose(1, 2))
            if i < len(layers) - 1:
                h = activation(h)
        return h
    return forward


def retrained_line_metrics(config: TrainConfig, theta_a: dict[str, torch.Tensor], theta_b: dict[str, torch.Tensor],
                           alphas, split: Split, retrain: Retrain, seed: int) -> dict:
    """Train and test loss and accuracy of θ(α) = (1 − α)·θ_a + α·θ_b after `retrain` trained each θ(α) on the
    split's training set; arrays over `alphas`, as harness.metrics.line_metrics."""
    if config.loss != "cross_entropy" or split.per_member:
        raise ValueError("003's retraining step is for a classifier on one shared split: the line's two ends train "
                         "on the same data (DataSpec with a seed)")
    line = metrics.interpolate(theta_a, theta_b, alphas)
    params = {k: v.detach().clone().requires_grad_(True) for k, v in line.items()}
    members = len(alphas)
    forward = _stacked_mlp(config.model, params) if isinstance(config.model, MLPSpec) else _stacked_module(config.model)
    optimizer = torch.optim.Adam(list(params.values()), lr=retrain.lr)
    order_rng = torch.Generator().manual_seed(seed)
    n = len(split.x_train)
    for _ in range(retrain.epochs):
        order = torch.randperm(n, generator=order_rng).to(split.x_train.device)
        for start in range(0, n, retrain.batch_size):
            rows = order[start:start + retrain.batch_size]
            out = forward(params, split.x_train[rows])  # (members, batch, classes)
            loss = F.cross_entropy(out.flatten(0, 1), split.y_train[rows].repeat(members), reduction="sum") / len(rows)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    trained = {k: v.detach() for k, v in params.items()}
    train_loss, train_acc = metrics.evaluate_stacked(config, trained, split.x_train, split.y_train)
    test_loss, test_acc = metrics.evaluate_stacked(config, trained, split.x_test, split.y_test)
    return {name: value.cpu().numpy() for name, value in
            (("train_loss", train_loss), ("train_acc", train_acc), ("test_loss", test_loss), ("test_acc", test_acc))}
