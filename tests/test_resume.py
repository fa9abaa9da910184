"""Resumable runs (issue 20, part 2): extending a run from E to E' epochs continues from its parameters,
optimizer state and batch-order generators, runs only the extra steps, and equals a straight run to E' bit
for bit, recorded curves included; the cache keeps each budget as its own entry, so a killed extension
leaves the shorter run intact."""
import dataclasses
import signal
import textwrap

import numpy as np
import pytest
import torch

import harness.train as train_module
from harness.cache import CacheWarning, RunCache, budget_key
from harness.data import DataSpec
from harness.models import CNNSpec, MLPSpec
from harness.runner import Runner
from harness.train import FunctionTask, TrainConfig, load_split, member_payload, stack_payloads, train_ensemble

from tests.test_cache import run_python

# record_every/snapshot_every do not divide every prefix budget used below: the shorter run's forced last
# record must then be dropped, as a straight run never makes it.
MNIST_MLP = TrainConfig(model=MLPSpec(784, (16,), 10), data=DataSpec(n_train=200, n_test=100), epochs=5, lr=1e-2,
                        batch_size=32, record_every=2, record_steps=True, snapshot_every=2)
DEEP_FIT = TrainConfig(model=MLPSpec(1, (9, 9, 9), 1, "leaky_relu"), data=FunctionTask("sign_sin", 100), epochs=60,
                       lr=3e-3, weight_decay=1e-4, record_every=20, record_steps=True)
# the packed step (harness.train.PackedMLP) with SGD's momentum in its flat tensor, on minibatches
DEEP_SGD = TrainConfig(model=MLPSpec(1, (6, 6, 6), 1, "tanh"), data=FunctionTask("sin", 100), epochs=12, lr=0.05,
                       batch_size=32, optimizer="sgd", momentum=0.9, record_every=4, record_steps=True, snapshot_every=3)
WIDE_FIT = TrainConfig(model=MLPSpec(1, (40,), 1, "tanh"), data=FunctionTask("sinc", 100), epochs=50, lr=3e-3,
                       record_every=10)
CNN = TrainConfig(model=CNNSpec(channels=(4,), dense=(8,)), data=DataSpec(n_train=96, n_test=64), epochs=4, lr=1e-2,
                  batch_size=32, record_steps=True)
NOISY_SGD = TrainConfig(model=MLPSpec(784, (16, 8), 10), data=DataSpec(n_train=200, n_test=100), epochs=4, lr=0.05,
                        batch_size=40, optimizer="sgd", momentum=0.9, weight_decay=1e-4, label_noise=0.5)
PER_SEED = dataclasses.replace(MNIST_MLP, data=dataclasses.replace(MNIST_MLP.data, seed=None), snapshot_every=0)
SEEDS = [3, 4]
CURVES = ("epochs", "train_loss", "train_acc", "test_loss", "test_acc", "step_loss", "grad_norm", "snapshot_epochs")


def assert_same_run(a, b):
    """Same recorded curves, steps, snapshots and final parameters, bit for bit."""
    for name in CURVES:
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            assert x.shape == y.shape and np.array_equal(x, y, equal_nan=True), name
    assert (a.snapshots is None) == (b.snapshots is None)
    if a.snapshots is not None:
        assert torch.equal(a.snapshots, b.snapshots)
    assert a.params.keys() == b.params.keys()
    for name in a.params:
        assert torch.equal(a.params[name], b.params[name]), name


def shorter(config, epochs):
    return dataclasses.replace(config, epochs=epochs)


PER_SEED_CNN = dataclasses.replace(CNN, data=dataclasses.replace(CNN.data, seed=None))  # C2's per-member subsets
CASES = [(MNIST_MLP, 3, True), (DEEP_FIT, 25, True), (WIDE_FIT, 20, True), (CNN, 2, True), (NOISY_SGD, 1, True),
         (PER_SEED, 3, True), (MNIST_MLP, 3, False), (DEEP_FIT, 25, False), (CNN, 2, False), (PER_SEED_CNN, 1, True),
         (DEEP_SGD, 5, True)]
CASE_IDS = ["mlp-hand-written", "deep-fit", "wide-fit-shortcut", "cnn-hand-written", "sgd-momentum-label-noise",
            "per-seed-subsets", "mlp-autograd", "deep-fit-autograd", "cnn-autograd", "cnn-per-seed-subsets",
            "deep-fit-sgd-minibatches"]


@pytest.mark.parametrize("config, prefix, hand_written", CASES, ids=CASE_IDS)
def test_extension_equals_a_straight_run_bit_for_bit(config, prefix, hand_written):
    split = load_split(config.data, "cpu", seeds=SEEDS)
    straight = train_ensemble(config, SEEDS, split, hand_written=hand_written)
    short = train_ensemble(shorter(config, prefix), SEEDS, split, hand_written=hand_written)
    # through the cache's payloads, as the runner resumes: nothing the continuation needs is lost on the way
    short = stack_payloads(short.config, [member_payload(short, i) for i in range(len(SEEDS))], [True, True])
    extended = train_ensemble(config, SEEDS, split, hand_written=hand_written, resume=short)
    assert_same_run(extended, straight)
    assert extended.resumed_from == prefix and straight.resumed_from is None


@pytest.mark.parametrize("config", [CNN, MNIST_MLP], ids=["cnn", "mlp"])
def test_the_shorter_run_is_left_as_it_was(config):
    split = load_split(config.data, "cpu")
    short = train_ensemble(shorter(config, 2), SEEDS, split)
    before = {k: v.clone() for k, v in short.params.items()}
    train_ensemble(config, SEEDS, split, resume=short)
    assert all(torch.equal(short.params[k], before[k]) for k in before)


def test_extension_twice_equals_a_straight_run():
    split = load_split(DEEP_FIT.data, "cpu")
    first = train_ensemble(shorter(DEEP_FIT, 10), SEEDS, split)
    second = train_ensemble(shorter(DEEP_FIT, 40), SEEDS, split, resume=first)
    assert_same_run(train_ensemble(DEEP_FIT, SEEDS, split, resume=second), train_ensemble(DEEP_FIT, SEEDS, split))


def test_a_resume_without_the_optimizer_state_would_differ():
    """Counter-example: continuing from the parameters alone (a fresh Adam) is not the straight run, so the
    equality above rests on the saved state."""
    split = load_split(DEEP_FIT.data, "cpu")
    short = train_ensemble(shorter(DEEP_FIT, 25), SEEDS, split)
    fresh = dataclasses.replace(short.state, moments={k: {n: torch.zeros_like(v) for n, v in m.items()}
                                                      for k, m in short.state.moments.items()},
                                step=torch.zeros_like(short.state.step))
    extended = train_ensemble(DEEP_FIT, SEEDS, split, resume=dataclasses.replace(short, state=fresh))
    assert not np.array_equal(extended.train_loss, train_ensemble(DEEP_FIT, SEEDS, split).train_loss)


def test_a_resume_with_another_batch_order_would_differ():
    """Counter-example: restarting the batch-order generators from their seeds is not the straight run."""
    split = load_split(MNIST_MLP.data, "cpu")
    short = train_ensemble(shorter(MNIST_MLP, 3), SEEDS, split)
    restarted = torch.stack([torch.Generator().manual_seed(s).get_state() for s in SEEDS])
    extended = train_ensemble(MNIST_MLP, SEEDS, split,
                              resume=dataclasses.replace(short, state=dataclasses.replace(short.state, order_rng=restarted)))
    assert not np.array_equal(extended.train_loss, train_ensemble(MNIST_MLP, SEEDS, split).train_loss)


def test_resume_refuses_another_config_another_ensemble_or_fewer_epochs():
    split = load_split(WIDE_FIT.data, "cpu")
    short = train_ensemble(shorter(WIDE_FIT, 10), SEEDS, split)
    with pytest.raises(ValueError, match="another config"):
        train_ensemble(dataclasses.replace(WIDE_FIT, lr=1e-3), SEEDS, split, resume=short)
    with pytest.raises(ValueError, match="ensemble"):
        train_ensemble(WIDE_FIT, [4, 3], split, resume=short)
    with pytest.raises(ValueError, match="more epochs"):
        train_ensemble(shorter(WIDE_FIT, 10), SEEDS, split, resume=short)
    with pytest.raises(ValueError, match="no ResumeState"):
        train_ensemble(WIDE_FIT, SEEDS, split, resume=dataclasses.replace(short, state=None))


def count_steps(monkeypatch) -> list[int]:
    """Count optimizer steps taken through the runner from now on."""
    calls = []
    original = train_module.FusedAdam.step

    def step(self):
        calls.append(1)
        return original(self)
    monkeypatch.setattr(train_module.FusedAdam, "step", step)
    return calls


def test_runner_extends_from_the_cache_at_the_cost_of_the_extra_steps_only(tmp_path, monkeypatch):
    runner = Runner(cache=RunCache(tmp_path / "cache"))
    steps = count_steps(monkeypatch)
    short = runner.train(shorter(MNIST_MLP, 3), SEEDS)
    assert len(steps) == 3 * 7  # 200 images in batches of 32: 7 steps per epoch
    steps.clear()
    extended = runner.extend(short, 5)
    assert len(steps) == 2 * 7 and extended.resumed_from == 3 and extended.cached == [False, False]
    assert_same_run(extended, Runner(cache=RunCache(tmp_path / "other")).train(MNIST_MLP, SEEDS))
    # the budget each run reached, in the provenance and the cache
    assert [(e["epochs"], e["resumed_from"]) for e in runner.log] == [(3, None), (5, 3)]
    assert runner.log[1]["resume_load_seconds"] >= 0
    assert runner.budgets(MNIST_MLP, SEEDS) == [3, 5]
    key = runner.run_keys(MNIST_MLP, SEEDS)[0]
    assert key.endswith("-e5") and runner.cache.load(key)["epochs_reached"] == 5
    # both budgets stay served: the longer run did not replace the shorter one
    steps.clear()
    assert runner.train(shorter(MNIST_MLP, 3), SEEDS).cached == [True, True]
    assert runner.train(MNIST_MLP, SEEDS).cached == [True, True] and not steps
    assert runner.log[-1]["resumed_from"] == 3  # how the cached entry was made


def test_runner_resumes_from_the_longest_shorter_run(tmp_path, monkeypatch):
    runner = Runner(cache=RunCache(tmp_path))
    for epochs in (10, 40, 80):
        runner.train(shorter(DEEP_FIT, epochs), SEEDS)
    steps = count_steps(monkeypatch)
    sixty = runner.train(DEEP_FIT, SEEDS)
    assert sixty.resumed_from == 40 and len(steps) == 20  # not from 10, and never from the longer run
    assert_same_run(sixty, train_ensemble(DEEP_FIT, SEEDS, load_split(DEEP_FIT.data, "cpu")))


def test_a_budget_cached_for_other_seeds_is_not_resumed_from(tmp_path):
    runner = Runner(cache=RunCache(tmp_path))
    runner.train(shorter(WIDE_FIT, 10), [3, 4, 5])
    assert runner.train(WIDE_FIT, SEEDS).resumed_from is None
    assert runner.train(dataclasses.replace(WIDE_FIT, lr=1e-3, epochs=60), SEEDS).resumed_from is None


def test_a_corrupt_shorter_run_is_skipped_for_the_next_one(tmp_path):
    runner = Runner(cache=RunCache(tmp_path))
    for epochs in (10, 30):
        runner.train(shorter(DEEP_FIT, epochs), SEEDS)
    path = runner.cache.path(runner.run_keys(shorter(DEEP_FIT, 30), SEEDS)[1])
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.warns(CacheWarning, match="corrupt"):
        extended = runner.train(DEEP_FIT, SEEDS)
    assert extended.resumed_from == 10
    assert_same_run(extended, train_ensemble(DEEP_FIT, SEEDS, load_split(DEEP_FIT.data, "cpu")))


def test_an_extension_interrupted_while_training_stores_nothing(tmp_path, monkeypatch):
    runner = Runner(cache=RunCache(tmp_path))
    short = runner.train(shorter(MNIST_MLP, 3), SEEDS)
    steps, original = [], train_module.FusedAdam.step

    def interrupted(self):
        if len(steps) == 5:
            raise KeyboardInterrupt
        steps.append(1)
        return original(self)
    monkeypatch.setattr(train_module.FusedAdam, "step", interrupted)
    with pytest.raises(KeyboardInterrupt):
        runner.extend(short, 5)
    assert runner.budgets(MNIST_MLP, SEEDS) == [3]
    assert_same_run(runner.train(shorter(MNIST_MLP, 3), SEEDS), short)


KILLED_EXTENSION = """
    import os, signal, sys
    import harness.cache as cache_module
    from harness.cache import RunCache
    from harness.runner import Runner
    from tests.test_resume import MNIST_MLP, SEEDS

    def killed(src, dst):  # the process dies as it would publish the longer run
        if str(dst).endswith("-e5.pt"):
            os.kill(os.getpid(), signal.SIGKILL)
        return real_replace(src, dst)
    real_replace, cache_module.os.replace = cache_module.os.replace, killed
    Runner(cache=RunCache(sys.argv[1])).train(MNIST_MLP, SEEDS)
"""


def test_a_killed_extension_leaves_the_shorter_run_intact(tmp_path):
    runner = Runner(cache=RunCache(tmp_path))
    short = runner.train(shorter(MNIST_MLP, 3), SEEDS)
    entries = {p: p.read_bytes() for p in tmp_path.rglob("*.pt")}
    result = run_python(textwrap.dedent(KILLED_EXTENSION), str(tmp_path))
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.pt")} == entries  # the shorter run, byte for byte
    assert runner.budgets(MNIST_MLP, SEEDS) == [3] and list(tmp_path.rglob("*.tmp"))
    again = runner.train(shorter(MNIST_MLP, 3), SEEDS)
    assert again.cached == [True, True]
    assert_same_run(again, short)
    extended = runner.extend(again, 5)  # and the extension can be redone from it
    assert extended.resumed_from == 3
    assert_same_run(extended, train_ensemble(MNIST_MLP, SEEDS, load_split(MNIST_MLP.data, "cpu")))


def test_budget_keys_name_their_lineage_and_epochs(tmp_path):
    cache = RunCache(tmp_path)
    lineage = "ab" * 32
    for epochs in (30, 4, 100):
        cache.store(budget_key(lineage, epochs), {"epochs_reached": epochs})
    cache.store("ab" + "cd" * 31, {"other": 1})  # another lineage in the same folder
    assert cache.budgets(lineage) == [4, 30, 100]
    assert cache.load(budget_key(lineage, 30)) == {"epochs_reached": 30}
    with pytest.raises(ValueError):
        budget_key("not-hex", 3)
    with pytest.raises(ValueError):
        cache.path(lineage + "-e")
    assert RunCache(tmp_path, enabled=False).budgets(lineage) == []
