"""Speed, measured: each benchmark times the harness (pytest-benchmark) and a plain PyTorch baseline
in the same run on the same data, and reports baseline time / harness time. No assertions on time:
the ratios are printed and stored in the benchmark's extra_info (see README for the numbers).

Run: make bench   (or: pytest tests/test_benchmarks.py --benchmark-enable -p no:xdist)
"""
from __future__ import annotations

import time

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from harness.data import DataSpec
from harness.models import MLPSpec, build
from harness.train import TrainConfig, load_split, train_ensemble

pytestmark = pytest.mark.benchmark
RATIOS: dict[str, float] = {}


def baseline_train(spec: MLPSpec, seed: int, x, y, x_test, y_test, epochs: int, batch_size: int, lr: float):
    """The reports' way: one nn.Module, a shuffling DataLoader, Adam, evaluation at the end."""
    torch.manual_seed(seed)
    model = build(spec)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss_fn(model(xb), yb).backward()
            optimizer.step()
    with torch.no_grad():
        return loss_fn(model(x), y).item(), (model(x_test).argmax(1) == y_test).float().mean().item()


def best_of(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def compare(benchmark, name: str, harness_fn, baseline_fn, rounds: int = 3) -> float:
    baseline_fn()  # warm-up (allocator, first-call overheads) for both sides
    harness_fn()
    baseline_s = best_of(baseline_fn, rounds)
    benchmark.pedantic(harness_fn, rounds=rounds, iterations=1)
    harness_s = benchmark.stats.stats.min
    ratio = baseline_s / harness_s
    benchmark.extra_info.update(baseline_s=round(baseline_s, 4), harness_s=round(harness_s, 4), speedup=round(ratio, 2),
                                threads=torch.get_num_threads())
    RATIOS[name] = ratio
    print(f"\n{name}: baseline {baseline_s:.3f} s, harness {harness_s:.3f} s, speedup {ratio:.2f}x")
    return ratio


def test_ensemble_of_8_mlps(benchmark):
    """8 MLPs 784-64-64-10, 4000 MNIST images, batch 64, 3 epochs: one ensemble vs 8 baseline loops."""
    spec = MLPSpec(784, (64, 64), 10)
    config = TrainConfig(model=spec, data=DataSpec(n_train=4000, n_test=1000), epochs=3, lr=1e-3, batch_size=64,
                         record_every=3)
    split = load_split(config.data, "cpu")
    x, x_test = split.x_train.flatten(1), split.x_test.flatten(1)
    seeds = list(range(8))
    compare(benchmark, "ensemble of 8 MLPs",
            lambda: train_ensemble(config, seeds, split),
            lambda: [baseline_train(spec, s, x, split.y_train, x_test, split.y_test, 3, 64, 1e-3) for s in seeds],
            rounds=2)


def test_single_mlp(benchmark):
    """One MLP 784-256-256-10, 1000 images, batch 100, 5 epochs."""
    spec = MLPSpec(784, (256, 256), 10)
    config = TrainConfig(model=spec, data=DataSpec(n_train=1000, n_test=1000), epochs=5, lr=1e-3, batch_size=100,
                         record_every=5)
    split = load_split(config.data, "cpu")
    x, x_test = split.x_train.flatten(1), split.x_test.flatten(1)
    compare(benchmark, "single MLP",
            lambda: train_ensemble(config, [0], split),
            lambda: baseline_train(spec, 0, x, split.y_train, x_test, split.y_test, 5, 100, 1e-3))
