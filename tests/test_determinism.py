"""Determinism on the CPU: a claim's numbers are a function of its seeds alone — not of the number of
xdist workers, the claims that ran before it in the same process, or whether its runs came from the
cache — and --seed-base re-draws all of them. Why each rule exists: docs/determinism.md.

The `-n 0` vs `-n 2` comparison of whole sessions is test_xdist_session.py's last test.
"""
from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from fixtures.devices import CPU_THREADS, configure_device
from harness.cache import RunCache
from harness.data import DataSpec
from harness.models import CNNSpec, MLPSpec
from harness.runner import Runner
from harness.train import FunctionTask, TrainConfig
from tests.claims_suite import DET_CLAIMS, REPO, by_test, load, note, write_suite

pytest_plugins = ["pytester"]

MLP = TrainConfig(MLPSpec(1, (16, 16), 1, "tanh"), FunctionTask("sinc", 64), epochs=10, lr=1e-2, batch_size=16)
CNN = TrainConfig(CNNSpec((4,), (8,)), DataSpec("mnist5k", 64, 64), epochs=1, lr=1e-2, batch_size=16)


@pytest.mark.parametrize("workers", [None, 1, 2, 8])
def test_torch_threads_do_not_depend_on_the_number_of_workers(workers):
    """With `cores // workers` threads, -n 0 and -n 4 trained with different thread counts, and oneDNN's
    convolution gradients differ in their last bits between 4 and 8 threads (docs/determinism.md)."""
    config = SimpleNamespace(getoption=lambda name: False)  # no --gpu
    if workers:  # an xdist worker; None: a plain run
        config.workerinput = {"workerid": "gw0", "workercount": workers}
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(3)
        assert configure_device(config, []) == torch.device("cpu")
        assert torch.get_num_threads() == CPU_THREADS == 1
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("config", [MLP, CNN], ids=["mlp", "cnn"])
def test_trained_or_cached_runs_leave_the_same_random_state(tmp_path, config):
    """Training seeds each member, but must not move the global generator a claim draws from next:
    else a claim's random directions or noise would differ between a cold and a warm cache."""
    runner = Runner(cache=RunCache(tmp_path))
    torch.manual_seed(123)
    trained = runner.train(config, [0, 1])
    after_training = torch.rand(3)
    torch.manual_seed(123)
    cached = runner.train(config, [0, 1])
    after_cache = torch.rand(3)
    assert trained.cached == [False, False] and cached.cached == [True, True]
    assert torch.equal(after_training, after_cache)
    assert torch.equal(trained.flat_params(), cached.flat_params())
    for name in ("train_loss", "test_loss", "train_acc", "test_acc"):
        assert getattr(trained, name).tobytes() == getattr(cached, name).tobytes(), name


def test_a_claim_draws_the_same_numbers_whatever_ran_before_it(pytester):
    """Global generators are reseeded from --seed-base before each claim (fixtures/options.py)."""
    write_suite(pytester.path, test_fake_det=DET_CLAIMS)
    torch.rand(5)  # this process has drawn numbers before the session: a claim must not notice
    assert pytester.runpytest("claims", "--report-dir", "reports", "--no-cache").parseoutcomes()["holds"] == 3
    everything = by_test(load(pytester.path / "reports")[0])
    assert pytester.runpytest("claims", "-k", "cnn", "--report-dir", "reports", "--no-cache").parseoutcomes()["holds"] == 1
    alone = by_test(load(pytester.path / "reports")[0])["test_fake_det.py::test_det[cnn]"]
    assert note(alone, "draws") == note(everything["test_fake_det.py::test_det[cnn]"], "draws")
    assert note(alone, "digest") == note(everything["test_fake_det.py::test_det[cnn]"], "digest")


def test_seed_base_redraws_every_seed_and_every_random_draw(pytester):
    write_suite(pytester.path, test_fake_det=DET_CLAIMS)
    runs = {}
    for base in ("0", "1000"):
        assert pytester.runpytest("claims", "-k", "mlp", "--seed-base", base, "--report-dir", "reports", "--cache-dir",
                           "cache").parseoutcomes()["holds"] == 1
        runs[base] = by_test(load(pytester.path / "reports")[0])["test_fake_det.py::test_det[mlp]"]
    assert runs["0"]["seeds"] == [0, 1, 2] and runs["1000"]["seeds"] == [1000, 1001, 1002]
    assert runs["1000"]["runs"][0]["cached_seeds"] == 0  # new seeds: nothing came from the cache
    assert note(runs["0"], "digest") != note(runs["1000"], "digest")
    draws = [note(runs[base], "draws").split("], ") for base in runs]  # torch, numpy, random
    assert all(a != b for a, b in zip(*draws))


def _claim_functions(path: Path):
    """Test functions in a claims module decorated with @claim(...)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Call) and getattr(d.func, "id", None) == "claim" for d in node.decorator_list):
            yield node


def test_every_claim_that_trains_takes_its_seeds_from_seed_base():
    """--seed-base can only re-draw seeds a claim takes from it: a literal seed list would ignore it. Claims
    take seeds from record.seeds(n) (seed_base, seed_base + 1, ...), directly or through train_sweep."""
    claims = [(path, fn) for path in sorted((REPO / "claims").glob("test_*.py")) for fn in _claim_functions(path)]
    assert claims, "no claims found"
    for path, fn in claims:
        if "runner" in {a.arg for a in fn.args.args}:
            source = ast.get_source_segment(path.read_text(), fn)
            assert "record.seeds(" in source or "train_sweep(" in source, f"{path.name}::{fn.name} trains without record.seeds"
            assert "seed_base +" not in source, f"{path.name}::{fn.name} builds its own seed list"
