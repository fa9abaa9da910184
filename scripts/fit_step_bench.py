"""Time the deep narrow function fits' training step: today's hand-written MLP step against the packed one.

Today's step is `mlp_losses_and_grads` (batch-major activations, one tensor per parameter, the optimizer over the
list of them), which still trains every MLP that `harness.train.packed_mlp` does not pick; the packed step is
`PackedMLP.losses_and_grads` (feature-major activations, every parameter in one flat tensor, the optimizer over
that tensor). Both on the same data (the task's points, full batch, as C1 trains), from the same initial weights.

Each side of each shape runs in its own process (today's first, then the packed one), on one thread as the
suite's workers run, and reports CPU-seconds (`time.process_time`) per 300 steps, best of `--rounds`; then a
whole `train_ensemble` run of 300 steps recording every 10 (C1's `record_every`), evaluation included, with the
packed step switched off for today's side. Pin it to one core when the machine is shared:

    taskset -c 1 python scripts/fit_step_bench.py [--rounds 5] [--only NAME] [--profile]
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
from harness.models import MLPSpec, count_params  # noqa: E402
from harness.train import (FunctionTask, PackedMLP, TrainConfig, Workspace, _optimizer, _stacked_params,  # noqa: E402
                           _training_layout, load_split, mlp_losses_and_grads, train_ensemble)

STEPS = 300
MEMBERS = 8
# name: (spec, function, optimizer, lr, weight decay), as claims/test_c01_function_fit_depth.py trains them (cpu profile)
SHAPES = {
    "C1 003 7 layers (9), leaky ReLU, Adam": (MLPSpec(1, (9,) * 7, 1, "leaky_relu"), "sinc", "adam", 1.2e-3, 1e-4),
    "C1 003 4 layers (13), leaky ReLU, Adam": (MLPSpec(1, (13,) * 4, 1, "leaky_relu"), "sinc", "adam", 1.2e-3, 1e-4),
    "C1 004 6 layers (13), ReLU, Adam": (MLPSpec(1, (13,) * 6, 1, "relu"), "abs_sinc", "adam", 1e-3, 0.0),
    "C1 004 3 layers (21), ReLU, Adam": (MLPSpec(1, (21,) * 3, 1, "relu"), "abs_sinc", "adam", 1e-3, 0.0),
    "C1 004 6 layers (3), ReLU, Adam": (MLPSpec(1, (3,) * 6, 1, "relu"), "sin_cos", "adam", 1e-3, 0.0),
    "C1 001 7 layers (20), tanh, SGD": (MLPSpec(1, (20,) * 7, 1, "tanh"), "sin", "sgd", 0.1, 0.0),
    "C1 001 2 layers (20), tanh, SGD": (MLPSpec(1, (20,) * 2, 1, "tanh"), "sin", "sgd", 0.1, 0.0),
}


def config_of(name: str, epochs: int = STEPS, record_every: int = 10) -> TrainConfig:
    spec, function, optimizer, lr, weight_decay = SHAPES[name]
    return TrainConfig(model=spec, data=FunctionTask(function, 200), epochs=epochs, lr=lr, optimizer=optimizer,
                       weight_decay=weight_decay, record_every=record_every)


def step_of(config: TrainConfig, side: str):
    """One training step of `side` ("today" or "packed"), a function of no arguments, on the full batch."""
    split = load_split(config.data, "cpu")
    _, module_params = _stacked_params(config, list(range(MEMBERS)), "cpu")
    params = {k: v.detach() for k, v in _training_layout(config.model, module_params).items()}
    names = list(params)
    layer_names = list(zip(names[0::2], names[1::2]))
    if side == "today":
        optimizer = _optimizer(config, list(params.values()))
        workspace = Workspace()

        def today():
            _, grads = mlp_losses_and_grads(config, [(params[w], params[b]) for w, b in layer_names],
                                            split.x_train, split.y_train, False, workspace)
            for (w, b), (grad_w, grad_b) in zip(layer_names, grads):
                params[w].grad, params[b].grad = grad_w, grad_b
            optimizer.step()
        return today
    packed = PackedMLP(config.model, layer_names, MEMBERS, split.x_train)
    packed.params.copy_(packed.pack(params))
    packed.params.grad = packed.grad
    optimizer = _optimizer(config, [packed.params])

    def packed_step():
        packed.losses_and_grads(split.x_train, split.y_train, False, losses=False)
        optimizer.step()
    return packed_step


def best_cpu_seconds(fn, rounds: int) -> float:
    fn()
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        fn()
        best = min(best, time.process_time() - started)
    return best


def child(name: str, side: str, rounds: int, profile: bool) -> None:
    config = config_of(name)
    step = step_of(config, side)
    for _ in range(20):  # warm-up: buffers, MKL's first calls
        step()

    def steps():
        for _ in range(STEPS):
            step()
    step_s = best_cpu_seconds(steps, rounds)
    if side == "today":
        train.packed_mlp = lambda config: False  # today's train_ensemble: every MLP through mlp_losses_and_grads
    split = load_split(config.data, "cpu")
    run_s = best_cpu_seconds(lambda: train_ensemble(config, list(range(MEMBERS)), split), rounds)
    print(f"{step_s:.4f} {run_s:.4f}", flush=True)
    if profile:
        with torch.profiler.profile() as prof:
            for _ in range(20):
                step()
        print(f"--- {name}, {side}, 20 steps", file=sys.stderr)
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=15), file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="best of this many repetitions")
    parser.add_argument("--only", default="", help="run only shapes whose name contains this")
    parser.add_argument("--profile", action="store_true", help="print torch.profiler's table of 20 steps of each side")
    parser.add_argument("--child", nargs=2, metavar=("SHAPE", "SIDE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.child:
        child(*args.child, args.rounds, args.profile)
        return
    print(f"{MEMBERS} members, 200 points, full batch, one thread, CPU-s per {STEPS} steps (best of {args.rounds}); "
          f"run = train_ensemble to {STEPS} steps recording every 10, evaluation included", flush=True)
    print(f"{'shape':42s} {'params':>6s} {'step today':>10s} {'packed':>8s} {'ratio':>6s}   "
          f"{'run today':>9s} {'packed':>8s} {'ratio':>6s}", flush=True)
    for name, (spec, *_) in SHAPES.items():
        if args.only not in name:
            continue
        times = {}
        for side in ("today", "packed"):
            command = [sys.executable, __file__, "--child", name, side, "--rounds", str(args.rounds)]
            answer = subprocess.run(command + (["--profile"] if args.profile else []), check=True,
                                    stdout=subprocess.PIPE, text=True).stdout.split()
            times[side] = [float(t) for t in answer]
        (today_step, today_run), (packed_step, packed_run) = times["today"], times["packed"]
        print(f"{name:42s} {count_params(spec):6d} {today_step:10.3f} {packed_step:8.3f} {today_step / packed_step:5.2f}x   "
              f"{today_run:9.3f} {packed_run:8.3f} {today_run / packed_run:5.2f}x", flush=True)


if __name__ == "__main__":
    main()
