"""MLP and CNN builders, described by small frozen specs so a run's config can be hashed and printed."""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import torch
from torch import nn

ACTIVATIONS = {"relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "tanh": nn.Tanh}


@dataclass(frozen=True)
class MLPSpec:
    """Fully connected net: in_dim → hidden[0] → … → hidden[-1] → out_dim."""
    in_dim: int
    hidden: tuple[int, ...]
    out_dim: int
    activation: str = "relu"

    @property
    def label(self) -> str:
        return f"MLP {'-'.join(map(str, (self.in_dim, *self.hidden, self.out_dim)))} {self.activation}"


@dataclass(frozen=True)
class CNNSpec:
    """conv(k×k) → act → 2×2 max-pool per entry of `channels`, then dense layers."""
    channels: tuple[int, ...]
    dense: tuple[int, ...] = ()
    kernel: int = 3
    out_dim: int = 10
    in_channels: int = 1
    image_size: int = 28
    activation: str = "relu"
    padding: str = "same"   # "same" keeps the size through each conv; "valid" (LeNet style) shrinks it by kernel-1

    @property
    def label(self) -> str:
        padding = "" if self.padding == "same" else f" {self.padding}"
        return f"CNN conv{list(self.channels)} k{self.kernel}{padding} dense{list(self.dense)} {self.activation}"


class MLP(nn.Sequential):
    """Flatten, then Linear/activation pairs; the trainer runs ensembles of it as batched matmuls."""

    def __init__(self, spec: MLPSpec):
        widths = (spec.in_dim, *spec.hidden, spec.out_dim)
        layers: list[nn.Module] = [nn.Flatten()]
        for i, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:])):
            layers.append(nn.Linear(fan_in, fan_out))
            if i < len(widths) - 2:
                layers.append(ACTIVATIONS[spec.activation]())
        super().__init__(*layers)
        self.spec = spec


class CNN(nn.Module):
    def __init__(self, spec: CNNSpec):
        super().__init__()
        act = ACTIVATIONS[spec.activation]
        blocks: list[nn.Module] = []
        channels, size = spec.in_channels, spec.image_size
        for out_channels in spec.channels:
            blocks += [nn.Conv2d(channels, out_channels, spec.kernel, padding=spec.padding), act(), nn.MaxPool2d(2)]
            size = size if spec.padding == "same" else size - spec.kernel + 1
            channels, size = out_channels, size // 2
        self.features = nn.Sequential(*blocks, nn.Flatten())
        widths = (channels * size * size, *spec.dense, spec.out_dim)
        dense: list[nn.Module] = []
        for i, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:])):
            dense.append(nn.Linear(fan_in, fan_out))
            if i < len(widths) - 2:
                dense.append(act())
        self.classifier = nn.Sequential(*dense)
        self.spec = spec

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


ModelSpec = MLPSpec | CNNSpec


def build(spec: ModelSpec) -> nn.Module:
    """A freshly initialised model (PyTorch's default init) for `spec`, using the global RNG."""
    if isinstance(spec, MLPSpec):
        return MLP(spec)
    if isinstance(spec, CNNSpec):
        return CNN(spec)
    raise TypeError(f"not a model spec: {spec!r}")


def count_params(model_or_spec: nn.Module | ModelSpec) -> int:
    """Number of trainable parameters of a model, or of a spec. A spec is built on the meta device: no
    memory, and no draw from the global random stream (which would change what a claim draws next)."""
    model = model_or_spec
    if not isinstance(model, nn.Module):
        with torch.device("meta"):
            model = build(model_or_spec)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def mlp_params(in_dim: int, hidden: tuple[int, ...], out_dim: int) -> int:
    """Parameter count of an MLP without building it."""
    widths = (in_dim, *hidden, out_dim)
    return sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))


def width_for_budget(depth: int, budget: int, in_dim: int = 1, out_dim: int = 1, tolerance: float = 0.05) -> int:
    """The width w such that an MLP with `depth` hidden layers of width w has the parameter count
    closest to `budget`; raises ValueError if even the closest misses by more than `tolerance`."""
    if depth < 1 or budget < 1:
        raise ValueError(f"depth and budget must be positive, got depth={depth}, budget={budget}")
    # params(w) = (depth-1)·w² + (in + depth + out)·w + out: take the positive root, then check neighbours.
    a, b, c = depth - 1, in_dim + depth + out_dim, out_dim - budget
    root = -c / b if a == 0 else (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
    candidates = [w for w in (math.floor(root), math.ceil(root)) if w >= 1] or [1]
    width = min(candidates, key=lambda w: abs(mlp_params(in_dim, (w,) * depth, out_dim) - budget))
    got = mlp_params(in_dim, (width,) * depth, out_dim)
    if abs(got - budget) > tolerance * budget:
        raise ValueError(f"no width gives {budget} parameters at depth {depth} within {tolerance:.0%} "
                         f"(closest: width {width}, {got} parameters)")
    return width


def mlp_for_budget(depth: int, budget: int, in_dim: int = 1, out_dim: int = 1, activation: str = "relu") -> MLPSpec:
    """An MLP spec with `depth` equal hidden layers whose parameter count is within 5% of `budget`."""
    width = width_for_budget(depth, budget, in_dim, out_dim)
    return MLPSpec(in_dim, (width,) * depth, out_dim, activation)


def spec_for_budget(make: Callable[[int], ModelSpec], budget: int, tolerance: float = 0.05,
                    max_width: int = 1 << 16) -> ModelSpec:
    """make(w) for the width w ≥ 1 whose parameter count is closest to `budget`.

    `make` builds a family of specs from one free width (conv channels, dense width, ...) whose count
    does not fall as w grows, e.g. `lambda c: CNNSpec(channels=(c, c))`; a family without a free width
    may ignore w. Raises ValueError if even the closest misses `budget` by more than `tolerance`."""
    if budget < 1:
        raise ValueError(f"budget must be positive, got {budget}")
    count = lru_cache(maxsize=None)(lambda w: count_spec(make(w)))
    # Double until the count reaches the budget (or stops growing), then bisect for the first width
    # at or above it: never builds a spec much larger than the budget.
    high = 1
    while count(high) < budget and count(2 * high) > count(high):
        high *= 2
        if high > max_width:
            raise ValueError(f"no width up to {max_width} reaches {budget} parameters")
    low = high // 2
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if count(mid) < budget else (low, mid)
    width = min((w for w in (low, high) if w >= 1), key=lambda w: abs(count(w) - budget))
    spec = make(width)
    if abs(count(width) - budget) > tolerance * budget:
        raise ValueError(f"no width gives {budget} parameters within {tolerance:.0%} (closest: width {width}, "
                         f"{count(width)} parameters, {spec.label})")
    return spec


def count_spec(spec: ModelSpec) -> int:
    """Parameter count of `spec`, built on the meta device (no memory, no RNG use)."""
    return count_params(spec)
