"""Speed, measured: each benchmark times the harness (pytest-benchmark) and a plain PyTorch baseline
in the same run on the same data, and reports baseline time / harness time. No assertions on time:
the ratios are printed and stored in the benchmark's extra_info (see README for the numbers).

Run: make bench   (or: pytest tests/test_benchmarks.py --benchmark-enable -p no:xdist)
"""
from __future__ import annotations

import os
import time

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from harness.data import DataSpec
from harness.models import MLPSpec, build
from harness import train
from harness.train import TrainConfig, load_split, train_ensemble

pytestmark = pytest.mark.benchmark
RATIOS: dict[str, float] = {}
PEAK_FRACTIONS: dict[str, str] = {}  # MLP cases: achieved matmul GFLOP/s against this machine's sgemm peak


def baseline_train(spec, seed: int, x, y, x_test, y_test, epochs: int, batch_size: int, lr: float):
    """The reports' way: one nn.Module, a shuffling DataLoader, Adam. It evaluates train and test loss
    and accuracy before training and at the end, as the harness does with record_every=epochs."""
    torch.manual_seed(seed)
    model = build(spec)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True)
    loss_fn = nn.CrossEntropyLoss()

    @torch.no_grad()
    def evaluate():
        return [(loss_fn(model(a), b).item(), (model(a).argmax(1) == b).float().mean().item())
                for a, b in ((x, y), (x_test, y_test))]

    history = [evaluate()]
    for _ in range(epochs):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss_fn(model(xb), yb).backward()
            optimizer.step()
    return history + [evaluate()]


@pytest.fixture(autouse=True)
def all_cores():
    """Both sides use every core (the suite itself pins one thread per process for determinism)."""
    before = torch.get_num_threads()
    torch.set_num_threads(os.cpu_count() or 1)
    yield
    torch.set_num_threads(before)


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


def mlp_case(hidden: tuple[int, ...], n_train: int, epochs: int, batch_size: int, lr: float = 1e-3):
    """One MNIST MLP setting for both sides: the harness's config and split, and the baseline loop for a
    seed, built from the same numbers so the two cannot drift apart."""
    spec = MLPSpec(784, hidden, 10)
    config = TrainConfig(model=spec, data=DataSpec(n_train=n_train, n_test=1000), epochs=epochs, lr=lr,
                         batch_size=batch_size, record_every=epochs)
    split = load_split(config.data, "cpu")
    x, x_test = split.x_train.flatten(1), split.x_test.flatten(1)

    def baseline(seed: int):
        return baseline_train(spec, seed, x, split.y_train, x_test, split.y_test, epochs, batch_size, lr)
    return config, split, baseline


def test_ensemble_of_8_mlps(benchmark):
    """8 MLPs 784-64-64-10, 4000 MNIST images, batch 64, 3 epochs: one ensemble vs 8 baseline loops."""
    config, split, baseline = mlp_case((64, 64), n_train=4000, epochs=3, batch_size=64)
    seeds = list(range(8))
    compare(benchmark, "ensemble of 8 MLPs", lambda: train_ensemble(config, seeds, split),
            lambda: [baseline(s) for s in seeds], rounds=3)


def test_single_mlp(benchmark):
    """One MLP 784-256-256-10, 1000 images, batch 100, 5 epochs."""
    config, split, baseline = mlp_case((256, 256), n_train=1000, epochs=5, batch_size=100)
    compare(benchmark, "single MLP", lambda: train_ensemble(config, [0], split), lambda: baseline(0),
            rounds=9)  # ~0.1 s a round: the best of more rounds steadies both sides on a shared machine


def test_input_jacobian_sensitivity(benchmark):
    """Mean ‖∂softmax/∂x‖_F over 1000 test points of a 784-128-10 MLP: vmap(jacrev) vs a per-sample loop."""
    from harness.metrics import input_sensitivity

    spec = MLPSpec(784, (128,), 10)
    config = TrainConfig(model=spec, data=DataSpec(n_train=100, n_test=1000), epochs=1, lr=1e-3, batch_size=50)
    split = load_split(config.data, "cpu")
    runs = train_ensemble(config, [0], split)
    model, points = runs.model(0), split.x_test

    def per_sample_loop():
        total = 0.0
        for point in points:
            jac = torch.autograd.functional.jacobian(lambda p: model(p.unsqueeze(0))[0].softmax(-1), point)
            total += jac.flatten(1).norm().item()
        return total / len(points)

    harness_value = input_sensitivity(config, runs.params, points)[0].item()
    assert harness_value == pytest.approx(per_sample_loop(), rel=1e-4)  # same quantity, both ways
    compare(benchmark, "input-Jacobian sensitivity", lambda: input_sensitivity(config, runs.params, points),
            per_sample_loop, rounds=2)


def _hessian_case(width: int, members: int, points: int = 1000):
    from harness.train import FunctionTask

    config = TrainConfig(model=MLPSpec(1, (width,), 1), data=FunctionTask("sinc", points), epochs=50, lr=1e-2)
    split = load_split(config.data, "cpu")
    return config, split, train_ensemble(config, list(range(members)), split)


def _baseline_hessians(runs, split):
    """Per model: torch.autograd.functional.hessian of the MSE over a flat parameter vector, then eigvalsh."""
    from harness.metrics import flatten, unflatten
    from torch.func import functional_call

    spectra = []
    for i in range(len(runs)):
        model = runs.model(i).double()
        like = {k: v[i:i + 1] for k, v in runs.params.items()}
        x, y = split.x_train.double(), split.y_train.double()

        def loss(flat):
            one = {k: v[0] for k, v in unflatten(flat.unsqueeze(0), like).items()}
            return ((functional_call(model, one, (x,)) - y) ** 2).mean()

        flat = flatten({k: v[i:i + 1] for k, v in runs.params.items()})[0].double()
        spectra.append(torch.linalg.eigvalsh(torch.autograd.functional.hessian(loss, flat)))
    return spectra


def test_hessian_spectrum_1501_parameters(benchmark):
    """Full Hessian of the MSE over 200 points and its eigenvalues, 1-hidden-layer net of 1501 parameters
    (003's C5 net): torch.func (harness.metrics.loss_hessians) vs torch.autograd.functional.hessian."""
    from harness.metrics import loss_hessians

    config, split, runs = _hessian_case(500, 1, points=200)  # forward-over-reverse holds 1501 tangents at once
    harness_fn = lambda: torch.linalg.eigvalsh(loss_hessians(config, runs.params, split.x_train, split.y_train))  # noqa: E731
    torch.testing.assert_close(harness_fn()[0], _baseline_hessians(runs, split)[0], rtol=1e-6, atol=1e-8)
    compare(benchmark, "Hessian + eigenvalues, 1501 params", harness_fn, lambda: _baseline_hessians(runs, split),
            rounds=1)


def test_hessian_spectra_100_nets(benchmark):
    """100 Hessian spectra of the cpu profile's C5 net (151 parameters, 200 points), vectorised vs a loop."""
    from harness.metrics import loss_hessians

    config, split, runs = _hessian_case(50, 100, points=200)
    harness_fn = lambda: torch.linalg.eigvalsh(loss_hessians(config, runs.params, split.x_train, split.y_train))  # noqa: E731
    compare(benchmark, "100 Hessian spectra, 151 params", harness_fn, lambda: _baseline_hessians(runs, split),
            rounds=1)


# --- the suite's three costliest kinds of work (issue 13): harness vs the reports' plain loop ---------

def sgemm_peak_gflops(n: int = 1024, rounds: int = 5) -> float:
    """This machine's measured single-precision matmul rate, for the 'fraction of peak' of the MLP cases."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    return 2 * n**3 / best_of(lambda: a @ b, rounds) / 1e9


def mlp_training_flops(spec: MLPSpec, samples_per_step: int, steps: int, members: int) -> float:
    """Forward + backward matmul FLOPs: 3 matmuls of 2·in·out per sample and layer."""
    sizes = (spec.in_dim, *spec.hidden, spec.out_dim)
    per_sample = sum(6 * a * b for a, b in zip(sizes, sizes[1:]))
    return per_sample * samples_per_step * steps * members


def plain_loop(spec, seed: int, x, y, loss_fn, steps_or_epochs: int, batch_size: int | None, lr: float):
    """One nn.Module, Adam, a loop: full batch when batch_size is None (steps), else a DataLoader (epochs)."""
    torch.manual_seed(seed)
    model = build(spec)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    batches = ([(x, y)] * steps_or_epochs if batch_size is None else
               (b for _ in range(steps_or_epochs) for b in DataLoader(TensorDataset(x, y), batch_size=batch_size,
                                                                     shuffle=True)))
    for xb, yb in batches:
        optimizer.zero_grad()
        loss_fn(model(xb), yb).backward()
        optimizer.step()
    return model


def report_ratio(benchmark, name: str, ratio: float, flops: float | None = None) -> None:
    if flops is None:
        return
    peak = sgemm_peak_gflops()
    achieved = flops / benchmark.stats.stats.min / 1e9
    benchmark.extra_info.update(gflops=round(achieved, 2), sgemm_peak_gflops=round(peak, 1),
                                fraction_of_peak=round(achieved / peak, 4))
    PEAK_FRACTIONS[name] = f"{achieved:.2f} GFLOP/s = {achieved / peak:.1%} of the sgemm peak ({peak:.0f} GFLOP/s, same run)"
    print(f"{name}: {PEAK_FRACTIONS[name]}")


def baddbmm_fit_loop(spec: MLPSpec, seeds: list[int], x, y, steps: int, lr: float, record_every: int):
    """Issue 13's stand-in for the harness step before its hand-written backward: the members' weights
    stacked, a `baddbmm` per layer, autograd, fused Adam, full batch, the loss kept every `record_every` steps."""
    models = []
    for seed in seeds:
        torch.manual_seed(seed)
        models.append(build(spec))
    layers = [(torch.stack([m[i].weight.detach().T for m in models]).requires_grad_(),
               torch.stack([m[i].bias.detach() for m in models]).unsqueeze(1).requires_grad_())
              for i in range(1, len(models[0]), 2)]
    optimizer = torch.optim.Adam([p for layer in layers for p in layer], lr=lr, fused=True)
    h0, losses = x.unsqueeze(0).expand(len(seeds), -1, -1), []
    for step in range(steps):
        h = h0
        for i, (w, b) in enumerate(layers):
            h = torch.baddbmm(b, h, w)
            h = torch.tanh(h) if i < len(layers) - 1 else h
        loss = ((h - y) ** 2).mean((1, 2))
        optimizer.zero_grad()
        loss.sum().backward()
        optimizer.step()
        if step % record_every == 0:
            losses.append(loss.detach())
    return losses


def test_function_fit_ensemble(benchmark):
    """C1's shape: 12 members of a 1-190-1 tanh net (571 parameters), 200 points, full-batch Adam, 300 steps:
    against the reports' plain loop, and against the baddbmm + autograd ensemble loop (the step before)."""
    from harness.train import FunctionTask

    spec = MLPSpec(1, (190,), 1, "tanh")
    config = TrainConfig(model=spec, data=FunctionTask("sin", 200), epochs=300, lr=1e-3, record_every=10)
    split = load_split(config.data, "cpu")
    seeds = list(range(12))
    baddbmm_s = best_of(lambda: baddbmm_fit_loop(spec, seeds, split.x_train, split.y_train, 300, 1e-3, 10), 3)
    ratio = compare(benchmark, "function-fit ensemble (12 x 571 params, 300 steps)",
                    lambda: train_ensemble(config, seeds, split),
                    lambda: [plain_loop(spec, s, split.x_train, split.y_train, nn.MSELoss(), 300, None, 1e-3)
                             for s in seeds], rounds=3)
    over_baddbmm = baddbmm_s / benchmark.stats.stats.min
    benchmark.extra_info.update(baddbmm_loop_s=round(baddbmm_s, 4), speedup_over_baddbmm_loop=round(over_baddbmm, 2))
    RATIOS["function-fit ensemble over the baddbmm + autograd loop"] = over_baddbmm
    print(f"function-fit ensemble: baddbmm + autograd loop {baddbmm_s:.3f} s, speedup over it {over_baddbmm:.2f}x")
    report_ratio(benchmark, "function-fit ensemble", ratio, mlp_training_flops(spec, 200, 300, 12))


def test_deep_narrow_fit_ensemble(benchmark, monkeypatch):
    """C1's deep narrow shape (003: 7 hidden layers of 9, 571 parameters): 8 members, 200 points, full-batch
    Adam, 300 steps: against 8 plain loops, and against the harness's batch-major hand-written step, which
    trained these nets before the packed feature-major one (issue 21's target: >= 2x)."""
    from harness.train import FunctionTask

    spec = MLPSpec(1, (9,) * 7, 1, "leaky_relu")
    config = TrainConfig(model=spec, data=FunctionTask("sign_sin", 200), epochs=300, lr=1.2e-3, weight_decay=1e-4,
                         record_every=10)
    split = load_split(config.data, "cpu")
    seeds = list(range(8))
    assert train.packed_mlp(config)
    with monkeypatch.context() as patch:  # the batch-major step: packed_mlp says no
        patch.setattr(train, "packed_mlp", lambda config: False)
        train_ensemble(config, seeds, split)  # warm-up
        batch_major_s = best_of(lambda: train_ensemble(config, seeds, split), 3)
    ratio = compare(benchmark, "deep narrow fit ensemble (8 x 1-(9)x7-1, 300 steps)",
                    lambda: train_ensemble(config, seeds, split),
                    lambda: [plain_loop(spec, s, split.x_train, split.y_train, nn.MSELoss(), 300, None, 1.2e-3)
                             for s in seeds], rounds=3)
    over_batch_major = batch_major_s / benchmark.stats.stats.min
    benchmark.extra_info.update(batch_major_step_s=round(batch_major_s, 4),
                                speedup_over_batch_major_step=round(over_batch_major, 2))
    RATIOS["deep narrow fit ensemble over the batch-major hand-written step"] = over_batch_major
    print(f"deep narrow fit: batch-major step {batch_major_s:.3f} s, packed speedup {over_batch_major:.2f}x")
    report_ratio(benchmark, "deep narrow fit ensemble", ratio, mlp_training_flops(spec, 200, 300, 8))


def test_small_mlp_sweep_batch_32(benchmark):
    """C10/C11's shape: 4 seeds of MLP 784-32-10, 4000 images, batch 32, 1 epoch (125 steps each)."""
    config, split, _ = mlp_case((32,), n_train=4000, epochs=1, batch_size=32)
    x = split.x_train.flatten(1)
    seeds = list(range(4))
    autograd_s = best_of(lambda: train_ensemble(config, seeds, split, hand_written=False), 3)
    ratio = compare(benchmark, "small-MLP sweep point (4 x 784-32-10, batch 32)",
                    lambda: train_ensemble(config, seeds, split),
                    lambda: [plain_loop(config.model, s, x, split.y_train, nn.CrossEntropyLoss(), 1, 32, 1e-3)
                             for s in seeds], rounds=3)
    over_autograd = autograd_s / benchmark.stats.stats.min
    benchmark.extra_info.update(autograd_path_s=round(autograd_s, 4), speedup_over_autograd_path=round(over_autograd, 2))
    RATIOS["small-MLP sweep over the harness's autograd path"] = over_autograd
    print(f"small-MLP sweep: harness autograd path {autograd_s:.3f} s, hand-written speedup {over_autograd:.2f}x")
    report_ratio(benchmark, "small-MLP sweep", ratio, mlp_training_flops(config.model, 32, 125, 4))


def test_cnn_ensemble(benchmark):
    """C2's shape: 4 seeds of a 2-conv CNN (16, 32 channels, k3), 1000 images, batch 32, 1 epoch."""
    from harness.models import CNNSpec

    spec = CNNSpec(channels=(16, 32), kernel=3)
    config = TrainConfig(model=spec, data=DataSpec(n_train=1000, n_test=500), epochs=1, lr=1e-3, batch_size=32,
                         record_every=1)
    split = load_split(config.data, "cpu")
    seeds = list(range(4))
    # The harness's autograd path (today's step before issue 21) first: the hand-written step keeps freed memory
    # in glibc's heap for the rest of the process (harness.train.keep_freed_memory), which speeds up every side
    # timed after it. If an earlier test already trained a hand-written CNN, this side has it too (conservative).
    autograd_path_before = train._FREED_MEMORY is None
    train_ensemble(config, seeds, split, hand_written=False)  # warm-up
    autograd_s = best_of(lambda: train_ensemble(config, seeds, split, hand_written=False), 2)
    # both sides evaluate train and test before and after the epoch (record_every=1 records at 0 and 1)
    compare(benchmark, "CNN ensemble (4 x conv[16, 32], batch 32)", lambda: train_ensemble(config, seeds, split),
            lambda: [baseline_train(spec, s, split.x_train, split.y_train, split.x_test, split.y_test, 1, 32, 1e-3)
                     for s in seeds], rounds=2)
    over_autograd = autograd_s / benchmark.stats.stats.min
    benchmark.extra_info.update(autograd_path_s=round(autograd_s, 4), speedup_over_autograd_path=round(over_autograd, 2),
                                autograd_path_with_glibc_defaults=autograd_path_before)
    RATIOS["CNN ensemble over the harness's autograd path"] = over_autograd
    print(f"CNN ensemble: harness autograd path {autograd_s:.3f} s, hand-written speedup {over_autograd:.2f}x")


def test_resume_constant_cost(benchmark, tmp_path):
    """Extending a cached run by one epoch (issue 20: a longer budget resumes): C2's CNN shape, 4 members,
    2 -> 3 epochs. The constant over the extra epoch's training is loading the shorter run's entries (its
    parameters, optimizer state and generators), reported as load_ms; storing the new entries is what any
    finished run pays."""
    import dataclasses

    from harness.cache import RunCache
    from harness.models import CNNSpec
    from harness.runner import Runner

    config = TrainConfig(model=CNNSpec(channels=(16, 32), kernel=3), data=DataSpec(n_train=1000, n_test=500), epochs=3,
                         lr=1e-3, batch_size=32)
    seeds = list(range(4))
    torch.set_num_threads(1)  # as the suite runs (all_cores restores the setting afterwards)
    runner = Runner(cache=RunCache(tmp_path))
    runner.train(dataclasses.replace(config, epochs=2), seeds)
    split = load_split(config.data, "cpu")
    loads = []

    def extend():
        for key in runner.run_keys(config, seeds):
            runner.cache.path(key).unlink(missing_ok=True)
        runner.train(config, seeds)
        assert runner.log[-1]["resumed_from"] == 2
        loads.append(runner.log[-1]["resume_load_seconds"])

    one_epoch = dataclasses.replace(config, epochs=1)
    epoch_s = best_of(lambda: train_ensemble(one_epoch, seeds, split), 3)
    benchmark.pedantic(extend, rounds=3, iterations=1)
    extension_s = benchmark.stats.stats.min
    benchmark.extra_info.update(load_ms=round(1000 * min(loads), 1), extension_s=round(extension_s, 4),
                                one_epoch_straight_s=round(epoch_s, 4))
    print(f"\nresume: load of the 2-epoch state {1000 * min(loads):.1f} ms; extension by one epoch {extension_s:.3f} s "
          f"against a straight one-epoch run {epoch_s:.3f} s (which also evaluates at epoch 0)")
