"""Time the CNN ensemble training step, today's autograd path against the hand-written one, in one process.

One thread (as the suite's xdist workers run), the suite's CNN shapes: C2's conv and dense families (8 members,
batch 32, per-member subsets), the benchmark's 4 x conv[16, 32] and C7's 001 CNN (2 members, batch 50). Also
measures the machine's sgemm peak (a large torch.mm) and reports each step's FLOP rate as a fraction of it.
`--profile` prints torch.profiler's table of both steps at C2's 2-conv shape. Each shape runs in its own
process: today's step first, as it runs today; then the hand-written step, which keeps freed memory in glibc's
heap (harness.train.keep_freed_memory, as train_ensemble does); then today's step again with that setting.

    python scripts/cnn_step_bench.py [--profile] [--steps 10] [--only NAME]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time

from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's harness, run from anywhere
from harness import train  # noqa: E402
from harness.data import DataSpec  # noqa: E402
from harness.models import CNNSpec  # noqa: E402
from harness.train import TrainConfig, _losses, _optimizer, _stacked_forward, _stacked_params, cnn_losses_and_grads  # noqa: E402

SHAPES = {  # name: (spec, members, batch)
    "C2 1 conv (13)": (CNNSpec(channels=(13,)), 8, 32),
    "C2 2 conv (32, 32)": (CNNSpec(channels=(32, 32)), 8, 32),
    "C2 4 conv (30 x 4)": (CNNSpec(channels=(30,) * 4), 8, 32),
    "C2 dense 3 (k4)": (CNNSpec(channels=(16, 32), dense=(10, 10), kernel=4), 8, 32),
    "bench 4 x conv[16, 32]": (CNNSpec(channels=(16, 32)), 4, 32),
    "C7 001 CNN": (CNNSpec(channels=(16, 32), dense=(50,), kernel=5, padding="valid"), 2, 50),
}


def step_flops(spec: CNNSpec, images: int) -> float:
    """Multiply-adds x 2 of one training step: each layer's forward, weight gradient and (but the first's)
    input gradient."""
    flops, channels, size = 0.0, spec.in_channels, spec.image_size
    for i, out_channels in enumerate(spec.channels):
        out_size = size if spec.padding == "same" else size - spec.kernel + 1
        layer = 2 * out_size * out_size * channels * spec.kernel ** 2 * out_channels
        flops += layer * (2 if i == 0 else 3)
        channels, size = out_channels, out_size // 2
    widths = (channels * size * size, *spec.dense, spec.out_dim)
    flops += sum(3 * 2 * a * b for a, b in zip(widths[:-1], widths[1:]))
    return flops * images


def steps(spec: CNNSpec, members: int, batch: int):
    """(today's step, the hand-written step), each a function of no arguments, on the same data."""
    config = TrainConfig(model=spec, data=DataSpec(n_train=1000, n_test=100), epochs=1, lr=1e-3, batch_size=batch)
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(members, batch, 1, 28, 28, generator=generator)
    y = torch.randint(0, 10, (members, batch), generator=generator)

    base, params = _stacked_params(config, list(range(members)), "cpu")
    forward = _stacked_forward(spec, base)
    optimizer = _optimizer(config, list(params.values()))

    def today():
        losses = _losses(config, forward(params, x, per_member=True), y)
        optimizer.zero_grad(set_to_none=True)
        losses.sum().backward()
        optimizer.step()

    _, fast_params = _stacked_params(config, list(range(members)), "cpu")
    fast_optimizer = _optimizer(config, list(fast_params.values()))

    def hand_written():
        _, grads = cnn_losses_and_grads(config, fast_params, x, y, per_member=True)
        for name, grad in grads.items():
            fast_params[name].grad = grad
        fast_optimizer.step()
    return today, hand_written


def per_step_ms(fn, n: int, rounds: int = 3) -> float:
    for _ in range(2):
        fn()
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - started) / n)
    return best * 1e3


def sgemm_peak() -> float:
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    torch.mm(a, b)
    best = min((lambda t: (torch.mm(a, b), time.perf_counter() - t)[1])(time.perf_counter()) for _ in range(5))
    return 2 * 2048 ** 3 / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--shape", default="", help=argparse.SUPPRESS)  # the one shape a child process times
    parser.add_argument("--peak", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--only", default="", help="run only shapes whose name contains this")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if not args.shape:  # the parent: one child process per shape, so that each starts with glibc's defaults
        peak = sgemm_peak()
        print(f"sgemm peak (2048^3 torch.mm, one thread): {peak / 1e9:.1f} GFLOP/s", flush=True)
        for name in SHAPES:
            if args.only in name:
                subprocess.run([sys.executable, __file__, "--shape", name, "--steps", str(args.steps),
                                "--peak", str(peak)] + (["--profile"] if args.profile else []), check=True)
        return
    peak = args.peak
    for name, (spec, members, batch) in SHAPES.items():
        if name != args.shape:
            continue
        today, hand_written = steps(spec, members, batch)
        flops = step_flops(spec, members * batch)
        today_ms = per_step_ms(today, args.steps)
        if args.profile and name.startswith("C2 2 conv"):
            profile_step("today", today)
        train.keep_freed_memory()
        fast_ms = per_step_ms(hand_written, args.steps)
        kept_ms = per_step_ms(today, args.steps)
        print(f"{name:24s} {members} x batch {batch}: today {today_ms:6.2f} ms, hand-written {fast_ms:6.2f} ms, "
              f"speedup {today_ms / fast_ms:.2f}x; {flops / 1e9:.2f} GFLOP/step: today {flops / today_ms * 1e3 / peak:.0%} "
              f"of peak, hand-written {flops / fast_ms * 1e3 / peak:.0%}; today's step with freed memory kept "
              f"{kept_ms:.2f} ms", flush=True)
        if args.profile and name.startswith("C2 2 conv"):
            profile_step("hand-written", hand_written)


def profile_step(label: str, fn) -> None:
    """torch.profiler's table of 5 steps, and the wall time they took (the difference: time outside any op)."""
    started = time.perf_counter()
    with torch.profiler.profile() as profile:
        for _ in range(5):
            fn()
    print(f"--- {label}, 5 steps, {(time.perf_counter() - started) * 1e3:.1f} ms wall")
    print(profile.key_averages().table(sort_by="self_cpu_time_total", row_limit=15), flush=True)


if __name__ == "__main__":
    main()
